package risk

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
)

// ServiceReport is the security of one service taken alone: how much stake
// secures it, what corrupting it costs, and how concentrated its operators
// are. Every number is exact.
type ServiceReport struct {
	Index     int // into the Graph
	ID        string
	Stake     *big.Rat // W_s
	Operators int
	PfC       *big.Rat // π_s
	Threshold *big.Rat // α_s
	// CoCFractional is α_s·W_s: the cost if stake were divisible.
	CoCFractional *big.Rat
	// CoCExact is the least Σ_{v∈B} w_vs with Σ_{v∈B} w_vs ≥ α_s·W_s over
	// whole operators; CoCSet is one such B (Graph operator indices,
	// ascending). When the search hit its node bound CoCExact is nil, CoCErr
	// says so, and CoCSet is the cover of CoCUpper instead.
	CoCExact     *big.Rat
	CoCSet       []int
	CoCOperators []string // the ids of CoCSet
	CoCErr       error
	// CoCUpper is, when the search hit its bound, the cheapest cover found:
	// the exact cost lies in [CoCFractional, CoCUpper].
	CoCUpper *big.Rat
	// RatioFractional and RatioExact are CoC/π_s; nil when π_s = 0 (+∞).
	RatioFractional *big.Rat
	RatioExact      *big.Rat
	// Top holds the share of W_s of the k largest operators, per k asked.
	Top []TopShare
	// HHI is Σ_v (w_vs/W_s)², in (0, 1].
	HHI *big.Rat
	// Nakamoto is the fewest operators holding at least α_s·W_s.
	Nakamoto int
}

// TopShare is the share of a service's stake held by its K largest operators.
type TopShare struct {
	K     int
	Share *big.Rat
}

// ServicesOptions tunes Services. Zero values take the defaults.
type ServicesOptions struct {
	TopK     []int // default 1, 3, 7
	MaxNodes int64 // branch-and-bound nodes per service; default DefaultCoverNodes
}

// DefaultCoverNodes bounds the exact cost-of-corruption search per service.
// Instances met in practice (≤ 200 operators, heavy-tailed stake) need a few
// hundred nodes; the bound is there so that an adversarial one returns an
// error instead of running for ever.
const DefaultCoverNodes = 1 << 20

// ErrSearchBound is returned when an exact search reaches its node bound.
var ErrSearchBound = errors.New("exact search reached its node bound")

// Services reports every service of g, in Graph order, with the default
// options.
func Services(g *Graph) []ServiceReport {
	return ServicesWith(g, ServicesOptions{})
}

// ServicesWith is Services with options.
func ServicesWith(g *Graph, opt ServicesOptions) []ServiceReport {
	if len(opt.TopK) == 0 {
		opt.TopK = []int{1, 3, 7}
	}
	if opt.MaxNodes <= 0 {
		opt.MaxNodes = DefaultCoverNodes
	}
	out := make([]ServiceReport, len(g.ServiceIDs))
	for s := range g.ServiceIDs {
		out[s] = serviceReport(g, s, opt)
	}
	return out
}

func serviceReport(g *Graph, s int, opt ServicesOptions) ServiceReport {
	edges := g.ByService[s]
	r := ServiceReport{
		Index: s, ID: g.ServiceIDs[s], Stake: new(big.Rat).Set(g.Total[s]),
		Operators: len(edges), PfC: new(big.Rat).Set(g.PfC[s]), Threshold: new(big.Rat).Set(g.Threshold[s]),
	}
	r.CoCFractional = new(big.Rat).Mul(g.Threshold[s], g.Total[s])
	r.RatioFractional = ratio(r.CoCFractional, r.PfC)
	amounts := make([]*big.Rat, len(edges))
	for i, e := range edges {
		amounts[i] = e.W
	}
	sc := scaleAmounts(amounts, r.CoCFractional)
	r.HHI = sc.hhi()
	r.Nakamoto = sc.nakamoto()
	for _, k := range opt.TopK {
		r.Top = append(r.Top, TopShare{k, sc.topShare(k)})
	}
	cost, set, err := sc.minCover(opt.MaxNodes)
	if err != nil && !errors.Is(err, ErrSearchBound) {
		r.CoCErr = fmt.Errorf("service %q: %w", r.ID, err)
		return r
	}
	for _, i := range set {
		r.CoCSet = append(r.CoCSet, edges[i].Operator)
	}
	sort.Ints(r.CoCSet)
	for _, v := range r.CoCSet {
		r.CoCOperators = append(r.CoCOperators, g.OperatorIDs[v])
	}
	if err != nil {
		r.CoCErr = fmt.Errorf("service %q: %w", r.ID, err)
		r.CoCUpper = cost
		return r
	}
	r.CoCExact = cost
	r.RatioExact = ratio(cost, r.PfC)
	return r
}

