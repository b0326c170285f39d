package restaking_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
)

const (
	chainID  = "restaking-test"
	start_s  = int64(1_767_225_600)
	block_s  = int64(5)
	day_s    = int64(86_400)
	valLabel = "val"
)

func key(label string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte("restaked/restaking/test/" + label))
	return ed25519.NewKeyFromSeed(s[:])
}

func addr(label string) account.Address {
	return account.FromPubKey(key(label).Public().(ed25519.PublicKey))
}

func consPub(label string) []byte {
	return append([]byte(nil), key("cons/"+label).Public().(ed25519.PublicKey)...)
}

// tb is what h needs from *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// h drives a real chain (every module, invariants after every block) with
// signed transactions; time jumps between blocks so long delays are cheap.
type h struct {
	t    tb
	c    *chain.Chain
	time int64
	ev   []staking.Evidence
}

func genesis(mut func(p *params.Params)) chain.Genesis {
	p := params.Default()
	p.Authority, p.MinFee, p.Inflation = addr("authority"), num.Int{}, num.ZeroDec()
	if mut != nil {
		mut(&p)
	}
	var accs []chain.GenesisAccount
	for _, l := range []string{"alice", "bob", "carol", "op", "svc", "svc2", "authority"} {
		accs = append(accs, chain.GenesisAccount{Address: addr(l), Coins: "1000000stake,1000000usdc"})
	}
	accs = append(accs, chain.GenesisAccount{Address: addr(valLabel), Coins: "2000000stake"})
	vals := []chain.GenesisValidator{{Operator: addr(valLabel), ConsPubKey: consPub(valLabel),
		SelfDelegation: num.NewInt(1_000_000), Commission: num.MustDec("0.1"), Moniker: "val"}}
	return chain.Genesis{ChainID: chainID, Params: p, Accounts: accs, Validators: vals}
}

func newH(t testing.TB, mut func(p *params.Params)) *h {
	t.Helper()
	c, err := chain.New(chainID, store.NewMemBase())
	if err != nil {
		t.Fatal(err)
	}
	c.CheckInvariants, c.VerifySignatures = true, false
	if _, _, err := c.InitChain(genesis(mut), start_s); err != nil {
		t.Fatal(err)
	}
	x := &h{t: t, c: c, time: start_s}
	x.begin(block_s)
	x.ok("authority", &tx.MsgRegisterAsset{Authority: addr("authority").String(), Denom: "usdc", Price: "0.5"})
	return x
}

func (x *h) begin(dt int64) {
	x.t.Helper()
	x.time += dt
	hdr := chain.Header{Height: x.c.Height() + 1, Time_s: x.time, Evidence: x.ev}
	x.ev = nil
	if err := x.c.BeginBlock(hdr); err != nil {
		x.t.Fatal(err)
	}
}

// advance ends the block and starts one dt seconds later (invariants run at commit).
func (x *h) advance(dt int64) {
	x.t.Helper()
	if _, err := x.c.EndBlock(); err != nil {
		x.t.Fatal(err)
	}
	if err := x.c.Commit(); err != nil {
		x.t.Fatal(err)
	}
	x.begin(dt)
}

func (x *h) deliver(label string, msgs ...proto.Message) chain.TxResult {
	x.t.Helper()
	seq, err := auth.Sequence(x.c.BlockState(), addr(label))
	if err != nil {
		x.t.Fatal(err)
	}
	raw, err := tx.SignMsgs(key(label), chainID, seq, "", msgs...)
	if err != nil {
		x.t.Fatal(err)
	}
	return x.c.DeliverTx(raw)
}

func (x *h) ok(label string, msgs ...proto.Message) {
	x.t.Helper()
	if r := x.deliver(label, msgs...); r.Code != chain.CodeOK {
		x.t.Fatalf("%s: %s: %s", label, r.Rule, r.Log)
	}
}

// fails checks the tx is rejected with rule and changes nothing but the sequence.
func (x *h) fails(rule, label string, msgs ...proto.Message) {
	x.t.Helper()
	before := x.digest(label)
	r := x.deliver(label, msgs...)
	if r.Code != chain.CodeRejected || r.Rule != rule {
		x.t.Fatalf("%s: want rejection %q, got code %d %q: %s", label, rule, r.Code, r.Rule, r.Log)
	}
	if after := x.digest(label); after != before {
		x.t.Fatalf("rejected %s changed state", rule)
	}
}

