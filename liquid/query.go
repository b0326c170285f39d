package liquid

import (
	"errors"
	"fmt"

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
	Assets     num.Int         `json:"assets"` // A: delegated + unbonding + idle + pending
	Rate       num.Dec         `json:"rate"`   // stake per ststake, r of doc.go (rounding: down)
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
	if in.Assets, err = b.Assets(); err != nil {
		return in, err
	}
	in.Rate, err = rateOf(b)
	return in, err
}

// Rate is the current stake value of one ststake (WAD, rounding: down).
func Rate(r store.Reader) (num.Dec, error) {
	in, err := GetInfo(r)
	return in.Rate, err
}

// GetClaim returns claim id (paid claims stay queryable).
func GetClaim(r store.Reader, id uint64) (Claim, bool, error) { return loadClaim(r, id) }

// ClaimsOf lists owner's claims newest first: those with id < before (all
// when before is 0), at most limit (1..MaxClaimsListed). next is the id to
// pass as before for the following page, 0 when there is none. Cost
// O(limit): one reverse seek over the owner's index.
func ClaimsOf(r store.Reader, owner account.Address, before uint64, limit int) (claims []Claim, next uint64, err error) {
	if limit < 1 || limit > MaxClaimsListed {
		return nil, 0, state.Reject("bad-limit", "limit must be 1..%d, got %d", MaxClaimsListed, limit)
	}
	ids, err := ownerClaimIDs(r, owner, before, limit+1)
	if err != nil {
		return nil, 0, err
	}
	if len(ids) > limit {
		ids, next = ids[:limit], ids[limit-1]
	}
	claims = make([]Claim, 0, len(ids))
	for _, id := range ids {
		c, found, err := loadClaim(r, id)
		if err != nil || !found {
			return nil, 0, errors.Join(err, fmt.Errorf("%w: liquid claim %d indexed for %s is missing", state.ErrCorrupt, id, owner))
		}
		claims = append(claims, c)
	}
	return claims, next, nil
}

// ownerClaimIDs reads at most n of owner's claim ids below before, descending.
func ownerClaimIDs(r store.Reader, owner account.Address, before uint64, n int) ([]uint64, error) {
	prefix := state.Key(prefixByUser, owner[:])
	end := store.PrefixEnd(prefix)
	if before > 0 {
		end = state.Key(prefix, state.U64(before))
	}
	var ids []uint64
	var bad error
	r.Iterate(prefix, end, true, func(k, _ []byte) bool {
		if len(k) != len(prefix)+8 {
			bad = fmt.Errorf("%w: liquid owner key %q", state.ErrCorrupt, k)
			return false
		}
		id, _ := state.ReadU64(k[len(prefix):])
		ids = append(ids, id)
		return len(ids) < n
	})
	return ids, bad
}
