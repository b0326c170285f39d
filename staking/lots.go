package staking

import (
	"fmt"
	"math/big"
	"sort"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Lots: exact slashing of stake that arrived after the infraction height
// (SPEC §4).
//
// Every increase of a delegation (create_validator's self-delegation, each
// delegate) is a lot. Per validator, lots are numbered 0, 1, 2, … in
// creation order, so creation height is monotone in the index, and the
// lots created after block H are the suffix [cut, NextLot) where cut is
// NextLot at the end of block H (recorded in the token history, thist.go).
// A delegation record holds its base shares (stake that can no longer be
// told apart by arrival) and its live lots, each with its index, creation
// height and time, and its raw amount.
//
// Events. A slash for an infraction at H executed now burns only from the
// "old" stake (base shares and lots created at or before H), at most its
// value; the lots of the suffix keep their value. Instead of touching
// delegations, the validator appends an event {cut, next, G, accumulator
// now, wipe} and sets its share total to S′:
//   - every share that existed is multiplied by boost = 1e9 (exactly), so
//     the shares issued next are fine-grained enough that rounding them
//     costs nobody a base unit; the exempt lots [cut, next) are multiplied
//     by G = boost × g instead, g = T·O / (T·O − X·S) for T tokens, S
//     shares, O old shares and X burned, which keeps their value (the old
//     holders then keep exactly (1 − X/value of O) of theirs);
//   - if X is the whole old value (g unbounded), the event is a wipe: the
//     old shares become 0 and the exempt lots are only boosted;
//   - a delegation's base shares are multiplied lazily: the record notes
//     how many events it has seen and applies the others when touched.
// A lot's current shares are raw × F / WAD (rounding: up — exempt stake
// keeps at least its value; S′ covers it), F being the product over the
// events that found the lot (index < next) of boost, G or 0 (wipe, old
// lots). Raw amounts never scale: they are what the lot was issued, less
// what undelegations burned from it converted back at the current factor
// (rounding: down on what is left — the leaver burns more). Events are
// rare: only a double sign exempts anything (downtime slashes use H = now)
// and it tombstones the validator; they are bounded by maxLotEvents and
// read with the lot head, one record.
//
// Suffix sums. Slashing needs the current shares of the suffix: Σ over the
// pieces between event boundaries of (Σ raw of the piece) × F of the piece.
// Σ raw of an index range comes from a Fenwick tree of raw amounts kept in
// the store (staking/lotf/, one node per lot index), so a slash costs
// O(events × log lots) store reads, a new lot O(log lots) reads and one
// write, a burn or merge O(log lots) writes. Nothing iterates delegators.
//
// Unowned shares. Lots whose factor is not a whole number round their
// shares up one by one, so S′ adds one share per such lot index to the
// piece sums; the validator's share total is then ≥ what delegations own
// (checked by the invariants; equal while it has no events). The few
// unowned shares are worth a fraction of a base unit each after the boost.
//
// Lifetime. A lot older than the unbonding period can no longer be exempt
// (evidence that old is ignored), so it is merged into its delegation's
// base when the delegation is next touched; when a delegation already has
// maxLots lots, its oldest lot is merged into the base before a new one is
// added (that stake is then treated as old: rounding in the protocol's
// favour). A top-up in the same block as the delegation's newest
// (unscaled) lot joins that lot.
//
// Undelegation burns shares from the delegation's newest lots first, then
// from its base: the stake leaving is the most recently added, so what
// remains is the oldest (most exposed) stake. Unbonding entries are
// slashed as before by creation height, whatever the age of the stake that
// created them (an entry created at or after H from stake that arrived
// after H still pays f, within the cap of slash.go).
//
// Rewards. Shares change at an event, so a delegation's pending reward is
// summed over the accumulator intervals between the events that happened
// since it was last settled (those it has not seen): Σ shares_k ×
// (A_k+1 − A_k), each event storing the accumulator value at its slash.
// Settling applies the events to the base shares. A delegation wiped to
// zero shares is closed when its owner claims rewards.

const (
	maxLots = 32 // live lots per delegation
	// maxLotEvents bounds the events per validator, so factors stay far from
	// 2^256 (≤ WAD·(gMax·boost)^2). The chain creates at most one: only a
	// double sign exempts anything, and it tombstones the validator. A
	// further slash is taken pro rata from all current stake, as without lots.
	maxLotEvents = 2
)

// gMax bounds one event's multiplier of exempt shares relative to old ones
// (WAD-scaled: 1e12), so shares stay finite when a slash burns all the old
// stake (see exemptSlash).
var gMax = num.MustInt("1000000000000000000000000000000")

// boost multiplies every share of a validator at each event (exactly, an
// integer), so the exempt lots' new shares are fine-grained enough that
// rounding them costs nobody a base unit.
var boost = num.NewInt(1_000_000_000)

// lot is one increase of a delegation.
type lot struct {
	Index  uint64
	Height int64
	Time_s int64
	Raw    num.Int
}

// lotEvent is a slash that exempted the lots [Cut, Next).
type lotEvent struct {
	Cut  uint64  `json:"cut"`
	Next uint64  `json:"next"`
	G    num.Int `json:"g"`              // WAD-scaled multiplier of the exempt lots (≥ WAD)
	Acc  num.Int `json:"acc"`            // reward accumulator when the slash ran
	Wipe bool    `json:"wipe,omitempty"` // the old stake was burned entirely: its shares are worth 0
}

// lotHead is a validator's lot bookkeeping.
type lotHead struct {
	NextLot uint64     `json:"next_lot"`
	Events  []lotEvent `json:"events,omitempty"`
}

func lotHeadKey(op account.Address) []byte { return state.Key(prefixLotHead, op[:]) }

func lotTreeKey(op account.Address, pos uint64) []byte {
	return state.Key(prefixLotTree, op[:], state.U64(pos))
}

func loadLotHead(r store.Reader, op account.Address) (lotHead, error) {
	var h lotHead
	_, err := state.Load(r, lotHeadKey(op), &h)
	if err == nil && len(h.Events) > maxLotEvents {
		err = fmt.Errorf("%w: validator %s has %d lot events", state.ErrCorrupt, op, len(h.Events))
	}
	return h, err
}

func saveLotHead(kv store.KV, op account.Address, h lotHead) { state.Put(kv, lotHeadKey(op), &h) }

// MarshalRecord implements state.Record (the head is read on every
// delegation and token change).
func (h *lotHead) MarshalRecord() []byte {
	w := state.NewWriter(recordV1, 16+80*len(h.Events))
	w.Uvarint(h.NextLot)
	w.Uvarint(uint64(len(h.Events)))
	for _, ev := range h.Events {
		w.Uvarint(ev.Cut)
		w.Uvarint(ev.Next)
		w.Int(ev.G)
		w.Int(ev.Acc)
		w.Bool(ev.Wipe)
	}
	return w.Out()
}

// UnmarshalRecord implements state.Record.
func (h *lotHead) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, recordV1)
	h.NextLot = r.Uvarint()
	n := r.Uvarint()
	if n > maxLotEvents {
		return fmt.Errorf("%w: %d lot events", state.ErrCorrupt, n)
	}
	h.Events = nil
	for i := uint64(0); i < n; i++ {
		h.Events = append(h.Events, lotEvent{Cut: r.Uvarint(), Next: r.Uvarint(), G: r.Int(), Acc: r.Int(), Wipe: r.Bool()})
	}
	return r.Done()
}

