package risk

import (
	"math/big"
	"math/rand"
	"testing"
)

// The bound at a node holds for any integer split κ ∈ [0, w] once the
// excess over the stakes is added back: on random small networks, random
// decisions and random splits (the Lagrangian one among them), it is never
// below the best attack that respects the decisions, found by brute force.
func TestSplitBoundAboveOptimum(t *testing.T) {
	eachSmallProblem(t, 11, 3000, smallShape{maxOps: 6, maxSvcs: 4}, func(k int, r *rand.Rand, g *Graph, p *intProblem) {
		sv := newSolver(p, 0)
		for v := range p.nOps {
			sv.set(v, []int8{undecided, undecided, forcedIn, forcedOut}[r.Intn(4)])
		}
		ns := &sv.scratch
		for s := range p.nSvc {
			ns.feasible[s] = sv.covIn[s]+sv.covR[s] >= p.need[s]
		}
		sv.collectInOps()
		switch r.Intn(3) {
		case 0:
			sv.splitLosses()
		case 1:
			sv.splitLosses()
			sv.best = 0
			sv.lagrange()
		default:
			for s := range p.nSvc {
				for i, e := range p.bySvc[s] {
					ns.kappa[s][i] = uint64(r.Int63n(int64(e.w) + 1))
				}
			}
		}
		pen, _ := sv.penalty()
		ub := sv.bound(pen)
		best := bruteAt(g, sv.status)
		lim := new(big.Rat).Mul(new(big.Rat).SetInt(new(big.Int).SetUint64(ub)), p.scale)
		if best != nil && best.Cmp(lim) > 0 {
			t.Fatalf("case %d: bound %v below the best attack %v\n%v\n%s", k, lim, best, sv.status, dump(netOf(g)))
		}
	})
}

// bruteAt is the best profit over attacks with every forced-in operator in
// B and no forced-out one (nil when no such attack has positive profit).
func bruteAt(g *Graph, status []int8) *big.Rat { return bruteAtServices(g, status, nil) }

// netOf rebuilds a network from a graph, for failure messages.
func netOf(g *Graph) *Network {
	n := &Network{}
	for v, id := range g.OperatorIDs {
		n.Operators = append(n.Operators, Operator{id, g.Stake[v]})
	}
	for s, id := range g.ServiceIDs {
		n.Services = append(n.Services, Service{id, g.PfC[s], g.Threshold[s]})
		for _, e := range g.ByService[s] {
			n.Allocations = append(n.Allocations, Allocation{g.OperatorIDs[e.Operator], id, e.W})
		}
	}
	return n
}
