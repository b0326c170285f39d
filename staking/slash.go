package staking

import (
	"math"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
)

// Slashing (SPEC §4). For an infraction at height H, fraction f is burned
// from (a) the validator's current tokens and (b) the value of its unbonding
// entries created at height ≥ H; entries created before H are untouched.
//
// "Tokens at H" is approximated by the current tokens: stake delegated
// between H and the slash is slashed too, stake that left in that interval
// is slashed through its unbonding entry, and stake delegated after the
// slash is not affected. Evidence from consensus arrives within a few blocks
// of H, so the gap is small; in exchange the slash is exact, O(1) in
// delegators (shares keep their count, their price falls) and O(slash
// segments) in unbonding entries.

// SlashDoubleSign slashes a validator for a duplicate vote at infraction
// height h and tombstones it (jailed for ever). Slashing an already
// tombstoned validator is a no-op, so repeated evidence is harmless.
func SlashDoubleSign(ctx state.Ctx, p params.Params, op account.Address, h int64) error {
	v, err := mustValidator(ctx.KV, op)
	if err != nil {
		return err
	}
	if h < 1 || h > ctx.Height {
		return state.Reject("bad-infraction-height", "infraction height %d must be between 1 and the current height %d", h, ctx.Height)
	}
	if v.Tombstoned {
		return nil
	}
	if err := slash(ctx, p, &v, p.DoubleSignSlashFraction, h, "double_sign"); err != nil {
		return err
	}
	v.Jailed, v.Tombstoned, v.JailedUntil_s = true, true, math.MaxInt64
	if err := saveValidator(ctx.KV, &v); err != nil {
		return err
	}
	ctx.Emit("tombstone", "operator", op.String())
	return nil
}

// SlashDowntime slashes a validator for missing too many blocks (at the
// current height), jails it for DowntimeJail_s and restarts its signing
// window. A validator already jailed is not slashed again.
func SlashDowntime(ctx state.Ctx, p params.Params, op account.Address) error {
	v, err := mustValidator(ctx.KV, op)
	if err != nil {
		return err
	}
	if v.Jailed || v.Tombstoned {
		return nil
	}
	if err := slash(ctx, p, &v, p.DowntimeSlashFraction, ctx.Height, "downtime"); err != nil {
		return err
	}
	v.Jailed = true
	v.JailedUntil_s = addTime(ctx.Time_s, p.DowntimeJail_s)
	if err := saveValidator(ctx.KV, &v); err != nil {
		return err
	}
	resetSigning(ctx.KV, op, ctx.Height+1, p.DowntimeWindow)
	ctx.Emit("jail", "operator", op.String(), "until_s", i64s(v.JailedUntil_s))
	return nil
}

// slash burns fraction f of v's tokens and of its unbonding entries created
// at height ≥ h. The caller saves v. Works with zero tokens and no entries.
func slash(ctx state.Ctx, p params.Params, v *Validator, f num.Dec, h int64, reason string) error {
	if f.GT(num.OneDec()) {
		f = num.OneDec()
	}
	// rounding: up — slashed; capped at what the validator has.
	fromTokens, err := f.MulIntUp(v.Tokens)
	if err != nil {
		return err
	}
	fromTokens = fromTokens.Min(v.Tokens)
	fromUnbonding, err := slashUnbonding(ctx.KV, v.Operator, f, h)
	if err != nil {
		return err
	}
	v.Tokens, _ = v.Tokens.Sub(fromTokens)
	if err := bank.Burn(ctx.KV, BondedPool, p.NativeDenom, fromTokens); err != nil {
		return err
	}
	if err := bank.Burn(ctx.KV, UnbondingPool, p.NativeDenom, fromUnbonding); err != nil {
		return err
	}
	ctx.Emit("slash", "operator", v.Operator.String(), "reason", reason, "fraction", f.String(),
		"infraction_height", i64s(h), "burned_tokens", fromTokens.String(), "burned_unbonding", fromUnbonding.String())
	return nil
}

// handleEvidence turns consensus misbehaviour evidence into double-sign
// slashes. Unknown or tombstoned validators, evidence older than the
// unbonding period (its stake may have left) and impossible heights are
// ignored.
func handleEvidence(ctx state.Ctx, p params.Params, evs []Evidence) error {
	for i, ev := range evs {
		if i >= maxEvidencePerBlock {
			break
		}
		op, ok := operatorByCons(ctx.KV, ev.ConsAddr)
		if !ok || ev.Height < 1 || ev.Height > ctx.Height {
			continue
		}
		if addTime(ev.Time_s, p.UnbondingPeriod_s) < ctx.Time_s {
			continue
		}
		if err := SlashDoubleSign(ctx, p, op, ev.Height); err != nil {
			return err
		}
	}
	return nil
}