func ratio(coc, pfc *big.Rat) *big.Rat {
	if pfc.Sign() == 0 {
		return nil
	}
	return new(big.Rat).Quo(coc, pfc)
}

// MinCover returns the least sum of a subset of amounts that is at least
// need, and one such subset (indices, ascending). It is exact; after
// maxNodes branch-and-bound nodes it stops with ErrSearchBound and returns
// the best cover it found (an upper bound, never claimed as the minimum).
// It returns another error when even all amounts together fall short.
// Amounts must be positive.
func MinCover(amounts []*big.Rat, need *big.Rat, maxNodes int64) (*big.Rat, []int, error) {
	for _, a := range amounts {
		if a == nil || a.Sign() <= 0 {
			return nil, nil, fmt.Errorf("%w: cover amounts must be positive", ErrNetwork)
		}
	}
	if need == nil {
		return nil, nil, fmt.Errorf("%w: cover needs a target", ErrNetwork)
	}
	cost, set, err := scaleAmounts(amounts, need).minCover(maxNodes)
	sort.Ints(set)
	return cost, set, err
}

// scaled is a list of positive rationals written as integers over one
// common denominator, sorted descending: integer arithmetic is what makes
// the cover search fast, and the common scale makes the lattice bound
// (every subset sum is a multiple of the items' gcd) available.
type scaled struct {
	val   []*big.Int // descending
	orig  []int      // val[i] is amounts[orig[i]]
	den   *big.Int   // amount = val/den
	total *big.Int
	need  *big.Int // ceil(need·den): subset sums are integers
}

func scaleAmounts(amounts []*big.Rat, need *big.Rat) scaled {
	den := new(big.Int).Set(need.Denom())
	for _, a := range amounts {
		if !a.IsInt() { // integer amounts, the usual case, need no gcd
			den = lcm(den, a.Denom())
		}
	}
	sc := scaled{den: den, total: new(big.Int), orig: make([]int, len(amounts)), val: make([]*big.Int, len(amounts))}
	for i, a := range amounts {
		v := new(big.Int).Mul(a.Num(), den)
		sc.val[i] = v.Quo(v, a.Denom())
		sc.orig[i] = i
		sc.total.Add(sc.total, sc.val[i])
	}
	sort.Stable(byValueDesc(sc))
	sc.need = ceilDiv(new(big.Int).Mul(need.Num(), den), need.Denom())
	return sc
}

type byValueDesc scaled

func (b byValueDesc) Len() int           { return len(b.val) }
func (b byValueDesc) Less(i, j int) bool { return b.val[i].Cmp(b.val[j]) > 0 }
func (b byValueDesc) Swap(i, j int) {
	b.val[i], b.val[j] = b.val[j], b.val[i]
	b.orig[i], b.orig[j] = b.orig[j], b.orig[i]
}

func lcm(a, b *big.Int) *big.Int {
	gcd := new(big.Int).GCD(nil, nil, a, b)
	out := new(big.Int).Quo(a, gcd)
	return out.Mul(out, b)
}

// ceilDiv is ⌈a/b⌉ for b > 0.
func ceilDiv(a, b *big.Int) *big.Int {
	q, m := new(big.Int).DivMod(a, b, new(big.Int))
	if m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return q
}

func (sc scaled) rat(v *big.Int) *big.Rat { return new(big.Rat).SetFrac(v, sc.den) }

func (sc scaled) hhi() *big.Rat {
	if sc.total.Sign() == 0 {
		return new(big.Rat)
	}
	sum, sq := new(big.Int), new(big.Int)
	for _, v := range sc.val {
		sum.Add(sum, sq.Mul(v, v))
	}
	return new(big.Rat).SetFrac(sum, new(big.Int).Mul(sc.total, sc.total))
}

// nakamoto takes the largest operators first, which needs the fewest.
func (sc scaled) nakamoto() int {
	acc := new(big.Int)
	for i, v := range sc.val {
		if acc.Cmp(sc.need) >= 0 {
			return i
		}
		acc.Add(acc, v)
	}
	if acc.Cmp(sc.need) >= 0 {
		return len(sc.val)
	}
	return 0 // unreachable for a service of the Graph (need ≤ W)
}

func (sc scaled) topShare(k int) *big.Rat {
	if sc.total.Sign() == 0 {
		return new(big.Rat)
	}
	acc := new(big.Int)
	for i := 0; i < k && i < len(sc.val); i++ {
		acc.Add(acc, sc.val[i])
	}
	return new(big.Rat).SetFrac(acc, sc.total)
}

