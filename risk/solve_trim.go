package risk

import (
	"cmp"
	"slices"
)

// Trimming the incumbent's overshoot.
//
// An attack usually pays for more coverage than its tightest service
// needs: the best attacks of full restaking cover their largest threshold
// almost exactly, and the last units of profit are in that overshoot. For
// the incumbent's services with the least overshoot o_t, trim swaps one
// attacker x securing t for operators outside B whose allocations to t
// sum as close as the subset-sum filler can get to w_xt − o_t (an exact
// hit removes the overshoot). Each swap is only a proposal: its value is
// the exact closure's (bestFor), recorded only when it beats the
// incumbent, so trim can never make a verdict wrong.

// trimServices is how many of the tightest services are tried, and
// trimSwaps how many attackers (largest allocation first) per service.
const (
	trimServices = 3
	trimSwaps    = 24
	trimPasses   = 3
)

// trimState holds trim's buffers.
type trimState struct {
	inB   []bool
	cov   []uint64
	tight []int
	xs    []int
	short []int
	pool  []int
	ws    []uint64
	fill  filler
}

// trim improves the incumbent by swaps until a pass finds none.
func (sv *solver) trim() {
	ts := &sv.trimmer
	if ts.inB == nil {
		ts.inB = make([]bool, sv.p.nOps)
		ts.cov = make([]uint64, sv.p.nSvc)
	}
	for range trimPasses {
		if sv.best == 0 || !sv.trimPass() {
			return
		}
	}
}

// trimPass tries the swaps on the current incumbent; it reports whether
// one raised it.
func (sv *solver) trimPass() bool {
	p, ts := sv.p, &sv.trimmer
	B := slices.Clone(sv.bestB)
	clear(ts.inB)
	for _, v := range B {
		ts.inB[v] = true
	}
	clear(ts.cov)
	for _, v := range B {
		for _, e := range p.byOp[v] {
			ts.cov[e.svc] += e.w
		}
	}
	ts.tight = append(ts.tight[:0], sv.bestA...)
	slices.SortFunc(ts.tight, func(a, b int) int { // least overshoot first
		return cmp.Or(cmp.Compare(ts.cov[a]-p.need[a], ts.cov[b]-p.need[b]), a-b)
	})
	for i, t := range ts.tight {
		if i >= trimServices {
			break
		}
		if over := ts.cov[t] - p.need[t]; over > 0 && sv.trimService(B, t, over) {
			return true
		}
	}
	return false
}

// trimService tries swapping each of the largest attackers x securing t
// for operators outside B that cover w_xt − over of t. Every service that
// losing x would leave short must be secured by each operator taken
// instead: under full restaking that keeps it covered whenever t is the
// tightest service (what x's replacements bring it is what they bring t).
func (sv *solver) trimService(B []int, t int, over uint64) bool {
	p, ts := sv.p, &sv.trimmer
	ts.xs = ts.xs[:0]
	for _, e := range p.bySvc[t] {
		if ts.inB[e.op] {
			ts.xs = append(ts.xs, e.op)
		}
	}
	slices.SortFunc(ts.xs, func(a, b int) int { // largest allocation to t first
		return cmp.Or(cmp.Compare(edgeW(p, b, t), edgeW(p, a, t)), a-b)
	})
	for i, x := range ts.xs {
		if i >= trimSwaps {
			break
		}
		w := edgeW(p, x, t)
		if w <= over {
			continue // dropping x alone is the local search's move
		}
		sv.trimPool(x, t)
		sol, _, ok := ts.fill.fill(ts.ws, w-over)
		if !ok {
			continue
		}
		next := slices.DeleteFunc(slices.Clone(B), func(u int) bool { return u == x })
		for _, j := range sol {
			next = append(next, ts.pool[j])
		}
		before := sv.best
		if sv.bestFor(next); sv.best > before {
			return true
		}
	}
	return false
}

// trimPool lists in pool (allocations to t in ws) the operators outside
// B securing t and every attacked service that losing x leaves short.
func (sv *solver) trimPool(x, t int) {
	p, ts := sv.p, &sv.trimmer
	ts.short = ts.short[:0]
	for _, e := range p.byOp[x] {
		if e.svc != t && slices.Contains(sv.bestA, e.svc) && ts.cov[e.svc]-e.w < p.need[e.svc] {
			ts.short = append(ts.short, e.svc)
		}
	}
	ts.pool, ts.ws = ts.pool[:0], ts.ws[:0]
	for _, e := range p.bySvc[t] {
		if ts.inB[e.op] || e.w == 0 {
			continue
		}
		ok := true
		for _, s := range ts.short {
			if edgeW(p, e.op, s) == 0 {
				ok = false
				break
			}
		}
		if ok {
			ts.pool = append(ts.pool, e.op)
			ts.ws = append(ts.ws, e.w)
		}
	}
}

// edgeW is w_vs (0 when v does not secure s).
func edgeW(p *intProblem, v, s int) uint64 {
	es := p.byOp[v]
	if i, ok := slices.BinarySearchFunc(es, s, func(e iedge, s int) int { return e.svc - s }); ok {
		return es[i].w
	}
	return 0
}
