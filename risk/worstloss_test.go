package risk

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestWorstLossCounterexample: γ* = 0 certifies security, yet a shock of
// the 1/10 operator loses everything.
func TestWorstLossCounterexample(t *testing.T) {
	g := counterexample.graph(t)
	if r := Slack(g); !r.Certified || r.GammaStar.Sign() != 0 {
		t.Fatalf("γ* %v", r.GammaStar)
	}
	rep, err := WorstLoss(g, q("1/10"))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Exact || rep.Loss.Cmp(q("1")) != 0 || len(rep.Shock) != 1 || rep.Shock[0] != "a" || len(rep.Attacks) != 1 {
		t.Fatalf("%+v", rep)
	}
	if rep.UpperBound != nil {
		t.Fatal("γ* = 0 gives no bound")
	}
	rep, _ = WorstLoss(g, q("1/20"))
	if rep.Loss.Sign() != 0 || len(rep.Shock) != 0 {
		t.Fatalf("a shock below ε: %+v", rep)
	}
}

// tightNetwork has γ* = ½ (bound factor 3): service s0 (π ⅔, α 1) held by
// d (⅓+ε) and b (⅔−ε), and a bystander z of stake 1. Shocking d leaves b
// alone to corrupt s0 at cost ⅔−ε < ⅔: the loss is ½ of total stake 2,
// while the bound is 3ψ = ½ + 3ε/2.
func tightNetwork(eps *big.Rat) netSpec {
	d := new(big.Rat).Add(q("1/3"), eps)
	b := new(big.Rat).Sub(q("2/3"), eps)
	return netSpec{
		stakes: []string{d.RatString(), b.RatString(), "1"},
		svcs:   [][2]string{{"2/3", "1"}},
		allocs: []allocSpec{{0, 0, d.RatString()}, {1, 0, b.RatString()}},
	}
}

func TestWorstLossBoundIsTight(t *testing.T) {
	for _, e := range []string{"1/10", "1/1000", "1/1000000000"} {
		eps := q(e)
		g := tightNetwork(eps).graph(t)
		if r := Slack(g); r.GammaStar.Cmp(q("1/2")) != 0 {
			t.Fatalf("γ* %v", r.GammaStar)
		}
		psi := new(big.Rat).Add(q("1/3"), eps)
		psi.Quo(psi, q("2"))
		rep, err := WorstLoss(g, psi)
		if err != nil {
			t.Fatal(err)
		}
		gap := new(big.Rat).Mul(eps, q("3/2"))
		if !rep.Exact || rep.Loss.Cmp(q("1/2")) != 0 || rep.UpperBound == nil || new(big.Rat).Sub(rep.UpperBound, rep.Loss).Cmp(gap) != 0 {
			t.Fatalf("ε %s: loss %v bound %v", e, rep.Loss, rep.UpperBound)
		}
	}
}

// bruteWorst is an independent reference for R_ψ: it rebuilds a Network
// and compiles it after every step, and tries every (A, B) with
// Graph.Profit, without memo.
func bruteWorst(t stepFailer, n *Network, psi *big.Rat) *big.Rat {
	total := new(big.Rat)
	for _, o := range n.Operators {
		total.Add(total, o.Stake)
	}
	budget := new(big.Rat).Mul(psi, total)
	best := new(big.Rat)
	k := len(n.Operators)
	for mask := 0; mask < 1<<k; mask++ {
		stakes := map[string]*big.Rat{}
		shocked := new(big.Rat)
		for i, o := range n.Operators {
			stakes[o.ID] = o.Stake
			if mask&(1<<i) != 0 {
				stakes[o.ID] = new(big.Rat)
				shocked.Add(shocked, o.Stake)
			}
		}
		if shocked.Cmp(budget) > 0 {
			continue
		}
		lost := shocked.Add(shocked, bruteSequences(t, rebuild(n, stakes, nil)))
		if lost.Cmp(best) > 0 {
			best = lost
		}
	}
	if total.Sign() == 0 {
		return best
	}
	return best.Quo(best, total)
}

// stepFailer is what both *testing.T and *rapid.T offer.
type stepFailer interface{ Fatal(args ...any) }

