package restaking_test

import (
	"testing"

	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/tx"
)

// Worked examples of service reward programs (SPEC §7) over a real chain
// with every invariant — including the exact per-stream accounting —
// checked after every block.

func program(admin, svc, amount, duration string) *tx.MsgCreateRewardProgram {
	return &tx.MsgCreateRewardProgram{Admin: s(admin), Service: svc, Amount: amount, Duration: duration}
}

func claim(label string) *tx.MsgClaimRewards { return &tx.MsgClaimRewards{Account: s(label)} }

// pending is what label would claim now from service programs, in denom.
func (x *h) pending(label, denom string) num.Int {
	x.t.Helper()
	list, err := restaking.PendingService(x.c.BlockState(), addr(label))
	if err != nil {
		x.t.Fatal(err)
	}
	var sum num.Int
	for _, st := range list {
		if st.Denom == denom {
			sum, _ = sum.Add(st.Amount)
		}
	}
	return sum
}

func (x *h) program(id uint64) restaking.Program {
	x.t.Helper()
	pg, found, err := restaking.GetProgram(x.c.BlockState(), id)
	if err != nil || !found {
		x.t.Fatalf("program %d: %v, found %v", id, err, found)
	}
	return pg
}

// blocks advances n blocks of block_s.
func (x *h) blocks(n int) {
	for range n {
		x.advance(block_s)
	}
}

// rewardSetup: operator "op" (commission rate) in service "a" (admin svc)
// allocating all its usdc; alice and bob deposit 3:1.
func rewardSetup(t testing.TB, mut func(*params.Params), rate string) *h {
	x := newH(t, mut)
	x.ok("op", &tx.MsgRegisterOperator{Operator: s("op"), Commission: rate})
	x.ok("svc", registerService("svc", "a", "usdc"))
	x.ok("op", optIn("op", "a"))
	x.ok("alice", deposit("alice", "op", "30000usdc"))
	x.ok("bob", deposit("bob", "op", "10000usdc"))
	x.ok("op", allocate("op", "a", "usdc", "1"))
	x.advance(block_s)
	return x
}

// The example: 1,000 over 100 blocks, 10% commission, stakers 3:1
// → operator 100, alice 675, bob 225, exactly.
func TestRewardProgramExample(t *testing.T) {
	x := rewardSetup(t, nil, "0.1")
	before := x.balance("svc", "usdc")
	x.ok("svc", program("svc", "a", "1000usdc", "500s"))
	eq(t, "escrowed", before.SubSat(x.balance("svc", "usdc")), 1000)
	x.blocks(50)
	eq(t, "alice halfway", x.pending("alice", "usdc"), 337) // 337.5, rounded down; the half carries
	x.blocks(50)
	eq(t, "operator", x.pending("op", "usdc"), 100)
	eq(t, "alice", x.pending("alice", "usdc"), 675)
	eq(t, "bob", x.pending("bob", "usdc"), 225)
	if pg := x.program(1); pg.Status != restaking.ProgramEnded || !pg.Credited.Eq(num.NewInt(1000)) || !pg.Refunded().IsZero() {
		t.Fatalf("program after its end: %+v", pg)
	}
	for _, l := range []string{"op", "alice", "bob"} {
		b := x.balance(l, "usdc")
		x.ok(l, claim(l))
		x.advance(block_s)
		got, _ := x.balance(l, "usdc").Sub(b)
		eq(t, l+" claimed", got, map[string]uint64{"op": 100, "alice": 675, "bob": 225}[l])
		eq(t, l+" pending after claim", x.pending(l, "usdc"), 0)
	}
	held, err := bank.Balance(x.c.BlockState(), restaking.RewardsAccount, "usdc")
	if err != nil || !held.IsZero() {
		t.Fatalf("rewards account holds %s after every claim (%v)", held, err)
	}
}

// twoOperators: operators op (alice's stake) and carol (bob's) in service
// a, each allocating all its usdc.
func twoOperators(t testing.TB, alice, bob string) *h {
	x := newH(t, nil)
	x.ok("op", registerOperator("op", false, ""))
	x.ok("carol", registerOperator("carol", false, ""))
	x.ok("svc", registerService("svc", "a", "usdc"))
	x.ok("op", optIn("op", "a"))
	x.ok("carol", optIn("carol", "a"))
	x.ok("alice", deposit("alice", "op", alice))
	x.ok("bob", deposit("bob", "carol", bob))
	x.ok("op", allocate("op", "a", "usdc", "1"))
	x.ok("carol", allocate("carol", "a", "usdc", "1"))
	x.advance(block_s)
	return x
}

