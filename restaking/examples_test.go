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

// Unique stake: 10,000 deposited, allocations 0.5 and 0.3; the first
// service slashes 0.2 of its allocation → 9,000 left, the second service's
// 3,000 untouched, 1,000 burned.
func TestUniqueStakeSlash(t *testing.T) {
	x := twoServices(t, nil, "", "0.5", "0.3")
	supply, _ := bank.Supply(x.c.BlockState(), "usdc")
	x.ok("svc", slash("svc", "a", "op", "0.2"))
	eq(t, "withdrawable", x.withdrawable("alice", "op", "usdc"), 9000)
	eq(t, "allocated to b", x.allocated("op", "b", "usdc"), 3000)
	eq(t, "allocated to a", x.allocated("op", "a", "usdc"), 4000)
	after, _ := bank.Supply(x.c.BlockState(), "usdc")
	burned, _ := supply.Sub(after)
	eq(t, "burned", burned, 1000)
	x.advance(block_s)
	sl, found, err := restaking.GetSlash(x.c.Committed(), 1)
	if err != nil || !found || sl.Status != restaking.SlashExecuted || len(sl.Taken) != 1 {
		t.Fatalf("slash #1 = %+v, %v, %v", sl, found, err)
	}
	ps, err := restaking.Positions(x.c.Committed(), addr("alice"))
	if err != nil || len(ps) != 1 {
		t.Fatal(ps, err)
	}
	eq(t, "slashed status", ps[0].Slashed, 1000)
}

// Elastic restaking (L = 2): both services allocate everything; after the
// first takes half, the second's allocation stretches down to what is left.
func TestElasticStretch(t *testing.T) {
	x := twoServices(t, func(p *params.Params) { p.MaxRestakingDegree = 2 }, "2", "1", "1")
	eq(t, "allocated to b", x.allocated("op", "b", "usdc"), 10000)
	x.ok("svc", slash("svc", "a", "op", "0.5"))
	eq(t, "withdrawable", x.withdrawable("alice", "op", "usdc"), 5000)
	eq(t, "allocated to a", x.allocated("op", "a", "usdc"), 5000)
	eq(t, "allocated to b (stretched)", x.allocated("op", "b", "usdc"), 5000)
	x.ok("svc2", slash("svc2", "b", "op", "0.5"))
	eq(t, "withdrawable", x.withdrawable("alice", "op", "usdc"), 2500)
}

func TestAllocationOverDegree(t *testing.T) {
	x := twoServices(t, nil, "", "0.6", "")
	x.fails("over-allocated", "op", allocate("op", "b", "usdc", "0.5"))
	x.ok("op", allocate("op", "b", "usdc", "0.4"))
}

// A withdrawal queued within withdrawal_delay of a slash is slashed with
// the operator; one that was due before the slash is not.
func TestQueuedWithdrawalSlashedOnlyInWindow(t *testing.T) {
	x := twoServices(t, nil, "", "1", "")
	x.ok("alice", queue("alice", "op", "4000usdc")) // #1
	x.advance(day_s)
	x.ok("svc", slash("svc", "a", "op", "0.5"))
	eq(t, "position", x.withdrawable("alice", "op", "usdc"), 3000)
	x.ok("alice", queue("alice", "op", "1000usdc")) // #2, after the slash
	x.advance(14 * day_s)
	x.ok("svc", slash("svc", "a", "op", "0.5")) // #1 and #2 are due: spared
	x.ok("alice", complete("alice", 1), complete("alice", 2))
	eq(t, "alice usdc", x.balance("alice", "usdc"), 1000000-10000+2000+1000)
	eq(t, "position", x.withdrawable("alice", "op", "usdc"), 1000)
	x.fails("already-completed", "alice", complete("alice", 1))
}

