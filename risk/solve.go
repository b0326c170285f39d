package risk

// Exact attack search.
//
// Solve finds the most profitable attack (A, B) or proves that none has
// positive profit. It is a best-first branch and bound over operators
// (each undecided, forced into B, or forced out) and, on networks whose
// allocations add up to several times the stake, over services (each
// undecided, forced into A, or forced out), on scaled integers
// (intProblem), so every comparison that decides the answer is exact.
//
// Fixing. Every attacker of a service s loses at least its allocation to
// s (c_v ≥ w_vs, since w_vs ≤ σ_v), and those allocations reach need_s: an
// attack on s gains at most π(F) − max(need_s, covIn_s), F being the
// services the subtree can still attack. A node first takes out of A every
// service for which that is no more than the incumbent, then forces into B
// every operator without which a service forced into A cannot reach its
// threshold, and keeps these fixings on its children's paths
// (solve_anchor.go).
//
// Bound at a node. Let In be the operators forced in and R the undecided
// ones. A service can only be attacked if In ∪ R can reach its threshold
// and it is not forced out; the others are dropped. Each undecided
// operator's loss is split over its remaining services, κ_vs ≤ w_vs with
// Σ_s κ_vs ≤ σ_v, so that for every set A the split charged to A is at most
// min(σ_v, Σ_{s∈A} w_vs): the operator's true loss. Services forced into A
// are charged first and in full, largest deficit first; the rest of the
// stake is split in proportion to π_s/need_s·w_vs (the load condition
// behind the certified slack γ*: when γ* ≥ 0 the root bound alone proves
// security). Each service then buys its missing coverage from R
// independently, a one-dimensional covering knapsack solved exactly by a
// small depth-first search (or bounded by its fractional relaxation when
// that search is cut short). With a_s = π_s − that cost, the bound is max
// over A of Σ_{s∈A} a_s − Σ_{v∈In} min(σ_v, Σ_{s∈A} w_vs), A holding every
// forced service, a maximum closure solved exactly by a minimum cut
// (solve_cut.go). Every step only relaxes, so no attack in the subtree
// beats it. When some undecided operator's feasible allocations exceed its
// stake and the search does not branch on services, the split is then
// improved as a Lagrangian multiplier (solve_lagrange.go): a few
// subgradient steps, warm started from the previous node, may split more
// than σ_v as long as the excess is added back to the bound; the better of
// the two bounds, recomputed in integers, is used.
//
// Incumbent. The operators the bound's covers bought, with In, form a
// real attacker set; the best services for it are again a maximum closure,
// now with exact losses. A second candidate keeps the bought operators
// shared by two or more chosen services and re-buys each service's
// deficit from operators private to it, aiming by a meet-in-the-middle
// subset sum at an exact hit (solve_fill.go): private operators lose
// exactly their coverage, so a hit meets the bound. A new incumbent is
// then improved by adding or removing single operators while that pays,
// and by swapping one attacker of a tightest service for outsiders that
// fill its coverage exactly (solve_trim.go). At the root a local search
// over service sets (solve_local.go) proposes one more attacker set.
//
// Branching. When an attack is worth the bound the subtree is closed.
// Otherwise, with service branching on, while some feasible undecided
// service has a larger deficit than every forced one the search branches
// on it, in A or out (a split cannot charge a service whose operators
// secure nearly every other service: solve_anchor.go). Else it branches on
// the largest operator the covers used, which turns its split loss into
// its exact one (or, when no cover is left, on the largest operator split
// over its stake).
//
// Order. Open nodes wait in a priority queue on their parent's bound (an
// exact integer); the highest is expanded next, ties going to the newest
// node and its "in" child before its "out" child, so the search dives while
// bounds are level. A node is dropped unexpanded once its parent's bound is
// at most the incumbent. Each branch or fixing decides one more operator or
// service, so the depth is at most their number and the search is finite;
// SolveOptions.MaxNodes caps it, and exceeding the cap is an error, never a
// verdict.

import (
	"cmp"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"slices"
)

// Verdict is the result of Solve.
type Verdict struct {
	Secure bool
	Attack Attack // the most profitable attack when !Secure; Profit > 0
	Nodes  int64  // search nodes
	Proof  string // how security or optimality was established
}

// SolveOptions bounds Solve.
type SolveOptions struct {
	MaxNodes int64 // 0 = DefaultMaxNodes; exceeding it is an error
}

