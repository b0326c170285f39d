package risk

import "math/bits"

// coverItem is an undecided operator as seen by one service: coverage w
// at split loss k.
type coverItem struct {
	w, k uint64
	op   int
}

// byRatio orders items by loss per unit of coverage, then larger coverage
// first, then operator index (so the order is total and deterministic).
func byRatio(a, b coverItem) int {
	if c := mulCmp(a.k, b.w, b.k, a.w); c != 0 {
		return c
	}
	if a.w != b.w {
		if a.w > b.w {
			return -1
		}
		return 1
	}
	return a.op - b.op
}

// coverer solves min Σ k_i x_i subject to Σ w_i x_i ≥ d, x binary: the
// one-dimensional covering knapsack, by depth-first search over items in
// ratio order with the fractional relaxation as bound, at most
// coverNodeCap nodes.
type coverer struct {
	items   []coverItem
	take    []bool
	best    uint64
	bestSol []int
	nodes   int
	cut     bool // the node cap was reached
}

const noCover = ^uint64(0)

// solve returns a lower bound on the minimum cost (the minimum itself when
// the search finished) and the indices of the cheapest cover found. The
// items must be able to cover d.
func (c *coverer) solve(items []coverItem, d uint64) (lb uint64, sol []int) {
	c.items, c.nodes, c.cut = items, 0, false
	if cap(c.take) < len(items) {
		c.take = make([]bool, len(items))
	}
	c.take = c.take[:len(items)]
	clear(c.take)
	root := c.frac(0, d, 0)
	c.greedy(d)
	if c.best > root {
		c.dfs(0, d, 0)
	}
	if c.cut {
		return root, c.bestSol
	}
	return c.best, c.bestSol
}

// greedy takes items in ratio order until d is covered: the first incumbent.
func (c *coverer) greedy(d uint64) {
	c.best = noCover
	c.bestSol = c.bestSol[:0]
	var cost uint64
	for i, it := range c.items {
		if d == 0 {
			break
		}
		cost += it.k
		d -= min(d, it.w)
		c.bestSol = append(c.bestSol, i)
	}
	if d == 0 {
		c.best = cost
	}
}

// frac is cost plus the fractional relaxation's cost to cover r with items
// from i on, rounded up (integer costs); noCover when they cannot.
func (c *coverer) frac(i int, r, cost uint64) uint64 {
	for ; r > 0 && i < len(c.items); i++ {
		it := c.items[i]
		if it.w >= r {
			if it.w == r {
				return cost + it.k
			}
			return cost + ceilMulDiv(r, it.k, it.w)
		}
		cost += it.k
		r -= it.w
	}
	if r > 0 {
		return noCover
	}
	return cost
}

func (c *coverer) dfs(i int, r, cost uint64) {
	if r == 0 {
		if cost < c.best {
			c.best = cost
			c.bestSol = c.bestSol[:0]
			for j, t := range c.take[:i] {
				if t {
					c.bestSol = append(c.bestSol, j)
				}
			}
		}
		return
	}
	c.nodes++
	if c.nodes > coverNodeCap {
		c.cut = true
		return
	}
	if b := c.frac(i, r, cost); b == noCover || b >= c.best {
		return
	}
	it := c.items[i]
	c.take[i] = true
	c.dfs(i+1, r-min(r, it.w), cost+it.k)
	c.take[i] = false
	if !c.cut {
		c.dfs(i+1, r, cost)
	}
}

// ceilMulDiv is ⌈a·b/c⌉ for a < c (so the quotient fits in 64 bits).
func ceilMulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, rem := bits.Div64(hi, lo, c)
	if rem > 0 {
		q++
	}
	return q
}