func TestCompletionBeforeDelayAndByOthers(t *testing.T) {
	x := twoServices(t, nil, "", "1", "")
	x.ok("alice", queue("alice", "op", "4000usdc"))
	x.fails("too-early", "alice", complete("alice", 1))
	x.advance(14*day_s - block_s)
	x.fails("too-early", "alice", complete("alice", 1))
	x.fails("wrong-signer", "bob", complete("alice", 1))
	x.fails("not-owner", "bob", complete("bob", 1))
	x.fails("no-position", "bob", queue("bob", "op", "1usdc"))
	x.fails("wrong-signer", "bob", queue("alice", "op", "1usdc"))
	x.fails("insufficient-position", "alice", queue("alice", "op", "6001usdc"))
	x.advance(block_s)
	x.ok("alice", complete("alice", 1))
	x.fails("unknown-withdrawal", "alice", complete("alice", 9))
}

// A deposit after a slash is not penalised by it (within the 1 base unit
// that rounding shares down against the depositor).
func TestDepositAfterSlashNotPenalised(t *testing.T) {
	x := twoServices(t, nil, "", "0.5", "")
	x.ok("svc", slash("svc", "a", "op", "0.2"))
	x.ok("bob", deposit("bob", "op", "1000usdc"))
	got := x.withdrawable("bob", "op", "usdc")
	if got.GT(num.NewInt(1000)) || got.LT(num.NewInt(999)) {
		t.Fatalf("bob can withdraw %s of his 1000", got)
	}
	eq(t, "alice", x.withdrawable("alice", "op", "usdc"), 9000)
}

// Native restaking: stake deposited with an operator that runs a validator
// is delegated to it, so a primary double sign and a service slash both hit it.
func TestNativeRestakingDoubleSignAndServiceSlash(t *testing.T) {
	x := newH(t, nil)
	x.ok(valLabel, registerOperator(valLabel, true, ""))
	x.ok("svc", registerService("svc", "a", "stake"))
	x.ok(valLabel, optIn(valLabel, "a"))
	x.ok("alice", deposit("alice", valLabel, "10000stake"))
	x.ok(valLabel, allocate(valLabel, "a", "stake", "1"))
	x.advance(block_s)
	v, _, _ := staking.GetValidator(x.c.BlockState(), addr(valLabel))
	eq(t, "validator tokens", v.Tokens, 1_010_000)
	x.ev = []staking.Evidence{{ConsAddr: v.ConsAddress(), Height: x.c.Height(), Time_s: x.time}}
	x.advance(block_s) // the evidence arrives with this block
	eq(t, "after double sign", x.withdrawable("alice", valLabel, "stake"), 9500)
	x.ok("svc", slash("svc", "a", valLabel, "0.2"))
	eq(t, "after service slash", x.withdrawable("alice", valLabel, "stake"), 7600)
	x.ok("alice", queue("alice", valLabel, "7600stake"))
	x.advance(14 * day_s)
	x.ok("alice", complete("alice", 1))
	ubs, err := staking.UnbondingsOf(x.c.BlockState(), addr("alice"))
	if err != nil || len(ubs) != 1 {
		t.Fatal(ubs, err)
	}
	eq(t, "unbonding paid to alice", ubs[0].Balance, 7600)
}

func TestNativeNeedsValidator(t *testing.T) {
	x := newH(t, nil)
	x.ok("op", registerOperator("op", false, ""))
	x.fails("no-validator", "alice", deposit("alice", "op", "10stake"))
	x.fails("not-own-validator", "bob", &tx.MsgRegisterOperator{Operator: s("bob"), Validator: s(valLabel)})
	x.fails("unknown-validator", "bob", registerOperator("bob", true, ""))
}

func vetoService(x *h) {
	m := registerService("svc", "a", "usdc")
	m.Resolver, m.VetoWindow = s("carol"), "2d"
	x.ok("svc", m)
}

