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
	if ps.Supply.IsZero() && ps.Unpaid == 0 {
		return nil // nothing pooled
	}
	if ctx.Time_s/CompoundInterval_s == ps.LastCompound_s/CompoundInterval_s {
		return nil
	}
	return compound(ctx, p)
}

// compound harvests the pool's rewards and delegates the stake not
// reserved for claims. O(validators the pool uses).
func compound(ctx state.Ctx, p params.Params) error {
	if _, err := harvest(ctx, p); err != nil {
		return err
	}
	ps, err := loadPool(ctx.KV)
	if err != nil {
		return err
	}
	ps.LastCompound_s = ctx.Time_s
	savePool(ctx.KV, ps)
	return delegateFree(ctx, p)
}

// harvest claims the pool's staking rewards and pays lst_fee of them to
// FeeAccount. It runs before anything that delegates or undelegates for
// the pool, because staking settles a delegator's pending rewards into its
// balance on both, and rewards arriving that way would skip the fee.
// Staking credits rewards only in its BeginBlock, so once per block is
// enough: later calls in the same block cost one read.
// It reports whether it ran (and so may have moved rewards to idle).
func harvest(ctx state.Ctx, p params.Params) (bool, error) {
	ps, err := loadPool(ctx.KV)
	if err != nil || ps.Harvested_h == ctx.Height {
		return false, err
	}
	got, err := staking.ClaimRewards(ctx, p, Pool)
	if err != nil {
		return false, err
	}
	reward := got.AmountOf(p.NativeDenom)
	fee, err := feeOf(reward, p.LSTFee)
	if err != nil {
		return false, err
	}
	if err := bank.SendOne(ctx.KV, Pool, FeeAccount, p.NativeDenom, fee); err != nil {
		return false, err
	}
	if ps.FeesPaid, err = ps.FeesPaid.Add(fee); err != nil {
		return false, err
	}
	ps.Harvested_h = ctx.Height
	savePool(ctx.KV, ps)
	if !reward.IsZero() {
		ctx.Emit("liquid_compound", "rewards", coin.New(p.NativeDenom, reward).String(), "fee", coin.New(p.NativeDenom, fee).String())
	}
	return true, nil
}

// delegateFree delegates the idle stake not reserved for claims.
func delegateFree(ctx state.Ctx, p params.Params) error {
	b, err := loadBooks(ctx.KV, p)
	if err != nil {
		return err
	}
	_, err = delegateIdle(ctx, p, b, free(b))
	return err
}

// free is the idle stake not reserved for claims: reserved is owed minus
// what is already unbonding toward the pool.
func free(b Books) num.Int {
	return b.Idle.SubSat(b.Owed.SubSat(b.Unbonding))
}

// EndBlock pays due claims, oldest first, at most MaxClaimsPerBlock. A
// block with none due costs one point read; so does every block while a
// due claim waits for the pool's unbonding stake to return (the next try
// is when the first of it matures).
func EndBlock(ctx state.Ctx, p params.Params) (err error) {
	ps, err := loadPool(ctx.KV)
	if err != nil || ps.Unpaid == 0 || ctx.Time_s < ps.NextDue_s {
		return err
	}
	if retry, err := state.LoadU64(ctx.KV, keyRetry); err != nil || ctx.Time_s < int64(retry) {
		return err // waiting for the pool's unbonding stake (waitForLiquidity)
	}
	ids, err := dueClaims(ctx)
	if err != nil || len(ids) == 0 {
		return err
	}
	b, err := loadBooks(ctx.KV, p)
	if err != nil {
		return err
	}
	for _, id := range ids { // b follows every payment: each claim is valued on the books as they are
		paid, err := payClaim(ctx, p, &b, id)
		if err != nil {
			return err
		}
		if !paid {
			return waitForLiquidity(ctx)
		}
	}
	ctx.KV.Delete(keyRetry)
	return refreshNextDue(ctx)
}

// waitForLiquidity records when to try the waiting claim again: when the
// pool's first unbonding entry matures (staking pays it in that block's
// EndBlock, after this one, so the try is at the block after), or the
// next block if stake is arriving now or nothing is unbonding.
func waitForLiquidity(ctx state.Ctx) error {
	ubs, err := staking.UnbondingsOf(ctx.KV, Pool)
	if err != nil {
		return err
	}
	first := int64(-1)
	for _, u := range ubs {
		if first < 0 || u.Completion_s < first {
			first = u.Completion_s
		}
	}
	if first <= ctx.Time_s {
		ctx.KV.Delete(keyRetry)
		return nil
	}
	ctx.KV.Set(keyRetry, state.U64(uint64(first)))
	return nil
}

