package liquid

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Info is the pool as queries show it.
type Info struct {
	Pool       account.Address `json:"pool"`
	FeeAccount account.Address `json:"fee_account"`
	Denom      string          `json:"denom"`
	Books      Books           `json:"books"`
	Equity     num.Int         `json:"equity"`
	Rate       num.Dec         `json:"rate"` // stake per ststake, (equity + V) / (supply + V), rounding: down
	FeesPaid   num.Int         `json:"fees_paid"`
	Claims     uint64          `json:"claims"` // claims opened so far
}

// GetInfo reads the pool's state and rate.
func GetInfo(r store.Reader) (Info, error) {
	p, err := params.Load(r)
	if err != nil {
		return Info{}, err
	}
	b, err := loadBooks(r, p)
	if err != nil {
		return Info{}, err
	}
	ps, err := loadPool(r)
	if err != nil {
		return Info{}, err
	}
	in := Info{Pool: Pool, FeeAccount: FeeAccount, Denom: Denom, Books: b, FeesPaid: ps.FeesPaid, Claims: ps.NextClaim}
	if in.Equity, err = b.Equity(); err != nil {
		return in, err
	}
	in.Rate, err = rateOf(in.Equity, b.Supply)
	return in, err
}

// Rate is the current stake value of one ststake (WAD, rounding: down).
func Rate(r store.Reader) (num.Dec, error) {
	in, err := GetInfo(r)
	return in.Rate, err
}

// GetClaim returns claim id (paid claims stay queryable).
func GetClaim(r store.Reader, id uint64) (Claim, bool, error) { return loadClaim(r, id) }

// ClaimsOf lists owner's claims by id (at most MaxClaimsListed, newest last).
func ClaimsOf(r store.Reader, owner account.Address) ([]Claim, error) {
	prefix := state.Key(prefixByUser, owner[:])
	var ids []uint64
	store.IteratePrefix(r, prefix, false, func(k, _ []byte) bool {
		id, _ := state.ReadU64(k[len(prefix):])
		ids = append(ids, id)
		return len(ids) < MaxClaimsListed
	})
	out := make([]Claim, 0, len(ids))
	for _, id := range ids {
		c, _, err := loadClaim(r, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
