package risk

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand"
	"testing"

	"pgregory.net/rapid"
)

// smallShape bounds a random small network (BruteForce walks every pair).
type smallShape struct {
	maxOps, maxSvcs int
}

// randSmall draws a small network with the degenerate cases the solver
// must get right: zero stakes, α = 1, allocations equal to the stake,
// services nobody secures, zero profits and many ties (values on a coarse
// grid).
func randSmall(r *rand.Rand, sh smallShape) *Network {
	n := &Network{}
	nOps := 1 + r.Intn(sh.maxOps)
	nSvcs := 1 + r.Intn(sh.maxSvcs)
	grid := []int64{1, 2, 3, 4, 10}[r.Intn(5)] // denominators of values
	val := func(hi int) *big.Rat { return big.NewRat(int64(r.Intn(hi+1)), grid) }
	for i := range nOps {
		st := val(12)
		if r.Intn(8) == 0 {
			st = new(big.Rat)
		}
		n.Operators = append(n.Operators, Operator{ID: fmt.Sprintf("o%d", i), Stake: st})
	}
	alphas := []*big.Rat{big.NewRat(1, 3), big.NewRat(1, 2), big.NewRat(2, 3), big.NewRat(1, 1), big.NewRat(1, 4), big.NewRat(3, 5)}
	for j := range nSvcs {
		n.Services = append(n.Services, Service{ID: fmt.Sprintf("s%d", j), PfC: val([]int{6, 12, 30}[r.Intn(3)]), Threshold: alphas[r.Intn(len(alphas))]})
	}
	mode := r.Intn(3) // 0 random, 1 full restaking, 2 unique-ish
	for i, o := range n.Operators {
		for j := range n.Services {
			if r.Intn(3) == 0 {
				continue
			}
			w := new(big.Rat).Set(o.Stake)
			switch {
			case mode == 0 && r.Intn(2) == 0:
				w.Mul(w, big.NewRat(int64(r.Intn(5)), 4))
			case mode == 2:
				w.Quo(w, big.NewRat(int64(nSvcs), 1))
			}
			n.Allocations = append(n.Allocations, Allocation{Operator: fmt.Sprintf("o%d", i), Service: fmt.Sprintf("s%d", j), Amount: w})
		}
	}
	return n
}

// fataler is what both testing.TB and *rapid.T offer.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkAgainstBrute compares Solve with BruteForce on one network.
func checkAgainstBrute(t fataler, n *Network) {
	t.Helper()
	g, err := Compile(n)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	v, err := Solve(g, SolveOptions{})
	if err != nil {
		t.Fatalf("solve: %v", err)
	}
	best, found, err := BruteForce(g)
	if err != nil {
		t.Fatalf("brute force: %v", err)
	}
	insecure := found && best.Profit.Sign() > 0
	if v.Secure == insecure {
		t.Fatalf("Solve secure=%v, brute force best %v (found %v)\n%s", v.Secure, best.Profit, found, dump(n))
	}
	if insecure {
		p, ok := g.Profit(v.Attack.Services, v.Attack.Operators)
		if !ok || p.Cmp(v.Attack.Profit) != 0 {
			t.Fatalf("Solve's attack %+v is not what it claims (ok %v, profit %v)", v.Attack, ok, p)
		}
		if p.Cmp(best.Profit) != 0 {
			t.Fatalf("Solve profit %v, brute force %v (%+v)\n%s", p, best.Profit, best, dump(n))
		}
	}
}

func dump(n *Network) string {
	b, _ := n.MarshalJSON()
	return string(b)
}

func TestSolveMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	count := 3000
	if testing.Short() {
		count = 300
	}
	for range count {
		checkAgainstBrute(t, randSmall(r, smallShape{maxOps: 7, maxSvcs: 4}))
	}
	for range count / 10 {
		checkAgainstBrute(t, randSmall(r, smallShape{maxOps: 9, maxSvcs: 5}))
	}
}