// minCover runs the branch and bound on the items divided by their gcd, so
// that the target rounded up to that lattice is a lower bound the search
// often reaches, ending it at once. Items whose total fits in 63 bits (the
// usual case once divided by the gcd) are searched in machine integers.
// With ErrSearchBound the cover returned is the best found: an upper bound.
func (sc scaled) minCover(maxNodes int64) (*big.Rat, []int, error) {
	if sc.total.Cmp(sc.need) < 0 {
		return nil, nil, fmt.Errorf("%w: all amounts together fall short of the target", ErrNetwork)
	}
	if sc.need.Sign() <= 0 {
		return new(big.Rat), nil, nil
	}
	g := new(big.Int)
	for _, v := range sc.val {
		g.GCD(nil, nil, g, v)
	}
	items := make([]*big.Int, len(sc.val))
	for i, v := range sc.val {
		items[i] = new(big.Int).Quo(v, g)
	}
	target := ceilDiv(sc.need, g)
	var best *big.Int
	var set []int
	var err error
	if q := new(big.Int).Quo(sc.total, g); q.IsInt64() {
		var b uint64
		b, set, err = runCover[uint64](u64Arith{}, toU64(items), target.Uint64(), maxNodes)
		best = new(big.Int).SetUint64(b)
	} else {
		best, set, err = runCover[*big.Int](bigArith{}, items, target, maxNodes)
	}
	for i, p := range set {
		set[i] = sc.orig[p]
	}
	return sc.rat(best.Mul(best, g)), set, err
}

func toU64(xs []*big.Int) []uint64 {
	out := make([]uint64, len(xs))
	for i, x := range xs {
		out[i] = x.Uint64()
	}
	return out
}

// arith is the integer arithmetic the cover search needs; values are never
// modified in place, so *big.Int values may be shared.
type arith[T any] interface {
	add(a, b T) T
	sub(a, b T) T
	cmp(a, b T) int
	zero() T
}

type u64Arith struct{}

