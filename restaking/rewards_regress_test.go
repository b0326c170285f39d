package restaking_test

import (
	"fmt"
	"testing"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
)

// Regressions found in review of the reward programs.

// A commission change left due in the queue (more than a block's worth fell
// due at once) is applied, after a collection at the old rate, before the
// operator can schedule another one: no new rate on past rewards.
func TestCommissionBacklogNotRetroactive(t *testing.T) {
	const delay = 250
	x := rewardSetup(t, func(p *params.Params) { p.CommissionChangeDelay_s = delay }, "0")
	var msgs []proto.Message
	flush := func(label string) {
		if len(msgs) > 0 {
			x.ok(label, msgs...)
			msgs = nil
		}
	}
	for i := range restaking.MaxAllocationsPerBlock {
		msgs = append(msgs, registerService("svc2", fmt.Sprintf("0%03d", i), "usdc"))
		if len(msgs) == 32 {
			flush("svc2")
		}
	}
	flush("svc2")
	x.advance(block_s)
	x.ok("svc", program("svc", "a", "1000usdc", "500s"))
	for i := range restaking.MaxAllocationsPerBlock {
		msgs = append(msgs, &tx.MsgSetOperatorCommission{Operator: s("op"), Service: fmt.Sprintf("0%03d", i), Rate: "1"})
		if len(msgs) == 32 {
			flush("op")
		}
	}
	flush("op")
	x.ok("op", &tx.MsgSetOperatorCommission{Operator: s("op"), Service: "a", Rate: "1"})
	x.blocks(int(delay / block_s))
	x.ok("op", &tx.MsgSetOperatorCommission{Operator: s("op"), Service: "a", Rate: "1"})
	x.blocks(1)
	if got := x.pending("op", "usdc"); got.GT(num.NewInt(20)) {
		t.Fatalf("operator took %s at the new rate on earlier rewards", got)
	}
}

// Other delegators moving the native factor by rounding (after a primary
// slash) leave the reward weights consistent (checked by the invariants
// after every block).
func TestThirdPartyDelegationsKeepNativeWeights(t *testing.T) {
	x := newH(t, func(p *params.Params) { p.DowntimeSlashFraction = p.DoubleSignSlashFraction })
	x.ok(valLabel, registerOperator(valLabel, true, ""))
	x.ok("svc", registerService("svc", "a", "stake"))
	x.ok(valLabel, optIn(valLabel, "a"))
	x.ok("alice", deposit("alice", valLabel, "333333stake"))
	x.ok(valLabel, allocate(valLabel, "a", "stake", "1"))
	x.ok("svc", program("svc", "a", "1000usdc", "1000s"))
	x.advance(block_s)
	x.c.Inject(func(ctx state.Ctx, p params.Params) error {
		if err := staking.SlashDowntime(ctx, p, addr(valLabel)); err != nil {
			return err
		}
		return restaking.AfterPrimarySlash(ctx, p, addr(valLabel))
	})
	x.advance(block_s)
	for range 40 {
		x.ok("carol", &tx.MsgDelegate{Delegator: s("carol"), Validator: s(valLabel), Amount: "7stake"})
		x.advance(block_s)
	}
	if x.pending("alice", "usdc").IsZero() {
		t.Fatal("alice earned nothing")
	}
}

// Module accounts can be neither a service's admin nor its slash recipient.
func TestModuleAccountsRefusedAsAdminOrRecipient(t *testing.T) {
	x := newH(t, nil)
	x.ok("svc", registerService("svc", "a", "usdc"))
	for _, a := range []string{restaking.RewardsAccount.String(), restaking.Escrow.String(), staking.RewardsPool.String()} {
		x.fails("module-account", "svc", &tx.MsgUpdateService{Admin: s("svc"), Name: "a", NewAdmin: a})
		m := registerService("svc", "b", "usdc")
		m.Destination = a
		x.fails("module-account", "svc", m)
	}
}

