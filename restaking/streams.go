package restaking

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/rewards"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Service reward streams (SPEC §7; the arithmetic is package rewards).
// A stream is one (service, denom): every program of that service in that
// denom feeds it. Three levels of accumulators, none iterating holders:
//
//  1. serviceAcc per (service, asset, denom): each block's emission share
//     of the asset spread over U, the sum of the operators' weights.
//  2. allocStream per (operator, asset, service, denom): the operator
//     collects weight × the rise of (1) since its snapshot, keeps its
//     commission and spreads the rest over its vault's Σσ (its stakers'
//     accumulator). This "pull" runs before a weight or Σσ changes.
//  3. posStream per (staker, operator, asset, service, denom): a position
//     collects σ × the rise of (2) before its σ changes and on claims.
//
// Levels 2 and 3 are stored one record per vault (streamSet: all its
// allocStreams) and one per position (posStreams: all its posStreams), so
// that pulling a vault and settling a position read and write one record
// each, whatever the number of streams.
//
// An operator's weight in a service and asset is the asset amount of its
// effective allocated stake, toTokens(active · min(m, maxMag) / maxMag)
// (rounding: down), stored so that U is an exact sum; it is recomputed
// whenever the vault or the allocation changes (reweigh) and asserted
// against a fresh computation by the invariants. Queued withdrawals are
// outside active stake and Σσ, so they earn nothing.
//
// Every division carries its remainder (rewards.Spread / Collect), so the
// streams account for each 1e-36 of a base unit: the invariants check, per
// stream, that what programs credited equals, exactly, what was paid,
// what is pending at every level and every carried remainder.

type serviceAcc struct {
	Acc num.Int // reward per unit of weight, ×1e36
	Rem num.Int // carried remainder, 1e-36 base units
	// Two samples of Acc for the yield view: the older one is at least
	// yieldWindowBlocks old once the stream has run that long.
	Acc0, Acc1 num.Int
	H0, H1     int64
	T0, T1     int64
}

// allocStream is one vault's state in one stream.
type allocStream struct {
	Snap       num.Int // serviceAcc.Acc when last collected
	OpRem      num.Int // carried remainder of the collection, 1e-36 base units
	Acc        num.Int // stakers' reward per scaled share, ×1e36
	Rem        num.Int // carried remainder of the stakers' spread, 1e-36 base units
	Commission num.Int // operator's take, unclaimed
}

// posStream is one position's state in one stream of its vault.
type posStream struct {
	Snap    num.Int // allocStream.Acc when last settled
	Rem     num.Int // carried remainder, 1e-36 base units
	Accrued num.Int // settled and unclaimed
}

// vaultStream is a vault's allocStream in stream (svc, denom).
type vaultStream struct {
	svc, denom string
	allocStream
}

// streamSet is every stream a vault (operator, asset) has ever had, in
// stream order (streamCmp), at most MaxStreamsPerVault, stored as one
// record: a pull, a settlement and a claim read and write it once per
// vault, not once per stream. Streams are never removed.
type streamSet struct {
	list []vaultStream
	key  []byte // where it is stored, once known (not encoded)
}

// posStreamEntry is a position's posStream in stream (svc, denom).
type posStreamEntry struct {
	svc, denom string
	posStream
}

// posStreams is every stream state of one position (staker, operator,
// asset), in stream order, one record per position. A stream without an
// entry has snapshot, remainder and accrual 0 (entries that are all zero
// are not stored).
type posStreams struct{ list []posStreamEntry }

const serviceAccVersion, streamSetVersion, posStreamsVersion = 1, 1, 1

func (s *serviceAcc) MarshalRecord() []byte {
	w := state.NewWriter(serviceAccVersion, 96)
	for _, x := range []num.Int{s.Acc, s.Rem, s.Acc0, s.Acc1} {
		w.Int(x)
	}
	for _, x := range []int64{s.H0, s.H1, s.T0, s.T1} {
		w.Varint(x)
	}
	return w.Out()
}

func (s *serviceAcc) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, serviceAccVersion)
	s.Acc, s.Rem, s.Acc0, s.Acc1 = r.Int(), r.Int(), r.Int(), r.Int()
	s.H0, s.H1, s.T0, s.T1 = r.Varint(), r.Varint(), r.Varint(), r.Varint()
	return r.Done()
}

