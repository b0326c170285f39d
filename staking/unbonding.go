package staking

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Unbonding entries and lazy slashing.
//
// Each validator numbers its entries 0, 1, 2, … (index). Completion times are
// monotone per validator, so entries mature strictly in index order and the
// live entries are always the contiguous range [FirstIndex, NextIndex).
// Every entry stores CumBefore = Σ initial balances of the entries before
// it, so the initial sum of any index range is one subtraction.
//
// A slash at infraction height H covers the entries [cut, NextIndex) where
// cut is the first entry created at height ≥ H (binary search, entries are
// in creation order), with the slash fraction f — or, if f would burn more
// than the slash's total (slash.go), the largest common fraction that does
// not. Instead of touching entries, the validator keeps
// "segments": boundaries in index space, each with the product of (1 − f)
// of the slashes covering it (WAD, multiplied in slash order with rounding
// down). A slash splits a segment at cut, adds a boundary with factor 1 at
// NextIndex (later entries are not covered) and multiplies the factors of
// the segments in [cut, NextIndex). Its cost is O(segments in the unbonding
// window) — a handful, since each is created by a slash — independent of
// the number of entries and delegators. An entry's value is
// initial × factor of its segment (rounding: down), found with one seek.

// Unbonding is an unbonding entry as queries show it.
type Unbonding struct {
	ID             uint64          `json:"id"`
	Delegator      account.Address `json:"delegator"`
	Validator      account.Address `json:"validator"`
	Balance        num.Int         `json:"balance"` // initial amount
	Value          num.Int         `json:"value"`   // what it pays at completion after slashes so far
	CreationHeight int64           `json:"creation_height"`
	Creation_s     int64           `json:"creation_s"`
	Completion_s   int64           `json:"completion_s"`
}

// unbondingHead is a validator's unbonding bookkeeping.
type unbondingHead struct {
	NextIndex        uint64  `json:"next_index"`
	FirstIndex       uint64  `json:"first_index"` // oldest unpaid entry
	CumTotal         num.Int `json:"cum_total"`   // Σ initial balances of entries [0, NextIndex)
	Held             num.Int `json:"held"`        // UnbondingPool tokens held for this validator
	LastCompletion_s int64   `json:"last_completion_s"`
}

type unbondingEntry struct {
	ID             uint64          `json:"id"`
	Delegator      account.Address `json:"delegator"`
	Validator      account.Address `json:"validator"`
	Index          uint64          `json:"index"`
	Initial        num.Int         `json:"initial"`
	CumBefore      num.Int         `json:"cum_before"`
	CreationHeight int64           `json:"creation_height"`
	Creation_s     int64           `json:"creation_s"`
	Completion_s   int64           `json:"completion_s"`
}

func (e unbondingEntry) view(value num.Int) Unbonding {
	return Unbonding{ID: e.ID, Delegator: e.Delegator, Validator: e.Validator, Balance: e.Initial, Value: value,
		CreationHeight: e.CreationHeight, Creation_s: e.Creation_s, Completion_s: e.Completion_s}
}

func loadHead(r store.Reader, op account.Address) (unbondingHead, error) {
	var h unbondingHead
	_, err := state.Load(r, ubdHeadKey(op), &h)
	return h, err
}

func saveHead(kv store.KV, op account.Address, h unbondingHead) {
	if h.FirstIndex == h.NextIndex && h.Held.IsZero() && h.NextIndex == 0 {
		kv.Delete(ubdHeadKey(op))
		return
	}
	state.Put(kv, ubdHeadKey(op), h)
}

func loadEntry(r store.Reader, op account.Address, index uint64) (unbondingEntry, error) {
	var e unbondingEntry
	found, err := state.Load(r, ubdEntryKey(op, index), &e)
	if err == nil && !found {
		err = fmt.Errorf("%w: unbonding entry %d of %s missing", state.ErrCorrupt, index, op)
	}
	return e, err
}

