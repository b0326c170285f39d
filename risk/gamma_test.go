package risk

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestSlackByHand(t *testing.T) {
	tests := []struct {
		name      string
		net       netSpec
		gamma     string // "" for +∞
		certified bool
		binding   Binding
	}{
		{
			// The published counterexample: γ* = 0, every term equals 1.
			name: "one service, ε and 1−ε",
			net: netSpec{stakes: []string{"1/10", "9/10"}, svcs: [][2]string{{"1", "1"}},
				allocs: []allocSpec{{0, 0, "1/10"}, {1, 0, "9/10"}}},
			gamma: "0", certified: true, binding: Binding{"service", 0, "s0"},
		},
		{
			// s0: ½·20/4 = 5/2; s1: ½·10/6 = 5/6; a: 10/((10/20)·8) = 5/2;
			// b: 10/((10/20)·8 + (10/10)·12) = 5/8 → γ* = −3/8 at b.
			name: "elastic operator binds",
			net: netSpec{stakes: []string{"10", "10"}, svcs: [][2]string{{"4", "1/2"}, {"6", "1/2"}},
				allocs: []allocSpec{{0, 0, "10"}, {1, 0, "10"}, {1, 1, "10"}}},
			gamma: "-3/8", certified: false, binding: Binding{"operator", 1, "b"},
		},
		{
			// s0: (2/3)·30/5 = 4; a: 20/((20/30)·7.5) = 4; b: 10/((10/30)·7.5)
			// = 4; c has no load. The tie goes to the service.
			name: "tie, idle operator",
			net: netSpec{stakes: []string{"20", "10", "5"}, svcs: [][2]string{{"5", "2/3"}},
				allocs: []allocSpec{{0, 0, "20"}, {1, 0, "10"}}},
			gamma: "3", certified: true, binding: Binding{"service", 0, "s0"},
		},
		{
			name: "no profit anywhere",
			net: netSpec{stakes: []string{"1"}, svcs: [][2]string{{"0", "1/2"}},
				allocs: []allocSpec{{0, 0, "1"}}},
			certified: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Slack(tt.net.graph(t))
			if tt.gamma == "" {
				if !r.Infinite || r.GammaStar != nil {
					t.Fatalf("want +∞, got %v", r.GammaStar)
				}
			} else if r.Infinite || r.GammaStar.Cmp(q(tt.gamma)) != 0 {
				t.Fatalf("γ* = %v, want %s", r.GammaStar, tt.gamma)
			}
			if r.Certified != tt.certified || r.Binding != tt.binding {
				t.Fatalf("certified %v binding %+v, want %v %+v", r.Certified, r.Binding, tt.certified, tt.binding)
			}
		})
	}
}

func TestLossBound(t *testing.T) {
	r := SlackReport{GammaStar: q("1/2"), LossBoundFactor: q("3")}
	if b, ok := r.LossBound(q("1/10")); !ok || b.Cmp(q("3/10")) != 0 {
		t.Fatalf("bound %v %v", b, ok)
	}
	if b, ok := r.LossBound(q("1/2")); !ok || b.Cmp(q("1")) != 0 {
		t.Fatalf("capped bound %v %v", b, ok)
	}
	if _, ok := (SlackReport{GammaStar: q("0")}).LossBound(q("1/10")); ok {
		t.Fatal("γ* = 0 has no bound")
	}
}

