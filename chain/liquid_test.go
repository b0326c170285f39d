package chain

import (
	"fmt"
	"strings"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
	"pgregory.net/rapid"
)

func liquidHarness(t testing.TB, mut func(p *params.Params)) *harness {
	return newHarness(t, store.NewMemBase(), testGenesis(mut))
}

func (h *harness) lstake(label, amount string) TxResult {
	h.t.Helper()
	return h.deliver(label, &tx.MsgLiquidStake{From: addrOf(label).String(), Amount: amount})
}

func (h *harness) lunstake(label, amount string) TxResult {
	h.t.Helper()
	return h.deliver(label, &tx.MsgLiquidUnstake{From: addrOf(label).String(), Amount: amount})
}

func (h *harness) bal(a account.Address, denom string) num.Int {
	h.t.Helper()
	b, err := bank.Balance(h.c.BlockState(), a, denom)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

func (h *harness) info() liquid.Info {
	h.t.Helper()
	in, err := liquid.GetInfo(h.c.BlockState())
	if err != nil {
		h.t.Fatal(err)
	}
	return in
}

func mustOK(t testing.TB, r TxResult) {
	t.Helper()
	if r.Code != CodeOK {
		t.Fatalf("tx failed: %s %s", r.Rule, r.Log)
	}
}

// advanceTo runs empty blocks until block time reaches at least t_s, then
// two more (claims are paid the block after their unbonding returns).
func (h *harness) advanceTo(t_s int64) {
	for h.time < t_s {
		h.time += min(3600, t_s-h.time) // hour-long blocks: rewards worth compounding
		h.next()
	}
	h.next() // staking returns the stake
	h.next() // the pool pays the claim
}

func TestLiquidStakeMintsOneToOneWhenEmpty(t *testing.T) {
	h := liquidHarness(t, nil)
	mustOK(t, h.lstake("alice", "1000stake"))
	if got := h.bal(addrOf("alice"), liquid.Denom); !got.Eq(num.NewInt(1000)) {
		t.Fatalf("minted %s, want 1000", got)
	}
	in := h.info()
	if !in.Books.Delegated.Eq(num.NewInt(1000)) || !in.Rate.Eq(num.OneDec()) {
		t.Fatalf("books %+v rate %s", in.Books, in.Rate)
	}
	h.next()
}

func TestLiquidRejections(t *testing.T) {
	alice := addrOf("alice").String()
	cases := []struct {
		name, signer string
		msg          proto.Message
		rule         string
	}{
		{"stake wrong signer", "bob", &tx.MsgLiquidStake{From: alice, Amount: "10stake"}, "wrong-signer"},
		{"unstake wrong signer", "bob", &tx.MsgLiquidUnstake{From: alice, Amount: "10ststake"}, "wrong-signer"},
		{"stake zero", "alice", &tx.MsgLiquidStake{From: alice, Amount: "0stake"}, "bad-amount"},
		{"stake malformed", "alice", &tx.MsgLiquidStake{From: alice, Amount: "ten"}, "bad-amount"},
		{"stake wrong denom", "alice", &tx.MsgLiquidStake{From: alice, Amount: "10usdc"}, "bad-amount"},
		{"stake ststake", "alice", &tx.MsgLiquidStake{From: alice, Amount: "10ststake"}, "bad-amount"},
		{"stake bad address", "alice", &tx.MsgLiquidStake{From: "nope", Amount: "10stake"}, "bad-address"},
		{"stake insufficient", "alice", &tx.MsgLiquidStake{From: alice, Amount: "1000001stake"}, "insufficient-funds"},
		{"unstake zero", "alice", &tx.MsgLiquidUnstake{From: alice, Amount: "0ststake"}, "bad-amount"},
		{"unstake wrong denom", "alice", &tx.MsgLiquidUnstake{From: alice, Amount: "10stake"}, "bad-amount"},
		{"unstake more than held", "alice", &tx.MsgLiquidUnstake{From: alice, Amount: "1001ststake"}, "insufficient-funds"},
		{"empty stake", "alice", &tx.MsgLiquidStake{}, "bad-address"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := liquidHarness(t, nil)
			mustOK(t, h.lstake("alice", "1000stake"))
			before := h.info()
			r := h.deliver(c.signer, c.msg)
			if r.Code != CodeRejected || r.Rule != c.rule {
				t.Fatalf("got code %d rule %q (%s), want rule %q", r.Code, r.Rule, r.Log, c.rule)
			}
			if after := h.info(); !after.Books.Supply.Eq(before.Books.Supply) || after.Claims != before.Claims {
				t.Fatal("a rejected message changed the pool")
			}
			h.next()
		})
	}
}

