package staking

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/num"
)

// slashKeep runs slash() for an infraction at h without jailing or
// tombstoning, so one validator can take several slashes that spare later
// lots (the chain's double signs tombstone, so it sees at most one).
func (e *env) slashKeep(op account.Address, f string, h int64) {
	e.t.Helper()
	v := e.validator(op)
	if err := slash(e.ctx(), e.p, &v, num.MustDec(f), h, "test"); err != nil {
		e.t.Fatal(err)
	}
	if err := saveValidator(e.kv, &v); err != nil {
		e.t.Fatal(err)
	}
}

// near fails unless got is within tol base units of the exact value want.
func near(t *testing.T, what string, got num.Int, want *big.Rat, tol int64) {
	t.Helper()
	d := new(big.Rat).Sub(new(big.Rat).SetInt(got.Big()), want)
	if d.Abs(d).Cmp(new(big.Rat).SetInt64(tol)) > 0 {
		t.Fatalf("%s = %s, want %s (±%d)", what, got, want.FloatString(3), tol)
	}
}

func ratOf(x num.Int) *big.Rat { return new(big.Rat).SetInt(x.Big()) }

// keptShare is value × (1 − burn/old): what an old holder keeps when burn is
// taken from old stake worth old.
func keptShare(value, burn, old num.Int) *big.Rat {
	r := new(big.Rat).Sub(ratOf(old), ratOf(burn))
	r.Mul(r, ratOf(value))
	return r.Quo(r, ratOf(old))
}

// A bonded at H loses exactly its part of the burn, B who arrived after H
// loses nothing, and the supply drops by exactly ceil(f × B(H)).
func TestSlashSparesLaterArrivals(t *testing.T) {
	for _, c := range []struct {
		name        string
		f           string
		self, a, b  uint64
		hA, h, hB   int64
		at          int64
		wantBurned  uint64
		bTolerance  int64 // B bonded at H: its part of the burn, within rounding
		aTolerance  int64 // old holders: exact less at most one unit (exempt lots round up)
		sameBlockAt bool  // B delegates in the block of the slash
	}{
		{name: "5%", f: "0.05", self: 1000, a: 1000, b: 1000, hA: 2, h: 3, hB: 4, at: 6, wantBurned: 100, aTolerance: 1},
		{name: "10% uneven", f: "0.1", self: 777, a: 12345, b: 99991, hA: 2, h: 5, hB: 6, at: 9, wantBurned: 1313, aTolerance: 1},
		{name: "B in slash block", f: "0.1", self: 1000, a: 3000, b: 5000, hA: 2, h: 3, hB: 7, at: 7, wantBurned: 400, aTolerance: 1, sameBlockAt: true},
		{name: "B at H is bonded", f: "0.1", self: 1000, a: 1000, b: 1000, hA: 2, h: 4, hB: 4, at: 6, wantBurned: 300, aTolerance: 1, bTolerance: 1},
		{name: "half", f: "0.5", self: 10, a: 7, b: 3, hA: 2, h: 3, hB: 5, at: 5, wantBurned: 9, aTolerance: 1},
		{name: "large", f: "0.05", self: 1e15, a: 3e17, b: 7e18, hA: 2, h: 2, hB: 3, at: 4, wantBurned: 15050000000000000, aTolerance: 1},
		{name: "all old stake", f: "1", self: 1000, a: 1000, b: 1000, hA: 2, h: 3, hB: 4, at: 5, wantBurned: 2000},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := testParams()
			p.DoubleSignSlashFraction = num.MustDec(c.f)
			p.UnbondingPeriod_s = 100000
			e := newEnv(t, p)
			op, a, b := e.createValidator("v", c.self, "0"), addr("a"), addr("b")
			e.fund(a, fmt.Sprintf("%dstake", c.a))
			e.fund(b, fmt.Sprintf("%dstake", c.b))
			e.goToHeight(c.hA)
			e.delegate(a, op, c.a)
			e.goToHeight(c.hB)
			e.delegate(b, op, c.b)
			e.goToHeight(c.at)
			aBefore, bBefore, selfBefore := e.tokensOf(a, op), e.tokensOf(b, op), e.tokensOf(op, op)
			old := e.validator(op).Tokens
			if c.hB > c.h {
				old = old.SubSat(bBefore) // B is exempt
			}
			supply := e.supply()
			if err := SlashDoubleSign(e.ctx(), e.p, op, c.h); err != nil {
				t.Fatal(err)
			}
			burned := supply.SubSat(e.supply())
			eqInt(t, "burned", burned, n(c.wantBurned))
			near(t, "A", e.tokensOf(a, op), keptShare(aBefore, burned, old), c.aTolerance)
			near(t, "self", e.tokensOf(op, op), keptShare(selfBefore, burned, old), c.aTolerance)
			if c.hB > c.h {
				near(t, "B", e.tokensOf(b, op), ratOf(bBefore), c.bTolerance)
				if c.bTolerance == 0 {
					eqInt(t, "B", e.tokensOf(b, op), bBefore)
				}
			} else {
				near(t, "B", e.tokensOf(b, op), keptShare(bBefore, burned, old), c.bTolerance)
			}
			e.next(blockTime_s, BlockInfo{}) // invariants
			// Everyone can leave; B gets its whole stake back.
			bNow := e.tokensOf(b, op).Big().Uint64()
			e.undelegate(b, op, bNow)
			eqU64s(t, "B's entry", unbondingValues(t, e, b), []uint64{bNow})
			e.next(blockTime_s, BlockInfo{})
		})
	}
}

