package staking

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
	"pgregory.net/rapid"
)

// TestPropertyRandomOps drives random create/delegate/undelegate/slash/edit/
// unjail/claim/fee/vote sequences over many blocks and checks every staking
// invariant plus the bank supply invariant after each block. Every message
// runs in its own buffer, as in the chain: a rejection must name a rule and
// must not have written anything.
func TestPropertyRandomOps(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		p := testParams()
		p.Inflation = num.MustDec("0.07")
		p.UnbondingPeriod_s = 60
		p.MaxValidators = 3
		p.PowerReduction = n(10)
		p.DowntimeJail_s = 30
		p.DowntimeWindow = 6
		p.DowntimeMinSigned = num.MustDec("0.5")
		p.DoubleSignSlashFraction = rapid.SampledFrom([]num.Dec{num.MustDec("0.05"), num.MustDec("0.5"), num.OneDec()}).Draw(rt, "double_sign_fraction")
		p.DowntimeSlashFraction = rapid.SampledFrom([]num.Dec{num.MustDec("0.0001"), num.MustDec("0.3"), num.OneDec()}).Draw(rt, "downtime_fraction")
		e := newEnv(rt, p)
		actors := make([]account.Address, 6)
		for i := range actors {
			actors[i] = addr(fmt.Sprintf("actor%d", i))
			e.fund(actors[i], "1000000stake")
		}
		m := &model{e: e, rt: rt, actors: actors, hist: map[account.Address]map[int64][2]num.Int{}, times: map[int64]int64{},
			since: map[[2]account.Address]int64{}}
		m.record()
		steps := rapid.IntRange(1, 120).Draw(rt, "steps")
		for i := 0; i < steps; i++ {
			m.step()
			m.record()
		}
		e.end()
	})
}

type model struct {
	e      *env
	rt     *rapid.T
	actors []account.Address
	hist   map[account.Address]map[int64][2]num.Int // validator → height → tokens and head CumTotal after the last step in it
	times  map[int64]int64                          // height → block time
	since  map[[2]account.Address]int64             // (delegator, validator) → height its delegation was opened
}

// noteDelegation keeps since in step with the delegation's existence.
func (m *model) noteDelegation(d, v account.Address) {
	k := [2]account.Address{d, v}
	_, found, err := loadDelegation(m.e.kv, d, v)
	if err != nil {
		m.rt.Fatal(err)
	}
	_, had := m.since[k]
	switch {
	case found && !had:
		m.since[k] = m.e.height
	case !found:
		delete(m.since, k)
	}
}

// arrivedAfter is the value of every actor whose delegation to v was
// opened after height h (zero for the others).
func (m *model) arrivedAfter(v account.Address, h int64) []num.Int {
	out := make([]num.Int, len(m.actors))
	for i, a := range m.actors {
		if at, ok := m.since[[2]account.Address{a, v}]; ok && at > h {
			out[i] = m.e.tokensOf(a, v)
		}
	}
	return out
}

// record notes every validator's tokens and unbonded total (Σ initial
// amounts of its entries so far) in the current block, so the model knows
// them at the end of each past block without the token history.
func (m *model) record() {
	m.times[m.e.height] = m.e.time_s
	for _, a := range m.actors {
		v, found, err := GetValidator(m.e.kv, a)
		if err != nil {
			m.rt.Fatal(err)
		}
		if !found {
			continue
		}
		hd, err := loadHead(m.e.kv, a)
		if err != nil {
			m.rt.Fatal(err)
		}
		if m.hist[a] == nil {
			m.hist[a] = map[int64][2]num.Int{}
		}
		m.hist[a][m.e.height] = [2]num.Int{v.Tokens, hd.CumTotal}
	}
}

