package restaking

import (
	"fmt"
	"slices"

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
	return streams, payStreams(ctx, acct, streams)
}

// payStreams pays the streams' amounts (one send per denom) and books
// them per stream.
func payStreams(ctx state.Ctx, acct account.Address, streams []ServiceStream) error {
	totals, err := streamTotals(streams)
	if err != nil {
		return err
	}
	for _, c := range totals {
		if err := bank.SendOne(ctx.KV, RewardsAccount, acct, c.Denom, c.Amount); err != nil {
			return fmt.Errorf("%w: rewards account cannot pay %s: %v", state.ErrCorrupt, c, err)
		}
	}
	if err := addPaid(ctx.KV, streams); err != nil {
		return err
	}
	if len(totals) > 0 {
		ctx.Emit("claim_service_rewards", "account", acct.String(), "amount", coin.Coins(totals).String())
	}
	return nil
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
		if s.Amount.IsZero() {
			continue
		}
		sum, err := out.Add(coin.Coins{coin.New(s.Denom, s.Amount)})
		if err != nil {
			return nil, err
		}
		out = sum
	}
	return out, nil
}

// collectService brings account's positions and commissions up to date
// and zeroes what they accrued, returning it per stream. Positions hold
// stream records only while they hold shares (a closing withdrawal pays
// them out), so one pass over the positions finds every staker stream.
func collectService(ctx state.Ctx, acct account.Address) ([]ServiceStream, error) {
	list, err := rawPositions(ctx.KV, acct)
	if err != nil {
		return nil, err
	}
	pc := &pullCache{}
	var out []ServiceStream
	for _, x := range list {
		vv, err := vaultOf(ctx.KV, x.op, x.asset)
		if err != nil {
			return nil, err
		}
		if err := pc.pullVault(ctx, vv); err != nil {
			return nil, err
		}
		if out, err = takePosition(ctx.KV, acct, vv, x.pos.Scaled, false, out); err != nil {
			return nil, err
		}
	}
	return takeCommission(ctx, acct, pc, out)
}

// takePosition settles the position's streams at σ = scaled, appends what
// they accrued to out and zeroes it; closing (σ now 0) also deletes the
// records, handing their carried remainders back to the vault streams.
func takePosition(kv store.KV, staker account.Address, vv vaultView, scaled num.Int, closing bool, out []ServiceStream) ([]ServiceStream, error) {
	streams, err := vaultStreams(kv, vv.op, vv.asset.Denom)
	if err != nil {
		return out, err
	}
	for _, s := range streams {
		ps, err := settleStream(kv, staker, vv, s, scaled)
		if err != nil {
			return out, err
		}
		if !ps.Accrued.IsZero() {
			out = append(out, ServiceStream{Service: s.svc, Denom: s.denom, Role: RoleStaker, Operator: vv.op, Asset: vv.asset.Denom, Amount: ps.Accrued})
		}
		ps.Accrued = num.Int{}
		key := posStreamKey(staker, vv.op, vv.asset.Denom, s.svc, s.denom)
		if !closing {
			state.Put(kv, key, &ps)
			continue
		}
		if err := returnRemainder(kv, s, ps.Rem); err != nil {
			return out, err
		}
		kv.Delete(key)
	}
	return out, nil
}

// payClosedPosition pays a position that has just given up its last share
// everything its streams accrued (settled before σ changed).
func payClosedPosition(ctx state.Ctx, staker account.Address, vv vaultView) error {
	paid, err := takePosition(ctx.KV, staker, vv, num.Int{}, true, nil)
	if err != nil {
		return err
	}
	return payStreams(ctx, staker, paid)
}

// returnRemainder adds a closed position's carried remainder to its vault
// stream's, to be spread again.
func returnRemainder(kv store.KV, s streamRef, rem num.Int) error {
	if rem.IsZero() {
		return nil
	}
	key := allocStreamKey(s.op, s.asset, s.svc, s.denom)
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
// accrued commission, appending it to out.
func takeCommission(ctx state.Ctx, op account.Address, pc *pullCache, out []ServiceStream) ([]ServiceStream, error) {
	assets, err := weightedAssets(ctx.KV, op)
	if err != nil {
		return out, err
	}
	for _, denom := range assets {
		vv, err := vaultOf(ctx.KV, op, denom)
		if err != nil {
			return out, err
		}
		if err := pc.pullVault(ctx, vv); err != nil {
			return out, err
		}
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
		return out, bad
	}
	for _, r := range recs {
		r.s.Amount = r.as.Commission
		r.as.Commission = num.Int{}
		state.Put(ctx.KV, r.key, &r.as)
		out = append(out, r.s)
	}
	return out, nil
}

// weightedAssets lists the assets op carries reward weight in, from its
// weight records (one seek for an account that is no operator).
func weightedAssets(r store.Reader, op account.Address) ([]string, error) {
	prefix := state.Key(prefixWeight, op[:])
	var out []string
	var bad error
	store.IteratePrefix(r, prefix, false, func(k, _ []byte) bool {
		asset, _, ok := splitLP(k[len(prefix):])
		if !ok {
			bad = fmt.Errorf("%w: weight key %q", state.ErrCorrupt, k)
			return false
		}
		if len(out) == 0 || out[len(out)-1] != asset {
			out = append(out, asset)
		}
		return len(out) <= MaxAssets
	})
	return out, bad
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

func streamPaidKey(svc, denom string) []byte {
	return state.Key(prefixStreamPaid, lp(svc), []byte(denom))
}

// addPaid books payments per stream (the invariants' exact accounting),
// one write per (service, denom).
func addPaid(kv store.KV, streams []ServiceStream) error {
	type sum struct {
		svc, denom string
		amount     num.Int
	}
	var sums []sum
	for _, s := range streams {
		i := slices.IndexFunc(sums, func(x sum) bool { return x.svc == s.Service && x.denom == s.Denom })
		if i < 0 {
			sums, i = append(sums, sum{svc: s.Service, denom: s.Denom}), len(sums)
		}
		var err error
		if sums[i].amount, err = sums[i].amount.Add(s.Amount); err != nil {
			return err
		}
	}
	for _, x := range sums {
		key := streamPaidKey(x.svc, x.denom)
		paid, err := state.LoadAmount(kv, key)
		if err != nil {
			return err
		}
		if paid, err = paid.Add(x.amount); err != nil {
			return err
		}
		state.PutAmount(kv, key, paid)
	}
	return nil
}