// rebuild is n with new stakes, allocations min(w, σ), without the
// services in gone.
func rebuild(n *Network, stakes map[string]*big.Rat, gone map[string]bool) *Network {
	out := &Network{}
	for _, o := range n.Operators {
		out.Operators = append(out.Operators, Operator{o.ID, stakes[o.ID]})
	}
	for _, s := range n.Services {
		if !gone[s.ID] {
			out.Services = append(out.Services, s)
		}
	}
	for _, a := range n.Allocations {
		if !gone[a.Service] {
			w := a.Amount
			if w.Cmp(stakes[a.Operator]) > 0 {
				w = stakes[a.Operator]
			}
			out.Allocations = append(out.Allocations, Allocation{a.Operator, a.Service, w})
		}
	}
	return out
}

func bruteSequences(t stepFailer, n *Network) *big.Rat {
	g, err := Compile(n)
	if err != nil {
		t.Fatal(err)
	}
	best := new(big.Rat)
	nv, ns := len(g.OperatorIDs), len(g.ServiceIDs)
	for am := 1; am < 1<<ns; am++ {
		for bm := 0; bm < 1<<nv; bm++ {
			svcs, ops := members(am, ns), members(bm, nv)
			p, ok := g.Profit(svcs, ops)
			if !ok || p.Sign() <= 0 {
				continue
			}
			inA := make([]bool, ns)
			gone := map[string]bool{}
			for _, s := range svcs {
				inA[s] = true
				gone[g.ServiceIDs[s]] = true
			}
			for _, id := range g.Unsecured {
				gone[id] = true
			}
			stakes := map[string]*big.Rat{}
			lost := new(big.Rat)
			for v, id := range g.OperatorIDs {
				stakes[id] = g.Stake[v]
			}
			for _, v := range ops {
				c := g.Loss(v, inA)
				lost.Add(lost, c)
				stakes[g.OperatorIDs[v]] = new(big.Rat).Sub(g.Stake[v], c)
			}
			lost.Add(lost, bruteSequences(t, rebuild(n, stakes, gone)))
			if lost.Cmp(best) > 0 {
				best = lost
			}
		}
	}
	return best
}

// TestWorstLossMatchesBruteForce compares R_ψ with the reference on tiny
// random networks, and checks the proven bound wherever it is given.
func TestWorstLossMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := randomGraph(t, 4, 3, "1")
		n := graphNetwork(g)
		psi := q(rapid.SampledFrom([]string{"0", "1/10", "1/4", "1/2", "1"}).Draw(t, "psi"))
		rep, err := WorstLoss(g, psi)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteWorst(t, n, psi); !rep.Exact || rep.Loss.Cmp(want) != 0 {
			t.Fatalf("R_ψ %v (exact %v), brute force %v", rep.Loss, rep.Exact, want)
		}
		if rep.UpperBound != nil && rep.Loss.Cmp(rep.UpperBound) > 0 {
			t.Fatalf("loss %v above the proven bound %v", rep.Loss, rep.UpperBound)
		}
	})
}

// graphNetwork writes a compiled graph back as a network (unsecured
// services become services with no allocation).
func graphNetwork(g *Graph) *Network {
	n := &Network{}
	for v, id := range g.OperatorIDs {
		n.Operators = append(n.Operators, Operator{id, g.Stake[v]})
		for _, e := range g.ByOperator[v] {
			n.Allocations = append(n.Allocations, Allocation{id, g.ServiceIDs[e.Service], e.W})
		}
	}
	for s, id := range g.ServiceIDs {
		n.Services = append(n.Services, Service{id, g.PfC[s], g.Threshold[s]})
	}
	return n
}

// TestWorstLossBoundOnRestricted: on unique-stake and full-restaking
// networks certified with γ* > 0, the exact worst loss never exceeds
// (1+1/γ*)·ψ. π is scaled to γ* = ½ so the bound is exercised.
func TestWorstLossBoundOnRestricted(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := restrictedGraph(t)
		r := Slack(g)
		if r.Infinite {
			return
		}
		f := new(big.Rat).Add(r.GammaStar, ratOne)
		g = scalePfC(g, f.Quo(f, q("3/2")))
		psi := q(rapid.SampledFrom([]string{"1/10", "1/5", "1/3"}).Draw(t, "psi"))
		rep, err := WorstLoss(g, psi)
		if err != nil {
			t.Fatal(err)
		}
		if rep.UpperBound == nil || rep.Loss.Cmp(rep.UpperBound) > 0 {
			t.Fatalf("loss %v, bound %v", rep.Loss, rep.UpperBound)
		}
	})
}