// Several slashes at different infraction heights (slash() directly: the
// chain tombstones at the first double sign).
func TestRepeatedSlashesAtDifferentHeights(t *testing.T) {
	p := testParams()
	p.UnbondingPeriod_s = 100000
	e := newEnv(t, p)
	op, a, b, c := e.createValidator("v", 1000, "0"), addr("a"), addr("b"), addr("c")
	for _, x := range []account.Address{a, b, c} {
		e.fund(x, "100000stake")
	}
	e.delegate(a, op, 4000) // height 1
	e.goToHeight(5)
	e.delegate(b, op, 6000)
	e.goToHeight(9)
	e.delegate(c, op, 20000)
	e.goToHeight(10)

	// Slash 1: H = 3, f = 0.1: B(3) = 5000, total 500 from self + a (5000); b, c spared.
	vals := func() [4]num.Int {
		return [4]num.Int{e.tokensOf(op, op), e.tokensOf(a, op), e.tokensOf(b, op), e.tokensOf(c, op)}
	}
	before := vals()
	supply := e.supply()
	e.slashKeep(op, "0.1", 3)
	eqInt(t, "burned 1", supply.SubSat(e.supply()), n(500))
	after := vals()
	// Old holders: exact less at most one unit (the exempt lots round up).
	near(t, "self 1", after[0], big.NewRat(900, 1), 1)
	near(t, "a 1", after[1], big.NewRat(3600, 1), 1)
	eqInt(t, "b 1", after[2], before[2])
	eqInt(t, "c 1", after[3], before[3])
	e.next(blockTime_s, BlockInfo{})

	// Slash 2: H = 7, f = 0.1: B(7) = 11000 tokens at the end of block 7 →
	// total 1100 from self + a + b (now worth 10500); c spared.
	before = vals()
	old := before[0]
	old, _ = old.Add(before[1])
	old, _ = old.Add(before[2])
	supply = e.supply()
	e.slashKeep(op, "0.1", 7)
	burned := supply.SubSat(e.supply())
	eqInt(t, "burned 2", burned, n(1100))
	after = vals()
	for i, who := range []string{"self", "a", "b"} {
		near(t, who+" 2", after[i], keptShare(before[i], burned, old), 1)
	}
	eqInt(t, "c 2", after[3], before[3])
	e.next(blockTime_s, BlockInfo{})

	// Slash 3: H = now, everyone bonded: c pays too.
	before = vals()
	supply = e.supply()
	e.slashKeep(op, "0.5", e.height)
	burned = supply.SubSat(e.supply())
	after = vals()
	total := e.validator(op).Tokens
	total, _ = total.Add(burned)
	for i, who := range []string{"self", "a", "b", "c"} {
		near(t, who+" 3", after[i], keptShare(before[i], burned, total), 1)
	}
	e.next(blockTime_s, BlockInfo{})
	// Everyone leaves; entries pay, invariants hold.
	for _, x := range []account.Address{a, b, c} {
		e.undelegate(x, op, e.tokensOf(x, op).Big().Uint64())
	}
	e.next(blockTime_s, BlockInfo{})
}

