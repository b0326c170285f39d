package risk

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"slices"
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
	w := new(coverU64) // buffers shared by the services' searches
	for s := range g.ServiceIDs {
		out[s] = serviceReport(g, s, opt, w)
	}
	return out
}

func serviceReport(g *Graph, s int, opt ServicesOptions, w *coverU64) ServiceReport {
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
	cost, set, err := sc.minCover(w, opt.MaxNodes)
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
	cost, set, err := scaleAmounts(amounts, need).minCover(nil, maxNodes)
	sort.Ints(set)
	return cost, set, err
}

// scaled is a list of positive rationals written as integer multiples of
// their gcd (unit), sorted descending, with the target need as the least
// such multiple not below it: every subset sum is a multiple of the unit,
// so a cover at the target is a proven minimum, and integers make the
// search fast. When the values and their total fit in 63 bits (the usual
// case) they are held as uint64 (u), else as big integers (v).
type scaled struct {
	orig  []int    // position i holds amounts[orig[i]]
	u     []uint64 // descending; nil when the values are big
	v     []*big.Int
	unit  *big.Rat // amount = value·unit
	total *big.Int
	need  *big.Int // ⌈need/unit⌉, ≤ 0 when need is
}

// scaleAmounts writes the amounts over their gcd. Amounts must be
// positive. Integer amounts that fit in 64 bits take a path with no big
// integer per amount.
func scaleAmounts(amounts []*big.Rat, need *big.Rat) scaled {
	if sc, ok := scaleSmall(amounts, need); ok {
		return sc
	}
	den := big.NewInt(1)
	for _, a := range amounts {
		if !a.IsInt() {
			den = lcm(den, a.Denom())
		}
	}
	vals := make([]*big.Int, len(amounts))
	g := new(big.Int)
	for i, a := range amounts {
		v := new(big.Int).Mul(a.Num(), den)
		vals[i] = v.Quo(v, a.Denom())
		g.GCD(nil, nil, g, vals[i])
	}
	if g.Sign() == 0 {
		g.SetInt64(1)
	}
	total := new(big.Int)
	for _, v := range vals {
		v.Quo(v, g)
		total.Add(total, v)
	}
	sc := scaled{orig: make([]int, len(amounts)), unit: new(big.Rat).SetFrac(g, den), total: total}
	for i := range sc.orig {
		sc.orig[i] = i
	}
	sort.SliceStable(sc.orig, func(i, j int) bool { return vals[sc.orig[i]].Cmp(vals[sc.orig[j]]) > 0 })
	// ⌈need/unit⌉ = ⌈need.num·den / (need.den·g)⌉
	sc.need = ceilDiv(new(big.Int).Mul(need.Num(), den), new(big.Int).Mul(need.Denom(), g))
	if total.BitLen() < 64 {
		sc.u = make([]uint64, len(vals))
		for i, o := range sc.orig {
			sc.u[i] = vals[o].Uint64()
		}
		return sc
	}
	sc.v = make([]*big.Int, len(vals))
	for i, o := range sc.orig {
		sc.v[i] = vals[o]
	}
	return sc
}

// scaleSmall is scaleAmounts for integer amounts whose total fits in 63
// bits; ok is false for any other list.
func scaleSmall(amounts []*big.Rat, need *big.Rat) (scaled, bool) {
	type item struct {
		v uint64
		i int
	}
	items := make([]item, len(amounts))
	var g, total uint64
	for i, a := range amounts {
		if !a.IsInt() || !a.Num().IsUint64() {
			return scaled{}, false
		}
		x := a.Num().Uint64()
		if total += x; x >= 1<<63 || total >= 1<<63 {
			return scaled{}, false
		}
		items[i] = item{x, i}
		g = gcd64(g, x)
	}
	if g == 0 {
		g = 1
	}
	slices.SortStableFunc(items, func(x, y item) int { return cmp.Compare(y.v, x.v) })
	sc := scaled{orig: make([]int, len(items)), u: make([]uint64, len(items)),
		unit: new(big.Rat).SetUint64(g), total: new(big.Int).SetUint64(total / g)}
	for k, it := range items {
		sc.u[k], sc.orig[k] = it.v/g, it.i
	}
	if g == 1 {
		sc.need = ceilDiv(need.Num(), need.Denom())
	} else {
		sc.need = ceilDiv(need.Num(), new(big.Int).Mul(need.Denom(), new(big.Int).SetUint64(g)))
	}
	return sc, true
}

