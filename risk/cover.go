package risk

import (
	"fmt"
	"sort"
)

// The cover search in machine integers, the usual case once the amounts
// are divided by their gcd: least Σ_{i∈S} a_i with Σ_{i∈S} a_i ≥ target.
//
// Two sorted tables settle 2·tableItems of the items at once: lo holds the
// subset sums of the smallest tableItems items, hi those of tableItems
// items picked every other one above them (so that their sizes vary and
// the pair sums spread evenly instead of clustering near multiples of a
// typical size). The least lo + hi ≥ need is one merge-like pass over both
// tables, O(2^tableItems) for 4^tableItems subsets. The other items (the
// branch items, descending) are searched depth first; each node is a
// partial cover c.cur with a remainder need > 0.
//
// The search ends as soon as a cover hits the target exactly (the target,
// after the gcd division, is a lower bound), which on real stake
// distributions happens at the first or second leaf, provided the leaf is
// asked for a remainder where the pair sums are dense: in the window
// [wLo, wHi] = [¼, ¾] of the table total. So the search runs twice: first
// only over the nodes whose remainder stays at or above wLo, settling the
// tables once the remainder is at or below wHi; then, unless that hit the
// target, over every node, which makes it exact. Both runs count against
// the node bound.

// tableItems is the number of items in each leaf table.
const tableItems = 10

type coverU64 struct {
	a       []uint64 // branch items descending, then hi's, then lo's
	pos     []int    // a[i] is the caller's item pos[i]
	suf     []uint64 // suf[i] = Σ_{j≥i} a_j
	target  uint64
	best    uint64
	bestSet []int // positions in a
	cur     []int
	nodes   int64
	max     int64
	done    bool // best == target: nothing can beat it
	narrow  bool // the first run: remainders stay ≥ wLo

	tail, mid  int // hi items are a[tail:mid], lo items a[mid:]
	wLo, wHi   uint64
	lo, hi     []uint64 // ascending subset sums
	loM, hiM   []uint32 // their subsets, bit b for item mid+b (tail+b)
	tmp        []uint64
	tmpM       []uint32
	table      []bool
	leafWeight int64
}

// minCover finds the least subset sum ≥ target of items sorted descending,
// with 0 < target ≤ their total and the total below 2^63, and one such
// subset (positions into items, in no order). Past the node bound it
// returns the best cover found with ErrSearchBound. c's buffers are reused
// from call to call; the returned slice is the caller's.
func (c *coverU64) minCover(items []uint64, target uint64, maxNodes int64) (uint64, []int, error) {
	n := len(items)
	c.pickTables(items)
	c.target, c.max, c.nodes, c.done = target, maxNodes, 0, false
	c.suf = resize(c.suf, n+1)
	c.suf[n] = 0
	for i := n - 1; i >= 0; i-- {
		c.suf[i] = c.suf[i+1] + c.a[i]
	}
	c.best = c.suf[0] // every item: a cover since target ≤ total
	c.bestSet = c.bestSet[:0]
	for i := range n {
		c.bestSet = append(c.bestSet, i)
	}
	c.cur = c.cur[:0]
	c.lo, c.loM = c.sums(c.mid, n, c.lo, c.loM)
	c.hi, c.hiM = c.sums(c.tail, c.mid, c.hi, c.hiM)
	c.leafWeight = 1 + int64(len(c.lo)+len(c.hi))/32
	c.wLo, c.wHi = c.suf[c.tail]/4, c.suf[c.tail]/4*3
	c.narrow = true
	err := c.search(0, target)
	c.narrow = false
	if err == nil && !c.done {
		err = c.search(0, target)
	}
	set := make([]int, len(c.bestSet))
	for i, p := range c.bestSet {
		set[i] = c.pos[p]
	}
	return c.best, set, err
}

