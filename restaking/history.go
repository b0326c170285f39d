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
//   - membership per (service, operator) and asset values, by height.

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

// cumQueued is Σ scaled shares ever queued from (op, asset) at or before time t.
func cumQueued(r store.Reader, op account.Address, asset string, t int64) (num.Int, error) {
	if t < 0 {
		return num.Int{}, nil
	}
	bz, ok := atOrBefore(r, vaultSeries(prefixCumQueued, op, asset), uint64(t))
	if !ok {
		return num.Int{}, nil
	}
	return readInt(bz, "queued shares")
}

func addQueued(ctx state.Ctx, op account.Address, asset string, scaled num.Int) error {
	cur, err := cumQueued(ctx.KV, op, asset, ctx.Time_s)
	if err != nil {
		return err
	}
	next, err := cur.Add(scaled)
	if err != nil {
		return err
	}
	ctx.KV.Set(seriesKey(vaultSeries(prefixCumQueued, op, asset), timePos(ctx.Time_s)), next.Bytes())
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

func recordMag(ctx state.Ctx, op account.Address, asset string, mag num.Dec) {
	ctx.KV.Set(seriesKey(vaultSeries(prefixMagHist, op, asset), timePos(ctx.Time_s)), mag.Raw().Bytes())
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

func writeVaultCheckpoint(ctx state.Ctx, vv vaultView) error {
	pt := VaultPoint{Scaled: vv.v.Scaled, MaxMag: vv.v.MaxMag, Units: vv.v.Units, Tokens: vv.tokens}
	state.Put(ctx.KV, seriesKey(vaultSeries(prefixVaultHist, vv.op, vv.asset.Denom), timePos(ctx.Height)), &pt)
	return nil
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
