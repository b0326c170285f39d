package node

import (
	"bytes"
	"context"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"
)

// TestTestnetKVStore runs four kvstore validators in this process, restarts
// one from its home and checks it catches up on the same chain.
func TestTestnetKVStore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 4-node network")
	}
	const n = 4
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	_, err := GenerateTestnet(TestnetOptions{
		Dir: dir, N: n, ChainID: "restaked-testnet", BasePort: freeBasePort(t, n),
		TimeoutCommit: 300 * time.Millisecond, GenesisPower: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]*Node, n)
	clients := make([]*rpchttp.HTTP, n)
	t.Cleanup(func() {
		for _, nd := range nodes {
			if nd != nil {
				nd.Stop()
			}
		}
	})
	for i := range nodes {
		nodes[i], err = StartKVStore(TestnetHome(dir, i), testLogger().With("node", i))
		if err != nil {
			t.Fatalf("node%d: %v", i, err)
		}
		clients[i] = rpcClient(t, nodes[i])
	}
	start := time.Now()
	for _, c := range clients {
		waitHeight(ctx, t, c, 3)
	}
	t.Logf("all at height 3 after %v", time.Since(start))
	commitTx(ctx, t, clients[0], "before=1")

	// Stop the last node and let the remaining 3/4 of the power move on.
	last := n - 1
	stoppedAt := height(ctx, clients[last])
	stopStart := time.Now()
	if err := nodes[last].Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped node%d in %v", last, time.Since(stopStart))
	// Blocks with a tx that the restarted node has to catch up on.
	commitTx(ctx, t, clients[1], "during=2")
	waitHeight(ctx, t, clients[0], stoppedAt+2)

	restart := time.Now()
	nodes[last], err = StartKVStore(TestnetHome(dir, last), testLogger().With("node", last))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	clients[last] = rpcClient(t, nodes[last])
	target := height(ctx, clients[0]) + 1
	for _, c := range clients {
		waitHeight(ctx, t, c, target)
	}
	t.Logf("restarted node caught up from %d to %d in %v", stoppedAt, target, time.Since(restart))

	q, err := clients[last].ABCIQuery(ctx, "", []byte("during"))
	if err != nil || string(q.Response.Value) != "2" {
		t.Fatalf("restarted node missed tx: %v %q", err, q.Response.GetValue())
	}

	// Same block and app hash at a common height on every node.
	want, err := clients[0].Block(ctx, &target)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(want.Block.AppHash, make([]byte, len(want.Block.AppHash))) {
		t.Fatalf("app hash %X does not reflect the txs", want.Block.AppHash)
	}
	for i, c := range clients[1:] {
		got, err := c.Block(ctx, &target)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.BlockID.Hash, want.BlockID.Hash) || !bytes.Equal(got.Block.AppHash, want.Block.AppHash) {
			t.Fatalf("node%d diverges at %d: block %X app %X, want %X %X", i+1, target,
				got.BlockID.Hash, got.Block.AppHash, want.BlockID.Hash, want.Block.AppHash)
		}
	}
}

func commitTx(ctx context.Context, t *testing.T, c *rpchttp.HTTP, tx string) {
	t.Helper()
	res, err := c.BroadcastTxCommit(ctx, types.Tx(tx))
	if err != nil {
		t.Fatal(err)
	}
	if res.CheckTx.IsErr() || res.TxResult.IsErr() {
		t.Fatalf("tx %q failed: %+v", tx, res)
	}
}