// Veto before the deadline stops a slash; after it, a veto fails and anyone executes.
func TestVeto(t *testing.T) {
	x := newH(t, nil)
	x.ok("op", registerOperator("op", false, ""))
	vetoService(x)
	x.ok("op", optIn("op", "a"))
	x.ok("alice", deposit("alice", "op", "10000usdc"))
	x.ok("op", allocate("op", "a", "usdc", "1"))
	x.ok("svc", slash("svc", "a", "op", "0.5")) // #1
	eq(t, "pending slash takes nothing", x.withdrawable("alice", "op", "usdc"), 10000)
	x.fails("not-resolver", "bob", &tx.MsgVetoSlash{Resolver: s("bob"), Id: 1})
	x.fails("veto-window-open", "bob", &tx.MsgExecuteSlash{Signer: s("bob"), Id: 1})
	x.ok("carol", &tx.MsgVetoSlash{Resolver: s("carol"), Id: 1})
	x.fails("not-pending", "bob", &tx.MsgExecuteSlash{Signer: s("bob"), Id: 1})
	x.ok("svc", slash("svc", "a", "op", "0.5")) // #2
	x.advance(2 * day_s)
	x.fails("veto-window-over", "carol", &tx.MsgVetoSlash{Resolver: s("carol"), Id: 2})
	x.ok("bob", &tx.MsgExecuteSlash{Signer: s("bob"), Id: 2})
	eq(t, "executed", x.withdrawable("alice", "op", "usdc"), 5000)
}

// An operator that opts out stays slashable for deallocation_delay.
func TestOptOutWindow(t *testing.T) {
	x := twoServices(t, nil, "", "1", "")
	x.ok("op", &tx.MsgOptOut{Operator: s("op"), Service: "a"})
	x.fails("not-opted-in", "op", &tx.MsgOptOut{Operator: s("op"), Service: "a"})
	x.advance(13 * day_s)
	x.ok("svc", slash("svc", "a", "op", "0.1"))
	eq(t, "slashed within the window", x.withdrawable("alice", "op", "usdc"), 9000)
	x.advance(day_s) // the decrease to zero applies as this block begins
	eq(t, "deallocated", x.allocated("op", "a", "usdc"), 0)
	x.fails("not-slashable", "svc", slash("svc", "a", "op", "0.1"))
}

// Redistributed slashes wait slash_resolution_delay in escrow for their recipient.
func TestRedistributionEscrow(t *testing.T) {
	x := newH(t, nil)
	x.ok("op", registerOperator("op", false, ""))
	m := registerService("svc", "a", "usdc")
	m.Destination = s("carol")
	x.ok("svc", m)
	x.ok("op", optIn("op", "a"))
	x.ok("alice", deposit("alice", "op", "10000usdc"))
	x.ok("op", allocate("op", "a", "usdc", "1"))
	x.ok("svc", slash("svc", "a", "op", "0.3"))
	claim := func(label string) *tx.MsgClaimRedistribution {
		return &tx.MsgClaimRedistribution{Recipient: s(label), Id: 1}
	}
	x.fails("too-early", "carol", claim("carol"))
	x.advance(7 * day_s)
	x.fails("not-recipient", "bob", claim("bob"))
	x.ok("carol", claim("carol"))
	eq(t, "carol", x.balance("carol", "usdc"), 1_003_000)
	x.fails("already-claimed", "carol", claim("carol"))
}

