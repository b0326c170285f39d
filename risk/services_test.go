package risk

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestServicesByHand(t *testing.T) {
	// s0: amounts 5, 3, 2 (W 10), α ½, π 4: need 5 → {a} costs 5, Nakamoto 1,
	// HHI (25+9+4)/100, top-1 ½. s1: amounts 4, 4, 3 (W 11), α ⅔, π 0:
	// need 22/3; {4,3} = 7 falls short, {4,4} = 8 is the least cover.
	net := netSpec{
		stakes: []string{"5", "4", "4", "3"},
		svcs:   [][2]string{{"4", "1/2"}, {"0", "2/3"}},
		allocs: []allocSpec{{0, 0, "5"}, {1, 0, "3"}, {2, 0, "2"}, {0, 1, "4"}, {1, 1, "4"}, {3, 1, "3"}},
	}
	rs := Services(net.graph(t))
	want := []struct {
		coc, frac, hhi, top1, top3 string
		nakamoto                   int
		set                        []int
		ratio                      string
	}{
		{"5", "5", "38/100", "1/2", "1", 1, nil, "5/4"}, // {a} or {b, c}
		{"8", "22/3", "41/121", "4/11", "1", 2, []int{0, 1}, ""},
	}
	for s, w := range want {
		r := rs[s]
		if r.CoCErr != nil || r.CoCExact.Cmp(q(w.coc)) != 0 || r.CoCFractional.Cmp(q(w.frac)) != 0 {
			t.Fatalf("%s: CoC %v (%v) fractional %v", r.ID, r.CoCExact, r.CoCErr, r.CoCFractional)
		}
		if r.HHI.Cmp(q(w.hhi)) != 0 || r.Top[0].Share.Cmp(q(w.top1)) != 0 || r.Top[1].Share.Cmp(q(w.top3)) != 0 || r.Nakamoto != w.nakamoto {
			t.Fatalf("%s: HHI %v top %v %v Nakamoto %d", r.ID, r.HHI, r.Top[0].Share, r.Top[1].Share, r.Nakamoto)
		}
		if w.set != nil && (len(r.CoCSet) != len(w.set) || r.CoCSet[0] != w.set[0]) {
			t.Fatalf("%s: cover set %v", r.ID, r.CoCSet)
		}
		if (w.ratio == "") != (r.RatioExact == nil) || (w.ratio != "" && r.RatioExact.Cmp(q(w.ratio)) != 0) {
			t.Fatalf("%s: ratio %v", r.ID, r.RatioExact)
		}
	}
	b, err := json.Marshal(rs[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{`"coc_exact":"8"`, `"coc_fractional":"7.333333333333333333"`, `"coc_pfc_exact":null`, `"nakamoto":2`, `"coc_operators":["a","b"]`} {
		if !strings.Contains(string(b), part) {
			t.Fatalf("JSON %s lacks %s", b, part)
		}
	}
}

// bruteCover is the least subset sum ≥ need by trying every subset.
func bruteCover(amounts []*big.Rat, need *big.Rat) *big.Rat {
	var best *big.Rat
	for m := 0; m < 1<<len(amounts); m++ {
		sum := new(big.Rat)
		for i, a := range amounts {
			if m&(1<<i) != 0 {
				sum.Add(sum, a)
			}
		}
		if sum.Cmp(need) >= 0 && (best == nil || sum.Cmp(best) < 0) {
			best = sum
		}
	}
	return best
}

func TestMinCoverMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(t, "n")
		den := rapid.SampledFrom([]int64{1, 3, 7, 1000}).Draw(t, "den")
		var amounts []*big.Rat
		total := new(big.Rat)
		for range n {
			a := big.NewRat(rapid.Int64Range(1, 60).Draw(t, "a"), den)
			amounts = append(amounts, a)
			total.Add(total, a)
		}
		alpha := q(rapid.SampledFrom([]string{"1/3", "1/2", "2/3", "1", "0.333333333333333334", "1/7"}).Draw(t, "alpha"))
		need := new(big.Rat).Mul(alpha, total)
		cost, set, err := MinCover(amounts, need, DefaultCoverNodes)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteCover(amounts, need); cost.Cmp(want) != 0 {
			t.Fatalf("cover %v, brute force %v", cost, want)
		}
		sum := new(big.Rat)
		for _, i := range set {
			sum.Add(sum, amounts[i])
		}
		if sum.Cmp(cost) != 0 {
			t.Fatalf("set %v sums to %v, not %v", set, sum, cost)
		}
	})
}

