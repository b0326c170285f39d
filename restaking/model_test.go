package restaking_test

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/tx"
	"pgregory.net/rapid"
)

// model is the straightforward reference: it keeps every staker's stake
// and every queued withdrawal as an exact rational and multiplies each of
// them on every slash (iterating stakers, which the chain never does).
type model struct {
	active  map[string]*big.Rat
	wds     []modelWd // by id − 1
	ops     map[string]int
	pending []modelReq // slash requests of service b (it has a resolver)
}

type modelReq struct {
	id          uint64
	requested_s int64
}

type modelWd struct {
	staker string
	amount *big.Rat
	shares *big.Rat // amount / maxMagnitude at queue time: a slash of sm takes shares · sm
	due_s  int64
	done   bool
	hits   int // slashes that reached it
}

func rat(v num.Int) *big.Rat { return new(big.Rat).SetInt(v.Big()) }

// slash applies a slash executed now and requested at requested_s that
// took sm = before − after of the magnitude: every staker's stake falls in
// proportion, and every withdrawal not due by the request loses its
// shares · sm (its value may be frozen at a higher magnitude than now).
func (m *model) slash(requested_s int64, before, after num.Dec) {
	f := new(big.Rat).SetFrac(after.Raw().Big(), before.Raw().Big())
	for _, a := range m.active {
		a.Mul(a, f)
	}
	sm := new(big.Rat).SetFrac(new(big.Int).Sub(before.Raw().Big(), after.Raw().Big()), num.WAD().Big())
	for i := range m.wds {
		if w := &m.wds[i]; !w.done && requested_s < w.due_s {
			w.hits++
			w.amount.Sub(w.amount, new(big.Rat).Mul(w.shares, sm))
			if w.amount.Sign() < 0 {
				w.amount.SetInt64(0)
			}
		}
	}
}

var stakers = []string{"alice", "bob", "carol"}

// TestLazyAccountingMatchesModel: over random interleavings of deposits,
// withdrawals, allocations, slashes and time, the lazy accounting never
// pays or shows more than the reference model, and never more than a few
// base units less (rounding, documented in docs/ROUNDING.md). Invariants
// run after every block.
func TestLazyAccountingMatchesModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		x := newH(t, func(p *params.Params) { p.MaxRestakingDegree = 2 })
		x.t = rt
		x.ok("op", registerOperator("op", false, "2"))
		x.ok("svc", registerService("svc", "a", "usdc"))
		b := registerService("svc2", "b", "usdc")
		b.Resolver, b.VetoWindow = s("carol"), "2d"
		x.ok("svc2", b)
		x.ok("op", optIn("op", "a"), optIn("op", "b"))
		m := &model{active: map[string]*big.Rat{}, ops: map[string]int{}}
		for _, st := range stakers {
			m.active[st] = new(big.Rat)
		}
		steps := rapid.IntRange(1, 40).Draw(rt, "steps")
		for i := 0; i < steps; i++ {
			step(rt, x, m)
			compare(rt, x, m)
		}
	})
}

func step(rt *rapid.T, x *h, m *model) {
	switch rapid.IntRange(0, 6).Draw(rt, "op") {
	case 0:
		st := rapid.SampledFrom(stakers).Draw(rt, "staker")
		amt := rapid.Uint64Range(1, 50_000).Draw(rt, "amount")
		if x.deliver(st, deposit(st, "op", fmt.Sprintf("%dusdc", amt))).Code == chain.CodeOK {
			m.active[st].Add(m.active[st], new(big.Rat).SetUint64(amt))
			m.ops[st]++
		}
	case 1:
		queueSome(rt, x, m)
	case 2:
		completeOne(rt, x, m)
	case 3:
		svc := rapid.SampledFrom([]string{"a", "b"}).Draw(rt, "service")
		mag := rapid.SampledFrom([]string{"0", "0.1", "0.25", "0.5", "0.7", "1"}).Draw(rt, "magnitude")
		x.deliver("op", allocate("op", svc, "usdc", mag))
	case 4:
		slashSome(rt, x, m)
	case 5:
		resolveSome(rt, x, m)
	default:
		x.advance(rapid.SampledFrom([]int64{block_s, day_s, 7 * day_s, 15 * day_s}).Draw(rt, "dt"))
	}
}

func queueSome(rt *rapid.T, x *h, m *model) {
	st := rapid.SampledFrom(stakers).Draw(rt, "staker")
	have := x.withdrawable(st, "op", "usdc")
	if have.IsZero() {
		return
	}
	amt, _ := have.MulDivDown(num.NewInt(rapid.Uint64Range(1, 100).Draw(rt, "percent")), num.NewInt(100))
	if amt.IsZero() {
		return
	}
	before := len(m.wds)
	if x.deliver(st, queue(st, "op", amt.String()+"usdc")).Code != chain.CodeOK {
		return
	}
	out := rat(amt)
	if amt.Eq(have) { // a close-out takes the position's rounding dust too
		out = new(big.Rat).Set(m.active[st])
	}
	m.active[st].Sub(m.active[st], out)
	m.ops[st]++
	mag := x.maxMag("op", "usdc")
	shares := new(big.Rat).Quo(out, new(big.Rat).SetFrac(mag.Raw().Big(), num.WAD().Big()))
	m.wds = append(m.wds, modelWd{staker: st, amount: out, shares: shares, due_s: x.time + 14*day_s})
	if len(m.wds) != before+1 {
		rt.Fatal("withdrawal ids out of step")
	}
}

