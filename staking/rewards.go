package staking

import (
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

// Rewards (SPEC §4). Each block's amount — inflation, fees and last block's
// dust — sits in RewardsPool and is split across the active set by power.
// Per validator the commission accrues to its owed record and the rest
// raises its reward-per-share accumulator; whatever rounding leaves over is
// the dust record, distributed again next block. A slash lowers tokens; if
// it spares later lots it also raises their shares from then on (lots.go),
// never the rewards they earned before it. Pool solvency: every
// accumulator step reserves ceil(inc·shares/1e27) ≤ rest, and each
// delegation's pending amount is a floor of its part of those steps, so
// RewardsPool ≥ Σ pending + Σ owed + dust always (checked by an invariant).

// distributeRewards mints this block's inflation, collects fees and credits
// the active set.
func distributeRewards(ctx state.Ctx, p params.Params, prevTime_s int64, set activeSet) error {
	minted, err := blockInflation(ctx, p, prevTime_s)
	if err != nil {
		return err
	}
	if err := bank.Mint(ctx.KV, RewardsPool, p.NativeDenom, minted); err != nil {
		return err
	}
	fees, err := bank.Balance(ctx.KV, auth.FeeCollector, p.NativeDenom)
	if err != nil {
		return err
	}
	if err := bank.SendOne(ctx.KV, auth.FeeCollector, RewardsPool, p.NativeDenom, fees); err != nil {
		return err
	}
	dust, err := state.LoadAmount(ctx.KV, keyDust)
	if err != nil {
		return err
	}
	total, err := sumAll(minted, fees, dust)
	if err != nil {
		return err
	}
	if !total.IsZero() {
		allocated, err := creditSet(ctx.KV, set, total)
		if err != nil {
			return err
		}
		state.PutAmount(ctx.KV, keyDust, total.SubSat(allocated))
	}
	return sampleYields(ctx, set)
}

func sumAll(xs ...num.Int) (num.Int, error) {
	var s num.Int
	var err error
	for _, x := range xs {
		if s, err = s.Add(x); err != nil {
			return s, err
		}
	}
	return s, nil
}

// blockInflation is inflation × supply × dt / year; nothing at the first
// block (prevTime_s = 0) or when time did not advance.
func blockInflation(ctx state.Ctx, p params.Params, prevTime_s int64) (num.Int, error) {
	if prevTime_s <= 0 || ctx.Time_s <= prevTime_s || p.Inflation.IsZero() {
		return num.Int{}, nil
	}
	supply, err := bank.Supply(ctx.KV, p.NativeDenom)
	if err != nil {
		return num.Int{}, err
	}
	return inflationAmount(supply, p.Inflation, ctx.Time_s-prevTime_s)
}

// creditSet splits total by power and returns how much was handed out.
func creditSet(kv store.KV, set activeSet, total num.Int) (num.Int, error) {
	var totalPower num.Int
	for _, m := range set.Members {
		totalPower, _ = totalPower.Add(num.NewInt(uint64(max(m.Power, 0)))) // ≤ 2^60
	}
	var allocated num.Int
	if totalPower.IsZero() {
		return allocated, nil // no active set: everything stays dust
	}
	for _, m := range set.Members {
		// rounding: down — each validator's share; the remainder stays dust.
		share, err := total.MulDivDown(num.NewInt(uint64(max(m.Power, 0))), totalPower)
		if err != nil {
			return allocated, err
		}
		used, err := creditValidator(kv, m.Operator, share)
		if err != nil {
			return allocated, err
		}
		allocated, _ = allocated.Add(used) // Σ used ≤ total
	}
	return allocated, nil
}

// creditValidator credits a validator's block reward and returns how much of
// it is now owed to someone (the rest is dust).
func creditValidator(kv store.KV, op account.Address, reward num.Int) (num.Int, error) {
	if reward.IsZero() {
		return num.Int{}, nil
	}
	rw, err := loadReward(kv, op)
	if err != nil {
		return num.Int{}, err
	}
	commission, rest, err := splitReward(reward, rw.Rate)
	if err != nil {
		return num.Int{}, err
	}
	var inc, reserved num.Int
	if !rw.Shares.IsZero() {
		if inc, reserved, err = accIncrement(rest, rw.Shares); err != nil {
			return num.Int{}, err
		}
	}
	if rw.Acc, err = rw.Acc.Add(inc); err != nil {
		return num.Int{}, fmt.Errorf("reward accumulator of %s overflows: %w", op, err)
	}
	if rw.Owed, err = rw.Owed.Add(commission); err != nil {
		return num.Int{}, fmt.Errorf("commission of %s overflows: %w", op, err)
	}
	saveReward(kv, op, rw)
	return commission.Add(reserved)
}

// HandleClaimRewards executes MsgClaimRewards signed by signer (the staking
// part; the chain adds service rewards).
func HandleClaimRewards(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgClaimRewards) error {
	if m == nil {
		return state.Reject("bad-message", "empty claim_rewards message")
	}
	a, err := state.Owner("account", m.Account, signer, "claim its rewards")
	if err != nil {
		return err
	}
	_, err = ClaimRewards(ctx, p, a)
	return err
}

// ClaimRewards pays a's delegation rewards across all validators plus, if a
// runs a validator, its commission. Cost O(a's delegations).
func ClaimRewards(ctx state.Ctx, p params.Params, a account.Address) (coin.Coins, error) {
	dels, err := delegationsOf(ctx.KV, a)
	if err != nil {
		return nil, err
	}
	var total num.Int
	for _, it := range dels {
		rw, err := loadReward(ctx.KV, it.op)
		if err != nil {
			return nil, err
		}
		lh, err := loadLotHead(ctx.KV, it.op)
		if err != nil {
			return nil, err
		}
		owed, err := pendingReward(lh, it.d, rw.Acc)
		if err != nil {
			return nil, err
		}
		if owed.IsZero() && int(it.d.Seen) == len(lh.Events) {
			continue
		}
		materialize(lh, &it.d)
		it.d.RewardSnapshot = rw.Acc
		if ownedShares(lh, it.d).IsZero() {
			// Burned entirely by a slash that spared later lots (lots.go):
			// nothing is left to undelegate, so claiming closes it.
			if err := dropLots(ctx.KV, it.op, lh, &it.d); err != nil {
				return nil, err
			}
			ctx.KV.Delete(delegationKey(a, it.op))
			if err := bumpDelegationCount(ctx.KV, a, -1); err != nil {
				return nil, err
			}
		} else {
			state.Put(ctx.KV, delegationKey(a, it.op), &it.d)
		}
		if total, err = total.Add(owed); err != nil {
			return nil, err
		}
	}
	commission, err := takeCommission(ctx.KV, a)
	if err != nil {
		return nil, err
	}
	if total, err = total.Add(commission); err != nil {
		return nil, err
	}
	if err := bank.SendOne(ctx.KV, RewardsPool, a, p.NativeDenom, total); err != nil {
		return nil, err
	}
	out := coin.Coins{}
	if !total.IsZero() {
		out = coin.Coins{coin.New(p.NativeDenom, total)}
	}
	ctx.Emit("claim_rewards", "account", a.String(), "amount", out.String())
	return out, nil
}

func takeCommission(kv store.KV, op account.Address) (num.Int, error) {
	rw, err := loadReward(kv, op)
	if err != nil || rw.Owed.IsZero() {
		return num.Int{}, err
	}
	owed := rw.Owed
	rw.Owed = num.Int{}
	saveReward(kv, op, rw)
	return owed, nil
}

type delegationItem struct {
	op account.Address
	d  delegation
}

// delegationsOf lists a delegator's delegations in validator order.
func delegationsOf(r store.Reader, delegator account.Address) ([]delegationItem, error) {
	prefix := state.Key(prefixDelegation, delegator[:])
	var out []delegationItem
	var err error
	store.IteratePrefix(r, prefix, false, func(k, v []byte) bool {
		var it delegationItem
		copy(it.op[:], k[len(prefix):])
		if err = decodeJSON(k, v, &it.d); err != nil {
			return false
		}
		out = append(out, it)
		return len(out) < MaxDelegationsPerAccount
	})
	return out, err
}

// PendingRewards is what ClaimRewards would pay a now: delegation rewards
// plus unclaimed commission, in the native denom.
func PendingRewards(r store.Reader, a account.Address) (coin.Coins, error) {
	denom, err := nativeDenom(r)
	if err != nil {
		return nil, err
	}
	total, err := pendingTotal(r, a)
	if err != nil || total.IsZero() {
		return coin.Coins{}, err
	}
	return coin.Coins{coin.New(denom, total)}, nil
}

func pendingTotal(r store.Reader, a account.Address) (num.Int, error) {
	dels, err := delegationsOf(r, a)
	if err != nil {
		return num.Int{}, err
	}
	var total num.Int
	for _, it := range dels {
		rw, err := loadReward(r, it.op)
		if err != nil {
			return total, err
		}
		lh, err := loadLotHead(r, it.op)
		if err != nil {
			return total, err
		}
		owed, err := pendingReward(lh, it.d, rw.Acc)
		if err != nil {
			return total, err
		}
		if total, err = total.Add(owed); err != nil {
			return total, err
		}
	}
	rw, err := loadReward(r, a)
	if err != nil {
		return total, err
	}
	return total.Add(rw.Owed)
}
