package staking

import (
	"bytes"
	"fmt"
	"math"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Invariants are whole-state checks run after every block in tests and
// simulation (they hold after EndBlock). One registered invariant loads
// every staking record once and runs each check below on it; an error
// names the property that broke:
//   - bonded-pool: BondedPool balance == Σ validator tokens (all validator
//     tokens live there), and the rank index holds exactly the non-jailed
//     validators with tokens;
//   - shares: Σ delegation shares (base + lots) == each validator's shares
//     (≤ once a slash has exempted lots, lots.go), lots well formed and the
//     lot tree's total == Σ the delegations' raw lot amounts, no validator
//     with tokens and no shares, per-delegator counters exact, and the
//     reward record mirrors shares and commission;
//   - unbonding-pool: UnbondingPool balance == Σ per-validator held amounts,
//     each held amount ≥ Σ its live entries' values, every live entry queued
//     and indexed, no stray entry, queue or index key;
//   - rewards-pool: RewardsPool balance ≥ Σ pending delegation rewards +
//     Σ unpaid commission + dust;
//   - active-set: the stored set is what the state selects (members, order,
//     powers = clamped tokens / power reduction), statuses match membership,
//     and nothing is left marked dirty;
//   - token-history: every validator's newest token checkpoint holds its
//     tokens, its unbonding head's CumTotal and its next lot index (each
//     change was recorded),
//     and no checkpoint belongs to an unknown validator.
func Invariants() []state.Invariant {
	return []state.Invariant{{Name: "staking", Check: checkAll}}
}

// audit is every staking record the checks need, loaded once.
type audit struct {
	r      store.Reader
	denom  string
	vals   []Validator
	byOp   map[account.Address]int // index into vals (lookup only)
	dels   []auditDelegation
	heads  []auditHead
	stored activeSet
}

type auditDelegation struct {
	delegator, op account.Address
	d             delegation
}

type auditHead struct {
	op account.Address
	h  unbondingHead
}

func checkAll(r store.Reader) error {
	a, err := loadAudit(r)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		name  string
		check func(*audit) error
	}{
		{"bonded-pool", checkBondedPool}, {"shares", checkShares}, {"unbonding-pool", checkUnbondingPool},
		{"rewards-pool", checkRewardsPool}, {"active-set", checkActiveSet}, {"token-history", checkTokenHistory},
	} {
		if err := c.check(a); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
	}
	return nil
}

func loadAudit(r store.Reader) (*audit, error) {
	a := &audit{r: r, byOp: map[account.Address]int{}}
	var err error
	if a.denom, err = nativeDenom(r); err != nil {
		return nil, err
	}
	if a.stored, err = loadSet(r); err != nil {
		return nil, err
	}
	store.IteratePrefix(r, prefixValidator, false, func(k, v []byte) bool {
		var val Validator
		err = decodeJSON(k, v, &val)
		a.byOp[val.Operator] = len(a.vals)
		a.vals = append(a.vals, val)
		return err == nil
	})
	store.IteratePrefix(r, prefixDelegation, false, func(k, v []byte) bool {
		if err != nil {
			return false
		}
		var x auditDelegation
		copy(x.delegator[:], k[len(prefixDelegation):])
		copy(x.op[:], k[len(prefixDelegation)+20:])
		err = decodeJSON(k, v, &x.d)
		a.dels = append(a.dels, x)
		return err == nil
	})
	store.IteratePrefix(r, prefixUbdHead, false, func(k, v []byte) bool {
		if err != nil {
			return false
		}
		var x auditHead
		copy(x.op[:], k[len(prefixUbdHead):])
		err = decodeJSON(k, v, &x.h)
		a.heads = append(a.heads, x)
		return err == nil
	})
	return a, err
}

func checkTokenHistory(a *audit) error {
	for _, v := range a.vals {
		c, found, err := lastCheckpoint(a.r, v.Operator, math.MaxInt64-1)
		if err != nil {
			return err
		}
		hd, err := loadHead(a.r, v.Operator)
		if err != nil {
			return err
		}
		lh, err := loadLotHead(a.r, v.Operator)
		if err != nil {
			return err
		}
		if !found || !c.tokens.Eq(v.Tokens) || !c.unbonded.Eq(hd.CumTotal) || c.nextLot != lh.NextLot {
			return fmt.Errorf("validator %s has %s tokens and %s unbonded, its newest checkpoint (found=%v) holds %s and %s",
				v.Operator, v.Tokens, hd.CumTotal, found, c.tokens, c.unbonded)
		}
	}
	var err error
	store.IteratePrefix(a.r, prefixTokenHist, false, func(k, _ []byte) bool {
		var op account.Address
		copy(op[:], k[len(prefixTokenHist):])
		if _, ok := a.byOp[op]; !ok || len(k) != len(prefixTokenHist)+28 {
			err = fmt.Errorf("token checkpoint %q of no validator", k)
		}
		return err == nil
	})
	return err
}

