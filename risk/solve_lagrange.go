package risk

import (
	"cmp"
	"math"
	"slices"
)

// Lagrangian split.
//
// The bound at a node holds for any split κ_vs ∈ [0, w_vs] of the
// undecided operators' losses, not only for those with Σ_s κ_vs ≤ σ_v,
// once each operator's excess P_v = max(0, Σ_s κ_vs − σ_v) is added back:
// for an attack (A, B) and v ∈ B,
//
//	Σ_{s∈A} κ_vs ≤ min(Σ_{s∈A} w_vs, Σ_s κ_vs) ≤ min(Σ_{s∈A} w_vs, σ_v) + P_v,
//
// so v's true loss is at least what the services charge it less P_v, and
// the bound grows by Σ_v P_v ≥ 0 at most. This is the Lagrangian
// relaxation of "an operator bought by one service's cover is bought for
// all": the split is its multiplier. lagrange improves the split by a few
// subgradient steps on a floating-point copy of the bound (covers by their
// fractional relaxation); floats only choose κ. The bound the search uses
// is then recomputed from the integer κ in exact arithmetic, P included.

// Subgradient steps at the root and, warm started, at the other nodes.
const (
	lagIters     = 30
	lagItersWarm = 12
)

// lagItem is an undecided operator in one service's fractional cover.
type lagItem struct {
	pos   int // position in bySvc[s]
	ratio float64
}

// lagrange sets ns.kappa to an improved split for the current node and
// reports whether it did. It only runs when some undecided operator's feasible allocations exceed
// its stake (otherwise κ = w is already exact).
func (sv *solver) lagrange() bool {
	p, ns := sv.p, &sv.scratch
	capped := false
	for v := range p.nOps {
		if sv.status[v] != undecided {
			continue
		}
		if sv.feasibleAlloc(v) > p.stake[v] {
			capped = true
			break
		}
	}
	if !capped {
		return false
	}
	// Start from the previous node's split (any split is valid, and the
	// last one expanded is usually close), or from the node's own split at
	// the first node and whenever the services forced into A change.
	kf, best, y := ns.kf, ns.kbest, ns.y
	fresh := !ns.kfSet || ns.kfForced != ns.forcedKey
	for s := range p.nSvc {
		for i := range p.bySvc[s] {
			if fresh {
				kf[s][i] = float64(ns.kappa[s][i])
			}
			best[s][i] = kf[s][i]
		}
	}
	ns.kfSet, ns.kfForced = true, ns.forcedKey
	iters := lagIters
	if sv.nodes > 1 {
		iters = lagItersWarm
	}
	bestUB := math.Inf(1)
	theta := 1.0
	stall := 0
	target := float64(sv.best)
	for it := 0; it < iters; it++ {
		ub := sv.lagBound(kf, y)
		if ub < bestUB {
			bestUB = ub
			for s := range p.nSvc {
				copy(best[s], kf[s])
			}
			stall = 0
		} else if stall++; stall >= 4 {
			theta /= 2
			stall = 0
		}
		if ub <= target+1 {
			break
		}
		// Subgradient: +1 on every edge of an operator over its stake,
		// minus its share in a chosen service's cover.
		var norm float64
		for s := range p.nSvc {
			if !ns.feasible[s] {
				continue
			}
			for i, e := range p.bySvc[s] {
				if sv.status[e.op] != undecided {
					continue
				}
				g := -y[s][i]
				if ns.over[e.op] {
					g++
				}
				ns.g[s][i] = g
				norm += g * g
			}
		}
		if norm == 0 {
			break
		}
		step := theta * (ub - target) / norm
		if target <= 0 {
			step = theta * 0.05 * ub / norm
		}
		for s := range p.nSvc {
			if !ns.feasible[s] {
				continue
			}
			for i, e := range p.bySvc[s] {
				if sv.status[e.op] != undecided {
					continue
				}
				k := kf[s][i] - step*ns.g[s][i]
				kf[s][i] = min(max(k, 0), float64(e.w))
			}
		}
	}
	sv.roundSplit(best)
	for s := range p.nSvc {
		copy(kf[s], best[s])
	}
	return true
}

