package risk

import (
	"math"
	"slices"
)

// nodeScratch holds the buffers one search node reuses.
type nodeScratch struct {
	feasible []bool
	kappa    [][]uint64 // κ_vs aligned with intProblem.bySvc[s]
	pos      [][]int    // position of byOp[v][i] in bySvc[its service]
	a        []uint64
	chosen   []bool
	cand     []int
	inOps    []int
	sols     [][]int // per service: the operators its cover bought
	inB      []bool
	cov      []uint64
	candB    []int
	items    []coverItem
	cover    coverer
	fill     filler
	ws       []uint64

	// Lagrangian split (solve_lagrange.go)
	kf, kbest, y, g [][]float64
	over            []bool
	lag             []lagItem
	frac            []fracEdge
	kfSet           bool
	kfForced        uint64 // forcedKey when kf was last set

	fixed     []decision // the node's own fixings (solve_anchor.go)
	forced    []int      // services forced into A, largest deficit first
	forcedKey uint64     // a fingerprint of forced, for warm starts only
}

func (ns *nodeScratch) init(p *intProblem) {
	ns.feasible = make([]bool, p.nSvc)
	ns.kappa = make([][]uint64, p.nSvc)
	for s := range p.nSvc {
		ns.kappa[s] = make([]uint64, len(p.bySvc[s]))
	}
	ns.pos = make([][]int, p.nOps)
	at := make([]int, p.nSvc)
	for v := range p.nOps {
		// byOp[v] lists services in increasing order and bySvc[s] lists
		// operators in increasing order, so walking operators in order
		// fills each service's positions in order.
		for _, e := range p.byOp[v] {
			ns.pos[v] = append(ns.pos[v], at[e.svc])
			at[e.svc]++
		}
	}
	ns.kf, ns.kbest = make([][]float64, p.nSvc), make([][]float64, p.nSvc)
	ns.y, ns.g = make([][]float64, p.nSvc), make([][]float64, p.nSvc)
	for s := range p.nSvc {
		n := len(p.bySvc[s])
		ns.kf[s], ns.kbest[s] = make([]float64, n), make([]float64, n)
		ns.y[s], ns.g[s] = make([]float64, n), make([]float64, n)
	}
	ns.over = make([]bool, p.nOps)
	ns.a = make([]uint64, p.nSvc)
	ns.chosen = make([]bool, p.nSvc)
	ns.sols = make([][]int, p.nSvc)
	ns.inB = make([]bool, p.nOps)
	ns.cov = make([]uint64, p.nSvc)
}

// node computes the bound of the current subtree, improves the incumbent
// from the bound's own solution, and names the operator to branch on
// (-1: the subtree is settled).
func (sv *solver) node() (ub uint64, branch int, err error) {
	p, ns := sv.p, &sv.scratch
	for s := range p.nSvc {
		ns.feasible[s] = sv.covIn[s]+sv.covR[s] >= p.need[s] && sv.svcStatus[s] != forcedOut
		if sv.svcStatus[s] == forcedIn && !ns.feasible[s] {
			return 0, -1, nil // a service that must be attacked cannot be
		}
	}
	if !sv.fixServices() {
		return sv.best, -1, nil
	}
	sv.fixOperators()
	sv.collectInOps()
	sv.orderForced()
	sv.splitLosses()
	ub = sv.bound(0)
	if ub <= sv.best {
		return ub, -1, nil
	}
	over := -1
	// With service branching (full restaking) the split's subgradient
	// steps cost most of a node and did not lower the bound measurably.
	if !sv.svcBranch && sv.lagrange() {
		var pen uint64
		pen, over = sv.penalty()
		ub1 := sv.bound(pen)
		if ub1 < ub {
			ub = ub1
		} else {
			sv.splitLosses()
			sv.bound(0)
			over = -1
		}
		if ub <= sv.best {
			return ub, -1, nil
		}
	}
	branch = sv.pickBranch()
	svcBranch := -1
	if sv.svcBranch {
		svcBranch = sv.anchorBranch() // before the incumbents overwrite chosen
	}
	before := sv.best
	if len(ns.cand) > 0 && sv.nodes == 1 {
		sv.localSearch(ns.chosen)
		if sv.best >= ub {
			return ub, -1, nil
		}
	}
	if len(ns.cand) > 0 && (sv.tryCandidate() >= ub || sv.tryRepaired() >= ub) {
		return ub, -1, nil
	}
	if sv.best > before {
		sv.polish()
		sv.trim()
		if sv.best >= ub {
			return ub, -1, nil
		}
	}
	if svcBranch >= 0 {
		return ub, p.nOps + svcBranch, nil
	}
	if branch < 0 {
		branch = over
	}
	if branch < 0 {
		return ub, -1, errInternal("bound above its own attack with nothing to branch on")
	}
	return ub, branch, nil
}

