package restaking

import (
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

func loadPosition(r store.Reader, staker, op account.Address, asset string) (Position, bool, error) {
	return loadRecord[Position](r, positionKey(staker, op, asset))
}

func savePosition(kv store.KV, staker, op account.Address, asset string, p *Position) {
	k := positionKey(staker, op, asset)
	if p.Scaled.IsZero() {
		kv.Delete(k)
		return
	}
	state.Put(kv, k, p)
}

// HandleDeposit restakes the signer's funds with an operator.
func HandleDeposit(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgDeposit) error {
	staker, err := state.Owner("staker", m.GetStaker(), signer, "deposit its funds")
	if err != nil {
		return err
	}
	op, err := state.ParseAddr("operator", m.GetOperator())
	if err != nil {
		return err
	}
	c, err := state.ParseCoin("amount", m.GetAmount())
	if err != nil {
		return err
	}
	_, err = Deposit(ctx, p, staker, op, c)
	return err
}

// Deposit credits c to the (staker, op, c.Denom) position and returns the
// scaled shares added.
func Deposit(ctx state.Ctx, p params.Params, staker, op account.Address, c coin.Coin) (num.Int, error) {
	o, err := loadOperator(ctx.KV, op, ctx.Time_s)
	if err != nil {
		return num.Int{}, err
	}
	a, err := loadAsset(ctx.KV, c.Denom)
	if err != nil {
		return num.Int{}, err
	}
	if a.Kind == KindNative && !o.Validator {
		return num.Int{}, state.Reject("no-validator", "operator %s runs no validator, so it takes no native %s deposits (use ststake)", op, a.Denom)
	}
	vv, err := loadVault(ctx.KV, op, a)
	if err != nil {
		return num.Int{}, err
	}
	if a.Kind == KindNative && vv.tokens.IsZero() && vv.v.Scaled.IsZero() && vv.v.Queued.IsZero() {
		// Nobody holds a share and no token backs the leftover units (the
		// last withdrawal closed the delegation): start the vault afresh.
		vv.v.Units = num.Int{}
	}
	scaled, units, err := depositShares(vv, c.Amount)
	if err != nil {
		return num.Int{}, err
	}
	if err := bank.CheckFunds(ctx.KV, staker, c.Denom, c.Amount); err != nil {
		return num.Int{}, err
	}
	pos, found, err := loadPosition(ctx.KV, staker, op, a.Denom)
	if err != nil {
		return num.Int{}, err
	}
	if !found {
		if err := checkPositionRoom(ctx.KV, staker); err != nil {
			return num.Int{}, err
		}
	}
	if err := beforeSharesChange(ctx, p, vv, staker, pos.Scaled); err != nil {
		return num.Int{}, err
	}
	vv.pulled = true
	if err := moveIn(ctx, p, staker, op, c); err != nil {
		return num.Int{}, err
	}
	if err := addShares(&pos, &vv.v, scaled, units, c.Amount); err != nil {
		return num.Int{}, state.Reject("amount-overflow", "deposit of %s overflows", c)
	}
	savePosition(ctx.KV, staker, op, a.Denom, &pos)
	if err := vv.save(ctx); err != nil {
		return num.Int{}, err
	}
	ctx.Emit("deposit", "staker", staker.String(), "operator", op.String(), "amount", c.String(), "scaled", scaled.String())
	return scaled, nil
}

// depositShares: units bought at the native factor, then σ = units / maxMag
// (rounding: down, both — against the depositor). New deposits are not
// penalised by past slashes: σ is measured at the magnitude in force.
func depositShares(vv vaultView, amount num.Int) (scaled, units num.Int, err error) {
	if vv.v.MaxMag.IsZero() {
		return scaled, units, state.Reject("fully-slashed", "operator %s was fully slashed in %s and accepts no deposits", vv.op, vv.asset.Denom)
	}
	if units, err = vv.unitsIn(amount); err != nil {
		return
	}
	if scaled, err = scaledOf(units, vv.v.MaxMag, false); err != nil {
		return scaled, units, state.Reject("amount-overflow", "deposit of %s overflows", amount)
	}
	if scaled.IsZero() {
		return scaled, units, state.Reject("amount-too-small", "%s%s buys no shares of %s", amount, vv.asset.Denom, vv.op)
	}
	return scaled, units, nil
}

// checkPositionRoom bounds a staker's positions (claim_rewards walks them).
func checkPositionRoom(r store.Reader, staker account.Address) error {
	n := 0
	store.IteratePrefix(r, positionPrefix(staker), false, func(_, _ []byte) bool {
		n++
		return n < MaxPositionsPerStaker
	})
	if n >= MaxPositionsPerStaker {
		return state.Reject("too-many-positions", "%s already has %d positions (the maximum)", staker, n)
	}
	return nil
}

func addShares(pos *Position, v *Vault, scaled, units, amount num.Int) (err error) {
	if pos.Scaled, err = pos.Scaled.Add(scaled); err != nil {
		return
	}
	if pos.Deposited, err = pos.Deposited.Add(amount); err != nil {
		return
	}
	if v.Scaled, err = v.Scaled.Add(scaled); err != nil {
		return
	}
	v.Units, err = v.Units.Add(units)
	return
}

// moveIn takes the deposit: native stake is delegated to the operator's
// validator by its native account, anything else joins VaultAccount.
func moveIn(ctx state.Ctx, p params.Params, staker, op account.Address, c coin.Coin) error {
	if c.Denom != p.NativeDenom {
		return bank.SendOne(ctx.KV, staker, VaultAccount, c.Denom, c.Amount)
	}
	na := NativeAccount(op)
	if err := bank.SendOne(ctx.KV, staker, na, c.Denom, c.Amount); err != nil {
		return err
	}
	_, err := staking.Delegate(ctx, p, na, op, c.Amount)
	return err
}

// HandleQueueWithdrawal starts withdrawing amount (withdrawable terms).
func HandleQueueWithdrawal(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgQueueWithdrawal) error {
	staker, err := state.Owner("staker", m.GetStaker(), signer, "withdraw its position")
	if err != nil {
		return err
	}
	op, err := state.ParseAddr("operator", m.GetOperator())
	if err != nil {
		return err
	}
	c, err := coin.ParseCoin(m.GetAmount()) // 0: the whole position, whatever it is worth
	if err != nil {
		return state.Reject("bad-amount", "amount %q: %v", m.GetAmount(), err)
	}
	_, err = QueueWithdrawal(ctx, p, staker, op, c)
	return err
}

// QueueWithdrawal removes the shares worth c from the position at once
// (they stop counting as stake) and queues them; it returns the withdrawal.
func QueueWithdrawal(ctx state.Ctx, p params.Params, staker, op account.Address, c coin.Coin) (Withdrawal, error) {
	pos, found, err := loadPosition(ctx.KV, staker, op, c.Denom)
	if err != nil {
		return Withdrawal{}, err
	}
	if !found {
		return Withdrawal{}, state.Reject("no-position", "%s has no position with operator %s in %s", staker, op, c.Denom)
	}
	vv, err := vaultOf(ctx.KV, op, c.Denom)
	if err != nil {
		return Withdrawal{}, err
	}
	a := vv.asset
	scaled, err := withdrawalShares(vv, pos, c.Amount)
	if err != nil {
		return Withdrawal{}, err
	}
	if err := beforeSharesChange(ctx, p, vv, staker, pos.Scaled); err != nil {
		return Withdrawal{}, err
	}
	vv.pulled = true
	due, err := queueDue(ctx.KV, op, a.Denom, ctx.Time_s, p.WithdrawalDelay_s)
	if err != nil {
		return Withdrawal{}, err
	}
	w := Withdrawal{Staker: staker, Operator: op, Asset: a.Denom, Scaled: scaled, Start_s: ctx.Time_s, Due_s: due}
	if err := takeShares(&pos, &vv.v, &w); err != nil {
		return w, err
	}
	if err := addQueued(ctx, op, a.Denom, due, scaled); err != nil {
		return w, err
	}
	if w.ID, err = nextID(ctx.KV, keyNextWd); err != nil {
		return w, err
	}
	savePosition(ctx.KV, staker, op, a.Denom, &pos)
	if pos.Scaled.IsZero() {
		if err := payClosedPosition(ctx, staker, vv); err != nil {
			return w, err
		}
	}
	state.Put(ctx.KV, withdrawalKey(w.ID), &w)
	ctx.KV.Set(wdByStakerKey(staker, w.ID), []byte{})
	if err := vv.save(ctx); err != nil {
		return w, err
	}
	ctx.Emit("queue_withdrawal", "id", u64s(w.ID), "staker", staker.String(), "operator", op.String(),
		"amount", c.String(), "due_s", i64s(w.Due_s))
	return w, nil
}

// withdrawalShares is σ for amount: units at the native factor and σ at
// maxMag (rounding: up, both — against the withdrawer), capped at the
// position; asking for everything withdrawable takes every share, and an
// amount of 0 closes the position whatever it is worth (dust, or an
// operator slashed to zero).
func withdrawalShares(vv vaultView, pos Position, amount num.Int) (num.Int, error) {
	if amount.IsZero() {
		return pos.Scaled, nil
	}
	if vv.v.MaxMag.IsZero() {
		return num.Int{}, state.Reject("fully-slashed", "operator %s was fully slashed in %s; the position is worth nothing", vv.op, vv.asset.Denom)
	}
	have, err := vv.withdrawable(pos.Scaled)
	if err != nil {
		return num.Int{}, err
	}
	if amount.GT(have) {
		return num.Int{}, state.Reject("insufficient-position", "the position can withdraw %s%s, not %s%s", have, vv.asset.Denom, amount, vv.asset.Denom)
	}
	if amount.Eq(have) {
		return pos.Scaled, nil
	}
	units, err := vv.unitsOut(amount)
	if err != nil {
		return num.Int{}, err
	}
	s, err := scaledOf(units, vv.v.MaxMag, true)
	return s.Min(pos.Scaled), err
}

// takeShares moves w.Scaled from the position and the vault's active
// shares into the queue (the vault's Units keep backing it until paid).
func takeShares(pos *Position, v *Vault, w *Withdrawal) error {
	// rounding: up — the principal leaving with the shares (display only).
	pr, err := pos.Deposited.MulDivUp(w.Scaled, pos.Scaled)
	if err != nil {
		return err
	}
	w.Principal = pr.Min(pos.Deposited)
	pos.Deposited, _ = pos.Deposited.Sub(w.Principal)
	if pos.Scaled, err = pos.Scaled.Sub(w.Scaled); err != nil {
		return fmt.Errorf("%w: withdrawal above its position", state.ErrCorrupt)
	}
	if v.Scaled, err = v.Scaled.Sub(w.Scaled); err != nil {
		return fmt.Errorf("%w: vault shares below a position's", state.ErrCorrupt)
	}
	if pos.Scaled.IsZero() {
		pos.Deposited = num.Int{}
	}
	// The queue's backing takes what the withdrawal is worth now
	// (rounding: down); the rest stays with the positions.
	q, err := unitsOf(w.Scaled, v.MaxMag, false)
	if err != nil {
		return err
	}
	v.Queued, err = v.Queued.Add(q)
	return err
}

func nextID(kv store.KV, key []byte) (uint64, error) {
	n, err := state.LoadU64(kv, key)
	if err != nil {
		return 0, err
	}
	n++
	kv.Set(key, state.U64(n))
	return n, nil
}

// HandleCompleteWithdrawal pays a due withdrawal.
func HandleCompleteWithdrawal(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgCompleteWithdrawal) error {
	staker, err := state.Owner("staker", m.GetStaker(), signer, "complete its withdrawals")
	if err != nil {
		return err
	}
	_, err = CompleteWithdrawal(ctx, p, staker, m.GetId())
	return err
}

// CompleteWithdrawal pays withdrawal id to its staker: σ × maxMagnitude in
// force just before the due time × the native factor now. Native stake
// is handed over as an unbonding entry of the staker's (it still waits the
// primary unbonding period).
func CompleteWithdrawal(ctx state.Ctx, p params.Params, staker account.Address, id uint64) (Withdrawal, error) {
	w, err := loadOwnWithdrawal(ctx, staker, id)
	if err != nil {
		return w, err
	}
	vv, err := vaultOf(ctx.KV, w.Operator, w.Asset)
	if err != nil {
		return w, err
	}
	units, tokens, err := withdrawalValue(ctx.KV, vv, w)
	if err != nil {
		return w, err
	}
	if err := harvestNative(ctx, p, vv); err != nil {
		return w, err
	}
	vv.v.Units, _ = vv.v.Units.Sub(units) // units ≤ Queued ≤ Units
	vv.v.Queued, _ = vv.v.Queued.Sub(units)
	paid, err := payOut(ctx, p, vv, staker, tokens)
	if err != nil {
		return w, err
	}
	w.Completed, w.Paid, w.Done_s = true, paid, ctx.Time_s
	state.Put(ctx.KV, withdrawalKey(w.ID), &w)
	if err := vv.save(ctx); err != nil {
		return w, err
	}
	ctx.Emit("complete_withdrawal", "id", u64s(id), "staker", staker.String(), "amount", coin.New(w.Asset, paid).String())
	return w, nil
}

func loadOwnWithdrawal(ctx state.Ctx, staker account.Address, id uint64) (Withdrawal, error) {
	var w Withdrawal
	found, err := state.Load(ctx.KV, withdrawalKey(id), &w)
	if err != nil {
		return w, err
	}
	if !found {
		return w, state.Reject("unknown-withdrawal", "no withdrawal #%d", id)
	}
	if w.Staker != staker {
		return w, state.Reject("not-owner", "withdrawal #%d belongs to %s, not %s", id, w.Staker, staker)
	}
	if w.Completed {
		return w, state.Reject("already-completed", "withdrawal #%d was completed at %d", id, w.Done_s)
	}
	if ctx.Time_s < w.Due_s {
		return w, state.Reject("too-early", "withdrawal #%d completes at %d (now %d)", id, w.Due_s, ctx.Time_s)
	}
	// A slash requested before it was due can still take from it.
	sid, held, err := heldBy(ctx.KV, w)
	if err == nil && held {
		err = state.Reject("slash-pending", "withdrawal #%d waits for slash #%d of its operator (requested before it was due) to be vetoed or executed", id, sid)
	}
	return w, err
}

// withdrawalValue is what w pays now: units = σ × maxMag before Due_s
// (rounding: down), at most the queue's backing (the queue's backing is
// slashed as one sum, so the last withdrawals of a vault can get a base
// unit less per slash they lived through); tokens at the native
// factor (rounding: down).
func withdrawalValue(r store.Reader, vv vaultView, w Withdrawal) (units, tokens num.Int, err error) {
	mag, err := magBefore(r, w.Operator, w.Asset, w.Due_s)
	if err != nil {
		return
	}
	if units, err = unitsOf(w.Scaled, mag, false); err != nil {
		return
	}
	units = units.Min(vv.v.Queued)
	tokens, err = vv.toTokens(units)
	return
}

// payOut pays tokens of the asset and returns what was paid: native stake
// as an unbonding entry of the staker's, whose amount can exceed tokens by
// the dust of a delegation it closes.
func payOut(ctx state.Ctx, p params.Params, vv vaultView, to account.Address, tokens num.Int) (num.Int, error) {
	if tokens.IsZero() {
		return tokens, nil
	}
	if vv.asset.Kind != KindNative {
		return tokens, bank.SendOne(ctx.KV, VaultAccount, to, vv.asset.Denom, tokens)
	}
	u, err := staking.UndelegateFor(ctx, p, NativeAccount(vv.op), vv.op, tokens, to)
	return u.Balance, err
}