// Two operators with 2:1 allocated stake split 2:1.
func TestRewardTwoOperators(t *testing.T) {
	x := twoOperators(t, "20000usdc", "10000usdc")
	x.ok("svc", program("svc", "a", "3000usdc", "300s"))
	x.blocks(60)
	eq(t, "alice (op's staker)", x.pending("alice", "usdc"), 2000)
	eq(t, "bob (carol's staker)", x.pending("bob", "usdc"), 1000)
}

// A commission change applies only to rewards after its delay.
func TestRewardCommissionDelay(t *testing.T) {
	x := rewardSetup(t, func(p *params.Params) { p.CommissionChangeDelay_s = 250 }, "0.1")
	x.ok("svc", program("svc", "a", "1000usdc", "500s"))
	x.ok("op", &tx.MsgSetOperatorCommission{Operator: s("op"), Service: "a", Rate: "0.5"})
	x.blocks(100)
	// 500 at 10% and 500 at 50%: 50 + 250.
	eq(t, "operator", x.pending("op", "usdc"), 300)
	eq(t, "alice", x.pending("alice", "usdc"), 525)
	eq(t, "bob", x.pending("bob", "usdc"), 175)
}

// A staker joining halfway earns only from then on.
func TestRewardStakerJoinsHalfway(t *testing.T) {
	x := rewardSetup(t, nil, "0")
	x.ok("svc", program("svc", "a", "2000usdc", "500s"))
	x.blocks(50)
	x.ok("carol", deposit("carol", "op", "40000usdc"))
	x.blocks(50)
	// First half: 1,000 to 40,000 (3:1); second half: 1,000 to 80,000.
	eq(t, "alice", x.pending("alice", "usdc"), 750+375)
	eq(t, "bob", x.pending("bob", "usdc"), 250+125)
	eq(t, "carol", x.pending("carol", "usdc"), 500)
}

// A slash halfway changes the split from then on.
func TestRewardSlashHalfway(t *testing.T) {
	x := twoOperators(t, "10000usdc", "10000usdc")
	x.ok("svc", program("svc", "a", "3000usdc", "500s"))
	x.blocks(50)
	x.ok("svc", slash("svc", "a", "op", "0.5"))
	x.blocks(50)
	// Halves of 1,500: 1:1, then 5,000:10,000.
	eq(t, "alice", x.pending("alice", "usdc"), 750+500)
	eq(t, "bob", x.pending("bob", "usdc"), 750+1000)
}

// Emission with nobody allocated is refunded when the program ends.
func TestRewardRefundNobodyAllocated(t *testing.T) {
	x := newH(t, nil)
	x.ok("svc", registerService("svc", "a", "usdc"))
	before := x.balance("svc", "usdc")
	x.ok("svc", program("svc", "a", "1000usdc", "100s"))
	x.blocks(25)
	if pg := x.program(1); pg.Status != restaking.ProgramEnded || !pg.Refunded().Eq(num.NewInt(1000)) {
		t.Fatalf("program %+v", pg)
	}
	if !x.balance("svc", "usdc").Eq(before) {
		t.Fatalf("admin holds %s, had %s", x.balance("svc", "usdc"), before)
	}
}

// Cancelling returns only what was not emitted (and any unassigned part).
func TestRewardCancel(t *testing.T) {
	x := rewardSetup(t, nil, "0")
	before := x.balance("svc", "usdc")
	x.ok("svc", program("svc", "a", "1000usdc", "500s"))
	x.blocks(30)
	x.fails("wrong-signer", "bob", &tx.MsgCancelRewardProgram{Admin: s("svc"), Id: 1})
	x.fails("not-admin", "bob", &tx.MsgCancelRewardProgram{Admin: s("bob"), Id: 1})
	x.fails("no-program", "svc", &tx.MsgCancelRewardProgram{Admin: s("svc"), Id: 9})
	x.ok("svc", &tx.MsgCancelRewardProgram{Admin: s("svc"), Id: 1})
	got, _ := before.Sub(x.balance("svc", "usdc"))
	eq(t, "admin paid net", got, 300)
	x.fails("program-closed", "svc", &tx.MsgCancelRewardProgram{Admin: s("svc"), Id: 1})
	x.blocks(10)
	eq(t, "alice", x.pending("alice", "usdc"), 225)
	eq(t, "bob", x.pending("bob", "usdc"), 75)
}

