package restaking_test

import (
	"testing"

	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/tx"
)

// Reward programs large enough to overflow an accumulator must never halt
// the chain (SPEC §12: bad input never stops the node).
//
// serviceAcc.Acc rises each block by share × 1e36 / U (rewards.Spread),
// U being the service's total weight in the asset. With U = 2 (2 usdc at
// price 0.5) it would pass 2^256 once a stream had spread about 2.3e41
// base units, in one block or over many. Programs are capped at 1e36 base
// units, and a spread that would still overflow (over very many programs)
// is refunded as unassigned; these tests check blocks keep coming either
// way.

// overflowChain: alice's 2 usdc with op, allocated to service a; svc
// holds 1e76 "big".
func overflowChain(t *testing.T) *h {
	g := genesis(nil)
	for i := range g.Accounts {
		if g.Accounts[i].Address == addr("svc") {
			g.Accounts[i].Coins += ",10000000000000000000000000000000000000000000000000000000000000000000000000000big"
		}
	}
	x := newGenesisH(t, g)
	x.ok("authority", &tx.MsgRegisterAsset{Authority: s("authority"), Denom: "usdc", Price: "0.5"})
	x.ok("op", registerOperator("op", false, ""))
	x.ok("svc", registerService("svc", "a", "usdc"))
	x.ok("op", optIn("op", "a"))
	x.ok("alice", deposit("alice", "op", "2usdc"))
	x.ok("op", allocate("op", "a", "usdc", "1"))
	x.advance(block_s)
	return x
}

// runBlocks ends the current block and begins n more, failing with the
// height whose BeginBlock errors (the node could not go on).
func runBlocks(t *testing.T, x *h, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := x.c.EndBlock(); err != nil {
			t.Fatalf("end block %d: %v", x.c.Height()+1, err)
		}
		if err := x.c.Commit(); err != nil {
			t.Fatalf("commit %d: %v", x.c.Height()+1, err)
		}
		x.time += block_s
		if err := x.c.BeginBlock(chain.Header{Height: x.c.Height() + 1, Time_s: x.time}); err != nil {
			t.Fatalf("block %d cannot begin (the chain halts): %v", x.c.Height()+1, err)
		}
	}
}

// One block's emission overflows: 1e47 over 10 s.
func TestRewardProgramOverflowOneBlock(t *testing.T) {
	x := overflowChain(t)
	x.fails("bad-amount", "svc", program("svc", "a", "100000000000000000000000000000000000000000000000big", "10s"))
	runBlocks(t, x, 5)
}

// Each block's spread fits, their sum does not: 3e41 over 100 s
// (1.5e40 a block raises the accumulator by 7.5e75 each time).
func TestRewardProgramOverflowAccumulated(t *testing.T) {
	x := overflowChain(t)
	x.fails("bad-amount", "svc", program("svc", "a", "300000000000000000000000000000000000000000big", "100s"))
	// At the cap, blocks keep coming (the accumulators' own fallbacks are
	// tested in streams_internal_test.go).
	x.ok("svc", program("svc", "a", "1000000000000000000000000000000000000big", "100s"))
	runBlocks(t, x, 25)
}
