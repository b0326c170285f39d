package chain

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"

	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
)

func balance(t testing.TB, h *harness, label, denom string) string {
	b, err := bank.Balance(h.c.BlockState(), addrOf(label), denom)
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// snapshot lists every key/value in the block's state, for "nothing changed" checks.
func snapshot(r store.Reader) string {
	var b strings.Builder
	r.Iterate(nil, nil, false, func(k, v []byte) bool {
		fmt.Fprintf(&b, "%x=%x\n", k, v)
		return true
	})
	return b.String()
}

func TestSendAndSequence(t *testing.T) {
	h := newHarness(t, store.NewMemBase(), testGenesis(nil))
	r := h.deliver("alice", &tx.MsgSend{From: addrOf("alice").String(), To: addrOf("bob").String(), Amount: "100stake,5usdc"})
	if r.Code != CodeOK {
		t.Fatalf("send failed: %s", r.Log)
	}
	if got := balance(t, h, "bob", "stake"); got != "1100" {
		t.Fatalf("bob = %s", got)
	}
	if got := balance(t, h, "bob", "usdc"); got != "5" {
		t.Fatalf("bob usdc = %s", got)
	}
	if h.seq("alice") != 1 {
		t.Fatalf("sequence = %d", h.seq("alice"))
	}
	h.next()
}

// Every admission and message rule rejects with its rule name; a rejected
// admission changes nothing, a failed message keeps only fee and sequence.
func TestRejections(t *testing.T) {
	alice, bob := addrOf("alice").String(), addrOf("bob").String()
	send := func(from, amount string) *tx.MsgSend { return &tx.MsgSend{From: from, To: bob, Amount: amount} }
	cases := []struct {
		name     string
		raw      func(h *harness) []byte
		rule     string
		feeTaken bool
	}{
		{"wrong signer", func(h *harness) []byte { return h.signed("bob", "", send(alice, "1stake")) }, "wrong-signer", true},
		{"insufficient funds", func(h *harness) []byte { return h.signed("bob", "", send(bob, "1001stake")) }, "insufficient-funds", true},
		{"malformed amount", func(h *harness) []byte { return h.signed("alice", "", send(alice, "1.5stake")) }, "bad-amount", true},
		{"zero amount", func(h *harness) []byte { return h.signed("alice", "", send(alice, "0stake")) }, "bad-amount", true},
		{"overflowing amount", func(h *harness) []byte {
			return h.signed("alice", "", send(alice, "115792089237316195423570985008687907853269984665640564039457584007913129639936stake"))
		}, "bad-amount", true},
		{"bad address", func(h *harness) []byte {
			return h.signed("alice", "", &tx.MsgSend{From: alice, To: "rst1nope", Amount: "1stake"})
		}, "bad-address", true},
		{"unknown validator", func(h *harness) []byte {
			return h.signed("alice", "", &tx.MsgDelegate{Delegator: alice, Validator: bob, Amount: "1stake"})
		}, "unknown-validator", true},
		{"not authority", func(h *harness) []byte {
			return h.signed("alice", "", &tx.MsgSetParams{Authority: alice, Params: []*tx.Param{{Name: "inflation", Value: "0.5"}}})
		}, "not-authority", true},
		{"replayed sequence", func(h *harness) []byte { return signTx(h.t, key("alice"), testChainID, 99, "", send(alice, "1stake")) }, "wrong-sequence", false},
		{"wrong chain", func(h *harness) []byte { return signTx(h.t, key("alice"), "other", 0, "", send(alice, "1stake")) }, "wrong-chain", false},
		{"bad signature", func(h *harness) []byte {
			raw := h.signed("alice", "", send(alice, "1stake"))
			d, _ := tx.Decode(raw)
			d.Tx.Signature[0] ^= 1
			return mustMarshal(h.t, d.Tx)
		}, "bad-signature", false},
		{"signature by another key", func(h *harness) []byte {
			raw := h.signed("alice", "", send(alice, "1stake"))
			d, _ := tx.Decode(raw)
			d.Tx.PubKey = key("bob").Public().(ed25519.PublicKey)
			return mustMarshal(h.t, d.Tx)
		}, "bad-signature", false},
		{"fee in wrong denom", func(h *harness) []byte { return h.signed("alice", "1usdc", send(alice, "1stake")) }, "bad-fee", false},
		{"fee unaffordable", func(h *harness) []byte { return h.signed("bob", "5000stake", send(bob, "1stake")) }, "insufficient-fee-funds", false},
		{"undecodable", func(h *harness) []byte { return []byte("not a tx") }, "decode", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, store.NewMemBase(), testGenesis(nil))
			h.next()
			raw := c.raw(h)
			before := snapshot(h.c.BlockState())
			r := h.c.DeliverTx(raw)
			if r.Code == CodeOK || r.Rule != c.rule {
				t.Fatalf("got code %d rule %q (%s), want rule %q", r.Code, r.Rule, r.Log, c.rule)
			}
			after := snapshot(h.c.BlockState())
			if !c.feeTaken && before != after {
				t.Fatal("rejected admission changed state")
			}
			if c.feeTaken && before == after {
				t.Fatal("failed message did not bump the sequence")
			}
			h.next() // invariants hold
		})
	}
}

