package staking

import (
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/tx"
)

// goToHeight advances ordinary blocks until the current block is h.
func (e *env) goToHeight(h int64) {
	e.t.Helper()
	for e.height < h {
		e.next(blockTime_s, BlockInfo{})
	}
}

func unbondingValues(t *testing.T, e *env, d account.Address) []uint64 {
	t.Helper()
	ubs, err := UnbondingsOf(e.kv, d)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]uint64, len(ubs))
	for i, u := range ubs {
		out[i], _ = u.Value.Uint64()
	}
	return out
}

func eqU64s(t *testing.T, what string, got, want []uint64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
	}
}

// SPEC §4: entries created at or after the infraction height are slashed,
// entries created before it are not, and stake delegated after the slash is
// not affected.
func TestSlashRespectsInfractionHeight(t *testing.T) {
	p := testParams()
	p.DoubleSignSlashFraction = num.MustDec("0.1")
	p.UnbondingPeriod_s = 1000
	e := newEnv(t, p)
	op, d := e.createValidator("v", 1000, "0"), addr("d")
	e.fund(d, "1000stake")
	e.delegate(d, op, 1000)
	e.goToHeight(5)
	e.undelegate(d, op, 100) // before H
	e.goToHeight(8)
	e.undelegate(d, op, 200) // at H
	e.goToHeight(10)
	e.undelegate(d, op, 300) // after H
	e.goToHeight(12)
	supply := e.supply()
	if err := SlashDoubleSign(e.ctx(), e.p, op, 8); err != nil {
		t.Fatal(err)
	}
	eqInt(t, "tokens", e.validator(op).Tokens, n(1260)) // 1400 − ceil(140)
	eqU64s(t, "unbonding values", unbondingValues(t, e, d), []uint64{100, 180, 270})
	eqInt(t, "burned", supply.SubSat(e.supply()), n(140+50))
	h, _ := loadHead(e.kv, op)
	eqInt(t, "held", h.Held, n(550))
	if !e.validator(op).Tombstoned || !e.validator(op).Jailed {
		t.Fatal("double sign must tombstone")
	}
	ups := e.next(5, BlockInfo{})
	if len(ups) != 1 || ups[0].Power != 0 {
		t.Fatalf("tombstoned validator not removed: %+v", ups)
	}
	// Stake delegated after the slash keeps its value (within share rounding).
	v2 := e.createValidator("v2", 1000, "0")
	e.goToHeight(14)
	if err := SlashDowntime(e.ctx(), e.p, v2); err != nil { // default 0.0001
		t.Fatal(err)
	}
	x := addr("x")
	e.fund(x, "1000stake")
	e.delegate(x, v2, 1000)
	e.next(5, BlockInfo{})
	if got := e.tokensOf(x, v2); got.LT(n(999)) {
		t.Fatalf("late delegation worth %s", got)
	}
	// Entries pay their slashed values exactly once.
	for i := 0; i < 300; i++ {
		e.next(5, BlockInfo{})
	}
	eqInt(t, "paid out", e.balance(d), n(550))
	h, _ = loadHead(e.kv, op)
	eqInt(t, "held after payout", h.Held, n(0))
	if segs, _ := loadSegments(e.kv, op); len(segs) != 0 {
		t.Fatalf("segments not pruned: %+v", segs)
	}
}

func TestOverlappingSlashes(t *testing.T) {
	p := testParams()
	p.DowntimeSlashFraction = num.MustDec("0.5")
	p.DowntimeJail_s = 0
	p.UnbondingPeriod_s = 100000
	e := newEnv(t, p)
	op, d := e.createValidator("v", 10000, "0"), addr("d")
	e.fund(d, "10000stake")
	e.delegate(d, op, 10000)
	e.goToHeight(3)
	e.undelegate(d, op, 1000)
	e.undelegate(d, op, 1000)
	e.goToHeight(4)
	e.undelegate(d, op, 1000)
	// Double sign at H=4 later; first a downtime slash at height 4 covers the
	// entry created at 4 only.
	if err := SlashDowntime(e.ctx(), e.p, op); err != nil {
		t.Fatal(err)
	}
	eqU64s(t, "after downtime", unbondingValues(t, e, d), []uint64{1000, 1000, 500})
	if err := unjailFor(e, op); err != nil {
		t.Fatal(err)
	}
	e.goToHeight(6)
	e.undelegate(d, op, 700)
	e.setParams(func(p *params.Params) { p.DoubleSignSlashFraction = num.MustDec("0.1") })
	if err := SlashDoubleSign(e.ctx(), e.p, op, 3); err != nil {
		t.Fatal(err)
	}
	eqU64s(t, "after double sign", unbondingValues(t, e, d), []uint64{900, 900, 450, 630})
	h, _ := loadHead(e.kv, op)
	eqInt(t, "held", h.Held, n(900+900+450+630))
	e.next(5, BlockInfo{})
}

