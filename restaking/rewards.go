package restaking

import (
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Native pass-through (SPEC §4–§6): the staking rewards earned by an
// operator's natively restaked stake — already net of the validator's
// commission — reach the stakers of its native vault, pro rata by scaled
// shares (all positions of a vault share one magnitude, so this is pro
// rata by withdrawable stake; queued withdrawals earn nothing).
//
// The operator's NativeAccount receives the rewards from staking whenever
// its delegation is touched. harvest claims what is pending and splits
// everything in the account's balance not yet attributed (Held, "fresh")
// by what earned it: the positions' part, fresh · activeBacking / Units
// (rounding: down), goes into an accumulator per scaled share,
//
//	Acc += part · 1e36 / Σσ        (rounding: down; dust stays unattributed in the balance)
//
// and a position owes σ · (Acc − its snapshot) / 1e36 (rounding: down).
// The rest was earned by queued withdrawals (which earn nothing) or by a
// vault without positions: it goes to the fee collector, which pays it out
// with the next block's staking rewards, so no later depositor can collect
// it. harvest runs before every change of Σσ, of the queue and of the
// delegation, and before a claim, so a share's accrual is always that of
// the stake it stood for. Cost: O(1) per deposit, withdrawal, slash or
// claimed position; nothing per block.

type nativeRewards struct {
	Acc  num.Int // reward per scaled share, ×1e36
	Held num.Int // of NativeAccount's balance, what is attributed (to positions) and unpaid
}

type positionRewards struct {
	Snap    num.Int // Acc when last settled
	Accrued num.Int // settled and unpaid
}

const nativeRewardsVersion, positionRewardsVersion = 1, 1

func (n *nativeRewards) MarshalRecord() []byte {
	w := state.NewWriter(nativeRewardsVersion, 64)
	w.Int(n.Acc)
	w.Int(n.Held)
	return w.Out()
}

func (n *nativeRewards) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, nativeRewardsVersion)
	n.Acc, n.Held = r.Int(), r.Int()
	return r.Done()
}

func (p *positionRewards) MarshalRecord() []byte {
	w := state.NewWriter(positionRewardsVersion, 64)
	w.Int(p.Snap)
	w.Int(p.Accrued)
	return w.Out()
}

func (p *positionRewards) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, positionRewardsVersion)
	p.Snap, p.Accrued = r.Int(), r.Int()
	return r.Done()
}

func nativeRewardsKey(op account.Address) []byte { return state.Key(prefixNativeRewards, op[:]) }
func positionRewardsKey(staker, op account.Address) []byte {
	return state.Key(prefixPosRewards, staker[:], op[:])
}

// harvest claims the native account's staking rewards and attributes its
// fresh balance (vv: the operator's native vault as it is now).
func harvest(ctx state.Ctx, p params.Params, vv vaultView) (nativeRewards, error) {
	var nr nativeRewards
	if _, err := state.Load(ctx.KV, nativeRewardsKey(vv.op), &nr); err != nil {
		return nr, err
	}
	if _, err := staking.ClaimRewards(ctx, p, NativeAccount(vv.op)); err != nil {
		return nr, err
	}
	if err := attribute(ctx.KV, p.NativeDenom, vv, &nr); err != nil {
		return nr, err
	}
	state.Put(ctx.KV, nativeRewardsKey(vv.op), &nr)
	return nr, nil
}

// attribute splits the unattributed balance: the positions' part into the
// accumulator, the rest to the fee collector.
func attribute(kv store.KV, denom string, vv vaultView, nr *nativeRewards) error {
	na := NativeAccount(vv.op)
	bal, err := bank.Balance(kv, na, denom)
	if err != nil {
		return err
	}
	fresh, err := bal.Sub(nr.Held)
	if err != nil || fresh.IsZero() {
		if err != nil {
			err = fmt.Errorf("%w: native account of %s holds %s, less than attributed %s", state.ErrCorrupt, vv.op, bal, nr.Held)
		}
		return err
	}
	spent, err := accrue(vv, fresh, nr)
	if err != nil {
		return err
	}
	if nr.Held, err = nr.Held.Add(spent); err != nil {
		return err
	}
	return bank.SendOne(kv, na, auth.FeeCollector, denom, fresh.SubSat(spent))
}

