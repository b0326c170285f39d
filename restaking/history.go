package restaking

import (
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Time series. A series is a key prefix followed by a big-endian uint64
// (a height or a block time); each entry holds the value after the changes
// of that height or time (later writes in the same block overwrite it). The
// value at t is the last entry at or before t: one reverse seek, O(log n)
// in the store, whatever the length of the series.
//
// Series kept (keys.go):
//   - cumulative scaled shares queued for withdrawal per (operator, asset),
//     by time: the shares queued in a window are a difference of two reads;
//   - maxMagnitude per (operator, asset), by time: withdrawals are paid at
//     the magnitude in force just before start + withdrawal_delay;
//   - vault checkpoints per (operator, asset) and allocation magnitudes per
//     (service, operator, asset), by height: the stake history services read;
//   - membership per (service, operator) and asset values, by height;
//   - each service's declared terms (pfc, threshold), by height, so that
//     the network at a past height is judged by the terms then declared.

func seriesKey(series []byte, t uint64) []byte { return state.Key(series, state.U64(t)) }

// lastEntry is the value of the last entry of series with position < end.
func lastEntry(r store.Reader, series []byte, end uint64) ([]byte, bool) {
	var out []byte
	found := false
	r.Iterate(series, seriesKey(series, end), true, func(k, v []byte) bool {
		if len(k) == len(series)+8 {
			out, found = v, true
		}
		return false
	})
	return out, found
}

// atOrBefore is the value at position t (the last entry ≤ t).
func atOrBefore(r store.Reader, series []byte, t uint64) ([]byte, bool) {
	if t == ^uint64(0) {
		return lastEntry(r, series, t) // the last possible position is never written
	}
	return lastEntry(r, series, t+1)
}

func readInt(bz []byte, what string) (num.Int, error) {
	v, err := num.IntFromBytes(bz)
	if err != nil {
		return v, fmt.Errorf("%w: %s: %v", state.ErrCorrupt, what, err)
	}
	return v, nil
}

func timePos(t int64) uint64 { return uint64(max(t, 0)) }

// The queue series of (op, asset) is keyed by due time: entry D holds Σ
// scaled shares of every withdrawal due at or before D. Due times never
// decrease (queueDue), so a withdrawal only ever appends to the series or
// adds to its last entry, and the shares still slashable at t — those of
// withdrawals due after t — are total − queuedDueBy(t): two seeks, whatever
// withdrawal_delay was when each was queued.

// queuedDueBy is Σ scaled shares of (op, asset)'s withdrawals due at or before t.
func queuedDueBy(r store.Reader, op account.Address, asset string, t int64) (num.Int, error) {
	if t < 0 {
		return num.Int{}, nil
	}
	bz, ok := atOrBefore(r, vaultSeries(prefixCumQueued, op, asset), uint64(t))
	if !ok {
		return num.Int{}, nil
	}
	return readInt(bz, "queued shares")
}

// lastDue is the due time of (op, asset)'s latest withdrawal and the series total.
func lastDue(r store.Reader, op account.Address, asset string) (int64, num.Int, error) {
	series := vaultSeries(prefixCumQueued, op, asset)
	var due int64
	var bz []byte
	r.Iterate(series, store.PrefixEnd(series), true, func(k, v []byte) bool {
		if len(k) == len(series)+8 {
			t, _ := state.ReadU64(k[len(series):])
			due, bz = int64(t), v
		}
		return false
	})
	if bz == nil {
		return 0, num.Int{}, nil
	}
	total, err := readInt(bz, "queued shares")
	return due, total, err
}

// queueDue is when a withdrawal queued now completes: now + delay, but not
// before the latest one of the vault (FIFO even if withdrawal_delay
// shrinks, so the series above stays ordered).
func queueDue(r store.Reader, op account.Address, asset string, now_s int64, delay_s uint64) (int64, error) {
	last, _, err := lastDue(r, op, asset)
	return max(num.AddTime(now_s, delay_s), last), err
}

func addQueued(ctx state.Ctx, op account.Address, asset string, due int64, scaled num.Int) error {
	_, total, err := lastDue(ctx.KV, op, asset)
	if err != nil {
		return err
	}
	next, err := total.Add(scaled)
	if err != nil {
		return err
	}
	ctx.KV.Set(seriesKey(vaultSeries(prefixCumQueued, op, asset), timePos(due)), next.Bytes())
	return nil
}

// magBefore is (op, asset)'s maxMagnitude just before time t (1 before any slash).
func magBefore(r store.Reader, op account.Address, asset string, t int64) (num.Dec, error) {
	bz, ok := lastEntry(r, vaultSeries(prefixMagHist, op, asset), timePos(t))
	if !ok {
		return num.OneDec(), nil
	}
	v, err := readInt(bz, "magnitude history")
	return num.DecFromRaw(v), err
}

// recordMagSince records that maxMagnitude fell by sm (from before to
// after) as of time since (a slash's request time; now for one executed
// at once): every entry after since, and since itself (the value in force
// then), drops by sm (saturating at 0), as the queue's backing of the
// withdrawals due then dropped by σ · sm. Subtracting keeps the series
// non-increasing and ends it at after. A slash executed after more than
// MaxMagRewrite later changes is recorded as of now (its request's
// withdrawals are then valued without it; their payouts stay capped by
// the queue's backing).
func recordMagSince(ctx state.Ctx, op account.Address, asset string, since int64, before, after num.Dec) error {
	series := vaultSeries(prefixMagHist, op, asset)
	var keys, vals [][]byte
	ctx.KV.Iterate(seriesKey(series, timePos(since)+1), store.PrefixEnd(series), false, func(k, v []byte) bool {
		keys, vals = append(keys, append([]byte(nil), k...)), append(vals, v)
		return len(keys) <= MaxMagRewrite
	})
	if since >= ctx.Time_s || len(keys) > MaxMagRewrite {
		ctx.KV.Set(seriesKey(series, timePos(ctx.Time_s)), after.Raw().Bytes())
		return nil
	}
	sm, _ := before.Sub(after) // after ≤ before
	for i, k := range keys {
		v, err := readInt(vals[i], "magnitude history")
		if err != nil {
			return err
		}
		ctx.KV.Set(k, decSubSat(num.DecFromRaw(v), sm).Raw().Bytes())
	}
	at, err := magBefore(ctx.KV, op, asset, since+1)
	if err != nil {
		return err
	}
	ctx.KV.Set(seriesKey(series, timePos(since)), decSubSat(at, sm).Raw().Bytes())
	return nil
}

// VaultPoint is a vault as of some height.
type VaultPoint struct {
	Height int64   `json:"height"`
	Scaled num.Int `json:"scaled"`
	MaxMag num.Dec `json:"max_magnitude"`
	Units  num.Int `json:"units"`
	Tokens num.Int `json:"tokens"`
}

const pointVersion = 1

func (p *VaultPoint) MarshalRecord() []byte {
	w := state.NewWriter(pointVersion, 100)
	w.Int(p.Scaled)
	w.Dec(p.MaxMag)
	w.Int(p.Units)
	w.Int(p.Tokens)
	return w.Out()
}

func (p *VaultPoint) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, pointVersion)
	p.Scaled, p.MaxMag, p.Units, p.Tokens = r.Int(), r.Dec(), r.Int(), r.Int()
	return r.Done()
}

