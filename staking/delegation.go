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

// Delegation policy:
//   - Jailed validators accept delegations (as in Cosmos): the stake stays
//     slashable and earns nothing until the validator is back in the set.
//   - Tombstoned validators accept none: they can never earn again.
//   - A validator whose tokens were slashed to zero while shares remain is
//     "fully slashed" and accepts none (SPEC §2): its share price is 0.
//   - Every change to a delegation first pays its pending rewards to the
//     delegator (auto-claim), so a delegation record holds only shares, its
//     lots and the accumulator snapshot.
//   - Each delegation is a new lot (lots.go), so a later slash for an
//     earlier infraction spares it; undelegation burns the newest lots
//     first, then the base shares.

// HandleDelegate executes MsgDelegate signed by signer.
func HandleDelegate(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgDelegate) error {
	if m == nil {
		return state.Reject("bad-message", "empty delegate message")
	}
	d, op, amount, err := parseDelegationMsg(signer, m.Delegator, m.Validator, m.Amount, p.NativeDenom)
	if err != nil {
		return err
	}
	_, err = Delegate(ctx, p, d, op, amount)
	return err
}

// HandleUndelegate executes MsgUndelegate signed by signer.
func HandleUndelegate(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgUndelegate) error {
	if m == nil {
		return state.Reject("bad-message", "empty undelegate message")
	}
	d, op, amount, err := parseDelegationMsg(signer, m.Delegator, m.Validator, m.Amount, p.NativeDenom)
	if err != nil {
		return err
	}
	_, err = Undelegate(ctx, p, d, op, amount)
	return err
}

func parseDelegationMsg(signer account.Address, delegator, validator, amount, denom string) (d, op account.Address, amt num.Int, err error) {
	if d, err = state.Owner("delegator", delegator, signer, "move its stake"); err != nil {
		return
	}
	if op, err = state.ParseAddr("validator", validator); err != nil {
		return
	}
	amt, err = state.ParseAmount("amount", amount, denom)
	return
}

// delegatePlan is a checked delegation, ready to write.
type delegatePlan struct {
	v         Validator
	d         delegation
	found     bool
	delegator account.Address
	amount    num.Int
	newShares num.Int
	tokens    num.Int // validator tokens after
	total     num.Int // validator shares after
}

// Delegate moves amount of the native denom from delegator to the
// validator's stake and returns the shares issued. Other modules (liquid
// staking, restaking) call it with their own module address.
func Delegate(ctx state.Ctx, p params.Params, delegator, op account.Address, amount num.Int) (num.Int, error) {
	pl, err := planDelegate(ctx.KV, p.NativeDenom, delegator, op, amount)
	if err != nil {
		return num.Int{}, err
	}
	if err := applyDelegate(ctx, p, pl); err != nil {
		return num.Int{}, err
	}
	if err := recordTokens(ctx, p.UnbondingPeriod_s, op, pl.tokens); err != nil {
		return num.Int{}, err
	}
	ctx.Emit("delegate", "delegator", delegator.String(), "validator", op.String(),
		"amount", coin.New(p.NativeDenom, amount).String(), "shares", pl.newShares.String())
	return pl.newShares, nil
}

func planDelegate(r store.Reader, denom string, delegator, op account.Address, amount num.Int) (delegatePlan, error) {
	pl := delegatePlan{delegator: delegator, amount: amount}
	if amount.IsZero() {
		return pl, state.Reject("bad-amount", "amount must be positive")
	}
	v, err := mustValidator(r, op)
	if err != nil {
		return pl, err
	}
	if err := checkAcceptsDelegation(v); err != nil {
		return pl, err
	}
	pl.v = v
	if pl.newShares, pl.tokens, pl.total, err = delegationShares(v, amount); err != nil {
		return pl, err
	}
	if pl.d, pl.found, err = loadDelegation(r, delegator, op); err != nil {
		return pl, err
	}
	if !pl.found {
		if err := checkDelegationCount(r, delegator); err != nil {
			return pl, err
		}
	}
	return pl, bank.CheckFunds(r, delegator, denom, amount)
}

func checkAcceptsDelegation(v Validator) error {
	if v.Tombstoned {
		return state.Reject("validator-tombstoned", "validator %s is tombstoned and accepts no delegations", v.Operator)
	}
	if v.Tokens.IsZero() && !v.DelegatorShares.IsZero() {
		return state.Reject("fully-slashed", "validator %s was slashed to zero tokens and accepts no delegations", v.Operator)
	}
	return nil
}

// delegationShares computes the shares for amount and the validator's new totals.
func delegationShares(v Validator, amount num.Int) (shares, tokens, total num.Int, err error) {
	shares, err = sharesForDeposit(amount, v.Tokens, v.DelegatorShares)
	if err != nil {
		return shares, tokens, total, state.Reject("amount-overflow", "delegating %s to %s overflows its shares", amount, v.Operator)
	}
	if shares.IsZero() {
		return shares, tokens, total, state.Reject("amount-too-small", "%s buys no share of %s (one share is worth more)", amount, v.Operator)
	}
	if tokens, err = v.Tokens.Add(amount); err != nil {
		return shares, tokens, total, state.Reject("amount-overflow", "validator %s tokens would overflow", v.Operator)
	}
	if total, err = v.DelegatorShares.Add(shares); err != nil {
		return shares, tokens, total, state.Reject("amount-overflow", "validator %s shares would overflow", v.Operator)
	}
	return shares, tokens, total, nil
}

