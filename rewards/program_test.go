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
