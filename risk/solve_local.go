package risk

import "slices"

// Local search for incumbents.
//
// For a set of services A, an attacker set is found by starting from every
// operator that may still join (forced in or undecided) and touches A, and
// dropping undecided operators, largest loss first, while every service of
// A keeps its threshold: what is left covers A and each kept operator was
// needed when it was looked at. The service set is then improved by
// adding or removing single services, and the attacker set by keeping
// some of its largest operators out. Everything here only proposes
// attacker sets; their value is always taken from bestFor (the exact
// maximum closure), so these heuristics can never make a verdict wrong.

// localPasses bounds the passes of service toggles and exclusions.
const localPasses = 3

// localExclude is how many of the largest kept operators are tried out.
const localExclude = 24

// localState holds the local search's buffers.
type localState struct {
	inA   []bool
	bestA []bool
	excl  []bool
	cov   []uint64
	loss  []uint64
	covA  []uint64
	order []int
	ops   []int
	keep  []bool
}

func (ls *localState) init(p *intProblem) {
	ls.inA = make([]bool, p.nSvc)
	ls.bestA = make([]bool, p.nSvc)
	ls.excl = make([]bool, p.nOps)
	ls.cov = make([]uint64, p.nSvc)
	ls.loss = make([]uint64, p.nOps)
	ls.covA = make([]uint64, p.nOps)
	ls.keep = make([]bool, p.nOps)
}

// coverFor builds an attacker set for the services in inA (services it
// cannot cover are taken out of inA) and returns its value as an estimate
// (Σ π over inA less each kept operator's loss; negative when it does not
// pay). The operators are left in ls.ops.
func (sv *solver) coverFor(inA []bool) int64 {
	p, ls := sv.p, &sv.local
	clear(ls.cov)
	allowed := func(v int) bool {
		return sv.status[v] == forcedIn || (sv.status[v] == undecided && !ls.excl[v])
	}
	for s := range p.nSvc {
		if !inA[s] {
			continue
		}
		for _, e := range p.bySvc[s] {
			if allowed(e.op) {
				ls.cov[s] += e.w
			}
		}
		if ls.cov[s] < p.need[s] {
			inA[s] = false
		}
	}
	ls.order = ls.order[:0]
	ls.ops = ls.ops[:0]
	for v := range p.nOps {
		if !allowed(v) {
			continue
		}
		var w uint64
		for _, e := range p.byOp[v] {
			if inA[e.svc] {
				w += e.w
			}
		}
		ls.loss[v] = min(w, p.stake[v])
		ls.covA[v] = w
		if w == 0 && sv.status[v] != forcedIn {
			continue
		}
		ls.keep[v] = true
		if sv.status[v] == undecided {
			ls.order = append(ls.order, v)
		}
	}
	// Least efficient first: the largest loss per unit of coverage of A,
	// then the largest loss.
	slices.SortFunc(ls.order, func(a, b int) int {
		if c := mulCmp(ls.loss[a], ls.covA[b], ls.loss[b], ls.covA[a]); c != 0 {
			return -c
		}
		if ls.loss[a] != ls.loss[b] {
			if ls.loss[a] > ls.loss[b] {
				return -1
			}
			return 1
		}
		return a - b
	})
	for _, v := range ls.order {
		ok := true
		for _, e := range p.byOp[v] {
			if inA[e.svc] && ls.cov[e.svc]-e.w < p.need[e.svc] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		ls.keep[v] = false
		for _, e := range p.byOp[v] {
			if inA[e.svc] {
				ls.cov[e.svc] -= e.w
			}
		}
	}
	var val int64
	for s := range p.nSvc {
		if inA[s] {
			val += int64(p.pfc[s])
		}
	}
	for v := range p.nOps {
		if ls.keep[v] {
			ls.keep[v] = false
			ls.ops = append(ls.ops, v)
			val -= int64(ls.loss[v])
		}
	}
	return val
}

// localSearch improves the incumbent starting from the services marked in
// start, and offers every attacker set it settles on to bestFor.
func (sv *solver) localSearch(start []bool) {
	p, ls := sv.p, &sv.local
	clear(ls.excl)
	copy(ls.inA, start)
	best := sv.coverFor(ls.inA)
	copy(ls.bestA, ls.inA)
	for range localPasses {
		improved := false
		for s := range p.nSvc {
			copy(ls.inA, ls.bestA)
			ls.inA[s] = !ls.inA[s]
			if val := sv.coverFor(ls.inA); val > best {
				best = val
				copy(ls.bestA, ls.inA)
				improved = true
			}
		}
		copy(ls.inA, ls.bestA)
		sv.coverFor(ls.inA)
		// Keep one of the largest operators out and cover again.
		cands := slices.Clone(ls.ops)
		slices.SortFunc(cands, func(a, b int) int {
			if ls.loss[a] != ls.loss[b] {
				if ls.loss[a] > ls.loss[b] {
					return -1
				}
				return 1
			}
			return a - b
		})
		for i, v := range cands {
			if i >= localExclude {
				break
			}
			if sv.status[v] != undecided {
				continue
			}
			ls.excl[v] = true
			copy(ls.inA, ls.bestA)
			if val := sv.coverFor(ls.inA); val > best {
				best = val
				copy(ls.bestA, ls.inA)
				improved = true
			} else {
				ls.excl[v] = false
			}
		}
		if !improved {
			break
		}
	}
	copy(ls.inA, ls.bestA)
	if best > 0 && sv.coverFor(ls.inA) > 0 {
		chosen := slices.Clone(sv.scratch.chosen) // bestFor overwrites it
		sv.bestFor(slices.Clone(ls.ops))
		copy(sv.scratch.chosen, chosen)
	}
	clear(ls.excl)
}