// One claim pays every stream: two services, two denoms, native staking.
func TestRewardClaimAcrossServices(t *testing.T) {
	x := newH(t, func(p *params.Params) { p.MaxRestakingDegree = 2 })
	x.ok("op", registerOperator("op", false, "2"))
	x.ok("svc", registerService("svc", "a", "usdc"))
	x.ok("svc2", registerService("svc2", "b", "usdc"))
	x.ok("op", optIn("op", "a"), optIn("op", "b"))
	x.ok("alice", deposit("alice", "op", "10000usdc"))
	x.ok("op", allocate("op", "a", "usdc", "1"), allocate("op", "b", "usdc", "1"))
	x.advance(block_s)
	x.ok("svc", program("svc", "a", "1000usdc", "100s"), program("svc", "a", "500stake", "100s"))
	x.ok("svc2", program("svc2", "b", "700stake", "100s"))
	x.blocks(25)
	list, err := restaking.PendingService(x.c.BlockState(), addr("alice"))
	if err != nil || len(list) != 3 {
		t.Fatalf("streams %+v, %v", list, err)
	}
	usdc, stake := x.balance("alice", "usdc"), x.balance("alice", "stake")
	x.ok("alice", claim("alice"))
	got, _ := x.balance("alice", "usdc").Sub(usdc)
	eq(t, "usdc claimed", got, 1000)
	got, _ = x.balance("alice", "stake").Sub(stake)
	eq(t, "stake claimed", got, 1200)
}

// Only the service's admin funds or cancels; amounts and durations are
// checked; a rejected program changes nothing.
func TestRewardProgramRules(t *testing.T) {
	x := rewardSetup(t, nil, "0")
	x.fails("wrong-signer", "bob", program("svc", "a", "10usdc", "10s"))
	x.fails("not-admin", "bob", program("bob", "a", "10usdc", "10s"))
	x.fails("unknown-service", "svc", program("svc", "zz", "10usdc", "10s"))
	x.fails("bad-amount", "svc", program("svc", "a", "0usdc", "10s"))
	x.fails("bad-amount", "svc", program("svc", "a", "115792089237316195423570985008687907853269984665640564039457584007913129639936usdc", "10s"))
	x.fails("insufficient-funds", "svc", program("svc", "a", "1000000000usdc", "10s"))
	x.fails("bad-amount", "svc", program("svc", "a", "1000000000000000000000000000000000001usdc", "10s"))
	x.fails("bad-duration", "svc", program("svc", "a", "10usdc", "0s"))
	x.fails("bad-duration", "svc", program("svc", "a", "10usdc", ""))
	x.fails("bad-duration", "svc", program("svc", "a", "10usdc", "36600d"))
	past := &tx.MsgCreateRewardProgram{Admin: s("svc"), Service: "a", Amount: "10usdc", Duration: "10s", StartS: x.time - 1}
	x.fails("bad-start", "svc", past)
	x.fails("bad-amount", "svc", program("svc", "a", "99usdc", "100s"))
	for range restaking.MaxProgramsPerService {
		x.ok("svc", program("svc", "a", "50000usdc", "12h"))
	}
	x.fails("too-many-programs", "svc", program("svc", "a", "10usdc", "10s"))
	// Claiming for someone else is refused.
	x.fails("wrong-signer", "bob", claim("alice"))
}

// A program starting later emits nothing before its start.
func TestRewardProgramStartsLater(t *testing.T) {
	x := rewardSetup(t, nil, "0")
	m := program("svc", "a", "400usdc", "100s")
	m.StartS = x.time + 100
	x.ok("svc", m)
	x.blocks(20)
	eq(t, "before start", x.pending("alice", "usdc"), 0)
	x.blocks(20)
	eq(t, "alice", x.pending("alice", "usdc"), 300)
	eq(t, "bob", x.pending("bob", "usdc"), 100)
}

// The yield view: a position's service stream APR from actual accrual.
// 1,000 usdc over 500 s to 40,000 usdc of stake at 10% commission is
// 2 usdc/s × 0.9 / 40,000 per usdc: 1419.12 a year (usdc is worth 0.5
// native units both as reward and as stake, so the value ratio is 1).
func TestRewardYieldView(t *testing.T) {
	x := rewardSetup(t, nil, "0.1")
	x.ok("svc", program("svc", "a", "1000usdc", "500s"))
	x.blocks(50)
	y, err := restaking.Yields(x.c.BlockState(), addr("alice"), x.time)
	if err != nil {
		t.Fatal(err)
	}
	if len(y.Streams) != 1 || y.Streams[0].Service != "a" || y.Streams[0].APR == nil {
		t.Fatalf("streams %+v", y.Streams)
	}
	got, want := y.Streams[0].APR, num.MustDec("1419.12")
	lo, hi := num.MustDec("1418"), num.MustDec("1420.5")
	if got.LT(lo) || got.GT(hi) {
		t.Fatalf("APR %s, want about %s", got, want)
	}
	eq(t, "alice's stake in native units", y.Stake, 15000)
	if y.APR == nil || y.APR.LT(lo) || y.APR.GT(hi) {
		t.Fatalf("account APR %v", y.APR)
	}
}