// compoundEvent finds the pool's compounding in a block's events.
func compoundEvent(res BlockResult) (rewards, fee string, ok bool) {
	for _, e := range res.Events {
		if e.Type != "liquid_compound" {
			continue
		}
		for _, a := range e.Attrs {
			switch a.Key {
			case "rewards":
				rewards = a.Value
			case "fee":
				fee = a.Value
			}
		}
		return rewards, fee, true
	}
	return "", "", false
}

func TestLiquidRewardsCompoundMinusFee(t *testing.T) {
	h := liquidHarness(t, nil)
	mustOK(t, h.lstake("alice", "500000stake"))
	h.next()
	before := h.info()
	var res BlockResult
	found := false
	for i := 0; i < 10 && !found; i++ { // day-long blocks: each crosses a compounding boundary
		h.time += 86400
		res = h.next()
		_, _, found = compoundEvent(res)
	}
	_, _, ok := compoundEvent(res)
	if !ok {
		t.Fatal("the pool never compounded")
	}
	rw, fee, _ := compoundEvent(res)
	R := num.MustInt(strings.TrimSuffix(rw, "stake"))
	F := num.MustInt(strings.TrimSuffix(fee, "stake"))
	// rounding: the fee is paid out, so down.
	if want, _ := num.MustDec("0.1").MulIntDown(R); !F.Eq(want) || F.IsZero() {
		t.Fatalf("fee %s on rewards %s, want %s", F, R, want)
	}
	after := h.info()
	if !after.Rate.GT(before.Rate) {
		t.Fatalf("rate did not rise: %s -> %s", before.Rate, after.Rate)
	}
	if got := h.bal(liquid.FeeAccount, "stake"); !got.Eq(after.FeesPaid) || got.LT(F) {
		t.Fatalf("fee account holds %s, pool paid %s", got, after.FeesPaid)
	}
	if !after.Books.Pending.IsZero() && after.Books.Idle.GT(num.NewInt(1)) {
		t.Fatalf("rewards left idle after compounding: %+v", after.Books)
	}
}

func slashVal(h *harness, label string) {
	h.t.Helper()
	if err := h.c.Inject(func(ctx state.Ctx, p params.Params) error {
		return staking.SlashDoubleSign(ctx, p, addrOf(label), ctx.Height)
	}); err != nil {
		h.t.Fatal(err)
	}
}

func TestLiquidSlashLowersRate(t *testing.T) {
	h := liquidHarness(t, nil)
	mustOK(t, h.lstake("alice", "1000000stake"))
	h.next()
	slashVal(h, validatorLabel)
	in := h.info()
	// 5% of the pool's 1_000_000 delegation: 950_000 left, plus the block's
	// pending rewards. Assets are below the 1_000_000 ststake, so the rate is
	// the plain pro-rata assets / supply: the whole loss falls on the holders.
	want, _ := num.RatioDown(in.Assets, in.Books.Supply)
	if !in.Books.Delegated.Eq(num.NewInt(950_000)) || !in.Rate.Eq(want) || !in.Rate.LT(num.MustDec("0.951")) {
		t.Fatalf("after a 5%% slash: books %+v rate %s", in.Books, in.Rate)
	}
	h.next()
}

// claimOf returns alice's only claim.
func (h *harness) claim(id uint64) liquid.Claim {
	h.t.Helper()
	c, ok, err := liquid.GetClaim(h.c.BlockState(), id)
	if err != nil || !ok {
		h.t.Fatalf("claim %d: %v %v", id, ok, err)
	}
	return c
}