// SPEC §12: only the rightful key acts; every rule is named.
func TestAuthorityRules(t *testing.T) {
	x := twoServices(t, nil, "", "0.5", "")
	x.fails("not-slasher", "bob", slash("bob", "a", "op", "0.1"))
	x.fails("wrong-signer", "bob", slash("svc", "a", "op", "0.1"))
	x.fails("not-allocated", "svc2", slash("svc2", "b", "op", "0.1"))
	x.fails("not-slashable", "svc", slash("svc", "a", "alice", "0.1"))
	x.fails("not-admin", "bob", &tx.MsgUpdateService{Admin: s("bob"), Name: "a", Pfc: "1"})
	x.fails("not-admin", "bob", &tx.MsgAllowOperator{Admin: s("bob"), Service: "a", Operator: s("op")})
	x.fails("not-authority", "bob", &tx.MsgRegisterAsset{Authority: s("bob"), Denom: "eth", Price: "2"})
	x.fails("not-authority", "bob", &tx.MsgSetPrice{Authority: s("bob"), Denom: "usdc", Price: "2"})
	x.fails("wrong-signer", "bob", allocate("op", "a", "usdc", "0.1"))
	x.fails("wrong-signer", "bob", optIn("op", "b"))
	x.fails("wrong-signer", "bob", deposit("alice", "op", "1usdc"))
	x.fails("unknown-service", "op", allocate("op", "zzz", "usdc", "0.1"))
	x.fails("unknown-asset", "alice", deposit("alice", "op", "1eth"))
	x.fails("bad-fraction", "svc", slash("svc", "a", "op", "1.5"))
	x.fails("bad-fraction", "svc", slash("svc", "a", "op", "0"))
	x.fails("asset-not-accepted", "op", allocate("op", "a", "stake", "0.1"))

	capped := registerService("carol", "capped", "usdc")
	capped.MaxSlashFraction = "0.5"
	x.ok("carol", capped)
	x.ok("op", optIn("op", "capped"))
	x.ok("op", allocate("op", "capped", "usdc", "0.5"))
	x.fails("slash-above-cap", "carol", slash("carol", "capped", "op", "0.6"))

	allow := registerService("bob", "closed", "usdc")
	allow.Policy = "allowlist"
	x.ok("bob", allow)
	x.fails("not-allowed", "op", optIn("op", "closed"))
	x.ok("bob", &tx.MsgAllowOperator{Admin: s("bob"), Service: "closed", Operator: s("op")})
	x.ok("op", optIn("op", "closed"))
}

// A fully slashed operator takes no deposits or allocations, and slashing
// it again takes nothing and reverts nothing else.
func TestFullySlashedOperator(t *testing.T) {
	x := twoServices(t, nil, "", "1", "")
	x.ok("svc", slash("svc", "a", "op", "1"))
	eq(t, "withdrawable", x.withdrawable("alice", "op", "usdc"), 0)
	x.fails("fully-slashed", "bob", deposit("bob", "op", "10usdc"))
	x.fails("fully-slashed", "op", allocate("op", "b", "usdc", "0.1"))
	x.fails("not-allocated", "svc", slash("svc", "a", "op", "0.5"))
	x.fails("fully-slashed", "alice", queue("alice", "op", "1usdc"))
	x.ok("alice", queue("alice", "op", "0usdc")) // closes the worthless position
	if ps, _ := restaking.Positions(x.c.BlockState(), addr("alice")); len(ps) != 0 {
		t.Fatalf("positions left: %+v", ps)
	}
}

// Allocation increases wait the operator's allocation_delay; decreases
// wait deallocation_delay and stay slashable meanwhile.
func TestAllocationDelays(t *testing.T) {
	x := newH(t, nil)
	x.ok("op", &tx.MsgRegisterOperator{Operator: s("op"), AllocationDelay: "1d"})
	x.ok("svc", registerService("svc", "a", "usdc"))
	x.ok("op", optIn("op", "a"))
	x.ok("alice", deposit("alice", "op", "10000usdc"))
	x.ok("op", allocate("op", "a", "usdc", "0.5"))
	eq(t, "before the delay", x.allocated("op", "a", "usdc"), 0)
	x.fails("allocation-pending", "op", allocate("op", "a", "usdc", "0.6"))
	x.fails("not-allocated", "svc", slash("svc", "a", "op", "0.1"))
	x.advance(day_s - block_s)
	eq(t, "a block before the delay", x.allocated("op", "a", "usdc"), 0)
	x.advance(block_s) // applied as the first block at or after the time begins
	eq(t, "after the delay", x.allocated("op", "a", "usdc"), 5000)
	x.ok("op", allocate("op", "a", "usdc", "0.1"))
	x.advance(13 * day_s)
	eq(t, "decrease still pending", x.allocated("op", "a", "usdc"), 5000)
	x.ok("svc", slash("svc", "a", "op", "0.2"))
	eq(t, "slashed on the old allocation", x.withdrawable("alice", "op", "usdc"), 9000)
	x.advance(day_s)
	// the pending 0.1 was lowered by the 0.1 slashed: nothing remains allocated
	eq(t, "after the decrease", x.allocated("op", "a", "usdc"), 0)
}