// lagBound is the bound in floating point for split kf, with fractional
// covers; y receives each undecided operator's share in the cover of its
// service when the service is chosen (0 otherwise), and ns.over marks the
// operators whose split exceeds their stake.
func (sv *solver) lagBound(kf, y [][]float64) float64 {
	p, ns := sv.p, &sv.scratch
	var pen float64
	for v := range p.nOps {
		ns.over[v] = false
		if sv.status[v] != undecided {
			continue
		}
		var sum float64
		for i, e := range p.byOp[v] {
			if ns.feasible[e.svc] {
				sum += kf[e.svc][ns.pos[v][i]]
			}
		}
		if sum > float64(p.stake[v]) {
			ns.over[v] = true
			pen += sum - float64(p.stake[v])
		}
	}
	ns.cand = ns.cand[:0]
	var forced float64 // the forced services' π less their cover costs
	for s := range p.nSvc {
		clear(y[s])
		if !ns.feasible[s] {
			continue
		}
		c := sv.lagCover(s, kf[s], y[s])
		if sv.svcStatus[s] == forcedIn {
			forced += float64(p.pfc[s]) - c
			ns.cand = append(ns.cand, s)
		} else if a := float64(p.pfc[s]) - c; a > 0 {
			ns.a[s] = uint64(a)
			ns.cand = append(ns.cand, s)
		}
	}
	if len(ns.cand) == 0 {
		return pen
	}
	val, extra := sv.closureForced(ns.cand, ns.a, ns.inOps, ns.chosen)
	for s := range p.nSvc {
		if !ns.chosen[s] {
			clear(y[s])
		}
	}
	return max(float64(val)-float64(extra)+forced, 0) + pen
}

// lagCover is the fractional cover cost of service s's deficit at split
// k, with each item's share in y.
func (sv *solver) lagCover(s int, k, y []float64) float64 {
	p, ns := sv.p, &sv.scratch
	if sv.covIn[s] >= p.need[s] {
		return 0
	}
	r := float64(p.need[s] - sv.covIn[s])
	ns.lag = ns.lag[:0]
	for i, e := range p.bySvc[s] {
		if sv.status[e.op] == undecided {
			ns.lag = append(ns.lag, lagItem{pos: i, ratio: k[i] / float64(e.w)})
		}
	}
	slices.SortFunc(ns.lag, func(a, b lagItem) int { return cmp.Or(cmp.Compare(a.ratio, b.ratio), a.pos-b.pos) })
	var cost float64
	for _, it := range ns.lag {
		if r <= 0 {
			break
		}
		w := float64(p.bySvc[s][it.pos].w)
		if w >= r {
			y[it.pos] = r / w
			cost += k[it.pos] * r / w
			break
		}
		y[it.pos] = 1
		cost += k[it.pos]
		r -= w
	}
	return cost
}

// penalty is Σ_v max(0, Σ_s κ_vs − σ_v) over the undecided operators, in
// integers: what the bound adds back for splits over the stake.
func (sv *solver) penalty() (pen uint64, over int) {
	p, ns := sv.p, &sv.scratch
	over = -1
	for v := range p.nOps {
		if sv.status[v] != undecided {
			continue
		}
		var sum uint64
		for i, e := range p.byOp[v] {
			if ns.feasible[e.svc] {
				sum += ns.kappa[e.svc][ns.pos[v][i]]
			}
		}
		if sum > p.stake[v] {
			pen += sum - p.stake[v]
			if over < 0 || p.stake[v] > p.stake[over] {
				over = v
			}
		}
	}
	return pen, over
}

// roundSplit sets ns.kappa to integers near the split k: per undecided
// operator, each κ_vs is k_vs rounded down, then the units lost to
// rounding go back to the edges with the largest fractions, so that the
// operator's total is its rounded float total (at most its stake when the
// float total was within it). Any integer κ in [0, w] is valid; this only
// keeps the rounding from loosening the bound.
func (sv *solver) roundSplit(k [][]float64) {
	p, ns := sv.p, &sv.scratch
	for v := range p.nOps {
		if sv.status[v] != undecided {
			continue
		}
		es, pos := p.byOp[v], ns.pos[v]
		var sum float64
		var isum uint64
		ns.frac = ns.frac[:0]
		for i, e := range es {
			if !ns.feasible[e.svc] {
				continue
			}
			x := min(max(k[e.svc][pos[i]], 0), float64(e.w))
			if !(x >= 0) {
				x = 0
			}
			f := math.Floor(x)
			ki := min(uint64(f), e.w)
			ns.kappa[e.svc][pos[i]] = ki
			isum += ki
			sum += x
			if ki < e.w {
				ns.frac = append(ns.frac, fracEdge{i: i, f: x - f})
			}
		}
		want := uint64(math.Round(sum))
		if sum <= float64(p.stake[v]) {
			want = min(want, p.stake[v])
		}
		if want <= isum {
			continue
		}
		slices.SortFunc(ns.frac, func(a, b fracEdge) int { return cmp.Or(cmp.Compare(b.f, a.f), a.i-b.i) }) // largest fraction first
		for _, fe := range ns.frac {
			if isum >= want {
				break
			}
			ns.kappa[es[fe.i].svc][pos[fe.i]]++
			isum++
		}
	}
}

// fracEdge is an edge of one operator with the fraction its κ lost.
type fracEdge struct {
	i int
	f float64
}
