package node

import (
	"bytes"
	"context"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
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
		nodes[i], err = StartKVStore(TestnetHome(dir, i), testLogger())
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

	// Stop the last node and let the remaining 3/4 of the power move on.
	last := n - 1
	stoppedAt := height(ctx, clients[last])
	if err := nodes[last].Stop(); err != nil {
		t.Fatal(err)
	}
	waitHeight(ctx, t, clients[0], stoppedAt+3)

	restart := time.Now()
	nodes[last], err = StartKVStore(TestnetHome(dir, last), testLogger())
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	clients[last] = rpcClient(t, nodes[last])
	target := height(ctx, clients[0]) + 1
	for _, c := range clients {
		waitHeight(ctx, t, c, target)
	}
	t.Logf("restarted node caught up from %d to %d in %v", stoppedAt, target, time.Since(restart))

	// Same block and app hash at a common height on every node.
	want, err := clients[0].Block(ctx, &target)
	if err != nil {
		t.Fatal(err)
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