// Stake history: allocated stake per height, O(log n) per lookup.
func TestStakeHistory(t *testing.T) {
	x := twoServices(t, nil, "", "0.5", "0.3")
	h1 := x.c.Height()
	x.ok("svc", slash("svc", "a", "op", "0.2"))
	x.advance(block_s)
	h2 := x.c.Height()
	x.ok("bob", deposit("bob", "op", "9000usdc"))
	x.advance(block_s)
	r := x.c.Committed()
	for _, c := range []struct {
		h    int64
		want uint64
	}{{h1, 3000}, {h2, 3000}, {x.c.Height(), 6000}} {
		e, ok, err := restaking.StakeAt(r, "b", addr("op"), "usdc", c.h)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		eq(t, "stake of b", e.Amount, c.want)
	}
	ss, err := restaking.ServiceStakeAt(r, "a", h1)
	if err != nil || len(ss.Operators) != 1 || len(ss.Stake) != 1 {
		t.Fatalf("%+v %v", ss, err)
	}
	eq(t, "stake of a at h1", ss.Stake[0].Amount, 5000)
	eq(t, "value of a at h1 (usdc at 0.5)", ss.Total, 2500)
	if ss, _ := restaking.ServiceStakeAt(r, "a", 1); len(ss.Operators) != 1 {
		t.Fatalf("at height 1: %+v", ss)
	}
}

// Stake cannot leave during a veto window: a deallocation that takes
// effect meanwhile and a withdrawal that falls due meanwhile are still
// slashed when the request executes.
func TestVetoWindowNoEscape(t *testing.T) {
	x := newH(t, func(p *params.Params) { p.DeallocationDelay_s, p.WithdrawalDelay_s = 86_400, 86_400 })
	x.ok("op", registerOperator("op", false, ""))
	vetoService(x)
	x.ok("op", optIn("op", "a"))
	x.ok("alice", deposit("alice", "op", "10000usdc"))
	x.ok("op", allocate("op", "a", "usdc", "1"))
	x.advance(block_s)
	x.ok("alice", queue("alice", "op", "2000usdc")) // #1, due in 1 day
	x.advance(day_s / 2)
	x.ok("op", allocate("op", "a", "usdc", "0")) // effective in 1 day
	x.ok("svc", slash("svc", "a", "op", "0.5"))  // #1, executable in 2 days
	x.advance(day_s)
	eq(t, "deallocated", x.allocated("op", "a", "usdc"), 0)
	x.fails("slash-pending", "alice", complete("alice", 1))
	x.advance(day_s)
	x.ok("bob", &tx.MsgExecuteSlash{Signer: s("bob"), Id: 1})
	eq(t, "position", x.withdrawable("alice", "op", "usdc"), 4000)
	x.ok("alice", complete("alice", 1))
	eq(t, "withdrawal paid", x.balance("alice", "usdc"), 1_000_000-10_000+1000)
}

// Withdrawals stay slashable until their own due time even when
// withdrawal_delay changes in between (due times stay in order).
func TestWithdrawalDelayChange(t *testing.T) {
	x := twoServices(t, nil, "", "1", "")
	x.ok("alice", queue("alice", "op", "1000usdc")) // #1, due in 14 days
	set := func(v string) *tx.MsgSetParams {
		return &tx.MsgSetParams{Authority: s("authority"), Params: []*tx.Param{{Name: "withdrawal_delay", Value: v}}}
	}
	x.ok("authority", set("1s"))
	x.advance(block_s)
	x.ok("alice", queue("alice", "op", "1000usdc")) // #2: not due before #1
	x.ok("authority", set("14d"))
	x.advance(block_s)
	x.ok("svc", slash("svc", "a", "op", "0.1"))
	x.advance(14 * day_s)
	x.ok("alice", complete("alice", 1), complete("alice", 2))
	eq(t, "both paid 900", x.balance("alice", "usdc"), 1_000_000-10_000+1800)
	eq(t, "position", x.withdrawable("alice", "op", "usdc"), 7200)
}

