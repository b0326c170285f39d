package restaking

import (
	"errors"
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/rewards"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Service reward streams (SPEC §7; the arithmetic is package rewards).
// A stream is one (service, denom): every program of that service in that
// denom feeds it. Three levels of accumulators, none iterating holders:
//
//  1. serviceAcc per (service, asset, denom): each block's emission share
//     of the asset spread over U, the sum of the operators' weights.
//  2. allocStream per (operator, asset, service, denom): the operator
//     collects weight × the rise of (1) since its snapshot, keeps its
//     commission and spreads the rest over its vault's Σσ (its stakers'
//     accumulator). This "pull" runs before a weight or Σσ changes.
//  3. posStream per (staker, operator, asset, service, denom): a position
//     collects σ × the rise of (2) before its σ changes and on claims.
//
// An operator's weight in a service and asset is the asset amount of its
// effective allocated stake, toTokens(active · min(m, maxMag) / maxMag)
// (rounding: down), stored so that U is an exact sum; it is recomputed
// whenever the vault or the allocation changes (reweigh) and asserted
// against a fresh computation by the invariants. Queued withdrawals are
// outside active stake and Σσ, so they earn nothing.
//
// Every division carries its remainder (rewards.Spread / Collect), so the
// streams account for each 1e-36 of a base unit: the invariants check, per
// stream, that what programs credited equals, exactly, what was paid,
// what is pending at every level and every carried remainder.

type serviceAcc struct {
	Acc num.Int // reward per unit of weight, ×1e36
	Rem num.Int // carried remainder, 1e-36 base units
	// Two samples of Acc for the yield view: the older one is at least
	// yieldWindowBlocks old once the stream has run that long.
	Acc0, Acc1 num.Int
	H0, H1     int64
	T0, T1     int64
}

type allocStream struct {
	Snap       num.Int // serviceAcc.Acc when last collected
	OpRem      num.Int // carried remainder of the collection, 1e-36 base units
	Acc        num.Int // stakers' reward per scaled share, ×1e36
	Rem        num.Int // carried remainder of the stakers' spread, 1e-36 base units
	Commission num.Int // operator's take, unclaimed
}

type posStream struct {
	Snap    num.Int // allocStream.Acc when last settled
	Rem     num.Int // carried remainder, 1e-36 base units
	Accrued num.Int // settled and unclaimed
}

const serviceAccVersion, allocStreamVersion, posStreamVersion = 1, 1, 1

func (s *serviceAcc) MarshalRecord() []byte {
	w := state.NewWriter(serviceAccVersion, 96)
	for _, x := range []num.Int{s.Acc, s.Rem, s.Acc0, s.Acc1} {
		w.Int(x)
	}
	for _, x := range []int64{s.H0, s.H1, s.T0, s.T1} {
		w.Varint(x)
	}
	return w.Out()
}

func (s *serviceAcc) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, serviceAccVersion)
	s.Acc, s.Rem, s.Acc0, s.Acc1 = r.Int(), r.Int(), r.Int(), r.Int()
	s.H0, s.H1, s.T0, s.T1 = r.Varint(), r.Varint(), r.Varint(), r.Varint()
	return r.Done()
}

func (a *allocStream) MarshalRecord() []byte {
	w := state.NewWriter(allocStreamVersion, 96)
	for _, x := range []num.Int{a.Snap, a.OpRem, a.Acc, a.Rem, a.Commission} {
		w.Int(x)
	}
	return w.Out()
}

func (a *allocStream) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, allocStreamVersion)
	a.Snap, a.OpRem, a.Acc, a.Rem, a.Commission = r.Int(), r.Int(), r.Int(), r.Int(), r.Int()
	return r.Done()
}

func (p *posStream) MarshalRecord() []byte {
	w := state.NewWriter(posStreamVersion, 64)
	w.Int(p.Snap)
	w.Int(p.Rem)
	w.Int(p.Accrued)
	return w.Out()
}

func (p *posStream) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, posStreamVersion)
	p.Snap, p.Rem, p.Accrued = r.Int(), r.Int(), r.Int()
	return r.Done()
}

