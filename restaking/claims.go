package restaking

import (
	"fmt"
	"slices"
	"strings"

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

// streamTotals sums streams per denom, in denom order, leaving out zeros
// (the denoms are stored stream names: valid).
func streamTotals(streams []ServiceStream) ([]coin.Coin, error) {
	var out coin.Coins
	for _, s := range streams {
		if s.Amount.IsZero() {
			continue
		}
		i, found := slices.BinarySearchFunc(out, s.Denom, func(c coin.Coin, d string) int { return strings.Compare(c.Denom, d) })
		if !found {
			out = slices.Insert(out, i, coin.Coin{Denom: s.Denom})
		}
		sum, err := out[i].Amount.Add(s.Amount)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Denom, err)
		}
		out[i].Amount = sum
	}
	return out, nil
}

// collectService brings account's positions and commissions up to date
// and zeroes what they accrued, returning it per stream. Positions hold
// stream records only while they hold shares (a closing withdrawal pays
// them out), so one pass over the positions finds every staker stream.
// Per position: its vault, the vault's streams and the position's streams
// are one record each, read once and written once.
func collectService(ctx state.Ctx, acct account.Address) ([]ServiceStream, error) {
	list, err := rawPositions(ctx.KV, acct)
	if err != nil {
		return nil, err
	}
	pc := &pullCache{}
	var out []ServiceStream
	for _, x := range list {
		vv, err := pc.vaultOf(ctx.KV, x.op, x.asset)
		if err != nil {
			return nil, err
		}
		set, err := pc.pullVault(ctx, vv)
		if err != nil {
			return nil, err
		}
		if out, err = takePosition(ctx.KV, acct, vv, &set, x.pos.Scaled, false, out, pc); err != nil {
			return nil, err
		}
		if len(list) > 1 && cap(out) < len(set.list)*len(list) {
			// Room for as many streams in every position (one allocation).
			out = slices.Grow(out, len(set.list)*len(list)-len(out))
		}
	}
	return takeCommission(ctx, acct, pc, out)
}

// takePosition settles the position's streams at σ = scaled against its
// vault's streams (set, as pulled; scratch memory from pc if not nil),
// appends what they accrued to out and zeroes it; closing (σ now 0) also
// deletes the record, handing its carried remainders back to the vault
// streams (saving set).
func takePosition(kv store.KV, staker account.Address, vv vaultView, set *streamSet, scaled num.Int, closing bool, out []ServiceStream, pc *pullCache) ([]ServiceStream, error) {
	list, ref, err := settleStreams(kv, staker, vv, set, scaled, pc)
	if err != nil {
		return out, err
	}
	returned := false
	for i := range list {
		ps := &list[i].posStream
		if !ps.Accrued.IsZero() {
			out = append(out, ServiceStream{Service: list[i].svc, Denom: list[i].denom, Role: RoleStaker, Operator: vv.op, Asset: vv.asset.Denom, Amount: ps.Accrued})
		}
		ps.Accrued = num.Int{}
		if closing && !ps.Rem.IsZero() {
			// Return the carried remainder to the vault stream, to be
			// spread again.
			vs := &set.list[i].allocStream
			if vs.Rem, err = vs.Rem.Add(ps.Rem); err != nil {
				return out, err
			}
			returned = true
		}
	}
	if !closing {
		savePosStreams(kv, ref, list)
		return out, nil
	}
	ref.drop(kv)
	if returned {
		set.save(kv, vv.op, vv.asset.Denom)
	}
	return out, nil
}

// payClosedPosition pays a position that has just given up its last share
// everything its streams accrued (settled before σ changed).
func payClosedPosition(ctx state.Ctx, staker account.Address, vv vaultView) error {
	set, err := loadStreamSet(ctx.KV, vv.op, vv.asset.Denom, nil)
	if err != nil {
		return err
	}
	paid, err := takePosition(ctx.KV, staker, vv, &set, num.Int{}, true, nil, nil)
	if err != nil {
		return err
	}
	return payStreams(ctx, staker, paid)
}

// takeCommission pulls every vault op carries weight in and zeroes its
// accrued commission, appending it to out.
func takeCommission(ctx state.Ctx, op account.Address, pc *pullCache, out []ServiceStream) ([]ServiceStream, error) {
	assets, err := weightedAssets(ctx.KV, op)
	if err != nil {
		return out, err
	}
	for _, denom := range assets {
		vv, err := pc.vaultOf(ctx.KV, op, denom)
		if err != nil {
			return out, err
		}
		if _, err := pc.pullVault(ctx, vv); err != nil {
			return out, err
		}
	}
	prefix := streamSetPrefix(op)
	type rec struct {
		asset string
		set   streamSet
	}
	var recs []rec
	var bad error
	store.IteratePrefix(ctx.KV, prefix, false, func(k, v []byte) bool {
		r := rec{}
		var ok bool
		if r.asset, ok = parseStreamSetAsset(k[len(prefix):]); !ok {
			bad = fmt.Errorf("%w: vault stream key %q", state.ErrCorrupt, k)
			return false
		}
		if err := r.set.decode(v, &pc.names, nil); err != nil {
			bad = fmt.Errorf("%w at %q: %v", state.ErrCorrupt, k, err)
			return false
		}
		recs = append(recs, r)
		return len(recs) < MaxAssets
	})
	if bad != nil {
		return out, bad
	}
	for _, r := range recs {
		taken := false
		for i := range r.set.list {
			e := &r.set.list[i]
			if e.Commission.IsZero() {
				continue
			}
			out = append(out, ServiceStream{Service: e.svc, Denom: e.denom, Role: RoleOperator, Operator: op, Asset: r.asset, Amount: e.Commission})
			e.Commission, taken = num.Int{}, true
		}
		if taken {
			r.set.save(ctx.KV, op, r.asset)
		}
	}
	return out, nil
}

// parseStreamSetAsset reads lp(asset), the rest of a vault stream key
// after its operator.
func parseStreamSetAsset(rest []byte) (string, bool) {
	asset, tail, ok := splitLP(rest)
	return asset, ok && tail == "" && asset != ""
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
