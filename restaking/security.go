package restaking

import (
	"fmt"
	"math/big"
	"sort"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/risk"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// SecurityNetwork is the state's restaking network in the risk engine's
// terms (SPEC §8), in whole native base units:
//   - σ_v: the native-unit value of operator v's delegated stake over all
//     its assets;
//   - w_vs: the native-unit value of v's stake slashable by s now — its
//     allocations in force, min(magnitude, maxMagnitude), as the stored
//     weights hold them (an opted-out operator's allocation stays until
//     its deallocation takes effect, as it stays slashable);
//   - π_s, α_s: the service's declared pfc and threshold.
//
// σ_v and w_vs are computed exactly (asset amounts times 18-decimal asset
// values) and then rounded down to whole base units, as every native value
// in the chain is (docs/ROUNDING.md): w_vs ≤ σ_v survives the floor, and
// whole units keep the exact attack search on machine integers. The guard
// rails work on the exact values (SecurityNetworkExact), so a term of the
// exported network can sit below the guard's by that rounding.
//
// Operators are listed by address, services by name, allocations by
// (operator, service). Work is O(operators × assets + allocations).
func SecurityNetwork(r store.Reader) (*risk.Network, error) { return securityNetwork(r, floorUnits) }

// SecurityNetworkExact is SecurityNetwork without the rounding: what the
// guard rails compute their terms on.
func SecurityNetworkExact(r store.Reader) (*risk.Network, error) { return securityNetwork(r, unscale) }

// floorUnits turns a value ×1e18 into whole base units, rounded down.
func floorUnits(x *big.Int) *big.Rat { return new(big.Rat).SetInt(new(big.Int).Quo(x, wadBig)) }

func securityNetwork(r store.Reader, toValue func(*big.Int) *big.Rat) (*risk.Network, error) {
	vals, err := assetValues(r)
	if err != nil {
		return nil, err
	}
	n := &risk.Network{}
	if err := addServices(r, n); err != nil {
		return nil, err
	}
	// Three ordered scans (operators, vaults, weights — all keyed by
	// operator first) instead of seeks per operator.
	stakes, err := scanStakes(r, vals)
	if err != nil {
		return nil, err
	}
	weights, err := scanWeights(r, vals)
	if err != nil {
		return nil, err
	}
	store.IteratePrefix(r, prefixOperator, false, func(k, _ []byte) bool {
		if len(n.Operators) >= risk.MaxOperators {
			err = tooLarge("operators", risk.MaxOperators)
			return false
		}
		var op account.Address
		copy(op[:], k[len(prefixOperator):])
		addOperator(n, op, stakes[op], weights[op], toValue)
		return true
	})
	if err != nil {
		return nil, err
	}
	return n, n.Validate()
}

// tooLarge refuses a network past the risk engine's bounds rather than
// cutting it silently.
func tooLarge(what string, limit int) error {
	return fmt.Errorf("%w: the network has more than %d %s", risk.ErrTooLarge, limit, what)
}

// opWeight is w_vs (×1e18) of one (operator, service), in key order.
type opWeight struct {
	svc string
	w   *big.Int
}

// scanStakes sums σ_v (×1e18) over every vault.
func scanStakes(r store.Reader, vals []assetValue) (map[account.Address]*big.Int, error) {
	out := map[account.Address]*big.Int{} // lookups only
	var err error
	store.IteratePrefix(r, prefixVault, false, func(k, v []byte) bool {
		var op account.Address
		var rest []byte
		if op, rest, err = addrPart(k, k[len(prefixVault):]); err != nil {
			return false
		}
		av, ok := findValue(vals, string(rest))
		if !ok {
			err = fmt.Errorf("%w: vault %s/%s of an unregistered asset", state.ErrCorrupt, op, rest)
			return false
		}
		vv := vaultView{op: op, asset: av.asset}
		if err = state.Decode(k, v, &vv.v); err != nil {
			return false
		}
		var t num.Int
		if t, err = vaultTokens(r, vv); err != nil {
			return false
		}
		if out[op] == nil {
			if len(out) >= risk.MaxOperators {
				err = tooLarge("operators", risk.MaxOperators)
				return false
			}
			out[op] = new(big.Int)
		}
		addScaled(out[op], t, av.raw)
		return true
	})
	return out, err
}

func vaultTokens(r store.Reader, vv vaultView) (num.Int, error) {
	if err := vv.refreshTokens(r); err != nil {
		return num.Int{}, err
	}
	if err := vv.check(); err != nil {
		return num.Int{}, err
	}
	return vv.toTokens(vv.active())
}

// scanWeights sums w_vs (×1e18) per (operator, service) over assets.
func scanWeights(r store.Reader, vals []assetValue) (map[account.Address][]opWeight, error) {
	out := map[account.Address][]opWeight{} // lookups only; each list in service order below
	var err error
	count := 0
	store.IteratePrefix(r, prefixWeight, false, func(k, v []byte) bool {
		var op account.Address
		var rest []byte
		if op, rest, err = addrPart(k, k[len(prefixWeight):]); err != nil {
			return false
		}
		denom, svc, ok := splitLP(rest)
		av, known := findValue(vals, denom)
		if !ok || !known {
			err = fmt.Errorf("%w: weight key %q", state.ErrCorrupt, k)
			return false
		}
		var w num.Int
		if w, err = num.IntFromBytes(v); err != nil {
			return false
		}
		if count++; count > risk.MaxAllocations {
			err = tooLarge("allocations", risk.MaxAllocations)
			return false
		}
		out[op] = addWeight(out[op], svc, w, av.raw)
		return true
	})
	return out, err
}

// addWeight adds to the list's entry for svc, keeping it sorted.
func addWeight(list []opWeight, svc string, w num.Int, raw *big.Int) []opWeight {
	i := sort.Search(len(list), func(i int) bool { return list[i].svc >= svc })
	if i == len(list) || list[i].svc != svc {
		list = append(list, opWeight{})
		copy(list[i+1:], list[i:])
		list[i] = opWeight{svc: svc, w: new(big.Int)}
	}
	addScaled(list[i].w, w, raw)
	return list
}

// addOperator appends op with σ_v (×1e18, nil: 0) and its w_vs (capped
// at σ_v: see readOpSecurity).
func addOperator(n *risk.Network, op account.Address, stake *big.Int, weights []opWeight, toValue func(*big.Int) *big.Rat) {
	if stake == nil {
		stake = new(big.Int)
	}
	id := op.String()
	n.Operators = append(n.Operators, risk.Operator{ID: id, Stake: toValue(stake)})
	for _, ow := range weights {
		w := ow.w
		if w.Cmp(stake) > 0 {
			w = stake
		}
		n.Allocations = append(n.Allocations, risk.Allocation{Operator: id, Service: ow.svc, Amount: toValue(w)})
	}
}

// assetValue pairs an asset with its value in native units, ×1e18 (an
// asset value is an 18-decimal fraction, so amount·raw/1e18 is exact).
type assetValue struct {
	asset Asset
	raw   *big.Int
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
		out = append(out, assetValue{a, v.Raw().Big()})
	}
	return out, nil
}