// The published counterexample to "γ* = 0 means a profitable attack": one
// service with π = 1 and α = 1, secured by ε and 1−ε. Only both operators
// together corrupt it, at cost exactly 1 = π: no profit, so secure.
func TestSolveCounterexample(t *testing.T) {
	eps := big.NewRat(1, 1000)
	n := &Network{
		Operators: []Operator{{"a", eps}, {"b", new(big.Rat).Sub(big.NewRat(1, 1), eps)}},
		Services:  []Service{{"s", big.NewRat(1, 1), big.NewRat(1, 1)}},
		Allocations: []Allocation{
			{"a", "s", eps},
			{"b", "s", new(big.Rat).Sub(big.NewRat(1, 1), eps)},
		},
	}
	g, err := Compile(n)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Solve(g, SolveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Secure {
		t.Fatalf("want secure, got attack %+v", v.Attack)
	}
	checkAgainstBrute(t, n)
}

func TestSolveDegenerate(t *testing.T) {
	one := big.NewRat(1, 1)
	cases := map[string]*Network{
		"empty":          {},
		"no allocations": {Operators: []Operator{{"a", one}}, Services: []Service{{"s", one, one}}},
		"single operator": {
			Operators:   []Operator{{"a", big.NewRat(5, 1)}},
			Services:    []Service{{"s", big.NewRat(6, 1), big.NewRat(1, 2)}},
			Allocations: []Allocation{{"a", "s", big.NewRat(5, 1)}},
		},
		"zero profit": {
			Operators:   []Operator{{"a", big.NewRat(5, 1)}},
			Services:    []Service{{"s", new(big.Rat), big.NewRat(1, 2)}},
			Allocations: []Allocation{{"a", "s", big.NewRat(5, 1)}},
		},
	}
	for name, n := range cases {
		t.Run(name, func(t *testing.T) { checkAgainstBrute(t, n) })
	}
}

// rapidNetwork draws a small network for property tests.
func rapidNetwork(t *rapid.T) *Network {
	n := &Network{}
	nOps := rapid.IntRange(1, 6).Draw(t, "ops")
	nSvcs := rapid.IntRange(1, 4).Draw(t, "svcs")
	alphas := []*big.Rat{big.NewRat(1, 3), big.NewRat(1, 2), big.NewRat(2, 3), big.NewRat(1, 1)}
	for i := range nOps {
		n.Operators = append(n.Operators, Operator{ID: fmt.Sprintf("o%d", i), Stake: big.NewRat(int64(rapid.IntRange(0, 10).Draw(t, "stake")), 1)})
	}
	for j := range nSvcs {
		n.Services = append(n.Services, Service{
			ID:        fmt.Sprintf("s%d", j),
			PfC:       big.NewRat(int64(rapid.IntRange(0, 20).Draw(t, "pfc")), 1),
			Threshold: alphas[rapid.IntRange(0, len(alphas)-1).Draw(t, "alpha")],
		})
	}
	for i, o := range n.Operators {
		for j := range nSvcs {
			st := o.Stake.Num().Int64()
			w := rapid.Int64Range(-1, st).Draw(t, "w")
			if w >= 0 {
				n.Allocations = append(n.Allocations, Allocation{fmt.Sprintf("o%d", i), fmt.Sprintf("s%d", j), big.NewRat(w, 1)})
			}
		}
	}
	return n
}

// Solve's attack is real (Graph.Profit prices it at the claimed profit)
// and optimal (brute force finds nothing better).
func TestSolvePropertyRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) { checkAgainstBrute(t, rapidNetwork(t)) })
}

