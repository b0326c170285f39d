package rewards

import (
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
	if (Schedule{Amount: num.NewInt(1)}).Validate() == nil || (Schedule{Duration_s: 1}).Validate() == nil {
		t.Fatal("zero duration or amount accepted")
	}
}

// Property: over any block times, per-block emissions sum to the amount,
// and each split conserves exactly: credited + unassigned = emitted, and
// what the units of each asset can ever claim from the increments never
// exceeds what was credited.
func TestEmissionConservation(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := Schedule{Amount: num.NewInt(rapid.Uint64Range(1, 1e15).Draw(rt, "amount")),
			Start_s: 1000, Duration_s: rapid.Uint64Range(1, 1e6).Draw(rt, "duration")}
		units := []num.Int{num.NewInt(rapid.Uint64Range(0, 1e12).Draw(rt, "u0")), num.NewInt(rapid.Uint64Range(0, 1e9).Draw(rt, "u1"))}
		ws := []Weight{{units[0], num.OneDec()}, {units[1], num.MustDec("0.37")}}
		var emitted, credited, unassigned num.Int
		acc := make([]num.Int, len(ws))
		prev, t0 := num.Int{}, int64(990)
		for t0 < s.End_s()+10 {
			t0 += rapid.Int64Range(1, 200_000).Draw(rt, "dt")
			e, _ := s.EmittedBy(t0)
			step, _ := e.Sub(prev)
			prev = e
			sp, err := SplitEmission(step, ws)
			if err != nil {
				rt.Fatal(err)
			}
			if sum, _ := sp.Credited.Add(sp.Unassigned); !sum.Eq(step) {
				rt.Fatalf("split of %s: credited %s + unassigned %s", step, sp.Credited, sp.Unassigned)
			}
			for i := range acc {
				acc[i], _ = acc[i].Add(sp.Inc[i])
			}
			emitted, _ = emitted.Add(step)
			credited, _ = credited.Add(sp.Credited)
			unassigned, _ = unassigned.Add(sp.Unassigned)
		}
		if !emitted.Eq(s.Amount) {
			rt.Fatalf("emitted %s of %s", emitted, s.Amount)
		}
		var claimable num.Int
		for i, a := range acc {
			c, _ := Owed(units[i], a, num.Int{})
			claimable, _ = claimable.Add(c)
		}
		if claimable.GT(credited) {
			rt.Fatalf("units can claim %s, only %s credited", claimable, credited)
		}
	})
}

// The SPEC §7 worked example at the operator level: 1,000 earned, 10%
// commission, stakers holding 3:1 → 100 / 675 / 225.
func TestCutForOperatorExample(t *testing.T) {
	sigmaA, sigmaB := num.MustInt("3000000000000000000000"), num.MustInt("1000000000000000000000")
	total, _ := sigmaA.Add(sigmaB)
	c, err := CutForOperator(num.NewInt(1000), num.MustDec("0.1"), total)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Owed(sigmaA, c.Inc, num.Int{})
	b, _ := Owed(sigmaB, c.Inc, num.Int{})
	if !c.Operator.Eq(num.NewInt(100)) || !a.Eq(num.NewInt(675)) || !b.Eq(num.NewInt(225)) {
		t.Fatalf("operator %s, stakers %s and %s", c.Operator, a, b)
	}
	if sum, _ := c.Operator.Add(c.Stakers); !sum.Eq(num.NewInt(1000)) {
		t.Fatalf("cut does not add up: %+v", c)
	}
}

func TestCutForOperatorConserves(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		owed := num.NewInt(rapid.Uint64Range(0, 1e18).Draw(rt, "owed"))
		rate := num.DecFromRaw(num.NewInt(rapid.Uint64Range(0, 1e18).Draw(rt, "rate")))
		s1 := num.NewInt(rapid.Uint64Range(0, 1e18).Draw(rt, "s1"))
		s2 := num.NewInt(rapid.Uint64Range(0, 1e18).Draw(rt, "s2"))
		total, _ := s1.Add(s2)
		c, err := CutForOperator(owed, rate, total)
		if err != nil {
			rt.Fatal(err)
		}
		if sum, _ := c.Operator.Add(c.Stakers); !sum.Eq(owed) {
			rt.Fatalf("cut %+v of %s", c, owed)
		}
		a, _ := Owed(s1, c.Inc, num.Int{})
		b, _ := Owed(s2, c.Inc, num.Int{})
		if paid, _ := a.Add(b); paid.GT(c.Stakers) {
			rt.Fatalf("stakers can claim %s, credited %s", paid, c.Stakers)
		}
	})
}
