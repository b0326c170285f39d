package restaking

import (
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

// HandleSlash records a slash request by the service's slasher and, for a
// service without a resolver, executes it at once.
func HandleSlash(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgSlash) error {
	slasher, err := state.Owner("slasher", m.GetSlasher(), signer, "sign its slash requests")
	if err != nil {
		return err
	}
	s, err := loadService(ctx.KV, m.GetService(), ctx.Time_s)
	if err != nil {
		return err
	}
	if s.Slasher != slasher {
		return state.Reject("not-slasher", "only service %s's slasher %s may slash for it (signed by %s)", s.Name, s.Slasher, signer)
	}
	req, err := buildRequest(ctx, p, s, m)
	if err != nil {
		return err
	}
	_, err = Request(ctx, p, s, req)
	return err
}

// buildRequest checks a slash request against the service's terms.
func buildRequest(ctx state.Ctx, p params.Params, s Service, m *tx.MsgSlash) (Slash, error) {
	req := Slash{Service: s.Name, Reason: m.GetReason(), Slasher: s.Slasher}
	var err error
	if req.Operator, err = state.ParseAddr("operator", m.GetOperator()); err != nil {
		return req, err
	}
	if err := checkText("reason", m.GetReason(), MaxReasonLen); err != nil {
		return req, err
	}
	if req.Fraction, err = parseFraction("fraction", m.GetFraction(), num.Dec{}, false); err != nil {
		return req, err
	}
	if req.Fraction.GT(s.MaxSlash) || req.Fraction.GT(p.MaxSlashFraction) {
		return req, state.Reject("slash-above-cap", "fraction %s is above the cap (service %s: %s, max_slash_fraction: %s)",
			req.Fraction, s.Name, s.MaxSlash, p.MaxSlashFraction)
	}
	if req.Assets, err = slashAssets(s, m.GetAssets()); err != nil {
		return req, err
	}
	mem, _, err := loadMember(ctx.KV, s.Name, req.Operator)
	if err != nil {
		return req, err
	}
	if !mem.slashable(ctx.Time_s) {
		return req, state.Reject("not-slashable", "operator %s is not opted in to %s and not within its opt-out window", req.Operator, s.Name)
	}
	return req, allocatedAtRequest(ctx.KV, s, &req)
}

func slashAssets(s Service, list []string) ([]string, error) {
	if len(list) == 0 {
		return append([]string(nil), s.Assets...), nil
	}
	if len(list) > MaxAssetsPerService {
		return nil, state.Reject("bad-assets", "at most %d assets per slash", MaxAssetsPerService)
	}
	for i, d := range list {
		if !s.accepts(d) {
			return nil, state.Reject("asset-not-accepted", "service %s does not accept %s", s.Name, d)
		}
		for _, e := range list[:i] {
			if e == d {
				return nil, state.Reject("duplicate-asset", "asset %s listed twice", d)
			}
		}
	}
	return list, nil
}

// allocatedAtRequest records, per asset, the magnitude op has allocated
// to s now (what the request may slash, even if deallocated before it
// executes); at least one must be slashable.
func allocatedAtRequest(r store.Reader, s Service, req *Slash) error {
	live := false
	for _, d := range req.Assets {
		al, _, err := loadAlloc(r, req.Operator, d, s.Name)
		if err != nil {
			return err
		}
		req.Allocated = append(req.Allocated, al.Mag)
		if al.Mag.IsZero() {
			continue
		}
		vv, err := vaultOf(r, req.Operator, d)
		if err != nil {
			return err
		}
		live = live || !vv.v.MaxMag.IsZero()
	}
	if !live {
		return state.Reject("not-allocated", "operator %s has no slashable allocation to %s in %v", req.Operator, s.Name, req.Assets)
	}
	return nil
}

// Request stores a slash request (numbered from 1) and executes it at once
// when the service has no resolver.
func Request(ctx state.Ctx, p params.Params, s Service, req Slash) (Slash, error) {
	var err error
	if req.ID, err = nextID(ctx.KV, keyNextSlash); err != nil {
		return req, err
	}
	if len(req.Allocated) != len(req.Assets) {
		return req, fmt.Errorf("slash request without its allocations at request")
	}
	req.Requested_s, req.RequestHeight, req.Status = ctx.Time_s, ctx.Height, SlashPending
	req.ExecuteAfter_s = ctx.Time_s
	if !s.Resolver.IsZero() {
		req.ExecuteAfter_s = num.AddTime(ctx.Time_s, s.VetoWindow_s)
	}
	ctx.KV.Set(slashByOpKey(req.Operator, req.ID), []byte{})
	if !s.Resolver.IsZero() {
		if err := addPending(ctx.KV, req, +1); err != nil {
			return req, err
		}
	}
	ctx.Emit("slash_requested", "id", u64s(req.ID), "service", s.Name, "operator", req.Operator.String(),
		"fraction", req.Fraction.String(), "execute_after_s", i64s(req.ExecuteAfter_s))
	if !s.Resolver.IsZero() {
		state.Put(ctx.KV, slashKey(req.ID), &req)
		return req, nil
	}
	return req, execute(ctx, p, s, &req)
}

// execute applies a slash request now (doc.go: slashing is O(assets)).
func execute(ctx state.Ctx, p params.Params, s Service, req *Slash) error {
	if _, waited := ctx.KV.Get(pendingKey(req.Operator, req.Requested_s, req.ID)); waited {
		if err := addPending(ctx.KV, *req, -1); err != nil {
			return err
		}
	}
	req.Status, req.Executed_s, req.Destination = SlashExecuted, ctx.Time_s, s.Destination
	to := account.Address{}
	if !s.Destination.IsZero() {
		to = Escrow
		req.Release_s = num.AddTime(ctx.Time_s, p.SlashResolutionDelay_s)
	}
	for i, d := range req.Assets {
		take, err := slashAsset(ctx, p, s, req, d, req.Allocated[i], to)
		if err != nil {
			return err
		}
		if !take.Magnitude.IsZero() {
			req.Taken = append(req.Taken, take)
		}
	}
	state.Put(ctx.KV, slashKey(req.ID), req)
	ctx.Emit("slash_executed", "id", u64s(req.ID), "service", s.Name, "operator", req.Operator.String(),
		"taken", takenString(req.Taken), "destination", destString(req.Destination))
	return nil
}

func takenString(ts []SlashTake) string {
	cs := make([]coin.Coin, 0, len(ts))
	for _, t := range ts {
		cs = append(cs, coin.New(t.Asset, t.Amount))
	}
	n, err := coin.Normalize(cs)
	if err != nil {
		return ""
	}
	return n.String()
}

func destString(a account.Address) string {
	if a.IsZero() {
		return "burn"
	}
	return a.String()
}

// slashAsset takes f of the allocation in one asset:
//
//	slashedMag = ceil(f · min(m at request, maxMag))   (rounding: up — slashed)
//	maxMag −= slashedMag, m −= as much of it as m still holds
//	the units backing positions and queue drop as slashUnits says
//
// Positions and withdrawals are never touched: their value is σ times the
// magnitude.
func slashAsset(ctx state.Ctx, p params.Params, s Service, req *Slash, denom string, atRequest num.Dec, to account.Address) (SlashTake, error) {
	take := SlashTake{Asset: denom}
	a, err := loadAsset(ctx.KV, denom)
	if err != nil {
		return take, err
	}
	al, _, err := loadAlloc(ctx.KV, req.Operator, denom, s.Name)
	if err != nil {
		return take, err
	}
	vv, err := loadVault(ctx.KV, req.Operator, a)
	if err != nil {
		return take, err
	}
	// What was allocated at request, within what the operator still has.
	eff := minDec(atRequest, vv.v.MaxMag)
	if take.Magnitude, err = req.Fraction.MulUp(eff); err != nil || take.Magnitude.IsZero() {
		return take, err
	}
	take.Magnitude = minDec(take.Magnitude, eff)
	units, fromQueued, err := slashUnits(ctx.KV, req.Requested_s, &vv, take.Magnitude)
	if err != nil {
		return take, err
	}
	take.Units, take.FromQueued = units, fromQueued
	if take.Amount, err = vv.toTokensUp(units); err != nil {
		return take, err
	}
	if err := lowerMagnitudes(ctx, &vv, s.Name, al, take.Magnitude, req.Requested_s); err != nil {
		return take, err
	}
	take.MaxMagnitude = vv.v.MaxMag
	if err := harvestNative(ctx, p, vv); err != nil { // before the queue and delegation shrink
		return take, err
	}
	vv.v.Units, _ = vv.v.Units.Sub(units)        // units ≤ Units (slashUnits)
	vv.v.Queued, _ = vv.v.Queued.Sub(fromQueued) // fromQueued ≤ Queued
	if take.Amount, err = seize(ctx, p, vv, take.Amount, to); err != nil {
		return take, err
	}
	return take, vv.save(ctx)
}

func minDec(a, b num.Dec) num.Dec {
	if a.LT(b) {
		return a
	}
	return b
}

// slashUnits is the units a magnitude drop of sm removes:
//
//	from the positions' backing A: ceil(A · sm / maxMag)     (rounding: up)
//	  but never below what the positions then claim, floor(Σσ · maxMag')
//	from the queue:  floor(σ_window · sm), at most its backing (rounding:
//	  down: the slash as a whole already rounds up once on the positions'
//	  side, and a unit per slash would otherwise erode small queues)
//
// The queue's window is that of the request: withdrawals due after it
// (withdrawals cannot complete while a request made before their due time
// is pending, see CompleteWithdrawal).
func slashUnits(r store.Reader, requested_s int64, vv *vaultView, sm num.Dec) (total, queued num.Int, err error) {
	backing := vv.activeBacking()
	active, err := backing.MulDivUp(sm.Raw(), vv.v.MaxMag.Raw())
	if err != nil {
		return
	}
	newMag, _ := vv.v.MaxMag.Sub(sm) // sm ≤ eff ≤ maxMag
	claims, err := unitsOf(vv.v.Scaled, newMag, false)
	if err != nil {
		return
	}
	active = active.Min(backing.SubSat(claims))
	win, err := windowShares(r, vv.op, vv.asset.Denom, requested_s)
	if err != nil {
		return
	}
	if queued, err = unitsOf(win, sm, false); err != nil {
		return
	}
	queued = queued.Min(vv.v.Queued)
	total, err = active.Add(queued)
	return
}

// windowShares is σ of (op, asset)'s withdrawals not due by time now_s
// (a slash's request time): those are still slashable. Two seeks.
func windowShares(r store.Reader, op account.Address, asset string, now_s int64) (num.Int, error) {
	_, all, err := lastDue(r, op, asset)
	if err != nil {
		return all, err
	}
	due, err := queuedDueBy(r, op, asset, now_s)
	if err != nil {
		return all, err
	}
	return all.Sub(due)
}

// lowerMagnitudes drops maxMagnitude by sm, and the service's magnitude
// (and a pending target) by as much of sm as they still hold, keeping the
// vault's allocation sum. The magnitude history records the drop as of the
// request time, which withdrawals due since then are valued at.
func lowerMagnitudes(ctx state.Ctx, vv *vaultView, svc string, al Allocation, sm num.Dec, requested_s int64) error {
	next := al
	next.Mag = decSubSat(al.Mag, sm)
	if al.pending() {
		next.Target = decSubSat(al.Target, sm)
	}
	if err := moveAllocSum(vv, al, next); err != nil {
		return err
	}
	before := vv.v.MaxMag
	vv.v.MaxMag, _ = vv.v.MaxMag.Sub(sm) // sm ≤ maxMag
	putAlloc(ctx.KV, vv, svc, next)
	recordAllocMag(ctx, svc, vv.op, vv.asset.Denom, next.Mag)
	return recordMagSince(ctx, vv.op, vv.asset.Denom, requested_s, before, vv.v.MaxMag)
}

func decSubSat(a, b num.Dec) num.Dec {
	if b.GTE(a) {
		return num.Dec{}
	}
	d, _ := a.Sub(b)
	return d
}

// seize burns amount of the asset, or moves it to the escrow: native stake
// leaves the operator's validator at once (staking.Seize); burned ststake
// goes through the liquid pool, which counts its supply and burns the
// stake backing it.
func seize(ctx state.Ctx, p params.Params, vv vaultView, amount num.Int, to account.Address) (num.Int, error) {
	if amount.IsZero() {
		return amount, nil
	}
	if vv.asset.Kind == KindNative {
		return staking.Seize(ctx, p, NativeAccount(vv.op), vv.op, amount, to)
	}
	if to.IsZero() && vv.asset.Kind == KindLiquid {
		_, err := liquid.Burn(ctx, p, VaultAccount, amount)
		return amount, err
	}
	if to.IsZero() {
		return amount, bank.Burn(ctx.KV, VaultAccount, vv.asset.Denom, amount)
	}
	return amount, bank.SendOne(ctx.KV, VaultAccount, to, vv.asset.Denom, amount)
}

func loadSlash(r store.Reader, id uint64) (Slash, error) {
	s, found, err := loadRecord[Slash](r, slashKey(id))
	if err == nil && !found {
		err = state.Reject("unknown-slash", "no slash #%d", id)
	}
	return s, err
}

func pendingCountKey(svc string, op account.Address) []byte {
	return state.Key(prefixPendingCount, lp(svc), op[:])
}

// addPending indexes a request waiting for its veto window (delta +1) or
// drops it (−1). A service may have at most MaxPendingPerService requests
// waiting on one operator, so no service can crowd out another's.
func addPending(kv store.KV, req Slash, delta int) error {
	k := pendingCountKey(req.Service, req.Operator)
	n, err := state.LoadU64(kv, k)
	if err != nil {
		return err
	}
	switch {
	case delta > 0 && n >= MaxPendingPerService:
		return state.Reject("too-many-pending-slashes", "service %s already has %d slash requests of %s in their veto window", req.Service, n, req.Operator)
	case delta > 0:
		n++
		kv.Set(pendingKey(req.Operator, req.Requested_s, req.ID), []byte{})
	case n > 0:
		n--
		kv.Delete(pendingKey(req.Operator, req.Requested_s, req.ID))
	}
	if n == 0 {
		kv.Delete(k)
	} else {
		kv.Set(k, state.U64(n))
	}
	return nil
}

// heldBy is the first slash pending on w's operator that was requested
// before w was due and may take from w's asset (ok false: none). It reads
// at most the requests pending on the operator (MaxPendingPerService per
// service it belongs to).
func heldBy(r store.Reader, w Withdrawal) (uint64, bool, error) {
	prefix := state.Key(prefixPending, w.Operator[:])
	var ids []uint64
	r.Iterate(prefix, state.Key(prefix, state.U64(timePos(w.Due_s))), false, func(k, _ []byte) bool {
		if len(k) == len(prefix)+16 {
			id, _ := state.ReadU64(k[len(prefix)+8:])
			ids = append(ids, id)
		}
		return true
	})
	for _, id := range ids {
		req, err := loadSlash(r, id)
		if err != nil {
			return 0, false, err
		}
		for _, d := range req.Assets {
			if d == w.Asset {
				return id, true, nil
			}
		}
	}
	return 0, false, nil
}

// HandleVetoSlash cancels a pending slash: the service's resolver, within the window.
func HandleVetoSlash(ctx state.Ctx, signer account.Address, m *tx.MsgVetoSlash) error {
	res, err := state.Owner("resolver", m.GetResolver(), signer, "sign its vetoes")
	if err != nil {
		return err
	}
	req, err := loadSlash(ctx.KV, m.GetId())
	if err != nil {
		return err
	}
	s, err := loadService(ctx.KV, req.Service, ctx.Time_s)
	if err != nil {
		return err
	}
	if s.Resolver.IsZero() || s.Resolver != res {
		return state.Reject("not-resolver", "only service %s's resolver %s may veto its slashes (signed by %s)", s.Name, s.Resolver, signer)
	}
	if req.Status != SlashPending {
		return state.Reject("not-pending", "slash #%d is %s", req.ID, req.Status)
	}
	if ctx.Time_s >= req.ExecuteAfter_s {
		return state.Reject("veto-window-over", "slash #%d's veto window ended at %d (now %d)", req.ID, req.ExecuteAfter_s, ctx.Time_s)
	}
	req.Status = SlashVetoed
	state.Put(ctx.KV, slashKey(req.ID), &req)
	if err := addPending(ctx.KV, req, -1); err != nil {
		return err
	}
	ctx.Emit("slash_vetoed", "id", u64s(req.ID), "service", s.Name)
	return nil
}

// HandleExecuteSlash executes a pending slash after its veto window (anyone).
func HandleExecuteSlash(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgExecuteSlash) error {
	if _, err := state.Owner("signer", m.GetSigner(), signer, "sign for itself"); err != nil {
		return err
	}
	req, err := loadSlash(ctx.KV, m.GetId())
	if err != nil {
		return err
	}
	if req.Status != SlashPending {
		return state.Reject("not-pending", "slash #%d is %s", req.ID, req.Status)
	}
	if ctx.Time_s < req.ExecuteAfter_s {
		return state.Reject("veto-window-open", "slash #%d can be executed from %d (now %d)", req.ID, req.ExecuteAfter_s, ctx.Time_s)
	}
	s, err := loadService(ctx.KV, req.Service, ctx.Time_s)
	if err != nil {
		return err
	}
	return execute(ctx, p, s, &req)
}

// HandleClaimRedistribution pays an escrowed slash to its recipient after
// slash_resolution_delay.
func HandleClaimRedistribution(ctx state.Ctx, signer account.Address, m *tx.MsgClaimRedistribution) error {
	rcpt, err := state.Owner("recipient", m.GetRecipient(), signer, "claim its redistributions")
	if err != nil {
		return err
	}
	req, err := loadSlash(ctx.KV, m.GetId())
	if err != nil {
		return err
	}
	if req.Status != SlashExecuted || req.Destination.IsZero() {
		return state.Reject("nothing-escrowed", "slash #%d holds nothing in escrow (status %s, destination %s)", req.ID, req.Status, destString(req.Destination))
	}
	if req.Destination != rcpt {
		return state.Reject("not-recipient", "slash #%d is redistributed to %s, not %s", req.ID, req.Destination, rcpt)
	}
	if req.Claimed {
		return state.Reject("already-claimed", "slash #%d was already claimed", req.ID)
	}
	if ctx.Time_s < req.Release_s {
		return state.Reject("too-early", "slash #%d's escrow is released at %d (now %d)", req.ID, req.Release_s, ctx.Time_s)
	}
	for _, t := range req.Taken {
		if err := bank.SendOne(ctx.KV, Escrow, rcpt, t.Asset, t.Amount); err != nil {
			return err
		}
	}
	req.Claimed = true
	state.Put(ctx.KV, slashKey(req.ID), &req)
	ctx.Emit("claim_redistribution", "id", u64s(req.ID), "recipient", rcpt.String(), "amount", takenString(req.Taken))
	return nil
}

// PreviewSlash executes at once what service svc's slasher may request of
// op now — fraction f of its allocations in every accepted asset, within
// the caps — as if any veto window passed unvetoed. No message reaches it:
// it is the what-if of `restaked risk preview-slash`, run on a throwaway
// copy of the state.
func PreviewSlash(ctx state.Ctx, p params.Params, svc string, op account.Address, f string) (Slash, error) {
	s, err := loadService(ctx.KV, svc, ctx.Time_s)
	if err != nil {
		return Slash{}, err
	}
	req, err := buildRequest(ctx, p, s, &tx.MsgSlash{Operator: op.String(), Fraction: f, Reason: "preview"})
	if err != nil {
		return req, err
	}
	if req.ID, err = nextID(ctx.KV, keyNextSlash); err != nil {
		return req, err
	}
	req.Requested_s, req.RequestHeight, req.ExecuteAfter_s = ctx.Time_s, ctx.Height, ctx.Time_s
	return req, execute(ctx, p, s, &req)
}

// VaultStake is one (operator, asset) vault's delegated stake.
type VaultStake struct {
	Operator account.Address `json:"operator"`
	Asset    string          `json:"asset"`
	Stake    num.Int         `json:"stake"` // asset base units
	Value    num.Int         `json:"value"` // native units
}

// VaultStakes lists every vault's stake, by operator and asset. O(vaults).
func VaultStakes(r store.Reader) ([]VaultStake, error) {
	var keys [][2]string
	var err error
	store.IteratePrefix(r, prefixVault, false, func(k, _ []byte) bool {
		if len(keys) >= MaxVaultsListed {
			err = fmt.Errorf("more than %d vaults: too many to compare", MaxVaultsListed)
			return false
		}
		var op account.Address
		var rest []byte
		if op, rest, err = addrPart(k, k[len(prefixVault):]); err != nil {
			return false
		}
		keys = append(keys, [2]string{string(op[:]), string(rest)})
		return true
	})
	if err != nil {
		return nil, err
	}
	out := make([]VaultStake, 0, len(keys))
	for _, kk := range keys {
		var op account.Address
		copy(op[:], kk[0])
		vs, err := vaultStake(r, op, kk[1])
		if err != nil {
			return nil, err
		}
		out = append(out, vs)
	}
	return out, nil
}

func vaultStake(r store.Reader, op account.Address, denom string) (VaultStake, error) {
	vs := VaultStake{Operator: op, Asset: denom}
	vv, err := vaultOf(r, op, denom)
	if err != nil {
		return vs, err
	}
	if vs.Stake, err = vv.toTokens(vv.active()); err != nil {
		return vs, err
	}
	vs.Value, err = nativeValue(r, vv.asset, vs.Stake)
	return vs, err
}
