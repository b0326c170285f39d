package rewards

import (
	"math/big"
	"testing"

	"github.com/restaked/restaked/num"
	"pgregory.net/rapid"
)

func TestEmittedBy(t *testing.T) {
	s := Schedule{Amount: num.NewInt(1000), Start_s: 100, Duration_s: 500}
	for _, c := range []struct {
		t    int64
		want uint64
	}{{0, 0}, {100, 0}, {101, 2}, {350, 500}, {599, 998}, {600, 1000}, {10_000, 1000}} {
		got, err := s.EmittedBy(c.t)
		if err != nil || !got.Eq(num.NewInt(c.want)) {
			t.Fatalf("E(%d) = %s, %v; want %d", c.t, got, err, c.want)
		}
	}
	for _, bad := range []Schedule{{Amount: num.NewInt(1)}, {Duration_s: 1}, {Amount: num.NewInt(1), Duration_s: MaxDuration_s + 1}} {
		if bad.Validate() == nil {
			t.Fatalf("schedule %+v accepted", bad)
		}
	}
}

// Property: over any block times, per-block emissions sum to the amount;
// every split conserves exactly; and spreading over units then collecting
// per holder, with carries, accounts for every 1e-36 of a unit.
func TestEmissionConservation(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := Schedule{Amount: num.NewInt(rapid.Uint64Range(1, 1e15).Draw(rt, "amount")),
			Start_s: 1000, Duration_s: rapid.Uint64Range(1, 1e6).Draw(rt, "duration")}
		holders := rapid.SliceOfN(rapid.Uint64Range(0, 1e12), 1, 4).Draw(rt, "holders")
		var units num.Int
		for _, h := range holders {
			units, _ = units.Add(num.NewInt(h))
		}
		ws := []Weight{{units, num.OneDec()}, {num.NewInt(rapid.Uint64Range(0, 1e9).Draw(rt, "u1")), num.MustDec("0.37")}}
		var emitted, spread, unassigned, acc, rem num.Int
		prev, t0 := num.Int{}, int64(990)
		for t0 < s.End_s()+10 {
			t0 += rapid.Int64Range(1, 200_000).Draw(rt, "dt")
			e, _ := s.EmittedBy(t0)
			step, _ := e.Sub(prev)
			prev = e
			shares, un, err := Split(step, ws)
			if err != nil {
				rt.Fatal(err)
			}
			sum := un
			for _, sh := range shares {
				sum, _ = sum.Add(sh)
			}
			if !sum.Eq(step) {
				rt.Fatalf("split of %s adds up to %s", step, sum)
			}
			unassigned, _ = unassigned.Add(un)
			if !units.IsZero() && !shares[0].IsZero() {
				var inc num.Int
				inc, rem, _ = Spread(shares[0], units, rem)
				acc, _ = acc.Add(inc)
				spread, _ = spread.Add(shares[0])
			}
			emitted, _ = emitted.Add(step)
		}
		if !emitted.Eq(s.Amount) {
			rt.Fatalf("emitted %s of %s", emitted, s.Amount)
		}
		// Σ paid·1e36 + Σ holder carries + the spread carry = spread·1e36.
		total := new(big.Int).Set(rem.Big())
		for _, h := range holders {
			owed, r, err := Collect(num.NewInt(h), acc, num.Int{})
			if err != nil {
				rt.Fatal(err)
			}
			total.Add(total, new(big.Int).Mul(owed.Big(), Scale.Big()))
			total.Add(total, r.Big())
		}
		if want := new(big.Int).Mul(spread.Big(), Scale.Big()); total.Cmp(want) != 0 {
			rt.Fatalf("holders account for %s of %s (1e-36 units)", total, want)
		}
	})
}

// The SPEC §7 worked example at the operator level: 1,000 earned, 10%
// commission, stakers holding 3:1 → 100 / 675 / 225.
func TestCommissionExample(t *testing.T) {
	sigmaA, sigmaB := num.MustInt("3000000000000000000000"), num.MustInt("1000000000000000000000")
	total, _ := sigmaA.Add(sigmaB)
	op, rest, err := Commission(num.NewInt(1000), num.MustDec("0.1"))
	if err != nil {
		t.Fatal(err)
	}
	inc, rem, err := Spread(rest, total, num.Int{})
	if err != nil || !rem.IsZero() {
		t.Fatalf("spread: %v, remainder %s", err, rem)
	}
	a, _, _ := Collect(sigmaA, inc, num.Int{})
	b, _, _ := Collect(sigmaB, inc, num.Int{})
	if !op.Eq(num.NewInt(100)) || !a.Eq(num.NewInt(675)) || !b.Eq(num.NewInt(225)) {
		t.Fatalf("operator %s, stakers %s and %s", op, a, b)
	}
}

func TestCommissionConserves(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		owed := num.NewInt(rapid.Uint64Range(0, 1e18).Draw(rt, "owed"))
		rate := num.DecFromRaw(num.NewInt(rapid.Uint64Range(0, 1e18).Draw(rt, "rate")))
		op, rest, err := Commission(owed, rate)
		if err != nil {
			rt.Fatal(err)
		}
		if sum, _ := op.Add(rest); !sum.Eq(owed) {
			rt.Fatalf("%s + %s != %s", op, rest, owed)
		}
	})
}