func completeOne(rt *rapid.T, x *h, m *model) {
	if len(m.wds) == 0 {
		return
	}
	id := rapid.IntRange(1, len(m.wds)).Draw(rt, "id")
	w := &m.wds[id-1]
	bal := x.balance(w.staker, "usdc")
	if r := x.deliver(w.staker, complete(w.staker, uint64(id))); r.Code != chain.CodeOK {
		if !w.done && x.time >= w.due_s && !m.holds(w.due_s) {
			rt.Fatalf("withdrawal #%d is due but did not complete: %s", id, r.Log)
		}
		return
	}
	if m.holds(w.due_s) {
		rt.Fatalf("withdrawal #%d completed while a slash requested before its due time is pending", id)
	}
	if w.done {
		rt.Fatalf("withdrawal #%d completed twice", id)
	}
	w.done = true
	paid, _ := x.balance(w.staker, "usdc").Sub(bal)
	within(rt, fmt.Sprintf("withdrawal #%d paid", id), paid, w.amount, queueTolerance(m, w))
}

func (m *model) holds(due_s int64) bool {
	for _, r := range m.pending {
		if r.requested_s < due_s {
			return true
		}
	}
	return false
}

func slashSome(rt *rapid.T, x *h, m *model) {
	f := rapid.SampledFrom([]string{"0.000001", "0.1", "0.3", "0.5", "1"}).Draw(rt, "fraction")
	if rapid.Bool().Draw(rt, "vetoable") { // service b: only a request now
		before := x.nextSlashID()
		if x.deliver("svc2", &tx.MsgSlash{Slasher: s("svc2"), Service: "b", Operator: s("op"), Fraction: f}).Code == chain.CodeOK {
			m.pending = append(m.pending, modelReq{id: before, requested_s: x.time})
		}
		return
	}
	before := x.maxMag("op", "usdc")
	if x.deliver("svc", &tx.MsgSlash{Slasher: s("svc"), Service: "a", Operator: s("op"), Fraction: f}).Code != chain.CodeOK {
		return
	}
	if before.IsZero() {
		rt.Fatal("slashed a fully slashed operator")
	}
	m.slash(x.time, before, x.maxMag("op", "usdc"))
}

// resolveSome vetoes or executes a pending request of service b.
func resolveSome(rt *rapid.T, x *h, m *model) {
	if len(m.pending) == 0 {
		return
	}
	i := rapid.IntRange(0, len(m.pending)-1).Draw(rt, "request")
	req := m.pending[i]
	if rapid.Bool().Draw(rt, "veto") {
		if x.deliver("carol", &tx.MsgVetoSlash{Resolver: s("carol"), Id: req.id}).Code == chain.CodeOK {
			m.pending = append(m.pending[:i], m.pending[i+1:]...)
		}
		return
	}
	before := x.maxMag("op", "usdc")
	if x.deliver("bob", &tx.MsgExecuteSlash{Signer: s("bob"), Id: req.id}).Code != chain.CodeOK {
		return
	}
	m.pending = append(m.pending[:i], m.pending[i+1:]...)
	if !before.IsZero() { // a fully slashed operator has nothing left to take
		m.slash(req.requested_s, before, x.maxMag("op", "usdc"))
	}
}

func compare(rt *rapid.T, x *h, m *model) {
	for _, st := range stakers {
		within(rt, st+"'s withdrawable", x.withdrawable(st, "op", "usdc"), m.active[st], 2+m.ops[st])
	}
	for i, w := range m.wds {
		if w.done {
			continue
		}
		wv, _, err := restaking.GetWithdrawal(x.c.BlockState(), uint64(i+1), x.time)
		if err != nil {
			rt.Fatal(err)
		}
		within(rt, fmt.Sprintf("withdrawal #%d value", i+1), wv.Value, w.amount, queueTolerance(m, &m.wds[i]))
	}
}

// within: got ≤ want (a hair above is rounding of the model's own
// irrational-free fraction: at most 1e-9) and want − got ≤ tol base units.
func within(rt *rapid.T, what string, got num.Int, want *big.Rat, tol int) {
	g := rat(got)
	d := new(big.Rat).Sub(g, want)
	if d.Cmp(big.NewRat(1, 1_000_000_000)) > 0 {
		rt.Fatalf("%s: %s is more than the model's %s", what, got, want.FloatString(6))
	}
	if d.Neg(d).Cmp(new(big.Rat).SetInt64(int64(tol))) > 0 {
		rt.Fatalf("%s: %s is more than %d below the model's %s", what, got, tol, want.FloatString(6))
	}
}

// queueTolerance is the documented rounding of a withdrawal (docs/ROUNDING.md):
// its own floors, and the queue's backing being slashed as one sum and
// shared by the vault's withdrawals, at most a base unit per slash that
// reached it and per withdrawal sharing the queue.
func queueTolerance(m *model, w *modelWd) int { return 2 + len(m.wds) + w.hits }