// The primary stream's yield is what the validator actually paid per
// delegated token: inflation × supply / bonded × (1 − commission). Day-long
// blocks keep the per-block minting free of rounding; supply grows over the
// span, so the expectation uses its mean.
func TestPrimaryYieldView(t *testing.T) {
	x := newH(t, func(p *params.Params) { p.Inflation = num.MustDec("0.07") })
	x.ok("alice", &tx.MsgDelegate{Delegator: s("alice"), Validator: s(valLabel), Amount: "1000000stake"})
	first, _ := bank.Supply(x.c.BlockState(), "stake")
	if y, err := restaking.Yields(x.c.BlockState(), addr("alice"), x.time); err != nil || y.APR != nil || len(y.Streams) != 1 || y.Streams[0].APR != nil {
		t.Fatalf("before any sample the rates are unknown, not 0: %+v, %v", y, err)
	}
	for range staking.YieldWindowBlocks + 10 {
		x.advance(day_s)
	}
	y, err := restaking.Yields(x.c.BlockState(), addr("alice"), x.time)
	if err != nil || len(y.Streams) != 1 || y.Streams[0].APR == nil {
		t.Fatalf("streams %+v, %v", y.Streams, err)
	}
	last, _ := bank.Supply(x.c.BlockState(), "stake")
	mean, _ := first.Add(last)
	// 0.07 × (mean / 2) / 2,000,000 bonded × 0.9, as a WAD fraction.
	want, _ := mean.MulDivDown(num.MustInt("63000000000000000"), num.NewInt(4_000_000))
	got := y.Streams[0].APR.Raw()
	diff := got.SubSat(want)
	if want.GT(got) {
		diff = want.SubSat(got)
	}
	if tol, _ := want.MulDivDown(num.NewInt(1), num.NewInt(200)); diff.GT(tol) {
		t.Fatalf("primary APR %s, want about %s", y.Streams[0].APR, num.DecFromRaw(want))
	}
}

// A program may start at a height instead: from that block's time on.
func TestRewardProgramStartHeight(t *testing.T) {
	x := rewardSetup(t, nil, "0")
	m := program("svc", "a", "400usdc", "100s")
	m.StartHeight = x.c.Height() + 21
	x.fails("bad-start", "svc", &tx.MsgCreateRewardProgram{Admin: s("svc"), Service: "a", Amount: "1usdc", Duration: "1s", StartS: x.time + 5, StartHeight: m.StartHeight})
	x.fails("bad-start", "svc", &tx.MsgCreateRewardProgram{Admin: s("svc"), Service: "a", Amount: "1usdc", Duration: "1s", StartHeight: x.c.Height()})
	x.ok("svc", m)
	x.blocks(20) // the block in progress is Height()+1: now at the start height
	eq(t, "at the start height", x.pending("alice", "usdc"), 0)
	x.blocks(20)
	eq(t, "alice", x.pending("alice", "usdc"), 300)
	eq(t, "bob", x.pending("bob", "usdc"), 100)
}

// A withdrawal that closes a position pays its service streams out at once
// (a closed position keeps no reward records).
func TestClosingWithdrawalPaysStreams(t *testing.T) {
	x := rewardSetup(t, nil, "0")
	x.ok("svc", program("svc", "a", "1000usdc", "500s"))
	x.blocks(50)
	before := x.balance("bob", "usdc")
	x.ok("bob", queue("bob", "op", "0usdc"))
	got, _ := x.balance("bob", "usdc").Sub(before)
	eq(t, "bob paid on close", got, 125)
	eq(t, "bob pending after", x.pending("bob", "usdc"), 0)
	x.blocks(50)
	// 375 + 500, less what the carried remainders still hold: once shares
	// stop dividing evenly each accumulator level may carry under one unit.
	if got := x.pending("alice", "usdc"); got.GT(num.NewInt(875)) || got.LT(num.NewInt(872)) {
		t.Fatalf("alice = %s, want 875 less at most 3 units of carried dust", got)
	}
}