// streamCmp orders streams as their old per-stream keys lp(svc) ‖ denom
// sorted: by the service name's length, the name, then the denom.
func streamCmp(svcA, denomA, svcB, denomB string) int {
	if len(svcA) != len(svcB) {
		return cmp.Compare(len(svcA), len(svcB))
	}
	if c := strings.Compare(svcA, svcB); c != 0 {
		return c
	}
	return strings.Compare(denomA, denomB)
}

// Both stream records are, as state.Writer would write them: version ‖
// uvarint n ‖ n entries, each string(svc) ‖ string(denom) ‖ its amounts
// (minimal big-endian, length prefixed). Decoding is strict: 1 ≤ n ≤
// MaxStreamsPerVault, names of 1 to 255 bytes, entries in strictly
// increasing stream order (no duplicates), no trailing bytes.
const minStreamEntry = 4 + 3 // two names of one byte, three amounts (posStream)

// intSize is the encoded size of x (state.Writer.Int).
func intSize(x num.Int) int { return 1 + (x.BitLen()+7)/8 }

func nameSize(svc, denom string) int { return 2 + len(svc) + len(denom) }

func appendStreamName(b []byte, svc, denom string) []byte {
	return state.AppendString(state.AppendString(b, svc), denom)
}

// readStreamCount reads n and a capacity bounded by the bytes left.
func readStreamCount(r *state.Reader, size int) (n, capacity int, err error) {
	u := r.Uvarint()
	if err := r.Err(); err != nil {
		return 0, 0, err
	}
	if u == 0 || u > MaxStreamsPerVault {
		return 0, 0, fmt.Errorf("%w: %d streams in a stream record", state.ErrCorrupt, u)
	}
	return int(u), min(int(u), size/minStreamEntry+1), nil
}

// readStreamName reads an entry's names (strings from pool when it has
// them), checking them and their order after the previous entry's
// (first: no previous).
func readStreamName(r *state.Reader, pool *names, first bool, prevSvc, prevDenom string) (string, string, error) {
	svcB, denomB := r.View(), r.View()
	if err := checkStreamName(r, svcB, denomB); err != nil {
		return "", "", err
	}
	svc, denom := pool.get(svcB), pool.get(denomB)
	if !first && streamCmp(prevSvc, prevDenom, svc, denom) >= 0 {
		return "", "", fmt.Errorf("%w: stream %q/%q out of order or repeated", state.ErrCorrupt, svc, denom)
	}
	return svc, denom, nil
}

func checkStreamName(r *state.Reader, svc, denom []byte) error {
	if err := r.Err(); err != nil {
		return err
	}
	if len(svc) == 0 || len(svc) > 255 || len(denom) == 0 || len(denom) > 255 {
		return fmt.Errorf("%w: stream name %q/%q", state.ErrCorrupt, svc, denom)
	}
	return nil
}

// streamCmpView is streamCmp against names read in place.
func streamCmpView(svc, denom string, svcB, denomB []byte) int {
	switch {
	case len(svc) != len(svcB):
		return cmp.Compare(len(svc), len(svcB))
	case svc != string(svcB):
		if svc < string(svcB) {
			return -1
		}
		return 1
	case denom == string(denomB):
		return 0
	case denom < string(denomB):
		return -1
	}
	return 1
}

// names interns the service and denom names decoded within one
// operation, so that reading a vault's stream record allocates no string
// for a name met before. Small: beyond maxNames, names are allocated.
type names struct{ list []string }

const maxNames = 32

func (n *names) get(b []byte) string {
	if n == nil {
		return string(b)
	}
	for _, s := range n.list {
		if s == string(b) {
			return s
		}
	}
	s := string(b)
	if n.list == nil {
		n.list = make([]string, 0, 16)
	}
	if len(n.list) < maxNames {
		n.list = append(n.list, s)
	}
	return s
}

func (s *streamSet) MarshalRecord() []byte {
	size := 4
	for i := range s.list {
		e := &s.list[i]
		size += nameSize(e.svc, e.denom) + intSize(e.Snap) + intSize(e.OpRem) + intSize(e.Acc) + intSize(e.Rem) + intSize(e.Commission)
	}
	b := state.AppendUvarint(append(make([]byte, 0, size), streamSetVersion), uint64(len(s.list)))
	for i := range s.list {
		e := &s.list[i]
		b = appendStreamName(b, e.svc, e.denom)
		b = state.AppendInt(b, e.Snap)
		b = state.AppendInt(b, e.OpRem)
		b = state.AppendInt(b, e.Acc)
		b = state.AppendInt(b, e.Rem)
		b = state.AppendInt(b, e.Commission)
	}
	return b
}

