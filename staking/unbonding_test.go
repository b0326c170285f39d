package staking

import (
	"fmt"
	"testing"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/store"
)

func TestUnbondingMaturesExactlyOnce(t *testing.T) {
	p := testParams()
	p.UnbondingPeriod_s = 100
	e := newEnv(t, p)
	op, d := e.createValidator("v", 1000, "0"), addr("d")
	e.fund(d, "300stake")
	e.delegate(d, op, 300)
	e.next(5, BlockInfo{})
	created := e.time_s
	e.undelegate(d, op, 300)
	ubs, _ := UnbondingsOf(e.kv, d)
	if len(ubs) != 1 || ubs[0].Completion_s != created+100 || ubs[0].ID != 1 {
		t.Fatalf("unbonding = %+v", ubs)
	}
	for e.time_s < created+100 {
		e.next(5, BlockInfo{})
		eqInt(t, fmt.Sprintf("balance at %+ds before EndBlock", e.time_s-created), e.balance(d), n(0))
	}
	e.next(5, BlockInfo{}) // EndBlock at exactly creation + period pays
	eqInt(t, "paid at maturity", e.balance(d), n(300))
	e.step(30)
	eqInt(t, "paid once", e.balance(d), n(300))
	if ubs, _ := UnbondingsOf(e.kv, d); len(ubs) != 0 {
		t.Fatalf("entry left: %+v", ubs)
	}
}

func TestCompletionMonotonePerValidator(t *testing.T) {
	p := testParams()
	p.UnbondingPeriod_s = 1000
	e := newEnv(t, p)
	op := e.createValidator("v", 1000, "0")
	e.undelegate(op, op, 10)
	first := e.time_s + 1000
	e.setParams(func(p *params.Params) { p.UnbondingPeriod_s = 10 })
	e.next(5, BlockInfo{})
	e.undelegate(op, op, 10)
	ubs, _ := UnbondingsOf(e.kv, op)
	if len(ubs) != 2 || ubs[0].Completion_s != first || ubs[1].Completion_s != first {
		t.Fatalf("completion times = %+v", ubs)
	}
	e.step(5)
	if got := len(mustUnbondings(t, e)); got != 2 {
		t.Fatalf("later entry matured before the earlier one: %d left", got)
	}
	for e.time_s <= first {
		e.next(5, BlockInfo{})
	}
	if got := len(mustUnbondings(t, e)); got != 0 {
		t.Fatalf("%d entries left", got)
	}
}

func mustUnbondings(t *testing.T, e *env) []Unbonding {
	t.Helper()
	ubs, err := UnbondingsOf(e.kv, addr("v"))
	if err != nil {
		t.Fatal(err)
	}
	return ubs
}

func TestMaturityBoundedPerBlock(t *testing.T) {
	p := testParams()
	p.UnbondingPeriod_s = 10
	e := newEnv(t, p)
	op := e.createValidator("v", 100000, "0")
	const delegators = 40 // × 32 entries = 1280 > MaxMaturePerBlock
	for i := 0; i < delegators; i++ {
		d := addr(fmt.Sprintf("d%d", i))
		e.fund(d, "32stake")
		e.delegate(d, op, 32)
		for j := 0; j < MaxUnbondingsPerPair; j++ {
			e.undelegate(d, op, 1)
		}
	}
	e.time_s += 10
	e.end()
	if got := countPrefix(e.kv, prefixUbdQueue); got != delegators*MaxUnbondingsPerPair-MaxMaturePerBlock {
		t.Fatalf("queue after first EndBlock = %d", got)
	}
	e.next(5, BlockInfo{})
	e.end()
	if got := countPrefix(e.kv, prefixUbdQueue); got != 0 {
		t.Fatalf("queue after second EndBlock = %d", got)
	}
}

func countPrefix(r store.Reader, prefix []byte) int {
	c := 0
	store.IteratePrefix(r, prefix, false, func(_, _ []byte) bool { c++; return true })
	return c
}

func TestUnbondingRoundingDustBurnedAtEnd(t *testing.T) {
	p := testParams()
	p.UnbondingPeriod_s = 10
	p.DowntimeSlashFraction = num.MustDec("0.3")
	e := newEnv(t, p)
	op, d := e.createValidator("v", 1000, "0"), addr("d")
	e.fund(d, "14stake")
	e.delegate(d, op, 14)
	e.next(5, BlockInfo{})
	e.undelegate(d, op, 7)
	e.undelegate(d, op, 7)
	supply := e.supply()
	if err := SlashDowntime(e.ctx(), e.p, op); err != nil {
		t.Fatal(err)
	}
	// ceil(0.3 × 14) = 5 burned, but the pool keeps floor(2 × 4.9) = 9 ≥ what the entries pay (4 + 4).
	eqInt(t, "burned", supply.SubSat(e.supply()), n(300+5))
	eqU64s(t, "values", unbondingValues(t, e, d), []uint64{4, 4})
	h, _ := loadHead(e.kv, op)
	eqInt(t, "held", h.Held, n(9))
	e.step(3)
	eqInt(t, "paid", e.balance(d), n(8))
	eqInt(t, "leftover burned", supply.SubSat(e.supply()), n(300+5+1))
	eqInt(t, "pool empty", e.balance(UnbondingPool), n(0))
}
