package restaking

import (
	"fmt"
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Exposure is what can take an account's money, layer by layer (SPEC §8):
// balances of restakable assets (ststake carries the liquid pool's
// validators), primary delegations (their validator), and restaking
// positions (their operator's vault; native vaults also their operator's
// validator) down to every service that can slash them.
//
// Losses are upper bounds and round up; values round down (docs/ROUNDING.md).
type Exposure struct {
	Account     account.Address      `json:"account"`
	Holdings    []HoldingExposure    `json:"holdings"`
	Delegations []DelegationExposure `json:"delegations"`
	Positions   []PositionExposure   `json:"positions"`
	Withdrawals []WithdrawalExposure `json:"withdrawals"`      // queued and still slashable
	Truncated   bool                 `json:"truncated"`        // more queued withdrawals than MaxExposureWithdrawals were looked at
	Services    []ServiceExposure    `json:"services"`         // per service, over all positions and withdrawals
	Value       num.Int              `json:"value"`            // positions' and slashable withdrawals' value, native units
	WorstCase   num.Int              `json:"worst_case"`       // lost if every service slashes fully
	Degree      num.Dec              `json:"restaking_degree"` // Σ_s max loss / value
}

// HoldingExposure is a bank balance of a restakable asset.
type HoldingExposure struct {
	Denom  string  `json:"denom"`
	Amount num.Int `json:"amount"`
	Value  num.Int `json:"value"`
	Liquid bool    `json:"liquid"` // ststake: primary slashes of the pool's validators lower its rate
}

// DelegationExposure is primary stake: its validator's slashes reach it.
type DelegationExposure struct {
	Validator account.Address `json:"validator"`
	Tokens    num.Int         `json:"tokens"`
}

// PositionExposure is one restaking position and the services that can
// slash it.
type PositionExposure struct {
	Operator       account.Address `json:"operator"`
	Asset          string          `json:"asset"`
	Amount         num.Int         `json:"amount"` // withdrawable now
	Value          num.Int         `json:"value"`
	Validator      string          `json:"validator,omitempty"` // native vault: primary slashes of this validator reach it
	Liquid         bool            `json:"liquid"`              // ststake: and so do the pool's validators', through the rate
	Services       []ServiceLoss   `json:"services"`
	WorstCase      num.Int         `json:"worst_case"` // min(amount, Σ max loss)
	WorstCaseValue num.Int         `json:"worst_case_value"`
	Degree         num.Dec         `json:"restaking_degree"` // Σ max loss / amount
}

// WithdrawalExposure is a queued withdrawal still inside its slashable
// window (until it is due): slashes of its operator reach it in the same
// proportion as the positions (SPEC §6.2).
type WithdrawalExposure struct {
	ID       uint64           `json:"id"`
	Due_s    int64            `json:"due_s"`
	Exposure PositionExposure `json:"exposure"` // amount: what completing would pay now
}

// MaxExposureWithdrawals bounds the withdrawals an exposure looks at,
// newest first.
const MaxExposureWithdrawals = 1024

// ServiceLoss is what one service can take from a position by slashing
// its allocation fully (in max_slash_fraction steps).
type ServiceLoss struct {
	Service      string  `json:"service"`
	Fraction     num.Dec `json:"fraction"` // min(magnitude, maxMagnitude) / maxMagnitude
	MaxLoss      num.Int `json:"max_loss"`
	MaxLossValue num.Int `json:"max_loss_value"`
	MaxSlash     num.Dec `json:"max_slash_fraction"` // per request
}

// ServiceExposure sums one service's max loss over an account's positions.
type ServiceExposure struct {
	Service string  `json:"service"`
	MaxLoss num.Int `json:"max_loss_value"`
}

// AccountExposure builds acct's exposure tree. Work is O(its positions ×
// allocations per vault + its delegations), independent of other stakers.
func AccountExposure(r store.Reader, acct account.Address, now_s int64) (Exposure, error) {
	e := Exposure{Account: acct}
	var err error
	if e.Holdings, err = holdings(r, acct); err != nil {
		return e, err
	}
	if e.Delegations, err = delegations(r, acct); err != nil {
		return e, err
	}
	list, err := rawPositions(r, acct)
	if err != nil {
		return e, err
	}
	caps := map[string]num.Dec{} // max_slash_fraction by service: each record decoded once
	for _, x := range list {
		pe, err := positionExposure(r, now_s, x, caps)
		if err != nil {
			return e, err
		}
		e.Positions = append(e.Positions, pe)
	}
	if e.Withdrawals, e.Truncated, err = withdrawalExposures(r, acct, now_s, caps); err != nil {
		return e, err
	}
	return e, e.total()
}

// withdrawalExposures lists acct's queued withdrawals that slashes can
// still reach (not completed, not yet due), newest first.
func withdrawalExposures(r store.Reader, acct account.Address, now_s int64, caps map[string]num.Dec) ([]WithdrawalExposure, bool, error) {
	ids := idsBefore(r, state.Key(prefixWdByStaker, acct[:]), 0, MaxExposureWithdrawals+1)
	truncated := len(ids) > MaxExposureWithdrawals
	ids = ids[:min(len(ids), MaxExposureWithdrawals)]
	out := []WithdrawalExposure{}
	for _, id := range ids {
		var w Withdrawal
		if found, err := state.Load(r, withdrawalKey(id), &w); err != nil || !found {
			if err == nil {
				err = fmt.Errorf("%w: %s's withdrawal %d is indexed but not stored", state.ErrCorrupt, acct, id)
			}
			return out, false, err
		}
		if w.Completed || now_s >= w.Due_s {
			continue // out of slashes' reach: nothing to value
		}
		wv, _, err := GetWithdrawal(r, id, now_s)
		if err != nil {
			return out, false, err
		}
		vv, err := vaultOf(r, wv.Operator, wv.Asset)
		if err != nil {
			return out, false, err
		}
		pe, err := exposureOf(r, now_s, vv, wv.Value, caps)
		if err != nil {
			return out, false, err
		}
		out = append(out, WithdrawalExposure{ID: id, Due_s: wv.Due_s, Exposure: pe})
	}
	return out, truncated, nil
}

func holdings(r store.Reader, acct account.Address) ([]HoldingExposure, error) {
	assets, err := Assets(r)
	if err != nil {
		return nil, err
	}
	var out []HoldingExposure
	for _, a := range assets {
		amt, err := bank.Balance(r, acct, a.Denom)
		if err != nil || amt.IsZero() {
			if err != nil {
				return nil, err
			}
			continue
		}
		v, err := nativeValue(r, a, amt)
		if err != nil {
			return nil, err
		}
		out = append(out, HoldingExposure{Denom: a.Denom, Amount: amt, Value: v, Liquid: a.Kind == KindLiquid})
	}
	return out, nil
}

func delegations(r store.Reader, acct account.Address) ([]DelegationExposure, error) {
	ds, err := staking.DelegationsOf(r, acct)
	out := make([]DelegationExposure, 0, len(ds))
	for _, d := range ds {
		out = append(out, DelegationExposure{Validator: d.Validator, Tokens: d.Tokens})
	}
	return out, err
}

func positionExposure(r store.Reader, now_s int64, x rawPosition, caps map[string]num.Dec) (PositionExposure, error) {
	vv, err := vaultOf(r, x.op, x.asset)
	if err != nil {
		return PositionExposure{Operator: x.op, Asset: x.asset}, err
	}
	amount, err := vv.withdrawable(x.pos.Scaled)
	if err != nil {
		return PositionExposure{Operator: x.op, Asset: x.asset}, err
	}
	return exposureOf(r, now_s, vv, amount, caps)
}

// exposureOf is the exposure of amount held through vault vv.
func exposureOf(r store.Reader, now_s int64, vv vaultView, amount num.Int, caps map[string]num.Dec) (PositionExposure, error) {
	op := vv.op
	pe := PositionExposure{Operator: op, Asset: vv.asset.Denom, Amount: amount}
	var err error
	pe.Liquid = vv.asset.Kind == KindLiquid
	if vv.asset.Kind == KindNative {
		pe.Validator = op.String()
	}
	if pe.Value, err = nativeValue(r, vv.asset, pe.Amount); err != nil {
		return pe, err
	}
	if pe.Services, err = serviceLosses(r, now_s, vv, pe.Amount, caps); err != nil {
		return pe, err
	}
	return pe, pe.worstCase(r, vv.asset)
}

// serviceLosses lists the services that can slash vv now, with what each
// takes from amount (rounding: up — an upper bound on the loss).
func serviceLosses(r store.Reader, now_s int64, vv vaultView, amount num.Int, caps map[string]num.Dec) ([]ServiceLoss, error) {
	prefix := allocPrefix(vv.op, vv.asset.Denom)
	var out []ServiceLoss
	var err error
	store.IteratePrefix(r, prefix, false, func(k, v []byte) bool {
		svc := string(k[len(prefix):])
		var al Allocation
		if err = state.Decode(k, v, &al); err != nil {
			return false
		}
		var sl ServiceLoss
		var ok bool
		if sl, ok, err = serviceLoss(r, now_s, vv, svc, al, amount, caps); ok {
			out = append(out, sl)
		}
		return err == nil && len(out) < MaxAllocationsPerVault
	})
	return out, err
}

func serviceLoss(r store.Reader, now_s int64, vv vaultView, svc string, al Allocation, amount num.Int, caps map[string]num.Dec) (ServiceLoss, bool, error) {
	if vv.v.MaxMag.IsZero() || al.Mag.IsZero() {
		return ServiceLoss{}, false, nil
	}
	ok, err := slashableBy(r, now_s, svc, vv.op)
	if err != nil || !ok {
		return ServiceLoss{}, false, err
	}
	capf, cached := caps[svc]
	if !cached {
		s, err := loadService(r, svc, now_s)
		if err != nil {
			return ServiceLoss{}, false, err
		}
		capf, caps[svc] = s.MaxSlash, s.MaxSlash
	}
	eff := minDec(al.Mag, vv.v.MaxMag)
	sl := ServiceLoss{Service: svc, MaxSlash: capf}
	if sl.Fraction, err = num.RatioDown(eff.Raw(), vv.v.MaxMag.Raw()); err != nil {
		return sl, false, err
	}
	if sl.MaxLoss, err = amount.MulDivUp(eff.Raw(), vv.v.MaxMag.Raw()); err != nil {
		return sl, false, err
	}
	sl.MaxLossValue, err = valueUp(r, vv.asset, sl.MaxLoss)
	return sl, true, err
}

// valueUp is amount in native units, rounded up (for losses).
func valueUp(r store.Reader, a Asset, amount num.Int) (num.Int, error) {
	v, err := AssetValue(r, a)
	if err != nil {
		return num.Int{}, err
	}
	return v.MulIntUp(amount)
}

// worstCase: every service slashing fully takes at most the whole position.
func (pe *PositionExposure) worstCase(r store.Reader, a Asset) error {
	var sum num.Int
	var err error
	for _, sl := range pe.Services {
		if sum, err = sum.Add(sl.MaxLoss); err != nil {
			return err
		}
	}
	pe.WorstCase = sum.Min(pe.Amount)
	if pe.WorstCaseValue, err = valueUp(r, a, pe.WorstCase); err != nil {
		return err
	}
	pe.Degree, err = ratioUp(sum, pe.Amount)
	return err
}

// total aggregates positions and withdrawals into the account's totals,
// services by name.
func (e *Exposure) total() error {
	var sum num.Int
	var err error
	all := append([]PositionExposure(nil), e.Positions...)
	for _, w := range e.Withdrawals {
		all = append(all, w.Exposure)
	}
	for _, pe := range all {
		if e.Value, err = e.Value.Add(pe.Value); err != nil {
			return err
		}
		if e.WorstCase, err = e.WorstCase.Add(pe.WorstCaseValue.Min(pe.Value)); err != nil {
			return err
		}
		for _, sl := range pe.Services {
			if sum, err = sum.Add(sl.MaxLossValue); err != nil {
				return err
			}
			if err = e.addService(sl); err != nil {
				return err
			}
		}
	}
	e.Degree, err = ratioUp(sum, e.Value)
	return err
}

func (e *Exposure) addService(sl ServiceLoss) error {
	for i := range e.Services {
		if e.Services[i].Service == sl.Service {
			var err error
			e.Services[i].MaxLoss, err = e.Services[i].MaxLoss.Add(sl.MaxLossValue)
			return err
		}
	}
	i := 0
	for i < len(e.Services) && e.Services[i].Service < sl.Service {
		i++
	}
	e.Services = append(e.Services, ServiceExposure{})
	copy(e.Services[i+1:], e.Services[i:])
	e.Services[i] = ServiceExposure{Service: sl.Service, MaxLoss: sl.MaxLossValue}
	return nil
}

// ratioUp is a/b as a fraction rounded up (0 when b is 0).
func ratioUp(a, b num.Int) (num.Dec, error) {
	if b.IsZero() {
		return num.Dec{}, nil
	}
	raw, err := a.MulDivUp(num.WAD(), b)
	return num.DecFromRaw(raw), err
}

func slashableBy(r store.Reader, now_s int64, svc string, op account.Address) (bool, error) {
	mem, found, err := loadMember(r, svc, op)
	return found && mem.slashable(now_s), err
}