func (s *streamSet) UnmarshalRecord(b []byte) error { return s.decode(b, nil, nil) }

// decode is UnmarshalRecord taking names from pool and reusing into's
// memory for the list (both may be nil).
func (s *streamSet) decode(b []byte, pool *names, into []vaultStream) error {
	r := state.NewReader(b, streamSetVersion)
	n, capacity, err := readStreamCount(r, len(b))
	if err != nil {
		return err
	}
	if cap(into) >= capacity {
		s.list = into[:0]
	} else {
		s.list = make([]vaultStream, 0, capacity)
	}
	var prevSvc, prevDenom string
	for i := 0; i < n; i++ {
		var e vaultStream
		if e.svc, e.denom, err = readStreamName(r, pool, i == 0, prevSvc, prevDenom); err != nil {
			return err
		}
		prevSvc, prevDenom = e.svc, e.denom
		e.Snap, e.OpRem, e.Acc, e.Rem, e.Commission = r.Int(), r.Int(), r.Int(), r.Int(), r.Int()
		if err := r.Err(); err != nil {
			return err
		}
		s.list = append(s.list, e)
	}
	return r.Done()
}

func (p *posStreams) MarshalRecord() []byte {
	size := 4
	for i := range p.list {
		e := &p.list[i]
		size += nameSize(e.svc, e.denom) + intSize(e.Snap) + intSize(e.Rem) + intSize(e.Accrued)
	}
	b := state.AppendUvarint(append(make([]byte, 0, size), posStreamsVersion), uint64(len(p.list)))
	for i := range p.list {
		e := &p.list[i]
		b = appendStreamName(b, e.svc, e.denom)
		b = state.AppendInt(b, e.Snap)
		b = state.AppendInt(b, e.Rem)
		b = state.AppendInt(b, e.Accrued)
	}
	return b
}

func (p *posStreams) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, posStreamsVersion)
	n, capacity, err := readStreamCount(r, len(b))
	if err != nil {
		return err
	}
	p.list = make([]posStreamEntry, 0, capacity)
	var prevSvc, prevDenom string
	for i := 0; i < n; i++ {
		var e posStreamEntry
		if e.svc, e.denom, err = readStreamName(r, nil, i == 0, prevSvc, prevDenom); err != nil {
			return err
		}
		prevSvc, prevDenom = e.svc, e.denom
		e.Snap, e.Rem, e.Accrued = r.Int(), r.Int(), r.Int()
		if err := r.Err(); err != nil {
			return err
		}
		if e.posStream.isZero() {
			return fmt.Errorf("%w: empty position stream %q/%q stored", state.ErrCorrupt, e.svc, e.denom)
		}
		p.list = append(p.list, e)
	}
	return r.Done()
}

// decodePosAligned reads a position's stream record (b; nil: none) against
// its vault's streams: entry i of the result is the position's state in
// set.list[i], zero where the record has none. It accepts exactly what
// UnmarshalRecord accepts whose every entry names a stream of set, without
// allocating names.
func decodePosAligned(b []byte, set *streamSet, into []posStreamEntry) ([]posStreamEntry, error) {
	out := into[:0]
	if cap(out) < len(set.list) {
		out = make([]posStreamEntry, 0, len(set.list))
	}
	for i := range set.list {
		out = append(out, posStreamEntry{svc: set.list[i].svc, denom: set.list[i].denom})
	}
	if b == nil {
		return out, nil
	}
	r := state.NewReader(b, posStreamsVersion)
	n, _, err := readStreamCount(r, len(b))
	if err != nil {
		return nil, err
	}
	i := 0 // the next stream of set an entry may name
	for k := 0; k < n; k++ {
		svcB, denomB := r.View(), r.View()
		if err := checkStreamName(r, svcB, denomB); err != nil {
			return nil, err
		}
		c := -1
		for ; i < len(set.list); i++ {
			if c = streamCmpView(set.list[i].svc, set.list[i].denom, svcB, denomB); c >= 0 {
				break
			}
		}
		if c != 0 {
			return nil, fmt.Errorf("%w: position stream %q/%q out of order, repeated or not a stream of its vault", state.ErrCorrupt, svcB, denomB)
		}
		e := &out[i].posStream
		e.Snap, e.Rem, e.Accrued = r.Int(), r.Int(), r.Int()
		if err := r.Err(); err != nil {
			return nil, err
		}
		if e.isZero() {
			return nil, fmt.Errorf("%w: empty position stream %q/%q stored", state.ErrCorrupt, svcB, denomB)
		}
		i++
	}
	return out, r.Done()
}