// A service's min_operator_stake and max_operator_degree are enforced when
// an operator joins and when it allocates more.
func TestServiceOperatorTerms(t *testing.T) {
	x := newH(t, func(p *params.Params) { p.MaxRestakingDegree = 3 })
	x.ok("op", registerOperator("op", false, "2"))
	m := registerService("svc", "a", "usdc")
	m.MinOperatorStake, m.MaxOperatorDegree = "2000", "1"
	x.ok("svc", m)
	x.fails("degree-above-service-cap", "op", optIn("op", "a"))
	x.ok("svc", &tx.MsgUpdateService{Admin: s("svc"), Name: "a", MaxOperatorDegree: "2"})
	x.fails("operator-stake-too-low", "op", optIn("op", "a"))
	x.ok("alice", deposit("alice", "op", "4000usdc")) // worth 2000 at price 0.5
	x.ok("op", optIn("op", "a"))
	x.fails("degree-above-service-cap", "op", &tx.MsgUpdateOperator{Operator: s("op"), Degree: "3"})
	x.ok("alice", queue("alice", "op", "1000usdc"))
	x.fails("operator-stake-too-low", "op", allocate("op", "a", "usdc", "0.5"))
}

// SPEC §12: only the authority pauses a module; a pause stops what enters
// it, while exits and slashing stay open.
func TestPause(t *testing.T) {
	x := twoServices(t, nil, "", "0.5", "0.3")
	pause := func(label, v string) *tx.MsgSetParams {
		return &tx.MsgSetParams{Authority: s(label), Params: []*tx.Param{{Name: "paused", Value: v}}}
	}
	x.fails("not-authority", "bob", pause("bob", "restaking"))
	x.fails("bad-params", "authority", pause("authority", "restaking,wallets"))
	x.ok("authority", pause("authority", "restaking,bank"))
	x.advance(block_s) // params apply from the next block
	x.fails("module-paused", "bob", deposit("bob", "op", "10usdc"))
	x.fails("module-paused", "op", allocate("op", "b", "usdc", "0.4"))
	x.fails("module-paused", "alice", &tx.MsgSend{From: s("alice"), To: s("bob"), Amount: "1stake"})
	x.ok("op", allocate("op", "b", "usdc", "0.2"))
	x.ok("svc", slash("svc", "a", "op", "0.2"))
	x.ok("alice", queue("alice", "op", "1000usdc"))
	x.advance(14 * day_s)
	x.ok("alice", complete("alice", 1))
	x.ok("authority", pause("authority", "none"))
	x.advance(block_s)
	x.ok("bob", deposit("bob", "op", "10usdc"))
}

// Native pass-through: natively restaked stake earns what the same stake
// delegated directly earns (after the validator's commission), claimed
// with claim_rewards; queued shares stop earning.
func TestNativeRewardsPassThrough(t *testing.T) {
	x := newH(t, func(p *params.Params) { p.Inflation = num.MustDec("0.1") })
	x.ok(valLabel, registerOperator(valLabel, true, ""))
	x.ok("alice", deposit("alice", valLabel, "100000stake"))
	x.ok("carol", &tx.MsgDelegate{Delegator: s("carol"), Validator: s(valLabel), Amount: "100000stake"})
	x.advance(day_s)
	x.advance(day_s)
	alice, carol := x.pendingNative("alice"), x.pendingStaking("carol")
	if carol.IsZero() || !near(alice, carol, 2) {
		t.Fatalf("alice's native rewards %s, carol's delegation rewards %s", alice, carol)
	}
	x.ok("bob", deposit("bob", valLabel, "300000stake"))
	x.ok("carol", &tx.MsgClaimRewards{Account: s("carol")})
	x.advance(day_s)
	x.advance(day_s)
	bob, carol2 := x.pendingNative("bob"), x.pendingStaking("carol")
	if !near(bob, mulN(carol2, 3), 4) {
		t.Fatalf("bob %s, carol %s (×3)", bob, carol2)
	}
	before := x.balance("alice", "stake")
	want := x.pendingNative("alice")
	x.ok("alice", &tx.MsgClaimRewards{Account: s("alice")})
	got, _ := x.balance("alice", "stake").Sub(before)
	eq(t, "claimed", got, u64(want))
	eq(t, "pending after claim", x.pendingNative("alice"), 0)
	x.ok("bob", queue("bob", valLabel, "300000stake"))
	bobQueued := x.pendingNative("bob")
	x.advance(day_s)
	eq(t, "queued shares earn nothing", x.pendingNative("bob"), u64(bobQueued))
}

