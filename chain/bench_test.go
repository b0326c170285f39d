package chain

import (
	"crypto/ed25519"
	"fmt"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
)

const (
	benchAccounts = 2000
	benchBlockTxs = 5000
)

type benchEnv struct {
	keys  []ed25519.PrivateKey
	addrs []string
}

var benchKeys = func() benchEnv {
	var e benchEnv
	for i := 0; i < benchAccounts; i++ {
		k := key(fmt.Sprintf("bench/%d", i))
		e.keys = append(e.keys, k)
		e.addrs = append(e.addrs, account.FromPubKey(k.Public().(ed25519.PublicKey)).String())
	}
	return e
}()

func benchGenesis() Genesis {
	g := testGenesis(nil)
	for _, a := range benchKeys.addrs {
		addr, _ := account.Parse(a)
		g.Accounts = append(g.Accounts, GenesisAccount{Address: addr, Coins: "1000000000stake"})
	}
	return g
}

// benchTxs pre-signs n transactions round-robin over the bench accounts.
func benchTxs(b *testing.B, n int, msg func(i int) proto.Message) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		a := i % benchAccounts
		out[i] = signTx(b, benchKeys.keys[a], testChainID, uint64(i/benchAccounts), "", msg(i))
	}
	return out
}

// runBlocks executes txs in blocks of benchBlockTxs: BeginBlock, DeliverTx*, EndBlock, Commit.
func runBlocks(b *testing.B, c *Chain, txs [][]byte, start_s int64) {
	height := c.Height()
	for i := 0; i < len(txs); i += benchBlockTxs {
		height++
		if err := c.BeginBlock(Header{Height: height, Time_s: start_s + height*5}); err != nil {
			b.Fatal(err)
		}
		for _, raw := range txs[i:min(i+benchBlockTxs, len(txs))] {
			if r := c.DeliverTx(raw); r.Code != CodeOK {
				b.Fatalf("tx failed: %s", r.Log)
			}
		}
		if _, err := c.EndBlock(); err != nil {
			b.Fatal(err)
		}
		if err := c.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchChain(b *testing.B, base store.Base, verify bool) *Chain {
	c, err := New(testChainID, base)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := c.InitChain(benchGenesis(), genesisTime_s); err != nil {
		b.Fatal(err)
	}
	c.VerifySignatures = verify
	return c
}

func benchmarkBlocks(b *testing.B, base func(b *testing.B) store.Base, verify bool, msg func(i int) proto.Message) {
	txs := benchTxs(b, b.N, msg)
	c := benchChain(b, base(b), verify)
	b.ReportAllocs()
	b.ResetTimer()
	runBlocks(b, c, txs, genesisTime_s)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

func memBase(*testing.B) store.Base { return store.NewMemBase() }

func pebbleBase(b *testing.B) store.Base {
	db, err := store.OpenPebble(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func sendMsg(i int) proto.Message {
	a := i % benchAccounts
	return &tx.MsgSend{From: benchKeys.addrs[a], To: benchKeys.addrs[(a+1)%benchAccounts], Amount: "1stake"}
}

func delegateMsg(i int) proto.Message {
	a := i % benchAccounts
	return &tx.MsgDelegate{Delegator: benchKeys.addrs[a], Validator: addrOf(validatorLabel).String(), Amount: "1000stake"}
}

// Block execution throughput on one core (BeginBlock → DeliverTx* → EndBlock → Commit).
func BenchmarkBlockSendNoSig(b *testing.B)       { benchmarkBlocks(b, memBase, false, sendMsg) }
func BenchmarkBlockSendSig(b *testing.B)         { benchmarkBlocks(b, memBase, true, sendMsg) }
func BenchmarkBlockDelegateNoSig(b *testing.B)   { benchmarkBlocks(b, memBase, false, delegateMsg) }
func BenchmarkBlockDelegateSig(b *testing.B)     { benchmarkBlocks(b, memBase, true, delegateMsg) }
func BenchmarkBlockSendSigPebble(b *testing.B)   { benchmarkBlocks(b, pebbleBase, true, sendMsg) }
func BenchmarkBlockSendNoSigPebble(b *testing.B) { benchmarkBlocks(b, pebbleBase, false, sendMsg) }

// An empty block: what `advance: 30d` in the simulator pays 518,400 times.
func BenchmarkEmptyBlock(b *testing.B) {
	c := benchChain(b, store.NewMemBase(), true)
	b.ReportAllocs()
	b.ResetTimer()
	runEmpty(b, c, b.N)
}

func runEmpty(b *testing.B, c *Chain, n int) {
	for i := 0; i < n; i++ {
		h := c.Height() + 1
		if err := c.BeginBlock(Header{Height: h, Time_s: genesisTime_s + h*5}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.EndBlock(); err != nil {
			b.Fatal(err)
		}
		if err := c.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