func TestSlashZeroTokensAndNoEntries(t *testing.T) {
	e := newEnv(t, testParams())
	op := e.createValidator("v", 1000, "0")
	e.next(5, BlockInfo{})
	e.undelegate(op, op, 1000)
	if err := SlashDoubleSign(e.ctx(), e.p, op, 1); err != nil {
		t.Fatalf("slash of emptied validator: %v", err)
	}
	eqU64s(t, "entry created after H slashed", unbondingValues(t, e, op), []uint64{950})
	if err := SlashDoubleSign(e.ctx(), e.p, op, e.height); err != nil {
		t.Fatalf("second slash: %v", err)
	}
	e.next(5, BlockInfo{})
	lonely := e.createValidator("w", 10, "0")
	e.setParams(func(p *params.Params) { p.DowntimeSlashFraction = num.OneDec() })
	if err := SlashDowntime(e.ctx(), e.p, lonely); err != nil {
		t.Fatal(err)
	}
	eqInt(t, "fully slashed", e.validator(lonely).Tokens, n(0))
	e.time_s += 1000
	if err := SlashDoubleSign(e.ctx(), e.p, lonely, e.height); err != nil {
		t.Fatalf("slash of a zero-token validator: %v", err)
	}
	e.next(5, BlockInfo{})
}

func TestEvidenceTombstones(t *testing.T) {
	e := newEnv(t, testParams())
	op := e.createValidator("v", 1000, "0")
	e.createValidator("w", 1000, "0")
	e.goToHeight(4)
	ev := Evidence{ConsAddr: consAddress(consPub("v")), Height: 3, Time_s: e.time_s - 5}
	ups := e.next(5, BlockInfo{Evidence: []Evidence{ev, ev, {ConsAddr: []byte("junk"), Height: 1}}})
	if len(ups) != 0 {
		t.Fatalf("updates before the slash: %+v", ups)
	}
	v := e.validator(op)
	if !v.Tombstoned || !v.Jailed {
		t.Fatal("evidence did not tombstone")
	}
	eqInt(t, "slashed once", v.Tokens, n(950))
	ups = e.next(5, BlockInfo{})
	if len(ups) != 1 || ups[0].Power != 0 {
		t.Fatalf("updates = %+v", ups)
	}
	e.time_s += 1 << 30
	if err := unjailFor(e, op); state.RuleOf(err) != "tombstoned" {
		t.Fatalf("unjail tombstoned: %v", err)
	}
	// Evidence older than the unbonding period is ignored.
	w := addr("w")
	old := Evidence{ConsAddr: consAddress(consPub("w")), Height: 2, Time_s: e.time_s - int64(e.p.UnbondingPeriod_s) - 1}
	e.next(5, BlockInfo{Evidence: []Evidence{old}})
	if e.validator(w).Tombstoned {
		t.Fatal("stale evidence applied")
	}
	e.next(5, BlockInfo{})
}

func TestDowntimeFromVotes(t *testing.T) {
	p := testParams()
	p.DowntimeWindow = 10
	p.DowntimeMinSigned = num.MustDec("0.5")
	e := newEnv(t, p)
	good := e.createValidator("good", 1000, "0")
	bad := e.createValidator("bad", 1000, "0")
	half := e.createValidator("half", 1000, "0")
	e.next(5, BlockInfo{}) // all active; windows start at height 2
	votes := func(h int64) []Vote {
		return []Vote{
			{ConsAddr: consAddress(consPub("good")), Signed: true},
			{ConsAddr: consAddress(consPub("bad")), Signed: false},
			{ConsAddr: consAddress(consPub("half")), Signed: h%2 == 0},
			{ConsAddr: []byte("not a validator"), Signed: false},
		}
	}
	e.end()
	for e.height < 30 {
		e.height++
		e.time_s += 5
		e.begin(BlockInfo{PrevTime_s: e.time_s - 5, Votes: votes(e.height)})
		jailed := e.validator(bad).Jailed
		if want := e.height >= 11; jailed != want && e.height <= 11 {
			t.Fatalf("height %d: bad jailed=%v, want %v", e.height, jailed, want)
		}
		e.end()
	}
	if e.validator(half).Jailed || e.validator(good).Jailed {
		t.Fatal("validator signing ≥ min_signed was jailed")
	}
	si, _, _ := loadSignInfo(e.kv, half)
	if si.Missed != 5 {
		t.Fatalf("half missed = %d, want 5 of the last 10", si.Missed)
	}
	eqInt(t, "bad slashed", e.validator(bad).Tokens, n(1000-1)) // ceil(0.1)
	// Empty blocks (no commit info) track nothing.
	e.height++
	e.begin(BlockInfo{PrevTime_s: e.time_s})
	e.end()
}

func TestUnjailRequiresJailTime(t *testing.T) {
	e := newEnv(t, testParams())
	op := e.createValidator("v", 1000, "0")
	e.next(5, BlockInfo{})
	if err := SlashDowntime(e.ctx(), e.p, op); err != nil {
		t.Fatal(err)
	}
	before := e.validator(op).Tokens
	if err := SlashDowntime(e.ctx(), e.p, op); err != nil { // jailed: no second slash
		t.Fatal(err)
	}
	eqInt(t, "not slashed twice", e.validator(op).Tokens, before)
	until := e.validator(op).JailedUntil_s
	e.time_s = until - 1
	err := HandleUnjail(e.ctx(), e.p, op, &tx.MsgUnjail{Validator: op.String()})
	if state.RuleOf(err) != "unjail-too-early" {
		t.Fatalf("unjail at until-1: %v", err)
	}
	e.time_s = until
	if err := unjailFor(e, op); err != nil {
		t.Fatal(err)
	}
	e.next(5, BlockInfo{})
}
