package liquid

import (
	"fmt"
	"strconv"

	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// BeginBlock compounds at the first block of every CompoundInterval_s of
// block time (after staking's BeginBlock has distributed the block's rewards).
func BeginBlock(ctx state.Ctx, p params.Params) error {
	ps, err := loadPool(ctx.KV)
	if err != nil {
		return err
	}
	if ps.Supply.IsZero() && ps.Owed.IsZero() {
		return nil // nothing pooled
	}
	if ctx.Time_s/CompoundInterval_s == ps.LastCompound_s/CompoundInterval_s {
		return nil
	}
	return compound(ctx, p)
}

// compound claims the pool's rewards, pays lst_fee of them to FeeAccount
// and delegates the stake not reserved for claims. O(validators the pool uses).
func compound(ctx state.Ctx, p params.Params) error {
	ps, err := loadPool(ctx.KV)
	if err != nil {
		return err
	}
	if ps.Supply.IsZero() && ps.Owed.IsZero() {
		return nil
	}
	got, err := claimRewards(ctx, p)
	if err != nil {
		return err
	}
	fee, err := feeOf(got, p.LSTFee)
	if err != nil {
		return err
	}
	if err := bank.SendOne(ctx.KV, Pool, FeeAccount, p.NativeDenom, fee); err != nil {
		return err
	}
	if ps.FeesPaid, err = ps.FeesPaid.Add(fee); err != nil {
		return err
	}
	ps.LastCompound_s = ctx.Time_s
	savePool(ctx.KV, ps)
	if !got.IsZero() {
		ctx.Emit("liquid_compound", "rewards", coin.New(p.NativeDenom, got).String(), "fee", coin.New(p.NativeDenom, fee).String())
	}
	return delegateFree(ctx, p)
}

func claimRewards(ctx state.Ctx, p params.Params) (num.Int, error) {
	got, err := staking.ClaimRewards(ctx, p, Pool)
	if err != nil {
		return num.Int{}, err
	}
	return got.AmountOf(p.NativeDenom), nil
}

// delegateFree delegates the idle stake not reserved for claims (reserved:
// owed minus what is already unbonding toward the pool).
func delegateFree(ctx state.Ctx, p params.Params) error {
	b, err := loadBooks(ctx.KV, p)
	if err != nil {
		return err
	}
	reserve := b.Owed.SubSat(b.Unbonding)
	_, err = delegateIdle(ctx, p, b.Idle.SubSat(reserve))
	return err
}

// EndBlock pays due claims, oldest first, at most MaxClaimsPerBlock. A
// block with none due costs one point read.
func EndBlock(ctx state.Ctx, p params.Params) (err error) {
	ps, err := loadPool(ctx.KV)
	if err != nil || ps.Unpaid == 0 || ctx.Time_s < ps.NextDue_s {
		return err
	}
	ids, err := dueClaims(ctx)
	if err != nil || len(ids) == 0 {
		return err
	}
	defer func() {
		if err == nil {
			err = refreshNextDue(ctx)
		}
	}()
	b, err := loadBooks(ctx.KV, p)
	if err != nil {
		return err
	}
	for _, id := range ids { // one rate for the whole batch (the rate at completion)
		paid, perr := payClaim(ctx, p, &b, id)
		if perr != nil || !paid {
			return perr
		}
	}
	return nil
}

// refreshNextDue sets NextDue_s to the first queued completion (one seek).
func refreshNextDue(ctx state.Ctx) error {
	ps, err := loadPool(ctx.KV)
	if err != nil || ps.Unpaid == 0 {
		return err
	}
	var bad error
	store.IteratePrefix(ctx.KV, prefixQueue, false, func(k, _ []byte) bool {
		if len(k) != len(prefixQueue)+16 {
			bad = fmt.Errorf("%w: liquid queue key %q", state.ErrCorrupt, k)
			return false
		}
		t, _ := state.ReadU64(k[len(prefixQueue) : len(prefixQueue)+8])
		ps.NextDue_s = int64(t)
		return false
	})
	savePool(ctx.KV, ps)
	return bad
}

func dueClaims(ctx state.Ctx) ([]uint64, error) {
	end := state.Key(prefixQueue, state.U64(uint64(ctx.Time_s)+1))
	var ids []uint64
	var bad error
	ctx.KV.Iterate(prefixQueue, end, false, func(k, _ []byte) bool {
		if len(k) != len(prefixQueue)+16 {
			bad = fmt.Errorf("%w: liquid queue key %q", state.ErrCorrupt, k)
			return false
		}
		id, _ := state.ReadU64(k[len(k)-8:])
		ids = append(ids, id)
		return len(ids) < MaxClaimsPerBlock
	})
	return ids, bad
}

// payClaim pays one due claim what payable says. If the pool's balance cannot cover it yet it starts unbonding the
// shortfall (beyond what is already unbonding) and reports false: the claim
// waits, and so do the claims behind it.
func payClaim(ctx state.Ctx, p params.Params, b *Books, id uint64) (bool, error) {
	c, found, err := loadClaim(ctx.KV, id)
	if err != nil {
		return false, err
	}
	if !found || c.Paid {
		return false, fmt.Errorf("%w: queued liquid claim %d is missing or paid", state.ErrCorrupt, id)
	}
	pay, err := payable(c, *b)
	if err != nil {
		return false, err
	}
	if b.Idle.LT(pay) {
		return false, coverShortfall(ctx, p, *b, pay)
	}
	if err := bank.SendOne(ctx.KV, Pool, c.Owner, p.NativeDenom, pay); err != nil {
		return false, err
	}
	b.Idle, _ = b.Idle.Sub(pay) // checked above
	if err := settle(ctx, &c, pay); err != nil {
		return false, err
	}
	ctx.Emit("liquid_claim_paid", "id", strconv.FormatUint(c.ID, 10), "owner", c.Owner.String(),
		"amount", coin.New(p.NativeDenom, pay).String())
	return true, nil
}

func coverShortfall(ctx state.Ctx, p params.Params, b Books, pay num.Int) error {
	missing := pay.SubSat(b.Idle).SubSat(b.Unbonding)
	if missing.IsZero() {
		return nil // already on its way
	}
	_, err := undelegateFor(ctx, p, missing)
	return err
}

// settle marks c paid and releases its reservation.
func settle(ctx state.Ctx, c *Claim, pay num.Int) error {
	ps, err := loadPool(ctx.KV)
	if err != nil {
		return err
	}
	if ps.Owed, err = ps.Owed.Sub(c.Amount); err != nil {
		return fmt.Errorf("%w: liquid owed below claim %d", state.ErrCorrupt, c.ID)
	}
	ps.Unpaid--
	savePool(ctx.KV, ps)
	ctx.KV.Delete(queueKey(c.Completion_s, c.ID))
	c.Paid, c.PaidAmount, c.Paid_s = true, pay, ctx.Time_s
	state.Put(ctx.KV, claimKey(c.ID), c)
	return nil
}

// payable is what claim c gets at completion, given the books at the start
// of the block's batch:
//
//	min(Amount,                            the value at request
//	    value of Burned at the rate now,    valueOf, the same rate as requests
//	    Amount × assets / owed)             a pro-rata share if assets < owed
//
// (rounding: down, each term). With no holders left (supply 0) the rate now
// is the virtual 1:1 and says nothing, so that term is skipped; the third
// term only binds after slashes large enough to wipe out the holders, and
// keeps the claims' total within the assets.
func payable(c Claim, b Books) (num.Int, error) {
	pay := c.Amount
	equity, err := b.Equity()
	if err != nil {
		return pay, err
	}
	if !b.Supply.IsZero() {
		now, err := valueOf(c.Burned, equity, b.Supply) // rounding: down
		if err != nil {
			return pay, err
		}
		pay = pay.Min(now)
	}
	assets, err := b.Assets()
	if err != nil || assets.GTE(b.Owed) {
		return pay, err
	}
	// rounding: down — a pro-rata share paid out; owed > assets ≥ 0.
	share, err := c.Amount.MulDivDown(assets, b.Owed)
	return pay.Min(share), err
}