// TestMinCoverBound: a search stopped by its bound says so and returns an
// upper bound, never a claimed minimum.
func TestMinCoverBound(t *testing.T) {
	var amounts []*big.Rat
	total := new(big.Rat)
	for i := range 40 {
		a := big.NewRat(1_000_003+int64(i*i*7919), 1)
		amounts = append(amounts, a)
		total.Add(total, a)
	}
	need := new(big.Rat).Mul(q("1/2"), total)
	need.Add(need, q("1/3"))
	cost, _, err := MinCover(amounts, need, 50)
	if !errors.Is(err, ErrSearchBound) {
		t.Fatalf("want the bound error, got %v", err)
	}
	if cost == nil || cost.Cmp(need) < 0 {
		t.Fatalf("the upper bound %v must cover %v", cost, need)
	}
	if _, _, err := MinCover([]*big.Rat{q("1")}, q("2"), 10); err == nil {
		t.Fatal("an unreachable target must fail")
	}
	if _, _, err := MinCover([]*big.Rat{q("0")}, q("0"), 10); err == nil {
		t.Fatal("a zero amount must be refused")
	}
}

// TestServicesOnGenerated cross-checks the concentration numbers on a
// generated network against their definitions.
func TestServicesOnGenerated(t *testing.T) {
	n, err := Generate(GenOptions{Operators: 300, Services: 8, Seed: 5, Variant: "unique"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := Compile(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Services(g) {
		if r.CoCErr != nil {
			t.Fatal(r.CoCErr)
		}
		if r.CoCExact.Cmp(r.CoCFractional) < 0 || r.HHI.Sign() <= 0 || r.HHI.Cmp(ratOne) > 0 {
			t.Fatalf("%s: CoC %v < %v or HHI %v", r.ID, r.CoCExact, r.CoCFractional, r.HHI)
		}
		held := new(big.Rat)
		for _, v := range r.CoCSet {
			for _, e := range g.ByOperator[v] {
				if e.Service == r.Index {
					held.Add(held, e.W)
				}
			}
		}
		if held.Cmp(r.CoCExact) != 0 || r.Nakamoto > len(r.CoCSet) {
			t.Fatalf("%s: cover set holds %v, CoC %v; Nakamoto %d > |set| %d", r.ID, held, r.CoCExact, r.Nakamoto, len(r.CoCSet))
		}
	}
}

// TestMinCoverLarger covers the tables that settle the smallest items (the
// sorted subset sums, and the bitset when the small items are dense): up
// to 16 items, a few large and many small, against an integer brute force.
func TestMinCoverLarger(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(13, 16).Draw(t, "n")
		spread := rapid.SampledFrom([]int64{1, 1_000_003}).Draw(t, "spread") // 1: dense bitset; else sorted sums
		vals := make([]int64, n)
		amounts := make([]*big.Rat, n)
		var total int64
		for i := range vals {
			hi := int64(40)
			if i < 3 {
				hi = 5000
			}
			vals[i] = rapid.Int64Range(1, hi).Draw(t, "a")*spread + int64(i%2)
			amounts[i] = big.NewRat(vals[i], 1)
			total += vals[i]
		}
		alpha := q(rapid.SampledFrom([]string{"1/3", "1/2", "2/3", "0.333333333333333334"}).Draw(t, "alpha"))
		need := new(big.Rat).Mul(alpha, big.NewRat(total, 1))
		cost, set, err := MinCover(amounts, need, DefaultCoverNodes)
		if err != nil {
			t.Fatal(err)
		}
		best := int64(-1)
		for m := 0; m < 1<<n; m++ {
			var s int64
			for i, v := range vals {
				if m&(1<<i) != 0 {
					s += v
				}
			}
			if big.NewRat(s, 1).Cmp(need) >= 0 && (best < 0 || s < best) {
				best = s
			}
		}
		var got int64
		for _, i := range set {
			got += vals[i]
		}
		if cost.Cmp(big.NewRat(best, 1)) != 0 || got != best {
			t.Fatalf("cover %v (set sums to %d), brute force %d", cost, got, best)
		}
	})
}
