package staking

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
)

// Seize takes up to amount tokens out of delegator's delegation to op at
// once — a restaking slash of natively restaked stake — and burns them, or
// sends them to `to` when it is not the zero address (redistribution
// escrow). It returns the tokens taken (less than amount only when the
// delegation is worth less).
//
// Like a slash, seized stake leaves without an unbonding entry. The token
// history counts it (checkpoint.seized), so a later primary slash for an
// earlier infraction is sized without it and the stake still bonded does
// not pay for it. The seized stake never returns to the offender: it is
// destroyed or handed to the service's recipient.
func Seize(ctx state.Ctx, p params.Params, delegator, op account.Address, amount num.Int, to account.Address) (num.Int, error) {
	if amount.IsZero() {
		return amount, nil
	}
	value, err := DelegatorTokens(ctx.KV, delegator, op)
	if err != nil || value.IsZero() {
		return num.Int{}, err
	}
	pl, err := planRemoval(ctx.KV, delegator, op, amount.Min(value))
	if err != nil {
		return num.Int{}, err
	}
	if err := removeTokens(ctx, p, &pl); err != nil {
		return num.Int{}, err
	}
	if err := recordSeized(ctx, p.UnbondingPeriod_s, op, pl.v.Tokens, pl.amount); err != nil {
		return num.Int{}, err
	}
	if to.IsZero() {
		err = bank.Burn(ctx.KV, BondedPool, p.NativeDenom, pl.amount)
	} else {
		err = bank.SendOne(ctx.KV, BondedPool, to, p.NativeDenom, pl.amount)
	}
	if err != nil {
		return num.Int{}, err
	}
	ctx.Emit("seize", "delegator", delegator.String(), "validator", op.String(),
		"amount", coin.New(p.NativeDenom, pl.amount).String(), "to", to.String())
	return pl.amount, nil
}