func (p posStream) isZero() bool { return p.Snap.IsZero() && p.Rem.IsZero() && p.Accrued.IsZero() }

// Keys. Denoms and service names are length-prefixed except when last.
func serviceWeightKey(svc, asset string) []byte {
	return state.Key(prefixSvcWeight, lp(svc), []byte(asset))
}
func serviceAccKey(svc, asset, denom string) []byte {
	return state.Key(prefixSvcAcc, lp(svc), lp(asset), []byte(denom))
}
func streamDenomPrefix(svc string) []byte { return state.Key(prefixStreamDenom, lp(svc)) }
func streamDenomKey(svc, denom string) []byte {
	return state.Key(prefixStreamDenom, lp(svc), []byte(denom))
}
func nativeBasisKey(op account.Address) []byte { return state.Key(prefixNativeBasis, op[:]) }
func weightPrefix(op account.Address, asset string) []byte {
	return state.Key(prefixWeight, op[:], lp(asset))
}
func weightKey(op account.Address, asset, svc string) []byte {
	return state.Key(prefixWeight, op[:], lp(asset), []byte(svc))
}
func streamSetPrefix(op account.Address) []byte { return state.Key(prefixStreamSet, op[:]) }
func streamSetKey(op account.Address, asset string) []byte {
	return state.Key(prefixStreamSet, op[:], lp(asset))
}
func posStreamsKey(staker, op account.Address, asset string) []byte {
	return state.Key(prefixPosStreams, staker[:], op[:], []byte(asset))
}

// streamDenoms lists the denoms a service has ever run programs in.
func streamDenoms(r store.Reader, svc string) ([]string, error) {
	prefix := streamDenomPrefix(svc)
	var out []string
	store.IteratePrefix(r, prefix, false, func(k, _ []byte) bool {
		out = append(out, string(k[len(prefix):]))
		return len(out) < MaxRewardDenomsPerService
	})
	return out, nil
}

// weightOf is the asset amount of an allocation's effective stake.
func weightOf(vv vaultView, mag num.Dec) (num.Int, error) {
	u, err := vv.allocatedUnits(mag) // rounding: down
	if err != nil {
		return u, err
	}
	return vv.toTokens(u) // rounding: down
}

// loadStreamSet reads vault (op, asset)'s streams (none: an empty set),
// with names and memory from pc's scratch when pc is not nil (the set is
// then valid until pc loads another).
func loadStreamSet(r store.Reader, op account.Address, asset string, pc *pullCache) (streamSet, error) {
	key := streamSetKey(op, asset)
	set := streamSet{key: key}
	bz, found := r.Get(key)
	if !found {
		return set, nil
	}
	var pool *names
	var into []vaultStream
	if pc != nil {
		pool, into = &pc.names, pc.setBuf
	}
	if err := set.decode(bz, pool, into); err != nil {
		return set, fmt.Errorf("%w at %q: %v", state.ErrCorrupt, key, err)
	}
	return set, nil
}

func (set *streamSet) save(kv store.KV, op account.Address, asset string) {
	if set.key == nil {
		set.key = streamSetKey(op, asset)
	}
	if len(set.list) == 0 {
		kv.Delete(set.key)
		return
	}
	state.Put(kv, set.key, set)
}

// find is the index of stream (svc, denom), or where it would go.
func (set *streamSet) find(svc, denom string) (int, bool) {
	return slices.BinarySearchFunc(set.list, 0, func(e vaultStream, _ int) int {
		return streamCmp(e.svc, e.denom, svc, denom)
	})
}

// insert adds stream (svc, denom) at index i (from find). The stream
// room check keeps vaults below MaxStreamsPerVault; a set already full is
// corrupt state, never a record that could not be read back.
func (set *streamSet) insert(i int, svc, denom string) error {
	if len(set.list) >= MaxStreamsPerVault {
		return fmt.Errorf("%w: a vault stream record already holds %d streams", state.ErrCorrupt, len(set.list))
	}
	set.list = slices.Insert(set.list, i, vaultStream{svc: svc, denom: denom})
	return nil
}