// fuzzNetwork decodes bytes into a network of at most 6 operators and 4
// services, so that brute force stays cheap.
func fuzzNetwork(data []byte) *Network {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	n := &Network{}
	nOps, nSvcs := 1+next()%6, 1+next()%4
	alphas := []*big.Rat{big.NewRat(1, 3), big.NewRat(1, 2), big.NewRat(2, 3), big.NewRat(1, 1), big.NewRat(1, 7)}
	stakes := make([]int64, nOps)
	for i := range nOps {
		stakes[i] = int64(next() % 32)
		n.Operators = append(n.Operators, Operator{ID: fmt.Sprintf("o%d", i), Stake: big.NewRat(stakes[i], 1)})
	}
	for j := range nSvcs {
		n.Services = append(n.Services, Service{ID: fmt.Sprintf("s%d", j), PfC: big.NewRat(int64(next()%64), 2), Threshold: alphas[next()%len(alphas)]})
	}
	for i := range nOps {
		for j := range nSvcs {
			if b := next(); b%4 != 0 {
				w := int64(b) % (stakes[i] + 1)
				n.Allocations = append(n.Allocations, Allocation{fmt.Sprintf("o%d", i), fmt.Sprintf("s%d", j), big.NewRat(w, 1)})
			}
		}
	}
	return n
}

// eachSmallProblem runs fn on count random small networks of shape sh
// drawn from seed (a tenth of them with -short), compiled and in
// integers; networks without services are skipped. fn draws its own
// randomness from r, so every case is reproducible from the seed.
func eachSmallProblem(t *testing.T, seed int64, count int, sh smallShape, fn func(k int, r *rand.Rand, g *Graph, p *intProblem)) {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	if testing.Short() {
		count /= 10
	}
	for k := range count {
		g, err := Compile(randSmall(r, sh))
		if err != nil || len(g.ServiceIDs) == 0 {
			continue
		}
		p, err := toInt(g)
		if err != nil {
			t.Fatal(err)
		}
		fn(k, r, g, p)
	}
}

func FuzzSolve(f *testing.F) {
	f.Add([]byte{3, 2, 10, 20, 5, 40, 1, 30, 2, 7, 9, 200, 13, 255, 0, 4})
	f.Add([]byte{0, 0, 1, 2, 3, 255})
	f.Fuzz(func(t *testing.T, data []byte) { checkAgainstBrute(t, fuzzNetwork(data)) })
}

// oneOperatorGraph: operator a (stake 1) allocating all of it to s
// (pfc 5, threshold 1); attacking s pays 4.
func oneOperatorGraph(t *testing.T) *Graph {
	t.Helper()
	one := big.NewRat(1, 1)
	g, err := Compile(&Network{
		Operators:   []Operator{{"a", one}},
		Services:    []Service{{"s", big.NewRat(5, 1), one}},
		Allocations: []Allocation{{"a", "s", one}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestProfitRefusesBadIndices(t *testing.T) {
	g := oneOperatorGraph(t)
	for _, c := range []struct{ svcs, ops []int }{{[]int{0, 0}, []int{0}}, {[]int{0}, []int{0, 0}}, {[]int{1}, []int{0}}, {[]int{0}, []int{-1}}} {
		if _, ok := g.Profit(c.svcs, c.ops); ok {
			t.Errorf("Profit(%v, %v) accepted", c.svcs, c.ops)
		}
	}
	if p, ok := g.Profit([]int{0}, []int{0}); !ok || p.Cmp(big.NewRat(4, 1)) != 0 {
		t.Errorf("Profit of the real attack = %v, %v", p, ok)
	}
}

// A Graph built by hand outside the model (an allocation above its
// operator's stake, which Compile refuses) is refused by Solve too: its
// pruning rules rely on every attacker losing at least its allocation.
func TestSolveRefusesAllocationAboveStake(t *testing.T) {
	g := oneOperatorGraph(t)
	ten := big.NewRat(10, 1)
	g.ByService[0][0].W, g.ByOperator[0][0].W, g.Total[0] = ten, ten, ten
	if _, err := Solve(g, SolveOptions{}); !errors.Is(err, ErrNetwork) {
		t.Fatalf("Solve over an allocation above the stake: %v", err)
	}
	g = oneOperatorGraph(t)
	g.ByService[0][0].Operator = 5
	if _, err := Solve(g, SolveOptions{}); !errors.Is(err, ErrNetwork) {
		t.Fatalf("Solve over an allocation from a missing operator: %v", err)
	}
}
