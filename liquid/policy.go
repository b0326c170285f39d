package liquid

import (
	"bytes"
	"sort"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
)

// target is a validator with the pool's stake on it.
type target struct {
	op    account.Address
	stake num.Int
}

// candidates are the validators of the stored active set that are not
// jailed or tombstoned (a slash earlier in this block may have jailed a
// member), with the pool's stake on each (from dels, the pool's
// delegations by validator address), by stake asc then address. Cost
// O(max_validators): the set is one record, whatever the number of
// validators ever created.
func candidates(ctx state.Ctx, dels []staking.DelegationView) ([]target, num.Int, error) {
	ops, err := staking.ActiveOperators(ctx.KV)
	if err != nil {
		return nil, num.Int{}, err
	}
	var out []target
	var total num.Int
	for _, op := range ops {
		v, found, err := staking.GetValidator(ctx.KV, op)
		if err != nil {
			return nil, total, err
		}
		if !found || v.Jailed || v.Tombstoned {
			continue
		}
		s := stakeOn(dels, op)
		if total, err = total.Add(s); err != nil {
			return nil, total, err
		}
		out = append(out, target{op: op, stake: s})
	}
	sortTargets(out, true)
	return out, total, nil
}

// stakeOn is the token value of the pool's delegation to op (0 if none);
// dels is sorted by validator address.
func stakeOn(dels []staking.DelegationView, op account.Address) num.Int {
	i := sort.Search(len(dels), func(i int) bool { return bytes.Compare(dels[i].Validator[:], op[:]) >= 0 })
	if i < len(dels) && dels[i].Validator == op {
		return dels[i].Tokens
	}
	return num.Int{}
}

// largestFirst is the pool's delegations by stake, largest first (ties:
// lowest address): where undelegations and burns take from.
func largestFirst(b Books) []target {
	ts := make([]target, 0, len(b.dels))
	for _, d := range b.dels {
		ts = append(ts, target{op: d.Validator, stake: d.Tokens})
	}
	sortTargets(ts, false)
	return ts
}

func sortTargets(ts []target, asc bool) {
	sort.SliceStable(ts, func(i, j int) bool {
		if c := ts[i].stake.Cmp(ts[j].stake); c != 0 {
			return (c < 0) == asc
		}
		return bytes.Compare(ts[i].op[:], ts[j].op[:]) < 0
	})
}

// capFor is the per-validator cap: 2 × (total + amount) / n (rounding: down).
func capFor(total, amount num.Int, n int) (num.Int, error) {
	t, err := total.Add(amount)
	if err != nil {
		return t, err
	}
	return t.MulDivDown(num.NewInt(2), num.NewInt(uint64(n)))
}

// delegateIdle delegates amount of the pool's stake by the policy in
// doc.go and returns what it placed; the rest stays idle. b supplies the
// pool's current delegations.
func delegateIdle(ctx state.Ctx, p params.Params, b Books, amount num.Int) (num.Int, error) {
	if amount.IsZero() {
		return num.Int{}, nil
	}
	if _, err := harvest(ctx, p); err != nil { // a delegation settles rewards
		return num.Int{}, err
	}
	ts, total, err := candidates(ctx, b.dels)
	if err != nil || len(ts) == 0 {
		return num.Int{}, err
	}
	limit, err := capFor(total, amount, len(ts))
	if err != nil {
		return num.Int{}, err
	}
	rest := amount
	for _, t := range ts { // bounded by the active set
		if rest.IsZero() {
			break
		}
		give := limit.SubSat(t.stake).Min(rest)
		if give.IsZero() {
			continue
		}
		if _, err := staking.Delegate(ctx, p, Pool, t.op, give); err != nil {
			if state.RuleOf(err) != "" {
				continue // this validator takes no delegation now: try the next
			}
			return num.Int{}, err
		}
		rest, _ = rest.Sub(give) // give ≤ rest
	}
	return amount.Sub(rest)
}

// undelegateFor starts unbonding need stake from the validators holding
// the most pool stake, at most MaxUndelegationsPerUnstake of them, and
// returns what is still missing (0 when fully covered). An undelegation
// that closes a delegation may take more than asked; the surplus returns
// to the pool at completion. b supplies the pool's current delegations.
func undelegateFor(ctx state.Ctx, p params.Params, b Books, need num.Int) (num.Int, error) {
	if need.IsZero() {
		return need, nil
	}
	if _, err := harvest(ctx, p); err != nil { // an undelegation settles rewards
		return need, err
	}
	ts := largestFirst(b)
	used := 0
	for _, t := range ts {
		if need.IsZero() || used == MaxUndelegationsPerUnstake {
			break
		}
		take := need.Min(t.stake)
		if take.IsZero() {
			continue
		}
		u, err := staking.Undelegate(ctx, p, Pool, t.op, take)
		if err != nil {
			if state.RuleOf(err) != "" {
				continue // e.g. too many live unbondings with this validator
			}
			return need, err
		}
		used++
		need = need.SubSat(u.Balance)
	}
	return need, nil
}
