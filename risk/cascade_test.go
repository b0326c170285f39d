package risk

import "testing"

// twoRounds: d (σ 10) allocates 6 to s0 and 8 to s1 (elastic); f holds 5
// of s0, e holds 8 of s1. s0: π 7, α ½; s1: π 9, α ⅔.
//
// Round 1: d alone holds 6 ≥ ½·11 of s0 and loses 6 < 7: profit 1 (s1
// alone costs d+e = 16 > 9; both together cost min(10, 14) + 8 = 18 > 16).
// d keeps 4, so its s1 allocation stretches to 4: W1 = 12, and e alone
// holds 8 ≥ ⅔·12, losing 8 < 9. Round 2: e takes s1, profit 1.
var twoRounds = netSpec{
	stakes: []string{"10", "5", "8"}, // a = d, b = f, c = e
	svcs:   [][2]string{{"7", "1/2"}, {"9", "2/3"}},
	allocs: []allocSpec{{0, 0, "6"}, {0, 1, "8"}, {1, 0, "5"}, {2, 1, "8"}},
}

func TestCascadeTwoRounds(t *testing.T) {
	g := twoRounds.graph(t)
	rep, err := Cascade(g, Shock{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		svc, op    string
		profit     string
		lost, cumu string
	}{
		{"s0", "a", "1", "6", "6/23"},
		{"s1", "c", "1", "8", "14/23"},
	}
	if len(rep.Rounds) != len(want) {
		t.Fatalf("rounds %+v", rep.Rounds)
	}
	for i, w := range want {
		r := rep.Rounds[i]
		if len(r.Services) != 1 || r.Services[0] != w.svc || len(r.Operators) != 1 || r.Operators[0] != w.op ||
			r.Attack.Profit.Cmp(q(w.profit)) != 0 || r.StakeLost.Cmp(q(w.lost)) != 0 || r.CumulativeLoss.Cmp(q(w.cumu)) != 0 {
			t.Fatalf("round %d: %+v", i+1, r)
		}
	}
	if rep.Stopped != "no_services" || rep.Loss.Cmp(q("14/23")) != 0 || rep.InitialStake.Cmp(q("23")) != 0 {
		t.Fatalf("stopped %q loss %v", rep.Stopped, rep.Loss)
	}
	// One round only when asked.
	rep, _ = Cascade(g, Shock{}, 1)
	if len(rep.Rounds) != 1 || rep.Stopped != "max_rounds" || len(rep.Standing) != 1 {
		t.Fatalf("maxRounds 1: %+v", rep)
	}
}

// counterexample is Durvasula and Roughgarden's: one service π 1, α 1, two
// operators of stake 1/10 and 9/10 fully allocated. γ* = 0: secure.
var counterexample = netSpec{
	stakes: []string{"1/10", "9/10"},
	svcs:   [][2]string{{"1", "1"}},
	allocs: []allocSpec{{0, 0, "1/10"}, {1, 0, "9/10"}},
}

func TestCascadeShocks(t *testing.T) {
	// Slashing the small operator: the large one alone corrupts the
	// service (9/10 < 1) and everything is lost.
	rep, err := Cascade(counterexample.graph(t), Shock{Slashes: []Slash{{"a", q("1")}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ShockLoss.Cmp(q("1/10")) != 0 || len(rep.Rounds) != 1 || rep.Loss.Cmp(q("1")) != 0 {
		t.Fatalf("%+v", rep)
	}
	// No shock: secure.
	rep, _ = Cascade(counterexample.graph(t), Shock{}, 0)
	if rep.Stopped != "secure" || rep.Loss.Sign() != 0 {
		t.Fatalf("%+v", rep)
	}
	// A Byzantine service: a (σ 10) loses its 6 in s0 and stretches its s1
	// allocation to 4; s1 (π 1) stays secure. Loss 6/20.
	byz := netSpec{
		stakes: []string{"10", "10"},
		svcs:   [][2]string{{"1", "1/2"}, {"1", "1/2"}},
		allocs: []allocSpec{{0, 0, "6"}, {0, 1, "10"}, {1, 1, "10"}},
	}
	rep, err = Cascade(byz.graph(t), Shock{Byzantine: []string{"s0"}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ShockLoss.Cmp(q("6")) != 0 || rep.Stopped != "secure" || rep.Loss.Cmp(q("6/20")) != 0 || len(rep.Standing) != 1 {
		t.Fatalf("%+v", rep)
	}
	// A half slash stretches: a keeps 5, so its allocations are 5 and 5.
	rep, _ = Cascade(byz.graph(t), Shock{Slashes: []Slash{{"a", q("1/2")}}}, 0)
	if rep.ShockLoss.Cmp(q("5")) != 0 {
		t.Fatalf("%+v", rep)
	}
}

func TestCascadeRefuses(t *testing.T) {
	g := counterexample.graph(t)
	for _, sh := range []Shock{
		{Slashes: []Slash{{"zz", q("1")}}},
		{Slashes: []Slash{{"a", q("3/2")}}},
		{Slashes: []Slash{{"a", nil}}},
		{Byzantine: []string{"nope"}},
	} {
		if _, err := Cascade(g, sh, 0); err == nil {
			t.Fatalf("%+v accepted", sh)
		}
	}
}

// TestCascadeFirstRound: the first round of a cascade with no
// shock is BruteForce's best attack.
func TestCascadeFirstRound(t *testing.T) {
	g := twoRounds.graph(t)
	best, _, _ := BruteForce(g)
	rep, _ := Cascade(g, Shock{}, 1)
	if rep.Rounds[0].Attack.Profit.Cmp(best.Profit) != 0 {
		t.Fatalf("%v vs %v", rep.Rounds[0].Attack.Profit, best.Profit)
	}
}