func countPrefixKeys(r store.Reader, prefix []byte) int {
	n := 0
	store.IteratePrefix(r, prefix, false, func(_, _ []byte) bool { n++; return true })
	return n
}

func checkBondedPool(a *audit) error {
	var sum num.Int
	var err error
	ranked := 0
	for _, v := range a.vals {
		if sum, err = sum.Add(v.Tokens); err != nil {
			return err
		}
		if k := v.currentRankKey(); k != nil {
			ranked++
			if _, ok := a.r.Get(k); !ok {
				return fmt.Errorf("validator %s missing from the rank index", v.Operator)
			}
		}
	}
	if n := countPrefixKeys(a.r, prefixRank); n != ranked {
		return fmt.Errorf("rank index has %d entries, %d validators are eligible", n, ranked)
	}
	bal, err := bank.Balance(a.r, BondedPool, a.denom)
	if err != nil {
		return err
	}
	if !bal.Eq(sum) {
		return fmt.Errorf("bonded pool holds %s, validators' tokens sum to %s", bal, sum)
	}
	return nil
}

func checkShares(a *audit) error {
	sums := make([]num.Int, len(a.vals))
	raws := make([]num.Int, len(a.vals))
	heads := make([]lotHead, len(a.vals))
	seen := map[account.Address]map[uint64]bool{}
	for i, v := range a.vals {
		var err error
		if heads[i], err = loadLotHead(a.r, v.Operator); err != nil {
			return err
		}
		seen[v.Operator] = map[uint64]bool{}
	}
	counts := map[account.Address]uint64{}
	for _, x := range a.dels {
		i, ok := a.byOp[x.op]
		if !ok || (x.d.Shares.IsZero() && len(x.d.Lots) == 0) {
			return fmt.Errorf("delegation of %s to %s: validator known=%v, shares %s", x.delegator, x.op, ok, x.d.Shares)
		}
		if err := checkLots(heads[i], x, seen[x.op], &raws[i]); err != nil {
			return err
		}
		var err error
		if sums[i], err = sums[i].Add(ownedShares(heads[i], x.d)); err != nil {
			return err
		}
		counts[x.delegator]++
	}
	if err := checkDelegationCounts(a.r, counts); err != nil {
		return err
	}
	for i, v := range a.vals {
		// Exact without lot events; with them, shares no delegation owns
		// (per-lot floors, lots.go) may remain.
		if len(heads[i].Events) == 0 && !sums[i].Eq(v.DelegatorShares) || sums[i].GT(v.DelegatorShares) {
			return fmt.Errorf("validator %s has %s shares, its delegations sum to %s (%d lot events)",
				v.Operator, v.DelegatorShares, sums[i], len(heads[i].Events))
		}
		tree, err := rawPrefix(a.r, v.Operator, heads[i].NextLot)
		if err != nil {
			return err
		}
		if !tree.Eq(raws[i]) {
			return fmt.Errorf("validator %s: lot tree holds %s raw, its delegations' lots %s", v.Operator, tree, raws[i])
		}
		if !v.Tokens.IsZero() && v.DelegatorShares.IsZero() {
			return fmt.Errorf("validator %s has %s tokens and no shares", v.Operator, v.Tokens)
		}
		rw, err := loadReward(a.r, v.Operator)
		if err != nil {
			return err
		}
		if !rw.Shares.Eq(v.DelegatorShares) || !rw.Rate.Eq(v.Commission) {
			return fmt.Errorf("validator %s has shares %s rate %s, its reward record mirrors %s and %s",
				v.Operator, v.DelegatorShares, v.Commission, rw.Shares, rw.Rate)
		}
	}
	return nil
}

