package restaking

import (
	"errors"
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/rewards"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

// MaxProgramAmount bounds one program (1e36 base units: 1e18 tokens of 18
// decimals). With it, every accumulator step stays far inside 256 bits.
var MaxProgramAmount = rewards.Scale

// RewardsAccount escrows reward programs and holds everything they have
// credited until it is claimed.
var RewardsAccount = account.Module("restaking_rewards")

// Program is a service reward program (SPEC §7). Its books are exact:
//
//	Amount = (Amount − Emitted) + Unassigned + Credited
//
// where Amount − Emitted is still escrowed, Unassigned is emission no
// eligible stake received (all of it refunded to the admin when the
// program closes, when the unemitted escrow joins it) and Credited went
// into the service's accumulators, to be claimed by operators and stakers.
type Program struct {
	ID      uint64          `json:"id"`
	Service string          `json:"service"`
	Denom   string          `json:"denom"`
	Funder  account.Address `json:"funder"`
	Amount  num.Int         `json:"amount"`
	Start_s int64           `json:"start_s"`
	// StartHeight, while set, holds the program until that height, whose
	// block time becomes Start_s.
	StartHeight int64   `json:"start_height,omitempty"`
	Duration_s  uint64  `json:"duration_s"`
	Created_s   int64   `json:"created_s"`
	Emitted     num.Int `json:"emitted"`
	Credited    num.Int `json:"credited"`
	Unassigned  num.Int `json:"unassigned"`
	Status      string  `json:"status"` // active, ended, cancelled
	Closed_s    int64   `json:"closed_s,omitempty"`
}

// Program statuses.
const (
	ProgramActive    = "active"
	ProgramEnded     = "ended"
	ProgramCancelled = "cancelled"
)

func (pg Program) schedule() rewards.Schedule {
	return rewards.Schedule{Amount: pg.Amount, Start_s: pg.Start_s, Duration_s: pg.Duration_s}
}

// check asserts the program's books (where they are read and written).
func (pg Program) check() error {
	escrowed, err := pg.Amount.Sub(pg.Emitted)
	if err == nil {
		var sum num.Int
		if sum, err = escrowed.Add(pg.Unassigned); err == nil {
			sum, err = sum.Add(pg.Credited)
			if err == nil && !sum.Eq(pg.Amount) {
				err = fmt.Errorf("escrowed %s + unassigned %s + credited %s != amount %s", escrowed, pg.Unassigned, pg.Credited, pg.Amount)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("%w: reward program %d: %v", state.ErrCorrupt, pg.ID, err)
	}
	return nil
}

// Refunded is what went back to the service: everything unassigned, once
// the program has closed (refunds happen only then).
func (pg Program) Refunded() num.Int {
	if pg.Status == ProgramActive {
		return num.Int{}
	}
	return pg.Unassigned
}

// owed is what the program still holds for its service: the unemitted
// escrow and the unassigned emission not yet refunded.
func (pg Program) owed() (num.Int, error) {
	escrowed, err := pg.Amount.Sub(pg.Emitted)
	if err != nil {
		return escrowed, err
	}
	return escrowed.Add(pg.Unassigned.SubSat(pg.Refunded()))
}

func programKey(id uint64) []byte { return state.Key(prefixProgram, state.U64(id)) }
func liveKey(id uint64) []byte    { return state.Key(prefixLiveProgram, state.U64(id)) }
func liveBySvcKey(svc string, id uint64) []byte {
	return state.Key(prefixLiveBySvc, lp(svc), state.U64(id))
}
func programBySvcKey(svc string, id uint64) []byte {
	return state.Key(prefixProgramBySvc, lp(svc), state.U64(id))
}

func loadProgram(r store.Reader, id uint64) (Program, error) {
	pg, found, err := loadRecord[Program](r, programKey(id))
	if err == nil && !found {
		err = state.Reject("no-program", "reward program %d does not exist", id)
	}
	if err == nil {
		err = pg.check()
	}
	return pg, err
}

func saveProgram(kv store.KV, pg *Program) error {
	if err := pg.check(); err != nil {
		return err
	}
	state.Put(kv, programKey(pg.ID), pg)
	return nil
}

// HandleCreateRewardProgram escrows a program from the service's admin.
func HandleCreateRewardProgram(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgCreateRewardProgram) error {
	s, err := loadAdmin(ctx, "admin", m.GetAdmin(), m.GetService(), signer)
	if err != nil {
		return err
	}
	pg, err := parseProgram(ctx, s, m)
	if err != nil {
		return err
	}
	if err := checkProgramRoom(ctx.KV, s.Name, pg.Denom); err != nil {
		return err
	}
	if err := bank.CheckFunds(ctx.KV, signer, pg.Denom, pg.Amount); err != nil {
		return err
	}
	if pg.ID, err = nextID(ctx.KV, keyNextProgram); err != nil {
		return err
	}
	if err := bank.SendOne(ctx.KV, signer, RewardsAccount, pg.Denom, pg.Amount); err != nil {
		return err
	}
	ctx.KV.Set(streamDenomKey(s.Name, pg.Denom), []byte{})
	ctx.KV.Set(pg.waitKey(ctx), []byte{})
	ctx.KV.Set(liveBySvcKey(s.Name, pg.ID), []byte{})
	ctx.KV.Set(programBySvcKey(s.Name, pg.ID), []byte{})
	if err := saveProgram(ctx.KV, &pg); err != nil {
		return err
	}
	ctx.Emit("create_reward_program", "id", u64s(pg.ID), "service", s.Name,
		"amount", coin.New(pg.Denom, pg.Amount).String(), "start_s", i64s(pg.Start_s), "duration_s", u64s(pg.Duration_s))
	return nil
}

func parseProgram(ctx state.Ctx, s Service, m *tx.MsgCreateRewardProgram) (Program, error) {
	c, err := state.ParseCoin("amount", m.GetAmount())
	if err != nil {
		return Program{}, err
	}
	if c.Amount.IsZero() || c.Amount.GT(MaxProgramAmount) {
		return Program{}, state.Reject("bad-amount", "amount must be positive and at most %s base units", MaxProgramAmount)
	}
	if m.GetDuration() == "" {
		return Program{}, state.Reject("bad-duration", "duration is required")
	}
	d, err := parseDuration("duration", m.GetDuration(), 0)
	if err != nil {
		return Program{}, err
	}
	start, err := parseStart(ctx, m.GetStartS(), m.GetStartHeight())
	if err != nil {
		return Program{}, err
	}
	pg := Program{Service: s.Name, Denom: c.Denom, Funder: s.Admin, Amount: c.Amount, Start_s: start,
		StartHeight: m.GetStartHeight(), Duration_s: d, Created_s: ctx.Time_s, Status: ProgramActive}
	if err := pg.schedule().Validate(); err != nil {
		return pg, state.Reject("bad-duration", "%v", err)
	}
	if c.Amount.LT(num.NewInt(d)) {
		// A floor on the rate: every live program costs every block.
		return pg, state.Reject("bad-amount", "%s over %d s emits less than one base unit per second", c, d)
	}
	return pg, nil
}

// maxStartBlocks bounds how far ahead a start height may be (about a year
// of 5 s blocks).
const maxStartBlocks = 6_307_200

// parseStart is the start time (or, with a start height, a placeholder
// replaced by that block's time when it comes).
func parseStart(ctx state.Ctx, start_s, height int64) (int64, error) {
	switch {
	case start_s != 0 && height != 0:
		return 0, state.Reject("bad-start", "set start_s or start_height, not both")
	case height != 0:
		if height <= ctx.Height || height-ctx.Height > maxStartBlocks {
			return 0, state.Reject("bad-start", "start_height %d must be after this block (%d) and at most %d blocks ahead", height, ctx.Height, maxStartBlocks)
		}
		return ctx.Time_s, nil
	case start_s == 0:
		return ctx.Time_s, nil
	case start_s < ctx.Time_s || start_s-ctx.Time_s > rewards.MaxDuration_s:
		return 0, state.Reject("bad-start", "start_s %d must be between now (%d) and %d s from now", start_s, ctx.Time_s, int64(rewards.MaxDuration_s))
	}
	return start_s, nil
}

// checkProgramRoom bounds a service's live programs and reward denoms.
func checkProgramRoom(r store.Reader, svc, denom string) error {
	live := 0
	store.IteratePrefix(r, state.Key(prefixLiveBySvc, lp(svc)), false, func(_, _ []byte) bool {
		live++
		return live < MaxProgramsPerService
	})
	if live >= MaxProgramsPerService {
		return state.Reject("too-many-programs", "service %s already runs %d reward programs (the maximum)", svc, live)
	}
	if _, ok := r.Get(streamDenomKey(svc, denom)); ok {
		return nil
	}
	if d, _ := streamDenoms(r, svc); len(d) >= MaxRewardDenomsPerService {
		return state.Reject("too-many-reward-denoms", "service %s already pays rewards in %d denoms (the maximum)", svc, len(d))
	}
	return nil
}

// HandleCancelRewardProgram stops a program at this block: its unemitted
// escrow and its unassigned emission go back to the service's admin.
func HandleCancelRewardProgram(ctx state.Ctx, signer account.Address, m *tx.MsgCancelRewardProgram) error {
	pg, err := loadProgram(ctx.KV, m.GetId())
	if err != nil {
		return err
	}
	if _, err := loadAdmin(ctx, "admin", m.GetAdmin(), pg.Service, signer); err != nil {
		return err
	}
	if pg.Status != ProgramActive {
		return state.Reject("program-closed", "reward program %d is already %s", pg.ID, pg.Status)
	}
	return closeProgram(ctx, &pg, ProgramCancelled)
}

// closeProgram refunds what the program still holds to the service's
// current admin and takes it off the live list.
func closeProgram(ctx state.Ctx, pg *Program, status string) error {
	refund, err := pg.owed()
	if err != nil {
		return err
	}
	s, err := loadService(ctx.KV, pg.Service, ctx.Time_s)
	if err != nil {
		return err
	}
	// The unemitted escrow now counts as unassigned: never emitted, refunded.
	escrowed, _ := pg.Amount.Sub(pg.Emitted)
	if pg.Unassigned, err = pg.Unassigned.Add(escrowed); err != nil {
		return err
	}
	pg.Emitted = pg.Amount
	pg.Status, pg.Closed_s = status, ctx.Time_s
	if err := bank.SendOne(ctx.KV, RewardsAccount, s.Admin, pg.Denom, refund); err != nil {
		return err
	}
	for _, k := range pg.waitKeys() { // wherever it waits (a crowded block may have left it queued)
		ctx.KV.Delete(k)
	}
	ctx.KV.Delete(liveBySvcKey(pg.Service, pg.ID))
	if err := saveProgram(ctx.KV, pg); err != nil {
		return err
	}
	ctx.Emit("close_reward_program", "id", u64s(pg.ID), "service", pg.Service, "status", status,
		"refund", coin.New(pg.Denom, refund).String())
	return nil
}

// waitKey is where the program waits: the start queue by height or by
// time until it starts, then the live list.
func (pg Program) waitKey(ctx state.Ctx) []byte {
	switch {
	case pg.StartHeight > 0:
		return state.Key(prefixStartByHeight, state.U64(uint64(pg.StartHeight)), state.U64(pg.ID))
	case pg.Start_s > ctx.Time_s:
		return state.Key(prefixStartByTime, state.U64(timePos(pg.Start_s)), state.U64(pg.ID))
	}
	return liveKey(pg.ID)
}

// waitKeys are every place the program may wait.
func (pg Program) waitKeys() [][]byte {
	keys := [][]byte{liveKey(pg.ID), state.Key(prefixStartByTime, state.U64(timePos(pg.Start_s)), state.U64(pg.ID))}
	if pg.StartHeight > 0 {
		keys = append(keys, state.Key(prefixStartByHeight, state.U64(uint64(pg.StartHeight)), state.U64(pg.ID)))
	}
	return keys
}

// startPrograms moves programs whose start has come into the live list
// (at most MaxEmissionsPerBlock a block; the rest start a block later). A
// program started by height begins emitting from this block's time.
func startPrograms(ctx state.Ctx) error {
	for _, q := range []struct {
		prefix []byte
		now    uint64
	}{{prefixStartByHeight, uint64(max(ctx.Height, 0))}, {prefixStartByTime, timePos(ctx.Time_s)}} {
		var keys [][]byte
		ctx.KV.Iterate(q.prefix, state.Key(q.prefix, state.U64(q.now+1)), false, func(k, _ []byte) bool {
			keys = append(keys, append([]byte(nil), k...))
			return len(keys) < MaxEmissionsPerBlock
		})
		for _, k := range keys {
			if err := startOne(ctx, k); err != nil {
				return err
			}
		}
	}
	return nil
}

func startOne(ctx state.Ctx, k []byte) error {
	ctx.KV.Delete(k)
	id, ok := state.ReadU64(k[len(k)-8:])
	if !ok {
		return fmt.Errorf("%w: start queue key %q", state.ErrCorrupt, k)
	}
	pg, err := loadProgram(ctx.KV, id)
	if err != nil || pg.Status != ProgramActive {
		return err
	}
	if pg.StartHeight > 0 {
		pg.Start_s, pg.StartHeight = ctx.Time_s, 0
		if err := saveProgram(ctx.KV, &pg); err != nil {
			return err
		}
	}
	ctx.KV.Set(liveKey(id), []byte{})
	return nil
}

// emitPrograms runs this block's emission of every live program, at most
// MaxEmissionsPerBlock of them per block in id order from a rotating
// cursor (emission is by time, so a program skipped in a crowded block
// catches up at its next turn). Cost: O(live programs × service assets).
func emitPrograms(ctx state.Ctx) error {
	if err := startPrograms(ctx); err != nil {
		return err
	}
	ids, err := dueEmissions(ctx.KV)
	if err != nil || len(ids) == 0 {
		return err
	}
	vals := map[string]num.Dec{} // asset values, read once per block (lookup only)
	for _, id := range ids {
		if err := emitOne(ctx, id, vals); err != nil {
			return err
		}
	}
	return nil
}

// dueEmissions is the next MaxEmissionsPerBlock live programs after the
// cursor, wrapping around once.
func dueEmissions(kv store.KV) ([]uint64, error) {
	cursor, err := state.LoadU64(kv, keyEmitCursor)
	if err != nil {
		return nil, err
	}
	var ids []uint64
	collect := func(start, end []byte) {
		kv.Iterate(start, end, false, func(k, _ []byte) bool {
			id, _ := state.ReadU64(k[len(prefixLiveProgram):])
			ids = append(ids, id)
			return len(ids) < MaxEmissionsPerBlock
		})
	}
	collect(liveKey(cursor+1), store.PrefixEnd(prefixLiveProgram))
	if len(ids) < MaxEmissionsPerBlock && cursor > 0 {
		collect(prefixLiveProgram, liveKey(cursor+1))
	}
	if len(ids) == MaxEmissionsPerBlock {
		kv.Set(keyEmitCursor, state.U64(ids[len(ids)-1]))
	} else if cursor != 0 {
		kv.Delete(keyEmitCursor)
	}
	return ids, nil
}

func emitOne(ctx state.Ctx, id uint64, vals map[string]num.Dec) error {
	pg, err := loadProgram(ctx.KV, id)
	if err != nil {
		return err
	}
	if pg.Status != ProgramActive {
		return fmt.Errorf("%w: closed reward program %d is on the live list", state.ErrCorrupt, id)
	}
	total, err := pg.schedule().EmittedBy(ctx.Time_s)
	if err != nil {
		return err
	}
	e, err := total.Sub(pg.Emitted)
	if err != nil {
		return fmt.Errorf("%w: program %d emitted %s beyond its schedule %s", state.ErrCorrupt, pg.ID, pg.Emitted, total)
	}
	if e.IsZero() {
		return nil // a slow program between two base units: nothing to write
	}
	if err := spreadEmission(ctx, &pg, e, vals); err != nil {
		return err
	}
	pg.Emitted = total
	if pg.Emitted.Eq(pg.Amount) {
		return closeProgram(ctx, &pg, ProgramEnded)
	}
	return saveProgram(ctx.KV, &pg)
}

// spreadEmission splits e across the service's assets by allocated value
// and raises each asset's accumulator in the program's denom.
func spreadEmission(ctx state.Ctx, pg *Program, e num.Int, vals map[string]num.Dec) error {
	s, err := loadService(ctx.KV, pg.Service, ctx.Time_s)
	if err != nil {
		return err
	}
	ws := make([]rewards.Weight, len(s.Assets))
	for i, a := range s.Assets {
		if ws[i], err = assetWeight(ctx.KV, s.Name, a, vals); err != nil {
			return err
		}
	}
	shares, unassigned, err := rewards.Split(e, ws)
	if err != nil {
		return err
	}
	for i, a := range s.Assets {
		if shares[i].IsZero() {
			continue
		}
		err := raiseServiceAcc(ctx, s.Name, a, pg.Denom, shares[i], ws[i].Units)
		if errors.Is(err, num.ErrOverflow) {
			// An accumulator at the end of its range takes no more: the share
			// is refunded like any unassigned emission, never a halted chain.
			if unassigned, err = unassigned.Add(shares[i]); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if pg.Credited, err = pg.Credited.Add(shares[i]); err != nil {
			return err
		}
	}
	pg.Unassigned, err = pg.Unassigned.Add(unassigned)
	return err
}

func assetWeight(r store.Reader, svc, denom string, vals map[string]num.Dec) (rewards.Weight, error) {
	u, err := state.LoadAmount(r, serviceWeightKey(svc, denom))
	if err != nil || u.IsZero() {
		return rewards.Weight{}, err
	}
	v, ok := vals[denom]
	if !ok {
		a, err := loadAsset(r, denom)
		if err != nil {
			return rewards.Weight{}, err
		}
		if v, err = AssetValue(r, a); err != nil {
			return rewards.Weight{}, err
		}
		vals[denom] = v
	}
	return rewards.Weight{Units: u, Value: v}, nil
}

func raiseServiceAcc(ctx state.Ctx, svc, asset, denom string, share, units num.Int) error {
	key := serviceAccKey(svc, asset, denom)
	var sa serviceAcc
	if _, err := state.Load(ctx.KV, key, &sa); err != nil {
		return err
	}
	inc, rem, err := rewards.Spread(share, units, sa.Rem) // rounding: down, remainder carried
	if err != nil {
		return err
	}
	if sa.Acc, err = sa.Acc.Add(inc); err != nil {
		return err
	}
	sa.Rem = rem
	sampleYield(&sa, ctx.Height, ctx.Time_s)
	state.Put(ctx.KV, key, &sa)
	return nil
}

// yieldWindowBlocks is the span of accrual the yield view looks back over
// (one hour of 5 s blocks).
const yieldWindowBlocks = 720

// sampleYield keeps two samples of the accumulator at least
// yieldWindowBlocks apart, so the yield view spans one to two windows of
// actual accrual.
func sampleYield(sa *serviceAcc, h, t int64) {
	if sa.H1 == 0 {
		sa.Acc0, sa.H0, sa.T0 = sa.Acc, h, t
		sa.Acc1, sa.H1, sa.T1 = sa.Acc, h, t
		return
	}
	if h-sa.H1 >= yieldWindowBlocks {
		sa.Acc0, sa.H0, sa.T0 = sa.Acc1, sa.H1, sa.T1
		sa.Acc1, sa.H1, sa.T1 = sa.Acc, h, t
	}
}

// applyDueCommissions makes commission changes due by this block
// effective, pulling the operator's streams for that service at the old
// rate first, so each block's rewards are cut at the rate in force then.
func applyDueCommissions(ctx state.Ctx) error {
	end := state.Key(prefixCommQueue, state.U64(timePos(ctx.Time_s)+1))
	var keys [][]byte
	ctx.KV.Iterate(prefixCommQueue, end, false, func(k, _ []byte) bool {
		keys = append(keys, append([]byte(nil), k...))
		return len(keys) < MaxAllocationsPerBlock
	})
	for _, k := range keys {
		if err := applyDueCommission(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

func commQueueKey(t int64, op account.Address, svc string) []byte {
	return state.Key(prefixCommQueue, state.U64(timePos(t)), op[:], []byte(svc))
}

func applyDueCommission(ctx state.Ctx, k []byte) error {
	ctx.KV.Delete(k)
	rest := k[len(prefixCommQueue):]
	if len(rest) < 8+20 {
		return fmt.Errorf("%w: commission queue key %q", state.ErrCorrupt, k)
	}
	var op account.Address
	copy(op[:], rest[8:28])
	return applyCommissionIfDue(ctx, op, string(rest[28:]))
}

// applyCommissionIfDue makes a due pending commission change the stored
// rate, after collecting op's streams for svc at the old rate. A change
// left for a later block (more than MaxAllocationsPerBlock fell due) is
// applied here first by anything that would otherwise read it early.
func applyCommissionIfDue(ctx state.Ctx, op account.Address, svc string) error {
	c, found, err := loadRecord[Commission](ctx.KV, commissionKey(op, svc))
	if err != nil || !found || c.Pending == nil || c.Effective_s > ctx.Time_s {
		return err // nothing due (or replaced since)
	}
	if err := pullOperatorService(ctx, op, svc); err != nil {
		return err
	}
	ctx.KV.Delete(commQueueKey(c.Effective_s, op, svc))
	c = c.current(ctx.Time_s)
	state.Put(ctx.KV, commissionKey(op, svc), &c)
	return nil
}

// pullOperatorService pulls op's streams in every asset for svc.
func pullOperatorService(ctx state.Ctx, op account.Address, svc string) error {
	assets, err := Assets(ctx.KV)
	if err != nil {
		return err
	}
	for _, a := range assets {
		w, err := state.LoadAmount(ctx.KV, weightKey(op, a.Denom, svc))
		if err != nil || w.IsZero() {
			if err != nil {
				return err
			}
			continue
		}
		vv, err := loadVault(ctx.KV, op, a)
		if err != nil {
			return err
		}
		if err := pullAlloc(ctx, vv, svc, w); err != nil {
			return err
		}
	}
	return nil
}

// GetProgram reads a reward program.
func GetProgram(r store.Reader, id uint64) (Program, bool, error) {
	return loadRecord[Program](r, programKey(id))
}

// Programs lists reward programs newest first, those of svc only when svc
// is set, starting below id before (0: from the newest), at most limit.
func Programs(r store.Reader, svc string, before uint64, limit int) ([]Program, error) {
	prefix := prefixProgram
	if svc != "" {
		prefix = state.Key(prefixProgramBySvc, lp(svc))
	}
	ids := idsBefore(r, prefix, before, limit)
	out := make([]Program, 0, len(ids))
	for _, id := range ids {
		pg, err := loadProgram(r, id)
		if err != nil {
			return nil, err
		}
		out = append(out, pg)
	}
	return out, nil
}