// checkHeadRoom rejects amounts that would overflow the validator's sums.
func checkHeadRoom(h unbondingHead, amount num.Int) error {
	if _, err := h.CumTotal.Add(amount); err != nil {
		return state.Reject("amount-overflow", "unbonding sums would overflow")
	}
	if _, err := h.Held.Add(amount); err != nil {
		return state.Reject("amount-overflow", "unbonding pool would overflow")
	}
	return nil
}

// addUnbonding records an entry for amount (already moved to UnbondingPool).
func addUnbonding(ctx state.Ctx, p params.Params, h unbondingHead, delegator, op account.Address, amount num.Int) (unbondingEntry, error) {
	id, err := loadU64(ctx.KV, keyNextUbdID)
	if err != nil {
		return unbondingEntry{}, err
	}
	// Monotone per validator so entries mature FIFO (see the package notes above).
	completion := max(h.LastCompletion_s, num.AddTime(max(ctx.Time_s, 0), p.UnbondingPeriod_s))
	e := unbondingEntry{ID: id + 1, Delegator: delegator, Validator: op, Index: h.NextIndex, Initial: amount,
		CumBefore: h.CumTotal, CreationHeight: ctx.Height, Creation_s: ctx.Time_s, Completion_s: completion}
	h.NextIndex++
	h.CumTotal, _ = h.CumTotal.Add(amount) // checked by checkHeadRoom
	h.Held, _ = h.Held.Add(amount)
	h.LastCompletion_s = completion
	ctx.KV.Set(keyNextUbdID, state.U64(e.ID))
	state.Put(ctx.KV, ubdEntryKey(op, e.Index), e)
	ctx.KV.Set(ubdQueueKey(completion, e.ID), state.Key(op[:], state.U64(e.Index)))
	ctx.KV.Set(ubdByDelKey(delegator, op, e.ID), state.U64(e.Index))
	saveHead(ctx.KV, op, h)
	return e, nil
}

// matureUnbondings pays entries whose completion time has come, oldest
// first, at most MaxMaturePerBlock per block (the rest wait a block).
func matureUnbondings(ctx state.Ctx, p params.Params) error {
	if ctx.Time_s < 0 {
		return nil
	}
	end := state.Key(prefixUbdQueue, state.U64(uint64(ctx.Time_s)+1))
	type due struct {
		op    account.Address
		index uint64
	}
	var list []due
	var bad error
	ctx.KV.Iterate(prefixUbdQueue, end, false, func(k, v []byte) bool {
		if len(v) != 28 {
			bad = fmt.Errorf("%w: unbonding queue value at %q", state.ErrCorrupt, k)
			return false
		}
		var d due
		copy(d.op[:], v[:20])
		d.index, _ = state.ReadU64(v[20:])
		list = append(list, d)
		return len(list) < MaxMaturePerBlock
	})
	if bad != nil {
		return bad
	}
	for _, d := range list {
		if err := completeEntry(ctx, p, d.op, d.index); err != nil {
			return err
		}
	}
	return nil
}

// completeEntry pays one matured entry and drops its records.
func completeEntry(ctx state.Ctx, p params.Params, op account.Address, index uint64) error {
	kv := ctx.KV
	e, err := loadEntry(kv, op, index)
	if err != nil {
		return err
	}
	h, err := loadHead(kv, op)
	if err != nil {
		return err
	}
	if index != h.FirstIndex {
		return fmt.Errorf("%w: entry %d of %s matures before entry %d", state.ErrCorrupt, index, op, h.FirstIndex)
	}
	value, err := entryValue(kv, e)
	if err != nil {
		return err
	}
	// Capped by what this validator's part of the pool holds; the slash
	// arithmetic keeps Held ≥ what is owed, so the cap is only a guard.
	pay := value.Min(h.Held)
	if err := bank.SendOne(kv, UnbondingPool, e.Delegator, p.NativeDenom, pay); err != nil {
		return err
	}
	h.Held, _ = h.Held.Sub(pay)
	h.FirstIndex++
	kv.Delete(ubdEntryKey(op, index))
	kv.Delete(ubdQueueKey(e.Completion_s, e.ID))
	kv.Delete(ubdByDelKey(e.Delegator, op, e.ID))
	pruneSegments(kv, op, h.FirstIndex, h.NextIndex)
	if err := burnLeftover(kv, p.NativeDenom, &h); err != nil {
		return err
	}
	saveHead(kv, op, h)
	ctx.Emit("complete_unbonding", "id", u64s(e.ID), "delegator", e.Delegator.String(),
		"validator", op.String(), "amount", pay.String()+p.NativeDenom)
	return nil
}

