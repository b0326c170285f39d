package staking

import (
	"fmt"
	"math"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Token history: what a validator's tokens were at a past height, so a
// slash for an infraction at H is sized on the stake bonded at H (see
// slash.go) rather than on the stake bonded now.
//
// Every change of a validator's tokens (create, delegate, undelegate, slash,
// genesis at height 0) writes a checkpoint
//
//	staking/thist/ op(20) height(8) → tokens(32) ‖ unbonded(32) ‖ block time_s(8) ‖ next lot(8)
//
// holding the tokens after the change, unbonded = Σ initial amounts of
// all unbonding entries the validator has ever created (its head's
// CumTotal; every undelegation lowers the tokens, so each new entry is
// recorded too) and the validator's next lot index (lots.go; every lot
// comes with a delegation, which raises the tokens, so each is recorded:
// the lots created after block h are those from nextLot(h) on). Later changes in the same block overwrite the block's
// checkpoint, so once block h has finished its checkpoint holds the values
// at the end of block h. A checkpoint equal to the newest one is not
// written. The values at the end of block h are those of the last
// checkpoint at height ≤ h: one reverse seek, O(log n) in the store (for
// the block being executed: the current values). The initial amount of the
// entries created in block h is unbonded(h) − unbonded(h − 1).
//
// Pruning: checkpoint i is only read for heights in [hᵢ, hᵢ₊₁), and those
// blocks are no later than block hᵢ₊₁, whose time tᵢ₊₁ the next checkpoint
// stores. Once tᵢ₊₁ + unbonding_period < now, evidence for any of those
// heights is older than the unbonding period and is ignored
// (handleEvidence), so checkpoint i is deleted. Each write prunes at most
// maxHistPrune checkpoints of its validator, oldest first, and reads two
// when there is nothing to prune; the history of a validator therefore
// holds about one checkpoint per block in which its tokens changed during
// the last unbonding period.

// maxHistPrune bounds the checkpoints deleted per checkpoint written.
const maxHistPrune = 16

// checkpoint is one token history record.
type checkpoint struct {
	height   int64
	tokens   num.Int
	unbonded num.Int // Σ initial amounts of the entries created so far
	time_s   int64
	nextLot  uint64  // lots created so far (lots.go)
	seized   num.Int // Σ tokens seized so far by restaking slashes (seize.go)
}

func tokenHistPrefix(op account.Address) []byte { return state.Key(prefixTokenHist, op[:]) }

func tokenHistKey(op account.Address, h int64) []byte {
	return state.Key(prefixTokenHist, op[:], state.U64(uint64(h)))
}

func encodeCheckpoint(c checkpoint) []byte {
	t, u := c.tokens.Bytes32(), c.unbonded.Bytes32()
	out := state.Key(t[:], u[:], state.U64(uint64(c.time_s)), state.U64(c.nextLot))
	if c.seized.IsZero() {
		return out // the common case keeps the shorter record
	}
	s := c.seized.Bytes32()
	return append(out, s[:]...)
}

func decodeCheckpoint(k, v []byte) (checkpoint, error) {
	h, ok := state.ReadU64(k[len(k)-8:])
	if !ok || (len(v) != 72 && len(v) != 80 && len(v) != 112) {
		return checkpoint{}, fmt.Errorf("%w: token checkpoint %q", state.ErrCorrupt, k)
	}
	t, _ := state.ReadU64(v[64:72])
	var next uint64
	if len(v) >= 80 { // checkpoints written before lots existed have none
		next, _ = state.ReadU64(v[72:80])
	}
	tokens, err1 := num.IntFromBytes(v[:32])
	unbonded, err2 := num.IntFromBytes(v[32:64])
	var seized num.Int
	var err3 error
	if len(v) == 112 {
		seized, err3 = num.IntFromBytes(v[80:])
	}
	if err1 != nil || err2 != nil || err3 != nil {
		return checkpoint{}, fmt.Errorf("%w: token checkpoint %q", state.ErrCorrupt, k)
	}
	return checkpoint{height: int64(h), tokens: tokens, unbonded: unbonded, time_s: int64(t), nextLot: next, seized: seized}, nil
}

// lastCheckpoint is the newest checkpoint of op at height ≤ h.
func lastCheckpoint(r store.Reader, op account.Address, h int64) (checkpoint, bool, error) {
	var c checkpoint
	var found bool
	var err error
	if h < 0 {
		return c, false, nil
	}
	r.Iterate(tokenHistPrefix(op), tokenHistKey(op, h+1), true, func(k, v []byte) bool {
		c, err = decodeCheckpoint(k, v)
		found = err == nil
		return false
	})
	return c, found, err
}

// firstCheckpoint is the oldest checkpoint of op still stored.
func firstCheckpoint(r store.Reader, op account.Address) (checkpoint, bool, error) {
	var c checkpoint
	var found bool
	var err error
	store.IteratePrefix(r, tokenHistPrefix(op), false, func(k, v []byte) bool {
		c, err = decodeCheckpoint(k, v)
		found = err == nil
		return false
	})
	return c, found, err
}

// recordTokens checkpoints op's tokens after a change that created no
// unbonding entry.
func recordTokens(ctx state.Ctx, period_s uint64, op account.Address, tokens num.Int) error {
	return record(ctx, period_s, op, tokens, nil, num.Int{})
}

// recordUnbonding checkpoints op's tokens after an undelegation; unbonded
// is the head's new CumTotal.
func recordUnbonding(ctx state.Ctx, period_s uint64, op account.Address, tokens, unbonded num.Int) error {
	return record(ctx, period_s, op, tokens, &unbonded, num.Int{})
}

// recordSeized checkpoints op's tokens after a restaking slash seized
// amount of them.
func recordSeized(ctx state.Ctx, period_s uint64, op account.Address, tokens, amount num.Int) error {
	return record(ctx, period_s, op, tokens, nil, amount)
}

// record writes the current block's checkpoint (unbonded nil = unchanged;
// seized: tokens seized by this change) and prunes checkpoints older than
// the unbonding period.
func record(ctx state.Ctx, period_s uint64, op account.Address, tokens num.Int, unbonded *num.Int, seized num.Int) error {
	last, found, sameBlock, err := latestCheckpoint(ctx.KV, op, ctx.Height)
	if err != nil {
		return err
	}
	if !found { // first checkpoint (or state written without history)
		hd, err := loadHead(ctx.KV, op)
		if err != nil {
			return err
		}
		last.unbonded = hd.CumTotal
	}
	lh, err := loadLotHead(ctx.KV, op)
	if err != nil {
		return err
	}
	c := checkpoint{height: ctx.Height, tokens: tokens, unbonded: last.unbonded, time_s: ctx.Time_s, nextLot: lh.NextLot, seized: last.seized}
	if unbonded != nil {
		c.unbonded = *unbonded
	}
	if c.seized, err = c.seized.Add(seized); err != nil {
		return err
	}
	if found && last.tokens.Eq(c.tokens) && last.unbonded.Eq(c.unbonded) && last.nextLot == c.nextLot && last.seized.Eq(c.seized) {
		return nil
	}
	ctx.KV.Set(tokenHistKey(op, c.height), encodeCheckpoint(c))
	if sameBlock {
		return nil // this block already pruned: the block time has not moved
	}
	return pruneTokenHistory(ctx.KV, op, ctx.Time_s, period_s)
}

// latestCheckpoint is lastCheckpoint at height h, found with a point read
// when the validator was already touched in block h (the common case for a
// busy validator: one seek per block instead of one per message).
func latestCheckpoint(r store.Reader, op account.Address, h int64) (c checkpoint, found, sameBlock bool, err error) {
	k := tokenHistKey(op, h)
	if bz, ok := r.Get(k); ok {
		c, err = decodeCheckpoint(k, bz)
		return c, err == nil, true, err
	}
	c, found, err = lastCheckpoint(r, op, h)
	return c, found, false, err
}

// pruneTokenHistory deletes, oldest first and at most maxHistPrune of them,
// the checkpoints whose successor was written more than the unbonding
// period before now_s (no acceptable evidence can read them). Block times
// are monotone, so it stops at the first successor that is young enough.
func pruneTokenHistory(kv store.KV, op account.Address, now_s int64, period_s uint64) error {
	var drop []int64
	prev := int64(-1)
	var err error
	store.IteratePrefix(kv, tokenHistPrefix(op), false, func(k, v []byte) bool {
		var c checkpoint
		if c, err = decodeCheckpoint(k, v); err != nil {
			return false
		}
		if prev >= 0 {
			if num.AddTime(c.time_s, period_s) >= now_s {
				return false
			}
			drop = append(drop, prev)
		}
		prev = c.height
		return len(drop) < maxHistPrune
	})
	for _, h := range drop {
		kv.Delete(tokenHistKey(op, h))
	}
	return err
}

// stateAfter is v's checkpoint values at the end of block h (now, if h is
// the current block). If h predates the stored history: zero before the
// validator was created, else (pruned: evidence for h is older than the
// unbonding period and the chain ignores it) the oldest stored values; with
// no history at all (state written without it), the current tokens, no
// entries and the current lots (none exempt).
func stateAfter(r store.Reader, v Validator, h int64) (checkpoint, error) {
	c, found, err := lastCheckpoint(r, v.Operator, h)
	if err != nil || found {
		return c, err
	}
	if h < v.CreatedHeight {
		return checkpoint{}, nil
	}
	c, found, err = firstCheckpoint(r, v.Operator)
	if err != nil || found {
		return c, err
	}
	lh, err := loadLotHead(r, v.Operator)
	return checkpoint{tokens: v.Tokens, nextLot: lh.NextLot}, err
}

// bondedAndCut is B(h) and the first lot index created after block h.
// Stake bonded at h that a restaking slash has seized since is not part of
// it: it left at once, destroyed or handed to a service's recipient, and
// the stake still bonded must not pay the primary slash for it.
func bondedAndCut(r store.Reader, v Validator, h int64) (num.Int, uint64, error) {
	end, err := stateAfter(r, v, h)
	if err != nil {
		return num.Int{}, 0, err
	}
	before, err := stateAfter(r, v, h-1)
	if err != nil {
		return num.Int{}, 0, err
	}
	sum, err := end.tokens.Add(end.unbonded.SubSat(before.unbonded))
	if err != nil {
		return num.Int{}, 0, fmt.Errorf("bonded stake at height %d overflows: %w", h, err)
	}
	now, _, err := lastCheckpoint(r, v.Operator, math.MaxInt64-1)
	if err != nil {
		return num.Int{}, 0, err
	}
	return sum.SubSat(now.seized.SubSat(end.seized)), end.nextLot, nil
}
