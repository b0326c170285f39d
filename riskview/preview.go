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
	Vaults    []Change              `json:"vaults"`              // every vault whose stake or value changes
	Positions []Change              `json:"positions,omitempty"` // of the account asked about
	Security  *SecurityChange       `json:"security"`            // set by Assess
	networks  [2]*risk.Network      // before and after, for Assess
}

// DecChange is a fraction before and after.
type DecChange struct {
	Before num.Dec `json:"before"`
	After  num.Dec `json:"after"`
}

// Change is one vault's stake, or one position's withdrawable amount,
// before and after. Every position in a vault changes by the vault's
// factor (positions are shares of it).
type Change struct {
	Operator    account.Address `json:"operator"`
	Asset       string          `json:"asset"`
	Before      num.Int         `json:"before"`
	After       num.Int         `json:"after"`
	ValueBefore num.Int         `json:"value_before"`
	ValueAfter  num.Int         `json:"value_after"`
	Factor      num.Dec         `json:"factor"` // after / before (rounded down; 1 when before is 0)
}

func newChange(op account.Address, asset string, before, after, valueBefore, valueAfter num.Int) (Change, error) {
	c := Change{Operator: op, Asset: asset, Before: before, After: after, ValueBefore: valueBefore, ValueAfter: valueAfter, Factor: num.OneDec()}
	if before.IsZero() {
		return c, nil
	}
	var err error
	c.Factor, err = num.RatioDown(after, before)
	return c, err
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
	if out.networks[0], err = restaking.SecurityNetwork(at.R); err != nil {
		return out, err
	}
	out.networks[1], err = restaking.SecurityNetwork(buf)
	return out, err
}

// Assess fills in the network's security before and after. It reads no
// state (callers run it after releasing the state), and it is the
// expensive part: exact costs of corruption for every service, twice.
func (p *Preview) Assess() error {
	var sc SecurityChange
	var err error
	if sc.Before, err = securityOf(p.networks[0]); err != nil {
		return err
	}
	if sc.After, err = securityOf(p.networks[1]); err != nil {
		return err
	}
	p.Security = &sc
	return nil
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
func vaultChanges(before, after store.Reader) ([]Change, error) {
	b, err := restaking.VaultStakes(before)
	if err != nil {
		return nil, err
	}
	a, err := restaking.VaultStakes(after)
	if err != nil {
		return nil, err
	}
	var out []Change
	for i := range b { // the preview neither adds nor removes vaults: same order
		if i >= len(a) || a[i].Operator != b[i].Operator || a[i].Asset != b[i].Asset {
			return nil, state.Reject("preview", "the preview changed the set of vaults")
		}
		if a[i].Stake.Eq(b[i].Stake) && a[i].Value.Eq(b[i].Value) {
			continue
		}
		c, err := newChange(b[i].Operator, b[i].Asset, b[i].Stake, a[i].Stake, b[i].Value, a[i].Value)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func positionChanges(before, after store.Reader, acct account.Address) ([]Change, error) {
	b, err := restaking.Positions(before, acct)
	if err != nil {
		return nil, err
	}
	a, err := restaking.Positions(after, acct)
	if err != nil {
		return nil, err
	}
	out := make([]Change, 0, len(b))
	for i := range b {
		if i >= len(a) {
			break
		}
		c, err := newChange(b[i].Operator, b[i].Asset, b[i].Withdrawable, a[i].Withdrawable, b[i].Value, a[i].Value)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
