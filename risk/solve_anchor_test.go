package risk

import (
	"math/big"
	"math/rand"
	"slices"
	"testing"
)

// With services forced into or out of A as well as operators forced in
// or out of B, the node's bound (forced services charged first, any
// split, the Lagrangian one among them) is never below the best attack
// that respects every decision, found by brute force; and a node whose
// forced service cannot be covered holds no attack at all.
func TestForcedServiceBoundAboveOptimum(t *testing.T) {
	eachSmallProblem(t, 23, 3000, smallShape{maxOps: 6, maxSvcs: 4}, func(k int, r *rand.Rand, g *Graph, p *intProblem) {
		sv := newSolver(p, 0)
		decide := []int8{undecided, undecided, forcedIn, forcedOut}
		for v := range p.nOps {
			sv.apply(int32(v), decide[r.Intn(4)])
		}
		for s := range p.nSvc {
			sv.apply(int32(-1-s), decide[r.Intn(4)])
		}
		ub, ok := boundAt(sv, r.Intn(3))
		best := bruteAtServices(g, sv.status, sv.svcStatus)
		if !ok {
			if best != nil {
				t.Fatalf("case %d: infeasible node holds an attack of %v", k, best)
			}
			return
		}
		lim := new(big.Rat).Mul(new(big.Rat).SetInt(new(big.Int).SetUint64(ub)), p.scale)
		if best != nil && best.Cmp(lim) > 0 {
			t.Fatalf("case %d: bound %v below the best attack %v\nops %v svcs %v\n%s", k, lim, best, sv.status, sv.svcStatus, dump(netOf(g)))
		}
	})
}

// boundAt prepares the node of sv's decisions as node() does and returns
// its bound under split kind (0 proportional, 1 Lagrangian, 2 random);
// ok is false when a forced service cannot be covered.
func boundAt(sv *solver, kind int) (ub uint64, ok bool) {
	p, ns := sv.p, &sv.scratch
	for s := range p.nSvc {
		ns.feasible[s] = sv.covIn[s]+sv.covR[s] >= p.need[s] && sv.svcStatus[s] != forcedOut
		if sv.svcStatus[s] == forcedIn && !ns.feasible[s] {
			return 0, false
		}
	}
	sv.collectInOps()
	sv.orderForced()
	sv.splitLosses()
	switch kind {
	case 1:
		sv.best = 0
		sv.lagrange()
	case 2:
		r := rand.New(rand.NewSource(int64(len(ns.inOps))))
		for s := range p.nSvc {
			for i, e := range p.bySvc[s] {
				ns.kappa[s][i] = uint64(r.Int63n(int64(e.w) + 1))
			}
		}
	}
	pen, _ := sv.penalty()
	return sv.bound(pen), true
}

// bruteAtServices is the best profit over attacks that respect the
// operators' decisions (status) and the services' (svcStatus: forced into
// A, every one of them attacked, or out of it; nil: none); nil when no
// such attack has positive profit.
func bruteAtServices(g *Graph, status, svcStatus []int8) *big.Rat {
	nv, ns := len(g.OperatorIDs), len(g.ServiceIDs)
	var best *big.Rat
	for bm := 0; bm < 1<<nv; bm++ {
		ops := members(bm, nv)
		if !respects(ops, status) {
			continue
		}
		for am := 1; am < 1<<ns; am++ {
			A := members(am, ns)
			if !respects(A, svcStatus) {
				continue
			}
			p, ok := g.Profit(A, ops)
			if ok && p.Sign() > 0 && (best == nil || p.Cmp(best) > 0) {
				best = p
			}
		}
	}
	return best
}

// respects reports whether the index set set holds every index forced in
// and none forced out (services in A, or operators in B).
func respects(set []int, status []int8) bool {
	for i, st := range status {
		in := slices.Contains(set, i)
		if (st == forcedIn && !in) || (st == forcedOut && in) {
			return false
		}
	}
	return true
}

