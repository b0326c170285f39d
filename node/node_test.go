package node

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/abci/example/kvstore"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	coretypes "github.com/cometbft/cometbft/rpc/core/types"
	"github.com/cometbft/cometbft/types"
)

// initKVHome creates a single-validator home: kvstore takes its validators
// from genesis, so the node's own key is written into genesis.json.
func initKVHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	ports := freePorts(t, 2)
	o := HomeOptions{
		Home: home, ChainID: "restaked-test", P2PPort: ports[0], RPCPort: ports[1],
		TimeoutCommit: 200 * time.Millisecond,
	}
	vk, err := InitHome(o)
	if err != nil {
		t.Fatal(err)
	}
	g := Genesis{ChainID: o.ChainID, Validators: []GenesisValidator{{ConsPubKey: vk.ConsPubKey, Power: 10}}}
	if err := WriteGenesis(home, g); err != nil {
		t.Fatal(err)
	}
	return home
}

func TestSingleNodeKVStore(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := Start(initKVHome(t), kvstore.NewInMemoryApplication(), testLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	c := rpcClient(t, n)

	start := time.Now()
	waitHeight(ctx, t, c, 3)
	t.Logf("height 3 after %v", time.Since(start))

	tx := types.Tx("restaked=works")
	res, err := c.BroadcastTxCommit(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	if res.CheckTx.IsErr() || res.TxResult.IsErr() || res.Height == 0 {
		t.Fatalf("tx not committed: %+v", res)
	}
	// The kv indexer must serve /tx; it indexes asynchronously.
	got := waitTx(ctx, t, c, tx.Hash())
	if got.Height != res.Height || !bytes.Equal(got.Tx, tx) {
		t.Fatalf("tx lookup: height %d tx %q, want %d %q", got.Height, got.Tx, res.Height, tx)
	}
	q, err := c.ABCIQuery(ctx, "", []byte("restaked"))
	if err != nil {
		t.Fatal(err)
	}
	if string(q.Response.Value) != "works" {
		t.Fatalf("query value %q", q.Response.Value)
	}

	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-n.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if err := n.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

func waitTx(ctx context.Context, t *testing.T, c *rpchttp.HTTP, hash []byte) *coretypes.ResultTx {
	t.Helper()
	for {
		got, err := c.Tx(ctx, hash, false)
		if err == nil {
			return got
		}
		select {
		case <-ctx.Done():
			t.Fatalf("tx %X not indexed: %v", hash, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestKVStoreRestart checks that Stop releases the home so the same
// process can start it again, and that the persistent baseline resumes.
func TestKVStoreRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	home := initKVHome(t)
	var last int64
	for round := range 2 {
		n, err := StartKVStore(home, testLogger())
		if err != nil {
			t.Fatalf("start %d: %v", round, err)
		}
		c := rpcClient(t, n)
		waitHeight(ctx, t, c, last+2)
		last = height(ctx, c)
		if err := n.Stop(); err != nil {
			t.Fatalf("stop %d: %v", round, err)
		}
	}
}

// TestKVStoreEmptyGenesisValidators covers restaked-style homes, whose
// genesis lists no validators: the baseline makes the node its own validator.
func TestKVStoreEmptyGenesisValidators(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ports := freePorts(t, 2)
	home := t.TempDir()
	_, err := InitHome(HomeOptions{
		Home: home, ChainID: "restaked-empty", P2PPort: ports[0], RPCPort: ports[1],
		TimeoutCommit: 200 * time.Millisecond, AppState: []byte(`{"ignored":true}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := StartKVStore(home, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop()
	waitHeight(ctx, t, rpcClient(t, n), 2)
}

// TestStartFailureReleasesHome checks that a failed start (P2P port taken)
// leaves nothing locked, so the same home starts once the port is free.
func TestStartFailureReleasesHome(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	home := initKVHome(t)
	conf, err := loadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", strings.TrimPrefix(conf.P2P.ListenAddress, "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := StartKVStore(home, testLogger()); err == nil {
		n.Stop()
		t.Fatal("start succeeded with the P2P port taken")
	}
	l.Close()
	n, err := StartKVStore(home, testLogger())
	if err != nil {
		t.Fatalf("start after failure: %v", err)
	}
	defer n.Stop()
	waitHeight(ctx, t, rpcClient(t, n), 2)
}
