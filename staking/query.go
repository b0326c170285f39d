package staking

import (
	"bytes"
	"sort"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Read-only queries for the API, CLI and simulator.

// DelegationView is a delegation with its current token value.
type DelegationView struct {
	Delegator account.Address `json:"delegator"`
	Validator account.Address `json:"validator"`
	Shares    num.Int         `json:"shares"`
	Tokens    num.Int         `json:"tokens"` // rounding: down
}

// GetValidator returns the validator run by operator.
func GetValidator(r store.Reader, operator account.Address) (Validator, bool, error) {
	return loadValidator(r, operator)
}

// ValidatorByConsAddr resolves a CometBFT address to its validator.
func ValidatorByConsAddr(r store.Reader, consAddr []byte) (Validator, bool, error) {
	op, ok := operatorByCons(r, consAddr)
	if !ok {
		return Validator{}, false, nil
	}
	return loadValidator(r, op)
}

// Validators lists every validator by tokens desc, then operator bytes.
func Validators(r store.Reader) ([]Validator, error) {
	var out []Validator
	var err error
	store.IteratePrefix(r, prefixValidator, false, func(k, v []byte) bool {
		var val Validator
		if err = decodeJSON(k, v, &val); err != nil {
			return false
		}
		val.markLoaded()
		out = append(out, val)
		return true
	})
	sort.SliceStable(out, func(i, j int) bool {
		if c := out[i].Tokens.Cmp(out[j].Tokens); c != 0 {
			return c > 0
		}
		return bytes.Compare(out[i].Operator[:], out[j].Operator[:]) < 0
	})
	return out, err
}

// GetDelegation returns delegator's delegation to validator.
func GetDelegation(r store.Reader, delegator, validator account.Address) (DelegationView, bool, error) {
	d, found, err := loadDelegation(r, delegator, validator)
	if err != nil || !found {
		return DelegationView{}, found, err
	}
	v, err := mustValidator(r, validator)
	if err != nil {
		return DelegationView{}, false, err
	}
	return viewOf(r, delegator, v, d)
}

func viewOf(r store.Reader, delegator account.Address, v Validator, d delegation) (DelegationView, bool, error) {
	lh, err := loadLotHead(r, v.Operator)
	if err != nil {
		return DelegationView{}, false, err
	}
	s := ownedShares(lh, d)
	return DelegationView{Delegator: delegator, Validator: v.Operator, Shares: s,
		Tokens: tokensOfShares(s, v.Tokens, v.DelegatorShares)}, true, nil
}

// DelegationsOf lists delegator's delegations by validator address.
func DelegationsOf(r store.Reader, delegator account.Address) ([]DelegationView, error) {
	items, err := delegationsOf(r, delegator)
	if err != nil {
		return nil, err
	}
	out := make([]DelegationView, 0, len(items))
	for _, it := range items {
		v, err := mustValidator(r, it.op)
		if err != nil {
			return nil, err
		}
		view, _, err := viewOf(r, delegator, v, it.d)
		if err != nil {
			return nil, err
		}
		out = append(out, view)
	}
	return out, nil
}

// DelegatorTokens is the token value of delegator's stake with validator (0 if none).
func DelegatorTokens(r store.Reader, delegator, validator account.Address) (num.Int, error) {
	d, found, err := loadDelegation(r, delegator, validator)
	if err != nil || !found {
		return num.Int{}, err
	}
	v, err := mustValidator(r, validator)
	if err != nil {
		return num.Int{}, err
	}
	view, _, err := viewOf(r, delegator, v, d)
	return view.Tokens, err
}

// UnbondingsOf lists delegator's live unbonding entries by validator, then id.
func UnbondingsOf(r store.Reader, delegator account.Address) ([]Unbonding, error) {
	prefix := state.Key(prefixUbdByDel, delegator[:])
	type ref struct {
		op    account.Address
		index uint64
	}
	var refs []ref
	store.IteratePrefix(r, prefix, false, func(k, v []byte) bool {
		var x ref
		copy(x.op[:], k[len(prefix):])
		x.index, _ = state.ReadU64(v)
		refs = append(refs, x)
		return len(refs) < MaxDelegationsPerAccount*MaxUnbondingsPerPair
	})
	out := make([]Unbonding, 0, len(refs))
	for _, x := range refs {
		e, err := loadEntry(r, x.op, x.index)
		if err != nil {
			return nil, err
		}
		value, err := entryValue(r, e)
		if err != nil {
			return nil, err
		}
		out = append(out, e.view(value))
	}
	return out, nil
}
