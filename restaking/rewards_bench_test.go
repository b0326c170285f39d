package restaking_test

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

// Service reward benchmarks (SPEC §7; results in docs/PERFORMANCE.md,
// "Service rewards"). They are benchmarks only: plain `go test` skips them.
//
//	go test ./restaking -run '^$' -bench 'RewardBlock' -benchtime 300x -timeout 60m   # builds 1M stakers: ~5 min
//	go test ./restaking -run '^$' -bench 'RewardClaim|RewardDeposit' -benchtime 5000x

// scaleAddr is the i-th synthetic account of a kind (no key: states built
// through chain.Inject call the handlers with the signer directly).
func scaleAddr(kind string, i int) account.Address {
	h := sha256.Sum256([]byte(fmt.Sprintf("restaked/rewards-bench/%s/%d", kind, i)))
	var a account.Address
	copy(a[:], h[:20])
	return a
}

// inject runs fn in the current block as one atomic unit.
func (x *h) inject(fn func(ctx state.Ctx, p params.Params) error) {
	x.t.Helper()
	if err := x.c.Inject(fn); err != nil {
		x.t.Fatal(err)
	}
}

const (
	scaleServices      = 50
	scaleOpsPerService = 200
	scaleOperators     = scaleServices * scaleOpsPerService
)

func scaleService(i int) string { return fmt.Sprintf("svc%02d", i) }