// A delegation that existed before H and was topped up after it: only the
// old part is slashed.
func TestTopUpAfterInfractionKept(t *testing.T) {
	p := testParams()
	p.DoubleSignSlashFraction = num.MustDec("0.1")
	p.UnbondingPeriod_s = 100000
	e := newEnv(t, p)
	op, a := e.createValidator("v", 1000, "0"), addr("a")
	e.fund(a, "10000stake")
	e.delegate(a, op, 3000)
	e.goToHeight(5)
	e.delegate(a, op, 2000) // top-up after H = 3
	e.goToHeight(6)
	e.delegate(a, op, 1000) // another one
	e.goToHeight(8)
	supply := e.supply()
	if err := SlashDoubleSign(e.ctx(), e.p, op, 3); err != nil {
		t.Fatal(err)
	}
	eqInt(t, "burned", supply.SubSat(e.supply()), n(400))
	near(t, "a", e.tokensOf(a, op), big.NewRat(2700+3000, 1), 1)
	near(t, "self", e.tokensOf(op, op), big.NewRat(900, 1), 1)
	e.next(blockTime_s, BlockInfo{})
	// Undelegating takes the newest lots first, then the base.
	e.undelegate(a, op, 3500)
	near(t, "a after undelegation", e.tokensOf(a, op), big.NewRat(2200, 1), 1)
	e.next(blockTime_s, BlockInfo{})
}

// Undelegations after H: the entry (created ≥ H) pays f, the stake left
// bonded pays the rest of the total; B, who arrived after H, keeps its
// bonded stake, and its own entry created after H is slashed by the entry
// rule.
func TestUndelegationAfterInfraction(t *testing.T) {
	p := testParams()
	p.DoubleSignSlashFraction = num.MustDec("0.1")
	p.UnbondingPeriod_s = 100000
	e := newEnv(t, p)
	op, a, b := e.createValidator("v", 1000, "0"), addr("a"), addr("b")
	e.fund(a, "10000stake")
	e.fund(b, "10000stake")
	e.delegate(a, op, 4000)
	e.goToHeight(5)
	e.delegate(b, op, 2000)
	e.goToHeight(6)
	e.undelegate(a, op, 1000) // from stake bonded at H = 3
	e.undelegate(b, op, 500)  // from stake that arrived after H
	e.goToHeight(8)
	supply := e.supply()
	if err := SlashDoubleSign(e.ctx(), e.p, op, 3); err != nil {
		t.Fatal(err)
	}
	// B(3) = 5000 → total 500: entries 100 + 50, the rest 350 from the old
	// stake still bonded (self 1000 + a 3000).
	eqInt(t, "burned", supply.SubSat(e.supply()), n(500))
	eqU64s(t, "a's entry", unbondingValues(t, e, a), []uint64{900})
	eqU64s(t, "b's entry", unbondingValues(t, e, b), []uint64{450})
	eqInt(t, "b bonded", e.tokensOf(b, op), n(1500))
	near(t, "a bonded", e.tokensOf(a, op), big.NewRat(3000*3650, 4000), 1)
	near(t, "self", e.tokensOf(op, op), big.NewRat(1000*3650, 4000), 1)
	e.next(blockTime_s, BlockInfo{})
}

// Rewards before and after a slash that spares B: the lazily settled
// amounts equal a reference that credits every block eagerly, each
// delegator's shares at that block × the block's accumulator step
// (rounding down once, as pendingReward), and the value split.
func TestRewardsAcrossExemptSlash(t *testing.T) {
	p := testParams()
	p.UnbondingPeriod_s = 100000
	e := newEnv(t, p)
	op, b := e.createValidator("v", 3000, "0"), addr("b")
	e.goToHeight(3)
	e.fund(b, "1000stake")
	e.delegate(b, op, 1000)
	e.next(blockTime_s, BlockInfo{}) // v in the set
	holders := []account.Address{op, b}
	ref := []*big.Int{new(big.Int), new(big.Int)}
	block := func(fee string) {
		t.Helper()
		if fee != "" {
			e.fund(auth.FeeCollector, fee)
		}
		shares := make([]num.Int, len(holders))
		for i, x := range holders {
			view, _, err := GetDelegation(e.kv, x, op)
			if err != nil {
				t.Fatal(err)
			}
			shares[i] = view.Shares
		}
		before, _ := loadReward(e.kv, op)
		e.next(blockTime_s, BlockInfo{})
		after, _ := loadReward(e.kv, op)
		step := after.Acc.SubSat(before.Acc).Big()
		for i := range holders {
			ref[i].Add(ref[i], new(big.Int).Mul(shares[i].Big(), step))
		}
	}
	want := func(i int) num.Int {
		x, _ := num.FromBig(new(big.Int).Quo(ref[i], rewardScale.Big()))
		return x
	}
	block("4000stake") // A 3000, B 1000
	eqInt(t, "A before", e.pending(op), want(0))
	eqInt(t, "B before", e.pending(b), want(1))
	e.slashKeep(op, "0.5", 2)
	near(t, "A", e.tokensOf(op, op), big.NewRat(1500, 1), 1)
	eqInt(t, "B", e.tokensOf(b, op), n(1000))
	block("")
	block("5000stake") // A 1500, B 1000 by value
	block("2501stake")
	eqInt(t, "A pending", e.pending(op), want(0))
	eqInt(t, "B pending", e.pending(b), want(1))
	near(t, "A pending ≈ 3000 + 3000 + 1500", want(0), big.NewRat(7500, 1), 2)
	near(t, "B pending ≈ 1000 + 2000 + 1000", want(1), big.NewRat(4000, 1), 2)
	// B claims in the middle; the reference restarts.
	got, err := ClaimRewards(e.ctx(), e.p, b)
	if err != nil {
		t.Fatal(err)
	}
	eqInt(t, "B claimed", got.AmountOf("stake"), want(1))
	ref[1].SetInt64(0)
	block("2500stake")
	block("7stake")
	eqInt(t, "B pending after claim", e.pending(b), want(1))
	eqInt(t, "A pending", e.pending(op), want(0))
	near(t, "B ≈ 1000 + 2.8", want(1), big.NewRat(10028, 10), 2)
	near(t, "A ≈ 9000 + 4.2", want(0), big.NewRat(90042, 10), 2)
	e.delegate(b, op, 1) // touch: settles and materializes
	e.next(blockTime_s, BlockInfo{})
}