func TestLiquidUnstakePaysRateAtRequestWhenRateRose(t *testing.T) {
	h := liquidHarness(t, func(p *params.Params) { p.UnbondingPeriod_s = 86400 })
	mustOK(t, h.lstake("alice", "500000stake"))
	mustOK(t, h.lstake("bob", "1000stake"))
	h.next()
	mustOK(t, h.lunstake("bob", "1000ststake"))
	c := h.claim(1)
	if !c.Amount.Eq(num.NewInt(1000)) || c.Paid {
		t.Fatalf("claim %+v", c)
	}
	start := h.bal(addrOf("bob"), "stake")
	h.advanceTo(c.Completion_s + 20)
	c = h.claim(1)
	if !c.Paid || !c.PaidAmount.Eq(c.Amount) {
		t.Fatalf("claim after completion %+v", c)
	}
	if got := h.bal(addrOf("bob"), "stake"); !got.Eq(add(t, start, c.Amount)) {
		t.Fatalf("bob holds %s", got)
	}
	if r := h.info().Rate; !r.GT(c.RateAtRequest) {
		t.Fatalf("rate %s did not rise above %s (the excess must stay in the pool)", r, c.RateAtRequest)
	}
	// Paid once: many more blocks pay nothing more.
	for i := 0; i < 50; i++ {
		h.next()
	}
	if got := h.bal(addrOf("bob"), "stake"); !got.Eq(add(t, start, c.Amount)) {
		t.Fatalf("bob paid again: %s", got)
	}
}

func TestLiquidUnstakeSharesSlashDuringUnbonding(t *testing.T) {
	h := liquidHarness(t, func(p *params.Params) { p.UnbondingPeriod_s = 86400 })
	mustOK(t, h.lstake("alice", "900000stake"))
	mustOK(t, h.lstake("bob", "1000stake"))
	h.next()
	mustOK(t, h.lunstake("bob", "1000ststake"))
	h.next()
	slashVal(h, validatorLabel)
	h.next()
	c := h.claim(1)
	start := h.bal(addrOf("bob"), "stake")
	h.advanceTo(c.Completion_s + 20)
	c = h.claim(1)
	if !c.Paid || !c.PaidAmount.LT(c.Amount) {
		t.Fatalf("a slash during unbonding must lower the payout: %+v", c)
	}
	if c.PaidAmount.LT(num.NewInt(940)) { // about 5% lost, shared
		t.Fatalf("paid %s of %s", c.PaidAmount, c.Amount)
	}
	if got := h.bal(addrOf("bob"), "stake"); !got.Eq(add(t, start, c.PaidAmount)) {
		t.Fatalf("bob holds %s", got)
	}
}

func TestLiquidFirstDepositorAttack(t *testing.T) {
	h := liquidHarness(t, nil)
	mustOK(t, h.lstake("bob", "1stake"))
	// The attacker donates almost everything it has to the pool.
	mustOK(t, h.deliver("bob", &tx.MsgSend{From: addrOf("bob").String(), To: liquid.Pool.String(), Amount: "998stake"}))
	mustOK(t, h.lstake("alice", "1000stake"))
	minted := h.bal(addrOf("alice"), liquid.Denom)
	// rate (999 + 1e6) / (1 + 1e6): alice's 1000 stake buy 999 ststake (rounding: down).
	if !minted.Eq(num.NewInt(999)) {
		t.Fatalf("victim minted %s", minted)
	}
	in := h.info()
	aliceValue, _ := minted.MulDivDown(add(t, in.Assets, num.NewInt(liquid.VirtualOffset)), add(t, in.Books.Supply, num.NewInt(liquid.VirtualOffset)))
	if aliceValue.LT(num.NewInt(999)) {
		t.Fatalf("victim's stake is worth %s", aliceValue)
	}
	h.next()
}

// Liquid-staking throughput: liquid_stake of 1stake through DeliverTx,
// transactions signed before the timer starts, a block every 500.
func BenchmarkLiquidStake(b *testing.B) {
	benchLiquidStake(b, newHarness(b, store.NewMemBase(), testGenesis(nil)), true)
}

