package risk

// The best set of services for a fixed set of operators is a maximum
// closure problem: choose A to maximise Σ_{s∈A} a_s − Σ_{v∈B} min(σ_v,
// Σ_{s∈A} w_vs). Each min(σ_v, ·) is a choice "pay σ_v once, or pay w_vs
// for every chosen s", which is exactly a cut in the network
//
//	source →(a_s)→ s →(w_vs)→ v →(σ_v)→ sink
//
// (services with a_s ≤ 0 are never worth choosing and are left out). The
// best value is Σ a_s − (minimum cut), and the chosen services are those
// still reachable from the source after a maximum flow. Capacities are
// integers and their total stays below 2^62 (see intProblem), so the flow
// is exact.

type cutArc struct {
	to  int32
	rev int32 // index of the reverse arc in adj[to]
	cap uint64
}

// cutNet is a reusable flow network; node 0 is the source, 1 the sink.
type cutNet struct {
	adj   [][]cutArc
	level []int32
	iter  []int32
	queue []int32
}

func (n *cutNet) reset(nodes int) {
	if cap(n.adj) < nodes {
		n.adj = make([][]cutArc, nodes)
		n.level = make([]int32, nodes)
		n.iter = make([]int32, nodes)
	}
	n.adj = n.adj[:nodes]
	n.level = n.level[:nodes]
	n.iter = n.iter[:nodes]
	for i := range n.adj {
		n.adj[i] = n.adj[i][:0]
	}
}

func (n *cutNet) arc(from, to int, c uint64) {
	n.adj[from] = append(n.adj[from], cutArc{to: int32(to), rev: int32(len(n.adj[to])), cap: c})
	n.adj[to] = append(n.adj[to], cutArc{to: int32(from), rev: int32(len(n.adj[from]) - 1), cap: 0})
}

// bfs levels the residual network; it reports whether the sink is reachable.
func (n *cutNet) bfs() bool {
	for i := range n.level {
		n.level[i] = -1
	}
	n.level[0] = 0
	n.queue = append(n.queue[:0], 0)
	for h := 0; h < len(n.queue); h++ {
		u := n.queue[h]
		for _, a := range n.adj[u] {
			if a.cap > 0 && n.level[a.to] < 0 {
				n.level[a.to] = n.level[u] + 1
				n.queue = append(n.queue, a.to)
			}
		}
	}
	return n.level[1] >= 0
}

// push sends up to f units from u towards the sink along level-increasing
// arcs. Recursion depth is at most the number of levels (4 here).
func (n *cutNet) push(u int32, f uint64) uint64 {
	if u == 1 {
		return f
	}
	for ; n.iter[u] < int32(len(n.adj[u])); n.iter[u]++ {
		a := &n.adj[u][n.iter[u]]
		if a.cap == 0 || n.level[a.to] != n.level[u]+1 {
			continue
		}
		if d := n.push(a.to, min(f, a.cap)); d > 0 {
			a.cap -= d
			n.adj[a.to][a.rev].cap += d
			return d
		}
	}
	return 0
}

// maxFlow is Dinic's algorithm: each phase strictly lengthens the shortest
// augmenting path, so there are at most (nodes) phases, each finite.
func (n *cutNet) maxFlow() uint64 {
	var flow uint64
	for n.bfs() {
		for i := range n.iter {
			n.iter[i] = 0
		}
		for {
			f := n.push(0, ^uint64(0))
			if f == 0 {
				break
			}
			flow += f
		}
	}
	return flow
}

// closure solves the maximum-closure problem for the services cand (with
// values a, all > 0) and the operators ops (each paying min(σ_v, its
// allocations to the chosen services)). It returns the best value and
// marks the chosen services in chosen (indexed by service).
func (sv *solver) closure(cand []int, a []uint64, ops []int, chosen []bool) uint64 {
	val, _ := sv.closureNet(cand, a, ops, chosen, false)
	return val
}

// closureForced is closure with the services forced into A (svcStatus)
// always chosen, whatever their value; their a is not read. The best value
// over sets A containing them is val + Σ_{forced} a_s − extra, with extra
// returned apart so that no signed value is formed: each forced service
// enters the network at capacity W_s + 1, more than all its operator arcs,
// so some minimum cut keeps it on the source side (adding it to any A
// costs at most W_s), and the residual network leaves it reachable.
func (sv *solver) closureForced(cand []int, a []uint64, ops []int, chosen []bool) (val, extra uint64) {
	return sv.closureNet(cand, a, ops, chosen, true)
}

func (sv *solver) closureNet(cand []int, a []uint64, ops []int, chosen []bool, force bool) (val, extra uint64) {
	p, n := sv.p, &sv.net
	clear(chosen)
	// Node numbering: 0 source, 1 sink, services 2.., then operators.
	for i, s := range cand {
		sv.svcNode[s] = int32(2 + i)
	}
	n.reset(2 + len(cand) + len(ops))
	var sum uint64
	for i, s := range cand {
		c := a[s]
		if force && sv.svcStatus[s] == forcedIn {
			c = p.total[s] + 1
			extra += c
		}
		n.arc(0, 2+i, c)
		sum += c
	}
	for j, v := range ops {
		node := 2 + len(cand) + j
		linked := false
		for _, e := range p.byOp[v] {
			if k := sv.svcNode[e.svc]; k >= 0 {
				n.arc(int(k), node, e.w)
				linked = true
			}
		}
		if linked {
			n.arc(node, 1, p.stake[v])
		}
	}
	cut := n.maxFlow()
	for _, s := range cand {
		sv.svcNode[s] = -1
	}
	for i, s := range cand {
		chosen[s] = n.level[2+i] >= 0 // reachable in the final residual network
	}
	return sum - cut, extra
}
