package staking

import (
	"math"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
)

// Slashing (SPEC §4).
//
// Stake bonded at the infraction height H. A slash for an infraction at H
// is sized on
//
//	B(H) = tokens at the end of block H + Σ initial amounts of the unbonding entries created in block H
//
// that is, every token that was bonded to the validator at some moment of
// block H: a token that stayed to the end of H is in the first term, one
// that left during H is in an unbonding entry created at H (the SPEC slashes
// those). Delegations made during H count; delegations made after H do not.
// If H is the block being executed, "the end of block H" is now; downtime
// slashes use H = the current height and run in BeginBlock, before any
// message of the block, so for them B(H) = current tokens as before (a
// downtime slash injected after messages of its block also counts the
// entries created in the block, which it slashes as before). The
// tokens at the end of a past block and the amount that started unbonding
// in block H come from the token history (thist.go): two reverse seeks.
//
// Amount. total = ceil(f × B(H)) (rounding: up). It is taken
//  1. from the unbonding entries created at height ≥ H: f of their current
//     value (segments, see unbonding.go; rounding: up), lowered to a smaller
//     common fraction if that would exceed total (stake that arrived after H
//     and left before the evidence cannot push the burn past total);
//  2. the remainder, total − (1), from the validator's old stake only —
//     the delegations' base shares and the lots created at or before H —
//     capped at its value. The lots created after H (stake that arrived
//     after the infraction, lots.go) keep their value exactly: their
//     shares are multiplied so that, after the burn, they are worth what
//     they were worth before (within one base unit per rounding site).
//
// So the supply drops by exactly total unless the old stake runs out, and
// never by more: stake delegated after H neither increases the penalty nor
// pays any of it. A delegator bonded at H loses f of its value when
// nothing has left since H (in general: its pro-rata part of the
// remainder among the old stake). An entry of stake that arrived after H
// and left before the evidence is created at or after H and pays f (or the
// lowered fraction) of its value, as the SPEC's rule for entries says. Stake
// that a restaking slash seized after H is taken out of B(H) (it left for
// good and must not be paid for by the rest). Slashes between H and the evidence (e.g.
// downtime) do not reduce B(H): the slash is f of the stake bonded at H,
// whatever has happened to it since, capped by what is left, so the
// current delegators can then lose more than f of what they hold now.
//
// Cost: O(log n) store reads in the history, in the entries and in the lot
// tree, plus the slash segments of the unbonding window and the lot events;
// independent of the number of delegators, delegations and unbonding entries.

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
	v.JailedUntil_s = num.AddTime(ctx.Time_s, p.DowntimeJail_s)
	if err := saveValidator(ctx.KV, &v); err != nil {
		return err
	}
	resetSigning(ctx.KV, op, ctx.Height+1, p.DowntimeWindow)
	ctx.Emit("jail", "operator", op.String(), "until_s", i64s(v.JailedUntil_s))
	return nil
}

// slash burns, for an infraction at height h, fraction f of the stake
// bonded at h: first from the unbonding entries created at height ≥ h, the
// rest from v's tokens (see the notes above). The caller saves v. Works
// with zero tokens and no entries.
func slash(ctx state.Ctx, p params.Params, v *Validator, f num.Dec, h int64, reason string) error {
	if f.GT(num.OneDec()) {
		f = num.OneDec()
	}
	bonded, cut, err := bondedAndCut(ctx.KV, *v, h)
	if err != nil {
		return err
	}
	// rounding: up — slashed.
	total, err := f.MulIntUp(bonded)
	if err != nil {
		return err
	}
	fromUnbonding, err := slashUnbonding(ctx.KV, v.Operator, f, h, total)
	if err != nil {
		return err
	}
	// fromUnbonding ≤ total; the rest comes from the stake that was bonded
	// at h only (lots.go), capped by its value.
	fromTokens, err := exemptSlash(ctx.KV, v, cut, total.SubSat(fromUnbonding))
	if err != nil {
		return err
	}
	v.Tokens, _ = v.Tokens.Sub(fromTokens)
	if err := recordTokens(ctx, p.UnbondingPeriod_s, v.Operator, v.Tokens); err != nil {
		return err
	}
	if err := bank.Burn(ctx.KV, BondedPool, p.NativeDenom, fromTokens); err != nil {
		return err
	}
	if err := bank.Burn(ctx.KV, UnbondingPool, p.NativeDenom, fromUnbonding); err != nil {
		return err
	}
	ctx.Emit("slash", "operator", v.Operator.String(), "reason", reason, "fraction", f.String(),
		"infraction_height", i64s(h), "bonded_at_infraction", bonded.String(), "total", total.String(),
		"burned_tokens", fromTokens.String(), "burned_unbonding", fromUnbonding.String())
	return nil
}

// handleEvidence turns consensus misbehaviour evidence into double-sign
// slashes. Unknown or tombstoned validators, evidence older than the
// unbonding period (its stake may have left) and impossible heights are
// ignored.
func handleEvidence(ctx state.Ctx, p params.Params, evs []Evidence, slashed *[]account.Address) error {
	for i, ev := range evs {
		if i >= maxEvidencePerBlock {
			break
		}
		op, ok := operatorByCons(ctx.KV, ev.ConsAddr)
		if !ok || ev.Height < 1 || ev.Height > ctx.Height {
			continue
		}
		if num.AddTime(ev.Time_s, p.UnbondingPeriod_s) < ctx.Time_s {
			continue
		}
		if err := SlashDoubleSign(ctx, p, op, ev.Height); err != nil {
			return err
		}
		*slashed = append(*slashed, op)
	}
	return nil
}

// Stress slashes validator op by fraction f of its stake bonded now,
// without jailing it. No message reaches it: it is the what-if of
// `restaked risk stress`, run on a throwaway copy of the state.
func Stress(ctx state.Ctx, p params.Params, op account.Address, f num.Dec) error {
	v, err := mustValidator(ctx.KV, op)
	if err != nil {
		return err
	}
	if err := slash(ctx, p, &v, f, ctx.Height, "stress"); err != nil {
		return err
	}
	return saveValidator(ctx.KV, &v)
}