// restrictedGraph is a random network where each operator is unique
// (allocations sum to at most its stake) or full (w = σ everywhere).
func restrictedGraph(t *rapid.T) *Graph {
	nv := rapid.IntRange(1, 5).Draw(t, "operators")
	ns := rapid.IntRange(1, 3).Draw(t, "services")
	n := &Network{}
	for s := range ns {
		n.Services = append(n.Services, Service{svcName(s), big.NewRat(int64(rapid.IntRange(1, 30).Draw(t, "pfc")), 1), q(rapid.SampledFrom([]string{"1/3", "1/2", "2/3", "1"}).Draw(t, "alpha"))})
	}
	for v := range nv {
		stake := rapid.IntRange(1, 20).Draw(t, "stake")
		n.Operators = append(n.Operators, Operator{opName(v), big.NewRat(int64(stake), 1)})
		full, left := rapid.Bool().Draw(t, "full"), stake
		for s := range ns {
			w := stake
			if !full {
				w = rapid.IntRange(0, left).Draw(t, "w")
				left -= w
			}
			if w > 0 && rapid.Bool().Draw(t, "edge") {
				n.Allocations = append(n.Allocations, Allocation{opName(v), svcName(s), big.NewRat(int64(w), 1)})
			}
		}
	}
	g, err := Compile(n)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestWorstLossHeuristic: past the exact limit the answer is a lower bound
// whose shock fits ψ and whose attacks replay as valid, profitable attacks.
func TestWorstLossHeuristic(t *testing.T) {
	n, err := Generate(GenOptions{Operators: 12, Services: 4, Seed: 7, Variant: "elastic"})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := Compile(n)
	psi := q("1/5")
	rep, err := WorstLoss(g, psi, WorstLossOptions{Candidates: 6, MaxEvaluations: 60})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Exact || rep.Loss.Cmp(ratOne) > 0 || rep.Loss.Sign() < 0 {
		t.Fatalf("%+v", rep)
	}
	idx := indexOf(g.OperatorIDs)
	var d []int
	for _, id := range rep.Shock {
		d = append(d, idx[id])
	}
	st := shockState(g, d)
	total := newCascadeState(g).totalStake()
	lost := sumStake(g, d)
	if new(big.Rat).Quo(lost, total).Cmp(psi) > 0 {
		t.Fatalf("shock %v exceeds ψ", rep.Shock)
	}
	for _, a := range rep.Attacks {
		p, ok := st.profit(a.Attack.Services, a.Attack.Operators)
		if !ok || p.Sign() <= 0 {
			t.Fatalf("attack %+v does not replay", a)
		}
		l, _ := st.applyAttack(a.Attack)
		lost.Add(lost, l)
	}
	if new(big.Rat).Quo(lost, total).Cmp(rep.Loss) != 0 {
		t.Fatalf("replayed loss %v, reported %v", new(big.Rat).Quo(lost, total), rep.Loss)
	}
	b, _ := json.Marshal(rep)
	for _, f := range []string{`"psi":"0.2"`, `"loss":`, `"shock":`, `"attacks":`, `"exact":false`, `"upper_bound":`} {
		if !strings.Contains(string(b), f) {
			t.Fatalf("JSON %s lacks %s", b, f)
		}
	}
}

// Whatever node bound stops the exact search, the answer (the better of
// the shocks it finished and the heuristic's) is a lower bound marked as
// such, never above the exact loss; an exact answer is the exact loss.
func TestWorstLossUnderNodeBound(t *testing.T) {
	g := counterexample.graph(t)
	full, err := WorstLoss(g, q("1/10"))
	if err != nil || !full.Exact {
		t.Fatal(full, err)
	}
	for nodes := int64(1); nodes <= 64; nodes *= 2 {
		rep, err := WorstLoss(g, q("1/10"), WorstLossOptions{MaxNodes: nodes, Candidates: 1, MaxEvaluations: 1})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Exact && rep.Loss.Cmp(full.Loss) > 0 {
			t.Fatalf("nodes %d: a lower bound %v above the exact %v", nodes, rep.Loss, full.Loss)
		}
		if rep.Exact && rep.Loss.Cmp(full.Loss) != 0 {
			t.Fatalf("nodes %d: exact %v, want %v", nodes, rep.Loss, full.Loss)
		}
	}
}
