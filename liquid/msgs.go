package liquid

import (
	"fmt"
	"strconv"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/tx"
)

// HandleLiquidStake executes MsgLiquidStake signed by signer.
func HandleLiquidStake(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgLiquidStake) error {
	if m == nil {
		return state.Reject("bad-message", "empty liquid_stake message")
	}
	from, err := state.Owner("from", m.From, signer, "stake its funds")
	if err != nil {
		return err
	}
	amount, err := state.ParseAmount("amount", m.Amount, p.NativeDenom)
	if err != nil {
		return err
	}
	_, err = Stake(ctx, p, from, amount)
	return err
}

// HandleLiquidUnstake executes MsgLiquidUnstake signed by signer.
func HandleLiquidUnstake(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgLiquidUnstake) error {
	if m == nil {
		return state.Reject("bad-message", "empty liquid_unstake message")
	}
	from, err := state.Owner("from", m.From, signer, "unstake its ststake")
	if err != nil {
		return err
	}
	amount, err := state.ParseAmount("amount", m.Amount, Denom)
	if err != nil {
		return err
	}
	_, err = Unstake(ctx, p, from, amount)
	return err
}

// Stake deposits amount of the native denom from `from` and mints ststake
// at the deposit rate; it returns the ststake minted.
func Stake(ctx state.Ctx, p params.Params, from account.Address, amount num.Int) (num.Int, error) {
	if err := bank.CheckFunds(ctx.KV, from, p.NativeDenom, amount); err != nil {
		return num.Int{}, err
	}
	if _, err := harvest(ctx, p); err != nil { // the delegation below settles rewards
		return num.Int{}, err
	}
	b, err := loadBooks(ctx.KV, p)
	if err != nil {
		return num.Int{}, err
	}
	minted, err := mintFor(amount, b)
	if err != nil {
		return num.Int{}, state.Reject("amount-overflow", "liquid_stake %s overflows", amount)
	}
	if minted.IsZero() {
		return minted, state.Reject("amount-too-small", "%s%s buys no ststake at rate %s", amount, p.NativeDenom, mustRate(b))
	}
	if err := deposit(ctx, p, from, amount, minted); err != nil {
		return num.Int{}, err
	}
	// The deposit and any idle stake not reserved for claims (b is from
	// before the deposit; the sum is at most the pool's balance).
	idle, _ := free(b).Add(amount)
	if _, err := delegateIdle(ctx, p, b, idle); err != nil {
		return num.Int{}, err
	}
	ctx.Emit("liquid_stake", "from", from.String(), "amount", coin.New(p.NativeDenom, amount).String(),
		"minted", coin.New(Denom, minted).String())
	return minted, nil
}

func deposit(ctx state.Ctx, p params.Params, from account.Address, amount, minted num.Int) error {
	ps, err := loadPool(ctx.KV)
	if err != nil {
		return err
	}
	if ps.Supply.IsZero() && ps.Unpaid == 0 {
		ps.LastCompound_s = ctx.Time_s // an empty pool's compounding clock starts with its first deposit
	}
	if ps.Supply, err = ps.Supply.Add(minted); err != nil {
		return state.Reject("amount-overflow", "ststake supply would overflow")
	}
	if _, err := ps.Supply.Add(ps.Burned); err != nil {
		return state.Reject("amount-overflow", "ststake supply would overflow")
	}
	if err := bank.SendOne(ctx.KV, from, Pool, p.NativeDenom, amount); err != nil {
		return err
	}
	if err := bank.Mint(ctx.KV, from, Denom, minted); err != nil {
		return err
	}
	savePool(ctx.KV, ps)
	return nil
}

func mustRate(b Books) string {
	r, err := rateOf(b)
	if err != nil {
		return "?"
	}
	return r.String()
}

