package staking

import (
	"bytes"
	"strings"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

func TestCreateValidatorAndSet(t *testing.T) {
	e := newEnv(t, testParams())
	op := e.createValidator("v1", 1000, "0.1")
	v := e.validator(op)
	eqInt(t, "tokens", v.Tokens, n(1000))
	eqInt(t, "shares", v.DelegatorShares, n(1000))
	eqInt(t, "self-delegation", e.tokensOf(op, op), n(1000))
	eqInt(t, "operator balance", e.balance(op), n(0))
	eqInt(t, "bonded pool", e.balance(BondedPool), n(1000))
	if v.Status != StatusUnbonded {
		t.Fatalf("status before EndBlock = %s", v.Status)
	}
	if got, found, err := ValidatorByConsAddr(e.kv, consAddress(consPub("v1"))); err != nil || !found || got.Operator != op {
		t.Fatalf("cons index: %v %v", found, err)
	}
	ups := e.next(5, BlockInfo{})
	if len(ups) != 1 || ups[0].Power != 1000 || !bytes.Equal(ups[0].ConsPubKey, consPub("v1")) {
		t.Fatalf("updates = %+v", ups)
	}
	if e.validator(op).Status != StatusBonded {
		t.Fatal("validator not bonded after EndBlock")
	}
	set, err := ActiveSet(e.kv)
	if err != nil || len(set) != 1 || set[0].Power != 1000 {
		t.Fatalf("active set = %+v, %v", set, err)
	}
	if ups := e.next(5, BlockInfo{}); len(ups) != 0 {
		t.Fatalf("no change should send no updates, got %+v", ups)
	}
}

func TestGenesisValidators(t *testing.T) {
	p := testParams()
	e := &env{t: t, kv: newMemWithParams(t, p), p: p, height: 1, time_s: genesisTime_s}
	vals := []GenesisValidator{
		{Operator: addr("g1"), ConsPubKey: consPub("g1"), SelfDelegation: n(500), Commission: num.MustDec("0.05"), Moniker: "g1"},
		{Operator: addr("g2"), ConsPubKey: consPub("g2"), SelfDelegation: n(700), Commission: num.MustDec("0.05"), Moniker: "g2"},
	}
	e.fund(addr("g1"), "500stake")
	e.fund(addr("g2"), "700stake")
	if err := InitGenesis(e.genesisCtx(), p, vals); err != nil {
		t.Fatal(err)
	}
	set, err := ActiveSet(e.kv)
	if err != nil || len(set) != 2 || set[0].Power != 700 || set[1].Power != 500 {
		t.Fatalf("genesis set = %+v, %v", set, err)
	}
	e.checkInvariants()
	e.begin(BlockInfo{})
	if ups := e.end(); len(ups) != 0 {
		t.Fatalf("first block re-sent genesis set: %+v", ups)
	}
}

func TestActiveSetSelection(t *testing.T) {
	p := testParams()
	p.MaxValidators = 2
	p.PowerReduction = n(10)
	e := newEnv(t, p)
	a := e.createValidator("a", 100, "0")
	b := e.createValidator("b", 300, "0")
	c := e.createValidator("c", 200, "0")
	e.createValidator("d", 9, "0") // power 0: never active
	ups := e.next(5, BlockInfo{})
	want := map[string]int64{string(consPub("b")): 30, string(consPub("c")): 20}
	if len(ups) != 2 {
		t.Fatalf("updates = %+v", ups)
	}
	for _, u := range ups {
		if want[string(u.ConsPubKey)] != u.Power {
			t.Fatalf("update %+v unexpected", u)
		}
	}
	if bytes.Compare(ups[0].ConsPubKey, ups[1].ConsPubKey) >= 0 {
		t.Fatal("updates not sorted by key")
	}
	// a overtakes c: c removed with power 0, a added.
	e.fund(addr("x"), "150stake")
	e.delegate(addr("x"), a, 150)
	ups = e.next(5, BlockInfo{})
	got := map[string]int64{}
	for _, u := range ups {
		got[string(u.ConsPubKey)] = u.Power
	}
	if len(ups) != 2 || got[string(consPub("a"))] != 25 || got[string(consPub("c"))] != 0 {
		t.Fatalf("updates = %+v", ups)
	}
	if e.validator(c).Status != StatusUnbonded || e.validator(b).Status != StatusBonded {
		t.Fatal("statuses not updated")
	}
	// A tie in tokens is broken by operator address bytes.
	e.fund(addr("y"), "50stake")
	e.delegate(addr("y"), c, 50) // c = 250 = a
	e.next(5, BlockInfo{})
	set, _ := loadSet(e.kv)
	first := a
	if bytes.Compare(c[:], a[:]) < 0 {
		first = c
	}
	if set.Members[1].Operator != first {
		t.Fatalf("tie broken wrongly: %s", set.Members[1].Operator)
	}
}

func TestClampPowers(t *testing.T) {
	huge := num.MustInt("1000000000000000000000") // 1e21 each, sum way above 2^60
	out := clampPowers([]num.Int{huge, huge, n(1)})
	var sum int64
	for _, p := range out {
		sum += p
	}
	if sum > maxTotalPower || out[0] != out[1] || out[2] != 1 {
		t.Fatalf("clamped = %v (sum %d)", out, sum)
	}
	if got := clampPowers([]num.Int{n(5), n(7)}); got[0] != 5 || got[1] != 7 {
		t.Fatalf("unclamped = %v", got)
	}
}

func TestEditValidator(t *testing.T) {
	e := newEnv(t, testParams())
	op := e.createValidator("v1", 1000, "0.10")
	e.time_s += 86400
	m := &tx.MsgEditValidator{Operator: op.String(), Commission: "0.11", Moniker: "renamed"}
	if err := HandleEditValidator(e.ctx(), e.p, op, m); err != nil {
		t.Fatal(err)
	}
	v := e.validator(op)
	if !v.Commission.Eq(num.MustDec("0.11")) || v.Moniker != "renamed" || v.CommissionChanged_s != e.time_s {
		t.Fatalf("edited = %+v", v)
	}
	// Moniker-only edits are not rate limited.
	if err := HandleEditValidator(e.ctx(), e.p, op, &tx.MsgEditValidator{Operator: op.String(), Moniker: "again"}); err != nil {
		t.Fatal(err)
	}
	e.time_s += 86400
	if err := HandleEditValidator(e.ctx(), e.p, op, &tx.MsgEditValidator{Operator: op.String(), Commission: "0.10"}); err != nil {
		t.Fatal(err)
	}
}

func TestUndelegateClosesDelegation(t *testing.T) {
	e := newEnv(t, testParams())
	op := e.createValidator("v1", 1000, "0")
	d := addr("d")
	e.fund(d, "500stake")
	e.delegate(d, op, 500)
	e.next(5, BlockInfo{})
	e.undelegate(d, op, 500)
	if _, found, _ := GetDelegation(e.kv, d, op); found {
		t.Fatal("delegation not removed")
	}
	ubs, err := UnbondingsOf(e.kv, d)
	if err != nil || len(ubs) != 1 || !ubs[0].Balance.Eq(n(500)) {
		t.Fatalf("unbondings = %+v, %v", ubs, err)
	}
	// The operator may empty its own self-delegation; the validator keeps existing.
	e.undelegate(op, op, 1000)
	v := e.validator(op)
	eqInt(t, "tokens", v.Tokens, n(0))
	eqInt(t, "shares", v.DelegatorShares, n(0))
	e.next(5, BlockInfo{})
	// An emptied (not slashed) validator takes delegations again at 1:1.
	e.fund(d, "10stake")
	e.delegate(d, op, 10)
	eqInt(t, "shares", e.validator(op).DelegatorShares, n(10))
	e.next(5, BlockInfo{})
}

func TestUndelegateDustClosesAtFullValue(t *testing.T) {
	e := newEnv(t, testParams())
	op := e.createValidator("v1", 3, "0")
	e.setParams(func(p *params.Params) { p.DowntimeSlashFraction = num.MustDec("0.5") })
	if err := SlashDowntime(e.ctx(), e.p, op); err != nil { // 3 → 1 token, 3 shares
		t.Fatal(err)
	}
	e.next(5, BlockInfo{})
	// ceil(1·3/1) = 3 shares = the whole delegation: it closes and takes all its value.
	e.undelegate(op, op, 1)
	v := e.validator(op)
	if !v.Tokens.IsZero() || !v.DelegatorShares.IsZero() {
		t.Fatalf("left tokens %s shares %s", v.Tokens, v.DelegatorShares)
	}
	e.next(5, BlockInfo{})
}

func TestUnjailAfterDowntime(t *testing.T) {
	e := newEnv(t, testParams())
	op := e.createValidator("v1", 100000, "0")
	e.createValidator("v2", 100000, "0")
	e.next(5, BlockInfo{})
	if err := SlashDowntime(e.ctx(), e.p, op); err != nil {
		t.Fatal(err)
	}
	v := e.validator(op)
	until := e.time_s + int64(e.p.DowntimeJail_s)
	if !v.Jailed || v.JailedUntil_s != until {
		t.Fatalf("jailed=%v until=%d want %d", v.Jailed, v.JailedUntil_s, until)
	}
	eqInt(t, "tokens after 0.01% slash", v.Tokens, n(99990))
	ups := e.next(5, BlockInfo{})
	if len(ups) != 1 || ups[0].Power != 0 {
		t.Fatalf("jailed validator not removed: %+v", ups)
	}
	unjail := &tx.MsgUnjail{Validator: op.String()}
	err := HandleUnjail(e.ctx(), e.p, op, unjail)
	if state.RuleOf(err) != "unjail-too-early" || !strings.Contains(err.Error(), "595s remaining") {
		t.Fatalf("early unjail: %v", err)
	}
	e.time_s = until
	if err := HandleUnjail(e.ctx(), e.p, op, unjail); err != nil {
		t.Fatal(err)
	}
	ups = e.next(5, BlockInfo{})
	if len(ups) != 1 || ups[0].Power != 99990 {
		t.Fatalf("unjailed validator not back: %+v", ups)
	}
}

func TestClaimRewardsMessage(t *testing.T) {
	e := newEnv(t, testParams())
	op := e.createValidator("v1", 1000, "0.1")
	e.next(5, BlockInfo{})
	e.fund(auth.FeeCollector, "1000stake")
	e.next(5, BlockInfo{})
	if err := HandleClaimRewards(e.ctx(), e.p, op, &tx.MsgClaimRewards{Account: op.String()}); err != nil {
		t.Fatal(err)
	}
	eqInt(t, "claimed", e.balance(op), n(1000))
	eqInt(t, "pending after claim", e.pending(op), n(0))
	got, err := ClaimRewards(e.ctx(), e.p, op)
	if err != nil || !got.IsZero() {
		t.Fatalf("second claim = %v, %v", got, err)
	}
	e.next(5, BlockInfo{})
}

// rejection is one message that must fail with rule and change nothing.
type rejection struct {
	name  string
	setup func(e *env) // optional, after the base setup
	run   func(e *env) error
	rule  string
}

// Base state for rejections: validator v1 (op1, 1000 self, 10%), delegator
// d funded with 1000 and delegated 100 to v1, one block ended.
func rejectionEnv(t *testing.T) *env {
	e := newEnv(t, testParams())
	e.createValidator("v1", 1000, "0.1")
	e.fund(addr("d"), "1000stake")
	e.delegate(addr("d"), addr("v1"), 100)
	e.next(5, BlockInfo{})
	return e
}

func createMsg(label, self, commission string) *tx.MsgCreateValidator {
	return &tx.MsgCreateValidator{Operator: addr(label).String(), ConsPubKey: consPub(label), SelfDelegation: self, Commission: commission}
}

func TestRejections(t *testing.T) {
	op1, d, other := addr("v1"), addr("d"), addr("nobody")
	create := func(signer account.Address, m *tx.MsgCreateValidator) func(e *env) error {
		return func(e *env) error { return HandleCreateValidator(e.ctx(), e.p, signer, m) }
	}
	edit := func(signer account.Address, commission, moniker string) func(e *env) error {
		return func(e *env) error {
			return HandleEditValidator(e.ctx(), e.p, signer, &tx.MsgEditValidator{Operator: op1.String(), Commission: commission, Moniker: moniker})
		}
	}
	del := func(signer, delegator, val account.Address, amount string) func(e *env) error {
		return func(e *env) error {
			return HandleDelegate(e.ctx(), e.p, signer, &tx.MsgDelegate{Delegator: delegator.String(), Validator: val.String(), Amount: amount})
		}
	}
	undel := func(signer, delegator, val account.Address, amount string) func(e *env) error {
		return func(e *env) error {
			return HandleUndelegate(e.ctx(), e.p, signer, &tx.MsgUndelegate{Delegator: delegator.String(), Validator: val.String(), Amount: amount})
		}
	}
	unjail := func(signer, val account.Address) func(e *env) error {
		return func(e *env) error { return HandleUnjail(e.ctx(), e.p, signer, &tx.MsgUnjail{Validator: val.String()}) }
	}
	fundV2 := func(e *env) { e.fund(addr("v2"), "1000stake") }
	withV2 := func(m *tx.MsgCreateValidator, f func(m *tx.MsgCreateValidator)) *tx.MsgCreateValidator {
		f(m)
		return m
	}
	jailV1 := func(e *env) {
		if err := SlashDowntime(e.ctx(), e.p, op1); err != nil {
			e.t.Fatal(err)
		}
	}
	tombV1 := func(e *env) {
		if err := SlashDoubleSign(e.ctx(), e.p, op1, e.height); err != nil {
			e.t.Fatal(err)
		}
	}
	overflow := "115792089237316195423570985008687907853269984665640564039457584007913129639936stake" // 2^256

	cases := []rejection{
		// create_validator
		{name: "create/wrong-signer", setup: fundV2, run: create(other, createMsg("v2", "10stake", "0.1")), rule: "wrong-signer"},
		{name: "create/bad-operator", run: create(other, &tx.MsgCreateValidator{Operator: "rst1bogus"}), rule: "bad-address"},
		{name: "create/duplicate-operator", setup: func(e *env) { e.fund(op1, "10stake") },
			run: create(op1, withV2(createMsg("v1", "10stake", "0.1"), func(m *tx.MsgCreateValidator) { m.ConsPubKey = consPub("fresh") })), rule: "validator-exists"},
		{name: "create/duplicate-cons-key", setup: fundV2,
			run: create(addr("v2"), withV2(createMsg("v2", "10stake", "0.1"), func(m *tx.MsgCreateValidator) { m.ConsPubKey = consPub("v1") })), rule: "cons-key-in-use"},
		{name: "create/short-cons-key", setup: fundV2,
			run: create(addr("v2"), withV2(createMsg("v2", "10stake", "0.1"), func(m *tx.MsgCreateValidator) { m.ConsPubKey = []byte{1, 2, 3} })), rule: "bad-cons-pubkey"},
		{name: "create/commission-above-one", setup: fundV2, run: create(addr("v2"), createMsg("v2", "10stake", "1.01")), rule: "bad-commission"},
		{name: "create/commission-malformed", setup: fundV2, run: create(addr("v2"), createMsg("v2", "10stake", "-0.1")), rule: "bad-commission"},
		{name: "create/zero-self-delegation", setup: fundV2, run: create(addr("v2"), createMsg("v2", "0stake", "0.1")), rule: "bad-amount"},
		{name: "create/wrong-denom", setup: fundV2, run: create(addr("v2"), createMsg("v2", "10usdc", "0.1")), rule: "bad-amount"},
		{name: "create/overflowing-amount", setup: fundV2, run: create(addr("v2"), createMsg("v2", overflow, "0.1")), rule: "bad-amount"},
		{name: "create/malformed-amount", setup: fundV2, run: create(addr("v2"), createMsg("v2", "ten stake", "0.1")), rule: "bad-amount"},
		{name: "create/insufficient-funds", setup: fundV2, run: create(addr("v2"), createMsg("v2", "1001stake", "0.1")), rule: "insufficient-funds"},
		{name: "create/moniker-too-long", setup: fundV2,
			run: create(addr("v2"), withV2(createMsg("v2", "10stake", "0.1"), func(m *tx.MsgCreateValidator) { m.Moniker = strings.Repeat("m", 65) })), rule: "moniker-too-long"},
		{name: "create/nil-message", run: func(e *env) error { return HandleCreateValidator(e.ctx(), e.p, op1, nil) }, rule: "bad-message"},
		// edit_validator
		{name: "edit/wrong-signer", run: edit(other, "0.1", ""), rule: "wrong-signer"},
		{name: "edit/unknown-validator", run: func(e *env) error {
			return HandleEditValidator(e.ctx(), e.p, other, &tx.MsgEditValidator{Operator: other.String(), Commission: "0.1"})
		}, rule: "unknown-validator"},
		{name: "edit/commission-change-too-large", setup: func(e *env) { e.time_s += 86400 }, run: edit(op1, "0.12", ""), rule: "commission-change-too-large"},
		{name: "edit/commission-change-too-soon", run: edit(op1, "0.11", ""), rule: "commission-change-too-soon"},
		{name: "edit/commission-above-one", run: edit(op1, "2", ""), rule: "bad-commission"},
		{name: "edit/moniker-too-long", run: edit(op1, "", strings.Repeat("m", 65)), rule: "moniker-too-long"},
		// delegate
		{name: "delegate/wrong-signer", run: del(other, d, op1, "10stake"), rule: "wrong-signer"},
		{name: "delegate/unknown-validator", run: del(d, d, other, "10stake"), rule: "unknown-validator"},
		{name: "delegate/zero", run: del(d, d, op1, "0stake"), rule: "bad-amount"},
		{name: "delegate/malformed", run: del(d, d, op1, "10 stake"), rule: "bad-amount"},
		{name: "delegate/overflowing", run: del(d, d, op1, overflow), rule: "bad-amount"},
		{name: "delegate/wrong-denom", run: del(d, d, op1, "10usdc"), rule: "bad-amount"},
		{name: "delegate/insufficient-funds", run: del(d, d, op1, "901stake"), rule: "insufficient-funds"},
		{name: "delegate/tombstoned", setup: tombV1, run: del(d, d, op1, "10stake"), rule: "validator-tombstoned"},
		{name: "delegate/fully-slashed", setup: func(e *env) {
			e.setParams(func(p *params.Params) { p.DowntimeSlashFraction = num.OneDec() })
			jailV1(e)
		}, run: del(d, d, op1, "10stake"), rule: "fully-slashed"},
		{name: "delegate/share-overflow", setup: func(e *env) {
			e.setParams(func(p *params.Params) { p.DowntimeSlashFraction = num.MustDec("0.999") })
			jailV1(e) // 1100 tokens → 1, shares stay 1100
			e.fund(addr("whale"), "1000000000000000000000000000000000000000000000000000000000000000000000000000stake")
		}, run: del(addr("whale"), addr("whale"), op1, "1000000000000000000000000000000000000000000000000000000000000000000000000000stake"),
			rule: "amount-overflow"},
		{name: "delegate/too-many-delegations", setup: func(e *env) {
			e.kv.Set(delCountKey(other), state.U64(MaxDelegationsPerAccount))
			e.fund(other, "10stake")
		}, run: del(other, other, op1, "10stake"), rule: "too-many-delegations"},
		// undelegate
		{name: "undelegate/wrong-signer", run: undel(other, d, op1, "10stake"), rule: "wrong-signer"},
		{name: "undelegate/unknown-validator", run: undel(d, d, other, "10stake"), rule: "unknown-validator"},
		{name: "undelegate/no-delegation", run: undel(other, other, op1, "10stake"), rule: "no-delegation"},
		{name: "undelegate/zero", run: undel(d, d, op1, "0stake"), rule: "bad-amount"},
		{name: "undelegate/more-than-delegated", run: undel(d, d, op1, "101stake"), rule: "insufficient-delegation"},
		{name: "undelegate/too-many-unbondings", setup: func(e *env) {
			for i := 0; i < MaxUnbondingsPerPair; i++ {
				e.undelegate(d, op1, 1)
			}
		}, run: undel(d, d, op1, "1stake"), rule: "too-many-unbondings"},
		// unjail
		{name: "unjail/wrong-signer", setup: jailV1, run: unjail(other, op1), rule: "wrong-signer"},
		{name: "unjail/unknown-validator", run: unjail(other, other), rule: "unknown-validator"},
		{name: "unjail/not-jailed", run: unjail(op1, op1), rule: "not-jailed"},
		{name: "unjail/too-early", setup: jailV1, run: unjail(op1, op1), rule: "unjail-too-early"},
		{name: "unjail/tombstoned", setup: func(e *env) { tombV1(e); e.time_s += 1 << 40 }, run: unjail(op1, op1), rule: "tombstoned"},
		{name: "unjail/no-self-delegation", setup: func(e *env) {
			jailV1(e)
			self, _ := e.tokensOf(op1, op1).Uint64()
			e.undelegate(op1, op1, self)
			e.time_s += 3600
		}, run: unjail(op1, op1), rule: "no-self-delegation"},
		// claim_rewards and injected slashes
		{name: "claim/wrong-signer", run: func(e *env) error {
			return HandleClaimRewards(e.ctx(), e.p, other, &tx.MsgClaimRewards{Account: d.String()})
		}, rule: "wrong-signer"},
		{name: "double-sign/future-height", run: func(e *env) error { return SlashDoubleSign(e.ctx(), e.p, op1, e.height+1) }, rule: "bad-infraction-height"},
		{name: "double-sign/unknown-validator", run: func(e *env) error { return SlashDoubleSign(e.ctx(), e.p, other, 1) }, rule: "unknown-validator"},
		{name: "downtime/unknown-validator", run: func(e *env) error { return SlashDowntime(e.ctx(), e.p, other) }, rule: "unknown-validator"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := rejectionEnv(t)
			if c.setup != nil {
				c.setup(e)
			}
			before := snapshot(e.kv)
			err := c.run(e)
			if got := state.RuleOf(err); got != c.rule {
				t.Fatalf("rule = %q (%v), want %q", got, err, c.rule)
			}
			if diff := sameSnapshot(before, snapshot(e.kv)); diff != "" {
				t.Fatalf("rejected message changed state: %s", diff)
			}
		})
	}
}