func findValue(vals []assetValue, denom string) (assetValue, bool) {
	for _, av := range vals {
		if av.asset.Denom == denom {
			return av, true
		}
	}
	return assetValue{}, false
}

// addScaled adds amount·raw to acc (value ×1e18).
func addScaled(acc *big.Int, amount num.Int, raw *big.Int) {
	acc.Add(acc, new(big.Int).Mul(amount.Big(), raw))
}

var wadBig = num.WAD().Big()

func unscale(x *big.Int) *big.Rat { return new(big.Rat).SetFrac(x, wadBig) }

func addServices(r store.Reader, n *risk.Network) error {
	var err error
	store.IteratePrefix(r, prefixService, false, func(k, v []byte) bool {
		var s Service
		if err = state.Decode(k, v, &s); err != nil {
			return false
		}
		if len(n.Services) >= risk.MaxServices {
			err = tooLarge("services", risk.MaxServices)
			return false
		}
		n.Services = append(n.Services, riskService(s.Name, ServiceTerms{PfC: s.PfC, Threshold: s.Threshold}))
		return true
	})
	return err
}

// addServicesAt adds the services registered by the end of block h, with
// the terms they declared as of then.
func addServicesAt(r store.Reader, n *risk.Network, h int64) error {
	var names []string
	var err error
	store.IteratePrefix(r, prefixService, false, func(k, _ []byte) bool {
		if len(names) >= risk.MaxServices {
			err = tooLarge("services", risk.MaxServices)
			return false
		}
		names = append(names, string(k[len(prefixService):]))
		return true
	})
	for _, name := range names {
		if err != nil {
			return err
		}
		var t ServiceTerms
		var found bool
		if t, found, err = termsAt(r, name, h); found && err == nil {
			n.Services = append(n.Services, riskService(name, t))
		}
	}
	return err
}