// Unstake burns amount ststake of `from` and opens a claim for its value.
func Unstake(ctx state.Ctx, p params.Params, from account.Address, st num.Int) (Claim, error) {
	if err := bank.CheckFunds(ctx.KV, from, Denom, st); err != nil {
		return Claim{}, err
	}
	if _, err := harvest(ctx, p); err != nil { // an undelegation below settles rewards
		return Claim{}, err
	}
	b, err := loadBooks(ctx.KV, p)
	if err != nil {
		return Claim{}, err
	}
	c, err := newClaim(ctx, p, b, from, st)
	if err != nil {
		return Claim{}, err
	}
	if err := freeLiquidity(ctx, p, b, c); err != nil {
		return Claim{}, err
	}
	ctx.Emit("liquid_unstake", "from", from.String(), "burned", coin.New(Denom, st).String(),
		"claim_id", strconv.FormatUint(c.ID, 10), "amount", coin.New(p.NativeDenom, c.Amount).String(),
		"completion_s", strconv.FormatInt(c.Completion_s, 10))
	return c, nil
}

// newClaim burns st and records the claim for its value at the current
// rate. The burned ststake moves from Supply to Burned, so the rate's
// shares D, and with them the rate, do not change.
func newClaim(ctx state.Ctx, p params.Params, b Books, from account.Address, st num.Int) (Claim, error) {
	amount, err := valueOf(st, b)
	if err != nil {
		return Claim{}, state.Reject("amount-overflow", "liquid_unstake %s overflows", st)
	}
	if amount.IsZero() {
		return Claim{}, state.Reject("amount-too-small", "%s%s is worth no %s", st, Denom, p.NativeDenom)
	}
	rate, err := rateOf(b)
	if err != nil {
		return Claim{}, err
	}
	ps, err := loadPool(ctx.KV)
	if err != nil {
		return Claim{}, err
	}
	if err := bank.Burn(ctx.KV, from, Denom, st); err != nil {
		return Claim{}, err
	}
	if err := moveToBurned(&ps, st, amount); err != nil {
		return Claim{}, err
	}
	ps.NextClaim++
	c := Claim{ID: ps.NextClaim, Owner: from, Burned: st, Amount: amount, RateAtRequest: rate,
		Created_s: ctx.Time_s, Completion_s: num.AddTime(ctx.Time_s, p.UnbondingPeriod_s)}
	if ps.Unpaid == 0 || c.Completion_s < ps.NextDue_s {
		ps.NextDue_s = c.Completion_s
	}
	ps.Unpaid++
	savePool(ctx.KV, ps)
	state.Put(ctx.KV, claimKey(c.ID), &c)
	ctx.KV.Set(queueKey(c.Completion_s, c.ID), []byte{})
	ctx.KV.Set(ownerKey(from, c.ID), []byte{})
	return c, nil
}

// moveToBurned moves st from Supply to Burned and adds amount to Owed.
func moveToBurned(ps *poolState, st, amount num.Int) error {
	var err error
	if ps.Supply, err = ps.Supply.Sub(st); err != nil {
		return fmt.Errorf("%w: liquid supply below a holder's balance", state.ErrCorrupt)
	}
	if ps.Burned, err = ps.Burned.Add(st); err != nil {
		return err // Supply + Burned did not overflow before
	}
	ps.Owed, err = ps.Owed.Add(amount) // amount ≤ assets: no overflow
	return err
}

// freeLiquidity makes sure the new claim c will be liquid by its
// completion: stake that is idle or already unbonding and not reserved for
// earlier claims counts first, the rest is undelegated now. It reserves
// Owed, the most the claims can be paid, so a rate that rises before they
// complete never leaves one waiting.
func freeLiquidity(ctx state.Ctx, p params.Params, b Books, c Claim) error {
	var err error
	if b.Owed, err = b.Owed.Add(c.Amount); err != nil { // b is from before the claim
		return err
	}
	missing, err := ensureLiquidity(ctx, p, b, b.Owed)
	if err != nil {
		return err
	}
	if !missing.IsZero() {
		return state.Reject("unbonding-capacity", "the pool cannot start unbonding %s%s now (too many live unbondings with its validators); try a smaller amount or later",
			missing, p.NativeDenom)
	}
	return nil
}