// factorOf is F for lot index i (WAD): each event multiplies the lots it
// found (index < Next) by boost, and those it exempted (index ≥ Cut) by G
// instead (rounding: up — exempt lots keep at least their value).
func factorOf(h lotHead, i uint64) num.Int {
	return factorUpTo(h, i, len(h.Events))
}

func factorUpTo(h lotHead, i uint64, k int) num.Int {
	f := num.WAD()
	for _, ev := range h.Events[:k] {
		switch {
		case i >= ev.Next:
		case i >= ev.Cut:
			f = mulWadUp(f, ev.G)
		case ev.Wipe:
			return num.Int{}
		default:
			f, _ = f.Mul(boost) // bounded: boost^events × WAD
		}
	}
	return f
}

// mulWadUp is a × b / WAD (rounding: up); saturates on overflow
// (unreachable: factors are bounded by (gMax·boost)^events).
func mulWadUp(a, b num.Int) num.Int {
	r, err := a.MulDivUp(b, num.WAD())
	if err != nil {
		return num.MaxInt()
	}
	return r
}

// lotSharesAt is a lot's shares after the first k events (rounding: up,
// see factorOf; the validator's share total covers it, see exemptSlash).
func lotSharesAt(h lotHead, l lot, k int) num.Int {
	f := factorUpTo(h, l.Index, k)
	if f.Eq(num.WAD()) {
		return l.Raw
	}
	return mulWadUp(l.Raw, f)
}

