package loadgen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/restaked/restaked/node"
)

func TestLoopbackURL(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:26657":  "http://127.0.0.1:26657",
		"http://localhost:26657/": "http://127.0.0.1:26657",
	} {
		got, err := LoopbackURL(raw)
		if err != nil || got != want {
			t.Errorf("LoopbackURL(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{
		"http://10.0.0.1:26657", "http://example.com:26657", "http://[::1]:26657", "http://0.0.0.0:26657",
		"https://127.0.0.1:26657", "tcp://127.0.0.1:26657", "http://127.0.0.1", "http://127.0.0.1:26657/rpc",
		"http://user@127.0.0.1:26657", "127.0.0.1:26657", "",
	} {
		if _, err := LoopbackURL(raw); err == nil {
			t.Errorf("LoopbackURL(%q): want an error", raw)
		}
	}
}

func TestRunRefusesRemoteRPC(t *testing.T) {
	_, err := Run(context.Background(), Options{RPC: "http://192.0.2.1:26657", Streams: [][][]byte{{[]byte("a=b")}}})
	if err == nil || !strings.Contains(err.Error(), "only 127.0.0.1") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}

func TestLoopbackDialer(t *testing.T) {
	_, err := loopbackDialer(context.Background(), "tcp", "192.0.2.1:80")
	if !errors.Is(err, errNotLoopback) {
		t.Fatalf("err = %v, want errNotLoopback", err)
	}
}

// startKVStore runs CometBFT's kvstore on free loopback ports with fast
// blocks; mempoolSize > 0 shrinks the mempool to exercise the retries.
func startKVStore(t *testing.T, mempoolSize int) string {
	t.Helper()
	home := t.TempDir()
	ports := freePorts(t, 2)
	if _, err := node.InitHome(node.HomeOptions{Home: home, ChainID: "loadgen-test", P2PPort: ports[0],
		RPCPort: ports[1], TimeoutCommit: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if mempoolSize > 0 {
		setMempoolSize(t, home, mempoolSize)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	n, err := node.StartKVStore(home, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	})
	return n.RPCAddr()
}

func setMempoolSize(t *testing.T, home string, size int) {
	t.Helper()
	path := filepath.Join(home, "config", "config.toml")
	bz, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(bz), "\nsize = 5000\n", fmt.Sprintf("\nsize = %d\n", size), 1)
	if s == string(bz) {
		t.Fatal("mempool size not found in config.toml")
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
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

func kvStreams(streams, perStream int) [][][]byte {
	out := make([][][]byte, streams)
	for i := range out {
		for j := range perStream {
			out[i] = append(out[i], fmt.Appendf(nil, "k%d-%d=v", i, j))
		}
	}
	return out
}

// A mempool far smaller than the load: with pacing at its size every
// transaction is committed and the mempool never reports full.
func TestRunPacedCommitsAll(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node")
	}
	rpc := startKVStore(t, 10)
	res, err := Run(context.Background(), Options{RPC: rpc, Streams: kvStreams(4, 50), MaxPending: 10,
		MaxDuration: 30 * time.Second, DrainTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 200 || res.Committed != 200 || res.Succeeded != 200 || !res.Drained {
		t.Fatalf("result %+v: want all 200 sent, committed and succeeded", res)
	}
	if res.FullWaits != 0 {
		t.Errorf("paced run hit a full mempool: %+v", res)
	}
	if res.Elapsed <= 0 || res.TxPerSec <= 0 || res.TxBlocks < 1 || res.Blocks < res.TxBlocks {
		t.Errorf("inconsistent measurement: %+v", res)
	}
}

// Without pacing, streams resend while the mempool is full. CometBFT may
// drop a transaction it reported accepted (see pacer), so only the upper
// bound on what was committed is exact.
func TestRunRetriesWhenMempoolFull(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node")
	}
	rpc := startKVStore(t, 10)
	res, err := Run(context.Background(), Options{RPC: rpc, Streams: kvStreams(4, 50),
		MaxDuration: 30 * time.Second, DrainTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 200 || res.FullWaits == 0 || res.Committed == 0 || res.Committed > res.Sent || !res.Drained {
		t.Fatalf("result %+v: want 200 sent after waiting for room, at most 200 committed", res)
	}
}

// A rejected transaction stops its stream only; the others go on.
func TestRunStopsStreamAtRejection(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node")
	}
	rpc := startKVStore(t, 0)
	streams := kvStreams(2, 5)
	streams[0][2] = []byte("not-a-kv-tx") // kvstore needs exactly one '='
	res, err := Run(context.Background(), Options{RPC: rpc, Streams: streams,
		MaxDuration: 30 * time.Second, DrainTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 7 || res.Rejected != 1 || res.Unsent != 2 || res.Committed != 7 || res.FirstError == "" {
		t.Fatalf("result %+v: want 7 sent and committed, 1 rejected, 2 unsent", res)
	}
}

// Sending stops at MaxDuration even with transactions left.
func TestRunStopsAtMaxDuration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node")
	}
	rpc := startKVStore(t, 0)
	res, err := Run(context.Background(), Options{RPC: rpc, Streams: kvStreams(1, 100_000),
		MaxDuration: 300 * time.Millisecond, DrainTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unsent == 0 || res.Sent+res.Unsent != 100_000 || res.Committed != res.Sent {
		t.Fatalf("result %+v: want a partial, fully committed send", res)
	}
}