// pickTables orders the items into c.a: the branch items (descending),
// then the hi table's, then the lo table's (each descending).
func (c *coverU64) pickTables(items []uint64) {
	n := len(items)
	c.table = resize(c.table, n)
	clear(c.table)
	nlo := min(n, tableItems)
	nhi := 0
	for k := n - nlo - 1; k >= 0 && nhi < tableItems; k -= 2 {
		c.table[k] = true
		nhi++
	}
	for k := n - nlo - 1; k >= 0 && nhi < tableItems; k-- { // few items: fill in
		if !c.table[k] {
			c.table[k] = true
			nhi++
		}
	}
	c.a, c.pos = c.a[:0], c.pos[:0]
	for k, x := range items {
		if !c.table[k] {
			c.a, c.pos = append(c.a, x), append(c.pos, k)
		}
	}
	for k, x := range items[:n-nlo] {
		if c.table[k] {
			c.a, c.pos = append(c.a, x), append(c.pos, k)
		}
	}
	for k := n - nlo; k < n; k++ {
		c.a, c.pos = append(c.a, items[k]), append(c.pos, k)
	}
	c.mid = n - nlo
	c.tail = c.mid - nhi
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// sums lists the subset sums of c.a[from:to] ascending (repeats kept),
// each with its subset as a bit mask, by merging the sorted list with
// itself shifted by each item in turn: 2^(to−from+1) steps. s and m are
// reused.
func (c *coverU64) sums(from, to int, s []uint64, m []uint32) ([]uint64, []uint32) {
	size := 1 << (to - from)
	s, m = resize(s, size), resize(m, size)
	c.tmp, c.tmpM = resize(c.tmp, size), resize(c.tmpM, size)
	t, tm := c.tmp, c.tmpM
	s, m = s[:1], m[:1]
	s[0], m[0] = 0, 0
	for b, x := range c.a[from:to] {
		bit := uint32(1) << b
		k := len(s)
		t, tm = t[:2*k], tm[:2*k]
		i, p := 0, 0
		for j := range k {
			y := s[j] + x
			for i < k && s[i] <= y { // ends with i = k at j = k−1
				t[p], tm[p] = s[i], m[i]
				p++
				i++
			}
			t[p], tm[p] = y, m[j]|bit
			p++
		}
		s, t = t, s[:cap(s)]
		m, tm = tm, m[:cap(m)]
	}
	c.tmp, c.tmpM = t[:cap(t)], tm[:cap(tm)]
	return s, m
}

// search extends c.cur (whose sum is target − need, need > 0) with items
// from i on. Any extension that takes a branch item a_j ≥ need costs at
// least the smallest such item taken alone, so that one is recorded and
// the branching goes on only over the items below need. Equal items are
// branched on once. Recursion depth is at most the number of items.
func (c *coverU64) search(i int, need uint64) error {
	c.nodes++
	if c.nodes > c.max {
		return fmt.Errorf("%w (%d nodes)", ErrSearchBound, c.max)
	}
	if c.done || c.suf[i] < need {
		return nil
	}
	if i >= c.tail {
		return c.leaf(need)
	}
	a := c.a
	// j: first branch item below need (items i..j-1 are ≥ need).
	j := i + sort.Search(c.tail-i, func(k int) bool { return a[i+k] < need })
	if j > i {
		c.record(c.target-need+a[j-1], j-1)
	}
	dense := need <= c.wHi
	if dense {
		if err := c.leaf(need); err != nil || c.done {
			return err
		}
	}
	// split: first item that leaves a remainder ≥ wLo. Those branches come
	// first; the others only in the second run.
	split := c.tail
	if need > c.wLo {
		split = j + sort.Search(c.tail-j, func(k int) bool { return a[j+k] <= need-c.wLo })
	}
	if err := c.branch(split, c.tail, need); err != nil || c.done || c.narrow {
		return err
	}
	if err := c.branch(j, split, need); err != nil || c.done {
		return err
	}
	if !dense && c.suf[c.tail] >= need {
		return c.leaf(need)
	}
	return nil
}

// branch takes each item k in [from, to) in turn as the first one taken
// among the items from k on (the branches partition the covers by their
// first item, so their order is free) and searches on from k+1.
func (c *coverU64) branch(from, to int, need uint64) error {
	a := c.a
	for k := from; k < to && !c.done; k++ {
		if c.suf[k] < need {
			break
		}
		if k > from && a[k] == a[k-1] {
			continue
		}
		c.cur = append(c.cur, k)
		err := c.search(k+1, need-a[k])
		c.cur = c.cur[:len(c.cur)-1]
		if err != nil {
			return err
		}
	}
	return nil
}

// record takes cur plus item k, whose total is sum, if that beats the best.
func (c *coverU64) record(sum uint64, k int) {
	if sum >= c.best {
		return
	}
	c.best = sum
	c.bestSet = append(append(c.bestSet[:0], c.cur...), k)
	c.done = sum == c.target
}

// leaf settles the table items (none is in c.cur) for the remainder need:
// the least lo + hi ≥ need, recorded with c.cur if it beats the best. A
// leaf counts for leafWeight nodes, about its cost.
func (c *coverU64) leaf(need uint64) error {
	c.nodes += c.leafWeight
	if c.nodes > c.max {
		return fmt.Errorf("%w (%d nodes)", ErrSearchBound, c.max)
	}
	lo, hi := c.lo, c.hi
	base := c.target - need
	beat, bl, bh := c.best-base, -1, -1 // a table sum must be below beat
	// For each lo ascending, the least hi ≥ need − lo: that bound falls as
	// lo grows, so the hi position only moves down. lo[0] = 0.
	h := sort.Search(len(hi), func(k int) bool { return hi[k] >= need })
	for l, x := range lo {
		if x >= need { // with hi[0] = 0 (no item); later lo are larger
			if x < beat {
				bl, bh = l, 0
			}
			break
		}
		r := need - x
		for h > 0 && hi[h-1] >= r {
			h--
		}
		if h == len(hi) {
			continue
		}
		if s := x + hi[h]; s < beat {
			beat, bl, bh = s, l, h
			if s == need {
				break
			}
		}
	}
	if bl < 0 {
		return nil
	}
	c.best = base + lo[bl] + hi[bh]
	c.bestSet = append(c.bestSet[:0], c.cur...)
	for b := range c.mid - c.tail {
		if c.hiM[bh]&(1<<b) != 0 {
			c.bestSet = append(c.bestSet, c.tail+b)
		}
	}
	for b := range len(c.a) - c.mid {
		if c.loM[bl]&(1<<b) != 0 {
			c.bestSet = append(c.bestSet, c.mid+b)
		}
	}
	c.done = c.best == c.target
	return nil
}
