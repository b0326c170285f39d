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

// checkSupply: the pool's ststake count is the bank's supply of ststake.
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
	return nil
}

// checkClaims: claims are numbered 1..NextClaim; a claim is queued exactly
// when unpaid (so it is paid at most once); owed is Σ unpaid amounts and
// a paid claim never got more than its amount.
func checkClaims(r store.Reader) error {
	ps, err := loadPool(r)
	if err != nil || ps.NextClaim == 0 {
		return err
	}
	var owed num.Int
	var n, unpaid uint64
	store.IteratePrefix(r, prefixClaim, false, func(k, v []byte) bool {
		var c Claim
		if err = state.Decode(k, v, &c); err != nil {
			return false
		}
		n++
		if !c.Paid {
			unpaid++
			if c.Completion_s < ps.NextDue_s {
				err = fmt.Errorf("claim %d completes at %d, before the next due time %d", c.ID, c.Completion_s, ps.NextDue_s)
				return false
			}
		}
		err = checkClaim(r, c, &owed)
		return err == nil
	})
	if err != nil {
		return err
	}
	if unpaid != ps.Unpaid {
		return fmt.Errorf("%d unpaid claims, pool counts %d", unpaid, ps.Unpaid)
	}
	if n != ps.NextClaim {
		return fmt.Errorf("%d claim records, %d issued", n, ps.NextClaim)
	}
	if !owed.Eq(ps.Owed) {
		return fmt.Errorf("owed %s, unpaid claims sum to %s", ps.Owed, owed)
	}
	return nil
}

func checkClaim(r store.Reader, c Claim, owed *num.Int) error {
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
	var err error
	*owed, err = owed.Add(c.Amount)
	return err
}

// checkCovered: what the unpaid claims would be paid now fits in the
// pool's assets, and none would get more than its amount.
func checkCovered(r store.Reader) error {
	ps, err := loadPool(r)
	if err != nil || ps.Unpaid == 0 {
		return err // nothing owed
	}
	p, err := params.Load(r)
	if err != nil {
		return err
	}
	b, err := loadBooks(r, p)
	if err != nil {
		return err
	}
	if a, err := b.Assets(); err != nil || a.GTE(b.Owed) {
		return err // each claim is paid at most its amount: Σ ≤ owed ≤ assets
	}
	var total num.Int
	store.IteratePrefix(r, prefixClaim, false, func(k, v []byte) bool {
		var c Claim
		if err = state.Decode(k, v, &c); err != nil || c.Paid {
			return err == nil
		}
		var pay num.Int
		if pay, err = payable(c, b); err == nil {
			total, err = total.Add(pay)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	a, err := b.Assets()
	if err == nil && a.LT(total) {
		err = fmt.Errorf("pool assets %s below what unpaid claims are due %s", a, total)
	}
	return err
}
