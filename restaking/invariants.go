package restaking

import (
	"fmt"
	"math"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Invariants are restaking's SPEC §11 checks (tests and simulation).
func Invariants() []state.Invariant {
	return []state.Invariant{
		{Name: "restaking-vaults", Check: checkVaults},
		{Name: "restaking-backing", Check: checkBacking},
		{Name: "restaking-magnitudes", Check: checkMagnitudes},
		{Name: "restaking-withdrawals", Check: checkWithdrawals},
		{Name: "restaking-escrow", Check: checkEscrow},
		{Name: "restaking-slashes", Check: checkSlashes},
		{Name: "restaking-native-rewards", Check: checkNativeRewards},
		{Name: "restaking-reward-weights", Check: checkRewardWeights},
		{Name: "restaking-reward-streams", Check: checkRewardStreams},
		{Name: "restaking-program-queues", Check: checkProgramQueues},
		{Name: "restaking-service-terms", Check: checkServiceTerms},
	}
}

type vaultID struct {
	op    account.Address
	asset string
}

// checkVaults: each vault's Σσ is exactly its positions' σ, so the
// operator's delegated units floor(Σσ·m) ≥ Σ positions' floor(σ·m); its
// allocation sum and count match its allocation records; units cover the
// active stake; maxMagnitude ≤ 1.
func checkVaults(r store.Reader) error {
	sums := map[vaultID]num.Int{} // checked per key below, never iterated for state
	var err error
	store.IteratePrefix(r, prefixPosition, false, func(k, v []byte) bool {
		var id vaultID
		var rest []byte
		if _, rest, err = addrPart(k, k[len(prefixPosition):]); err != nil {
			return false
		}
		if id.op, rest, err = addrPart(k, rest); err != nil {
			return false
		}
		id.asset = string(rest)
		var p Position
		if err = state.Decode(k, v, &p); err != nil {
			return false
		}
		if p.Scaled.IsZero() {
			err = fmt.Errorf("empty position stored at %q", k)
			return false
		}
		sums[id], err = sums[id].Add(p.Scaled)
		return err == nil
	})
	if err != nil {
		return err
	}
	seen := 0
	store.IteratePrefix(r, prefixVault, false, func(k, v []byte) bool {
		var id vaultID
		var rest []byte
		if id.op, rest, err = addrPart(k, k[len(prefixVault):]); err != nil {
			return false
		}
		id.asset = string(rest)
		var vt Vault
		if err = state.Decode(k, v, &vt); err != nil {
			return false
		}
		if _, ok := sums[id]; ok {
			seen++
		}
		err = checkVault(r, id, vt, sums[id])
		return err == nil
	})
	if err == nil && seen != len(sums) {
		err = fmt.Errorf("%d (operator, asset) pairs have positions but only %d have vaults", len(sums), seen)
	}
	return err
}

func checkVault(r store.Reader, id vaultID, vt Vault, positions num.Int) error {
	if !vt.Scaled.Eq(positions) {
		return fmt.Errorf("vault %s/%s holds %s scaled shares, its positions %s", id.op, id.asset, vt.Scaled, positions)
	}
	vv := vaultView{op: id.op, asset: Asset{Denom: id.asset}, v: vt, tokens: vt.Units}
	if err := vv.check(); err != nil {
		return err
	}
	var sum num.Dec
	var n uint32
	var err error
	store.IteratePrefix(r, allocPrefix(id.op, id.asset), false, func(k, v []byte) bool {
		var al Allocation
		if err = state.Decode(k, v, &al); err != nil {
			return false
		}
		n++
		sum, err = sum.Add(al.ceiling())
		return err == nil
	})
	if err != nil {
		return err
	}
	if !sum.Eq(vt.AllocSum) || n != vt.Allocs {
		return fmt.Errorf("vault %s/%s counts %d allocations summing to %s; records: %d summing to %s", id.op, id.asset, vt.Allocs, vt.AllocSum, n, sum)
	}
	return nil
}

// checkBacking: the vault account holds, per non-native denom, exactly the
// units of that denom's vaults (one pass over the vaults).
func checkBacking(r store.Reader) error {
	units := map[string]num.Int{} // looked up per asset below, never iterated for state
	var err error
	store.IteratePrefix(r, prefixVault, false, func(k, v []byte) bool {
		var rest []byte
		if _, rest, err = addrPart(k, k[len(prefixVault):]); err != nil {
			return false
		}
		var vt Vault
		if err = state.Decode(k, v, &vt); err == nil {
			units[string(rest)], err = units[string(rest)].Add(vt.Units)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	assets, err := Assets(r)
	if err != nil {
		return err
	}
	for _, a := range assets {
		if a.Kind == KindNative {
			continue
		}
		bal, err := bank.Balance(r, VaultAccount, a.Denom)
		if err != nil {
			return err
		}
		if !bal.Eq(units[a.Denom]) {
			return fmt.Errorf("vault account holds %s%s, vaults count %s", bal, a.Denom, units[a.Denom])
		}
	}
	return nil
}

// checkMagnitudes: every maxMagnitude series only decreases and ends at
// the vault's maxMagnitude.
func checkMagnitudes(r store.Reader) error {
	var err error
	store.IteratePrefix(r, prefixVault, false, func(k, v []byte) bool {
		op, rest, perr := addrPart(k, k[len(prefixVault):])
		if err = perr; err != nil {
			return false
		}
		var vt Vault
		if err = state.Decode(k, v, &vt); err != nil {
			return false
		}
		err = checkMagSeries(r, op, string(rest), vt.MaxMag)
		return err == nil
	})
	return err
}

func checkMagSeries(r store.Reader, op account.Address, asset string, final num.Dec) error {
	prev := num.OneDec()
	var err error
	store.IteratePrefix(r, vaultSeries(prefixMagHist, op, asset), false, func(k, v []byte) bool {
		var x num.Int
		if x, err = readInt(v, "magnitude history"); err != nil {
			return false
		}
		m := num.DecFromRaw(x)
		if m.GT(prev) {
			err = fmt.Errorf("maxMagnitude of %s/%s rose from %s to %s", op, asset, prev, m)
			return false
		}
		prev = m
		return true
	})
	if err == nil && !prev.Eq(final) {
		err = fmt.Errorf("maxMagnitude of %s/%s is %s, its history ends at %s", op, asset, final, prev)
	}
	return err
}

// checkWithdrawals: ids run 1..next; a completed withdrawal was paid at
// most σ × maxMagnitude before its due time (once: completion is a flag
// that never clears); uncompleted ones fit in their vault's queued units.
func checkWithdrawals(r store.Reader) error {
	next, err := state.LoadU64(r, keyNextWd)
	if err != nil {
		return err
	}
	var n uint64
	store.IteratePrefix(r, prefixWithdrawal, false, func(k, v []byte) bool {
		var w Withdrawal
		if err = state.Decode(k, v, &w); err != nil {
			return false
		}
		n++
		if w.ID != n {
			err = fmt.Errorf("withdrawal #%d stored as the %d-th", w.ID, n)
			return false
		}
		err = checkWithdrawal(r, w)
		return err == nil
	})
	if err == nil && n != next {
		err = fmt.Errorf("%d withdrawals stored, %d issued", n, next)
	}
	return err
}

func checkWithdrawal(r store.Reader, w Withdrawal) error {
	if !w.Completed {
		if !w.Paid.IsZero() {
			return fmt.Errorf("withdrawal #%d paid %s before completion", w.ID, w.Paid)
		}
		return nil
	}
	a, err := loadAsset(r, w.Asset)
	if err != nil || a.Kind == KindNative {
		return err // native payouts depend on the delegation's factor at completion
	}
	mag, err := magBefore(r, w.Operator, w.Asset, w.Due_s)
	if err != nil {
		return err
	}
	most, err := unitsOf(w.Scaled, mag, false)
	if err == nil && w.Paid.GT(most) {
		err = fmt.Errorf("withdrawal #%d paid %s, more than σ·m = %s", w.ID, w.Paid, most)
	}
	return err
}

// checkEscrow: the escrow account holds exactly the unclaimed redistributions.
func checkEscrow(r store.Reader) error {
	want := map[string]num.Int{}
	var denoms []string // first-seen order, for a deterministic report
	var err error
	store.IteratePrefix(r, prefixSlash, false, func(k, v []byte) bool {
		var s Slash
		if err = state.Decode(k, v, &s); err != nil {
			return false
		}
		if s.Status != SlashExecuted || s.Destination.IsZero() || s.Claimed {
			return true
		}
		for _, t := range s.Taken {
			if _, ok := want[t.Asset]; !ok {
				denoms = append(denoms, t.Asset)
			}
			if want[t.Asset], err = want[t.Asset].Add(t.Amount); err != nil {
				return false
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	bals, err := bank.Balances(r, Escrow)
	if err != nil {
		return err
	}
	for _, c := range bals {
		if !c.Amount.Eq(want[c.Denom]) {
			return fmt.Errorf("escrow holds %s, unclaimed redistributions %s%s", c, want[c.Denom], c.Denom)
		}
		delete(want, c.Denom)
	}
	for _, d := range denoms {
		if x, ok := want[d]; ok && !x.IsZero() {
			return fmt.Errorf("escrow holds no %s, unclaimed redistributions %s%s", d, x, d)
		}
	}
	return nil
}

// checkSlashes: ids run 1..next, and a slash waits in the pending index
// exactly while it is pending (the index holds withdrawals back).
func checkSlashes(r store.Reader) error {
	next, err := state.LoadU64(r, keyNextSlash)
	if err != nil {
		return err
	}
	var n uint64
	store.IteratePrefix(r, prefixSlash, false, func(k, v []byte) bool {
		var s Slash
		if err = state.Decode(k, v, &s); err != nil {
			return false
		}
		n++
		_, indexed := r.Get(pendingKey(s.Operator, s.Requested_s, s.ID))
		switch {
		case s.ID != n:
			err = fmt.Errorf("slash #%d stored as the %d-th", s.ID, n)
		case indexed != (s.Status == SlashPending):
			err = fmt.Errorf("slash #%d is %s but pending-indexed=%v", s.ID, s.Status, indexed)
		case len(s.Allocated) != len(s.Assets):
			err = fmt.Errorf("slash #%d records %d allocations for %d assets", s.ID, len(s.Allocated), len(s.Assets))
		}
		return err == nil
	})
	if err == nil && n != next {
		err = fmt.Errorf("%d slashes stored, %d issued", n, next)
	}
	return err
}

// checkNativeRewards: per operator, what its positions are owed (settled
// or not) ≤ what is attributed ≤ the native account's balance.
func checkNativeRewards(r store.Reader) error {
	p, err := params.Load(r)
	if err != nil {
		return err
	}
	owed := map[account.Address]num.Int{} // looked up per operator below, never iterated for state
	store.IteratePrefix(r, prefixPosRewards, false, func(k, v []byte) bool {
		staker, rest, perr := addrPart(k, k[len(prefixPosRewards):])
		if err = perr; err != nil {
			return false
		}
		var op account.Address
		if op, _, err = addrPart(k, rest); err != nil {
			return false
		}
		var pr positionRewards
		if err = state.Decode(k, v, &pr); err != nil {
			return false
		}
		var due num.Int
		if due, err = positionOwed(r, p, staker, op, pr); err == nil {
			owed[op], err = owed[op].Add(due)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	store.IteratePrefix(r, prefixNativeRewards, false, func(k, v []byte) bool {
		var op account.Address
		copy(op[:], k[len(prefixNativeRewards):])
		var nr nativeRewards
		if err = state.Decode(k, v, &nr); err != nil {
			return false
		}
		err = checkHeld(r, p.NativeDenom, op, nr, owed[op])
		return err == nil
	})
	return err
}

func positionOwed(r store.Reader, p params.Params, staker, op account.Address, pr positionRewards) (num.Int, error) {
	var nr nativeRewards
	if _, err := state.Load(r, nativeRewardsKey(op), &nr); err != nil {
		return num.Int{}, err
	}
	pos, _, err := loadPosition(r, staker, op, p.NativeDenom)
	if err != nil {
		return num.Int{}, err
	}
	since, err := owedSince(pos.Scaled, nr.Acc, pr.Snap)
	if err != nil {
		return since, err
	}
	return pr.Accrued.Add(since)
}

func checkHeld(r store.Reader, denom string, op account.Address, nr nativeRewards, owed num.Int) error {
	bal, err := bank.Balance(r, NativeAccount(op), denom)
	if err != nil {
		return err
	}
	if owed.GT(nr.Held) || nr.Held.GT(bal) {
		return fmt.Errorf("native rewards of %s: positions owed %s, attributed %s, account holds %s", op, owed, nr.Held, bal)
	}
	return nil
}

// checkServiceTerms: every service's latest recorded terms are the terms
// it declares now (past-height networks read the record).
func checkServiceTerms(r store.Reader) error {
	var err error
	store.IteratePrefix(r, prefixService, false, func(k, v []byte) bool {
		var s Service
		if err = state.Decode(k, v, &s); err != nil {
			return false
		}
		var t ServiceTerms
		var found bool
		if t, found, err = termsAt(r, s.Name, math.MaxInt64); err == nil && (!found || !t.PfC.Eq(s.PfC) || !t.Threshold.Eq(s.Threshold)) {
			err = fmt.Errorf("service %s declares pfc %s, threshold %s; its terms history holds %s, %s (found %v)", s.Name, s.PfC, s.Threshold, t.PfC, t.Threshold, found)
		}
		return err == nil
	})
	return err
}