// DefaultMaxNodes is the node bound when SolveOptions.MaxNodes is 0.
const DefaultMaxNodes = 2_000_000

// ErrSearchLimit is returned when Solve exceeds its node bound.
var ErrSearchLimit = errors.New("attack search exceeded its node bound")

// coverNodeCap bounds the exact covering search of one service at one node;
// past it the fractional bound is used, which is weaker but still valid.
const coverNodeCap = 2000

const (
	undecided int8 = iota
	forcedIn
	forcedOut
)

// Solve finds the most profitable attack on g exactly, or proves that no
// attack is profitable.
func Solve(g *Graph, opt SolveOptions) (Verdict, error) {
	if g == nil {
		return Verdict{}, fmt.Errorf("%w: nil graph", ErrNetwork)
	}
	if len(g.ServiceIDs) == 0 {
		return Verdict{Secure: true, Proof: "no secured services"}, nil
	}
	p, err := toInt(g)
	if err != nil {
		return Verdict{}, err
	}
	sv := newSolver(p, opt.MaxNodes)
	if err := sv.search(); err != nil {
		return Verdict{Nodes: sv.nodes}, err
	}
	return sv.verdict(g)
}

// solver is the state of one search.
type solver struct {
	p        *intProblem
	maxNodes int64
	nodes    int64

	status    []int8   // per operator
	svcStatus []int8   // per service: in A, out of A, or undecided
	svcBranch bool     // branch on services first (over-allocated networks)
	covIn     []uint64 // per service: coverage by forced-in operators
	covR      []uint64 // per service: coverage by undecided operators
	omega     []float64

	best     uint64 // best profit found (0: none positive)
	bestA    []int
	bestB    []int
	rootDone bool // the root bound alone settled the search

	net     cutNet
	svcNode []int32
	scratch nodeScratch
	local   localState
	trimmer trimState
}

func newSolver(p *intProblem, maxNodes int64) *solver {
	if maxNodes <= 0 {
		maxNodes = DefaultMaxNodes
	}
	sv := &solver{
		p: p, maxNodes: maxNodes,
		status:    make([]int8, p.nOps),
		svcStatus: make([]int8, p.nSvc),
		covIn:     make([]uint64, p.nSvc),
		covR:      slices.Clone(p.total),
		omega:     make([]float64, p.nSvc),
		svcNode:   make([]int32, p.nSvc),
	}
	for s := range p.nSvc {
		sv.svcNode[s] = -1
		// Profit per unit of threshold: the weight of the γ*-style split.
		sv.omega[s] = float64(p.pfc[s]) / float64(max(p.need[s], 1))
	}
	sv.scratch.init(p)
	sv.local.init(p)
	sv.svcBranch = highLeverage(p)
	return sv
}

// search explores the tree best first: the open node with the highest
// bound (its parent's, an exact integer) is expanded next, ties going to
// the most recent node so that the search dives while bounds are level.
// A node whose bound is at most the incumbent is dropped unexpanded.
func (sv *solver) search() error {
	open := openHeap{{ub: ^uint64(0)}}
	var cur, path []decision
	var seq int64
	for len(open) > 0 {
		nd := open.pop()
		if nd.ub <= sv.best {
			continue
		}
		path = nd.last.decisions(path)
		sv.moveTo(&cur, path)
		sv.nodes++
		if sv.nodes > sv.maxNodes {
			return fmt.Errorf("%w (%d nodes)", ErrSearchLimit, sv.maxNodes)
		}
		ub, branch, err := sv.node()
		if err != nil {
			return err
		}
		last := sv.keepFixed(nd.last)
		if branch < 0 && nd.last == nil {
			sv.rootDone = true
		}
		if ub <= sv.best || branch < 0 {
			continue
		}
		op := sv.branchOp(branch)
		// The "in" child is pushed last, so it comes first among equals.
		for _, st := range [2]int8{forcedOut, forcedIn} {
			seq++
			child := &pathNode{d: decision{op: op, st: st}, up: last}
			open.push(openNode{ub: ub, seq: seq, last: child})
		}
	}
	return nil
}

// branchOp is the decision.op of node's branch: an operator below nOps,
// service branch − nOps from there.
func (sv *solver) branchOp(branch int) int32 {
	if branch >= sv.p.nOps {
		return int32(-1 - (branch - sv.p.nOps))
	}
	return int32(branch)
}

