package liquid

import (
	"fmt"

	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Invariants are the pool's SPEC §11 checks (tests and simulation).
func Invariants() []state.Invariant {
	return []state.Invariant{
		{Name: "liquid-supply", Check: checkSupply},
		{Name: "liquid-claims", Check: checkClaims},
		{Name: "liquid-covered", Check: checkCovered},
	}
}

// checkSupply: the pool's ststake count is the bank's supply of ststake,
// and the fee account (which no key can spend) holds every fee paid.
func checkSupply(r store.Reader) error {
	ps, err := loadPool(r)
	if err != nil {
		return err
	}
	s, err := bank.Supply(r, Denom)
	if err != nil {
		return err
	}
	if !s.Eq(ps.Supply) {
		return fmt.Errorf("pool counts %s%s, bank supply is %s", ps.Supply, Denom, s)
	}
	p, err := params.Load(r)
	if err != nil {
		return err
	}
	fees, err := bank.Balance(r, FeeAccount, p.NativeDenom)
	if err == nil && fees.LT(ps.FeesPaid) {
		err = fmt.Errorf("fee account holds %s, the pool paid it %s", fees, ps.FeesPaid)
	}
	return err
}

// claimTotals are sums over the unpaid claims.
type claimTotals struct {
	n, unpaid     uint64
	owed, burned  num.Int
	minCompletion int64
}

// checkClaims: claims are numbered 1..NextClaim and indexed under their
// owner; a claim is queued exactly when unpaid (so it is paid at most
// once) and never paid more than its amount; Owed and Burned are the sums
// of the unpaid claims' Amount and Burned, Unpaid their number, and
// NextDue_s is not after the first of their completions.
func checkClaims(r store.Reader) error {
	ps, err := loadPool(r)
	if err != nil {
		return err
	}
	var t claimTotals
	store.IteratePrefix(r, prefixClaim, false, func(k, v []byte) bool {
		var c Claim
		if err = state.Decode(k, v, &c); err == nil {
			err = checkClaim(r, c, &t)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	return checkTotals(ps, t)
}

func checkClaim(r store.Reader, c Claim, t *claimTotals) error {
	t.n++
	if _, ok := r.Get(ownerKey(c.Owner, c.ID)); !ok {
		return fmt.Errorf("claim %d is not indexed under its owner", c.ID)
	}
	_, queued := r.Get(queueKey(c.Completion_s, c.ID))
	if queued == c.Paid {
		return fmt.Errorf("claim %d: paid=%v but queued=%v", c.ID, c.Paid, queued)
	}
	if c.Paid {
		if c.PaidAmount.GT(c.Amount) {
			return fmt.Errorf("claim %d paid %s, more than its %s", c.ID, c.PaidAmount, c.Amount)
		}
		return nil
	}
	if t.unpaid == 0 || c.Completion_s < t.minCompletion {
		t.minCompletion = c.Completion_s
	}
	t.unpaid++
	var err error
	if t.owed, err = t.owed.Add(c.Amount); err != nil {
		return err
	}
	t.burned, err = t.burned.Add(c.Burned)
	return err
}

func checkTotals(ps poolState, t claimTotals) error {
	switch {
	case t.n != ps.NextClaim:
		return fmt.Errorf("%d claim records, %d issued", t.n, ps.NextClaim)
	case t.unpaid != ps.Unpaid:
		return fmt.Errorf("%d unpaid claims, pool counts %d", t.unpaid, ps.Unpaid)
	case !t.owed.Eq(ps.Owed):
		return fmt.Errorf("owed %s, unpaid claims sum to %s", ps.Owed, t.owed)
	case !t.burned.Eq(ps.Burned):
		return fmt.Errorf("burned %s, unpaid claims burned %s", ps.Burned, t.burned)
	case t.unpaid > 0 && ps.NextDue_s > t.minCompletion:
		return fmt.Errorf("next due time %d is after claim completion %d", ps.NextDue_s, t.minCompletion)
	}
	return nil
}

// checkCovered: valued at the current rate, all ststake in circulation
// and all unpaid claims together are worth no more than the pool's
// assets, so every holder and every claim could be paid from them at once.
func checkCovered(r store.Reader) error {
	ps, err := loadPool(r)
	if err != nil || (ps.Supply.IsZero() && ps.Unpaid == 0) {
		return err
	}
	p, err := params.Load(r)
	if err != nil {
		return err
	}
	b, err := loadBooks(r, p)
	if err != nil {
		return err
	}
	due, err := unpaidPayable(r, b)
	if err != nil {
		return err
	}
	held, err := valueOf(b.Supply, b)
	if err != nil {
		return err
	}
	total, err := due.Add(held)
	if err != nil {
		return err
	}
	a, err := b.Assets()
	if err == nil && total.GT(a) {
		err = fmt.Errorf("holders' %s and claims' %s exceed the pool's assets %s", held, due, a)
	}
	return err
}

// unpaidPayable is Σ payable over the unpaid claims (found through the queue).
func unpaidPayable(r store.Reader, b Books) (num.Int, error) {
	var total num.Int
	var err error
	store.IteratePrefix(r, prefixQueue, false, func(k, _ []byte) bool {
		if len(k) != len(prefixQueue)+16 {
			err = fmt.Errorf("%w: liquid queue key %q", state.ErrCorrupt, k)
			return false
		}
		id, _ := state.ReadU64(k[len(k)-8:])
		c, found, lerr := loadClaim(r, id)
		if lerr != nil || !found {
			err = fmt.Errorf("queued claim %d: found=%v %v", id, found, lerr)
			return false
		}
		var pay num.Int
		if pay, err = payable(c, b); err == nil {
			total, err = total.Add(pay)
		}
		return err == nil
	})
	return total, err
}