// bound computes the node's bound for the current split: each candidate
// service's cover (operators in sols), the maximum closure over the
// candidates (chosen; services forced into A always are), plus pen, the
// split's excess over the stakes.
func (sv *solver) bound(pen uint64) uint64 {
	p, ns := sv.p, &sv.scratch
	ns.cand = ns.cand[:0]
	var plus, minus uint64 // the forced services' π and cover costs
	for s := range p.nSvc {
		ns.sols[s] = ns.sols[s][:0]
		if !ns.feasible[s] {
			continue
		}
		c := sv.coverCost(s)
		switch {
		case sv.svcStatus[s] == forcedIn:
			plus += p.pfc[s]
			minus += c
			ns.cand = append(ns.cand, s)
		case p.pfc[s] > c:
			ns.a[s] = p.pfc[s] - c
			ns.cand = append(ns.cand, s)
		}
	}
	clear(ns.chosen)
	if len(ns.cand) == 0 {
		return pen
	}
	val, extra := sv.closureForced(ns.cand, ns.a, ns.inOps, ns.chosen)
	if plus += val; plus <= minus+extra {
		return pen // the forced services cost more than they can bring
	}
	return plus - minus - extra + pen
}

// splitLosses sets κ_vs for every undecided operator over its feasible
// services: κ_vs ≤ w_vs and Σ_s κ_vs ≤ σ_v, checked in integers whatever
// the floating-point weights suggested. Services forced into A are charged
// first and in full: every attack of the subtree pays for them.
func (sv *solver) splitLosses() {
	p, ns := sv.p, &sv.scratch
	for v := range p.nOps {
		if sv.status[v] != undecided {
			continue
		}
		es, pos := p.byOp[v], ns.pos[v]
		if sv.feasibleAlloc(v) <= p.stake[v] {
			for i, e := range es {
				ns.kappa[e.svc][pos[i]] = e.w
			}
			continue
		}
		var denom float64
		for _, e := range es {
			if ns.feasible[e.svc] && sv.svcStatus[e.svc] != forcedIn {
				denom += sv.omega[e.svc] * float64(e.w)
			}
		}
		if denom <= 0 || math.IsInf(denom, 0) || math.IsNaN(denom) {
			sv.splitOne(v, false) // no profit weights: split by allocation
		} else {
			sv.splitOne(v, true)
		}
	}
}

// splitOne splits a capped operator's stake: services forced into A take
// their full allocation first, largest deficit first; the rest goes over
// the other feasible services in proportion to ω_s·w_vs (or w_vs); then
// the integer sums are repaired exactly.
func (sv *solver) splitOne(v int, weighted bool) {
	p, ns := sv.p, &sv.scratch
	es, pos := p.byOp[v], ns.pos[v]
	budget := p.stake[v]
	var sum uint64
	var denom float64
	weight := func(e iedge) float64 {
		if weighted {
			return sv.omega[e.svc] * float64(e.w)
		}
		return float64(e.w)
	}
	for i, e := range es {
		ns.kappa[e.svc][pos[i]] = 0
		if ns.feasible[e.svc] && sv.svcStatus[e.svc] != forcedIn {
			denom += weight(e)
		}
	}
	for _, f := range ns.forced {
		i, ok := slices.BinarySearchFunc(es, f, func(e iedge, s int) int { return e.svc - s })
		if ok {
			k := min(es[i].w, budget-sum)
			ns.kappa[f][pos[i]] = k
			sum += k
		}
	}
	rest := float64(budget - sum)
	for i, e := range es {
		if !ns.feasible[e.svc] || sv.svcStatus[e.svc] == forcedIn || denom <= 0 {
			continue
		}
		k := uint64(0)
		f := math.Floor(rest * weight(e) / denom)
		switch {
		case !(f >= 0):
			k = 0
		case f >= float64(e.w):
			k = e.w
		default:
			k = min(uint64(f), e.w)
		}
		ns.kappa[e.svc][pos[i]] = k
		sum += k
	}
	// Floating point may have overshot the budget: take the excess back,
	// from the services not forced in.
	for i := 0; i < len(es) && sum > budget; i++ {
		if sv.svcStatus[es[i].svc] == forcedIn {
			continue
		}
		k := &ns.kappa[es[i].svc][pos[i]]
		d := min(*k, sum-budget)
		*k -= d
		sum -= d
	}
	// Give what is left to feasible services still below w_vs.
	for i, e := range es {
		if sum >= budget {
			break
		}
		if !ns.feasible[e.svc] {
			continue
		}
		k := &ns.kappa[e.svc][pos[i]]
		d := min(e.w-*k, budget-sum)
		*k += d
		sum += d
	}
}

