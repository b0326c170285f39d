package restaking

import (
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

func loadAlloc(r store.Reader, op account.Address, asset, svc string) (Allocation, bool, error) {
	return loadRecord[Allocation](r, allocKey(op, asset, svc))
}

// HandleAllocate sets the magnitude of the signer's stake in one asset
// that a service may slash. Σ over services of max(magnitude, pending) must
// stay within degree × maxMagnitude; increases wait the operator's
// allocation_delay, decreases deallocation_delay (slashable meanwhile).
func HandleAllocate(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgAllocate) error {
	op, err := state.Owner("operator", m.GetOperator(), signer, "allocate its stake")
	if err != nil {
		return err
	}
	o, err := loadOperator(ctx.KV, op, ctx.Time_s)
	if err != nil {
		return err
	}
	s, a, err := allocTarget(ctx, op, m.GetService(), m.GetAsset())
	if err != nil {
		return err
	}
	mag, err := parseFraction("magnitude", m.GetMagnitude(), num.Dec{}, true)
	if err != nil {
		return err
	}
	vv, err := loadVault(ctx.KV, op, a)
	if err != nil {
		return err
	}
	if vv.v.MaxMag.IsZero() {
		return state.Reject("fully-slashed", "operator %s was fully slashed in %s and allocates nothing", op, a.Denom)
	}
	cur, found, err := loadAlloc(ctx.KV, op, a.Denom, s.Name)
	if err != nil {
		return err
	}
	if err := checkAllocChange(vv, o, s.Name, cur, found, mag); err != nil {
		return err
	}
	if !found {
		if err := checkStreamRoom(ctx.KV, op, a.Denom); err != nil {
			return err
		}
	}
	if mag.GT(cur.Mag) {
		if p.IsPaused("restaking") {
			return state.Reject("module-paused", "the restaking module is paused by the authority: allocation increases are refused (decreases stay open)")
		}
		if err := checkMinStake(ctx.KV, s, op); err != nil {
			return err
		}
		if err := guardAllocation(ctx.KV, p, vv, s.Name, mag); err != nil {
			return err
		}
	}
	return applyAllocate(ctx, p, o, &vv, s.Name, cur, found, mag)
}

// allocTarget checks the service takes allocations from op in the asset.
func allocTarget(ctx state.Ctx, op account.Address, svc, denom string) (Service, Asset, error) {
	s, err := loadService(ctx.KV, svc, ctx.Time_s)
	if err != nil {
		return s, Asset{}, err
	}
	a, err := loadAsset(ctx.KV, denom)
	if err != nil {
		return s, a, err
	}
	if !s.accepts(a.Denom) {
		return s, a, state.Reject("asset-not-accepted", "service %s does not accept %s (accepts %v)", s.Name, a.Denom, s.Assets)
	}
	mem, _, err := loadMember(ctx.KV, s.Name, op)
	if err == nil && !mem.OptedIn {
		err = state.Reject("not-opted-in", "operator %s must opt in to %s before allocating to it", op, s.Name)
	}
	return s, a, err
}

func checkAllocChange(vv vaultView, o Operator, svc string, cur Allocation, found bool, mag num.Dec) error {
	if cur.pending() {
		return state.Reject("allocation-pending", "the allocation of %s to %s in %s changes at %d; wait for it", o.Address, svc, vv.asset.Denom, cur.Effective_s)
	}
	if mag.Eq(cur.Mag) {
		return state.Reject("allocation-unchanged", "the allocation is already %s", mag)
	}
	if !found && vv.v.Allocs >= MaxAllocationsPerVault {
		return state.Reject("too-many-allocations", "operator %s allocates %s to %d services (the maximum)", o.Address, vv.asset.Denom, vv.v.Allocs)
	}
	if mag.LT(cur.Mag) {
		return nil // a decrease never raises the sum
	}
	sum, err := vv.v.AllocSum.Sub(cur.ceiling())
	if err != nil {
		return fmt.Errorf("%w: allocation sum of %s/%s below one allocation", state.ErrCorrupt, o.Address, vv.asset.Denom)
	}
	if sum, err = sum.Add(mag); err != nil {
		return err
	}
	limit, err := vv.v.MaxMag.Raw().Mul(num.NewInt(o.Degree))
	if err != nil {
		return err
	}
	if sum.Raw().GT(limit) {
		return state.Reject("over-allocated", "allocations of %s in %s would total %s, above degree %d × maxMagnitude %s",
			o.Address, vv.asset.Denom, sum, o.Degree, vv.v.MaxMag)
	}
	return nil
}

func applyAllocate(ctx state.Ctx, p params.Params, o Operator, vv *vaultView, svc string, cur Allocation, found bool, mag num.Dec) error {
	delay := p.DeallocationDelay_s
	if mag.GT(cur.Mag) {
		delay = o.AllocationDelay_s
	}
	next := cur
	if delay == 0 {
		next.Mag = mag
		recordAllocMag(ctx, svc, o.Address, vv.asset.Denom, mag)
	} else {
		next.Target, next.Effective_s = mag, num.AddTime(ctx.Time_s, delay)
		ctx.KV.Set(allocQueueKey(next.Effective_s, o.Address, vv.asset.Denom, svc), []byte{})
	}
	if !found {
		vv.v.Allocs++
	}
	if err := moveAllocSum(vv, cur, next); err != nil {
		return err
	}
	putAlloc(ctx.KV, vv, svc, next)
	if err := vv.save(ctx); err != nil {
		return err
	}
	ctx.Emit("allocate", "operator", o.Address.String(), "service", svc, "asset", vv.asset.Denom,
		"magnitude", mag.String(), "effective_s", i64s(max(next.Effective_s, ctx.Time_s)))
	return nil
}

// moveAllocSum replaces one allocation's ceiling in the vault's sum.
func moveAllocSum(vv *vaultView, before, after Allocation) error {
	sum, err := vv.v.AllocSum.Sub(before.ceiling())
	if err != nil {
		return fmt.Errorf("%w: allocation sum of %s/%s below one allocation", state.ErrCorrupt, vv.op, vv.asset.Denom)
	}
	vv.v.AllocSum, err = sum.Add(after.ceiling())
	return err
}

// deallocateAll schedules op's allocation to svc in asset to drop to zero
// at until_s (opt-out); a pending increase is cancelled.
func deallocateAll(ctx state.Ctx, p params.Params, op account.Address, asset, svc string, until_s int64) error {
	cur, found, err := loadAlloc(ctx.KV, op, asset, svc)
	if err != nil || !found {
		return err
	}
	vv, err := vaultOf(ctx.KV, op, asset)
	if err != nil {
		return err
	}
	next := cur
	if cur.pending() {
		ctx.KV.Delete(allocQueueKey(cur.Effective_s, op, asset, svc))
	}
	next.Target, next.Effective_s = num.Dec{}, 0
	if !cur.Mag.IsZero() {
		next.Effective_s = until_s
		ctx.KV.Set(allocQueueKey(until_s, op, asset, svc), []byte{})
	}
	if err := moveAllocSum(&vv, cur, next); err != nil {
		return err
	}
	putAlloc(ctx.KV, &vv, svc, next)
	return vv.save(ctx)
}

func hasAllocation(r store.Reader, op account.Address, s Service) (bool, error) {
	for _, d := range s.Assets {
		a, _, err := loadAlloc(r, op, d, s.Name)
		if err != nil {
			return false, err
		}
		if !a.ceiling().IsZero() {
			return true, nil
		}
	}
	return false, nil
}

// applyDueAllocations applies pending allocation changes whose time has
// come, oldest first, at most MaxAllocationsPerBlock per block (the rest
// wait a block). A block with none due costs one seek.
func applyDueAllocations(ctx state.Ctx) error {
	end := state.Key(prefixAllocQueue, state.U64(timePos(ctx.Time_s)+1))
	var keys [][]byte
	ctx.KV.Iterate(prefixAllocQueue, end, false, func(k, _ []byte) bool {
		keys = append(keys, append([]byte(nil), k...))
		return len(keys) < MaxAllocationsPerBlock
	})
	for _, k := range keys {
		if err := applyDue(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

func applyDue(ctx state.Ctx, k []byte) error {
	t, op, asset, svc, err := parseAllocQueueKey(k)
	if err != nil {
		return err
	}
	ctx.KV.Delete(k)
	cur, found, err := loadAlloc(ctx.KV, op, asset, svc)
	if err != nil || !found || cur.Effective_s != t {
		return err // replaced or cancelled since
	}
	vv, err := vaultOf(ctx.KV, op, asset)
	if err != nil {
		return err
	}
	next := Allocation{Mag: cur.Target}
	if err := moveAllocSum(&vv, cur, next); err != nil {
		return err
	}
	putAlloc(ctx.KV, &vv, svc, next)
	recordAllocMag(ctx, svc, op, asset, next.Mag)
	ctx.Emit("allocation_effective", "operator", op.String(), "service", svc, "asset", asset, "magnitude", next.Mag.String())
	return vv.save(ctx)
}

func parseAllocQueueKey(k []byte) (int64, account.Address, string, string, error) {
	var op account.Address
	rest := k[len(prefixAllocQueue):]
	if len(rest) < 8+20+1 {
		return 0, op, "", "", fmt.Errorf("%w: allocation queue key %q", state.ErrCorrupt, k)
	}
	t, _ := state.ReadU64(rest[:8])
	copy(op[:], rest[8:28])
	n := int(rest[28])
	if len(rest) < 29+n {
		return 0, op, "", "", fmt.Errorf("%w: allocation queue key %q", state.ErrCorrupt, k)
	}
	return int64(t), op, string(rest[29 : 29+n]), string(rest[29+n:]), nil
}

// putAlloc stores an allocation; one at zero with nothing pending is
// deleted and stops counting against MaxAllocationsPerVault (its history
// stays in the allocation series).
func putAlloc(kv store.KV, vv *vaultView, svc string, a Allocation) {
	k := allocKey(vv.op, vv.asset.Denom, svc)
	if !a.Mag.IsZero() || a.pending() {
		state.Put(kv, k, &a)
		return
	}
	if _, found := kv.Get(k); found {
		kv.Delete(k)
		vv.v.Allocs--
	}
}
