package restaking_test

import (
	"crypto/ed25519"
	"fmt"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
)

// Throughput of restaking messages through whole blocks (BeginBlock →
// DeliverTx* → EndBlock → Commit) on one core, with signature
// verification, in the style of chain's block benchmarks.

const (
	benchAccounts = 2000
	benchBlockTxs = 5000
)

var benchKeys = func() (ks []ed25519.PrivateKey) {
	for i := 0; i < benchAccounts; i++ {
		ks = append(ks, key(fmt.Sprintf("bench/%d", i)))
	}
	return ks
}()

func benchAddr(i int) account.Address {
	return account.FromPubKey(benchKeys[i%benchAccounts].Public().(ed25519.PublicKey))
}

type bench struct {
	*h
	seqs []uint64
}

// newBench: op (registered, opted in to services a and b) and funded bench
// accounts; increases and decreases of allocations apply at once so the
// same operators can allocate again in the next round.
func newBench(b *testing.B) *bench {
	g := genesis(func(p *params.Params) { p.DeallocationDelay_s = 0 })
	for i := 0; i < benchAccounts; i++ {
		g.Accounts = append(g.Accounts, chain.GenesisAccount{Address: benchAddr(i), Coins: "1000000000000usdc,1000000000stake"})
	}
	c, err := chain.New(chainID, store.NewMemBase())
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := c.InitChain(g, start_s); err != nil {
		b.Fatal(err)
	}
	x := &bench{h: &h{t: b, c: c, time: start_s}, seqs: make([]uint64, benchAccounts)}
	x.begin(block_s)
	x.ok("authority", &tx.MsgRegisterAsset{Authority: s("authority"), Denom: "usdc", Price: "1"})
	x.ok("op", registerOperator("op", false, ""))
	x.ok("svc", registerService("svc", "a", "usdc"))
	x.ok("svc2", registerService("svc2", "b", "usdc"))
	x.ok("op", optIn("op", "a"), optIn("op", "b"))
	x.advance(block_s)
	return x
}

// signed pre-signs n transactions round-robin over the bench accounts.
func (x *bench) signed(b *testing.B, n int, msg func(i int) proto.Message) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		a := i % benchAccounts
		var err error
		if out[i], err = tx.SignMsgs(benchKeys[a], chainID, x.seqs[a], "", msg(i)); err != nil {
			b.Fatal(err)
		}
		x.seqs[a]++
	}
	return out
}

// run executes txs in blocks of benchBlockTxs, dt seconds apart.
func (x *bench) run(b *testing.B, txs [][]byte) {
	for i := 0; i < len(txs); i += benchBlockTxs {
		for _, raw := range txs[i:min(i+benchBlockTxs, len(txs))] {
			if r := x.c.DeliverTx(raw); r.Code != chain.CodeOK {
				b.Fatalf("tx failed: %s: %s", r.Rule, r.Log)
			}
		}
		x.advance(block_s)
	}
}

func (x *bench) timed(b *testing.B, txs [][]byte) {
	b.ReportAllocs()
	b.ResetTimer()
	x.run(b, txs)
	b.StopTimer()
	b.ReportMetric(float64(len(txs))/b.Elapsed().Seconds(), "tx/s")
}

func depositMsg(i int) proto.Message {
	return &tx.MsgDeposit{Staker: benchAddr(i).String(), Operator: s("op"), Amount: "1000usdc"}
}

func queueMsg(i int) proto.Message {
	return &tx.MsgQueueWithdrawal{Staker: benchAddr(i).String(), Operator: s("op"), Amount: "1usdc"}
}

func BenchmarkDeposit(b *testing.B) {
	x := newBench(b)
	x.timed(b, x.signed(b, b.N, depositMsg))
}

// BenchmarkDepositNative: stake restaked natively, so each deposit also
// harvests the operator's native rewards and delegates to its validator.
func BenchmarkDepositNative(b *testing.B) {
	x := newBench(b)
	x.ok(valLabel, registerOperator(valLabel, true, ""))
	x.advance(block_s)
	x.timed(b, x.signed(b, b.N, func(i int) proto.Message {
		return &tx.MsgDeposit{Staker: benchAddr(i).String(), Operator: s(valLabel), Amount: "1000stake"}
	}))
}

func BenchmarkQueueWithdrawal(b *testing.B) {
	x := newBench(b)
	x.run(b, x.signed(b, benchAccounts, depositMsg))
	x.timed(b, x.signed(b, b.N, queueMsg))
}

func BenchmarkCompleteWithdrawal(b *testing.B) {
	x := newBench(b)
	x.run(b, x.signed(b, benchAccounts, depositMsg))
	x.run(b, x.signed(b, b.N, queueMsg))
	x.advance(14 * day_s)
	// Withdrawal i+1 was queued by account i % benchAccounts.
	txs := x.signed(b, b.N, func(i int) proto.Message {
		return &tx.MsgCompleteWithdrawal{Staker: benchAddr(i).String(), Id: uint64(i + 1)}
	})
	x.timed(b, txs)
}

// BenchmarkAllocate: operators (the bench accounts, half in service a and
// half in b) alternate their allocation between two magnitudes.
func BenchmarkAllocate(b *testing.B) {
	x := newBench(b)
	reg := x.signed(b, benchAccounts, func(i int) proto.Message {
		return &tx.MsgRegisterOperator{Operator: benchAddr(i).String()}
	})
	opt := x.signed(b, benchAccounts, func(i int) proto.Message {
		return &tx.MsgOptIn{Operator: benchAddr(i).String(), Service: svcOf(i)}
	})
	dep := x.signed(b, benchAccounts, func(i int) proto.Message {
		return &tx.MsgDeposit{Staker: benchAddr(i).String(), Operator: benchAddr(i).String(), Amount: "1000usdc"}
	})
	x.run(b, reg)
	x.run(b, opt)
	x.run(b, dep)
	txs := x.signed(b, b.N, func(i int) proto.Message {
		mag := "0.5"
		if (i/benchAccounts)%2 == 1 {
			mag = "0.25"
		}
		return &tx.MsgAllocate{Operator: benchAddr(i).String(), Service: svcOf(i), Asset: "usdc", Magnitude: mag}
	})
	x.timed(b, txs)
}

func svcOf(i int) string {
	if i%benchAccounts < benchAccounts/2 {
		return "a"
	}
	return "b"
}