func TestMinFee(t *testing.T) {
	h := newHarness(t, store.NewMemBase(), testGenesis(func(p *params.Params) { p.MinFee = num.NewInt(10) }))
	alice, bob := addrOf("alice").String(), addrOf("bob").String()
	if r := h.c.DeliverTx(h.signed("alice", "9stake", &tx.MsgSend{From: alice, To: bob, Amount: "1stake"})); r.Rule != "insufficient-fee" {
		t.Fatalf("low fee: %+v", r)
	}
	// A failing message still pays its fee.
	if r := h.c.DeliverTx(h.signed("alice", "10stake", &tx.MsgSend{From: alice, To: bob, Amount: "9999999stake"})); r.Rule != "insufficient-funds" {
		t.Fatalf("failing send: %+v", r)
	}
	if got := balance(t, h, "alice", "stake"); got != "999990" {
		t.Fatalf("alice = %s, want fee taken", got)
	}
	if r := h.c.DeliverTx(h.signed("alice", "10stake", &tx.MsgSend{From: alice, To: bob, Amount: "1stake"})); r.Code != CodeOK {
		t.Fatalf("good tx: %+v", r)
	}
	h.next()
}

// A multi-message tx is atomic: the second message failing reverts the first.
func TestMultiMessageAtomic(t *testing.T) {
	h := newHarness(t, store.NewMemBase(), testGenesis(nil))
	alice, bob := addrOf("alice").String(), addrOf("bob").String()
	r := h.deliver("alice", &tx.MsgSend{From: alice, To: bob, Amount: "5stake"}, &tx.MsgSend{From: alice, To: bob, Amount: "1nosuch"})
	if r.Code == CodeOK {
		t.Fatal("expected failure")
	}
	if got := balance(t, h, "bob", "stake"); got != "1000" {
		t.Fatalf("first message not reverted: bob = %s", got)
	}
	h.next()
}

func TestSetParamsByAuthority(t *testing.T) {
	h := newHarness(t, store.NewMemBase(), testGenesis(nil))
	r := h.deliver("authority", &tx.MsgSetParams{Authority: addrOf("authority").String(), Params: []*tx.Param{{Name: "unbonding_period", Value: "1d"}}})
	if r.Code != CodeOK {
		t.Fatal(r.Log)
	}
	h.next()
	if h.c.Params().UnbondingPeriod_s != 86400 {
		t.Fatalf("param not applied: %d", h.c.Params().UnbondingPeriod_s)
	}
	bad := h.deliver("authority", &tx.MsgSetParams{Authority: addrOf("authority").String(), Params: []*tx.Param{{Name: "inflation", Value: "2"}}})
	if bad.Rule != "bad-params" {
		t.Fatalf("out of range accepted: %+v", bad)
	}
	h.next()
}

