package risk

import "slices"

// Branching on services.
//
// Every attack (A, B) pays, for each s ∈ A, at least what B's undecided
// operators allocate to s (c_v ≥ w_vs), and that must cover s's deficit
// need_s − covIn_s: so it pays at least the largest deficit over A. A
// split of the operators' losses over all services cannot see this when
// the same large operators secure nearly every service (full restaking):
// each service is left a sliver of their stake to pay and covers itself
// almost for free. So, on networks whose allocations add up to several
// times the stake (highLeverage), while some feasible service not yet
// decided has a larger deficit than every service forced into A, the
// search branches on it: in A, or out of A. The split then charges each
// operator to the forced services first, largest deficit first, so the
// bound pays at least the largest forced deficit's cover. Both children
// together hold every attack of the node, so the search stays exact; a
// path decides each service at most once.
//
// On full restaking the remaining gap is the joint cover: one attacker
// set must reach every chosen threshold, which the per-service covers
// (and the linear relaxation, whose value at such nodes is the largest
// deficit) do not see. Networks where it decides the answer still need
// many operator branches.

// svcBranchLeverage is the ratio of all allocations to all stake from
// which the search branches on services: full restaking is near the number
// of services an operator joins (tens), elastic restaking 2–3.
const svcBranchLeverage = 4

// highLeverage reports whether p's allocations add up to at least
// svcBranchLeverage times its stake.
func highLeverage(p *intProblem) bool {
	var w, stake uint64 // below 2^62 (intProblem)
	for v := range p.nOps {
		stake += p.stake[v]
		for _, e := range p.byOp[v] {
			w += e.w
		}
	}
	return w/svcBranchLeverage >= stake && stake > 0
}

// deficit is what service s still needs beyond its forced-in coverage.
func (sv *solver) deficit(s int) uint64 {
	return sv.p.need[s] - min(sv.p.need[s], sv.covIn[s])
}

// orderForced lists the services forced into A, largest deficit first
// (lowest index among equals).
func (sv *solver) orderForced() {
	ns := &sv.scratch
	ns.forced = ns.forced[:0]
	ns.forcedKey = 0
	for s, st := range sv.svcStatus {
		if st == forcedIn {
			ns.forced = append(ns.forced, s)
			ns.forcedKey = ns.forcedKey*1_000_003 + uint64(s) + 1
		}
	}
	slices.SortFunc(ns.forced, func(a, b int) int {
		da, db := sv.deficit(a), sv.deficit(b)
		if da != db {
			if da > db {
				return -1
			}
			return 1
		}
		return a - b
	})
}

// anchorBranch is the service to branch on (−1: none): the feasible
// undecided one with the largest deficit (lowest index among equals), if
// that deficit exceeds every forced service's.
func (sv *solver) anchorBranch() int {
	ns := &sv.scratch
	var top uint64
	if len(ns.forced) > 0 {
		top = sv.deficit(ns.forced[0])
	}
	best, bestD := -1, top
	for s := range sv.p.nSvc {
		if !ns.feasible[s] || sv.svcStatus[s] != undecided {
			continue
		}
		if d := sv.deficit(s); d > bestD {
			best, bestD = s, d
		}
	}
	return best
}

// fixServices takes out of A, for the node's subtree, every undecided
// service s with π(F) − max(need_s, covIn_s) ≤ best, where F is the set
// of services the subtree may still attack: an attack on s pays at least
// its attackers' allocations to s (c_v ≥ w_vs, as w_vs ≤ σ_v), which reach
// need_s and include the forced-in ones, and gains at most π(F), so it
// does not beat the incumbent. The fixings go
// to ns.fixed, to be kept on the children's paths. It reports false when
// a service forced into A fails the same test: the node holds nothing
// better than the incumbent.
func (sv *solver) fixServices() bool {
	p, ns := sv.p, &sv.scratch
	ns.fixed = ns.fixed[:0]
	var piF uint64
	for s := range p.nSvc {
		if ns.feasible[s] {
			piF += p.pfc[s]
		}
	}
	for range p.nSvc + 1 { // each pass fixes one more service or stops
		changed := false
		for s := range p.nSvc {
			if !ns.feasible[s] || piF > sv.best+max(sv.p.need[s], sv.covIn[s]) {
				continue
			}
			if sv.svcStatus[s] == forcedIn {
				return false
			}
			sv.apply(int32(-1-s), forcedOut)
			ns.feasible[s] = false
			ns.fixed = append(ns.fixed, decision{op: int32(-1 - s), st: forcedOut})
			piF -= p.pfc[s]
			changed = true
		}
		if !changed {
			break
		}
	}
	return true
}

// fixOperators forces into B every undecided operator without which a
// service forced into A cannot reach its threshold: one whose allocation
// to it exceeds its slack covIn + covR − need. Moving an operator from
// undecided to forced in leaves every slack as it was, so one pass finds
// them all. The fixings go to ns.fixed.
func (sv *solver) fixOperators() {
	p, ns := sv.p, &sv.scratch
	for s, st := range sv.svcStatus {
		if st != forcedIn || !ns.feasible[s] {
			continue
		}
		slack := sv.covIn[s] + sv.covR[s] - p.need[s]
		for _, e := range p.bySvc[s] {
			if e.w > slack && sv.status[e.op] == undecided {
				sv.set(e.op, forcedIn)
				ns.fixed = append(ns.fixed, decision{op: int32(e.op), st: forcedIn})
			}
		}
	}
}

// keepFixed undoes the node's fixings (so that the solver's state matches
// the node's path again) and returns last extended by them, the path its
// children hang from.
func (sv *solver) keepFixed(last *pathNode) *pathNode {
	for _, d := range sv.scratch.fixed {
		sv.apply(d.op, undecided)
		last = &pathNode{d: d, up: last}
	}
	sv.scratch.fixed = sv.scratch.fixed[:0]
	return last
}
