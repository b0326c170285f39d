package restaking

import (
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Stream roles: what an account earns a service stream as.
const (
	RoleStaker   = "staker"   // a position's share
	RoleOperator = "operator" // the operator's commission
)

// ServiceStream is what an account has earned, and not claimed, from one
// service in one denom, through one position or as one operator's
// commission.
type ServiceStream struct {
	Service  string          `json:"service"`
	Denom    string          `json:"denom"`
	Role     string          `json:"role"`
	Operator account.Address `json:"operator"`
	Asset    string          `json:"asset"`
	Amount   num.Int         `json:"amount"`
}

// ClaimService pays account everything it has earned from service reward
// programs — as a staker through every position and as an operator through
// its commission — and returns the streams paid. Cost: O(positions ×
// streams of their vaults + the operator's streams); nothing per block.
func ClaimService(ctx state.Ctx, acct account.Address) ([]ServiceStream, error) {
	streams, err := collectService(ctx, acct)
	if err != nil {
		return nil, err
	}
	totals, err := streamTotals(streams)
	if err != nil {
		return nil, err
	}
	for _, c := range totals {
		if err := bank.SendOne(ctx.KV, RewardsAccount, acct, c.Denom, c.Amount); err != nil {
			return nil, fmt.Errorf("%w: rewards account cannot pay %s: %v", state.ErrCorrupt, c, err)
		}
	}
	if err := addPaid(ctx.KV, streams); err != nil {
		return nil, err
	}
	if len(totals) > 0 {
		ctx.Emit("claim_service_rewards", "account", acct.String(), "amount", coin.Coins(totals).String())
	}
	return streams, nil
}

// PendingService is what ClaimService would pay account now, per stream
// (the claim run on a throwaway view of r).
func PendingService(r store.Reader, acct account.Address) ([]ServiceStream, error) {
	var sink []state.Event
	return collectService(state.NewCtx(store.NewOverlay(r), 0, 0, "", &sink), acct)
}

// streamTotals sums streams per denom, in denom order.
func streamTotals(streams []ServiceStream) ([]coin.Coin, error) {
	var out coin.Coins
	for _, s := range streams {
		sum, err := out.Add(coin.Coins{coin.New(s.Denom, s.Amount)})
		if err != nil {
			return nil, err
		}
		out = sum
	}
	return out, nil
}

// collectService settles and zeroes account's streams, returning them.
func collectService(ctx state.Ctx, acct account.Address) ([]ServiceStream, error) {
	live, err := settleStakerPositions(ctx, acct)
	if err != nil {
		return nil, err
	}
	out, err := takePositionStreams(ctx.KV, acct, live)
	if err != nil {
		return nil, err
	}
	comm, err := takeCommission(ctx, acct)
	return append(out, comm...), err
}

// posRef names a position that still holds shares.
type posRef struct {
	op    account.Address
	asset string
}

// settleStakerPositions pulls the vault of each of the staker's positions
// and settles the position; it returns the positions with shares.
func settleStakerPositions(ctx state.Ctx, staker account.Address) ([]posRef, error) {
	list, err := rawPositions(ctx.KV, staker)
	if err != nil {
		return nil, err
	}
	var live []posRef
	for _, x := range list {
		a, err := loadAsset(ctx.KV, x.asset)
		if err != nil {
			return nil, err
		}
		vv, err := loadVault(ctx.KV, x.op, a)
		if err != nil {
			return nil, err
		}
		if err := pullVault(ctx, vv); err != nil {
			return nil, err
		}
		if err := settlePosition(ctx.KV, staker, vv, x.pos.Scaled); err != nil {
			return nil, err
		}
		if !x.pos.Scaled.IsZero() {
			live = append(live, posRef{x.op, x.asset})
		}
	}
	return live, nil
}

// takePositionStreams zeroes the staker's settled stream records; a record
// of a position without shares is deleted, its carried remainder handed
// back to its vault stream (so no fraction is lost).
func takePositionStreams(kv store.KV, staker account.Address, live []posRef) ([]ServiceStream, error) {
	prefix := state.Key(prefixPosStream, staker[:])
	type rec struct {
		key []byte
		s   ServiceStream
		svc string
		ps  posStream
	}
	var recs []rec
	var bad error
	store.IteratePrefix(kv, prefix, false, func(k, v []byte) bool {
		r := rec{key: append([]byte(nil), k...)}
		if r.s, bad = parsePosStreamKey(k, len(prefix)); bad != nil {
			return false
		}
		if bad = state.Decode(k, v, &r.ps); bad != nil {
			return false
		}
		recs = append(recs, r)
		return len(recs) < MaxPositionsPerStaker*MaxStreamsPerVault
	})
	if bad != nil {
		return nil, bad
	}
	var out []ServiceStream
	for _, r := range recs {
		if !r.ps.Accrued.IsZero() {
			r.s.Amount = r.ps.Accrued
			out = append(out, r.s)
		}
		r.ps.Accrued = num.Int{}
		if hasShares(live, r.s.Operator, r.s.Asset) {
			state.Put(kv, r.key, &r.ps)
			continue
		}
		if err := returnRemainder(kv, r.s, r.ps.Rem); err != nil {
			return nil, err
		}
		kv.Delete(r.key)
	}
	return out, nil
}

func hasShares(live []posRef, op account.Address, asset string) bool {
	for _, p := range live {
		if p.op == op && p.asset == asset {
			return true
		}
	}
	return false
}

// returnRemainder adds a closed position's carried remainder to its vault
// stream's, to be spread again.
func returnRemainder(kv store.KV, s ServiceStream, rem num.Int) error {
	if rem.IsZero() {
		return nil
	}
	key := allocStreamKey(s.Operator, s.Asset, s.Service, s.Denom)
	var as allocStream
	if _, err := state.Load(kv, key, &as); err != nil {
		return err
	}
	var err error
	if as.Rem, err = as.Rem.Add(rem); err != nil {
		return err
	}
	state.Put(kv, key, &as)
	return nil
}

// parsePosStreamKey reads staker ‖ op ‖ lp(asset) ‖ lp(svc) ‖ denom.
func parsePosStreamKey(k []byte, skip int) (ServiceStream, error) {
	s := ServiceStream{Role: RoleStaker}
	op, rest, err := addrPart(k, k[skip:])
	if err != nil {
		return s, err
	}
	asset, tail, ok := splitLP(rest)
	if ok {
		s.Service, s.Denom, ok = splitLP([]byte(tail))
	}
	if !ok {
		return s, fmt.Errorf("%w: position stream key %q", state.ErrCorrupt, k)
	}
	s.Operator, s.Asset = op, asset
	return s, nil
}

// takeCommission pulls every vault op carries weight in and zeroes its
// accrued commission.
func takeCommission(ctx state.Ctx, op account.Address) ([]ServiceStream, error) {
	if err := pullOperator(ctx, op); err != nil {
		return nil, err
	}
	prefix := state.Key(prefixAllocStream, op[:])
	type rec struct {
		key []byte
		as  allocStream
		s   ServiceStream
	}
	var recs []rec
	var bad error
	store.IteratePrefix(ctx.KV, prefix, false, func(k, v []byte) bool {
		r := rec{key: append([]byte(nil), k...)}
		if bad = state.Decode(k, v, &r.as); bad != nil {
			return false
		}
		if !r.as.Commission.IsZero() {
			r.s, bad = parseAllocStreamKey(k, op, len(prefix))
			recs = append(recs, r)
		}
		return bad == nil && len(recs) < MaxAssets*MaxStreamsPerVault
	})
	if bad != nil {
		return nil, bad
	}
	out := make([]ServiceStream, 0, len(recs))
	for _, r := range recs {
		r.s.Amount = r.as.Commission
		r.as.Commission = num.Int{}
		state.Put(ctx.KV, r.key, &r.as)
		out = append(out, r.s)
	}
	return out, nil
}

func parseAllocStreamKey(k []byte, op account.Address, skip int) (ServiceStream, error) {
	s := ServiceStream{Role: RoleOperator, Operator: op}
	asset, tail, ok := splitLP(k[skip:])
	if ok {
		s.Service, s.Denom, ok = splitLP([]byte(tail))
	}
	if !ok {
		return s, fmt.Errorf("%w: stream key %q", state.ErrCorrupt, k)
	}
	s.Asset = asset
	return s, nil
}

// pullOperator pulls every vault of op that carries weight.
func pullOperator(ctx state.Ctx, op account.Address) error {
	assets, err := Assets(ctx.KV)
	if err != nil {
		return err
	}
	for _, a := range assets {
		if !hasWeight(ctx.KV, op, a.Denom) {
			continue
		}
		vv, err := loadVault(ctx.KV, op, a)
		if err != nil {
			return err
		}
		if err := pullVault(ctx, vv); err != nil {
			return err
		}
	}
	return nil
}

func hasWeight(r store.Reader, op account.Address, asset string) bool {
	found := false
	store.IteratePrefix(r, weightPrefix(op, asset), false, func(_, _ []byte) bool {
		found = true
		return false
	})
	return found
}

func streamPaidKey(svc, denom string) []byte {
	return state.Key(prefixStreamPaid, lp(svc), []byte(denom))
}

// addPaid books payments per stream (the invariants' exact accounting).
func addPaid(kv store.KV, streams []ServiceStream) error {
	for _, s := range streams {
		key := streamPaidKey(s.Service, s.Denom)
		paid, err := state.LoadAmount(kv, key)
		if err != nil {
			return err
		}
		if paid, err = paid.Add(s.Amount); err != nil {
			return err
		}
		state.PutAmount(kv, key, paid)
	}
	return nil
}