// coverCost is a lower bound on what the undecided operators charge (at
// their split losses) to lift service s from its forced-in coverage to its
// threshold; the operators of the cheapest cover found go to sols[s].
func (sv *solver) coverCost(s int) uint64 {
	p, ns := sv.p, &sv.scratch
	if sv.covIn[s] >= p.need[s] {
		return 0
	}
	d := p.need[s] - sv.covIn[s]
	ns.items = ns.items[:0]
	for i, e := range p.bySvc[s] {
		if sv.status[e.op] == undecided {
			ns.items = append(ns.items, coverItem{w: e.w, k: ns.kappa[s][i], op: e.op})
		}
	}
	slices.SortFunc(ns.items, byRatio)
	lb, sol := ns.cover.solve(ns.items, d)
	for _, i := range sol {
		ns.sols[s] = append(ns.sols[s], ns.items[i].op)
	}
	return lb
}

// startCandidate begins an attacker set with the forced-in operators.
func (sv *solver) startCandidate() *nodeScratch {
	ns := &sv.scratch
	ns.candB = append(ns.candB[:0], ns.inOps...)
	for _, v := range ns.inOps {
		ns.inB[v] = true
	}
	return ns
}

// tryCandidate evaluates the attacker set the bound bought: the forced-in
// operators and the covers of the services the bound chose. It returns the
// exact value of the best attack with those operators and records it when
// it beats the incumbent.
func (sv *solver) tryCandidate() uint64 {
	ns := sv.startCandidate()
	for _, s := range ns.cand {
		if !ns.chosen[s] {
			continue
		}
		for _, v := range ns.sols[s] {
			if !ns.inB[v] {
				ns.inB[v] = true
				ns.candB = append(ns.candB, v)
			}
		}
	}
	val := sv.bestFor(ns.candB)
	for _, v := range ns.candB {
		ns.inB[v] = false
	}
	return val
}

// bestFor is the value of the most profitable attack whose attackers are
// ops (a subset of them, since operators touching no attacked service lose
// nothing), recorded as the incumbent when it beats it.
func (sv *solver) bestFor(ops []int) uint64 {
	p, ns := sv.p, &sv.scratch
	clear(ns.cov)
	for _, v := range ops {
		for _, e := range p.byOp[v] {
			ns.cov[e.svc] += e.w
		}
	}
	var corr []int
	for s := range p.nSvc {
		if ns.cov[s] >= p.need[s] && p.pfc[s] > 0 {
			corr = append(corr, s)
		}
	}
	if len(corr) == 0 {
		return 0
	}
	val := sv.closure(corr, p.pfc, ops, ns.chosen)
	if val > sv.best {
		sv.record(val, corr, ops)
	}
	return val
}

// record stores the attack of value val: the chosen services among corr
// and the operators among ops that touch them.
func (sv *solver) record(val uint64, corr, ops []int) {
	p, ns := sv.p, &sv.scratch
	sv.best = val
	sv.bestA = sv.bestA[:0:0]
	for _, s := range corr {
		if ns.chosen[s] {
			sv.bestA = append(sv.bestA, s)
		}
	}
	sv.bestB = sv.bestB[:0:0]
	for _, v := range ops {
		for _, e := range p.byOp[v] {
			if ns.chosen[e.svc] {
				sv.bestB = append(sv.bestB, v)
				break
			}
		}
	}
	slices.Sort(sv.bestB)
}

// pickBranch names the undecided operator whose split loss or coverage the
// bound used inconsistently, preferring the largest stake: one that some
// chosen service's cover bought while another chosen service it also
// secures did not count it, or whose split charges the chosen services
// less than its true loss. Deciding it removes that slack. Operators every
// chosen service treats alike are only taken when no other is left.
func (sv *solver) pickBranch() int {
	p, ns := sv.p, &sv.scratch
	for _, s := range ns.cand {
		for _, v := range ns.sols[s] {
			if ns.chosen[s] {
				ns.inB[v] = true
			}
		}
	}
	best, bestAny := -1, -1
	better := func(v, than int) bool {
		return than < 0 || p.stake[v] > p.stake[than] || (p.stake[v] == p.stake[than] && v < than)
	}
	for _, s := range ns.cand {
		if !ns.chosen[s] {
			continue
		}
		for _, v := range ns.sols[s] {
			if better(v, bestAny) {
				bestAny = v
			}
			if better(v, best) && sv.inconsistent(v) {
				best = v
			}
		}
	}
	for _, s := range ns.cand {
		for _, v := range ns.sols[s] {
			ns.inB[v] = false
		}
	}
	if best < 0 {
		return bestAny
	}
	return best
}