// bondedAt is the model's B(h): tokens at the end of block h plus the
// initial amounts of the unbonding entries v created in block h (zero
// where v did not exist yet; heights are consecutive, so h − 1 is recorded
// whenever v existed at the end of it).
func (m *model) bondedAt(v account.Address, h int64) num.Int {
	end, before := m.hist[v][h], m.hist[v][h-1]
	sum, _ := end[0].Add(end[1].SubSat(before[1]))
	return sum
}

// doubleSign slashes v for an infraction at h and checks that the supply
// drops by exactly ceil(f × B(h)), unless the validator ran out of tokens
// (then by less). The check needs h inside the unbonding window, where the
// token history is complete (older evidence is ignored by the chain).
func (m *model) doubleSign(v account.Address, h int64) {
	e, p := m.e, m.e.p
	before, found, err := GetValidator(e.kv, v)
	if err != nil {
		m.rt.Fatal(err)
	}
	// rounding: up — as slash() computes the total.
	total, _ := p.DoubleSignSlashFraction.MulIntUp(m.bondedAt(v, h))
	supply := e.supply()
	later := m.arrivedAfter(v, h)
	if !m.run("double_sign", func(ctx state.Ctx) error { return SlashDoubleSign(ctx, p, v, h) }) {
		return
	}
	drop := supply.SubSat(e.supply())
	inWindow := num.AddTime(m.times[h], p.UnbondingPeriod_s) >= e.time_s
	if !found || before.Tombstoned {
		eqInt(m.rt, "burned by a no-op slash", drop, num.Int{})
		return
	}
	if !inWindow {
		return
	}
	// SPEC §4: stake that arrived after h loses nothing.
	laterAfter := m.arrivedAfter(v, h)
	var exempt num.Int
	for i := range later {
		if laterAfter[i].LT(later[i]) {
			m.rt.Fatalf("double sign at %d lowered %s, who delegated after it, from %s to %s", h, m.actors[i], later[i], laterAfter[i])
		}
		exempt, _ = exempt.Add(laterAfter[i])
	}
	switch {
	case drop.GT(total):
		m.rt.Fatalf("double sign at %d burned %s, more than f × B(H) = %s", h, drop, total)
	case drop.LT(total) && !e.validator(v).Tokens.IsZero():
		// Only when the stake bonded at h ran out: what is left (beyond
		// rounding) belongs to lots created after h.
		if left := e.validator(v).Tokens.SubSat(m.exemptValue(v, h)); left.GT(num.NewInt(1)) {
			m.rt.Fatalf("double sign at %d burned %s, want %s (validator has %s tokens left, %s not in lots created after it)",
				h, drop, total, e.validator(v).Tokens, left)
		}
	}
}

// exemptValue is the token value of v's lots created after block h (from
// the lot tree and events, rounding down).
func (m *model) exemptValue(v account.Address, h int64) num.Int {
	val := m.e.validator(v)
	_, cut, err := bondedAndCut(m.e.kv, val, h)
	if err != nil {
		m.rt.Fatal(err)
	}
	lh, err := loadLotHead(m.e.kv, v)
	if err != nil {
		m.rt.Fatal(err)
	}
	if cut >= lh.NextLot || val.DelegatorShares.IsZero() {
		return num.Int{}
	}
	pcs, err := suffixPieces(m.e.kv, v, lh, cut)
	if err != nil {
		m.rt.Fatal(err)
	}
	e, _ := num.FromBig(new(big.Int).Quo(piecesRaw(pcs, num.Int{}), num.WAD().Big()))
	return tokensOfShares(e.Min(val.DelegatorShares), val.Tokens, val.DelegatorShares)
}

func (m *model) actor(label string) account.Address {
	return m.actors[rapid.IntRange(0, len(m.actors)-1).Draw(m.rt, label)]
}

func (m *model) amount(label string) string {
	return fmt.Sprintf("%dstake", rapid.SampledFrom([]uint64{0, 1, 7, 100, 999, 5000, 200000, 2000000}).Draw(m.rt, label))
}