// accrue adds the positions' part of fresh to the accumulator and returns
// what the increment can ever pay (≤ that part).
func accrue(vv vaultView, fresh num.Int, nr *nativeRewards) (num.Int, error) {
	scaled := vv.v.Scaled
	if scaled.IsZero() || vv.v.Units.IsZero() {
		return num.Int{}, nil
	}
	part, err := fresh.MulDivDown(vv.activeBacking(), vv.v.Units) // rounding: down
	if err != nil {
		return part, err
	}
	inc, err := part.MulDivDown(shareScale, scaled) // rounding: down
	if err != nil || inc.IsZero() {
		return num.Int{}, err
	}
	if nr.Acc, err = nr.Acc.Add(inc); err != nil {
		return num.Int{}, err
	}
	spent, err := inc.MulDivUp(scaled, shareScale)
	return spent.Min(part), err
}

// settle credits a position's accrual at its current σ (before σ changes).
func settle(kv store.KV, staker, op account.Address, scaled num.Int, nr nativeRewards) (positionRewards, error) {
	var pr positionRewards
	if _, err := state.Load(kv, positionRewardsKey(staker, op), &pr); err != nil {
		return pr, err
	}
	owed, err := owedSince(scaled, nr.Acc, pr.Snap)
	if err != nil {
		return pr, err
	}
	if pr.Accrued, err = pr.Accrued.Add(owed); err != nil {
		return pr, err
	}
	pr.Snap = nr.Acc
	return pr, nil
}

func owedSince(scaled, acc, snap num.Int) (num.Int, error) {
	d, err := acc.Sub(snap)
	if err != nil {
		return d, fmt.Errorf("%w: reward snapshot above the accumulator", state.ErrCorrupt)
	}
	return scaled.MulDivDown(d, shareScale) // rounding: down
}

// harvestNative harvests a native vault before its queue or delegation
// changes (completion, slash); other vaults have nothing to harvest.
func harvestNative(ctx state.Ctx, p params.Params, vv vaultView) error {
	if vv.asset.Kind != KindNative {
		return nil
	}
	_, err := harvest(ctx, p, vv)
	return err
}

// beforeNativeChange harvests op's native vault and settles the staker's
// position, ahead of a deposit or withdrawal that changes σ.
func beforeNativeChange(ctx state.Ctx, p params.Params, vv vaultView, staker account.Address, posScaled num.Int) error {
	nr, err := harvest(ctx, p, vv)
	if err != nil {
		return err
	}
	if _, found := ctx.KV.Get(positionRewardsKey(staker, vv.op)); !found {
		if ops, err := rewardOperators(ctx.KV, staker); err != nil || len(ops) >= MaxPositionsPerStaker {
			if err == nil {
				err = state.Reject("too-many-positions", "%s has native rewards with %d operators (the maximum); claim_rewards first", staker, len(ops))
			}
			return err
		}
	}
	pr, err := settle(ctx.KV, staker, vv.op, posScaled, nr)
	if err != nil {
		return err
	}
	state.Put(ctx.KV, positionRewardsKey(staker, vv.op), &pr)
	return nil
}

// ClaimNative pays staker everything its native positions have earned
// (O(its native reward records), at most MaxPositionsPerStaker) and
// returns the total.
func ClaimNative(ctx state.Ctx, p params.Params, staker account.Address) (num.Int, error) {
	ops, err := rewardOperators(ctx.KV, staker)
	if err != nil {
		return num.Int{}, err
	}
	var total num.Int
	for _, op := range ops {
		paid, err := claimOne(ctx, p, staker, op)
		if err != nil {
			return total, err
		}
		if total, err = total.Add(paid); err != nil {
			return total, err
		}
	}
	if !total.IsZero() {
		ctx.Emit("claim_native_rewards", "staker", staker.String(), "amount", coin.New(p.NativeDenom, total).String())
	}
	return total, nil
}