// inconsistent reports whether the bound treated undecided operator v
// (bought by some chosen service's cover) differently from the truth.
func (sv *solver) inconsistent(v int) bool {
	p, ns := sv.p, &sv.scratch
	var wA, kA uint64
	for i, e := range p.byOp[v] {
		if !ns.chosen[e.svc] {
			continue
		}
		if !slices.Contains(ns.sols[e.svc], v) {
			return true
		}
		wA += e.w
		kA += ns.kappa[e.svc][ns.pos[v][i]]
	}
	return kA < min(wA, p.stake[v])
}

// tryRepaired is a second incumbent: keep the forced-in operators and the
// bought ones that touch two or more chosen services, then buy each chosen
// service's remaining deficit again from operators touching only it, so
// shared operators' coverage is not paid for twice.
func (sv *solver) tryRepaired() uint64 {
	p, ns := sv.p, sv.startCandidate()
	for _, s := range ns.cand {
		if !ns.chosen[s] {
			continue
		}
		for _, v := range ns.sols[s] {
			if !ns.inB[v] && sv.chosenDegree(v) >= 2 {
				ns.inB[v] = true
				ns.candB = append(ns.candB, v)
			}
		}
	}
	clear(ns.cov)
	for _, v := range ns.candB {
		for _, e := range p.byOp[v] {
			ns.cov[e.svc] += e.w
		}
	}
	shared := len(ns.candB)
	for _, s := range ns.cand {
		if !ns.chosen[s] || ns.cov[s] >= p.need[s] {
			continue
		}
		// Operators touching no other chosen service lose exactly their
		// coverage of s: the cheapest repair overshoots the least.
		ns.items = ns.items[:0]
		ns.ws = ns.ws[:0]
		for _, e := range p.bySvc[s] {
			if sv.status[e.op] == undecided && !ns.inB[e.op] && sv.chosenDegree(e.op) == 1 {
				ns.items = append(ns.items, coverItem{w: e.w, op: e.op})
				ns.ws = append(ns.ws, e.w)
			}
		}
		sol, _, ok := ns.fill.fill(ns.ws, p.need[s]-ns.cov[s])
		if !ok {
			continue // cannot repair this one: it stays uncovered
		}
		for _, i := range sol {
			ns.candB = append(ns.candB, ns.items[i].op)
		}
	}
	for _, v := range ns.candB[:shared] {
		ns.inB[v] = false
	}
	chosen := slices.Clone(ns.chosen) // bestFor overwrites it
	val := sv.bestFor(ns.candB)
	copy(ns.chosen, chosen)
	return val
}

// chosenDegree is the number of services the bound chose that v secures.
func (sv *solver) chosenDegree(v int) int {
	n := 0
	for _, e := range sv.p.byOp[v] {
		if sv.scratch.chosen[e.svc] {
			n++
		}
	}
	return n
}

// polish improves a new incumbent by local search: add or remove one
// operator while that raises the exact value, at most polishPasses passes
// over the operators that can matter (those in B, and those securing a
// service with a profit).
func (sv *solver) polish() {
	p, ns := sv.p, &sv.scratch
	cur := append([]int(nil), sv.bestB...)
	for range polishPasses {
		improved := false
		clear(ns.inB)
		for _, v := range cur {
			ns.inB[v] = true
		}
		for v := range p.nOps {
			if len(p.byOp[v]) == 0 {
				continue
			}
			var next []int
			if ns.inB[v] {
				next = slices.DeleteFunc(slices.Clone(cur), func(u int) bool { return u == v })
			} else {
				next = append(slices.Clone(cur), v)
			}
			before := sv.best
			sv.bestFor(next)
			if sv.best > before {
				cur = append(cur[:0], sv.bestB...)
				clear(ns.inB)
				for _, u := range cur {
					ns.inB[u] = true
				}
				improved = true
			}
		}
		if !improved {
			break
		}
	}
	clear(ns.inB)
}

// polishPasses bounds the local search of a new incumbent.
const polishPasses = 3

// collectInOps lists the operators forced into B, by index.
func (sv *solver) collectInOps() {
	ns := &sv.scratch
	ns.inOps = ns.inOps[:0]
	for v, st := range sv.status {
		if st == forcedIn {
			ns.inOps = append(ns.inOps, v)
		}
	}
}

// feasibleAlloc is Σ w_vs over operator v's services still feasible at
// this node (below 2^62: intProblem).
func (sv *solver) feasibleAlloc(v int) uint64 {
	var sum uint64
	for _, e := range sv.p.byOp[v] {
		if sv.scratch.feasible[e.svc] {
			sum += e.w
		}
	}
	return sum
}