// decision is one operator forced in or out of B (op ≥ 0), or one
// service forced in or out of A (op = −1 − service).
type decision struct {
	op int32
	st int8
}

// pathNode is the last decision of a node; its ancestors' decisions
// follow up, so siblings share their common path.
type pathNode struct {
	d  decision
	up *pathNode
}

// decisions lists the path from the root to n (nil: the root) into buf.
func (n *pathNode) decisions(buf []decision) []decision {
	buf = buf[:0]
	for ; n != nil; n = n.up {
		buf = append(buf, n.d)
	}
	slices.Reverse(buf)
	return buf
}

// openNode is a node waiting to be expanded: its last decision and its
// parent's bound.
type openNode struct {
	ub   uint64
	seq  int64
	last *pathNode
}

// openHeap is a max-heap on (ub, seq).
type openHeap []openNode

func (h openHeap) less(i, j int) bool {
	if h[i].ub != h[j].ub {
		return h[i].ub > h[j].ub
	}
	return h[i].seq > h[j].seq
}

func (h *openHeap) push(n openNode) {
	*h = append(*h, n)
	for i := len(*h) - 1; i > 0; {
		up := (i - 1) / 2
		if !h.less(i, up) {
			break
		}
		(*h)[i], (*h)[up] = (*h)[up], (*h)[i]
		i = up
	}
}

func (h *openHeap) pop() openNode {
	old := *h
	top := old[0]
	last := len(old) - 1
	old[0] = old[last]
	old[last] = openNode{}
	*h = old[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && h.less(l, m) {
			m = l
		}
		if r < last && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		(*h)[i], (*h)[m] = (*h)[m], (*h)[i]
		i = m
	}
	return top
}

// moveTo undoes the decisions of cur and applies those of path.
func (sv *solver) moveTo(cur *[]decision, path []decision) {
	for _, d := range *cur {
		sv.apply(d.op, undecided)
	}
	for _, d := range path {
		sv.apply(d.op, d.st)
	}
	*cur = append((*cur)[:0], path...)
}

// apply sets the decision of an operator or (op < 0) of a service.
func (sv *solver) apply(op int32, st int8) {
	if op >= 0 {
		sv.set(int(op), st)
		return
	}
	sv.svcStatus[-1-op] = st
}

// set changes an operator's decision and keeps the coverage sums in step.
func (sv *solver) set(v int, st int8) {
	old := sv.status[v]
	for _, e := range sv.p.byOp[v] {
		switch old {
		case undecided:
			sv.covR[e.svc] -= e.w
		case forcedIn:
			sv.covIn[e.svc] -= e.w
		}
		switch st {
		case undecided:
			sv.covR[e.svc] += e.w
		case forcedIn:
			sv.covIn[e.svc] += e.w
		}
	}
	sv.status[v] = st
}

// verdict turns the search result into the public answer, recomputing the
// attack's profit with the Graph's own rational arithmetic as a check.
func (sv *solver) verdict(g *Graph) (Verdict, error) {
	if sv.best == 0 {
		proof := "search exhausted"
		if sv.rootDone {
			proof = "root bound: split-loss and largest-deficit certificate"
		}
		return Verdict{Secure: true, Nodes: sv.nodes, Proof: proof}, nil
	}
	profit, ok := g.Profit(sv.bestA, sv.bestB)
	want := new(big.Rat).Mul(new(big.Rat).SetInt(new(big.Int).SetUint64(sv.best)), sv.p.scale)
	if !ok || profit.Cmp(want) != 0 {
		return Verdict{}, fmt.Errorf("risk: internal check failed: attack profit %v, search said %v", profit, want)
	}
	return Verdict{
		Attack: Attack{Services: sv.bestA, Operators: sv.bestB, Profit: profit},
		Nodes:  sv.nodes,
		Proof:  "search exhausted: optimal",
	}, nil
}

// mulCmp compares a·b with c·d exactly.
func mulCmp(a, b, c, d uint64) int {
	h1, l1 := bits.Mul64(a, b)
	h2, l2 := bits.Mul64(c, d)
	if h1 != h2 {
		return cmp.Compare(h1, h2)
	}
	return cmp.Compare(l1, l2)
}

// errInternal reports a broken invariant of the search: an error, never
// a verdict.
func errInternal(msg string) error {
	return fmt.Errorf("risk: internal error in the attack search: %s", msg)
}