// digest summarises the state a rejected tx must not touch: every key
// outside the signer's sequence.
func (x *h) digest(label string) string {
	var b strings.Builder
	seqKey := "auth/seq/" + string(func() []byte { a := addr(label); return a[:] }())
	x.c.BlockState().Iterate(nil, nil, false, func(k, v []byte) bool {
		if string(k) != seqKey {
			b.Write(k)
			b.Write(v)
		}
		return true
	})
	s := sha256.Sum256([]byte(b.String()))
	return string(s[:])
}

func (x *h) balance(label, denom string) num.Int {
	x.t.Helper()
	v, err := bank.Balance(x.c.BlockState(), addr(label), denom)
	if err != nil {
		x.t.Fatal(err)
	}
	return v
}

func (x *h) withdrawable(staker, op, asset string) num.Int {
	x.t.Helper()
	v, err := restaking.Withdrawable(x.c.BlockState(), addr(staker), addr(op), asset)
	if err != nil {
		x.t.Fatal(err)
	}
	return v
}

func (x *h) allocated(op, svc, asset string) num.Int {
	x.t.Helper()
	v, err := restaking.AllocatedStake(x.c.BlockState(), addr(op), svc, asset)
	if err != nil {
		x.t.Fatal(err)
	}
	return v
}

func eq(t testing.TB, what string, got num.Int, want uint64) {
	t.Helper()
	if !got.Eq(num.NewInt(want)) {
		t.Fatalf("%s = %s, want %d", what, got, want)
	}
}

// Message builders with the common fields filled in.

func s(label string) string { return addr(label).String() }

func registerOperator(label string, validator bool, degree string) *tx.MsgRegisterOperator {
	m := &tx.MsgRegisterOperator{Operator: s(label), Degree: degree}
	if validator {
		m.Validator = s(label)
	}
	return m
}

func registerService(admin, name string, assets ...string) *tx.MsgRegisterService {
	return &tx.MsgRegisterService{Admin: s(admin), Name: name, Slasher: s(admin), Assets: assets, Pfc: "1000", Threshold: "0.5"}
}

func optIn(op, svc string) *tx.MsgOptIn { return &tx.MsgOptIn{Operator: s(op), Service: svc} }

func deposit(staker, op, amount string) *tx.MsgDeposit {
	return &tx.MsgDeposit{Staker: s(staker), Operator: s(op), Amount: amount}
}

func allocate(op, svc, asset, mag string) *tx.MsgAllocate {
	return &tx.MsgAllocate{Operator: s(op), Service: svc, Asset: asset, Magnitude: mag}
}

func slash(slasher, svc, op, f string) *tx.MsgSlash {
	return &tx.MsgSlash{Slasher: s(slasher), Service: svc, Operator: s(op), Fraction: f}
}

func queue(staker, op, amount string) *tx.MsgQueueWithdrawal {
	return &tx.MsgQueueWithdrawal{Staker: s(staker), Operator: s(op), Amount: amount}
}

func complete(staker string, id uint64) *tx.MsgCompleteWithdrawal {
	return &tx.MsgCompleteWithdrawal{Staker: s(staker), Id: id}
}

// twoServices: operator "op" in services a (admin svc) and b (admin svc2),
// alice's 10,000 usdc deposited with it, allocations a=ma, b=mb.
func twoServices(t testing.TB, mut func(p *params.Params), degree, ma, mb string) *h {
	x := newH(t, mut)
	x.ok("op", registerOperator("op", false, degree))
	x.ok("svc", registerService("svc", "a", "usdc"))
	x.ok("svc2", registerService("svc2", "b", "usdc"))
	x.ok("op", optIn("op", "a"), optIn("op", "b"))
	x.ok("alice", deposit("alice", "op", "10000usdc"))
	x.ok("op", allocate("op", "a", "usdc", ma))
	if mb != "" {
		x.ok("op", allocate("op", "b", "usdc", mb))
	}
	x.advance(block_s)
	return x
}

func (x *h) maxMag(op, asset string) num.Dec {
	x.t.Helper()
	m, err := restaking.VaultMagnitude(x.c.BlockState(), addr(op), asset)
	if err != nil {
		x.t.Fatal(err)
	}
	return m
}

// nextSlashID is the id the next slash request will get.
func (x *h) nextSlashID() uint64 {
	x.t.Helper()
	list, err := restaking.Slashes(x.c.BlockState(), account.Address{}, 0, 1)
	if err != nil {
		x.t.Fatal(err)
	}
	if len(list) == 0 {
		return 1
	}
	return list[0].ID + 1
}