// Keys. Denoms and service names are length-prefixed except when last.
func serviceWeightKey(svc, asset string) []byte {
	return state.Key(prefixSvcWeight, lp(svc), []byte(asset))
}
func serviceAccKey(svc, asset, denom string) []byte {
	return state.Key(prefixSvcAcc, lp(svc), lp(asset), []byte(denom))
}
func streamDenomPrefix(svc string) []byte { return state.Key(prefixStreamDenom, lp(svc)) }
func streamDenomKey(svc, denom string) []byte {
	return state.Key(prefixStreamDenom, lp(svc), []byte(denom))
}
func nativeBasisKey(op account.Address) []byte { return state.Key(prefixNativeBasis, op[:]) }
func weightPrefix(op account.Address, asset string) []byte {
	return state.Key(prefixWeight, op[:], lp(asset))
}
func weightKey(op account.Address, asset, svc string) []byte {
	return state.Key(prefixWeight, op[:], lp(asset), []byte(svc))
}
func allocStreamPrefix(op account.Address, asset string) []byte {
	return state.Key(prefixAllocStream, op[:], lp(asset))
}
func allocStreamKey(op account.Address, asset, svc, denom string) []byte {
	return state.Key(prefixAllocStream, op[:], lp(asset), lp(svc), []byte(denom))
}
func posStreamKey(staker, op account.Address, asset, svc, denom string) []byte {
	return state.Key(prefixPosStream, staker[:], op[:], lp(asset), lp(svc), []byte(denom))
}

// streamDenoms lists the denoms a service has ever run programs in.
func streamDenoms(r store.Reader, svc string) ([]string, error) {
	prefix := streamDenomPrefix(svc)
	var out []string
	store.IteratePrefix(r, prefix, false, func(k, _ []byte) bool {
		out = append(out, string(k[len(prefix):]))
		return len(out) < MaxRewardDenomsPerService
	})
	return out, nil
}

// weightOf is the asset amount of an allocation's effective stake.
func weightOf(vv vaultView, mag num.Dec) (num.Int, error) {
	u, err := vv.allocatedUnits(mag) // rounding: down
	if err != nil {
		return u, err
	}
	return vv.toTokens(u) // rounding: down
}

// pullVault brings every stream of vault vv up to date with its current
// weights and Σσ (run before Σσ changes, and before a weight changes).
func pullVault(ctx state.Ctx, vv vaultView) error {
	return (&pullCache{}).pullVault(ctx, vv)
}

// pullCache remembers, within one operation, each service's reward denoms
// and the service accumulators read (keyed lookups only; nothing iterates
// the map, and nothing writes a service accumulator during an operation).
type pullCache struct {
	svcs   []string
	denoms [][]string
	accs   map[string]num.Int
}

func (pc *pullCache) serviceAcc(r store.Reader, svc, asset, denom string) (num.Int, error) {
	key := serviceAccKey(svc, asset, denom)
	if acc, ok := pc.accs[string(key)]; ok {
		return acc, nil
	}
	var sa serviceAcc
	if _, err := state.Load(r, key, &sa); err != nil {
		return num.Int{}, err
	}
	if pc.accs == nil {
		pc.accs = map[string]num.Int{}
	}
	pc.accs[string(key)] = sa.Acc
	return sa.Acc, nil
}

func (pc *pullCache) serviceDenoms(r store.Reader, svc string) ([]string, error) {
	for i, s := range pc.svcs {
		if s == svc {
			return pc.denoms[i], nil
		}
	}
	d, err := streamDenoms(r, svc)
	pc.svcs, pc.denoms = append(pc.svcs, svc), append(pc.denoms, d)
	return d, err
}

func (pc *pullCache) pullVault(ctx state.Ctx, vv vaultView) error {
	var bad error
	type entry struct {
		svc string
		w   num.Int
	}
	var list []entry
	prefix := weightPrefix(vv.op, vv.asset.Denom)
	store.IteratePrefix(ctx.KV, prefix, false, func(k, v []byte) bool {
		w, err := num.IntFromBytes(v)
		if err != nil {
			bad = fmt.Errorf("%w: weight at %q", state.ErrCorrupt, k)
			return false
		}
		list = append(list, entry{string(k[len(prefix):]), w})
		return len(list) < MaxAllocationsPerVault
	})
	if bad != nil {
		return bad
	}
	for _, e := range list {
		denoms, err := pc.serviceDenoms(ctx.KV, e.svc)
		if err != nil {
			return err
		}
		if err := pc.pullDenoms(ctx, vv, e.svc, e.w, denoms); err != nil {
			return err
		}
	}
	return nil
}