// pullVault brings every stream of vault vv up to date with its current
// weights and Σσ (run before Σσ changes, and before a weight changes),
// and returns the vault's streams as stored after the pull.
func pullVault(ctx state.Ctx, vv vaultView) (streamSet, error) {
	return (&pullCache{}).pullVault(ctx, vv)
}

// pullCache remembers, within one operation, each service's reward
// denoms, the service accumulators read and the assets loaded (nothing
// writes a service accumulator or an asset during an operation that uses
// the cache).
type pullCache struct {
	svcs   []string
	denoms [][]string
	accs   []cachedAcc
	assets []Asset
	names  names
	// Scratch memory reused from vault to vault.
	key     []byte
	weights []weightEntry
	setBuf  []vaultStream
	posBuf  []posStreamEntry
}

type weightEntry struct {
	svc string
	w   num.Int
}

// cachedAcc is a service accumulator read in this operation.
type cachedAcc struct {
	svc, asset, denom string
	acc               num.Int
}

// maxCachedAccs bounds the accumulator cache; past it, reads go to the
// store (a claim meets at most positions × streams of their vaults).
const maxCachedAccs = 64

func (pc *pullCache) serviceAcc(r store.Reader, svc, asset, denom string) (num.Int, error) {
	for i := range pc.accs {
		if c := &pc.accs[i]; c.svc == svc && c.denom == denom && c.asset == asset {
			return c.acc, nil
		}
	}
	var sa serviceAcc
	if _, err := state.Load(r, serviceAccKey(svc, asset, denom), &sa); err != nil {
		return num.Int{}, err
	}
	if len(pc.accs) < maxCachedAccs {
		pc.accs = append(pc.accs, cachedAcc{svc, asset, denom, sa.Acc})
	}
	return sa.Acc, nil
}

func (pc *pullCache) serviceDenoms(r store.Reader, svc string) ([]string, error) {
	for i, s := range pc.svcs {
		if s == svc {
			return pc.denoms[i], nil
		}
	}
	d, err := streamDenoms(r, svc)
	pc.svcs, pc.denoms = append(pc.svcs, svc), append(pc.denoms, d)
	return d, err
}

// vaultOf is vaultOf with the asset read once per operation.
func (pc *pullCache) vaultOf(r store.Reader, op account.Address, denom string) (vaultView, error) {
	for _, a := range pc.assets {
		if a.Denom == denom {
			return loadVault(r, op, a)
		}
	}
	a, err := loadAsset(r, denom)
	if err != nil {
		return vaultView{op: op}, err
	}
	pc.assets = append(pc.assets, a)
	return loadVault(r, op, a)
}

func (pc *pullCache) pullVault(ctx state.Ctx, vv vaultView) (streamSet, error) {
	set, err := loadStreamSet(ctx.KV, vv.op, vv.asset.Denom, pc)
	if err != nil {
		return set, err
	}
	defer func() { pc.setBuf = set.list[:0] }() // its memory, for the next vault
	var bad error
	list := pc.weights[:0]
	if list == nil {
		list = make([]weightEntry, 0, 8)
	}
	prefix := weightPrefix(vv.op, vv.asset.Denom)
	store.IteratePrefix(ctx.KV, prefix, false, func(k, v []byte) bool {
		w, err := num.IntFromBytes(v)
		if err != nil {
			bad = fmt.Errorf("%w: weight at %q", state.ErrCorrupt, k)
			return false
		}
		list = append(list, weightEntry{pc.names.get(k[len(prefix):]), w})
		return len(list) < MaxAllocationsPerVault
	})
	pc.weights = list
	if bad != nil {
		return set, bad
	}
	changed := false
	for _, e := range list {
		denoms, err := pc.serviceDenoms(ctx.KV, e.svc)
		if err != nil {
			return set, err
		}
		c, err := pc.pullDenoms(ctx, vv, &set, e.svc, e.w, denoms)
		if err != nil {
			return set, err
		}
		changed = changed || c
	}
	if changed {
		set.save(ctx.KV, vv.op, vv.asset.Denom)
	}
	return set, nil
}