func TestSlackJSON(t *testing.T) {
	net := netSpec{stakes: []string{"3"}, svcs: [][2]string{{"1", "1"}}, allocs: []allocSpec{{0, 0, "2"}}}
	// γ* = min(2/1, 3/((2/2)·1)) − 1 = 1; factor 2.
	b, err := json.Marshal(Slack(net.graph(t)))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"gamma_star":"1","infinite":false,"certified":true,"binding":{"kind":"service","id":"s0"},"loss_bound_factor":"2","unsecured":[]}`
	if string(b) != want {
		t.Fatalf("got %s", b)
	}
	neg := SlackReport{GammaStar: q("-1/3")}
	b, _ = json.Marshal(neg)
	if !strings.Contains(string(b), `"gamma_star":"-0.333333333333333334"`) {
		t.Fatalf("γ* must round down: %s", b)
	}
	if DecimalCeil(q("4/3")) != "1.333333333333333334" || DecimalFloor(q("4/3")) != "1.333333333333333333" {
		t.Fatal("decimal rounding")
	}
}

// naiveSlack computes γ*+1 from the definition, every term exactly.
func naiveSlack(g *Graph) (*big.Rat, Binding) {
	var min *big.Rat
	var b Binding
	for s := range g.ServiceIDs {
		if t := ServiceTerm(g.Threshold[s], g.Total[s], g.PfC[s]); t != nil && (min == nil || t.Cmp(min) < 0) {
			min, b = t, Binding{"service", s, g.ServiceIDs[s]}
		}
	}
	for v := range g.OperatorIDs {
		var loads []Load
		for _, e := range g.ByOperator[v] {
			loads = append(loads, Load{e.W, g.Total[e.Service], g.PfC[e.Service], g.Threshold[e.Service]})
		}
		if t := OperatorTerm(g.Stake[v], loads); t != nil && (min == nil || t.Cmp(min) < 0) {
			min, b = t, Binding{"operator", v, g.OperatorIDs[v]}
		}
	}
	return min, b
}

// TestSlackMatchesDefinition checks the float-filtered Slack against the
// definition, including amounts far outside float64's comfortable range
// (which must take the exact path).
func TestSlackMatchesDefinition(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := randomGraph(t, 6, 4, rapid.SampledFrom([]string{"1", "1/1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", "100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"}).Draw(t, "scale"))
		r := Slack(g)
		min, b := naiveSlack(g)
		if min == nil {
			if !r.Infinite {
				t.Fatalf("want +∞, got %v", r.GammaStar)
			}
			return
		}
		want := new(big.Rat).Sub(min, big.NewRat(1, 1))
		if r.Infinite || r.GammaStar.Cmp(want) != 0 || r.Binding != b {
			t.Fatalf("γ* %v %+v, want %v %+v", r.GammaStar, r.Binding, want, b)
		}
	})
}

// randomGraph draws a small valid network: stakes 1..20, allocations at
// most the stake (any restaking degree), π 0..30, α ∈ {1/3, 1/2, 2/3, 1},
// every amount multiplied by scale.
func randomGraph(t *rapid.T, maxOps, maxSvcs int, scale string) *Graph {
	nv := rapid.IntRange(1, maxOps).Draw(t, "operators")
	ns := rapid.IntRange(1, maxSvcs).Draw(t, "services")
	sc := q(scale)
	mul := func(x int) *big.Rat { return new(big.Rat).Mul(big.NewRat(int64(x), 1), sc) }
	net := &Network{}
	stakes := make([]int, nv)
	for v := range nv {
		stakes[v] = rapid.IntRange(1, 20).Draw(t, "stake")
		net.Operators = append(net.Operators, Operator{opName(v), mul(stakes[v])})
	}
	alphas := []string{"1/3", "1/2", "2/3", "1"}
	for s := range ns {
		pi := rapid.IntRange(0, 30).Draw(t, "pfc")
		net.Services = append(net.Services, Service{svcName(s), mul(pi), q(rapid.SampledFrom(alphas).Draw(t, "alpha"))})
	}
	for v := range nv {
		for s := range ns {
			if w := rapid.IntRange(0, stakes[v]).Draw(t, "w"); w > 0 && rapid.Bool().Draw(t, "edge") {
				net.Allocations = append(net.Allocations, Allocation{opName(v), svcName(s), mul(w)})
			}
		}
	}
	g, err := Compile(net)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// scalePfC multiplies every π of g by f (a copy).
func scalePfC(g *Graph, f *big.Rat) *Graph {
	h := *g
	h.PfC = make([]*big.Rat, len(g.PfC))
	for s, p := range g.PfC {
		h.PfC[s] = new(big.Rat).Mul(p, f)
	}
	return &h
}

// TestCertifiedMeansSecure: γ* ≥ 0 ⇒ brute force finds no profitable
// attack. Each network is also rescaled to γ* = 0 exactly (π·(1+γ*)), the
// sharpest case the certificate claims. 100 rapid cases × 30 networks.
func TestCertifiedMeansSecure(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		for range 30 {
			checkCertifiedSecure(t, randomGraph(t, 5, 4, "1"))
		}
	})
}

func checkCertifiedSecure(t *rapid.T, g *Graph) {
	r := Slack(g)
	cases := []*Graph{g}
	if !r.Infinite {
		cases = append(cases, scalePfC(g, new(big.Rat).Add(r.GammaStar, big.NewRat(1, 1))))
	}
	for _, h := range cases {
		rr := Slack(h)
		if !rr.Certified {
			continue
		}
		best, found, err := BruteForce(h)
		if err != nil {
			t.Fatal(err)
		}
		if found && best.Profit.Sign() > 0 {
			t.Fatalf("certified (γ* = %v) yet attack %+v profits %v", rr.GammaStar, best, best.Profit)
		}
	}
}

// TestRatFloat: the allocation-free conversion agrees with big.Rat.Float64
// (nearest float64) everywhere, including at and past 2^53.
func TestRatFloat(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		bound := rapid.SampledFrom([]int64{1000, 1 << 53, 1<<53 + 1, 1 << 62}).Draw(t, "bound")
		n := rapid.Int64Range(-bound, bound).Draw(t, "n")
		d := rapid.Int64Range(1, bound).Draw(t, "d")
		for _, r := range []*big.Rat{big.NewRat(n, 1), big.NewRat(n, d)} {
			want, _ := r.Float64()
			if got := ratFloat(r); got != want {
				t.Fatalf("%v: %v, want %v", r, got, want)
			}
		}
	})
	var zero big.Rat
	if ratFloat(&zero) != 0 {
		t.Fatal("the zero Rat is 0")
	}
}