// pullAlloc collects what weight w of (vv, svc) earned in each of the
// service's denoms since the last collection (pullDenoms).
func pullAlloc(ctx state.Ctx, vv vaultView, svc string, w num.Int) error {
	denoms, err := streamDenoms(ctx.KV, svc)
	if err != nil {
		return err
	}
	return (&pullCache{}).pullDenoms(ctx, vv, svc, w, denoms)
}

// pullDenoms collects, per denom, w × the service accumulator's rise,
// takes the commission at the rate in force (changes are applied by
// BeginBlock when due, after a pull at the old rate) and spreads the rest
// over the vault's Σσ.
func (pc *pullCache) pullDenoms(ctx state.Ctx, vv vaultView, svc string, w num.Int, denoms []string) error {
	if len(denoms) == 0 {
		return nil
	}
	rate, err := commissionInForce(ctx.KV, vv.op, svc)
	if err != nil {
		return err
	}
	for _, d := range denoms {
		acc, err := pc.serviceAcc(ctx.KV, svc, vv.asset.Denom, d)
		if err != nil {
			return err
		}
		if err := pullOne(ctx.KV, vv, svc, d, w, rate, acc); err != nil {
			return err
		}
	}
	return nil
}

func pullOne(kv store.KV, vv vaultView, svc, denom string, w num.Int, rate num.Dec, acc num.Int) error {
	key := allocStreamKey(vv.op, vv.asset.Denom, svc, denom)
	var as allocStream
	found, err := state.Load(kv, key, &as)
	if err != nil {
		return err
	}
	delta, err := rewards.Since(acc, as.Snap)
	if err != nil {
		return fmt.Errorf("%w: %v", state.ErrCorrupt, err)
	}
	if delta.IsZero() && found {
		return nil
	}
	owed, rem, err := rewards.Collect(w, delta, as.OpRem) // rounding: down, remainder carried
	if err != nil {
		return err
	}
	as.Snap, as.OpRem = acc, rem
	if err := creditVault(&as, owed, rate, vv.v.Scaled); err != nil {
		return err
	}
	state.Put(kv, key, &as)
	return nil
}

// creditVault splits an operator's collection into its commission and its
// stakers' accumulator. A vault without shares cannot carry weight; should
// it ever, the operator keeps all (nothing is left unowned).
func creditVault(as *allocStream, owed num.Int, rate num.Dec, scaled num.Int) error {
	comm, rest, err := rewards.Commission(owed, rate) // rounding: down for the operator
	if err != nil {
		return err
	}
	if scaled.IsZero() {
		comm, rest = owed, num.Int{}
	}
	if as.Commission, err = as.Commission.Add(comm); err != nil {
		return err
	}
	if scaled.IsZero() || (rest.IsZero() && as.Rem.LT(scaled)) {
		return nil
	}
	inc, rem, err := rewards.Spread(rest, scaled, as.Rem) // rounding: down, remainder carried
	var acc num.Int
	if err == nil {
		acc, err = as.Acc.Add(inc)
	}
	if errors.Is(err, num.ErrOverflow) {
		// The stakers' accumulator is at the end of its range (over 1e59
		// base units spread through one vault stream): the operator holds
		// the rest rather than a block failing.
		as.Commission, err = as.Commission.Add(rest)
		return err
	}
	as.Acc, as.Rem = acc, rem
	return err
}

// ensureCommission writes op's default commission for svc as its own
// record, so that collections read one small binary record.
func ensureCommission(kv store.KV, op account.Address, svc string) error {
	if _, found := kv.Get(commissionKey(op, svc)); found {
		return nil
	}
	o, found, err := loadRecord[Operator](kv, operatorKey(op))
	if err != nil || !found {
		return err
	}
	state.Put(kv, commissionKey(op, svc), &Commission{Rate: o.Commission})
	return nil
}