func (x *h) pendingNative(label string) num.Int {
	x.t.Helper()
	ss, err := restaking.PendingNative(x.c.BlockState(), addr(label))
	if err != nil {
		x.t.Fatal(err)
	}
	var total num.Int
	for _, st := range ss {
		total, _ = total.Add(st.Pending)
	}
	return total
}

func (x *h) pendingStaking(label string) num.Int {
	x.t.Helper()
	c, err := staking.PendingRewards(x.c.BlockState(), addr(label))
	if err != nil {
		x.t.Fatal(err)
	}
	return c.AmountOf("stake")
}

func near(a, b num.Int, tol uint64) bool {
	d := a.SubSat(b)
	if b.GT(a) {
		d = b.SubSat(a)
	}
	return d.LTE(num.NewInt(tol))
}

func mulN(a num.Int, n uint64) num.Int { v, _ := a.Mul(num.NewInt(n)); return v }

func u64(a num.Int) uint64 { v, _ := a.Uint64(); return v }

// Commission per service defaults to the operator's registration and
// changes only after commission_change_delay (the pending change shows).
func TestOperatorCommission(t *testing.T) {
	x := newH(t, nil)
	x.ok("op", &tx.MsgRegisterOperator{Operator: s("op"), Commission: "0.05"})
	x.ok("svc", registerService("svc", "a", "usdc"))
	set := func(label, rate string) *tx.MsgSetOperatorCommission {
		return &tx.MsgSetOperatorCommission{Operator: s(label), Service: "a", Rate: rate}
	}
	c := x.commission("op", "a")
	if !c.Rate.Eq(num.MustDec("0.05")) || c.Pending != nil {
		t.Fatalf("default commission %+v", c)
	}
	x.fails("wrong-signer", "bob", set("op", "0.1"))
	x.fails("bad-fraction", "op", set("op", "1.1"))
	x.fails("unknown-service", "op", &tx.MsgSetOperatorCommission{Operator: s("op"), Service: "zz", Rate: "0.1"})
	x.fails("unknown-operator", "bob", set("bob", "0.1"))
	x.ok("op", set("op", "0.2"))
	x.advance(7*day_s - block_s)
	if c := x.commission("op", "a"); !c.Rate.Eq(num.MustDec("0.05")) || c.Pending == nil || !c.Pending.Eq(num.MustDec("0.2")) {
		t.Fatalf("before the delay %+v", c)
	}
	x.advance(block_s)
	if c := x.commission("op", "a"); !c.Rate.Eq(num.MustDec("0.2")) || c.Pending != nil {
		t.Fatalf("after the delay %+v", c)
	}
}

func (x *h) commission(op, svc string) restaking.Commission {
	x.t.Helper()
	c, err := restaking.OperatorCommission(x.c.BlockState(), addr(op), svc, x.time)
	if err != nil {
		x.t.Fatal(err)
	}
	return c
}

// A slash executed after its veto window takes from a withdrawal due in
// that window exactly what the queue's backing lost: σ · slashedMag, even
// when another slash landed in between.
func TestLateSlashAfterAnotherSlash(t *testing.T) {
	x := newH(t, func(p *params.Params) { p.WithdrawalDelay_s = 2 * 86_400; p.MaxRestakingDegree = 2 })
	x.ok("op", registerOperator("op", false, "2"))
	vetoService(x) // a: resolver carol, veto window 2d
	x.ok("svc2", registerService("svc2", "b", "usdc"))
	x.ok("op", optIn("op", "a"), optIn("op", "b"))
	x.ok("alice", deposit("alice", "op", "10000usdc"))
	x.ok("op", allocate("op", "a", "usdc", "0.5"), allocate("op", "b", "usdc", "0.5"))
	x.ok("alice", queue("alice", "op", "5000usdc")) // #1, due in 2 days
	x.advance(day_s)
	x.ok("svc", slash("svc", "a", "op", "0.5")) // requested: slashes 0.25 when executed
	x.advance(day_s)                            // #1 is due, held by the request
	x.ok("svc2", slash("svc2", "b", "op", "0.5"))
	x.advance(day_s)
	x.ok("bob", &tx.MsgExecuteSlash{Signer: s("bob"), Id: 1})
	x.ok("alice", complete("alice", 1))
	// 5000 · (1 − 0.25) = 3750: b's later slash does not reach it, a's does.
	eq(t, "withdrawal", x.balance("alice", "usdc"), 1_000_000-10_000+3750)
}