func checkDelegationCount(r store.Reader, delegator account.Address) error {
	n, err := loadU64(r, delCountKey(delegator))
	if err != nil {
		return err
	}
	if n >= MaxDelegationsPerAccount {
		return state.Reject("too-many-delegations", "%s already delegates to %d validators (the maximum)", delegator, n)
	}
	return nil
}

func applyDelegate(ctx state.Ctx, p params.Params, pl delegatePlan) error {
	kv, denom, op := ctx.KV, p.NativeDenom, pl.v.Operator
	rw, err := loadReward(kv, op)
	if err != nil {
		return err
	}
	lh, err := loadLotHead(kv, op)
	if err != nil {
		return err
	}
	if err := settleWith(kv, denom, pl.delegator, lh, &pl.d, rw.Acc); err != nil {
		return err
	}
	if err := bank.SendOne(kv, pl.delegator, BondedPool, denom, pl.amount); err != nil {
		return err
	}
	if err := addLot(ctx, p.UnbondingPeriod_s, op, lh, &pl.d, pl.newShares); err != nil {
		return err
	}
	pl.v.Tokens, pl.v.DelegatorShares = pl.tokens, pl.total
	state.Put(kv, delegationKey(pl.delegator, op), &pl.d)
	if err := saveValidator(kv, &pl.v); err != nil {
		return err
	}
	if !pl.found {
		return bumpDelegationCount(kv, pl.delegator, 1)
	}
	return nil
}

func bumpDelegationCount(kv store.KV, delegator account.Address, delta int) error {
	k := delCountKey(delegator)
	n, err := loadU64(kv, k)
	if err != nil {
		return err
	}
	switch {
	case delta > 0:
		n++
	case n > 0:
		n--
	}
	if n == 0 {
		kv.Delete(k)
		return nil
	}
	kv.Set(k, state.U64(n))
	return nil
}

// settleWith pays a delegation's pending rewards to the delegator and
// moves its snapshot to acc (h: the validator's lot head, already loaded).
func settleWith(kv store.KV, denom string, delegator account.Address, h lotHead, d *delegation, acc num.Int) error {
	owed, err := pendingReward(h, *d, acc)
	if err != nil {
		return err
	}
	materialize(h, d)
	d.RewardSnapshot = acc
	return bank.SendOne(kv, RewardsPool, delegator, denom, owed)
}

// undelegatePlan is a checked undelegation, ready to write.
type undelegatePlan struct {
	v         Validator
	d         delegation
	delegator account.Address
	owner     account.Address // who the unbonding entry pays (the delegator, unless a module undelegates for someone)
	amount    num.Int         // tokens that leave (the request, or the full value when closing)
	sharesOut num.Int
	owned     num.Int // the delegation's current shares
	lots      lotHead
	head      unbondingHead
}

// Undelegate removes amount tokens of delegator's stake from the validator
// into an unbonding entry that pays out after the unbonding period.
func Undelegate(ctx state.Ctx, p params.Params, delegator, op account.Address, amount num.Int) (Unbonding, error) {
	return UndelegateFor(ctx, p, delegator, op, amount, delegator)
}

// UndelegateFor is Undelegate with the unbonding entry paying owner: a
// module (restaking) that delegates for its stakers hands a withdrawing
// staker an ordinary unbonding entry, slashable like any other.
func UndelegateFor(ctx state.Ctx, p params.Params, delegator, op account.Address, amount num.Int, owner account.Address) (Unbonding, error) {
	pl, err := planUndelegate(ctx.KV, delegator, op, amount, owner)
	if err != nil {
		return Unbonding{}, err
	}
	e, err := applyUndelegate(ctx, p, pl)
	if err != nil {
		return Unbonding{}, err
	}
	ctx.Emit("undelegate", "delegator", delegator.String(), "validator", op.String(),
		"amount", coin.New(p.NativeDenom, pl.amount).String(), "unbonding_id", u64s(e.ID), "completion_s", i64s(e.Completion_s))
	return e.view(e.Initial), nil
}

func planUndelegate(r store.Reader, delegator, op account.Address, amount num.Int, owner account.Address) (undelegatePlan, error) {
	pl, err := planRemoval(r, delegator, op, amount)
	if err != nil {
		return pl, err
	}
	pl.owner = owner
	if err := checkUnbondingCount(r, owner, op); err != nil {
		return pl, err
	}
	if pl.head, err = loadHead(r, op); err != nil {
		return pl, err
	}
	return pl, checkHeadRoom(pl.head, pl.amount)
}