func writeVaultCheckpoint(ctx state.Ctx, vv vaultView) {
	pt := VaultPoint{Scaled: vv.v.Scaled, MaxMag: vv.v.MaxMag, Units: vv.v.Units, Tokens: vv.tokens}
	state.Put(ctx.KV, seriesKey(vaultSeries(prefixVaultHist, vv.op, vv.asset.Denom), timePos(ctx.Height)), &pt)
}

// vaultAt is the vault of (op, asset) at the end of block h (found false:
// none existed yet).
func vaultAt(r store.Reader, op account.Address, asset string, h int64) (VaultPoint, bool, error) {
	var pt VaultPoint
	bz, ok := atOrBefore(r, vaultSeries(prefixVaultHist, op, asset), timePos(h))
	if !ok {
		return pt, false, nil
	}
	pt.Height = h
	return pt, true, state.Decode(prefixVaultHist, bz, &pt)
}

func recordAllocMag(ctx state.Ctx, svc string, op account.Address, asset string, mag num.Dec) {
	ctx.KV.Set(seriesKey(allocSeries(svc, op, asset), timePos(ctx.Height)), mag.Raw().Bytes())
}

// allocMagAt is the magnitude in force for (svc, op, asset) at the end of block h.
func allocMagAt(r store.Reader, svc string, op account.Address, asset string, h int64) (num.Dec, error) {
	bz, ok := atOrBefore(r, allocSeries(svc, op, asset), timePos(h))
	if !ok {
		return num.Dec{}, nil
	}
	v, err := readInt(bz, "allocation history")
	return num.DecFromRaw(v), err
}