// Rewards earned by queued native stake (which earns nothing) are not left
// for the next depositor to collect.
func TestQueuedNativeRewardsNotCollectedByNewcomer(t *testing.T) {
	x := newH(t, func(p *params.Params) { p.Inflation = num.MustDec("0.1") })
	x.ok(valLabel, registerOperator(valLabel, true, ""))
	x.ok("alice", deposit("alice", valLabel, "500000stake"))
	x.advance(block_s)
	x.ok("alice", queue("alice", valLabel, "500000stake"))
	for i := 0; i < 13; i++ {
		x.advance(day_s)
	}
	x.ok("bob", deposit("bob", valLabel, "10stake"))
	x.advance(day_s)
	if got := x.pendingNative("bob"); got.GT(num.NewInt(1)) {
		t.Fatalf("bob's 10 stake earned %s in a day", got)
	}
}

// Each service has its own room for slash requests in their veto window:
// an operator's own service cannot crowd out another's.
func TestPendingRoomPerService(t *testing.T) {
	x := newH(t, nil)
	x.ok("op", registerOperator("op", false, ""))
	vetoService(x)
	sham := registerService("op", "sham", "usdc")
	sham.Resolver, sham.VetoWindow = s("op"), "7d"
	x.ok("op", sham)
	x.ok("op", optIn("op", "a"), optIn("op", "sham"))
	x.ok("alice", deposit("alice", "op", "10000usdc"))
	x.ok("op", allocate("op", "a", "usdc", "0.5"), allocate("op", "sham", "usdc", "0.1"))
	for i := 0; i < restaking.MaxPendingPerService; i++ {
		x.ok("op", slash("op", "sham", "op", "0.000000000000000001"))
	}
	x.fails("too-many-pending-slashes", "op", slash("op", "sham", "op", "0.000000000000000001"))
	x.ok("svc", slash("svc", "a", "op", "0.5"))
}

// Stake a restaking slash seized after an infraction does not make the
// validator's other delegators pay more when the infraction's evidence
// arrives: a double sign still costs each of them 5%.
func TestSeizedStakeLeavesBondedAtInfraction(t *testing.T) {
	x := newH(t, nil)
	x.ok(valLabel, registerOperator(valLabel, true, ""))
	x.ok("svc", registerService("svc", "a", "stake"))
	x.ok(valLabel, optIn(valLabel, "a"))
	x.ok("alice", deposit("alice", valLabel, "900000stake"))
	x.ok("carol", &tx.MsgDelegate{Delegator: s("carol"), Validator: s(valLabel), Amount: "100000stake"})
	x.ok(valLabel, allocate(valLabel, "a", "stake", "1"))
	x.advance(block_s)
	h := x.c.Height() // the infraction
	x.advance(block_s)
	x.ok("svc", slash("svc", "a", valLabel, "1")) // seizes alice's 900000
	x.advance(block_s)
	v, _, _ := staking.GetValidator(x.c.BlockState(), addr(valLabel))
	x.ev = []staking.Evidence{{ConsAddr: v.ConsAddress(), Height: h, Time_s: x.time}}
	x.advance(block_s)
	d, _, err := staking.GetDelegation(x.c.BlockState(), addr("carol"), addr(valLabel))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "carol after a 5% double sign", d.Tokens, 95_000)
}