func gcd64(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
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

func (sc scaled) len() int { return len(sc.orig) }

// value is the i-th largest value as a big integer.
func (sc scaled) value(i int) *big.Int {
	if sc.u != nil {
		return new(big.Int).SetUint64(sc.u[i])
	}
	return sc.v[i]
}

func (sc scaled) hhi() *big.Rat {
	if sc.total.Sign() == 0 {
		return new(big.Rat)
	}
	sum := new(big.Int)
	if sc.u != nil {
		var hi, lo uint64 // Σ u², 128 bits: each square is below 2^126 and there are few
		for _, x := range sc.u {
			h, l := bits.Mul64(x, x)
			var carry uint64
			lo, carry = bits.Add64(lo, l, 0)
			hi += h + carry
		}
		sum.SetUint64(hi).Lsh(sum, 64).Or(sum, new(big.Int).SetUint64(lo))
	} else {
		sq := new(big.Int)
		for _, v := range sc.v {
			sum.Add(sum, sq.Mul(v, v))
		}
	}
	return new(big.Rat).SetFrac(sum, new(big.Int).Mul(sc.total, sc.total))
}

// nakamoto takes the largest operators first, which needs the fewest.
func (sc scaled) nakamoto() int {
	if sc.need.Sign() <= 0 {
		return 0
	}
	if sc.u != nil && sc.need.IsUint64() {
		need, acc := sc.need.Uint64(), uint64(0)
		for i, x := range sc.u {
			if acc += x; acc >= need {
				return i + 1
			}
		}
		return 0 // unreachable for a service of the Graph (need ≤ W)
	}
	acc := new(big.Int)
	for i := range sc.len() {
		if acc.Add(acc, sc.value(i)); acc.Cmp(sc.need) >= 0 {
			return i + 1
		}
	}
	return 0
}

func (sc scaled) topShare(k int) *big.Rat {
	if sc.total.Sign() == 0 {
		return new(big.Rat)
	}
	acc := new(big.Int)
	if sc.u != nil {
		var s uint64 // below the total, below 2^63
		for i := 0; i < k && i < len(sc.u); i++ {
			s += sc.u[i]
		}
		acc.SetUint64(s)
	} else {
		for i := 0; i < k && i < len(sc.v); i++ {
			acc.Add(acc, sc.v[i])
		}
	}
	return new(big.Rat).SetFrac(acc, sc.total)
}

// minCover is the exact cover search on the scaled values: the target
// (rounded up to the unit) is a lower bound the search often reaches,
// ending it at once. Values in uint64 are searched by coverU64 (with w's
// buffers; w may be nil), big ones by the generic search. With
// ErrSearchBound the cover returned is the best found: an upper bound.
// The positions returned index the amounts.
func (sc scaled) minCover(w *coverU64, maxNodes int64) (*big.Rat, []int, error) {
	if sc.total.Cmp(sc.need) < 0 {
		return nil, nil, fmt.Errorf("%w: all amounts together fall short of the target", ErrNetwork)
	}
	if sc.need.Sign() <= 0 {
		return new(big.Rat), nil, nil
	}
	var best *big.Int
	var set []int
	var err error
	if sc.u != nil {
		if w == nil {
			w = new(coverU64)
		}
		var b uint64
		b, set, err = w.minCover(sc.u, sc.need.Uint64(), maxNodes)
		best = new(big.Int).SetUint64(b)
	} else {
		best, set, err = runCover[*big.Int](bigArith{}, sc.v, sc.need, maxNodes)
	}
	for i, p := range set {
		set[i] = sc.orig[p]
	}
	cost := new(big.Rat).SetInt(best)
	return cost.Mul(cost, sc.unit), set, err
}

// arith is the integer arithmetic the generic cover search needs; values
// are never modified in place, so *big.Int values may be shared. The
// search runs on big integers (bigArith) only when the scaled values do not
// fit in 63 bits; the tests also run it on uint64 as an independent check
// of coverU64.
type arith[T any] interface {
	add(a, b T) T
	sub(a, b T) T
	cmp(a, b T) int
	zero() T
}

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
// member for a smaller outsider by the largest difference that fits; when
// it hits the lattice bound exactly, the cover is proven optimal with no
// search at all. Each round lowers the excess, and
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
		HHI: DecimalCeil(r.HHI), Nakamoto: r.Nakamoto, Top: []topShareJSON{}, // concentration: up (never understated)
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
		out.Top = append(out.Top, topShareJSON{t.K, DecimalCeil(t.Share)})
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