// commissionInForce is the rate a pull applies: the stored rate, which
// BeginBlock replaces by a pending one only after pulling at the old rate.
func commissionInForce(r store.Reader, op account.Address, svc string) (num.Dec, error) {
	c, found, err := loadRecord[Commission](r, commissionKey(op, svc))
	if err != nil || found {
		return c.Rate, err
	}
	o, found, err := loadRecord[Operator](r, operatorKey(op))
	if err != nil || !found {
		return num.Dec{}, err
	}
	return o.Commission, nil
}

// reweigh recomputes the weights of every allocation of vault vv after it
// changed (shares, magnitude, native factor or an allocation), pulling
// each stream at its old weight first. O(allocations of the vault ×
// the services' reward denoms).
func reweigh(ctx state.Ctx, vv vaultView) error {
	if !vv.pulled {
		if err := pullVault(ctx, vv); err != nil {
			return err
		}
	}
	if vv.asset.Kind == KindNative {
		// The native factor moves by rounding whenever anyone delegates to
		// or undelegates from the validator: weights follow the delegation
		// as of this reweigh (its basis), not every such rounding.
		state.PutAmount(ctx.KV, nativeBasisKey(vv.op), vv.tokens)
	}
	svcs, err := weightedServices(ctx.KV, vv)
	if err != nil {
		return err
	}
	for _, svc := range svcs {
		if err := setWeight(ctx, vv, svc); err != nil {
			return err
		}
	}
	return nil
}

// weightedServices lists the services vv has an allocation or a weight
// with (a weight may outlive its deleted allocation until reweighed).
func weightedServices(r store.Reader, vv vaultView) ([]string, error) {
	var out []string
	prefix := weightPrefix(vv.op, vv.asset.Denom)
	store.IteratePrefix(r, prefix, false, func(k, _ []byte) bool {
		out = append(out, string(k[len(prefix):]))
		return len(out) < MaxAllocationsPerVault
	})
	aprefix := allocPrefix(vv.op, vv.asset.Denom)
	var bad error
	store.IteratePrefix(r, aprefix, false, func(k, _ []byte) bool {
		svc := string(k[len(aprefix):])
		if _, has := r.Get(weightKey(vv.op, vv.asset.Denom, svc)); !has {
			out = append(out, svc)
		}
		if len(out) > 2*MaxAllocationsPerVault {
			bad = fmt.Errorf("%w: vault %s/%s has more than %d allocations", state.ErrCorrupt, vv.op, vv.asset.Denom, MaxAllocationsPerVault)
			return false
		}
		return true
	})
	return out, bad
}

// setWeight stores the allocation's weight and moves the service total.
// A weight starting from zero first moves its snapshots up to the
// accumulators (it earned nothing while it was zero).
func setWeight(ctx state.Ctx, vv vaultView, svc string) error {
	kv := ctx.KV
	al, _, err := loadAlloc(kv, vv.op, vv.asset.Denom, svc)
	if err != nil {
		return err
	}
	next, err := weightOf(vv, al.Mag)
	if err != nil {
		return err
	}
	key := weightKey(vv.op, vv.asset.Denom, svc)
	prev, err := state.LoadAmount(kv, key)
	if err != nil || prev.Eq(next) {
		return err
	}
	if prev.IsZero() {
		if err := pullAlloc(ctx, vv, svc, num.Int{}); err != nil {
			return err
		}
		if err := ensureCommission(kv, vv.op, svc); err != nil {
			return err
		}
	}
	if next.IsZero() {
		kv.Delete(key)
	} else {
		state.PutAmount(kv, key, next)
	}
	tk := serviceWeightKey(svc, vv.asset.Denom)
	total, err := state.LoadAmount(kv, tk)
	if err != nil {
		return err
	}
	if total, err = total.Sub(prev); err != nil {
		return fmt.Errorf("%w: weight of %s in %s/%s exceeds the service total", state.ErrCorrupt, vv.op, svc, vv.asset.Denom)
	}
	if total, err = total.Add(next); err != nil {
		return err
	}
	if total.IsZero() {
		kv.Delete(tk)
	} else {
		state.PutAmount(kv, tk, total)
	}
	return nil
}

