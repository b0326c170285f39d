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
		checkCoverBrute(t, amounts, need)
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

// u64Arith runs the generic cover search on machine integers, as an
// independent check of coverU64 on instances too large for brute force.
type u64Arith struct{}

func (u64Arith) add(a, b uint64) uint64 { return a + b }
func (u64Arith) sub(a, b uint64) uint64 { return a - b }
func (u64Arith) cmp(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
func (u64Arith) zero() uint64 { return 0 }

// dpCover is the least subset sum ≥ need of small positive integers, from
// the set of all reachable sums (a bitset), or -1 when none reaches need.
func dpCover(vals []int64, need int64) int64 {
	var total int64
	for _, v := range vals {
		total += v
	}
	words := make([]uint64, total/64+1)
	words[0] = 1
	for _, v := range vals {
		ws, bs := int(v/64), uint(v%64)
		for i := len(words) - 1; i >= ws; i-- {
			x := words[i-ws] << bs
			if bs != 0 && i-ws-1 >= 0 {
				x |= words[i-ws-1] >> (64 - bs)
			}
			words[i] |= x
		}
	}
	for s := max(need, 0); s <= total; s++ {
		if words[s/64]>>(s%64)&1 != 0 {
			return s
		}
	}
	return -1
}

// checkCover runs MinCover on vals/den with need and compares it with
// dpCover, and checks the set it returns.
func checkCover(t interface{ Fatalf(string, ...any) }, vals []int64, den int64, need *big.Rat) {
	amounts := make([]*big.Rat, len(vals))
	for i, v := range vals {
		amounts[i] = big.NewRat(v, den)
	}
	cost, set, err := MinCover(amounts, need, DefaultCoverNodes)
	// in units of 1/den: the least integer ≥ need·den
	scaledNeed := ceilDiv(new(big.Int).Mul(need.Num(), big.NewInt(den)), need.Denom())
	want := dpCover(vals, scaledNeed.Int64())
	if want < 0 {
		if err == nil {
			t.Fatalf("need %v exceeds the total, MinCover gave %v", need, cost)
		}
		return
	}
	if err != nil {
		t.Fatalf("need %v: %v", need, err)
	}
	if cost.Cmp(big.NewRat(want, den)) != 0 {
		t.Fatalf("need %v of %v/%d: cover %v, want %d/%d", need, vals, den, cost, want, den)
	}
	var got int64
	seen := map[int]bool{}
	for k, i := range set {
		if seen[i] || (k > 0 && set[k-1] >= i) {
			t.Fatalf("set %v is not ascending and distinct", set)
		}
		seen[i] = true
		got += vals[i]
	}
	if got != want {
		t.Fatalf("set %v sums to %d, not %d", set, got, want)
	}
}

// TestMinCoverDP goes past the tables' 20 items, so that the depth-first
// search over the larger items runs too, against the reachable-sums DP:
// a few large items and many small ones, repeats, and all-equal lists.
func TestMinCoverDP(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 70).Draw(t, "n")
		shape := rapid.SampledFrom([]string{"spread", "equal", "few", "tiers"}).Draw(t, "shape")
		vals := make([]int64, n)
		var total int64
		for i := range vals {
			switch shape {
			case "spread":
				vals[i] = rapid.Int64Range(1, 3000).Draw(t, "v")
			case "equal":
				vals[i] = 37
			case "few": // few distinct values: many repeats
				vals[i] = rapid.SampledFrom([]int64{5, 12, 12, 40, 97}).Draw(t, "v")
			case "tiers": // heavy tail: a few large, many small
				if i < 4 {
					vals[i] = rapid.Int64Range(1000, 20000).Draw(t, "v")
				} else {
					vals[i] = rapid.Int64Range(50, 300).Draw(t, "v")
				}
			}
			total += vals[i]
		}
		den := rapid.SampledFrom([]int64{1, 3}).Draw(t, "den")
		alpha := q(rapid.SampledFrom([]string{"0", "1/3", "1/2", "2/3", "1", "0.333333333333333334", "1/7", "99/100"}).Draw(t, "alpha"))
		need := new(big.Rat).Mul(alpha, big.NewRat(total, den))
		if rapid.Bool().Draw(t, "plus") {
			need.Add(need, big.NewRat(rapid.Int64Range(-5, 5).Draw(t, "d"), 2*den))
		}
		checkCover(t, vals, den, need)
	})
}