// lotShares is a lot's current shares.
func lotShares(h lotHead, l lot) num.Int { return lotSharesAt(h, l, len(h.Events)) }

// baseAt is d's base shares after the first k ≥ d.Seen events (each
// multiplies them by boost, exactly).
func baseAt(h lotHead, d delegation, k int) num.Int {
	b := d.Shares
	for j := int(d.Seen); j < k; j++ {
		if h.Events[j].Wipe {
			return num.Int{}
		}
		b, _ = b.Mul(boost) // bounded as factorOf
	}
	return b
}

func ownedAt(h lotHead, d delegation, k int) num.Int {
	s := baseAt(h, d, k)
	for _, l := range d.Lots {
		s, _ = s.Add(lotSharesAt(h, l, k)) // ≤ validator shares
	}
	return s
}

// ownedShares is a delegation's current shares: base plus its lots.
func ownedShares(h lotHead, d delegation) num.Int { return ownedAt(h, d, len(h.Events)) }

// materialize brings d's base to the current events (after settling).
func materialize(h lotHead, d *delegation) {
	d.Shares = baseAt(h, *d, len(h.Events))
	d.Seen = uint64(len(h.Events))
}

// pendingReward is what a delegation has earned since it was last settled
// (rounding: down — paid out): its shares are constant between the events
// that happened since (those from d.Seen on), each of which stored the
// accumulator at its slash.
func pendingReward(h lotHead, d delegation, acc num.Int) (num.Int, error) {
	if int(d.Seen) >= len(h.Events) {
		return pendingOf(ownedShares(h, d), acc, d.RewardSnapshot)
	}
	sum := new(big.Int) // Σ shares × accumulator steps (512-bit headroom, as pendingOf's MulDiv)
	prev := d.RewardSnapshot
	add := func(shares, to num.Int) {
		if to.GT(prev) {
			sum.Add(sum, new(big.Int).Mul(shares.Big(), to.SubSat(prev).Big()))
			prev = to
		}
	}
	for k := int(d.Seen); k < len(h.Events); k++ {
		add(ownedAt(h, d, k), h.Events[k].Acc)
	}
	add(ownedShares(h, d), acc)
	// rounding: down — rewards paid out.
	return num.FromBig(sum.Quo(sum, rewardScale.Big()))
}

// Fenwick tree of raw lot amounts: position p = index + 1 holds the sum of
// positions (p − lsb(p), p]. Nodes past the last lot do not exist yet; a new
// lot's node is built from prefix sums when it is appended.

func lsb(p uint64) uint64 { return p & -p }

func treeNode(r store.Reader, op account.Address, pos uint64) (num.Int, error) {
	bz, ok := r.Get(lotTreeKey(op, pos))
	if !ok {
		return num.Int{}, nil
	}
	v, err := num.IntFromBytes(bz)
	if err != nil || len(bz) != 32 {
		return num.Int{}, fmt.Errorf("%w: lot tree node %d of %s", state.ErrCorrupt, pos, op)
	}
	return v, nil
}

func setTreeNode(kv store.KV, op account.Address, pos uint64, v num.Int) {
	if v.IsZero() {
		kv.Delete(lotTreeKey(op, pos))
		return
	}
	b := v.Bytes32()
	kv.Set(lotTreeKey(op, pos), b[:])
}

// rawPrefix is Σ raw of lot indices [0, i).
func rawPrefix(r store.Reader, op account.Address, i uint64) (num.Int, error) {
	var s num.Int
	for p := i; p > 0; p -= lsb(p) {
		v, err := treeNode(r, op, p)
		if err != nil {
			return s, err
		}
		if s, err = s.Add(v); err != nil {
			return s, err
		}
	}
	return s, nil
}