func TestGenesisValidatorSet(t *testing.T) {
	c, _ := New(testChainID, store.NewMemBase())
	set, hash, err := c.InitChain(testGenesis(nil), genesisTime_s)
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != 1 || !bytes.Equal(set[0].ConsPubKey, consPub(validatorLabel)) || set[0].Power != 1_000_000 {
		t.Fatalf("set = %+v", set)
	}
	if len(hash) != 32 {
		t.Fatal("no genesis app hash")
	}
	if _, _, err := c.InitChain(testGenesis(nil), genesisTime_s); err == nil {
		t.Fatal("second InitChain accepted")
	}
}

// A block's state survives a restart: reopening Pebble resumes at the same
// height and app hash, and the next block continues from there.
func TestPebbleResume(t *testing.T) {
	dir := t.TempDir()
	db, err := store.OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, db, testGenesis(nil))
	h.deliver("alice", &tx.MsgSend{From: addrOf("alice").String(), To: addrOf("bob").String(), Amount: "7stake"})
	h.next()
	h.next()
	if _, err := h.c.EndBlock(); err != nil {
		t.Fatal(err)
	}
	if err := h.c.Commit(); err != nil {
		t.Fatal(err)
	}
	height, hash := h.c.Height(), h.c.AppHash()
	db.Close()
	db, err = store.OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := New(testChainID, db)
	if err != nil {
		t.Fatal(err)
	}
	if c.Height() != height || !bytes.Equal(c.AppHash(), hash) {
		t.Fatalf("resumed at %d %x, want %d %x", c.Height(), c.AppHash(), height, hash)
	}
	b, _ := bank.Balance(c.Committed(), addrOf("bob"), "stake")
	if b.String() != "1007" {
		t.Fatalf("bob = %s", b)
	}
	if err := c.BeginBlock(Header{Height: height + 1, Time_s: genesisTime_s + 100}); err != nil {
		t.Fatal(err)
	}
	v, found, err := staking.GetValidator(c.BlockState(), addrOf(validatorLabel))
	if err != nil || !found || v.Tokens.IsZero() {
		t.Fatalf("validator after resume: %+v %v %v", v, found, err)
	}
}

// The signature cache only skips repeat work: a replica whose CheckTx saw the
// transactions reaches the same app hash as one that verifies everything.
func TestSigCacheDoesNotChangeState(t *testing.T) {
	alice, bob := addrOf("alice").String(), addrOf("bob").String()
	run := func(withCache bool) []byte {
		h := newHarness(t, store.NewMemBase(), testGenesis(nil))
		h.next()
		var raws [][]byte
		for seq := uint64(0); seq < 3; seq++ {
			raws = append(raws, signTx(t, key("alice"), testChainID, seq, "", &tx.MsgSend{From: alice, To: bob, Amount: "3stake"}))
		}
		if withCache {
			h.c.SigCache = tx.NewSigCache(16)
			check := store.NewOverlay(h.c.Committed())
			for _, raw := range raws {
				if r := h.c.Check(check, raw); r.Code != CodeOK {
					t.Fatalf("check: %s", r.Log)
				}
			}
		}
		for _, raw := range raws {
			if r := h.c.DeliverTx(raw); r.Code != CodeOK {
				t.Fatalf("deliver: %s", r.Log)
			}
		}
		return h.next().AppHash
	}
	if !bytes.Equal(run(false), run(true)) {
		t.Fatal("app hash depends on the signature cache")
	}
}

func setParams(from string, kv ...string) *tx.MsgSetParams {
	m := &tx.MsgSetParams{Authority: addrOf(from).String()}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Params = append(m.Params, &tx.Param{Name: kv[i], Value: kv[i+1]})
	}
	return m
}