// refreshNextDue sets NextDue_s to the first queued completion (one seek),
// writing the pool only when it moved.
func refreshNextDue(ctx state.Ctx) error {
	ps, err := loadPool(ctx.KV)
	if err != nil || ps.Unpaid == 0 {
		return err
	}
	next := ps.NextDue_s
	var bad error
	store.IteratePrefix(ctx.KV, prefixQueue, false, func(k, _ []byte) bool {
		if len(k) != len(prefixQueue)+16 {
			bad = fmt.Errorf("%w: liquid queue key %q", state.ErrCorrupt, k)
			return false
		}
		t, _ := state.ReadU64(k[len(prefixQueue) : len(prefixQueue)+8])
		next = int64(t)
		return false
	})
	if bad == nil && next != ps.NextDue_s {
		ps.NextDue_s = next
		savePool(ctx.KV, ps)
	}
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

// payClaim pays one due claim what payable says and updates b. If the
// pool's idle stake cannot cover it yet it makes sure enough is unbonding
// and reports false: the claim waits, and so do the claims behind it.
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
		need, err := claimsPayable(*b)
		if err == nil {
			_, err = ensureLiquidity(ctx, p, *b, need)
		}
		return false, err
	}
	if err := bank.SendOne(ctx.KV, Pool, c.Owner, p.NativeDenom, pay); err != nil {
		return false, err
	}
	if err := b.paid(c.Burned, c.Amount, pay); err != nil {
		return false, fmt.Errorf("%w: liquid books below claim %d: %v", state.ErrCorrupt, c.ID, err)
	}
	if err := settle(ctx, &c, pay); err != nil {
		return false, err
	}
	ctx.Emit("liquid_claim_paid", "id", strconv.FormatUint(c.ID, 10), "owner", c.Owner.String(),
		"amount", coin.New(p.NativeDenom, pay).String())
	return true, nil
}

// settle marks c paid and removes it from the pool's unpaid totals.
func settle(ctx state.Ctx, c *Claim, pay num.Int) error {
	ps, err := loadPool(ctx.KV)
	if err != nil {
		return err
	}
	if ps.Owed, err = ps.Owed.Sub(c.Amount); err != nil {
		return fmt.Errorf("%w: liquid owed below claim %d", state.ErrCorrupt, c.ID)
	}
	if ps.Burned, err = ps.Burned.Sub(c.Burned); err != nil {
		return fmt.Errorf("%w: liquid burned below claim %d", state.ErrCorrupt, c.ID)
	}
	ps.Unpaid--
	savePool(ctx.KV, ps)
	ctx.KV.Delete(queueKey(c.Completion_s, c.ID))
	c.Paid, c.PaidAmount, c.Paid_s = true, pay, ctx.Time_s
	state.Put(ctx.KV, claimKey(c.ID), c)
	return nil
}

// payable is what claim c gets on books b (which still count c):
//
//	min(Amount, Burned × r now)    (rounding: down)
//
// with r the redemption rate of doc.go, the same for claims and holders,
// so a slash while c unbonds is charged to it once, through r. It never
// exceeds the assets (r ≤ A / D and Burned ≤ D).
func payable(c Claim, b Books) (num.Int, error) {
	now, err := valueOf(c.Burned, b)
	if err != nil {
		return num.Int{}, err
	}
	return c.Amount.Min(now), nil
}

// claimsPayable bounds what all unpaid claims could be paid on books b:
// min(Owed, Burned × r) (rounding: down, like each payout; Σ ⌊bᵢ·r⌋ ≤ ⌊B·r⌋).
// Owed alone would over-count after a slash, and a claim whose unbonding
// matures in this very block would then undelegate for nothing.
func claimsPayable(b Books) (num.Int, error) {
	v, err := valueOf(b.Burned, b)
	return b.Owed.Min(v), err
}

// ensureLiquidity makes sure need (what the unpaid claims may be paid) is
// covered by idle stake and stake already unbonding toward the pool,
// undelegating the rest (harvesting first: an undelegation settles
// rewards). It returns what it could not start unbonding now (0 when
// covered). A surplus returns to the pool and is delegated again at the
// next compounding.
func ensureLiquidity(ctx state.Ctx, p params.Params, b Books, need num.Int) (num.Int, error) {
	if missingLiquidity(b, need).IsZero() {
		return num.Int{}, nil
	}
	ran, err := harvest(ctx, p)
	if err != nil {
		return num.Int{}, err
	}
	if ran { // rewards moved to idle: b is stale
		if b, err = loadBooks(ctx.KV, p); err != nil {
			return num.Int{}, err
		}
	}
	return undelegateFor(ctx, p, b, missingLiquidity(b, need))
}

// missingLiquidity is need − idle − unbonding, floored at 0.
func missingLiquidity(b Books, need num.Int) num.Int {
	return need.SubSat(b.Idle).SubSat(b.Unbonding)
}
