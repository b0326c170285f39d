package node

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
)

// testLogger shows only CometBFT errors, which go test prints on failure;
// RESTAKED_TEST_LOG=debug|info shows more.
func testLogger() *slog.Logger {
	level := slog.LevelError
	_ = level.UnmarshalText([]byte(os.Getenv("RESTAKED_TEST_LOG")))
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// freePorts returns n distinct ports that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// freeBasePort finds a base port whose testnet ports for n nodes are free.
func freeBasePort(t *testing.T, n int) int {
	t.Helper()
	for attempt := range 50 {
		base := 20000 + (os.Getpid()*7+attempt*997)%30000
		if testnetPortsFree(base, n) {
			return base
		}
	}
	t.Fatal("no free port range found")
	return 0
}

func testnetPortsFree(base, n int) bool {
	for i := range n {
		p2p, rpc := TestnetPorts(base, i)
		for _, p := range []int{p2p, rpc} {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				return false
			}
			l.Close()
		}
	}
	return true
}

func rpcClient(t *testing.T, n *Node) *rpchttp.HTTP {
	t.Helper()
	c, err := rpchttp.New(n.RPCAddr(), "/websocket")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// height returns the latest block height, or 0 while RPC is unreachable.
func height(ctx context.Context, c *rpchttp.HTTP) int64 {
	st, err := c.Status(ctx)
	if err != nil {
		return 0
	}
	return st.SyncInfo.LatestBlockHeight
}

// waitHeight polls until the node reaches h or ctx ends.
func waitHeight(ctx context.Context, t *testing.T, c *rpchttp.HTTP, h int64) {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if height(ctx, c) >= h {
			return
		}
		select {
		case <-ctx.Done():
			last, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			t.Fatalf("height %d not reached (at %d): %v", h, height(last, c), ctx.Err())
		case <-tick.C:
		}
	}
}
