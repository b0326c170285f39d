package staking

import (
	"math/big"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Yield view (SPEC §7: each stream with its APR, from actual accrual).
// Once per YieldWindowBlocks the reward-per-share accumulator of every
// active validator is sampled; a validator keeps its last two samples, so
// its recent yield spans one to two windows of what it actually paid. One
// read per block; the writes happen once a window.

// YieldWindowBlocks is the sampling interval (one hour of 5 s blocks).
const YieldWindowBlocks = 720

var keyYieldSampled = []byte("staking/yieldh")

func yieldKey(op account.Address) []byte { return state.Key([]byte("staking/yield/"), op[:]) }

// yieldSamples are two (accumulator, height, time) samples, oldest first.
type yieldSamples struct {
	Acc0, Acc1 num.Int
	H0, H1     int64
	T0, T1     int64
}

const yieldSamplesVersion = 1

func (y *yieldSamples) MarshalRecord() []byte {
	w := state.NewWriter(yieldSamplesVersion, 96)
	w.Int(y.Acc0)
	w.Int(y.Acc1)
	for _, x := range []int64{y.H0, y.H1, y.T0, y.T1} {
		w.Varint(x)
	}
	return w.Out()
}

func (y *yieldSamples) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, yieldSamplesVersion)
	y.Acc0, y.Acc1 = r.Int(), r.Int()
	y.H0, y.H1, y.T0, y.T1 = r.Varint(), r.Varint(), r.Varint(), r.Varint()
	return r.Done()
}

// sampleYields samples the active set's accumulators when a window has
// passed since the last sampling.
func sampleYields(ctx state.Ctx, set activeSet) error {
	last, err := state.LoadU64(ctx.KV, keyYieldSampled)
	if err != nil {
		return err
	}
	if _, ok := ctx.KV.Get(keyYieldSampled); ok && uint64(max(ctx.Height, 0)) < last+YieldWindowBlocks {
		return nil
	}
	for _, m := range set.Members {
		if err := sampleOne(ctx, m.Operator); err != nil {
			return err
		}
	}
	ctx.KV.Set(keyYieldSampled, state.U64(uint64(max(ctx.Height, 0))))
	return nil
}

func sampleOne(ctx state.Ctx, op account.Address) error {
	rw, err := loadReward(ctx.KV, op)
	if err != nil {
		return err
	}
	var y yieldSamples
	found, err := state.Load(ctx.KV, yieldKey(op), &y)
	if err != nil {
		return err
	}
	if !found {
		y.Acc1, y.H1, y.T1 = rw.Acc, ctx.Height, ctx.Time_s
	}
	y.Acc0, y.H0, y.T0 = y.Acc1, y.H1, y.T1
	y.Acc1, y.H1, y.T1 = rw.Acc, ctx.Height, ctx.Time_s
	state.Put(ctx.KV, yieldKey(op), &y)
	return nil
}

// RecentYield is what one token delegated to validator op earned per year,
// net of commission, over its recent accrual (from the older sample to
// now): ΔAcc/1e27 per share × shares per token × year / Δt. ok is false
// before the validator has two samples a window apart. A view, exact in
// rationals.
func RecentYield(r store.Reader, op account.Address, now_s int64) (apr *big.Rat, ok bool, err error) {
	var y yieldSamples
	found, err := state.Load(r, yieldKey(op), &y)
	if err != nil || !found || y.H1 == y.H0 || now_s <= y.T0 {
		return nil, false, err
	}
	rw, err := loadReward(r, op)
	if err != nil {
		return nil, false, err
	}
	v, found, err := loadValidator(r, op)
	if err != nil || !found || v.Tokens.IsZero() {
		return nil, false, err
	}
	d := new(big.Int).Sub(rw.Acc.Big(), y.Acc0.Big())
	apr = new(big.Rat).SetFrac(d, rewardScale.Big())
	apr.Mul(apr, new(big.Rat).SetFrac(v.DelegatorShares.Big(), v.Tokens.Big()))
	apr.Mul(apr, new(big.Rat).SetFrac64(secondsPerYear, now_s-y.T0))
	return apr, true, nil
}