// More live programs than one block emits: they take turns, each catching
// up by time, and every one of them pays out in full.
func TestProgramsTakeTurns(t *testing.T) {
	x := newH(t, nil)
	x.ok("op", registerOperator("op", false, ""))
	x.ok("alice", deposit("alice", "op", "30000usdc"))
	n := restaking.MaxEmissionsPerBlock + 20
	var msgs []proto.Message
	for i := 0; i*restaking.MaxProgramsPerService < n; i++ {
		name := fmt.Sprintf("t%02d", i)
		x.ok("svc", registerService("svc", name, "usdc"))
		x.ok("op", optIn("op", name), allocate("op", name, "usdc", "0.1"))
	}
	x.advance(block_s)
	for i := range n {
		msgs = append(msgs, program("svc", fmt.Sprintf("t%02d", i/restaking.MaxProgramsPerService), "1000usdc", "100s"))
		if len(msgs) == 16 || i == n-1 {
			x.ok("svc", msgs...)
			msgs = nil
		}
	}
	x.blocks(30)
	for id := uint64(1); id <= uint64(n); id++ {
		if pg := x.program(id); pg.Status != restaking.ProgramEnded || !pg.Credited.Eq(num.NewInt(1000)) {
			t.Fatalf("program %d: %+v", id, pg)
		}
	}
}

// A program waiting for its start can be cancelled: everything returns.
func TestCancelBeforeStart(t *testing.T) {
	x := rewardSetup(t, nil, "0")
	before := x.balance("svc", "usdc")
	m := program("svc", "a", "1000usdc", "100s")
	m.StartS = x.time + 3600
	x.ok("svc", m)
	m = program("svc", "a", "1000usdc", "100s")
	m.StartHeight = x.c.Height() + 50
	x.ok("svc", m)
	x.advance(block_s)
	x.ok("svc", &tx.MsgCancelRewardProgram{Admin: s("svc"), Id: 1}, &tx.MsgCancelRewardProgram{Admin: s("svc"), Id: 2})
	x.blocks(800)
	if got := x.balance("svc", "usdc"); !got.Eq(before) {
		t.Fatalf("admin holds %s, had %s", got, before)
	}
}

// More programs start at once than a block starts: one left queued can be
// cancelled and leaves nothing behind (the queue invariant runs every block).
func TestCancelWhileQueuedInCrowdedStart(t *testing.T) {
	x := newH(t, nil)
	n := restaking.MaxEmissionsPerBlock + 5
	for i := 0; i*restaking.MaxProgramsPerService < n; i++ {
		x.ok("svc", registerService("svc", fmt.Sprintf("q%02d", i), "usdc"))
	}
	start := x.time + 100
	var msgs []proto.Message
	for i := range n {
		m := program("svc", fmt.Sprintf("q%02d", i/restaking.MaxProgramsPerService), "1000usdc", "100s")
		m.StartS = start
		msgs = append(msgs, m)
		if len(msgs) == 16 || i == n-1 {
			x.ok("svc", msgs...)
			msgs = nil
		}
	}
	x.blocks(20) // the block at the start time starts 128 of them
	x.ok("svc", &tx.MsgCancelRewardProgram{Admin: s("svc"), Id: uint64(n)})
	x.blocks(40)
	if pg := x.program(uint64(n)); pg.Status != restaking.ProgramCancelled || !pg.Refunded().Eq(num.NewInt(1000)) {
		t.Fatalf("program %d: %+v", n, pg)
	}
}

// A service pays rewards in at most MaxRewardDenomsPerService denoms, ever.
func TestRewardDenomsPerServiceBound(t *testing.T) {
	g := genesis(nil)
	for i := range g.Accounts {
		if g.Accounts[i].Address == addr("svc") {
			for d := range restaking.MaxRewardDenomsPerService + 1 {
				g.Accounts[i].Coins += fmt.Sprintf(",1000rw%d", d)
			}
		}
	}
	x := newGenesisH(t, g)
	x.ok("svc", registerService("svc", "a", "stake"))
	for d := range restaking.MaxRewardDenomsPerService {
		x.ok("svc", program("svc", "a", fmt.Sprintf("100rw%d", d), "10s"))
	}
	x.blocks(5) // all ended: the bound counts denoms ever used, not live programs
	x.fails("too-many-reward-denoms", "svc", program("svc", "a", fmt.Sprintf("100rw%d", restaking.MaxRewardDenomsPerService), "10s"))
	x.ok("svc", program("svc", "a", "100rw0", "10s"))
}