// planRemoval sizes taking amount tokens out of delegator's delegation to op.
func planRemoval(r store.Reader, delegator, op account.Address, amount num.Int) (undelegatePlan, error) {
	pl := undelegatePlan{delegator: delegator, amount: amount}
	if amount.IsZero() {
		return pl, state.Reject("bad-amount", "amount must be positive")
	}
	v, err := mustValidator(r, op)
	if err != nil {
		return pl, err
	}
	d, found, err := loadDelegation(r, delegator, op)
	if err != nil {
		return pl, err
	}
	if !found {
		return pl, state.Reject("no-delegation", "%s has no delegation to %s", delegator, op)
	}
	pl.v, pl.d = v, d
	if pl.lots, err = loadLotHead(r, op); err != nil {
		return pl, err
	}
	pl.owned = ownedShares(pl.lots, d)
	return pl, sizeUndelegation(&pl)
}

// sizeUndelegation sets the shares to burn; a request that would burn all of
// the delegation's shares closes it and takes its whole value (≥ the request),
// so no validator is left with tokens but no shares.
func sizeUndelegation(pl *undelegatePlan) error {
	value := tokensOfShares(pl.owned, pl.v.Tokens, pl.v.DelegatorShares)
	if pl.amount.GT(value) {
		return state.Reject("insufficient-delegation", "%s's delegation to %s is worth %s, cannot undelegate %s",
			pl.delegator, pl.v.Operator, value, pl.amount)
	}
	out, err := sharesForWithdraw(pl.amount, pl.v.Tokens, pl.v.DelegatorShares)
	if err != nil {
		return state.Reject("amount-overflow", "undelegating %s overflows", pl.amount)
	}
	if out.GTE(pl.owned) {
		out, pl.amount = pl.owned, value
	}
	pl.sharesOut = out
	return nil
}

func checkUnbondingCount(r store.Reader, delegator, op account.Address) error {
	n := 0
	store.IteratePrefix(r, state.Key(prefixUbdByDel, delegator[:], op[:]), false, func(_, _ []byte) bool {
		n++
		return n < MaxUnbondingsPerPair
	})
	if n >= MaxUnbondingsPerPair {
		return state.Reject("too-many-unbondings", "%s already has %d unbonding entries from %s (the maximum); wait for one to complete",
			delegator, n, op)
	}
	return nil
}

func applyUndelegate(ctx state.Ctx, p params.Params, pl undelegatePlan) (unbondingEntry, error) {
	kv, op := ctx.KV, pl.v.Operator
	if err := removeTokens(ctx, p, &pl); err != nil {
		return unbondingEntry{}, err
	}
	unbonded, _ := pl.head.CumTotal.Add(pl.amount) // checked by checkHeadRoom
	if err := recordUnbonding(ctx, p.UnbondingPeriod_s, op, pl.v.Tokens, unbonded); err != nil {
		return unbondingEntry{}, err
	}
	if err := bank.SendOne(kv, BondedPool, UnbondingPool, p.NativeDenom, pl.amount); err != nil {
		return unbondingEntry{}, err
	}
	return addUnbonding(ctx, p, pl.head, pl.owner, op, pl.amount)
}

// removeTokens settles the delegation's rewards and takes pl.amount tokens
// and pl.sharesOut shares out of it and out of the validator.
func removeTokens(ctx state.Ctx, p params.Params, pl *undelegatePlan) error {
	kv, op := ctx.KV, pl.v.Operator
	rw, err := loadReward(kv, op)
	if err != nil {
		return err
	}
	if err := settleWith(kv, p.NativeDenom, pl.delegator, pl.lots, &pl.d, rw.Acc); err != nil {
		return err
	}
	if err := writeDelegationAfterUndelegate(ctx, p, *pl); err != nil {
		return err
	}
	pl.v.Tokens, _ = pl.v.Tokens.Sub(pl.amount)                      // amount ≤ value ≤ tokens
	pl.v.DelegatorShares, _ = pl.v.DelegatorShares.Sub(pl.sharesOut) // sharesOut ≤ owned ≤ total
	return saveValidator(kv, &pl.v)
}

func writeDelegationAfterUndelegate(ctx state.Ctx, p params.Params, pl undelegatePlan) error {
	kv, op := ctx.KV, pl.v.Operator
	k := delegationKey(pl.delegator, op)
	if pl.sharesOut.GTE(pl.owned) {
		if err := dropLots(kv, op, pl.lots, &pl.d); err != nil {
			return err
		}
		kv.Delete(k)
		return bumpDelegationCount(kv, pl.delegator, -1)
	}
	if err := burnShares(kv, op, pl.lots, &pl.d, pl.sharesOut); err != nil {
		return err
	}
	if err := mergeOldLots(kv, op, pl.lots, &pl.d, ctx.Time_s, p.UnbondingPeriod_s, maxLots); err != nil {
		return err
	}
	if pl.d.Shares.IsZero() && len(pl.d.Lots) == 0 { // owned shares were all floors of lots
		kv.Delete(k)
		return bumpDelegationCount(kv, pl.delegator, -1)
	}
	state.Put(kv, k, &pl.d)
	return nil
}