// burnLeftover burns what is left for a validator once it has no live
// entries: rounding dust that nobody is owed (rounding: in the protocol's favour).
func burnLeftover(kv store.KV, denom string, h *unbondingHead) error {
	if h.FirstIndex < h.NextIndex || h.Held.IsZero() {
		return nil
	}
	if err := bank.Burn(kv, UnbondingPool, denom, h.Held); err != nil {
		return err
	}
	h.Held = num.Int{}
	return nil
}

// entryValue is what an entry pays now: initial × its segment's factor.
func entryValue(r store.Reader, e unbondingEntry) (num.Int, error) {
	f, err := factorAt(r, e.Validator, e.Index)
	if err != nil {
		return num.Int{}, err
	}
	// rounding: down — paid to the delegator.
	return e.Initial.MulDivDown(f, num.WAD())
}

// segment is a boundary in a validator's unbonding index space.
type segment struct {
	start  uint64
	factor num.Int // WAD-scaled Π(1 − f) of the slashes covering [start, next start)
}

func decodeSegment(k, v []byte) (segment, error) {
	start, ok := state.ReadU64(k[len(k)-8:])
	f, err := num.IntFromBytes(v)
	if !ok || err != nil || len(v) != 32 {
		return segment{}, fmt.Errorf("%w: slash segment %q", state.ErrCorrupt, k)
	}
	return segment{start: start, factor: f}, nil
}

func saveSegment(kv store.KV, op account.Address, s segment) {
	b := s.factor.Bytes32()
	kv.Set(segmentKey(op, s.start), b[:])
}

// factorAt is the factor of the segment containing index (1 if none).
func factorAt(r store.Reader, op account.Address, index uint64) (num.Int, error) {
	s := segment{factor: num.WAD()}
	var err error
	r.Iterate(segmentPrefix(op), segmentKey(op, index+1), true, func(k, v []byte) bool {
		s, err = decodeSegment(k, v)
		return false // the nearest boundary at or below index
	})
	return s.factor, err
}

func loadSegments(r store.Reader, op account.Address) ([]segment, error) {
	var out []segment
	var err error
	store.IteratePrefix(r, segmentPrefix(op), false, func(k, v []byte) bool {
		if len(out) >= maxSegments {
			err = fmt.Errorf("%w: validator %s has more than %d slash segments", state.ErrCorrupt, op, maxSegments)
			return false
		}
		var s segment
		s, err = decodeSegment(k, v)
		out = append(out, s)
		return err == nil
	})
	return out, err
}

// factorIn is the factor at index within sorted segments.
func factorIn(segs []segment, index uint64) num.Int {
	i := sort.Search(len(segs), func(i int) bool { return segs[i].start > index })
	if i == 0 {
		return num.WAD()
	}
	return segs[i-1].factor
}

// pruneSegments drops segments that end before first (no live entry left
// in them), or all of them when no entry is live.
func pruneSegments(kv store.KV, op account.Address, first, next uint64) {
	var drop [][]byte
	var prev []byte
	store.IteratePrefix(kv, segmentPrefix(op), false, func(k, _ []byte) bool {
		start, _ := state.ReadU64(k[len(k)-8:])
		if first < next && start > first {
			return false
		}
		if prev != nil {
			drop = append(drop, prev)
		}
		prev = append([]byte(nil), k...)
		return len(drop) < maxSegments
	})
	if first >= next && prev != nil {
		drop = append(drop, prev)
	}
	for _, k := range drop {
		kv.Delete(k)
	}
}