func recordMember(ctx state.Ctx, svc string, op account.Address, in bool) {
	b := []byte{0}
	if in {
		b[0] = 1
	}
	ctx.KV.Set(seriesKey(memberSeries(svc, op), timePos(ctx.Height)), b)
}

func memberAt(r store.Reader, svc string, op account.Address, h int64) bool {
	bz, ok := atOrBefore(r, memberSeries(svc, op), timePos(h))
	return ok && len(bz) == 1 && bz[0] == 1
}

func valueSeries(denom string) []byte { return state.Key(prefixValueHist, lp(denom)) }

func recordValue(ctx state.Ctx, denom string, v num.Dec) {
	ctx.KV.Set(seriesKey(valueSeries(denom), timePos(ctx.Height)), v.Raw().Bytes())
}

// valueAt is an asset's recorded value in native units at the end of block
// h (the native denom is always 1).
func valueAt(r store.Reader, a Asset, h int64) (num.Dec, error) {
	if a.Kind == KindNative {
		return num.OneDec(), nil
	}
	bz, ok := atOrBefore(r, valueSeries(a.Denom), timePos(h))
	if !ok {
		return num.Dec{}, nil
	}
	v, err := readInt(bz, "asset value history")
	return num.DecFromRaw(v), err
}

// ServiceTerms are the declarations the risk engine reads: profit from
// corruption (native units) and corruption threshold.
type ServiceTerms struct {
	PfC       num.Int
	Threshold num.Dec
}

const termsVersion = 1

func (t *ServiceTerms) MarshalRecord() []byte {
	w := state.NewWriter(termsVersion, 48)
	w.Int(t.PfC)
	w.Int(t.Threshold.Raw())
	return w.Out()
}

func (t *ServiceTerms) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, termsVersion)
	t.PfC, t.Threshold = r.Int(), r.Dec()
	return r.Done()
}

func termsSeries(svc string) []byte { return state.Key(prefixTermsHist, lp(svc)) }

// recordTerms writes s's terms as of this block (on registration and on
// every update; a later write in the same block overwrites).
func recordTerms(ctx state.Ctx, s *Service) {
	state.Put(ctx.KV, seriesKey(termsSeries(s.Name), timePos(ctx.Height)), &ServiceTerms{PfC: s.PfC, Threshold: s.Threshold})
}

// termsAt is svc's terms at the end of block h (found false: the service
// was not registered yet).
func termsAt(r store.Reader, svc string, h int64) (ServiceTerms, bool, error) {
	var t ServiceTerms
	bz, ok := atOrBefore(r, termsSeries(svc), timePos(h))
	if !ok {
		return t, false, nil
	}
	return t, true, state.Decode(prefixTermsHist, bz, &t)
}
