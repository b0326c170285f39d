package liquid

import (
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/store"
)

// Books is the pool's balance sheet at one point in time (see doc.go).
type Books struct {
	Delegated num.Int `json:"delegated"` // token value of the pool's delegations
	Unbonding num.Int `json:"unbonding"` // value of the pool's live unbonding entries
	Idle      num.Int `json:"idle"`      // the pool's stake balance
	Pending   num.Int `json:"pending"`   // pending rewards net of lst_fee
	Owed      num.Int `json:"owed"`      // Σ unpaid claims' Amount: the most they can be paid
	Supply    num.Int `json:"supply"`    // ststake in circulation
	Burned    num.Int `json:"burned"`    // ststake burned by unpaid claims, still priced by the rate

	dels []staking.DelegationView // the pool's delegations, by validator address (for the policy)
}

// Assets is everything the pool holds or will receive (A in doc.go).
func (b Books) Assets() (num.Int, error) {
	return sum(b.Delegated, b.Unbonding, b.Idle, b.Pending)
}

// Shares is the ststake the assets back: in circulation plus burned by
// unpaid claims (D in doc.go).
func (b Books) Shares() (num.Int, error) {
	return b.Supply.Add(b.Burned)
}

// paid records that a claim of burned ststake and amount was paid pay out
// of the pool's idle stake, so that the next claim of the same batch is
// valued on the books as they are now.
func (b *Books) paid(burned, amount, pay num.Int) error {
	var err error
	if b.Idle, err = b.Idle.Sub(pay); err != nil {
		return err
	}
	if b.Burned, err = b.Burned.Sub(burned); err != nil {
		return err
	}
	b.Owed, err = b.Owed.Sub(amount)
	return err
}

func sum(xs ...num.Int) (num.Int, error) {
	var t num.Int
	var err error
	for _, x := range xs {
		if t, err = t.Add(x); err != nil {
			return t, err
		}
	}
	return t, nil
}

// loadBooks reads the balance sheet. Cost O(delegations and unbonding
// entries of the pool).
func loadBooks(r store.Reader, p params.Params) (Books, error) {
	ps, err := loadPool(r)
	if err != nil {
		return Books{}, err
	}
	b := Books{Owed: ps.Owed, Supply: ps.Supply, Burned: ps.Burned}
	if b.dels, err = staking.DelegationsOf(r, Pool); err != nil {
		return b, err
	}
	if b.Delegated, err = delegatedValue(b.dels); err != nil {
		return b, err
	}
	if b.Unbonding, err = unbondingValue(r); err != nil {
		return b, err
	}
	if b.Idle, err = bank.Balance(r, Pool, p.NativeDenom); err != nil {
		return b, err
	}
	b.Pending, err = pendingNet(r, p)
	return b, err
}

func delegatedValue(dels []staking.DelegationView) (num.Int, error) {
	var t num.Int
	var err error
	for _, d := range dels {
		if t, err = t.Add(d.Tokens); err != nil {
			return t, err
		}
	}
	return t, nil
}

// unbondingValue is the value of the pool's live unbonding entries (after
// the slashes so far).
func unbondingValue(r store.Reader) (num.Int, error) {
	ubs, err := staking.UnbondingsOf(r, Pool)
	if err != nil {
		return num.Int{}, err
	}
	var t num.Int
	for _, u := range ubs {
		if t, err = t.Add(u.Value); err != nil {
			return t, err
		}
	}
	return t, nil
}

// pendingNet is the pool's unclaimed rewards minus the fee harvesting will take.
func pendingNet(r store.Reader, p params.Params) (num.Int, error) {
	c, err := staking.PendingRewards(r, Pool)
	if err != nil {
		return num.Int{}, err
	}
	gross := c.AmountOf(p.NativeDenom)
	fee, err := feeOf(gross, p.LSTFee)
	if err != nil {
		return num.Int{}, err
	}
	return gross.Sub(fee)
}

// feeOf is lst_fee of a reward (rounding: down — it is paid out of the pool).
func feeOf(reward num.Int, rate num.Dec) (num.Int, error) {
	return rate.MulIntDown(reward)
}

// mintRatio is the deposit rate (A + V) / (D + V) as numerator and
// denominator: the virtual offset V on both sides (doc.go).
func mintRatio(b Books) (numer, denom num.Int, err error) {
	a, err := b.Assets()
	if err != nil {
		return
	}
	d, err := b.Shares()
	if err != nil {
		return
	}
	if numer, err = a.Add(virtual()); err != nil {
		return
	}
	denom, err = d.Add(virtual())
	return
}

// valueRatio is the redemption rate r = min((A + V) / (D + V), A / D) as
// numerator and denominator. The first term is the smaller exactly when
// A ≥ D, so no multiplication is needed to choose. With no shares (D = 0)
// nothing can be redeemed and the deposit rate is returned for display.
func valueRatio(b Books) (numer, denom num.Int, err error) {
	a, err := b.Assets()
	if err != nil {
		return
	}
	d, err := b.Shares()
	if err != nil {
		return
	}
	if a.GTE(d) || d.IsZero() {
		return mintRatio(b)
	}
	return a, d, nil
}

// mintFor is the ststake a deposit of amount buys:
// amount × (D + V) / (A + V) (rounding: down, against the depositor).
func mintFor(amount num.Int, b Books) (num.Int, error) {
	numer, denom, err := mintRatio(b)
	if err != nil {
		return num.Int{}, err
	}
	return amount.MulDivDown(denom, numer)
}

// valueOf is the stake st ststake (st ≤ D) is worth: st × r (rounding:
// down, against the holder). It never exceeds A, since r ≤ A / D.
func valueOf(st num.Int, b Books) (num.Int, error) {
	numer, denom, err := valueRatio(b)
	if err != nil {
		return num.Int{}, err
	}
	return st.MulDivDown(numer, denom)
}

// rateOf is r as a WAD decimal (rounding: down; display only).
func rateOf(b Books) (num.Dec, error) {
	numer, denom, err := valueRatio(b)
	if err != nil {
		return num.Dec{}, err
	}
	return num.RatioDown(numer, denom)
}