// firstEntryAtHeight is the first live index created at height ≥ h
// (NextIndex if none), by binary search over creation order.
func firstEntryAtHeight(r store.Reader, op account.Address, hd unbondingHead, h int64) (uint64, error) {
	lo, hi := hd.FirstIndex, hd.NextIndex
	for i := 0; lo < hi && i < 64; i++ {
		mid := lo + (hi-lo)/2
		e, err := loadEntry(r, op, mid)
		if err != nil {
			return 0, err
		}
		if e.CreationHeight >= h {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}

// slashUnbonding burns fraction f of the value of op's live entries created
// at height ≥ h, but never more than limit in all: if f would take more, a
// lower fraction (the same for every covered entry) is used instead. It
// returns the amount to burn from UnbondingPool.
func slashUnbonding(kv store.KV, op account.Address, f num.Dec, h int64, limit num.Int) (num.Int, error) {
	hd, err := loadHead(kv, op)
	if err != nil || f.IsZero() || limit.IsZero() || hd.FirstIndex >= hd.NextIndex {
		return num.Int{}, err
	}
	cut, err := firstEntryAtHeight(kv, op, hd, h)
	if err != nil || cut >= hd.NextIndex {
		return num.Int{}, err
	}
	segs, err := loadSegments(kv, op)
	if err != nil {
		return num.Int{}, err
	}
	pcs, slashedRaw, err := windowAmounts(kv, op, hd, segs, cut)
	if err != nil {
		return num.Int{}, err
	}
	if f, err = capFraction(f, slashedRaw, limit); err != nil || f.IsZero() {
		return num.Int{}, err
	}
	keep, _ := num.OneDec().Sub(f) // f ≤ 1, clamped by the caller
	burn, err := unbondingBurn(hd, pcs, slashedRaw, f, keep)
	if err != nil {
		return num.Int{}, err
	}
	applySegmentSlash(kv, op, segs, cut, hd.NextIndex, keep)
	hd.Held, _ = hd.Held.Sub(burn) // burn ≤ Held
	saveHead(kv, op, hd)
	return burn, nil
}

// piece is a run [lo, hi) of live entries sharing one factor.
type piece struct {
	lo, hi  uint64
	factor  num.Int
	amount  num.Int // Σ initial balances of the run
	covered bool    // at or after the slash's cut
}

// windowPieces splits the live range [first, next) at segment starts and at cut.
func windowPieces(segs []segment, first, next, cut uint64) []piece {
	points := []uint64{first}
	for _, s := range segs {
		if s.start > first && s.start < next {
			points = append(points, s.start)
		}
	}
	if cut > first && cut < next {
		points = append(points, cut)
	}
	sort.Slice(points, func(i, j int) bool { return points[i] < points[j] })
	out := make([]piece, 0, len(points))
	for i, lo := range points {
		if i > 0 && lo == points[i-1] {
			continue // duplicate boundary
		}
		if n := len(out); n > 0 {
			out[n-1].hi = lo
		}
		out = append(out, piece{lo: lo, hi: next, factor: factorIn(segs, lo), covered: lo >= cut})
	}
	return out
}

// windowAmounts is the live range cut into pieces with their initial sums,
// and slashedRaw = Σ initial × factor over the covered pieces (the covered
// entries' value, WAD-scaled).
func windowAmounts(r store.Reader, op account.Address, hd unbondingHead, segs []segment, cut uint64) ([]piece, num.Int, error) {
	pcs := windowPieces(segs, hd.FirstIndex, hd.NextIndex, cut)
	var slashedRaw num.Int
	for i := range pcs {
		lo, err := cumAt(r, op, hd, pcs[i].lo)
		if err != nil {
			return nil, slashedRaw, err
		}
		hi, err := cumAt(r, op, hd, pcs[i].hi)
		if err != nil {
			return nil, slashedRaw, err
		}
		pcs[i].amount = hi.SubSat(lo)
		if pcs[i].covered {
			if slashedRaw, err = addProduct(slashedRaw, pcs[i].amount, pcs[i].factor); err != nil {
				return nil, slashedRaw, err
			}
		}
	}
	return pcs, slashedRaw, nil
}

// cumAt is C(x) = Σ initial balances of entries before index x.
func cumAt(r store.Reader, op account.Address, hd unbondingHead, x uint64) (num.Int, error) {
	if x >= hd.NextIndex {
		return hd.CumTotal, nil
	}
	e, err := loadEntry(r, op, x)
	return e.CumBefore, err
}

// capFraction is f, or the largest fraction (at WAD precision) whose burn
// ceil(fraction × covered value) stays ≤ limit when f's would not.
func capFraction(f num.Dec, slashedRaw, limit num.Int) (num.Dec, error) {
	// rounding: up — the burn f would cause (as unbondingBurn computes it).
	want, err := f.Raw().MulDivUp(slashedRaw, wadSquared)
	if err != nil || want.LTE(limit) {
		return f, err
	}
	// rounding: down — the capped fraction never burns more than limit.
	capped, err := limit.MulDivDown(wadSquared, slashedRaw)
	return num.DecFromRaw(capped), err
}

// unbondingBurn is ceil(f × value of the covered entries) (rounding: up —
// slashed), but never so much that Held drops below the remaining entries'
// value after the slash (rounding: down), so every later payout is covered.
func unbondingBurn(hd unbondingHead, pcs []piece, slashedRaw num.Int, f, keep num.Dec) (num.Int, error) {
	var remainRaw num.Int // Σ initial × factor after the slash, WAD-scaled
	var err error
	for _, pc := range pcs {
		factor := pc.factor
		if pc.covered {
			factor = scaleFactor(factor, keep)
		}
		if remainRaw, err = addProduct(remainRaw, pc.amount, factor); err != nil {
			return num.Int{}, err
		}
	}
	// rounding: up — burned.
	want, err := f.Raw().MulDivUp(slashedRaw, wadSquared)
	if err != nil {
		return num.Int{}, err
	}
	owed, _ := remainRaw.QuoDown(num.WAD()) // rounding: down — value still owed, floor of the exact sum
	return want.Min(hd.Held.SubSat(owed)), nil
}

func addProduct(sum, a, b num.Int) (num.Int, error) {
	p, err := a.Mul(b)
	if err != nil {
		return sum, fmt.Errorf("unbonding slash arithmetic overflows: %w", err)
	}
	return sum.Add(p)
}

// scaleFactor multiplies a WAD factor by keep (rounding: down — entries pay
// at most their exact slashed value).
func scaleFactor(factor num.Int, keep num.Dec) num.Int {
	d, _ := num.DecFromRaw(factor).MulDown(keep) // factor, keep ≤ 1
	return d.Raw()
}

// applySegmentSlash writes the boundaries at cut and next and scales the
// factors of the segments in [cut, next).
func applySegmentSlash(kv store.KV, op account.Address, segs []segment, cut, next uint64, keep num.Dec) {
	has := func(x uint64) bool {
		i := sort.Search(len(segs), func(i int) bool { return segs[i].start >= x })
		return i < len(segs) && segs[i].start == x
	}
	if !has(next) {
		saveSegment(kv, op, segment{start: next, factor: num.WAD()})
	}
	if !has(cut) {
		saveSegment(kv, op, segment{start: cut, factor: scaleFactor(factorIn(segs, cut), keep)})
	}
	for _, s := range segs {
		if s.start >= cut && s.start < next {
			saveSegment(kv, op, segment{start: s.start, factor: scaleFactor(s.factor, keep)})
		}
	}
}

func u64s(v uint64) string { return strconv.FormatUint(v, 10) }
func i64s(v int64) string  { return strconv.FormatInt(v, 10) }