// settlePosition collects a position's accrual in every stream of its
// vault at σ = scaled (after pullVault, before σ changes).
func settlePosition(kv store.KV, staker account.Address, vv vaultView, scaled num.Int) error {
	list, err := vaultStreams(kv, vv.op, vv.asset.Denom)
	if err != nil {
		return err
	}
	for _, s := range list {
		ps, err := settleStream(kv, staker, vv, s, scaled)
		if err != nil {
			return err
		}
		state.Put(kv, posStreamKey(staker, vv.op, vv.asset.Denom, s.svc, s.denom), &ps)
	}
	return nil
}

// settleStream is the position's stream record collected up to the
// vault stream's accumulator (not written: callers decide).
func settleStream(kv store.KV, staker account.Address, vv vaultView, s streamRef, scaled num.Int) (posStream, error) {
	var ps posStream
	if _, err := state.Load(kv, posStreamKey(staker, vv.op, vv.asset.Denom, s.svc, s.denom), &ps); err != nil {
		return ps, err
	}
	delta, err := rewards.Since(s.as.Acc, ps.Snap)
	if err != nil || delta.IsZero() {
		if err != nil {
			err = fmt.Errorf("%w: %v", state.ErrCorrupt, err)
		}
		return ps, err
	}
	owed, rem, err := rewards.Collect(scaled, delta, ps.Rem) // rounding: down, remainder carried
	if err != nil {
		return ps, err
	}
	if ps.Accrued, err = ps.Accrued.Add(owed); err != nil {
		return ps, err
	}
	ps.Snap, ps.Rem = s.as.Acc, rem
	return ps, nil
}

// streamRef is one stream of a vault with its accumulators.
type streamRef struct {
	op                account.Address
	asset, svc, denom string
	as                allocStream
}

// vaultStreams lists the (service, denom) streams vault (op, asset) has
// ever had, in key order, at most MaxStreamsPerVault.
func vaultStreams(r store.Reader, op account.Address, asset string) ([]streamRef, error) {
	prefix := allocStreamPrefix(op, asset)
	var out []streamRef
	var bad error
	store.IteratePrefix(r, prefix, false, func(k, v []byte) bool {
		svc, denom, ok := splitLP(k[len(prefix):])
		s := streamRef{op: op, asset: asset, svc: svc, denom: denom}
		if !ok {
			bad = fmt.Errorf("%w: stream key %q", state.ErrCorrupt, k)
			return false
		}
		if bad = state.Decode(k, v, &s.as); bad != nil {
			return false
		}
		out = append(out, s)
		return len(out) < MaxStreamsPerVault
	})
	return out, bad
}

// splitLP splits a length-prefixed string off the front of b.
func splitLP(b []byte) (first, rest string, ok bool) {
	if len(b) < 1 || len(b) < 1+int(b[0]) {
		return "", "", false
	}
	n := int(b[0])
	return string(b[1 : 1+n]), string(b[1+n:]), true
}

// beforeSharesChange brings the vault's rewards (native pass-through and
// every service stream) up to date and settles the staker's position at
// its current σ, ahead of a deposit or withdrawal that changes σ.
func beforeSharesChange(ctx state.Ctx, p params.Params, vv vaultView, staker account.Address, posScaled num.Int) error {
	if vv.asset.Kind == KindNative {
		if err := beforeNativeChange(ctx, p, vv, staker, posScaled); err != nil {
			return err
		}
	}
	if err := pullVault(ctx, vv); err != nil {
		return err
	}
	return settlePosition(ctx.KV, staker, vv, posScaled)
}

// checkStreamRoom refuses a new allocation once a vault has had reward
// streams with MaxStreamServices services: with at most
// MaxAllocationsPerVault live allocations adding denoms afterwards, a
// vault never holds more than MaxStreamsPerVault streams, which bounds
// every deposit, withdrawal and claim.
func checkStreamRoom(r store.Reader, op account.Address, asset string) error {
	n := 0
	store.IteratePrefix(r, allocStreamPrefix(op, asset), false, func(_, _ []byte) bool {
		n++
		return n < MaxStreamsPerVault
	})
	if limit := MaxStreamServices * MaxRewardDenomsPerService; n >= limit {
		return state.Reject("too-many-reward-streams", "operator %s's %s vault has %d reward streams (new allocations stop at %d)", op, asset, n, limit)
	}
	return nil
}