// run executes one message in a buffer and applies it only on success.
func (m *model) run(what string, f func(ctx state.Ctx) error) bool {
	ov := store.NewOverlay(m.e.kv)
	var events []state.Event
	err := f(m.e.ctx().WithKV(ov, &events))
	if err == nil {
		ov.WriteTo(m.e.kv)
		return true
	}
	if state.RuleOf(err) == "" {
		m.rt.Fatalf("%s: non-rule error %v", what, err)
	}
	if ov.Len() != 0 {
		m.rt.Fatalf("%s: rejected (%v) after writing %d keys", what, err, ov.Len())
	}
	return false
}

// othersValue is the token value of every other actor's delegation to v.
func (m *model) othersValue(v, self account.Address) []num.Int {
	out := make([]num.Int, len(m.actors))
	for i, a := range m.actors {
		if a != self {
			out[i] = m.e.tokensOf(a, v)
		}
	}
	return out
}

// checkOthers: share rounding always favours those who stay.
func (m *model) checkOthers(what string, v, self account.Address, before []num.Int) {
	after := m.othersValue(v, self)
	for i := range before {
		if after[i].LT(before[i]) {
			m.rt.Fatalf("%s by %s lowered %s's stake from %s to %s", what, self, m.actors[i], before[i], after[i])
		}
	}
}

func (m *model) step() {
	e, p := m.e, m.e.p
	switch rapid.IntRange(0, 10).Draw(m.rt, "op") {
	case 0:
		a := m.actor("creator")
		msg := &tx.MsgCreateValidator{Operator: a.String(), ConsPubKey: consPub(a.String()), SelfDelegation: m.amount("self"),
			Commission: rapid.SampledFrom([]string{"0", "0.05", "0.5", "1", "1.5"}).Draw(m.rt, "commission")}
		if m.run("create", func(ctx state.Ctx) error { return HandleCreateValidator(ctx, p, a, msg) }) {
			m.noteDelegation(a, a)
		}
	case 1, 2:
		d, v := m.actor("delegator"), m.actor("validator")
		msg := &tx.MsgDelegate{Delegator: d.String(), Validator: v.String(), Amount: m.amount("amount")}
		before := m.othersValue(v, d)
		if m.run("delegate", func(ctx state.Ctx) error { return HandleDelegate(ctx, p, d, msg) }) {
			m.checkOthers("delegate", v, d, before)
			m.noteDelegation(d, v)
		}
	case 3, 4:
		d, v := m.actor("delegator"), m.actor("validator")
		amount := m.amount("amount")
		if rapid.Bool().Draw(m.rt, "all") {
			amount = e.tokensOf(d, v).String() + "stake"
		}
		msg := &tx.MsgUndelegate{Delegator: d.String(), Validator: v.String(), Amount: amount}
		before := m.othersValue(v, d)
		if m.run("undelegate", func(ctx state.Ctx) error { return HandleUndelegate(ctx, p, d, msg) }) {
			m.checkOthers("undelegate", v, d, before)
			m.noteDelegation(d, v)
		}
	case 5:
		v := m.actor("validator")
		h := rapid.Int64Range(max(1, e.height-10), e.height).Draw(m.rt, "infraction_height")
		m.doubleSign(v, h)
	case 6:
		v := m.actor("validator")
		m.run("downtime", func(ctx state.Ctx) error { return SlashDowntime(ctx, p, v) })
	case 7:
		v := m.actor("validator")
		msg := &tx.MsgEditValidator{Operator: v.String(), Commission: rapid.SampledFrom([]string{"", "0", "0.01", "0.06"}).Draw(m.rt, "commission")}
		m.run("edit", func(ctx state.Ctx) error { return HandleEditValidator(ctx, p, v, msg) })
	case 8:
		v := m.actor("validator")
		m.run("unjail", func(ctx state.Ctx) error { return HandleUnjail(ctx, p, v, &tx.MsgUnjail{Validator: v.String()}) })
	case 9:
		a := m.actor("claimer")
		m.run("claim", func(ctx state.Ctx) error {
			return HandleClaimRewards(ctx, p, a, &tx.MsgClaimRewards{Account: a.String()})
		})
		if rapid.Bool().Draw(m.rt, "fee") {
			e.fund(auth.FeeCollector, m.amount("fee_amount")+",1usdc")
		}
	default:
		dt := rapid.SampledFrom([]int64{0, 1, 5, 30, 3600, 200000}).Draw(m.rt, "dt")
		e.next(dt, BlockInfo{Votes: m.votes()})
	}
}