func BenchmarkLiquidStakeNoSig(b *testing.B) {
	benchLiquidStake(b, newHarness(b, store.NewMemBase(), testGenesis(nil)), false)
}

// BenchmarkLiquidStakeManyValidatorsNoSig: 20 active validators
// (max_validators 20) and 500 more outside the set, as anyone can create
// cheaply. A liquid message costs O(the active set and the pool's
// delegations), not O(all validators).
func BenchmarkLiquidStakeManyValidatorsNoSig(b *testing.B) {
	g := testGenesis(func(p *params.Params) { p.MaxValidators = 20 })
	for i := 0; i < 520; i++ {
		l := fmt.Sprintf("bench-val/%d", i)
		self := uint64(1000)
		if i < 19 {
			self = 1_000_000
		}
		g.Accounts = append(g.Accounts, GenesisAccount{Address: addrOf(l), Coins: "2000000stake"})
		g.Validators = append(g.Validators, GenesisValidator{Operator: addrOf(l), ConsPubKey: consPub(l),
			SelfDelegation: num.NewInt(self), Commission: num.MustDec("0.1"), Moniker: "v"})
	}
	benchLiquidStake(b, newHarness(b, store.NewMemBase(), g), false)
}

func benchLiquidStake(b *testing.B, h *harness, verify bool) {
	h.c.CheckInvariants = false
	h.c.VerifySignatures = verify
	k, seq, from := key("alice"), h.seq("alice"), addrOf("alice").String()
	txs := make([][]byte, b.N)
	for i := range txs {
		txs[i] = signTx(b, k, testChainID, seq+uint64(i), "", &tx.MsgLiquidStake{From: from, Amount: "1stake"})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i, raw := range txs {
		if r := h.c.DeliverTx(raw); r.Code != CodeOK {
			b.Fatal(r.Log)
		}
		if i%500 == 499 {
			h.next()
		}
	}
}

// add is a + b for tests.
func add(t testing.TB, a, b num.Int) num.Int {
	t.Helper()
	s, err := a.Add(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// threeValidators adds carol and dave as validators next to val.
func threeValidators(t *testing.T) *harness {
	return threeValidatorsWith(t, func(p *params.Params) { p.UnbondingPeriod_s = 86400 })
}

func threeValidatorsWith(t *testing.T, mut func(p *params.Params)) *harness {
	g := testGenesis(mut)
	for _, l := range []string{"carol", "dave"} {
		g.Accounts = append(g.Accounts, GenesisAccount{Address: addrOf(l), Coins: "1000000stake"})
		g.Validators = append(g.Validators, GenesisValidator{Operator: addrOf(l), ConsPubKey: consPub(l),
			SelfDelegation: num.NewInt(100_000), Commission: num.MustDec("0.1"), Moniker: l})
	}
	return newHarness(t, store.NewMemBase(), g)
}

func (h *harness) poolOn(label string) num.Int {
	h.t.Helper()
	v, err := staking.DelegatorTokens(h.c.BlockState(), liquid.Pool, addrOf(label))
	if err != nil {
		h.t.Fatal(err)
	}
	return v
}

// The pool fills the validator where it has the least stake (ties: lowest
// address), up to 2 × an equal share of its total, then the next.
func TestLiquidDelegationPolicyCapsEachValidator(t *testing.T) {
	h := threeValidators(t)
	mustOK(t, h.lstake("alice", "3000stake")) // cap 2·3000/3 = 2000
	labels := []string{validatorLabel, "carol", "dave"}
	var total num.Int
	for _, l := range labels {
		v := h.poolOn(l)
		if v.GT(num.NewInt(2000)) {
			t.Fatalf("pool holds %s on %s, over the cap", v, l)
		}
		total = add(t, total, v)
	}
	if !total.Eq(num.NewInt(3000)) {
		t.Fatalf("pool delegated %s", total)
	}
	// The next deposit goes to where the pool has least, first.
	mustOK(t, h.lstake("alice", "600stake")) // cap 2·3600/3 = 2400
	for _, l := range labels {
		if v := h.poolOn(l); v.GT(num.NewInt(2400)) {
			t.Fatalf("pool holds %s on %s, over the cap", v, l)
		}
	}
	// Unstaking undelegates from where the pool has the most.
	most := h.poolOn(validatorLabel)
	mustOK(t, h.lunstake("alice", "100ststake"))
	if got := h.poolOn(validatorLabel); !most.GT(got) && h.poolOn("carol").Eq(h.poolOn("dave")) {
		t.Fatalf("unstake did not undelegate from the largest")
	}
	h.next()
}

// Random liquid traffic with slashes and long gaps: the chain's invariants
// (liquid ones included) hold after every block, every claim is paid at
// most its amount, and all claims are eventually paid.
func TestLiquidRandomProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		h := threeValidators(t)
		who := []string{"alice", "bob", "carol"}
		vals := []string{validatorLabel, "carol", "dave"}
		for i, n := 0, rapid.IntRange(1, 30).Draw(rt, "blocks"); i < n; i++ {
			for j, m := 0, rapid.IntRange(0, 4).Draw(rt, "ops"); j < m; j++ {
				from := rapid.SampledFrom(who).Draw(rt, "from")
				amt := rapid.SampledFrom([]string{"1", "7", "999", "50000", "400000"}).Draw(rt, "amt")
				switch rapid.IntRange(0, 5).Draw(rt, "op") {
				case 5:
					op := addrOf(rapid.SampledFrom(vals).Draw(rt, "ds"))
					_ = h.c.Inject(func(ctx state.Ctx, p params.Params) error {
						return staking.SlashDoubleSign(ctx, p, op, ctx.Height)
					})
				case 0, 1:
					h.lstake(from, amt+"stake")
				case 2:
					h.lunstake(from, amt+"ststake")
				case 3:
					h.deliver(from, &tx.MsgSend{From: addrOf(from).String(), To: liquid.Pool.String(), Amount: amt + "stake"})
				default:
					op := addrOf(rapid.SampledFrom(vals).Draw(rt, "val"))
					_ = h.c.Inject(func(ctx state.Ctx, p params.Params) error {
						return staking.SlashDowntime(ctx, p, op)
					})
				}
			}
			h.time += rapid.SampledFrom([]int64{0, 3600, 86400, 3 * 86400}).Draw(rt, "gap")
			h.next()
		}
		// Wind down: a claim whose unbonding was slashed below its payout waits
		// for the shortfall, unbonded when it falls due: two periods suffice.
		for k := 0; k < 2; k++ {
			h.time += 2 * 86400
			h.next()
			h.next()
			h.next()
		}
		in := h.info()
		for id := uint64(1); id <= in.Claims; id++ {
			c := h.claim(id)
			if !c.Paid || c.PaidAmount.GT(c.Amount) {
				rt.Fatalf("claim %+v", c)
			}
		}
	})
}