// rawRange is Σ raw of lot indices [lo, hi).
func rawRange(r store.Reader, op account.Address, lo, hi uint64) (num.Int, error) {
	a, err := rawPrefix(r, op, lo)
	if err != nil {
		return a, err
	}
	b, err := rawPrefix(r, op, hi)
	return b.SubSat(a), err
}

// treeAppend adds the node of the new lot index i (= NextLot before the increment).
func treeAppend(kv store.KV, op account.Address, i uint64, raw num.Int) error {
	pos := i + 1
	sum, err := rawRange(kv, op, pos-lsb(pos), i)
	if err != nil {
		return err
	}
	if sum, err = sum.Add(raw); err != nil {
		return err
	}
	setTreeNode(kv, op, pos, sum)
	return nil
}

// treeAdjust adds (or, if sub, subtracts) delta at lot index i < next.
func treeAdjust(kv store.KV, op account.Address, next, i uint64, delta num.Int, sub bool) error {
	for p := i + 1; p <= next; p += lsb(p) {
		v, err := treeNode(kv, op, p)
		if err != nil {
			return err
		}
		if sub {
			v = v.SubSat(delta)
		} else if v, err = v.Add(delta); err != nil {
			return err
		}
		setTreeNode(kv, op, p, v)
	}
	return nil
}

// addLot records newShares bought by d at the current block as a lot (or
// joins its newest lot of the same block). The caller settles rewards
// first and saves d.
func addLot(ctx state.Ctx, period_s uint64, op account.Address, h lotHead, d *delegation, newShares num.Int) error {
	var err error
	if err := mergeOldLots(ctx.KV, op, h, d, ctx.Time_s, period_s, maxLots-1); err != nil {
		return err
	}
	if n := len(d.Lots); n > 0 {
		last := &d.Lots[n-1]
		if last.Height == ctx.Height && factorOf(h, last.Index).Eq(num.WAD()) {
			if last.Raw, err = last.Raw.Add(newShares); err != nil {
				return err
			}
			return treeAdjust(ctx.KV, op, h.NextLot, last.Index, newShares, false)
		}
	}
	l := lot{Index: h.NextLot, Height: ctx.Height, Time_s: ctx.Time_s, Raw: newShares}
	if err := treeAppend(ctx.KV, op, l.Index, l.Raw); err != nil {
		return err
	}
	d.Lots = append(d.Lots, l)
	h.NextLot++
	saveLotHead(ctx.KV, op, h)
	return nil
}

// mergeOldLots moves into d's base the lots older than the unbonding period
// and, oldest first, as many more as needed to leave at most keep lots.
func mergeOldLots(kv store.KV, op account.Address, h lotHead, d *delegation, now_s int64, period_s uint64, keep int) error {
	n := 0
	for n < len(d.Lots) && (num.AddTime(d.Lots[n].Time_s, period_s) < now_s || len(d.Lots)-n > keep) {
		l := d.Lots[n]
		d.Shares, _ = d.Shares.Add(lotShares(h, l)) // ≤ validator shares
		if err := treeAdjust(kv, op, h.NextLot, l.Index, l.Raw, true); err != nil {
			return err
		}
		n++
	}
	d.Lots = append(d.Lots[:0], d.Lots[n:]...)
	return nil
}

// burnShares removes x ≤ ownedShares(d) shares from d: newest lots first,
// then the base.
func burnShares(kv store.KV, op account.Address, h lotHead, d *delegation, x num.Int) error {
	for len(d.Lots) > 0 && !x.IsZero() {
		l := &d.Lots[len(d.Lots)-1]
		cur := lotShares(h, *l)
		if x.GTE(cur) {
			x, _ = x.Sub(cur)
			if err := treeAdjust(kv, op, h.NextLot, l.Index, l.Raw, true); err != nil {
				return err
			}
			d.Lots = d.Lots[:len(d.Lots)-1]
			continue
		}
		// rounding: down — the raw left is worth at most cur − x shares (lotShares rounds up).
		left, err := cur.SubSat(x).MulDivDown(num.WAD(), factorOf(h, l.Index))
		if err != nil {
			return err
		}
		dr := l.Raw.SubSat(left)
		l.Raw = l.Raw.Min(left)
		if err := treeAdjust(kv, op, h.NextLot, l.Index, dr, true); err != nil {
			return err
		}
		if l.Raw.IsZero() {
			d.Lots = d.Lots[:len(d.Lots)-1]
		}
		x = num.Int{}
	}
	d.Shares = d.Shares.SubSat(x)
	return nil
}