// votes signs for a random subset of the current set (nil sometimes).
func (m *model) votes() []Vote {
	if rapid.Bool().Draw(m.rt, "no_commit_info") {
		return nil
	}
	set, err := loadSet(m.e.kv)
	if err != nil {
		m.rt.Fatal(err)
	}
	out := make([]Vote, 0, len(set.Members))
	for _, mem := range set.Members {
		out = append(out, Vote{ConsAddr: mem.ConsAddr, Signed: rapid.Bool().Draw(m.rt, "signed")})
	}
	return out
}

// TestPropertyArbitraryInput feeds arbitrary field values to every handler:
// each call succeeds or fails with a named rule, never panics, and a
// rejection writes nothing.
func TestPropertyArbitraryInput(t *testing.T) {
	base := rejectionEnv(t)
	validAddrs := []string{addr("v1").String(), addr("d").String(), addr("nobody").String()}
	rapid.Check(t, func(rt *rapid.T) {
		field := func(label string) string {
			return rapid.OneOf(
				rapid.SampledFrom(append(validAddrs, "", "0stake", "1stake", "100stake", "0.5", "1", "-1", "1e3stake", "99999999999999999999999999999999999999999999999999999999999999999999999999999999stake")),
				rapid.String(),
			).Draw(rt, label)
		}
		signer := addr(rapid.SampledFrom([]string{"v1", "d", "nobody"}).Draw(rt, "signer"))
		pub := rapid.SliceOfN(rapid.Byte(), 0, 40).Draw(rt, "pub")
		p := base.p
		var f func(ctx state.Ctx) error
		switch rapid.IntRange(0, 5).Draw(rt, "msg") {
		case 0:
			msg := &tx.MsgCreateValidator{Operator: field("op"), ConsPubKey: pub, SelfDelegation: field("amt"), Commission: field("rate"), Moniker: field("moniker")}
			f = func(ctx state.Ctx) error { return HandleCreateValidator(ctx, p, signer, msg) }
		case 1:
			msg := &tx.MsgEditValidator{Operator: field("op"), Commission: field("rate"), Moniker: field("moniker")}
			f = func(ctx state.Ctx) error { return HandleEditValidator(ctx, p, signer, msg) }
		case 2:
			msg := &tx.MsgDelegate{Delegator: field("del"), Validator: field("val"), Amount: field("amt")}
			f = func(ctx state.Ctx) error { return HandleDelegate(ctx, p, signer, msg) }
		case 3:
			msg := &tx.MsgUndelegate{Delegator: field("del"), Validator: field("val"), Amount: field("amt")}
			f = func(ctx state.Ctx) error { return HandleUndelegate(ctx, p, signer, msg) }
		case 4:
			msg := &tx.MsgUnjail{Validator: field("val")}
			f = func(ctx state.Ctx) error { return HandleUnjail(ctx, p, signer, msg) }
		default:
			msg := &tx.MsgClaimRewards{Account: field("acct")}
			f = func(ctx state.Ctx) error { return HandleClaimRewards(ctx, p, signer, msg) }
		}
		ov := store.NewOverlay(base.kv)
		err := f(base.ctx().WithKV(ov, nil))
		if err != nil && state.RuleOf(err) == "" {
			rt.Fatalf("non-rule error %v", err)
		}
		if err != nil && ov.Len() != 0 {
			rt.Fatalf("rejected (%v) after writing %d keys", err, ov.Len())
		}
	})
}