func claimOne(ctx state.Ctx, p params.Params, staker, op account.Address) (num.Int, error) {
	vv, pos, err := nativePosition(ctx.KV, p, staker, op)
	if err != nil {
		return num.Int{}, err
	}
	nr, err := harvest(ctx, p, vv)
	if err != nil {
		return num.Int{}, err
	}
	pr, err := settle(ctx.KV, staker, op, pos.Scaled, nr)
	if err != nil {
		return num.Int{}, err
	}
	paid := pr.Accrued
	if err := bank.SendOne(ctx.KV, NativeAccount(op), staker, p.NativeDenom, paid); err != nil {
		return num.Int{}, err
	}
	if nr.Held, err = nr.Held.Sub(paid); err != nil {
		return num.Int{}, fmt.Errorf("%w: native rewards of %s paid beyond what was attributed", state.ErrCorrupt, op)
	}
	state.Put(ctx.KV, nativeRewardsKey(op), &nr)
	pr.Accrued = num.Int{}
	if pos.Scaled.IsZero() {
		ctx.KV.Delete(positionRewardsKey(staker, op)) // nothing left to earn or pay
	} else {
		state.Put(ctx.KV, positionRewardsKey(staker, op), &pr)
	}
	return paid, nil
}

func nativePosition(r store.Reader, p params.Params, staker, op account.Address) (vaultView, Position, error) {
	vv, err := vaultOf(r, op, p.NativeDenom)
	if err != nil {
		return vv, Position{}, err
	}
	pos, _, err := loadPosition(r, staker, op, p.NativeDenom)
	return vv, pos, err
}

// rewardOperators lists the operators staker has native reward records with.
func rewardOperators(r store.Reader, staker account.Address) ([]account.Address, error) {
	prefix := state.Key(prefixPosRewards, staker[:])
	var out []account.Address
	var bad error
	store.IteratePrefix(r, prefix, false, func(k, _ []byte) bool {
		if len(k) != len(prefix)+20 {
			bad = fmt.Errorf("%w: reward record key %q", state.ErrCorrupt, k)
			return false
		}
		var op account.Address
		copy(op[:], k[len(prefix):])
		out = append(out, op)
		return len(out) < MaxPositionsPerStaker
	})
	return out, bad
}

// NativeStream is what one native position has earned and not claimed.
type NativeStream struct {
	Operator account.Address `json:"operator"`
	Pending  num.Int         `json:"pending"` // native denom
}

// PendingNative is what claim_rewards would pay staker from native
// restaking now, per operator (a harvest simulated on the read state).
func PendingNative(r store.Reader, staker account.Address) ([]NativeStream, error) {
	p, err := params.Load(r)
	if err != nil {
		return nil, err
	}
	ops, err := rewardOperators(r, staker)
	if err != nil {
		return nil, err
	}
	out := make([]NativeStream, 0, len(ops))
	for _, op := range ops {
		v, err := pendingOne(r, p, staker, op)
		if err != nil {
			return nil, err
		}
		out = append(out, NativeStream{Operator: op, Pending: v})
	}
	return out, nil
}

func pendingOne(r store.Reader, p params.Params, staker, op account.Address) (num.Int, error) {
	vv, pos, err := nativePosition(r, p, staker, op)
	if err != nil {
		return num.Int{}, err
	}
	var nr nativeRewards
	if _, err := state.Load(r, nativeRewardsKey(op), &nr); err != nil {
		return num.Int{}, err
	}
	// The harvest: staking's pending rewards plus the unattributed balance.
	unclaimed, err := staking.PendingRewards(r, NativeAccount(op))
	if err != nil {
		return num.Int{}, err
	}
	view := store.NewOverlay(r)
	if err := bank.GenesisBalances(view, NativeAccount(op), unclaimed); err != nil {
		return num.Int{}, err
	}
	if err := attribute(view, p.NativeDenom, vv, &nr); err != nil {
		return num.Int{}, err
	}
	pr, err := settle(view, staker, op, pos.Scaled, nr)
	return pr.Accrued, err
}