// pullAlloc collects what weight w of (vv, svc) earned in each of the
// service's denoms since the last collection (pullDenoms).
func pullAlloc(ctx state.Ctx, vv vaultView, svc string, w num.Int) error {
	denoms, err := streamDenoms(ctx.KV, svc)
	if err != nil || len(denoms) == 0 {
		return err
	}
	set, err := loadStreamSet(ctx.KV, vv.op, vv.asset.Denom, nil)
	if err != nil {
		return err
	}
	changed, err := (&pullCache{}).pullDenoms(ctx, vv, &set, svc, w, denoms)
	if changed && err == nil {
		set.save(ctx.KV, vv.op, vv.asset.Denom)
	}
	return err
}

// pullDenoms collects, per denom, w × the service accumulator's rise,
// takes the commission at the rate in force (changes are applied by
// BeginBlock when due, after a pull at the old rate) and spreads the rest
// over the vault's Σσ. A stream met for the first time is added to the
// set with its snapshot at the accumulator. changed: set was modified.
func (pc *pullCache) pullDenoms(ctx state.Ctx, vv vaultView, set *streamSet, svc string, w num.Int, denoms []string) (changed bool, err error) {
	var rate num.Dec
	haveRate := false
	for _, d := range denoms {
		acc, err := pc.serviceAcc(ctx.KV, svc, vv.asset.Denom, d)
		if err != nil {
			return changed, err
		}
		i, found := set.find(svc, d)
		if !found {
			if err := set.insert(i, svc, d); err != nil {
				return changed, err
			}
			changed = true
		}
		as := &set.list[i].allocStream
		delta, err := rewards.Since(acc, as.Snap)
		if err != nil {
			return changed, fmt.Errorf("%w: %v", state.ErrCorrupt, err)
		}
		if delta.IsZero() {
			continue
		}
		if !haveRate {
			if rate, err = pc.commissionInForce(ctx.KV, vv.op, svc); err != nil {
				return changed, err
			}
			haveRate = true
		}
		owed, rem, err := rewards.Collect(w, delta, as.OpRem) // rounding: down, remainder carried
		if err != nil {
			return changed, err
		}
		as.Snap, as.OpRem = acc, rem
		if err := creditVault(as, owed, rate, vv.v.Scaled); err != nil {
			return changed, err
		}
		changed = true
	}
	return changed, nil
}

// creditVault splits an operator's collection into its commission and its
// stakers' accumulator. A vault without shares cannot carry weight; should
// it ever, the operator keeps all (nothing is left unowned).
func creditVault(as *allocStream, owed num.Int, rate num.Dec, scaled num.Int) error {
	comm, rest, err := rewards.Commission(owed, rate) // rounding: down for the operator
	if err != nil {
		return err
	}
	if scaled.IsZero() {
		comm, rest = owed, num.Int{}
	}
	if as.Commission, err = as.Commission.Add(comm); err != nil {
		return err
	}
	if scaled.IsZero() || (rest.IsZero() && as.Rem.LT(scaled)) {
		return nil
	}
	inc, rem, err := rewards.Spread(rest, scaled, as.Rem) // rounding: down, remainder carried
	var acc num.Int
	if err == nil {
		acc, err = as.Acc.Add(inc)
	}
	if errors.Is(err, num.ErrOverflow) {
		// The stakers' accumulator is at the end of its range (over 1e59
		// base units spread through one vault stream): the operator holds
		// the rest rather than a block failing.
		as.Commission, err = as.Commission.Add(rest)
		return err
	}
	as.Acc, as.Rem = acc, rem
	return err
}

// ensureCommission writes op's default commission for svc as its own
// record, so that collections read one small binary record.
func ensureCommission(kv store.KV, op account.Address, svc string) error {
	if _, found := kv.Get(commissionKey(op, svc)); found {
		return nil
	}
	o, found, err := loadRecord[Operator](kv, operatorKey(op))
	if err != nil || !found {
		return err
	}
	state.Put(kv, commissionKey(op, svc), &Commission{Rate: o.Commission})
	return nil
}

// commissionInForce is the rate a pull applies: the stored rate, which
// BeginBlock replaces by a pending one only after pulling at the old rate.
func commissionInForce(r store.Reader, op account.Address, svc string) (num.Dec, error) {
	return (&pullCache{}).commissionInForce(r, op, svc)
}