// fixServices only takes out of A services that no attack better than the
// incumbent attacks, and declares a node empty only when it holds no such
// attack; fixOperators only forces into B operators every such attack
// has: on random small networks, decisions and incumbents, against brute
// force.
func TestFixServicesExact(t *testing.T) {
	eachSmallProblem(t, 29, 3000, smallShape{maxOps: 6, maxSvcs: 4}, func(k int, r *rand.Rand, g *Graph, p *intProblem) {
		sv := newSolver(p, 0)
		decide := []int8{undecided, undecided, undecided, forcedIn, forcedOut}
		for v := range p.nOps {
			sv.apply(int32(v), decide[r.Intn(len(decide))])
		}
		for s := range p.nSvc {
			sv.apply(int32(-1-s), decide[r.Intn(len(decide))])
		}
		ns := &sv.scratch
		coverable := true
		for s := range p.nSvc {
			ns.feasible[s] = sv.covIn[s]+sv.covR[s] >= p.need[s] && sv.svcStatus[s] != forcedOut
			coverable = coverable && (ns.feasible[s] || sv.svcStatus[s] != forcedIn)
		}
		sv.best = uint64(r.Int63n(int64(maxPfC(p)) + 2))
		before, opsBefore := slices.Clone(sv.svcStatus), slices.Clone(sv.status)
		ok := sv.fixServices()
		if ok && coverable {
			sv.fixOperators()
		}
		after, opsAfter := slices.Clone(sv.svcStatus), slices.Clone(sv.status)
		sv.keepFixed(nil)
		if !slices.Equal(sv.svcStatus, before) || !slices.Equal(sv.status, opsBefore) {
			t.Fatalf("case %d: keepFixed did not restore the decisions", k)
		}
		bestRat := new(big.Rat).Mul(new(big.Rat).SetInt(new(big.Int).SetUint64(sv.best)), p.scale)
		nv, nsv := len(g.OperatorIDs), len(g.ServiceIDs)
		for bm := 0; bm < 1<<nv; bm++ {
			ops := members(bm, nv)
			if !respects(ops, sv.status) {
				continue
			}
			for am := 1; am < 1<<nsv; am++ {
				A := members(am, nsv)
				if !respects(A, before) {
					continue
				}
				pr, feasible := g.Profit(A, ops)
				if !feasible || pr.Cmp(bestRat) <= 0 {
					continue
				}
				if !ok || !respects(A, after) || !respects(ops, opsAfter) {
					t.Fatalf("case %d: attack %v/%v of profit %v > %v lost (ok=%v, services %v → %v, operators %v → %v)\n%s", k, A, ops, pr, bestRat, ok, before, after, opsBefore, opsAfter, dump(netOf(g)))
				}
			}
		}
	})
}

// maxPfC is the sum of all profits, in integer units.
func maxPfC(p *intProblem) uint64 {
	var sum uint64
	for _, x := range p.pfc {
		sum += x
	}
	return sum
}

// Small random networks rarely reach highLeverage, so the search is run
// here with service branching forced on (and, for comparison, off) and
// its result checked against brute force: the same best profit, and a
// recorded attack worth exactly that.
func TestServiceBranchingMatchesBruteForce(t *testing.T) {
	eachSmallProblem(t, 31, 2000, smallShape{maxOps: 7, maxSvcs: 5}, func(k int, r *rand.Rand, g *Graph, p *intProblem) {
		best, found, err := BruteForce(g)
		if err != nil {
			t.Fatal(err)
		}
		for _, on := range []bool{true, false} {
			sv := newSolver(p, 0)
			sv.svcBranch = on
			if err := sv.search(); err != nil {
				t.Fatalf("case %d: %v", k, err)
			}
			v, err := sv.verdict(g)
			if err != nil {
				t.Fatalf("case %d: %v", k, err)
			}
			insecure := found && best.Profit.Sign() > 0
			if v.Secure == insecure || (insecure && v.Attack.Profit.Cmp(best.Profit) != 0) {
				t.Fatalf("case %d (service branching %v): Solve %+v, brute force %v\n%s", k, on, v, best.Profit, dump(netOf(g)))
			}
		}
	})
}
