package restaking

import (
	"fmt"
	"math/big"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/rewards"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// checkRewardWeights: every stored weight equals a fresh computation from
// its vault and allocation (so no change of stake missed a reweigh), every
// allocation with stake has its weight, and each service total U is the
// exact sum of its operators' weights.
func checkRewardWeights(r store.Reader) error {
	totals := map[string]num.Int{} // keyed lookups only; compared below in key order
	var bad error
	store.IteratePrefix(r, prefixWeight, false, func(k, v []byte) bool {
		op, asset, svc, err := parseWeightKey(k)
		if err == nil {
			err = checkWeight(r, op, asset, svc, v)
		}
		if err == nil {
			totals[string(serviceWeightKey(svc, asset))], err = addBytes(totals[string(serviceWeightKey(svc, asset))], v)
		}
		bad = err
		return bad == nil
	})
	if bad != nil {
		return bad
	}
	store.IteratePrefix(r, prefixAlloc, false, func(k, _ []byte) bool {
		bad = checkAllocWeighted(r, k)
		return bad == nil
	})
	if bad != nil {
		return bad
	}
	seen := 0
	store.IteratePrefix(r, prefixSvcWeight, false, func(k, v []byte) bool {
		seen++
		u, err := num.IntFromBytes(v)
		if err != nil || !u.Eq(totals[string(k)]) {
			bad = fmt.Errorf("service weight %q is %s, its operators' weights sum to %s", k, u, totals[string(k)])
		}
		return bad == nil
	})
	if bad == nil && seen != len(totals) {
		bad = fmt.Errorf("%d service weight totals for %d services with weights", seen, len(totals))
	}
	return bad
}

func addBytes(sum num.Int, v []byte) (num.Int, error) {
	x, err := num.IntFromBytes(v)
	if err != nil {
		return sum, err
	}
	return sum.Add(x)
}

func parseWeightKey(k []byte) (account.Address, string, string, error) {
	op, rest, err := addrPart(k, k[len(prefixWeight):])
	if err != nil {
		return op, "", "", err
	}
	asset, svc, ok := splitLP(rest)
	if !ok {
		return op, "", "", fmt.Errorf("%w: weight key %q", state.ErrCorrupt, k)
	}
	return op, asset, svc, nil
}

func freshWeight(r store.Reader, op account.Address, asset, svc string) (num.Int, error) {
	vv, err := vaultOf(r, op, asset)
	if err != nil {
		return num.Int{}, err
	}
	a := vv.asset
	if a.Kind == KindNative {
		if vv.tokens, err = state.LoadAmount(r, nativeBasisKey(op)); err != nil {
			return num.Int{}, err
		}
	}
	al, _, err := loadAlloc(r, op, asset, svc)
	if err != nil {
		return num.Int{}, err
	}
	return weightOf(vv, al.Mag)
}

func checkWeight(r store.Reader, op account.Address, asset, svc string, v []byte) error {
	stored, err := num.IntFromBytes(v)
	if err != nil {
		return err
	}
	want, err := freshWeight(r, op, asset, svc)
	if err != nil {
		return err
	}
	if stored.IsZero() || !stored.Eq(want) {
		return fmt.Errorf("weight of %s in %s/%s is %s, its stake is %s", op, svc, asset, stored, want)
	}
	return nil
}

func checkAllocWeighted(r store.Reader, k []byte) error {
	op, rest, err := addrPart(k, k[len(prefixAlloc):])
	if err != nil {
		return err
	}
	asset, svc, ok := splitLP(rest)
	if !ok {
		return fmt.Errorf("%w: allocation key %q", state.ErrCorrupt, k)
	}
	want, err := freshWeight(r, op, asset, svc)
	if err != nil || want.IsZero() {
		return err
	}
	if _, has := r.Get(weightKey(op, asset, svc)); !has {
		return fmt.Errorf("allocation of %s to %s in %s carries %s but has no weight", op, svc, asset, want)
	}
	return nil
}

// streamBooks is one stream's exact accounting, in 1e-36 base units.
type streamBooks struct{ credited, held *big.Int }

// checkRewardStreams: per (service, denom), every program's books hold,
// and what programs credited equals exactly what was paid plus everything
// pending at every level plus every carried remainder (1e-36 units); the
// rewards account holds exactly the programs' unemitted and unrefunded
// amounts plus what streams credited and did not pay.
func checkRewardStreams(r store.Reader) error {
	books := map[string]*streamBooks{} // keyed lookups; compared in key order of the programs
	liabilities := map[string]*big.Int{}
	var order []string
	var denoms []string
	book := func(svc, denom string) *streamBooks {
		k := string(streamPaidKey(svc, denom))
		if books[k] == nil {
			books[k] = &streamBooks{new(big.Int), new(big.Int)}
			order = append(order, k)
		}
		return books[k]
	}
	owe := func(denom string, x *big.Int) {
		if liabilities[denom] == nil {
			liabilities[denom] = new(big.Int)
			denoms = append(denoms, denom)
		}
		liabilities[denom].Add(liabilities[denom], x)
	}
	var bad error
	store.IteratePrefix(r, prefixProgram, false, func(k, v []byte) bool {
		var pg Program
		if bad = state.Decode(k, v, &pg); bad == nil {
			bad = pg.check()
		}
		if bad != nil {
			return false
		}
		b := book(pg.Service, pg.Denom)
		b.credited.Add(b.credited, scaleUp(pg.Credited))
		owed, err := pg.owed()
		bad = err
		owe(pg.Denom, owed.Big())
		owe(pg.Denom, pg.Credited.Big())
		return bad == nil
	})
	if bad != nil {
		return bad
	}
	if err := addHeld(r, book, owe); err != nil {
		return err
	}
	for _, k := range order {
		if b := books[k]; b.credited.Cmp(b.held) != 0 {
			return fmt.Errorf("reward stream %q credited %s e-36 but accounts for %s e-36", k, b.credited, b.held)
		}
	}
	for _, d := range denoms {
		bal, err := bank.Balance(r, RewardsAccount, d)
		if err != nil {
			return err
		}
		if bal.Big().Cmp(liabilities[d]) != 0 {
			return fmt.Errorf("rewards account holds %s%s, its programs and streams account for %s", bal, d, liabilities[d])
		}
	}
	return nil
}

func scaleUp(x num.Int) *big.Int { return new(big.Int).Mul(x.Big(), rewards.Scale.Big()) }

// addHeld adds, per stream, everything paid, pending or carried.
func addHeld(r store.Reader, book func(svc, denom string) *streamBooks, owe func(string, *big.Int)) error {
	var bad error
	store.IteratePrefix(r, prefixStreamPaid, false, func(k, v []byte) bool {
		svc, denom, ok := splitLP(k[len(prefixStreamPaid):])
		paid, err := num.IntFromBytes(v)
		if !ok || err != nil {
			bad = fmt.Errorf("%w: paid record %q", state.ErrCorrupt, k)
			return false
		}
		b := book(svc, denom)
		b.held.Add(b.held, scaleUp(paid))
		owe(denom, new(big.Int).Neg(paid.Big()))
		return true
	})
	if bad != nil {
		return bad
	}
	sets := setCache{}
	store.IteratePrefix(r, prefixSvcAcc, false, func(k, v []byte) bool {
		bad = addServiceAcc(r, sets, book, k, v)
		return bad == nil
	})
	if bad != nil {
		return bad
	}
	holders, err := loadVaultHolders(r)
	if err != nil {
		return err
	}
	store.IteratePrefix(r, prefixStreamSet, false, func(k, v []byte) bool {
		bad = addStreamSet(r, holders, book, k, v)
		return bad == nil
	})
	if bad != nil {
		return bad
	}
	store.IteratePrefix(r, prefixPosStreams, false, func(k, v []byte) bool {
		bad = addPosStreams(r, book, k, v)
		return bad == nil
	})
	return bad
}

// setCache holds the vault stream records one check has read (keyed
// lookups only).
type setCache map[string]*streamSet

func (c setCache) get(r store.Reader, op account.Address, asset string) (*streamSet, error) {
	key := string(streamSetKey(op, asset))
	if set, ok := c[key]; ok {
		return set, nil
	}
	set, err := loadStreamSet(r, op, asset, nil)
	if err != nil {
		return nil, err
	}
	c[key] = &set
	return &set, nil
}

func addServiceAcc(r store.Reader, sets setCache, book func(svc, denom string) *streamBooks, k, v []byte) error {
	svc, rest, ok := splitLP(k[len(prefixSvcAcc):])
	var asset, denom string
	if ok {
		asset, denom, ok = splitLP([]byte(rest))
	}
	var sa serviceAcc
	if !ok {
		return fmt.Errorf("%w: service accumulator key %q", state.ErrCorrupt, k)
	}
	if err := state.Decode(k, v, &sa); err != nil {
		return err
	}
	b := book(svc, denom)
	b.held.Add(b.held, sa.Rem.Big())
	// Weights never collected into a stream record earned from zero.
	var bad error
	prefix := prefixWeight
	store.IteratePrefix(r, prefix, false, func(wk, wv []byte) bool {
		op, a, s, err := parseWeightKey(wk)
		if err != nil {
			bad = err
			return false
		}
		if s != svc || a != asset {
			return true
		}
		set, err := sets.get(r, op, asset)
		if err != nil {
			bad = err
			return false
		}
		if _, has := set.find(svc, denom); has {
			return true
		}
		w, _ := num.IntFromBytes(wv)
		b.held.Add(b.held, new(big.Int).Mul(w.Big(), sa.Acc.Big()))
		return true
	})
	return bad
}

// addStreamSet adds what one vault's streams hold: per stream, what its
// weight has not collected, the carried remainders, the unclaimed
// commission and what the vault's positions have not settled.
func addStreamSet(r store.Reader, holders vaultHolders, book func(svc, denom string) *streamBooks, k, v []byte) error {
	op, rest, err := addrPart(k, k[len(prefixStreamSet):])
	if err != nil {
		return err
	}
	asset, ok := parseStreamSetAsset(rest)
	if !ok {
		return fmt.Errorf("%w: vault stream key %q", state.ErrCorrupt, k)
	}
	var set streamSet
	if err := state.Decode(k, v, &set); err != nil {
		return err
	}
	for i := range set.list {
		e := &set.list[i]
		var sa serviceAcc
		if _, err := state.Load(r, serviceAccKey(e.svc, asset, e.denom), &sa); err != nil {
			return err
		}
		w, err := state.LoadAmount(r, weightKey(op, asset, e.svc))
		if err != nil {
			return err
		}
		b := book(e.svc, e.denom)
		uncollected := new(big.Int).Sub(sa.Acc.Big(), e.Snap.Big())
		if uncollected.Sign() < 0 {
			return fmt.Errorf("stream %s/%s of vault %s/%s: snapshot above its service accumulator", e.svc, e.denom, op, asset)
		}
		b.held.Add(b.held, uncollected.Mul(uncollected, w.Big()))
		for _, x := range []num.Int{e.OpRem, e.Rem} {
			b.held.Add(b.held, x.Big())
		}
		b.held.Add(b.held, scaleUp(e.Commission))
	}
	return addUnsettled(r, holders, book, op, asset, &set)
}

// addPosStreams adds what one position's streams settled and carry; the
// record belongs to a position that holds shares.
func addPosStreams(r store.Reader, book func(svc, denom string) *streamBooks, k, v []byte) error {
	staker, rest, err := addrPart(k, k[len(prefixPosStreams):])
	var op account.Address
	if err == nil {
		op, rest, err = addrPart(k, rest)
	}
	if err != nil {
		return err
	}
	if _, has := r.Get(positionKey(staker, op, string(rest))); !has {
		return fmt.Errorf("position streams %q of a position that does not exist", k)
	}
	var ps posStreams
	if err := state.Decode(k, v, &ps); err != nil {
		return err
	}
	for _, e := range ps.list {
		b := book(e.svc, e.denom)
		b.held.Add(b.held, e.Rem.Big())
		b.held.Add(b.held, scaleUp(e.Accrued))
	}
	return nil
}

// vaultHolders lists every position by vault (built once per check; the
// map is only looked up, each list is in key order).
type vaultHolders map[vaultID][]rawPosition

func loadVaultHolders(r store.Reader) (vaultHolders, error) {
	out := vaultHolders{}
	var bad error
	store.IteratePrefix(r, prefixPosition, false, func(k, v []byte) bool {
		staker, rest, err := addrPart(k, k[len(prefixPosition):])
		var x rawPosition
		if err == nil {
			x.op, rest, err = addrPart(k, rest)
		}
		if err == nil {
			err = state.Decode(k, v, &x.pos)
		}
		if bad = err; bad != nil {
			return false
		}
		x.asset, x.staker = string(rest), staker
		id := vaultID{x.op, x.asset}
		out[id] = append(out[id], x)
		return true
	})
	return out, bad
}

// addUnsettled adds what the vault's positions have earned in its streams
// and not settled: σ × (Acc − their snapshot; 0 without an entry). Every
// entry of a position names a stream of the vault.
func addUnsettled(r store.Reader, holders vaultHolders, book func(svc, denom string) *streamBooks, op account.Address, asset string, set *streamSet) error {
	for _, x := range holders[vaultID{op, asset}] {
		var ps posStreams
		key := posStreamsKey(x.staker, op, asset)
		if _, err := state.Load(r, key, &ps); err != nil {
			return err
		}
		j := 0
		for i := range set.list {
			e := &set.list[i]
			var snap num.Int
			if j < len(ps.list) && ps.list[j].svc == e.svc && ps.list[j].denom == e.denom {
				snap = ps.list[j].Snap
				j++
			}
			d := new(big.Int).Sub(e.Acc.Big(), snap.Big())
			if d.Sign() < 0 {
				return fmt.Errorf("position stream of %s in %s/%s above its accumulator", x.staker, e.svc, e.denom)
			}
			book(e.svc, e.denom).held.Add(book(e.svc, e.denom).held, d.Mul(d, x.pos.Scaled.Big()))
		}
		if j != len(ps.list) {
			return fmt.Errorf("position streams %q name a stream vault %s/%s does not have", key, op, asset)
		}
	}
	return nil
}

// checkProgramQueues: every active program waits in exactly one place (a
// start queue or the live list) and nothing closed waits anywhere.
func checkProgramQueues(r store.Reader) error {
	waiting := map[uint64]int{} // keyed lookups only
	var bad error
	for _, prefix := range [][]byte{prefixLiveProgram, prefixStartByTime, prefixStartByHeight} {
		store.IteratePrefix(r, prefix, false, func(k, _ []byte) bool {
			id, ok := state.ReadU64(k[len(k)-8:])
			if !ok {
				bad = fmt.Errorf("%w: program queue key %q", state.ErrCorrupt, k)
				return false
			}
			waiting[id]++
			return true
		})
	}
	if bad != nil {
		return bad
	}
	store.IteratePrefix(r, prefixProgram, false, func(k, v []byte) bool {
		var pg Program
		if bad = state.Decode(k, v, &pg); bad != nil {
			return false
		}
		want := 0
		if pg.Status == ProgramActive {
			want = 1
		}
		if waiting[pg.ID] != want {
			bad = fmt.Errorf("reward program %d (%s) waits in %d places", pg.ID, pg.Status, waiting[pg.ID])
		}
		delete(waiting, pg.ID)
		return bad == nil
	})
	if bad == nil && len(waiting) > 0 {
		bad = fmt.Errorf("%d queue entries name no program", len(waiting))
	}
	return bad
}
