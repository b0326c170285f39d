package staking

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

// GenesisValidator is a validator created at genesis; its operator's balance
// must already hold the self-delegation.
type GenesisValidator struct {
	Operator       account.Address
	ConsPubKey     []byte
	SelfDelegation num.Int
	Commission     num.Dec
	Moniker        string
}

// HandleCreateValidator registers the signer as a validator with a self-delegation.
func HandleCreateValidator(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgCreateValidator) error {
	if m == nil {
		return state.Reject("bad-message", "empty create_validator message")
	}
	op, err := state.Owner("operator", m.Operator, signer, "create its validator")
	if err != nil {
		return err
	}
	amount, err := state.ParseAmount("self_delegation", m.SelfDelegation, p.NativeDenom)
	if err != nil {
		return err
	}
	rate, err := parseCommission(m.Commission)
	if err != nil {
		return err
	}
	return createValidator(ctx, p, GenesisValidator{
		Operator: op, ConsPubKey: m.ConsPubKey, SelfDelegation: amount, Commission: rate, Moniker: m.Moniker,
	})
}

// createValidator checks everything, then writes the record, the consensus
// key index and the self-delegation.
func createValidator(ctx state.Ctx, p params.Params, g GenesisValidator) error {
	if err := checkNewValidator(ctx.KV, p, g); err != nil {
		return err
	}
	v := Validator{
		Operator: g.Operator, ConsPubKey: append([]byte(nil), g.ConsPubKey...), Moniker: g.Moniker,
		Commission: g.Commission, CommissionChanged_s: ctx.Time_s, Status: StatusUnbonded, CreatedHeight: ctx.Height,
	}
	if err := saveValidator(ctx.KV, &v); err != nil {
		return err
	}
	ctx.KV.Set(consKey(v.ConsAddress()), g.Operator[:])
	if _, err := Delegate(ctx, p, g.Operator, g.Operator, g.SelfDelegation); err != nil {
		return err // unreachable: checkNewValidator checked funds and amount
	}
	ctx.Emit("create_validator", "operator", g.Operator.String(), "self_delegation",
		coin.New(p.NativeDenom, g.SelfDelegation).String(), "commission", g.Commission.String())
	return nil
}

func checkNewValidator(r store.Reader, p params.Params, g GenesisValidator) error {
	if _, found, err := loadValidator(r, g.Operator); err != nil || found {
		if err != nil {
			return err
		}
		return state.Reject("validator-exists", "%s already runs a validator", g.Operator)
	}
	if len(g.ConsPubKey) != 32 {
		return state.Reject("bad-cons-pubkey", "consensus key must be a 32-byte ed25519 key, got %d bytes", len(g.ConsPubKey))
	}
	if _, used := operatorByCons(r, consAddress(g.ConsPubKey)); used {
		return state.Reject("cons-key-in-use", "consensus key %X is already used by another validator", g.ConsPubKey)
	}
	if !g.Commission.LTEOne() {
		return state.Reject("bad-commission", "commission %s must be between 0 and 1", g.Commission)
	}
	if len(g.Moniker) > MaxMonikerLen {
		return state.Reject("moniker-too-long", "moniker is %d bytes, at most %d allowed", len(g.Moniker), MaxMonikerLen)
	}
	if g.SelfDelegation.IsZero() {
		return state.Reject("bad-amount", "self_delegation must be positive")
	}
	return bank.CheckFunds(r, g.Operator, p.NativeDenom, g.SelfDelegation)
}

// HandleEditValidator changes commission and/or moniker (empty = unchanged).
func HandleEditValidator(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgEditValidator) error {
	if m == nil {
		return state.Reject("bad-message", "empty edit_validator message")
	}
	op, err := state.Owner("operator", m.Operator, signer, "edit its validator")
	if err != nil {
		return err
	}
	v, err := mustValidator(ctx.KV, op)
	if err != nil {
		return err
	}
	if len(m.Moniker) > MaxMonikerLen {
		return state.Reject("moniker-too-long", "moniker is %d bytes, at most %d allowed", len(m.Moniker), MaxMonikerLen)
	}
	if m.Commission != "" {
		rate, err := parseCommission(m.Commission)
		if err != nil {
			return err
		}
		if err := checkCommissionChange(v, rate, p.MaxCommissionChangeDaily, ctx.Time_s); err != nil {
			return err
		}
		if !rate.Eq(v.Commission) {
			v.Commission, v.CommissionChanged_s = rate, ctx.Time_s
		}
	}
	if m.Moniker != "" {
		v.Moniker = m.Moniker
	}
	if err := saveValidator(ctx.KV, &v); err != nil {
		return err
	}
	ctx.Emit("edit_validator", "operator", op.String(), "commission", v.Commission.String(), "moniker", v.Moniker)
	return nil
}

// checkCommissionChange bounds a change by size and frequency; a new rate
// applies from the next block's rewards, so one day's bound is the most a
// delegator can be surprised by.
func checkCommissionChange(v Validator, rate, maxDaily num.Dec, now_s int64) error {
	if rate.Eq(v.Commission) {
		return nil
	}
	if d := absDiffDec(rate, v.Commission); d.GT(maxDaily) {
		return state.Reject("commission-change-too-large", "commission may change by at most %s per day, %s → %s changes by %s",
			maxDaily, v.Commission, rate, d)
	}
	if next := num.AddTime(v.CommissionChanged_s, commissionChangeInterval_s); now_s < next {
		return state.Reject("commission-change-too-soon", "commission changed at %d; next change allowed at %d (%ds from now)",
			v.CommissionChanged_s, next, next-now_s)
	}
	return nil
}

// HandleUnjail returns a jailed (not tombstoned) validator to candidacy.
func HandleUnjail(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgUnjail) error {
	if m == nil {
		return state.Reject("bad-message", "empty unjail message")
	}
	op, err := state.Owner("validator", m.Validator, signer, "unjail its validator")
	if err != nil {
		return err
	}
	v, err := mustValidator(ctx.KV, op)
	if err != nil {
		return err
	}
	if err := checkUnjail(ctx.KV, v, ctx.Time_s); err != nil {
		return err
	}
	v.Jailed = false
	if err := saveValidator(ctx.KV, &v); err != nil {
		return err
	}
	ctx.Emit("unjail", "operator", op.String())
	return nil
}

func checkUnjail(r store.Reader, v Validator, now_s int64) error {
	switch {
	case v.Tombstoned:
		return state.Reject("tombstoned", "validator %s double-signed and can never be unjailed", v.Operator)
	case !v.Jailed:
		return state.Reject("not-jailed", "validator %s is not jailed", v.Operator)
	case now_s < v.JailedUntil_s:
		return state.Reject("unjail-too-early", "validator %s is jailed until %d, %ds remaining",
			v.Operator, v.JailedUntil_s, v.JailedUntil_s-now_s)
	}
	self, err := DelegatorTokens(r, v.Operator, v.Operator)
	if err != nil {
		return err
	}
	if self.IsZero() {
		return state.Reject("no-self-delegation", "validator %s has no self-delegation; delegate to it first", v.Operator)
	}
	return nil
}

// Input helpers shared by the handlers.

func parseCommission(s string) (num.Dec, error) {
	d, err := num.ParseDec(s)
	if err != nil {
		return d, state.Reject("bad-commission", "commission %q: %v", s, err)
	}
	if !d.LTEOne() {
		return d, state.Reject("bad-commission", "commission %s must be between 0 and 1", d)
	}
	return d, nil
}