// A slash that takes all the old stake: its holders are left with nothing
// (claiming closes their delegations), later arrivals keep everything and
// can still add and leave.
func TestWipeOfOldStake(t *testing.T) {
	p := testParams()
	p.DoubleSignSlashFraction = num.OneDec()
	p.UnbondingPeriod_s = 100000
	e := newEnv(t, p)
	op, a, b := e.createValidator("v", 1000, "0"), addr("a"), addr("b")
	e.fund(a, "10000stake")
	e.fund(b, "10000stake")
	e.delegate(a, op, 2000)
	e.goToHeight(4)
	e.delegate(b, op, 333)
	e.goToHeight(6)
	supply := e.supply()
	if err := SlashDoubleSign(e.ctx(), e.p, op, 2); err != nil {
		t.Fatal(err)
	}
	eqInt(t, "burned", supply.SubSat(e.supply()), n(3000))
	eqInt(t, "a", e.tokensOf(a, op), n(0))
	eqInt(t, "self", e.tokensOf(op, op), n(0))
	eqInt(t, "b", e.tokensOf(b, op), n(333))
	e.next(blockTime_s, BlockInfo{})
	if _, err := ClaimRewards(e.ctx(), e.p, a); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := loadDelegation(e.kv, a, op); found {
		t.Fatal("claiming did not close a wiped delegation")
	}
	e.next(blockTime_s, BlockInfo{})
	e.undelegate(b, op, 100)
	eqInt(t, "b after undelegation", e.tokensOf(b, op), n(233))
	e.undelegate(b, op, 233)
	eqU64s(t, "b's entries", unbondingValues(t, e, b), []uint64{100, 233})
	e.next(blockTime_s, BlockInfo{})
}

// Lots stay bounded: past maxLots the oldest is merged into the base, and
// lots older than the unbonding period are merged when the delegation is
// next touched (evidence that old is ignored, so they can never be spared).
func TestLotsBoundedAndMerged(t *testing.T) {
	p := testParams()
	p.UnbondingPeriod_s = 1000
	e := newEnv(t, p)
	op, a := e.createValidator("v", 1000, "0"), addr("a")
	e.fund(a, "100000stake")
	for i := 0; i < maxLots+8; i++ {
		e.delegate(a, op, 10)
		e.next(blockTime_s, BlockInfo{})
	}
	d, _, _ := loadDelegation(e.kv, a, op)
	if len(d.Lots) != maxLots {
		t.Fatalf("%d lots, want %d", len(d.Lots), maxLots)
	}
	eqInt(t, "base", d.Shares, n(80))
	eqInt(t, "value", e.tokensOf(a, op), n(10*(maxLots+8)))
	e.time_s += 2000
	e.undelegate(a, op, 5)
	d, _, _ = loadDelegation(e.kv, a, op)
	if len(d.Lots) != 0 {
		t.Fatalf("%d lots left after the unbonding period", len(d.Lots))
	}
	eqInt(t, "base after merge", d.Shares, n(10*(maxLots+8)-5))
	e.next(blockTime_s, BlockInfo{})
}