func riskService(name string, t ServiceTerms) risk.Service {
	return risk.Service{ID: name, PfC: new(big.Rat).SetInt(t.PfC.Big()), Threshold: t.Threshold.Rat()}
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
// at σ_v, as the model requires. Sums run on integers scaled by 1e18.
func readOpSecurity(r store.Reader, vals []assetValue, op account.Address) (opSecurity, error) {
	os := opSecurity{alloc: map[string]*big.Rat{}}
	stake, acc := new(big.Int), map[string]*big.Int{}
	for _, denom := range vaultDenoms(r, op) {
		av, ok := findValue(vals, denom)
		if !ok {
			return os, fmt.Errorf("%w: vault %s/%s of an unregistered asset", state.ErrCorrupt, op, denom)
		}
		vv, err := loadVault(r, op, av.asset)
		if err != nil {
			return os, err
		}
		t, err := vv.toTokens(vv.active())
		if err != nil {
			return os, err
		}
		addScaled(stake, t, av.raw)
		if err := os.addWeights(r, op, av, acc); err != nil {
			return os, err
		}
	}
	sort.Strings(os.names)
	os.stake = unscale(stake)
	for _, svc := range os.names {
		if acc[svc].Cmp(stake) > 0 {
			acc[svc] = stake
		}
		os.alloc[svc] = unscale(acc[svc])
	}
	return os, nil
}

// vaultDenoms lists the assets op has a vault in.
func vaultDenoms(r store.Reader, op account.Address) []string {
	prefix := state.Key(prefixVault, op[:])
	var out []string
	store.IteratePrefix(r, prefix, false, func(k, _ []byte) bool {
		out = append(out, string(k[len(prefix):]))
		return len(out) < MaxAssets
	})
	return out
}

func (os *opSecurity) addWeights(r store.Reader, op account.Address, av assetValue, acc map[string]*big.Int) error {
	prefix := weightPrefix(op, av.asset.Denom)
	var err error
	store.IteratePrefix(r, prefix, false, func(k, v []byte) bool {
		var w num.Int
		if w, err = num.IntFromBytes(v); err != nil {
			return false
		}
		svc := string(k[len(prefix):])
		if acc[svc] == nil {
			acc[svc] = new(big.Int)
			os.names = append(os.names, svc)
		}
		addScaled(acc[svc], w, av.raw)
		return len(os.names) <= MaxServicesPerOperator+MaxAllocationsPerVault
	})
	return err
}

// add grows w_vs by v (an allocation being checked).
func (os *opSecurity) add(svc string, v *big.Rat) {
	if os.alloc[svc] == nil {
		os.alloc[svc] = new(big.Rat)
		os.names = append(os.names, svc)
	}
	os.alloc[svc].Add(os.alloc[svc], v)
}

// serviceTotal is W_s: the value of every operator's weight for svc.
func serviceTotal(r store.Reader, vals []assetValue, svc string) (*big.Rat, error) {
	total := new(big.Int)
	for _, av := range vals {
		u, err := state.LoadAmount(r, serviceWeightKey(svc, av.asset.Denom))
		if err != nil {
			return nil, err
		}
		addScaled(total, u, av.raw)
	}
	return unscale(total), nil
}

func tokenValue(tokens *big.Int, value *big.Rat) *big.Rat {
	return new(big.Rat).Mul(new(big.Rat).SetInt(tokens), value)
}

// SecurityNetworkAt is the network at the end of block h, from the stake
// history (SPEC §6.2): σ_v from each vault's checkpoint, w_vs from the
// allocation checkpoints, both valued at the asset values recorded by
// then and rounded down to whole base units as in SecurityNetwork; the
// services registered by then, with the pfc and threshold they declared
// then. Work is O(services × members × assets) reverse seeks.
func SecurityNetworkAt(r store.Reader, h int64) (*risk.Network, error) {
	vals, err := assetValuesAt(r, h)
	if err != nil {
		return nil, err
	}
	n := &risk.Network{Height: h}
	if err := addServicesAt(r, n, h); err != nil {
		return nil, err
	}
	weights := map[account.Address][]opWeight{} // lookups only
	count := 0
	for _, s := range n.Services {
		if err := addWeightsAt(r, vals, s.ID, h, weights, &count); err != nil {
			return nil, err
		}
	}
	var ops []account.Address
	store.IteratePrefix(r, prefixOperator, false, func(k, _ []byte) bool {
		if len(ops) >= risk.MaxOperators {
			err = tooLarge("operators", risk.MaxOperators)
			return false
		}
		var op account.Address
		copy(op[:], k[len(prefixOperator):])
		ops = append(ops, op)
		return true
	})
	if err != nil {
		return nil, err
	}
	for _, op := range ops {
		stake, err := stakeAt(r, vals, op, h)
		if err != nil {
			return nil, err
		}
		addOperator(n, op, stake, weights[op], floorUnits)
	}
	return n, n.Validate()
}

func assetValuesAt(r store.Reader, h int64) ([]assetValue, error) {
	assets, err := Assets(r)
	if err != nil {
		return nil, err
	}
	out := make([]assetValue, 0, len(assets))
	for _, a := range assets {
		v, err := valueAt(r, a, h)
		if err != nil {
			return nil, err
		}
		out = append(out, assetValue{a, v.Raw().Big()})
	}
	return out, nil
}

// stakeAt is σ_v (×1e18) at the end of block h.
func stakeAt(r store.Reader, vals []assetValue, op account.Address, h int64) (*big.Int, error) {
	total := new(big.Int)
	for _, av := range vals {
		pt, found, err := vaultAt(r, op, av.asset.Denom, h)
		if err != nil || !found {
			if err != nil {
				return nil, err
			}
			continue
		}
		vv := vaultView{op: op, asset: av.asset, v: Vault{MaxMag: pt.MaxMag, Scaled: pt.Scaled, Units: pt.Units}, tokens: pt.Tokens}
		t, err := vv.toTokens(vv.active())
		if err != nil {
			return nil, err
		}
		addScaled(total, t, av.raw)
	}
	return total, nil
}

// addWeightsAt adds every member's stake slashable by svc at h, counting
// allocations in *count against the risk engine's bound (as scanWeights).
func addWeightsAt(r store.Reader, vals []assetValue, svc string, h int64, weights map[account.Address][]opWeight, count *int) error {
	members := membersOf(r, svc)
	for _, op := range members {
		for _, av := range vals {
			e, ok, err := StakeAt(r, svc, op, av.asset.Denom, h)
			if err != nil {
				return err
			}
			if !ok || e.Amount.IsZero() {
				continue
			}
			if *count++; *count > risk.MaxAllocations {
				return tooLarge("allocations", risk.MaxAllocations)
			}
			weights[op] = addWeight(weights[op], svc, e.Amount, av.raw)
		}
	}
	return nil
}
