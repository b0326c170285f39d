package main

import (
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

// The plan keeps the rules seedDemo relies on: one transaction per signer
// per phase (sequences come from committed state) within the message limit.
func TestDemoPlanShape(t *testing.T) {
	for _, ph := range demoPlan() {
		seen := map[string]bool{}
		for _, dt := range ph.txs {
			if seen[dt.signer] {
				t.Errorf("phase %q: %s signs twice", ph.name, dt.signer)
			}
			seen[dt.signer] = true
			if len(dt.msgs) == 0 || len(dt.msgs) > tx.MaxMsgs {
				t.Errorf("phase %q: %s's tx has %d messages", ph.name, dt.signer, len(dt.msgs))
			}
		}
	}
	if n := len(demoStakerRows()); n != demoStakers {
		t.Fatalf("%d staker rows, want %d", n, demoStakers)
	}
}

// demoChain is the demo devnet's genesis on an in-memory chain, driven
// block by block with invariants checked after each commit.
type demoChain struct {
	t      *testing.T
	c      *chain.Chain
	time_s int64
}

func newDemoChain(t *testing.T) *demoChain {
	t.Helper()
	var funded []fundedKey
	for _, a := range append(append([]namedCoins{}, devnetAccounts...), demoAccounts()...) {
		funded = append(funded, fundedKey{Name: a.name, Address: devnetAddr(a.name), Coins: a.coins})
	}
	op := devnetAddr("validator")
	cons := devnetKey("consensus/test-node").Public().(ed25519.PublicKey)
	vals := append([]chain.GenesisValidator{genesisValidator(op, cons, "100000000000000", "devnet")}, demoValidators()...)
	raw, err := buildGenesis(devnetChainID, op, funded, vals, demoGenesisParams)
	if err != nil {
		t.Fatal(err)
	}
	g, err := chain.ParseGenesis(raw)
	if err != nil {
		t.Fatal(err)
	}
	c, err := chain.New(devnetChainID, store.NewMemBase())
	if err != nil {
		t.Fatal(err)
	}
	c.CheckInvariants = true
	d := &demoChain{t: t, c: c, time_s: 1_767_225_600}
	if _, _, err := c.InitChain(g, d.time_s); err != nil {
		t.Fatal(err)
	}
	return d
}

// block runs txs in one block dt seconds after the last and commits it.
func (d *demoChain) block(dt int64, txs []demoTx) {
	d.t.Helper()
	d.time_s += dt
	if err := d.c.BeginBlock(chain.Header{Height: d.c.Height() + 1, Time_s: d.time_s}); err != nil {
		d.t.Fatal(err)
	}
	for _, dtx := range txs {
		if r := d.c.DeliverTx(d.sign(dtx)); r.Code != chain.CodeOK {
			d.t.Fatalf("%s's tx at height %d: rule %s: %s", dtx.signer, d.c.Height()+1, r.Rule, r.Log)
		}
	}
	if _, err := d.c.EndBlock(); err != nil {
		d.t.Fatal(err)
	}
	if err := d.c.Commit(); err != nil {
		d.t.Fatal(err)
	}
}

func (d *demoChain) sign(dtx demoTx) []byte {
	d.t.Helper()
	seq, err := auth.Sequence(d.c.BlockState(), devnetAddr(dtx.signer))
	if err != nil {
		d.t.Fatal(err)
	}
	raw, err := tx.SignMsgs(devnetKey(dtx.signer), devnetChainID, seq, fmt.Sprintf("%dstake", devnetMinFee*len(dtx.msgs)), dtx.msgs...)
	if err != nil {
		d.t.Fatal(err)
	}
	return raw
}

// Every seeding transaction succeeds on the demo genesis, one block per
// phase as on the devnet; once the operators' allocation delays have
// passed, the state holds what the demo record describes.
func TestDemoPlanOnChain(t *testing.T) {
	d := newDemoChain(t)
	for _, ph := range demoPlan() {
		d.block(1, ph.txs)
	}
	for range 6 { // 3 minutes: past the longest allocation delay (2m)
		d.block(30, nil)
	}
	rec, err := newDemoRecord()
	if err != nil {
		t.Fatal(err)
	}
	r := d.c.Committed()
	checkDemoOperators(t, r, rec, d.time_s)
	checkDemoServices(t, r, rec, d.time_s)
	checkDemoStakers(t, r, rec)
	checkDemoVault(t, r, rec)
	checkDemoPower(t, r)
	checkDemoPrograms(t, r, rec)
}

// checkDemoPrograms: each service's program is funded and running, and
// stakers already have pending service streams in every program denom.
func checkDemoPrograms(t *testing.T, r store.Reader, rec demoRecord) {
	t.Helper()
	denoms := map[string]bool{}
	for _, s := range rec.Services {
		list, err := restaking.Programs(r, s.Name, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if s.Program == "" {
			if len(list) != 0 {
				t.Errorf("service %s has programs %+v, none in the record", s.Name, list)
			}
			continue
		}
		if len(list) != 1 || coin.New(list[0].Denom, list[0].Amount).String()+" over "+demoProgramDuration != s.Program ||
			list[0].Status != restaking.ProgramActive || list[0].Credited.IsZero() {
			t.Fatalf("service %s: programs %+v, want one of %s, running", s.Name, list, s.Program)
		}
		denoms[list[0].Denom] = false
	}
	if len(denoms) < 2 {
		t.Fatalf("demo programs pay in %d denoms, want at least 2", len(denoms))
	}
	for _, st := range rec.Stakers {
		streams, err := restaking.PendingService(r, mustAddr(t, st.Address))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range streams {
			denoms[x.Denom] = denoms[x.Denom] || !x.Amount.IsZero()
		}
	}
	for d, paid := range denoms {
		if !paid {
			t.Errorf("no staker has a pending service stream in %s", d)
		}
	}
}

// The summary points at the reward programs and a staker's streams.
func TestDemoSummaryPrograms(t *testing.T) {
	rec, err := newDemoRecord()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	printDemoSummary(&b, rec, "/tmp/demo-home", "127.0.0.1:1317")
	for _, want := range []string{"pays a reward program of 3000000000stake over 30d", "8000000000usdc over 30d",
		"restaked query programs --api http://127.0.0.1:1317", "restaked query rewards " + rec.Stakers[0].Address} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

func mustAddr(t *testing.T, s string) account.Address {
	t.Helper()
	a, err := account.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func checkDemoOperators(t *testing.T, r store.Reader, rec demoRecord, now_s int64) {
	t.Helper()
	for _, o := range rec.Operators {
		addr := mustAddr(t, o.Address)
		op, err := restaking.GetOperator(r, addr, now_s)
		if err != nil || !op.Validator || fmt.Sprint(op.Degree) != o.Degree {
			t.Fatalf("operator %s: %+v %v", o.Name, op, err)
		}
		allocs, err := restaking.Allocations(r, addr)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, a := range allocs {
			if a.Pending {
				t.Errorf("%s's allocation to %s in %s is still pending", o.Name, a.Service, a.Asset)
			}
			got[a.Service+"/"+a.Asset] = a.Magnitude.String()
		}
		for _, a := range o.Allocations {
			if want := num.MustDec(a.Magnitude).String(); got[a.Service+"/"+a.Asset] != want {
				t.Errorf("%s → %s in %s: magnitude %q, want %s", o.Name, a.Service, a.Asset, got[a.Service+"/"+a.Asset], want)
			}
		}
		native, err := staking.DelegatorTokens(r, mustAddr(t, o.NativeAccount), addr)
		if err != nil || native.String() != o.NativeRestaked {
			t.Errorf("%s: native restaked %s, want %s (%v)", o.Name, native, o.NativeRestaked, err)
		}
	}
}

func checkDemoServices(t *testing.T, r store.Reader, rec demoRecord, now_s int64) {
	t.Helper()
	for _, s := range rec.Services {
		svc, err := restaking.GetService(r, s.Name, now_s)
		if err != nil {
			t.Fatalf("service %s: %v", s.Name, err)
		}
		if svc.Slasher.String() != s.Slasher || svc.Allowlist != (s.Policy == "allowlist") || len(svc.Assets) != len(s.Assets) ||
			svc.PfC.String() != s.PfC || (s.Resolver == "") != svc.Resolver.IsZero() || (s.Destination == "burn") != svc.Destination.IsZero() {
			t.Errorf("service %s is %+v, want %+v", s.Name, svc, s)
		}
	}
}

func checkDemoStakers(t *testing.T, r store.Reader, rec demoRecord) {
	t.Helper()
	for _, s := range rec.Stakers {
		ps, err := restaking.Positions(r, mustAddr(t, s.Address))
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != len(s.Deposits) {
			t.Errorf("%s has %d positions, want %d", s.Name, len(ps), len(s.Deposits))
		}
	}
}

// checkDemoVault: restaked ststake and usdc sit in the vault account.
func checkDemoVault(t *testing.T, r store.Reader, rec demoRecord) {
	t.Helper()
	want, err := coin.Parse(rec.Restaked)
	if err != nil {
		t.Fatal(err)
	}
	for _, denom := range []string{"ststake", "usdc"} {
		got, err := bank.Balance(r, restaking.VaultAccount, denom)
		if err != nil || !got.Eq(want.AmountOf(denom)) {
			t.Errorf("vault holds %s%s, want %s (%v)", got, denom, want.AmountOf(denom), err)
		}
	}
}

// checkDemoPower: the validators no node runs hold well under a third of
// the power, so the devnet's one node keeps making blocks.
func checkDemoPower(t *testing.T, r store.Reader) {
	t.Helper()
	vals, err := staking.Validators(r)
	if err != nil {
		t.Fatal(err)
	}
	var total, offline num.Int
	for _, v := range vals {
		total, _ = total.Add(v.Tokens)
		if v.Operator != devnetAddr("validator") {
			offline, _ = offline.Add(v.Tokens)
		}
	}
	if ten, _ := offline.Mul(num.NewInt(10)); !ten.LT(total) {
		t.Fatalf("validators without a node hold %s of %s tokens (want under a tenth)", offline, total)
	}
}