// commissionInForce builds the key in pc's scratch memory (Get keeps no key).
func (pc *pullCache) commissionInForce(r store.Reader, op account.Address, svc string) (num.Dec, error) {
	key := appendCommissionKey(pc.key[:0], op, svc)
	pc.key = key
	if bz, found := r.Get(key); found {
		var c Commission
		if err := c.UnmarshalRecord(bz); err != nil {
			return num.Dec{}, fmt.Errorf("%w at %q: %v", state.ErrCorrupt, key, err)
		}
		return c.Rate, nil
	}
	o, found, err := loadRecord[Operator](r, operatorKey(op))
	if err != nil || !found {
		return num.Dec{}, err
	}
	return o.Commission, nil
}

// reweigh recomputes the weights of every allocation of vault vv after it
// changed (shares, magnitude, native factor or an allocation), pulling
// each stream at its old weight first. O(allocations of the vault ×
// the services' reward denoms).
func reweigh(ctx state.Ctx, vv vaultView) error {
	if !vv.pulled {
		if _, err := pullVault(ctx, vv); err != nil {
			return err
		}
	}
	if vv.asset.Kind == KindNative {
		// The native factor moves by rounding whenever anyone delegates to
		// or undelegates from the validator: weights follow the delegation
		// as of this reweigh (its basis), not every such rounding.
		state.PutAmount(ctx.KV, nativeBasisKey(vv.op), vv.tokens)
	}
	svcs, err := weightedServices(ctx.KV, vv)
	if err != nil {
		return err
	}
	for _, svc := range svcs {
		if err := setWeight(ctx, vv, svc); err != nil {
			return err
		}
	}
	return nil
}

// weightedServices lists the services vv has an allocation or a weight
// with (a weight may outlive its deleted allocation until reweighed).
func weightedServices(r store.Reader, vv vaultView) ([]string, error) {
	var out []string
	prefix := weightPrefix(vv.op, vv.asset.Denom)
	store.IteratePrefix(r, prefix, false, func(k, _ []byte) bool {
		out = append(out, string(k[len(prefix):]))
		return len(out) < MaxAllocationsPerVault
	})
	aprefix := allocPrefix(vv.op, vv.asset.Denom)
	var bad error
	store.IteratePrefix(r, aprefix, false, func(k, _ []byte) bool {
		svc := string(k[len(aprefix):])
		if _, has := r.Get(weightKey(vv.op, vv.asset.Denom, svc)); !has {
			out = append(out, svc)
		}
		if len(out) > 2*MaxAllocationsPerVault {
			bad = fmt.Errorf("%w: vault %s/%s has more than %d allocations", state.ErrCorrupt, vv.op, vv.asset.Denom, MaxAllocationsPerVault)
			return false
		}
		return true
	})
	return out, bad
}

// setWeight stores the allocation's weight and moves the service total.
// A weight starting from zero first moves its snapshots up to the
// accumulators (it earned nothing while it was zero).
func setWeight(ctx state.Ctx, vv vaultView, svc string) error {
	kv := ctx.KV
	al, _, err := loadAlloc(kv, vv.op, vv.asset.Denom, svc)
	if err != nil {
		return err
	}
	next, err := weightOf(vv, al.Mag)
	if err != nil {
		return err
	}
	key := weightKey(vv.op, vv.asset.Denom, svc)
	prev, err := state.LoadAmount(kv, key)
	if err != nil || prev.Eq(next) {
		return err
	}
	if prev.IsZero() {
		if err := pullAlloc(ctx, vv, svc, num.Int{}); err != nil {
			return err
		}
		if err := ensureCommission(kv, vv.op, svc); err != nil {
			return err
		}
	}
	if next.IsZero() {
		kv.Delete(key)
	} else {
		state.PutAmount(kv, key, next)
	}
	tk := serviceWeightKey(svc, vv.asset.Denom)
	total, err := state.LoadAmount(kv, tk)
	if err != nil {
		return err
	}
	if total, err = total.Sub(prev); err != nil {
		return fmt.Errorf("%w: weight of %s in %s/%s exceeds the service total", state.ErrCorrupt, vv.op, svc, vv.asset.Denom)
	}
	if total, err = total.Add(next); err != nil {
		return err
	}
	if total.IsZero() {
		kv.Delete(tk)
	} else {
		state.PutAmount(kv, tk, total)
	}
	return nil
}

// settlePosition collects a position's accrual in every stream of its
// vault (set, as pulled) at σ = scaled, before σ changes.
func settlePosition(kv store.KV, staker account.Address, vv vaultView, set *streamSet, scaled num.Int) error {
	ps, ref, err := settleStreams(kv, staker, vv, set, scaled, nil)
	if err != nil {
		return err
	}
	savePosStreams(kv, ref, ps)
	return nil
}

