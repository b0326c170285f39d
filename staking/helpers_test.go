package staking

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

const (
	genesisTime_s = int64(1_700_000_000)
	blockTime_s   = int64(5)
)

// testKey derives a deterministic ed25519 key from a fixed seed and a label.
func testKey(label string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("restaked/staking/test/" + label))
	return ed25519.NewKeyFromSeed(seed[:])
}

// addr is the account address of the test key named label.
func addr(label string) account.Address {
	return account.FromPubKey(testKey(label).Public().(ed25519.PublicKey))
}

// consPub is the consensus pubkey of validator label.
func consPub(label string) []byte {
	return append([]byte(nil), testKey("cons/"+label).Public().(ed25519.PublicKey)...)
}

// tb is what env needs from *testing.T, *testing.B and *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// env is one chain's staking state driven block by block.
type env struct {
	t      tb
	kv     *store.Overlay
	p      params.Params
	height int64
	time_s int64
	events []state.Event
}

func testParams() params.Params {
	p := params.Default()
	p.Inflation = num.ZeroDec() // exact expectations; inflation has its own test
	return p
}

// newEnv stores params and starts block 1 (BeginBlock already run).
func newEnv(t tb, p params.Params) *env {
	t.Helper()
	e := &env{t: t, kv: store.NewMem(), p: p, height: 1, time_s: genesisTime_s}
	if err := params.Store(e.kv, p); err != nil {
		t.Fatal(err)
	}
	if err := InitGenesis(e.genesisCtx(), p, nil); err != nil {
		t.Fatal(err)
	}
	e.begin(BlockInfo{})
	return e
}

func (e *env) genesisCtx() state.Ctx {
	return state.NewCtx(e.kv, 0, e.time_s, "test", &e.events)
}

func (e *env) ctx() state.Ctx { return state.NewCtx(e.kv, e.height, e.time_s, "test", &e.events) }

// setParams changes params from the next message on.
func (e *env) setParams(f func(p *params.Params)) {
	f(&e.p)
	if err := params.Store(e.kv, e.p); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) fund(a account.Address, amount string) {
	e.t.Helper()
	cs, err := coin.Parse(amount)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := bank.GenesisBalances(e.kv, a, cs); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) begin(b BlockInfo) {
	e.t.Helper()
	if _, err := BeginBlock(e.ctx(), e.p, b); err != nil {
		e.t.Fatalf("BeginBlock at %d: %v", e.height, err)
	}
}

// end runs EndBlock and checks every invariant.
func (e *env) end() []ValidatorUpdate {
	e.t.Helper()
	ups, err := EndBlock(e.ctx(), e.p)
	if err != nil {
		e.t.Fatalf("EndBlock at %d: %v", e.height, err)
	}
	e.checkInvariants()
	return ups
}

func (e *env) checkInvariants() {
	e.t.Helper()
	for _, inv := range Invariants() {
		if err := inv.Check(e.kv); err != nil {
			e.t.Fatalf("height %d: invariant %s: %v", e.height, inv.Name, err)
		}
	}
	if err := bank.SupplyInvariant(e.kv); err != nil {
		e.t.Fatalf("height %d: supply: %v", e.height, err)
	}
}

// next ends the current block and begins the one dt_s later.
func (e *env) next(dt_s int64, b BlockInfo) []ValidatorUpdate {
	e.t.Helper()
	ups := e.end()
	b.PrevTime_s = e.time_s
	e.height++
	e.time_s += dt_s
	e.begin(b)
	return ups
}

// step advances n ordinary blocks.
func (e *env) step(n int) {
	e.t.Helper()
	for i := 0; i < n; i++ {
		e.next(blockTime_s, BlockInfo{})
	}
}

// createValidator funds label's operator and creates its validator.
func (e *env) createValidator(label string, self uint64, commission string) account.Address {
	e.t.Helper()
	op := addr(label)
	e.fund(op, fmt.Sprintf("%dstake", self))
	m := &tx.MsgCreateValidator{Operator: op.String(), ConsPubKey: consPub(label),
		SelfDelegation: fmt.Sprintf("%dstake", self), Commission: commission, Moniker: label}
	if err := HandleCreateValidator(e.ctx(), e.p, op, m); err != nil {
		e.t.Fatalf("create validator %s: %v", label, err)
	}
	return op
}

func (e *env) delegate(d, op account.Address, amount uint64) {
	e.t.Helper()
	m := &tx.MsgDelegate{Delegator: d.String(), Validator: op.String(), Amount: fmt.Sprintf("%dstake", amount)}
	if err := HandleDelegate(e.ctx(), e.p, d, m); err != nil {
		e.t.Fatalf("delegate: %v", err)
	}
}

func (e *env) undelegate(d, op account.Address, amount uint64) {
	e.t.Helper()
	m := &tx.MsgUndelegate{Delegator: d.String(), Validator: op.String(), Amount: fmt.Sprintf("%dstake", amount)}
	if err := HandleUndelegate(e.ctx(), e.p, d, m); err != nil {
		e.t.Fatalf("undelegate: %v", err)
	}
}

func (e *env) balance(a account.Address) num.Int {
	e.t.Helper()
	b, err := bank.Balance(e.kv, a, "stake")
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) supply() num.Int {
	e.t.Helper()
	s, err := bank.Supply(e.kv, "stake")
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *env) validator(op account.Address) Validator {
	e.t.Helper()
	v, found, err := GetValidator(e.kv, op)
	if err != nil || !found {
		e.t.Fatalf("validator %s: found=%v err=%v", op, found, err)
	}
	return v
}

func (e *env) tokensOf(d, op account.Address) num.Int {
	e.t.Helper()
	v, err := DelegatorTokens(e.kv, d, op)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *env) pending(a account.Address) num.Int {
	e.t.Helper()
	c, err := PendingRewards(e.kv, a)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.AmountOf("stake")
}

// snapshot is every key and value of the store, in order.
func snapshot(r store.Reader) [][2][]byte {
	var out [][2][]byte
	r.Iterate(nil, nil, false, func(k, v []byte) bool {
		out = append(out, [2][]byte{append([]byte(nil), k...), append([]byte(nil), v...)})
		return true
	})
	return out
}

func sameSnapshot(a, b [][2][]byte) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d keys before, %d after", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i][0], b[i][0]) || !bytes.Equal(a[i][1], b[i][1]) {
			return fmt.Sprintf("key %q changed", a[i][0])
		}
	}
	return ""
}

func n(x uint64) num.Int { return num.NewInt(x) }

func eqInt(t tb, what string, got, want num.Int) {
	t.Helper()
	if !got.Eq(want) {
		t.Fatalf("%s = %s, want %s", what, got, want)
	}
}