// buildRewardScale: on Pebble, 50 services (admin svc) of 200 operators
// each, every operator opted in to its service and allocating all its usdc
// to it, `stakers` stakers with one position each spread evenly over the
// 10,000 operators, and one reward program per service (so 50 programs,
// each emitting every block for a year). Built through the real handlers
// inside blocks (chain.Inject), 20,000 deposits a block, then compacted.
func buildRewardScale(b *testing.B, stakers, programs int) *h {
	db, err := store.OpenPebble(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	c, err := chain.New(chainID, db)
	if err != nil {
		b.Fatal(err)
	}
	g := genesis(nil)
	for i := range g.Accounts {
		if g.Accounts[i].Address == addr("svc") {
			g.Accounts[i].Coins += ",1000000000000000000000000rw"
		}
	}
	if _, _, err := c.InitChain(g, start_s); err != nil {
		b.Fatal(err)
	}
	x := &h{t: b, c: c, time: start_s}
	x.begin(block_s)
	x.ok("authority", &tx.MsgRegisterAsset{Authority: s("authority"), Denom: "usdc", Price: "0.5"})
	for sv := 0; sv < scaleServices; sv++ {
		x.ok("svc", registerService("svc", scaleService(sv), "usdc"))
	}
	x.advance(block_s)
	for first := 0; first < scaleOperators; first += 2000 {
		x.inject(func(ctx state.Ctx, p params.Params) error {
			for i := first; i < first+2000; i++ {
				op := scaleAddr("op", i)
				svc := scaleService(i / scaleOpsPerService)
				if err := restaking.HandleRegisterOperator(ctx, p, op, &tx.MsgRegisterOperator{Operator: op.String(), Commission: "0.1"}); err != nil {
					return err
				}
				if err := restaking.HandleOptIn(ctx, p, op, &tx.MsgOptIn{Operator: op.String(), Service: svc}); err != nil {
					return err
				}
				if err := restaking.HandleAllocate(ctx, p, op, &tx.MsgAllocate{Operator: op.String(), Service: svc, Asset: "usdc", Magnitude: "1"}); err != nil {
					return err
				}
			}
			return nil
		})
		x.advance(block_s)
	}
	const batch = 20_000
	stake := coin.New("usdc", num.NewInt(1_000_000))
	for first := 0; first < stakers; first += batch {
		x.inject(func(ctx state.Ctx, p params.Params) error {
			for i := first; i < min(first+batch, stakers); i++ {
				a := scaleAddr("staker", i)
				if err := bank.GenesisBalances(ctx.KV, a, coin.Coins{stake}); err != nil {
					return err
				}
				if _, err := restaking.Deposit(ctx, p, a, scaleAddr("op", i%scaleOperators), stake); err != nil {
					return err
				}
			}
			return nil
		})
		x.advance(block_s)
	}
	for sv := 0; sv < programs; sv++ {
		x.ok("svc", program("svc", scaleService(sv), "1000000000000000000rw", "365d"))
	}
	x.advance(block_s)
	x.advance(block_s)
	if err := db.Compact(); err != nil {
		b.Fatal(err)
	}
	return x
}

// benchmarkRewardBlock: one empty block after another (BeginBlock with
// the 50 programs' emission → EndBlock → Commit to Pebble, synced). ns/op
// is the whole block; µs-BeginBlock/op the BeginBlock part, which carries
// the reward emission.
func benchmarkRewardBlock(b *testing.B, stakers, programs int) {
	x := buildRewardScale(b, stakers, programs)
	var begin time.Duration
	b.ReportAllocs()
	for b.Loop() {
		if _, err := x.c.EndBlock(); err != nil {
			b.Fatal(err)
		}
		if err := x.c.Commit(); err != nil {
			b.Fatal(err)
		}
		x.time += block_s
		t0 := time.Now()
		if err := x.c.BeginBlock(chain.Header{Height: x.c.Height() + 1, Time_s: x.time}); err != nil {
			b.Fatal(err)
		}
		begin += time.Since(t0)
	}
	b.ReportMetric(float64(begin.Nanoseconds())/1e3/float64(b.N), "µs-BeginBlock/op")
	// Every program emitted in every block measured.
	for id := uint64(1); id <= uint64(programs); id++ {
		pg, found, err := restaking.GetProgram(x.c.BlockState(), id)
		if err != nil || !found || pg.Status != restaking.ProgramActive || pg.Credited.IsZero() || !pg.Unassigned.IsZero() {
			b.Fatalf("program %+v (%v, found %v)", pg, err, found)
		}
	}
}

func BenchmarkRewardBlock10kStakers(b *testing.B) { benchmarkRewardBlock(b, 10_000, scaleServices) }
func BenchmarkRewardBlock1MStakers(b *testing.B)  { benchmarkRewardBlock(b, 1_000_000, scaleServices) }

// BenchmarkRewardBlockNoPrograms: the same 10,000-staker state without
// programs (the empty block's cost apart from reward emission).
func BenchmarkRewardBlockNoPrograms(b *testing.B) { benchmarkRewardBlock(b, 10_000, 0) }

// rewardClaimSetup: alice holds 10 positions (10 operators × 1,000 usdc)
// earning in 5 reward denoms (rw0…rw4): 50 streams. With services = 5,
// every operator allocates 0.2 of its usdc to each of 5 services, each
// running one program in its own denom; with services = 1, operators
// allocate everything to one service running 5 programs, one per denom.
// Bob holds a position with each operator too, so the vaults are shared.
// In-memory store or Pebble, no invariants.
func rewardClaimSetup(b *testing.B, services int, pebble bool) *h {
	var base store.Base = store.NewMemBase()
	if pebble {
		db, err := store.OpenPebble(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		base = db
	}
	g := genesis(nil)
	for i := range g.Accounts {
		if g.Accounts[i].Address == addr("svc") {
			for d := 0; d < 5; d++ {
				g.Accounts[i].Coins += fmt.Sprintf(",1000000000000000000000rw%d", d)
			}
		}
	}
	x := newGenesisHOn(b, g, base)
	x.c.CheckInvariants = false
	x.ok("authority", &tx.MsgRegisterAsset{Authority: s("authority"), Denom: "usdc", Price: "0.5"})
	for sv := 0; sv < services; sv++ {
		x.ok("svc", registerService("svc", scaleService(sv), "usdc"))
	}
	mag := map[int]string{1: "1", 5: "0.2"}[services]
	x.inject(func(ctx state.Ctx, p params.Params) error {
		for i := 0; i < 10; i++ {
			op := scaleAddr("claim-op", i)
			if err := restaking.HandleRegisterOperator(ctx, p, op, &tx.MsgRegisterOperator{Operator: op.String(), Commission: "0.05"}); err != nil {
				return err
			}
			for sv := 0; sv < services; sv++ {
				if err := restaking.HandleOptIn(ctx, p, op, &tx.MsgOptIn{Operator: op.String(), Service: scaleService(sv)}); err != nil {
					return err
				}
				if err := restaking.HandleAllocate(ctx, p, op, &tx.MsgAllocate{Operator: op.String(), Service: scaleService(sv), Asset: "usdc", Magnitude: mag}); err != nil {
					return err
				}
			}
			for _, st := range []string{"alice", "bob"} {
				if _, err := restaking.Deposit(ctx, p, addr(st), op, coin.New("usdc", num.NewInt(1000))); err != nil {
					return err
				}
			}
		}
		return nil
	})
	for d := 0; d < 5; d++ {
		x.ok("svc", program("svc", scaleService(d%services), fmt.Sprintf("1000000000000000rw%d", d), "365d"))
	}
	x.advance(block_s)
	return x
}

// BenchmarkRewardClaim10Positions5Denoms: one claim_rewards by alice per
// block, each finding a block's new rewards in all 50 streams (so each of
// her 10 vaults is pulled first). Timed: DeliverTx of the pre-signed
// claim without signature verification — decoding, admission (sequence,
// zero fee), the primary-staking and native claims (nothing to pay) and
// ClaimService (pull the 10 vaults, settle and zero the 50 position
// streams, book the payments, 5 bank sends). Not timed: signing, and the
// empty block between two claims. On the in-memory store, and on Pebble
// (the node's store: each block's writes committed to disk, reads below
// the block's buffer going to Pebble and its block cache).
func BenchmarkRewardClaim10Positions5Denoms(b *testing.B) {
	for _, services := range []int{5, 1} {
		b.Run(fmt.Sprintf("services=%d", services), func(b *testing.B) { benchmarkRewardClaim(b, services, false) })
	}
	b.Run("services=5/pebble", func(b *testing.B) { benchmarkRewardClaim(b, 5, true) })
}

func benchmarkRewardClaim(b *testing.B, services int, pebble bool) {
	x := rewardClaimSetup(b, services, pebble)
	if list, err := restaking.PendingService(x.c.BlockState(), addr("alice")); err != nil || len(list) != 50 {
		b.Fatalf("alice has %d streams pending (%v), want 50", len(list), err)
	}
	seq, err := auth.Sequence(x.c.BlockState(), addr("alice"))
	if err != nil {
		b.Fatal(err)
	}
	txs := make([][]byte, b.N)
	for i := range txs {
		if txs[i], err = tx.SignMsgs(key("alice"), chainID, seq+uint64(i), "", claim("alice")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		x.advance(block_s)
		b.StartTimer()
		if r := x.c.DeliverTx(txs[i]); r.Code != chain.CodeOK {
			b.Fatalf("claim: %s: %s", r.Rule, r.Log)
		}
	}
	b.StopTimer()
	if got := x.balance("alice", "rw4"); got.IsZero() {
		b.Fatal("alice was paid nothing in rw4")
	}
}

// rewardDepositSetup: operator op allocating its usdc to `services`
// services (1/services each), each service running a program (one denom
// each), and the 2,000 funded bench accounts; an initial deposit each so
// that later deposits top up existing positions.
func rewardDepositSetup(b *testing.B, services int) *bench {
	g := genesis(nil)
	for i := 0; i < benchAccounts; i++ {
		g.Accounts = append(g.Accounts, chain.GenesisAccount{Address: benchAddr(i), Coins: "1000000000000usdc"})
	}
	for i := range g.Accounts {
		if g.Accounts[i].Address == addr("svc") {
			g.Accounts[i].Coins += ",1000000000000000000000rw"
		}
	}
	x := &bench{h: newGenesisH(b, g), seqs: make([]uint64, benchAccounts)}
	x.c.CheckInvariants = false
	x.ok("authority", &tx.MsgRegisterAsset{Authority: s("authority"), Denom: "usdc", Price: "1"})
	x.ok("op", registerOperator("op", false, ""))
	if services > 0 {
		mag, err := num.OneDec().QuoDown(num.MustDec(fmt.Sprint(services)))
		if err != nil {
			b.Fatal(err)
		}
		for sv := 0; sv < services; sv++ {
			name := scaleService(sv)
			x.ok("svc", registerService("svc", name, "usdc"))
			x.ok("op", optIn("op", name))
			x.ok("op", &tx.MsgAllocate{Operator: s("op"), Service: name, Asset: "usdc", Magnitude: mag.String()})
		}
	}
	x.advance(block_s)
	x.run(b, x.signed(b, benchAccounts, depositMsg))
	for sv := 0; sv < services; sv++ {
		x.ok("svc", program("svc", scaleService(sv), "1000000000000000rw", "365d"))
	}
	x.advance(block_s)
	return x
}

// benchmarkRewardDeposit: deposits (topping up positions) into op's vault
// in blocks of perBlock, without signature verification. With programs,
// each deposit pulls the vault's streams and settles the position before
// its shares change, then reweighs every allocation; the first deposit of
// each block finds a block's new rewards to pull. Not timed: signing and
// the block boundaries.
func benchmarkRewardDeposit(b *testing.B, services, perBlock int) {
	x := rewardDepositSetup(b, services)
	x.c.VerifySignatures = false
	txs := x.signed(b, b.N, depositMsg)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < len(txs); i += perBlock {
		for _, raw := range txs[i:min(i+perBlock, len(txs))] {
			if r := x.c.DeliverTx(raw); r.Code != chain.CodeOK {
				b.Fatalf("deposit: %s: %s", r.Rule, r.Log)
			}
		}
		b.StopTimer()
		x.advance(block_s)
		b.StartTimer()
	}
}

func BenchmarkRewardDeposit(b *testing.B) {
	for _, services := range []int{0, 8} {
		for _, perBlock := range []int{1, 100} {
			b.Run(fmt.Sprintf("services=%d/perBlock=%d", services, perBlock), func(b *testing.B) {
				benchmarkRewardDeposit(b, services, perBlock)
			})
		}
	}
}
