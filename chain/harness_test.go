package chain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
)

const (
	testChainID    = "restaked-test"
	genesisTime_s  = int64(1_767_225_600) // 2026-01-01
	testBlockTime  = int64(5)
	validatorLabel = "val"
)

func key(label string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte("restaked/chain/test/" + label))
	return ed25519.NewKeyFromSeed(s[:])
}

func addrOf(label string) account.Address {
	return account.FromPubKey(key(label).Public().(ed25519.PublicKey))
}

func consPub(label string) []byte {
	return append([]byte(nil), key("cons/"+label).Public().(ed25519.PublicKey)...)
}

// testGenesis funds alice, bob, the validator and the authority, with one validator.
func testGenesis(mut func(p *params.Params)) Genesis {
	p := params.Default()
	p.Authority = addrOf("authority")
	p.MinFee = num.Int{} // fees are tested on their own (TestMinFee)
	if mut != nil {
		mut(&p)
	}
	accs := []GenesisAccount{
		{Address: addrOf("alice"), Coins: "1000000stake,500usdc"},
		{Address: addrOf("bob"), Coins: "1000stake"},
		{Address: addrOf(validatorLabel), Coins: "2000000stake"},
		{Address: addrOf("authority"), Coins: "10stake"},
	}
	vals := []GenesisValidator{{Operator: addrOf(validatorLabel), ConsPubKey: consPub(validatorLabel),
		SelfDelegation: num.NewInt(1_000_000), Commission: num.MustDec("0.1"), Moniker: "val"}}
	return Genesis{ChainID: testChainID, Params: p, Accounts: accs, Validators: vals}
}

// harness drives a chain block by block, checking invariants after each.
type harness struct {
	t     testing.TB
	c     *Chain
	time  int64
	inBlk bool
}

func newHarness(t testing.TB, base store.Base, g Genesis) *harness {
	t.Helper()
	c, err := New(testChainID, base)
	if err != nil {
		t.Fatal(err)
	}
	c.CheckInvariants = true
	if _, _, err := c.InitChain(g, genesisTime_s); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, c: c, time: genesisTime_s}
	h.begin()
	return h
}

func (h *harness) begin() {
	h.t.Helper()
	h.time += testBlockTime
	if err := h.c.BeginBlock(Header{Height: h.c.Height() + 1, Time_s: h.time}); err != nil {
		h.t.Fatal(err)
	}
	h.inBlk = true
}

// next ends the current block, commits it and starts the next one.
func (h *harness) next() BlockResult {
	h.t.Helper()
	res, err := h.c.EndBlock()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.c.Commit(); err != nil {
		h.t.Fatal(err)
	}
	h.begin()
	return res
}

func (h *harness) seq(label string) uint64 {
	s, err := auth.Sequence(h.c.BlockState(), addrOf(label))
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// signed builds a tx from label with its current sequence.
func (h *harness) signed(label, fee string, msgs ...proto.Message) []byte {
	h.t.Helper()
	return signTx(h.t, key(label), testChainID, h.seq(label), fee, msgs...)
}

func signTx(t testing.TB, k ed25519.PrivateKey, chainID string, seq uint64, fee string, msgs ...proto.Message) []byte {
	t.Helper()
	raw, err := tx.SignMsgs(k, chainID, seq, fee, msgs...)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (h *harness) deliver(label string, msgs ...proto.Message) TxResult {
	h.t.Helper()
	return h.c.DeliverTx(h.signed(label, "", msgs...))
}

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	bz, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return bz
}