// checkLots: a delegation's lots are live, distinct, below NextLot, in
// index and height order, with positive raw amounts (summed into raw).
func checkLots(h lotHead, x auditDelegation, seen map[uint64]bool, raw *num.Int) error {
	if len(x.d.Lots) > maxLots {
		return fmt.Errorf("delegation of %s to %s has %d lots", x.delegator, x.op, len(x.d.Lots))
	}
	for j, l := range x.d.Lots {
		if l.Index >= h.NextLot || seen[l.Index] || l.Raw.IsZero() ||
			(j > 0 && (l.Index <= x.d.Lots[j-1].Index || l.Height < x.d.Lots[j-1].Height)) {
			return fmt.Errorf("delegation of %s to %s: bad lot %+v (next lot %d)", x.delegator, x.op, l, h.NextLot)
		}
		seen[l.Index] = true
		var err error
		if *raw, err = raw.Add(l.Raw); err != nil {
			return err
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

func checkUnbondingPool(a *audit) error {
	var held num.Int
	live := 0
	for _, x := range a.heads {
		if err := checkEntries(a.r, x.op, x.h); err != nil {
			return err
		}
		var err error
		if held, err = held.Add(x.h.Held); err != nil {
			return err
		}
		live += int(x.h.NextIndex - x.h.FirstIndex)
	}
	entries, queued, byDel := countPrefixKeys(a.r, prefixUbdEntry), countPrefixKeys(a.r, prefixUbdQueue), countPrefixKeys(a.r, prefixUbdByDel)
	if entries != live || queued != live || byDel != live {
		return fmt.Errorf("%d live unbondings but %d entries, %d queued, %d indexed", live, entries, queued, byDel)
	}
	bal, err := bank.Balance(a.r, UnbondingPool, a.denom)
	if err != nil {
		return err
	}
	if !bal.Eq(held) {
		return fmt.Errorf("unbonding pool holds %s, validators' held amounts sum to %s", bal, held)
	}
	return nil
}

// checkEntries: entries [FirstIndex, NextIndex) exist, are queued and
// indexed, and Held covers what they pay.
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

func checkRewardsPool(a *audit) error {
	need, err := state.LoadAmount(a.r, keyDust)
	if err != nil {
		return err
	}
	rws := make([]rewardState, len(a.vals))
	for i, v := range a.vals {
		if rws[i], err = loadReward(a.r, v.Operator); err != nil {
			return err
		}
		if need, err = need.Add(rws[i].Owed); err != nil {
			return err
		}
	}
	for _, x := range a.dels {
		lh, err := loadLotHead(a.r, x.op)
		if err != nil {
			return err
		}
		owed, err := pendingReward(lh, x.d, rws[a.byOp[x.op]].Acc)
		if err != nil {
			return err
		}
		if need, err = need.Add(owed); err != nil {
			return err
		}
	}
	if n := countPrefixKeys(a.r, prefixReward); n > len(a.vals) {
		return fmt.Errorf("%d reward records for %d validators", n, len(a.vals))
	}
	bal, err := bank.Balance(a.r, RewardsPool, a.denom)
	if err != nil {
		return err
	}
	if bal.LT(need) {
		return fmt.Errorf("rewards pool holds %s but owes %s", bal, need)
	}
	return nil
}

// checkActiveSet uses the max validators and power reduction the set
// records; EndBlock recomputes whenever params differ from those.
func checkActiveSet(a *audit) error {
	if _, dirty := a.r.Get(keyDirty); dirty {
		return fmt.Errorf("active set marked dirty after EndBlock")
	}
	if a.stored.PowerReduction.IsZero() {
		return nil // no set computed yet (before genesis)
	}
	ops, powers, err := selectSet(a.r, a.stored.MaxValidators, a.stored.PowerReduction)
	if err != nil {
		return err
	}
	if len(ops) != len(a.stored.Members) {
		return fmt.Errorf("set has %d members, state selects %d", len(a.stored.Members), len(ops))
	}
	in := map[account.Address]bool{}
	for i, m := range a.stored.Members {
		j, ok := a.byOp[m.Operator]
		if m.Operator != ops[i] || m.Power != powers[i] || !ok || !bytes.Equal(m.ConsPubKey, a.vals[j].ConsPubKey) {
			return fmt.Errorf("member %d is %s with power %d, state selects %s with power %d", i, m.Operator, m.Power, ops[i], powers[i])
		}
		in[m.Operator] = true
	}
	for _, v := range a.vals {
		if (v.Status == StatusBonded) != in[v.Operator] {
			return fmt.Errorf("validator %s has status %s but set membership %v", v.Operator, v.Status, in[v.Operator])
		}
	}
	return nil
}