// Parameter changes that would halt the chain are refused; changes in one
// block build on each other and see the current authority.
func TestSetParamsGuards(t *testing.T) {
	h := newHarness(t, store.NewMemBase(), testGenesis(nil))
	h.next()
	for _, c := range []struct {
		kv   []string
		rule string
	}{
		{[]string{"native_denom", "usdc"}, "bad-params"},
		{[]string{"power_reduction", "1000000000000"}, "empty-validator-set"},
		{[]string{"max_validators", "0"}, "bad-params"},
	} {
		if r := h.deliver("authority", setParams("authority", c.kv...)); r.Rule != c.rule {
			t.Errorf("%v: rule %q (%s), want %q", c.kv, r.Rule, r.Log, c.rule)
		}
	}
	// Two changes in one block both stick.
	h.deliver("authority", setParams("authority", "unbonding_period", "1d"))
	h.deliver("authority", setParams("authority", "inflation", "0.05"))
	// Handing over the authority takes effect at once: the old key is out.
	bob := addrOf("bob").String()
	if r := h.deliver("authority", setParams("authority", "authority", bob)); r.Code != CodeOK {
		t.Fatal(r.Log)
	}
	if r := h.deliver("authority", setParams("authority", "inflation", "0.01")); r.Rule != "not-authority" {
		t.Fatalf("old authority still acts: %+v", r)
	}
	if r := h.deliver("bob", setParams("bob", "inflation", "0.02")); r.Code != CodeOK {
		t.Fatalf("new authority refused: %s", r.Log)
	}
	h.next()
	p := h.c.Params()
	if p.UnbondingPeriod_s != 86400 || p.Inflation.String() != "0.02" || p.Authority.String() != bob {
		t.Fatalf("params = unbonding %d inflation %s authority %s", p.UnbondingPeriod_s, p.Inflation, p.Authority)
	}
}

// Pools hold exactly what their module records: nobody can send into them.
func TestSendToModuleAccountRefused(t *testing.T) {
	h := newHarness(t, store.NewMemBase(), testGenesis(nil))
	for _, to := range moduleAccounts {
		r := h.deliver("alice", &tx.MsgSend{From: addrOf("alice").String(), To: to.String(), Amount: "1stake"})
		if r.Rule != "module-account" {
			t.Fatalf("send to %s: %+v", to, r)
		}
	}
	h.next()
}

// The minimum fee is per message.
func TestMinFeePerMessage(t *testing.T) {
	h := newHarness(t, store.NewMemBase(), testGenesis(func(p *params.Params) { p.MinFee = num.NewInt(10) }))
	alice, bob := addrOf("alice").String(), addrOf("bob").String()
	two := []proto.Message{&tx.MsgSend{From: alice, To: bob, Amount: "1stake"}, &tx.MsgSend{From: alice, To: bob, Amount: "1stake"}}
	if r := h.c.DeliverTx(h.signed("alice", "19stake", two...)); r.Rule != "insufficient-fee" {
		t.Fatalf("two messages for one fee: %+v", r)
	}
	if r := h.c.DeliverTx(h.signed("alice", "20stake", two...)); r.Code != CodeOK {
		t.Fatalf("two messages, two fees: %s", r.Log)
	}
	h.next()
}

// LastBlockTime is what API reads take as "now": the time of the last
// block written to the store read (0 for an empty store).
func TestLastBlockTime(t *testing.T) {
	h := newHarness(t, store.NewMemBase(), testGenesis(nil))
	if got := LastBlockTime(h.c.BlockState()); got != h.time {
		t.Fatalf("in block 1: %d, want its time %d", got, h.time)
	}
	want := h.time
	h.next()
	if got := LastBlockTime(h.c.Committed()); got != want {
		t.Fatalf("after block 1: %d, want %d", got, want)
	}
	if got := LastBlockTime(store.NewMemBase()); got != 0 {
		t.Fatalf("empty store: %d, want 0", got)
	}
}