func newMemWithParams(t *testing.T, p params.Params) *store.Overlay {
	kv := store.NewMem()
	if err := params.Store(kv, p); err != nil {
		t.Fatal(err)
	}
	return kv
}

func TestQueries(t *testing.T) {
	e := newEnv(t, testParams())
	a := e.createValidator("a", 100, "0")
	b := e.createValidator("b", 300, "0")
	c := e.createValidator("c", 300, "0")
	d := addr("d")
	e.fund(d, "50stake")
	e.delegate(d, b, 20)
	e.delegate(d, a, 30)
	e.next(5, BlockInfo{})
	vals, err := Validators(e.kv)
	if err != nil || len(vals) != 3 {
		t.Fatalf("validators = %v, %v", vals, err)
	}
	wantFirst, wantSecond := b, c // 320 > 300; then c before a by tokens
	if vals[0].Operator != wantFirst || vals[1].Operator != wantSecond || vals[2].Operator != a {
		t.Fatalf("order = %s %s %s", vals[0].Operator, vals[1].Operator, vals[2].Operator)
	}
	dels, err := DelegationsOf(e.kv, d)
	if err != nil || len(dels) != 2 {
		t.Fatalf("delegations = %+v, %v", dels, err)
	}
	for _, x := range dels {
		want := map[account.Address]uint64{a: 30, b: 20}[x.Validator]
		if !x.Tokens.Eq(n(want)) || !x.Shares.Eq(n(want)) || x.Delegator != d {
			t.Fatalf("delegation %+v", x)
		}
	}
	got, found, err := GetDelegation(e.kv, d, b)
	if err != nil || !found || !got.Tokens.Eq(n(20)) {
		t.Fatalf("get delegation = %+v %v %v", got, found, err)
	}
	if _, found, _ := GetDelegation(e.kv, d, c); found {
		t.Fatal("phantom delegation")
	}
	if _, found, _ := GetValidator(e.kv, d); found {
		t.Fatal("phantom validator")
	}
	if ubs, err := UnbondingsOf(e.kv, d); err != nil || len(ubs) != 0 {
		t.Fatalf("unbondings = %+v %v", ubs, err)
	}
	if r, err := PendingRewards(e.kv, d); err != nil || !r.IsZero() {
		t.Fatalf("pending = %v %v", r, err)
	}
}

// ActiveOperators is the stored set's operators in rank order: validators
// outside the set (too small, or beyond max_validators) are not listed.
func TestActiveOperators(t *testing.T) {
	p := testParams()
	p.MaxValidators = 2
	p.PowerReduction = n(10)
	e := newEnv(t, p)
	if ops, err := ActiveOperators(e.kv); err != nil || len(ops) != 0 {
		t.Fatalf("empty chain: %v %v", ops, err)
	}
	e.createValidator("a", 100, "0")
	b := e.createValidator("b", 300, "0")
	c := e.createValidator("c", 200, "0")
	e.createValidator("d", 9, "0") // power 0
	if ops, err := ActiveOperators(e.kv); err != nil || len(ops) != 0 {
		t.Fatalf("before EndBlock the stored set is still empty: %v %v", ops, err)
	}
	e.next(5, BlockInfo{})
	ops, err := ActiveOperators(e.kv)
	if err != nil || len(ops) != 2 || ops[0] != b || ops[1] != c {
		t.Fatalf("active operators %v %v, want [b c]", ops, err)
	}
	e.kv.Set(keyActiveSet, []byte("short"))
	if _, err := ActiveOperators(e.kv); err == nil {
		t.Fatal("a corrupt set record must be an error")
	}
}
