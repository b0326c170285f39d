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
	Owed      num.Int `json:"owed"`      // Σ unpaid claims' Amount
	Supply    num.Int `json:"supply"`    // ststake in circulation
}

// Assets is everything the pool holds or will receive.
func (b Books) Assets() (num.Int, error) {
	return sum(b.Delegated, b.Unbonding, b.Idle, b.Pending)
}

// Equity is assets − owed, the stake backing ststake (0 if owed exceeds
// assets, which the invariants forbid).
func (b Books) Equity() (num.Int, error) {
	a, err := b.Assets()
	return a.SubSat(b.Owed), err
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

// loadBooks reads the balance sheet. Cost O(validators the pool uses).
func loadBooks(r store.Reader, p params.Params) (Books, error) {
	ps, err := loadPool(r)
	if err != nil {
		return Books{}, err
	}
	b := Books{Owed: ps.Owed, Supply: ps.Supply}
	if b.Delegated, err = delegatedValue(r); err != nil {
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

func delegatedValue(r store.Reader) (num.Int, error) {
	dels, err := staking.DelegationsOf(r, Pool)
	if err != nil {
		return num.Int{}, err
	}
	var t num.Int
	for _, d := range dels {
		if t, err = t.Add(d.Tokens); err != nil {
			return t, err
		}
	}
	return t, nil
}

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

// pendingNet is the pool's unclaimed rewards minus the fee compounding will take.
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

// mintFor is the ststake a deposit of amount buys:
// amount × (supply + V) / (equity + V) (rounding: down, against the depositor).
func mintFor(amount, equity, supply num.Int) (num.Int, error) {
	s, e, err := withVirtual(equity, supply)
	if err != nil {
		return num.Int{}, err
	}
	return amount.MulDivDown(s, e)
}

// valueOf is the stake st ststake is worth:
// st × (equity + V) / (supply + V) (rounding: down, against the holder),
// and never more than equity.
func valueOf(st, equity, supply num.Int) (num.Int, error) {
	s, e, err := withVirtual(equity, supply)
	if err != nil {
		return num.Int{}, err
	}
	v, err := st.MulDivDown(e, s)
	return v.Min(equity), err
}

// rateOf is r = (equity + V) / (supply + V) as a WAD decimal (rounding: down; display).
func rateOf(equity, supply num.Int) (num.Dec, error) {
	s, e, err := withVirtual(equity, supply)
	if err != nil {
		return num.Dec{}, err
	}
	return num.RatioDown(e, s)
}

func withVirtual(equity, supply num.Int) (s, e num.Int, err error) {
	if s, err = supply.Add(virtual()); err != nil {
		return
	}
	e, err = equity.Add(virtual())
	return
}