// settleStreams is the position's state in each stream of set (index for
// index) collected up to the vault streams' accumulators (not written:
// callers decide). A stored entry naming no stream of the vault is
// corrupt state.
func settleStreams(kv store.KV, staker account.Address, vv vaultView, set *streamSet, scaled num.Int, pc *pullCache) ([]posStreamEntry, posRef, error) {
	key := posStreamsKey(staker, vv.op, vv.asset.Denom)
	bz, found := kv.Get(key) // nil when missing (store.Reader)
	ref := posRef{key: key, found: found}
	var into []posStreamEntry
	if pc != nil {
		into = pc.posBuf
	}
	out, err := decodePosAligned(bz, set, into)
	if pc != nil && out != nil {
		pc.posBuf = out[:0]
	}
	if err != nil {
		return nil, ref, fmt.Errorf("%w at %q: %v", state.ErrCorrupt, key, err)
	}
	for i := range out {
		if err := settleStream(&out[i].posStream, set.list[i].Acc, scaled); err != nil {
			return nil, ref, err
		}
	}
	return out, ref, nil
}

// settleStream collects σ = scaled × the rise of the vault stream's
// accumulator acc since the position's snapshot.
func settleStream(ps *posStream, acc, scaled num.Int) error {
	delta, err := rewards.Since(acc, ps.Snap)
	if err != nil || delta.IsZero() {
		if err != nil {
			err = fmt.Errorf("%w: %v", state.ErrCorrupt, err)
		}
		return err
	}
	owed, rem, err := rewards.Collect(scaled, delta, ps.Rem) // rounding: down, remainder carried
	if err != nil {
		return err
	}
	if ps.Accrued, err = ps.Accrued.Add(owed); err != nil {
		return err
	}
	ps.Snap, ps.Rem = acc, rem
	return nil
}

// posRef is where a position's stream record is stored and whether it was.
type posRef struct {
	key   []byte
	found bool
}

// drop deletes the record if there was one (nothing to write otherwise).
func (ref posRef) drop(kv store.KV) {
	if ref.found {
		kv.Delete(ref.key)
	}
}

// savePosStreams stores a position's stream states, leaving out those
// that are all zero (the same as absent); none left deletes the record.
func savePosStreams(kv store.KV, ref posRef, list []posStreamEntry) {
	kept := list[:0]
	for _, e := range list {
		if !e.posStream.isZero() {
			kept = append(kept, e)
		}
	}
	if len(kept) == 0 {
		ref.drop(kv)
		return
	}
	state.Put(kv, ref.key, &posStreams{list: kept})
}

// splitLP splits a length-prefixed string off the front of b.
func splitLP(b []byte) (first, rest string, ok bool) {
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return "", "", false
	}
	n := int(b[0])
	return string(b[1 : 1+n]), string(b[1+n:]), true
}

// beforeSharesChange brings the vault's rewards (native pass-through and
// every service stream) up to date and settles the staker's position at
// its current σ, ahead of a deposit or withdrawal that changes σ.
func beforeSharesChange(ctx state.Ctx, p params.Params, vv vaultView, staker account.Address, posScaled num.Int) error {
	if vv.asset.Kind == KindNative {
		if err := beforeNativeChange(ctx, p, vv, staker, posScaled); err != nil {
			return err
		}
	}
	set, err := pullVault(ctx, vv)
	if err != nil {
		return err
	}
	return settlePosition(ctx.KV, staker, vv, &set, posScaled)
}

// checkStreamRoom refuses a new allocation once a vault has had reward
// streams with MaxStreamServices services: with at most
// MaxAllocationsPerVault live allocations adding denoms afterwards, a
// vault never holds more than MaxStreamsPerVault streams, which bounds
// every deposit, withdrawal and claim.
func checkStreamRoom(r store.Reader, op account.Address, asset string) error {
	set, err := loadStreamSet(r, op, asset, nil)
	if err != nil {
		return err
	}
	if n, limit := len(set.list), MaxStreamServices*MaxRewardDenomsPerService; n >= limit {
		return state.Reject("too-many-reward-streams", "operator %s's %s vault has %d reward streams (new allocations stop at %d)", op, asset, n, limit)
	}
	return nil
}