func (u64Arith) add(a, b uint64) uint64 { return a + b }
func (u64Arith) sub(a, b uint64) uint64 { return a - b }
func (u64Arith) cmp(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
func (u64Arith) zero() uint64               { return 0 }
func (bigArith) add(a, b *big.Int) *big.Int { return new(big.Int).Add(a, b) }
func (bigArith) sub(a, b *big.Int) *big.Int { return new(big.Int).Sub(a, b) }
func (bigArith) cmp(a, b *big.Int) int      { return a.Cmp(b) }
func (bigArith) zero() *big.Int             { return new(big.Int) }

type bigArith struct{}

// runCover finds min Σ_{i∈S} a_i subject to Σ_{i∈S} a_i ≥ target for items
// sorted descending with target ≤ their total, and one such S (positions).
// Past the node bound it returns the best cover found with the error.
func runCover[T any, A arith[T]](ar A, items []T, target T, maxNodes int64) (T, []int, error) {
	c := newCover(ar, items, target, maxNodes)
	err := c.search(0, target)
	return c.best, append([]int(nil), c.bestSet...), err
}

// cover is the branch-and-bound state.
type cover[T any, A arith[T]] struct {
	ar      A
	a       []T
	suf     []T // suf[i] = Σ_{j≥i} a_j
	target  T
	best    T
	bestSet []int
	cur     []int
	nodes   int64
	max     int64
	done    bool // best == target: nothing can beat it
	tail    tailTable[T]
}

func newCover[T any, A arith[T]](ar A, items []T, target T, maxNodes int64) *cover[T, A] {
	n := len(items)
	c := &cover[T, A]{ar: ar, a: items, suf: make([]T, n+1), target: target, max: maxNodes}
	c.suf[n] = ar.zero()
	for i := n - 1; i >= 0; i-- {
		c.suf[i] = ar.add(c.suf[i+1], items[i])
	}
	c.tail = newTailTable(ar, items)
	in := make([]bool, n)
	for i := range in {
		in[i] = true // every item: a cover since target ≤ total
	}
	c.improve(in, c.suf[0])
	return c
}

// search extends c.cur (whose sum is target − need, need > 0) with items
// from i on. Any extension that takes an item a_j ≥ need costs at least the
// smallest such item taken alone, so that one is recorded and the branching
// goes on only over the items below need. Equal items are branched on once.
// The tail items are settled together by the tail table.
// Recursion depth is at most the number of items.
func (c *cover[T, A]) search(i int, need T) error {
	c.nodes++
	if c.nodes > c.max {
		return fmt.Errorf("%w (%d nodes)", ErrSearchBound, c.max)
	}
	if c.done || c.ar.cmp(c.suf[i], need) < 0 {
		return nil
	}
	if i >= c.tail.start {
		c.fromTail(need)
		return nil
	}
	n := len(c.a)
	// j: first item below need (items i..j-1 are ≥ need).
	j := i + sort.Search(n-i, func(k int) bool { return c.ar.cmp(c.a[i+k], need) < 0 })
	if j > i {
		c.record(c.ar.add(c.ar.sub(c.target, need), c.a[j-1]), []int{j - 1})
	}
	for k := j; k < n && !c.done; k++ {
		if k >= c.tail.start {
			c.fromTail(need)
			break
		}
		if c.ar.cmp(c.suf[k], need) < 0 {
			break
		}
		if k > j && c.ar.cmp(c.a[k], c.a[k-1]) == 0 {
			continue
		}
		c.cur = append(c.cur, k)
		err := c.search(k+1, c.ar.sub(need, c.a[k]))
		c.cur = c.cur[:len(c.cur)-1]
		if err != nil {
			return err
		}
	}
	return nil
}

// record takes cur plus the positions more (whose total makes sum) if that
// beats the best.
func (c *cover[T, A]) record(sum T, more []int) {
	if c.ar.cmp(sum, c.best) >= 0 {
		return
	}
	c.best = sum
	c.bestSet = append(append(c.bestSet[:0], c.cur...), more...)
	c.done = c.ar.cmp(sum, c.target) == 0
}

// improve is a local search that brings an initial cover (all items: pos
// marks the members) close to the target before the branch and bound runs:
// repeatedly drop the largest member that fits in the excess, or swap a
// member for a smaller outsider by the largest difference that fits. On the
// networks met in practice this hits the lattice bound exactly, which proves
// the cover optimal with no search at all. Each round lowers the excess, and
// there are at most len(a) rounds of O(len(a)·log len(a)).
func (c *cover[T, A]) improve(in []bool, sum T) {
	n := len(c.a)
	for round := 0; round < n && c.ar.cmp(sum, c.target) > 0; round++ {
		excess := c.ar.sub(sum, c.target)
		x, y, gain := c.bestMove(in, excess)
		if x < 0 {
			break
		}
		in[x] = false
		if y >= 0 {
			in[y] = true
		}
		sum = c.ar.sub(sum, gain)
	}
	c.best = sum
	c.bestSet = c.bestSet[:0]
	for i, ok := range in {
		if ok {
			c.bestSet = append(c.bestSet, i)
		}
	}
	c.done = c.ar.cmp(sum, c.target) == 0
}

// bestMove finds the move that lowers the excess most without going below
// the target: drop member x (y = −1) or swap member x for outsider y. out
// lists the outsiders in descending order, so for each member the smallest
// outsider y ≥ a_x − excess is found by binary search.
func (c *cover[T, A]) bestMove(in []bool, excess T) (bx, by int, gain T) {
	var out []int
	for i, ok := range in {
		if !ok {
			out = append(out, i)
		}
	}
	bx, by, gain = -1, -1, c.ar.zero()
	for x, ok := range in {
		if !ok {
			continue
		}
		if c.ar.cmp(c.a[x], excess) <= 0 {
			if c.ar.cmp(c.a[x], gain) > 0 {
				bx, by, gain = x, -1, c.a[x]
			}
			continue
		}
		floor := c.ar.sub(c.a[x], excess) // a_y must be ≥ floor and < a_x
		k := sort.Search(len(out), func(k int) bool { return c.ar.cmp(c.a[out[k]], floor) < 0 }) - 1
		if k < 0 || c.ar.cmp(c.a[out[k]], c.a[x]) >= 0 {
			continue
		}
		if d := c.ar.sub(c.a[x], c.a[out[k]]); c.ar.cmp(d, gain) > 0 {
			bx, by, gain = x, out[k], d
		}
	}
	return bx, by, gain
}

// tailItems is how many of the smallest items the tail table settles at
// once: all their 2^tailItems subset sums, sorted, so that "the least
// subset sum ≥ need" is one binary search. Filling a remainder exactly to
// the unit takes many combinations of small items, which the depth-first
// search alone reaches slowly; the table makes each leaf cover them all.
const tailItems = 12

// tailTable holds the distinct subset sums of the items from start on,
// ascending, each with one subset (a bit mask over those items).
type tailTable[T any] struct {
	start int
	sums  []T
	masks []uint32
}

// newTailTable builds the sums by merging, item by item, the sorted list
// with itself shifted by the item: O(2^tailItems), no sort.
func newTailTable[T any, A arith[T]](ar A, a []T) tailTable[T] {
	start := max(0, len(a)-tailItems)
	t := tailTable[T]{start: start, sums: []T{ar.zero()}, masks: []uint32{0}}
	for i, x := range a[start:] {
		t = mergeShifted(ar, t, x, uint32(1)<<i)
	}
	return t
}

func mergeShifted[T any, A arith[T]](ar A, t tailTable[T], x T, bit uint32) tailTable[T] {
	n := len(t.sums)
	out := tailTable[T]{start: t.start, sums: make([]T, 0, 2*n), masks: make([]uint32, 0, 2*n)}
	i, j := 0, 0
	for i < n || j < n {
		var s T
		var m uint32
		var shifted T
		if j < n {
			shifted = ar.add(t.sums[j], x)
		}
		if j >= n || (i < n && ar.cmp(t.sums[i], shifted) <= 0) {
			s, m = t.sums[i], t.masks[i]
			i++
		} else {
			s, m = shifted, t.masks[j]|bit
			j++
		}
		if k := len(out.sums); k > 0 && ar.cmp(out.sums[k-1], s) == 0 {
			continue
		}
		out.sums, out.masks = append(out.sums, s), append(out.masks, m)
	}
	return out
}

// fromTail records the least subset sum ≥ need of the tail items (if any
// is) with its items, when it beats the best.
func (c *cover[T, A]) fromTail(need T) {
	t := &c.tail
	k := sort.Search(len(t.sums), func(k int) bool { return c.ar.cmp(t.sums[k], need) >= 0 })
	if k == len(t.sums) {
		return
	}
	sum := c.ar.add(c.ar.sub(c.target, need), t.sums[k])
	if c.ar.cmp(sum, c.best) >= 0 {
		return
	}
	var more []int
	for i := range len(c.a) - t.start {
		if t.masks[k]&(1<<i) != 0 {
			more = append(more, t.start+i)
		}
	}
	c.record(sum, more)
}

// serviceJSON is the JSON view of a ServiceReport: decimal strings, exact
// when the value has a finite decimal expansion, else rounded down at 18
// places; ratios are null when π_s = 0 (infinite); coc_exact is null and
// coc_error set when the exact search hit its bound, with coc_upper the
// cheapest cover it found.
type serviceJSON struct {
	ID              string         `json:"id"`
	Stake           string         `json:"stake"`
	Operators       int            `json:"operators"`
	PfC             string         `json:"pfc"`
	Threshold       string         `json:"threshold"`
	CoCFractional   string         `json:"coc_fractional"`
	CoCExact        *string        `json:"coc_exact"`
	CoCError        string         `json:"coc_error,omitempty"`
	CoCUpper        *string        `json:"coc_upper,omitempty"` // rounded up
	RatioFractional *string        `json:"coc_pfc_fractional"`
	RatioExact      *string        `json:"coc_pfc_exact"`
	Top             []topShareJSON `json:"top_share"`
	HHI             string         `json:"hhi"`
	Nakamoto        int            `json:"nakamoto"`
	CoCOperators    []string       `json:"coc_operators"`
}

type topShareJSON struct {
	K     int    `json:"k"`
	Share string `json:"share"`
}

// MarshalJSON writes the JSON view (see serviceJSON).
func (r ServiceReport) MarshalJSON() ([]byte, error) {
	out := serviceJSON{
		ID: r.ID, Stake: DecimalFloor(r.Stake), Operators: r.Operators,
		PfC: DecimalFloor(r.PfC), Threshold: DecimalFloor(r.Threshold),
		CoCFractional: DecimalFloor(r.CoCFractional), CoCExact: optDecimal(r.CoCExact),
		RatioFractional: optDecimal(r.RatioFractional), RatioExact: optDecimal(r.RatioExact),
		HHI: DecimalFloor(r.HHI), Nakamoto: r.Nakamoto, Top: []topShareJSON{},
		CoCOperators: r.CoCOperators,
	}
	if r.CoCErr != nil {
		out.CoCError = r.CoCErr.Error()
		if r.CoCUpper != nil {
			s := DecimalCeil(r.CoCUpper)
			out.CoCUpper = &s
		}
	}
	for _, t := range r.Top {
		out.Top = append(out.Top, topShareJSON{t.K, DecimalFloor(t.Share)})
	}
	return json.Marshal(out)
}

func optDecimal(r *big.Rat) *string {
	if r == nil {
		return nil
	}
	s := DecimalFloor(r)
	return &s
}