func TestGenesisRejectsStstake(t *testing.T) {
	g := testGenesis(nil)
	g.Accounts[1].Coins = "5ststake"
	if err := g.Validate(); err == nil || !strings.Contains(err.Error(), "only minted by the liquid-staking pool") {
		t.Fatalf("genesis with ststake: %v", err)
	}
}

// The pool's unbonding entries are bounded by staking's per-pair limit: once
// every validator it uses is full, unstaking is refused (and nothing changes)
// until entries complete.
func TestLiquidUnstakeBoundedEntries(t *testing.T) {
	h := liquidHarness(t, nil)
	mustOK(t, h.lstake("alice", "100000stake"))
	h.next()
	n := 0
	for ; n < staking.MaxUnbondingsPerPair+1; n++ {
		r := h.lunstake("alice", "10ststake")
		if r.Code != CodeOK {
			if r.Rule != "unbonding-capacity" {
				t.Fatalf("unstake %d: %s %s", n+1, r.Rule, r.Log)
			}
			break
		}
	}
	if n != staking.MaxUnbondingsPerPair {
		t.Fatalf("%d unstakes accepted, want %d", n, staking.MaxUnbondingsPerPair)
	}
	if got := h.info().Claims; got != uint64(n) {
		t.Fatalf("%d claims after a refused unstake", got)
	}
	h.next()
}