func TestMinCoverEdges(t *testing.T) {
	for _, c := range []struct {
		vals []int64
		need string
	}{
		{[]int64{5}, "0"}, {[]int64{5}, "-3"}, {[]int64{5}, "5"}, {[]int64{5}, "1/2"}, {[]int64{5}, "6"},
		{[]int64{4, 4, 4, 4}, "16"}, {[]int64{4, 4, 4, 4}, "9"}, {[]int64{3, 1, 2}, "6"},
		{[]int64{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}, "50"},
	} {
		checkCover(t, c.vals, 1, q(c.need))
	}
	// far apart sizes: the small ones cover alone, or one large one does
	for _, need := range []string{"8", "9", "1099511627776", "1099511627785"} {
		amounts := []*big.Rat{q("1099511627776"), q("3"), q("1099511627776"), q("5")}
		cost, _, err := MinCover(amounts, q(need), DefaultCoverNodes)
		if want := bruteCover(amounts, q(need)); err != nil || cost.Cmp(want) != 0 {
			t.Fatalf("need %s: cover %v (%v), brute force %v", need, cost, err, want)
		}
	}
	if cost, set, err := MinCover(nil, q("0"), 10); err != nil || cost.Sign() != 0 || len(set) != 0 {
		t.Fatalf("no amounts, need 0: %v %v %v", cost, set, err)
	}
	if _, _, err := MinCover(nil, q("1"), 10); err == nil {
		t.Fatal("no amounts cannot cover 1")
	}
	if _, _, err := MinCover([]*big.Rat{q("1"), q("-1")}, q("0"), 10); err == nil {
		t.Fatal("a negative amount must be refused")
	}
}

// TestMinCoverHuge: values beyond 64 bits take the big-integer search;
// a common factor beyond 64 bits divides out into machine integers.
func TestMinCoverHuge(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(t, "n")
		common := rapid.Bool().Draw(t, "common")
		two64 := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), 64))
		var amounts []*big.Rat
		total := new(big.Rat)
		for range n {
			a := big.NewRat(rapid.Int64Range(1, 60).Draw(t, "a"), 1)
			if common {
				a.Mul(a, two64)
			} else {
				a.Add(a, two64)
			}
			amounts = append(amounts, a)
			total.Add(total, a)
		}
		alpha := q(rapid.SampledFrom([]string{"1/3", "1/2", "2/3", "1", "0.333333333333333334"}).Draw(t, "alpha"))
		need := new(big.Rat).Mul(alpha, total)
		checkCoverBrute(t, amounts, need)
	})
}

// TestCoverMatchesGenericSearch compares coverU64 with the generic search
// on the generator's services: up to 200 operators, heavy-tailed amounts.
func TestCoverMatchesGenericSearch(t *testing.T) {
	for _, variant := range benchVariants {
		n, err := Generate(GenOptions{Operators: 2000, Services: 50, Seed: 3, Variant: variant})
		if err != nil {
			t.Fatal(err)
		}
		g, err := Compile(n)
		if err != nil {
			t.Fatal(err)
		}
		w := new(coverU64)
		for s := range g.ServiceIDs {
			amounts := make([]*big.Rat, len(g.ByService[s]))
			for i, e := range g.ByService[s] {
				amounts[i] = e.W
			}
			sc := scaleAmounts(amounts, new(big.Rat).Mul(g.Threshold[s], g.Total[s]))
			if sc.u == nil {
				t.Fatalf("%s: generated amounts should fit in 63 bits", g.ServiceIDs[s])
			}
			target := sc.need.Uint64()
			got, set, err := w.minCover(sc.u, target, DefaultCoverNodes)
			want, _, err2 := runCover[uint64](u64Arith{}, sc.u, target, DefaultCoverNodes)
			if err != nil || err2 != nil || got != want {
				t.Fatalf("%s %s: coverU64 %d (%v), generic %d (%v)", variant, g.ServiceIDs[s], got, err, want, err2)
			}
			var sum uint64
			for _, p := range set {
				sum += sc.u[p]
			}
			if sum != got {
				t.Fatalf("%s %s: set sums to %d, not %d", variant, g.ServiceIDs[s], sum, got)
			}
		}
	}
}

// FuzzMinCover checks MinCover against the reachable-sums DP on small
// integer lists: two bytes per amount, the first byte the threshold.
func FuzzMinCover(f *testing.F) {
	f.Add([]byte{128, 1, 0, 2, 0, 3, 0})
	f.Add([]byte{85, 0, 200, 0, 7, 0, 7, 0, 7, 1, 0, 0, 9, 0, 30, 0, 31, 0, 33, 0, 40, 0, 41, 0, 45, 0, 50, 0, 51, 0, 52, 0, 60, 0, 61, 0, 70, 0, 71, 0, 72, 0, 80, 0, 90, 0, 91, 0, 99})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 3 {
			return
		}
		var vals []int64
		var total int64
		for i := 1; i+1 < len(data) && len(vals) < 80; i += 2 {
			v := int64(data[i])<<8 | int64(data[i+1])
			vals = append(vals, v%4096+1)
			total += vals[len(vals)-1]
		}
		need := big.NewRat(int64(data[0])*total, 255)
		checkCover(t, vals, 1, need)
	})
}

// checkCoverBrute: MinCover's cost equals brute force's, and its set sums to it.
func checkCoverBrute(t *rapid.T, amounts []*big.Rat, need *big.Rat) {
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
}
