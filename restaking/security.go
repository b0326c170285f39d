package restaking

import (
	"math/big"
	"sort"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/risk"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// SecurityNetwork is the state's restaking network in the risk engine's
// terms (SPEC §8), exactly (no rounding: values are asset amounts times
// 18-decimal asset values):
//   - σ_v: the native-unit value of operator v's delegated stake over all
//     its assets;
//   - w_vs: the native-unit value of v's stake slashable by s now — its
//     allocations in force, min(magnitude, maxMagnitude), as the stored
//     weights hold them (an opted-out operator's allocation stays until
//     its deallocation takes effect, as it stays slashable);
//   - π_s, α_s: the service's declared pfc and threshold.
//
// Operators are listed by address, services by name, allocations by
// (operator, service). Work is O(operators × assets + allocations).
func SecurityNetwork(r store.Reader) (*risk.Network, error) {
	vals, err := assetValues(r)
	if err != nil {
		return nil, err
	}
	n := &risk.Network{}
	if err := addServices(r, n); err != nil {
		return nil, err
	}
	var ops []account.Address
	store.IteratePrefix(r, prefixOperator, false, func(k, _ []byte) bool {
		var a account.Address
		copy(a[:], k[len(prefixOperator):])
		ops = append(ops, a)
		return len(ops) < risk.MaxOperators
	})
	for _, op := range ops {
		if err := addOperator(r, vals, op, n); err != nil {
			return nil, err
		}
	}
	return n, n.Validate()
}

// assetValue pairs an asset with its exact value in native units.
type assetValue struct {
	asset Asset
	value *big.Rat
}

func assetValues(r store.Reader) ([]assetValue, error) {
	assets, err := Assets(r)
	if err != nil {
		return nil, err
	}
	out := make([]assetValue, 0, len(assets))
	for _, a := range assets {
		v, err := AssetValue(r, a)
		if err != nil {
			return nil, err
		}
		out = append(out, assetValue{a, v.Rat()})
	}
	return out, nil
}

func addServices(r store.Reader, n *risk.Network) error {
	var err error
	store.IteratePrefix(r, prefixService, false, func(k, v []byte) bool {
		var s Service
		if err = state.Decode(k, v, &s); err != nil {
			return false
		}
		n.Services = append(n.Services, risk.Service{ID: s.Name, PfC: new(big.Rat).SetInt(s.PfC.Big()), Threshold: s.Threshold.Rat()})
		return len(n.Services) < risk.MaxServices
	})
	return err
}

// addOperator appends op's stake and its allocations' values.
func addOperator(r store.Reader, vals []assetValue, op account.Address, n *risk.Network) error {
	os, err := readOpSecurity(r, vals, op)
	if err != nil {
		return err
	}
	n.Operators = append(n.Operators, risk.Operator{ID: op.String(), Stake: os.stake})
	for _, svc := range os.names {
		n.Allocations = append(n.Allocations, risk.Allocation{Operator: op.String(), Service: svc, Amount: os.alloc[svc]})
	}
	return nil
}

// opSecurity is one operator's σ_v and its w_vs by service.
type opSecurity struct {
	stake *big.Rat
	alloc map[string]*big.Rat // lookups only; names gives the order
	names []string            // sorted
}

// readOpSecurity reads σ_v from op's vaults and w_vs from the stored
// allocation weights (the effective allocated amounts rewards use, kept
// current on every vault change). A native weight follows the delegation
// of its last reweigh; should that exceed σ_v by rounding, w_vs is capped
// at σ_v, as the model requires.
func readOpSecurity(r store.Reader, vals []assetValue, op account.Address) (opSecurity, error) {
	os := opSecurity{stake: new(big.Rat), alloc: map[string]*big.Rat{}}
	for _, av := range vals {
		vv, err := loadVault(r, op, av.asset)
		if err != nil {
			return os, err
		}
		t, err := vv.toTokens(vv.active())
		if err != nil {
			return os, err
		}
		os.stake.Add(os.stake, tokenValue(t.Big(), av.value))
		if err := os.addWeights(r, op, av); err != nil {
			return os, err
		}
	}
	sort.Strings(os.names)
	for _, svc := range os.names {
		if os.alloc[svc].Cmp(os.stake) > 0 {
			os.alloc[svc].Set(os.stake)
		}
	}
	return os, nil
}

func (os *opSecurity) addWeights(r store.Reader, op account.Address, av assetValue) error {
	prefix := weightPrefix(op, av.asset.Denom)
	var err error
	store.IteratePrefix(r, prefix, false, func(k, v []byte) bool {
		var w num.Int
		if w, err = num.IntFromBytes(v); err != nil {
			return false
		}
		os.add(string(k[len(prefix):]), tokenValue(w.Big(), av.value))
		return len(os.names) <= MaxServicesPerOperator+MaxAllocationsPerVault
	})
	return err
}

func (os *opSecurity) add(svc string, v *big.Rat) {
	if os.alloc[svc] == nil {
		os.alloc[svc] = new(big.Rat)
		os.names = append(os.names, svc)
	}
	os.alloc[svc].Add(os.alloc[svc], v)
}

// serviceTotal is W_s: the value of every operator's weight for svc.
func serviceTotal(r store.Reader, vals []assetValue, svc string) (*big.Rat, error) {
	total := new(big.Rat)
	for _, av := range vals {
		u, err := state.LoadAmount(r, serviceWeightKey(svc, av.asset.Denom))
		if err != nil {
			return nil, err
		}
		total.Add(total, tokenValue(u.Big(), av.value))
	}
	return total, nil
}

func tokenValue(tokens *big.Int, value *big.Rat) *big.Rat {
	return new(big.Rat).Mul(new(big.Rat).SetInt(tokens), value)
}