// dropLots removes all of d's lots from the tree (the delegation closes).
func dropLots(kv store.KV, op account.Address, h lotHead, d *delegation) error {
	for _, l := range d.Lots {
		if err := treeAdjust(kv, op, h.NextLot, l.Index, l.Raw, true); err != nil {
			return err
		}
	}
	d.Lots = nil
	return nil
}

// suffixPiece is a run of lot indices [lo, hi) sharing one factor.
type suffixPiece struct {
	lo, hi uint64
	f      num.Int
	raw    num.Int
}

// suffixPieces splits the lots [cut, NextLot) at event boundaries, with
// each piece's factor and Σ raw.
func suffixPieces(r store.Reader, op account.Address, h lotHead, cut uint64) ([]suffixPiece, error) {
	points := []uint64{cut}
	for _, ev := range h.Events {
		for _, x := range []uint64{ev.Cut, ev.Next} {
			if x > cut && x < h.NextLot {
				points = append(points, x)
			}
		}
	}
	sort.Slice(points, func(i, j int) bool { return points[i] < points[j] })
	var out []suffixPiece
	for i, lo := range points {
		if i > 0 && lo == points[i-1] {
			continue
		}
		if n := len(out); n > 0 {
			out[n-1].hi = lo
		}
		out = append(out, suffixPiece{lo: lo, hi: h.NextLot, f: factorOf(h, lo)})
	}
	for i := range out {
		raw, err := rawRange(r, op, out[i].lo, out[i].hi)
		if err != nil {
			return nil, err
		}
		out[i].raw = raw
	}
	return out, nil
}

// piecesRaw is Σ raw × factor over pieces (WAD-scaled), each factor first
// multiplied by g (WAD, rounding: up as factorOf) when g is not zero.
func piecesRaw(pcs []suffixPiece, g num.Int) *big.Int {
	sum := new(big.Int)
	for _, pc := range pcs {
		f := pc.f
		if !g.IsZero() {
			f = mulWadUp(f, g)
		}
		sum.Add(sum, new(big.Int).Mul(pc.raw.Big(), f.Big()))
	}
	return sum
}

// boostG is the exempt multiplier of a wipe: boost, WAD-scaled.
var boostG = num.MustInt("1000000000000000000000000000")

// inexactLots bounds the number of lots whose shares round when the
// factors of pcs are multiplied by g: the covered indices of every piece
// whose new factor × WAD is not a whole multiple (each such lot's share
// count rounds up by less than one).
func inexactLots(pcs []suffixPiece, g num.Int) uint64 {
	var n uint64
	for _, pc := range pcs {
		f := mulWadUp(pc.f, g)
		if new(big.Int).Rem(f.Big(), num.WAD().Big()).Sign() != 0 {
			n += pc.hi - pc.lo
		}
	}
	return n
}

