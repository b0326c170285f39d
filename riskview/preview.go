// Package riskview asks the risk engine about live state: it exports the
// state's network (restaking.SecurityNetwork), runs what-if previews on a
// throwaway copy of the state, and assembles the reports the API, the CLI
// and the simulator show. The analysis itself is package risk.
package riskview

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/risk"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// At is the state a question is asked of: a committed state, its height
// and its last block time (the "now" of delayed changes).
type At struct {
	R      store.Reader
	Height int64
	Time_s int64
}

// Preview is the effect of a what-if, computed on a throwaway copy of the
// state (nothing is written).
type Preview struct {
	Height    int64                 `json:"height"`
	Taken     []restaking.SlashTake `json:"taken,omitempty"` // preview-slash: what the slash would take, per asset
	LSTRate   DecChange             `json:"lst_rate"`
	Vaults    []VaultChange         `json:"vaults"`              // every vault whose stake or value changes
	Positions []PositionChange      `json:"positions,omitempty"` // of the account asked about
	before    *risk.Network         // the network before and after, for the security reports
	after     *risk.Network
}

// DecChange is a fraction before and after.
type DecChange struct {
	Before num.Dec `json:"before"`
	After  num.Dec `json:"after"`
}

// VaultChange is one vault's stake before and after. Every position in
// the vault changes by the same factor (positions are shares of it).
type VaultChange struct {
	Operator    account.Address `json:"operator"`
	Asset       string          `json:"asset"`
	StakeBefore num.Int         `json:"stake_before"`
	StakeAfter  num.Int         `json:"stake_after"`
	ValueBefore num.Int         `json:"value_before"`
	ValueAfter  num.Int         `json:"value_after"`
	Factor      num.Dec         `json:"factor"` // stake after / before (rounded down)
}

// PositionChange is one position of the account asked about.
type PositionChange struct {
	Operator    account.Address `json:"operator"`
	Asset       string          `json:"asset"`
	AmountAfter num.Int         `json:"amount_after"`
	Amount      num.Int         `json:"amount_before"`
	ValueBefore num.Int         `json:"value_before"`
	ValueAfter  num.Int         `json:"value_after"`
}

// PreviewSlash: what if service svc slashes op by fraction f now.
func PreviewSlash(at At, svc string, op account.Address, f string, acct *account.Address) (Preview, error) {
	var req restaking.Slash
	p, err := preview(at, acct, func(ctx state.Ctx, prm params.Params) error {
		var err error
		req, err = restaking.PreviewSlash(ctx, prm, svc, op, f)
		return err
	})
	p.Taken = req.Taken
	return p, err
}

// StressValidator: what if validator val is slashed by fraction f now.
func StressValidator(at At, val account.Address, f num.Dec, acct *account.Address) (Preview, error) {
	if f.GT(num.OneDec()) {
		return Preview{}, state.Reject("bad-fraction", "fraction %s must be at most 1", f)
	}
	return preview(at, acct, func(ctx state.Ctx, prm params.Params) error {
		if err := staking.Stress(ctx, prm, val, f); err != nil {
			return err
		}
		return restaking.AfterPrimarySlash(ctx, prm, val)
	})
}

// preview runs fn on a copy of the state and compares before with after.
func preview(at At, acct *account.Address, fn func(ctx state.Ctx, p params.Params) error) (Preview, error) {
	out := Preview{Height: at.Height}
	prm, err := params.Load(at.R)
	if err != nil {
		return out, err
	}
	buf := store.NewOverlay(at.R)
	var sink []state.Event
	if err := fn(state.NewCtx(buf, at.Height+1, at.Time_s, "", &sink), prm); err != nil {
		return out, err
	}
	if out.LSTRate, err = rates(at.R, buf); err != nil {
		return out, err
	}
	if out.Vaults, err = vaultChanges(at.R, buf); err != nil {
		return out, err
	}
	if acct != nil {
		if out.Positions, err = positionChanges(at.R, buf, *acct); err != nil {
			return out, err
		}
	}
	if out.before, err = restaking.SecurityNetwork(at.R); err != nil {
		return out, err
	}
	out.after, err = restaking.SecurityNetwork(buf)
	return out, err
}

func rates(before, after store.Reader) (DecChange, error) {
	b, err := liquid.Rate(before)
	if err != nil {
		return DecChange{}, err
	}
	a, err := liquid.Rate(after)
	return DecChange{Before: b, After: a}, err
}

// vaultChanges lists the vaults whose stake or value differs.
func vaultChanges(before, after store.Reader) ([]VaultChange, error) {
	b, err := restaking.VaultStakes(before)
	if err != nil {
		return nil, err
	}
	a, err := restaking.VaultStakes(after)
	if err != nil {
		return nil, err
	}
	var out []VaultChange
	for i := range b { // the preview neither adds nor removes vaults: same order
		if i >= len(a) || a[i].Operator != b[i].Operator || a[i].Asset != b[i].Asset {
			return nil, state.Reject("preview", "the preview changed the set of vaults")
		}
		if a[i].Stake.Eq(b[i].Stake) && a[i].Value.Eq(b[i].Value) {
			continue
		}
		vc := VaultChange{Operator: b[i].Operator, Asset: b[i].Asset, StakeBefore: b[i].Stake, StakeAfter: a[i].Stake,
			ValueBefore: b[i].Value, ValueAfter: a[i].Value, Factor: num.OneDec()}
		if !b[i].Stake.IsZero() {
			if vc.Factor, err = num.RatioDown(a[i].Stake, b[i].Stake); err != nil {
				return nil, err
			}
		}
		out = append(out, vc)
	}
	return out, nil
}

func positionChanges(before, after store.Reader, acct account.Address) ([]PositionChange, error) {
	b, err := restaking.Positions(before, acct)
	if err != nil {
		return nil, err
	}
	a, err := restaking.Positions(after, acct)
	if err != nil {
		return nil, err
	}
	out := make([]PositionChange, 0, len(b))
	for i := range b {
		if i >= len(a) {
			break
		}
		out = append(out, PositionChange{Operator: b[i].Operator, Asset: b[i].Asset, Amount: b[i].Withdrawable,
			AmountAfter: a[i].Withdrawable, ValueBefore: b[i].Value, ValueAfter: a[i].Value})
	}
	return out, nil
}
