package staking

import (
	"bytes"
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Invariants are whole-state checks run after every block in tests and
// simulation. They scan every record, so they are not for production blocks.
// They hold after EndBlock (the active-set check needs the set recomputed).
func Invariants() []state.Invariant {
	return []state.Invariant{
		{Name: "staking/bonded-pool", Check: checkBondedPool},
		{Name: "staking/shares", Check: checkShares},
		{Name: "staking/unbonding-pool", Check: checkUnbondingPool},
		{Name: "staking/rewards-pool", Check: checkRewardsPool},
		{Name: "staking/active-set", Check: checkActiveSet},
	}
}

func allValidators(r store.Reader) ([]Validator, error) {
	var out []Validator
	var err error
	store.IteratePrefix(r, prefixValidator, false, func(k, v []byte) bool {
		var val Validator
		err = decodeJSON(k, v, &val)
		out = append(out, val)
		return err == nil
	})
	return out, err
}

// checkBondedPool: BondedPool balance == Σ validator tokens, and the rank
// index holds exactly the non-jailed validators with tokens.
func checkBondedPool(r store.Reader) error {
	denom, err := nativeDenom(r)
	if err != nil {
		return err
	}
	vals, err := allValidators(r)
	if err != nil {
		return err
	}
	var sum num.Int
	ranked := 0
	for _, v := range vals {
		if sum, err = sum.Add(v.Tokens); err != nil {
			return err
		}
		if k := v.currentRankKey(); k != nil {
			ranked++
			if _, ok := r.Get(k); !ok {
				return fmt.Errorf("validator %s missing from the rank index", v.Operator)
			}
		}
	}
	n := 0
	store.IteratePrefix(r, prefixRank, false, func(_, _ []byte) bool { n++; return true })
	if n != ranked {
		return fmt.Errorf("rank index has %d entries, %d validators are eligible", n, ranked)
	}
	bal, err := bank.Balance(r, BondedPool, denom)
	if err != nil {
		return err
	}
	if !bal.Eq(sum) {
		return fmt.Errorf("bonded pool holds %s, validators' tokens sum to %s", bal, sum)
	}
	return nil
}

// checkShares: Σ delegation shares == validator shares; tokens > 0 ⇒ shares > 0.
func checkShares(r store.Reader) error {
	sums := map[account.Address]num.Int{}
	counts := map[account.Address]uint64{}
	var err error
	store.IteratePrefix(r, prefixDelegation, false, func(k, v []byte) bool {
		var d delegation
		if err = decodeJSON(k, v, &d); err != nil {
			return false
		}
		if d.Shares.IsZero() {
			err = fmt.Errorf("delegation %x has zero shares", k[len(prefixDelegation):])
			return false
		}
		var del, op account.Address
		copy(del[:], k[len(prefixDelegation):])
		copy(op[:], k[len(prefixDelegation)+20:])
		counts[del]++
		sums[op], err = sums[op].Add(d.Shares)
		return err == nil
	})
	if err != nil {
		return err
	}
	if err := checkDelegationCounts(r, counts); err != nil {
		return err
	}
	vals, err := allValidators(r)
	if err != nil {
		return err
	}
	for _, v := range vals {
		if !sums[v.Operator].Eq(v.DelegatorShares) {
			return fmt.Errorf("validator %s has %s shares, its delegations sum to %s", v.Operator, v.DelegatorShares, sums[v.Operator])
		}
		if !v.Tokens.IsZero() && v.DelegatorShares.IsZero() {
			return fmt.Errorf("validator %s has %s tokens and no shares", v.Operator, v.Tokens)
		}
		rw, err := loadReward(r, v.Operator)
		if err != nil {
			return err
		}
		if !rw.Shares.Eq(v.DelegatorShares) || !rw.Rate.Eq(v.Commission) {
			return fmt.Errorf("validator %s reward record mirrors shares %s rate %s, record has %s and %s",
				v.Operator, rw.Shares, rw.Rate, v.DelegatorShares, v.Commission)
		}
	}
	return nil
}

func checkDelegationCounts(r store.Reader, counts map[account.Address]uint64) error {
	var err error
	n := 0
	store.IteratePrefix(r, prefixDelCount, false, func(k, v []byte) bool {
		var del account.Address
		copy(del[:], k[len(prefixDelCount):])
		c, _ := state.ReadU64(v)
		if c != counts[del] {
			err = fmt.Errorf("delegation count of %s is %d, it has %d", del, c, counts[del])
		}
		n++
		return err == nil
	})
	if err == nil && n != len(counts) {
		err = fmt.Errorf("%d delegators but %d delegation counters", len(counts), n)
	}
	return err
}

// checkUnbondingPool: pool == Σ Held, each Held ≥ Σ its live entries' values,
// live entries are exactly [FirstIndex, NextIndex) and each is queued and indexed.
func checkUnbondingPool(r store.Reader) error {
	denom, err := nativeDenom(r)
	if err != nil {
		return err
	}
	var held num.Int
	var bad error
	store.IteratePrefix(r, prefixUbdHead, false, func(k, v []byte) bool {
		var h unbondingHead
		if bad = decodeJSON(k, v, &h); bad != nil {
			return false
		}
		var op account.Address
		copy(op[:], k[len(prefixUbdHead):])
		if bad = checkEntries(r, op, h); bad != nil {
			return false
		}
		held, bad = held.Add(h.Held)
		return bad == nil
	})
	if bad != nil {
		return bad
	}
	if err := checkEntryKeysCovered(r); err != nil {
		return err
	}
	bal, err := bank.Balance(r, UnbondingPool, denom)
	if err != nil {
		return err
	}
	if !bal.Eq(held) {
		return fmt.Errorf("unbonding pool holds %s, validators' held amounts sum to %s", bal, held)
	}
	return nil
}

func checkEntries(r store.Reader, op account.Address, h unbondingHead) error {
	var owed num.Int
	for i := h.FirstIndex; i < h.NextIndex; i++ {
		e, err := loadEntry(r, op, i)
		if err != nil {
			return err
		}
		if _, ok := r.Get(ubdQueueKey(e.Completion_s, e.ID)); !ok {
			return fmt.Errorf("unbonding %d not queued", e.ID)
		}
		if _, ok := r.Get(ubdByDelKey(e.Delegator, op, e.ID)); !ok {
			return fmt.Errorf("unbonding %d not indexed by delegator", e.ID)
		}
		v, err := entryValue(r, e)
		if err != nil {
			return err
		}
		owed, _ = owed.Add(v)
	}
	if owed.GT(h.Held) {
		return fmt.Errorf("validator %s owes %s to unbonding entries but holds %s", op, owed, h.Held)
	}
	if h.FirstIndex == h.NextIndex && !h.Held.IsZero() {
		return fmt.Errorf("validator %s holds %s with no live unbonding entry", op, h.Held)
	}
	return nil
}

// checkEntryKeysCovered: no entry or queue key outlives its head's range.
func checkEntryKeysCovered(r store.Reader) error {
	entries, queued, byDel := 0, 0, 0
	store.IteratePrefix(r, prefixUbdEntry, false, func(_, _ []byte) bool { entries++; return true })
	store.IteratePrefix(r, prefixUbdQueue, false, func(_, _ []byte) bool { queued++; return true })
	store.IteratePrefix(r, prefixUbdByDel, false, func(_, _ []byte) bool { byDel++; return true })
	live := 0
	var err error
	store.IteratePrefix(r, prefixUbdHead, false, func(k, v []byte) bool {
		var h unbondingHead
		err = decodeJSON(k, v, &h)
		live += int(h.NextIndex - h.FirstIndex)
		return err == nil
	})
	if err == nil && (entries != live || queued != live || byDel != live) {
		err = fmt.Errorf("%d live unbondings but %d entries, %d queued, %d indexed", live, entries, queued, byDel)
	}
	return err
}

// checkRewardsPool: RewardsPool ≥ Σ pending delegation rewards + Σ owed commission + dust.
func checkRewardsPool(r store.Reader) error {
	denom, err := nativeDenom(r)
	if err != nil {
		return err
	}
	need, err := loadAmount(r, keyDust)
	if err != nil {
		return err
	}
	var bad error
	store.IteratePrefix(r, prefixReward, false, func(k, v []byte) bool {
		var op account.Address
		copy(op[:], k[len(prefixReward):])
		rw, e := loadReward(r, op)
		if e == nil {
			need, e = need.Add(rw.Owed)
		}
		bad = e
		return bad == nil
	})
	store.IteratePrefix(r, prefixDelegation, false, func(k, v []byte) bool {
		if bad != nil {
			return false
		}
		var d delegation
		var op account.Address
		copy(op[:], k[len(prefixDelegation)+20:])
		if bad = decodeJSON(k, v, &d); bad != nil {
			return false
		}
		rw, e := loadReward(r, op)
		var owed num.Int
		if e == nil {
			owed, e = pendingOf(d.Shares, rw.Acc, d.RewardSnapshot)
		}
		if e == nil {
			need, e = need.Add(owed)
		}
		bad = e
		return bad == nil
	})
	if bad != nil {
		return bad
	}
	bal, err := bank.Balance(r, RewardsPool, denom)
	if err != nil {
		return err
	}
	if bal.LT(need) {
		return fmt.Errorf("rewards pool holds %s but owes %s", bal, need)
	}
	return nil
}

// checkActiveSet: the stored set is exactly what the current state selects
// (members, order, powers = clamped tokens / power reduction) and every
// validator's status matches membership. It uses the max validators and
// power reduction the set records; EndBlock recomputes whenever params
// differ from those.
func checkActiveSet(r store.Reader) error {
	if _, dirty := r.Get(keyDirty); dirty {
		return fmt.Errorf("active set marked dirty after EndBlock")
	}
	stored, err := loadSet(r)
	if err != nil {
		return err
	}
	if stored.PowerReduction.IsZero() {
		return nil // no set computed yet (before genesis)
	}
	want, err := computeSet(r, params.Params{MaxValidators: stored.MaxValidators, PowerReduction: stored.PowerReduction})
	if err != nil {
		return err
	}
	if len(stored.Members) != len(want.Members) {
		return fmt.Errorf("active set has %d members, state selects %d", len(stored.Members), len(want.Members))
	}
	in := map[account.Address]bool{}
	for i, m := range stored.Members {
		w := want.Members[i]
		if m.Operator != w.Operator || m.Power != w.Power || !bytes.Equal(m.ConsPubKey, w.ConsPubKey) {
			return fmt.Errorf("active set member %d is %s with power %d, state selects %s with power %d",
				i, m.Operator, m.Power, w.Operator, w.Power)
		}
		in[m.Operator] = true
	}
	vals, err := allValidators(r)
	if err != nil {
		return err
	}
	for _, v := range vals {
		if (v.Status == StatusBonded) != in[v.Operator] {
			return fmt.Errorf("validator %s has status %s but set membership %v", v.Operator, v.Status, in[v.Operator])
		}
	}
	return nil
}