func quoUp(a, b *big.Int) *big.Int {
	q, m := new(big.Int).QuoRem(a, b, new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return q
}

// exemptSlash is the part of slash() that spares the lots created after
// the infraction: it burns at most want from v's old stake (everything but
// the lots [cut, NextLot)) and appends an event so that those lots keep
// their value. It returns the amount burned from v's tokens. With no such
// lots it is min(want, tokens), as before.
//
// With S shares, T tokens, exempt shares E (exact: Σ raw × F / WAD over the
// suffix) and old shares O = S − E, burning X ≤ value of O leaves the old
// holders O × (T − X)/S′ and the exempt ones E × G × (T − X)/S′ where the
// new total is S′ = boost·O + E·G. Keeping the exempt value, E·G·(T−X)/S′
// = E·T/S, gives G = boost × T·O / (T·O − X·S): the old stake then keeps
// exactly (1 − X/(value of O)) of its value. In integers: S′ is boost·S −
// floor(boost·E) + ceil(Σ raw × F × G / WAD²) + the number of lot indices
// whose shares round (so S′ ≥ what delegations own, each lot rounding up),
// and G is rounded up with the covered lot indices counted in, so every
// exempt lot keeps at least its value (rounding: in favour of the stake
// the SPEC exempts; it costs the old holders a fraction of a base unit,
// so their value, rounded down, can show one unit less than exact). When X
// is the whole old value (value rounded down), the event is a wipe (see
// above). When X is less but G/boost would exceed gMax, G is capped and
// the burn kept: the exempt lots then give up at most a 1/gMax part of
// their value to the burn.
func exemptSlash(kv store.KV, v *Validator, cut uint64, want num.Int) (num.Int, error) {
	op := v.Operator
	h, err := loadLotHead(kv, op)
	if err != nil {
		return num.Int{}, err
	}
	if cut >= h.NextLot || len(h.Events) >= maxLotEvents || v.DelegatorShares.IsZero() || v.Tokens.IsZero() {
		return want.Min(v.Tokens), nil
	}
	pcs, err := suffixPieces(kv, op, h, cut)
	if err != nil {
		return num.Int{}, err
	}
	W, K := num.WAD().Big(), boost.Big()
	S, T := v.DelegatorShares.Big(), v.Tokens.Big()
	eW := piecesRaw(pcs, num.Int{}) // E × WAD
	if eW.Sign() == 0 {
		return want.Min(v.Tokens), nil
	}
	eK := new(big.Int).Mul(eW, K)
	oHi := new(big.Int).Sub(new(big.Int).Mul(K, S), new(big.Int).Quo(eK, W)) // ≥ boost·O
	oLo := new(big.Int).Sub(new(big.Int).Mul(K, S), quoUp(eK, W))            // ≤ boost·O
	if oLo.Sign() <= 0 {
		return num.Int{}, nil // nothing old left to slash
	}
	TOK := new(big.Int).Mul(T, oLo) // ≤ boost·T·O
	KS := new(big.Int).Mul(K, S)
	// rounding: down — the old stake's value; the burn never exceeds it.
	X := new(big.Int).Quo(TOK, KS)
	if w := want.Big(); w.Cmp(X) < 0 {
		X = w
	}
	if X.Sign() == 0 {
		return num.Int{}, nil
	}
	inexact := inexactLots(pcs, boostG)
	var G num.Int
	var wipe bool
	if X.Cmp(new(big.Int).Quo(TOK, KS)) == 0 {
		// The old stake is burned entirely: its shares become worthless
		// and the exempt lots are only boosted (exactly, unless an earlier
		// event left them fractional factors), so they keep their value.
		G, wipe = boostG, true
	} else {
		extra := new(big.Int).SetUint64(h.NextLot - cut + 1)  // ≥ inexact lots under any G, plus one
		den := new(big.Int).Sub(TOK, new(big.Int).Mul(X, KS)) // > 0: X < old value
		numer := new(big.Int).Mul(new(big.Int).Mul(W, K), new(big.Int).Mul(T, new(big.Int).Add(oHi, extra)))
		g := quoUp(numer, den)
		if capG := new(big.Int).Mul(gMax.Big(), K); g.Cmp(capG) > 0 {
			// Nearly all the old value is burned: G is capped, so the
			// exempt lots give up at most a 1/gMax part of their value
			// (rounding: in the protocol's favour — the burn stays exact).
			g = capG
		}
		if G, err = num.FromBig(g); err != nil {
			return want.Min(v.Tokens), nil // unreachable: G ≤ gMax·boost
		}
		inexact = inexactLots(pcs, G)
	}
	e2 := quoUp(piecesRaw(pcs, G), W)
	S2 := new(big.Int).Add(e2, new(big.Int).SetUint64(inexact))
	if !wipe {
		S2.Add(S2, oHi)
	}
	shares, err := num.FromBig(S2)
	if err != nil {
		return want.Min(v.Tokens), nil // shares would overflow: spare nothing rather than halt
	}
	burn, _ := num.FromBig(X) // X ≤ tokens
	rw, err := loadReward(kv, op)
	if err != nil {
		return num.Int{}, err
	}
	h.Events = append(h.Events, lotEvent{Cut: cut, Next: h.NextLot, G: G, Acc: rw.Acc, Wipe: wipe})
	saveLotHead(kv, op, h)
	v.DelegatorShares = shares
	return burn, nil
}
