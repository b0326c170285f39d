// Package apitest builds real restaked chains for tests of the API and its
// clients: the application on a Pebble store in a temporary directory,
// driven block by block by the test (Chain) or by an in-process CometBFT
// node (StartNode).
package apitest

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	"google.golang.org/protobuf/proto"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/app"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/keyring"
	"github.com/restaked/restaked/node"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/tx"
)

// ChainID of every test chain.
const ChainID = "restaked-apitest"

// Test amounts, in the native denom "stake".
const (
	MinFee         = 10
	InitialBalance = 1_000_000_000
	SelfDelegation = 100_000_000
)

// Well-known keys. Alice is funded and is the params authority, Bob starts
// empty, Val operates the genesis validator.
var (
	Alice = keyring.DeterministicKey("alice")
	Bob   = keyring.DeterministicKey("bob")
	Val   = keyring.DeterministicKey("val")
)

// Addr is the account address of a key.
func Addr(k ed25519.PrivateKey) account.Address {
	return account.FromPubKey(k.Public().(ed25519.PublicKey))
}

// Genesis funds Alice and Val and makes Val a validator with consKey.
func Genesis(consKey []byte) chain.Genesis {
	p := params.Default()
	p.MinFee = num.NewInt(MinFee)
	p.Authority = Addr(Alice)
	coins := fmt.Sprintf("%dstake", InitialBalance)
	return chain.Genesis{
		ChainID: ChainID,
		Params:  p,
		Accounts: []chain.GenesisAccount{
			{Address: Addr(Alice), Coins: coins},
			{Address: Addr(Val), Coins: coins},
		},
		Validators: []chain.GenesisValidator{{
			Operator: Addr(Val), ConsPubKey: consKey, SelfDelegation: num.NewInt(SelfDelegation),
			Commission: num.MustDec("0.1"), Moniker: "val0",
		}},
	}
}

// Logger shows only errors, which go test prints on failure.
func Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// Sign builds and signs a tx from key with the given sequence and the
// minimum fee.
func Sign(t testing.TB, key ed25519.PrivateKey, seq uint64, msgs ...proto.Message) []byte {
	t.Helper()
	raw, err := tx.SignMsgs(key, ChainID, seq, fmt.Sprintf("%dstake", MinFee), msgs...)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Send is a signed MsgSend.
func Send(t testing.TB, from ed25519.PrivateKey, seq uint64, to account.Address, amount string) []byte {
	t.Helper()
	return Sign(t, from, seq, &tx.MsgSend{From: Addr(from).String(), To: to.String(), Amount: amount})
}

// Chain is the application driven directly by the test, without consensus.
type Chain struct {
	App     *app.App
	ConsKey ed25519.PrivateKey
	Height  int64
	Time    time.Time
}

// NewChain opens the app in a temporary directory and applies Genesis.
// Genesis state is committed with the first block, so call Block once
// before reading.
func NewChain(t testing.TB) *Chain {
	t.Helper()
	a, err := app.Open(t.TempDir(), ChainID, Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	c := &Chain{App: a, ConsKey: keyring.DeterministicKey("val-consensus"), Time: time.Unix(1_700_000_000, 0).UTC()}
	g, err := json.Marshal(Genesis(c.ConsKey.Public().(ed25519.PublicKey)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.InitChain(context.Background(), &abci.RequestInitChain{Time: c.Time, ChainId: ChainID, AppStateBytes: g, InitialHeight: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Block executes and commits one block of txs, five seconds after the last.
func (c *Chain) Block(t testing.TB, txs ...[]byte) []*abci.ExecTxResult {
	t.Helper()
	c.Height++
	c.Time = c.Time.Add(5 * time.Second)
	consAddr := sha256.Sum256(c.ConsKey.Public().(ed25519.PublicKey))
	res, err := c.App.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{
		Height: c.Height, Time: c.Time, Txs: txs, ProposerAddress: consAddr[:20],
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.App.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	return res.TxResults
}

// Node is the application run by a real in-process CometBFT node.
type Node struct {
	App  *app.App
	Node *node.Node
	RPC  rpcclient.Client
	Home string
}

// StartNode starts a one-validator chain with Genesis and waits for its
// first block. It is stopped when the test ends.
func StartNode(t testing.TB) *Node {
	t.Helper()
	home := t.TempDir()
	ports := freePorts(t, 2)
	p2p, rpc := ports[0], ports[1]
	vk, err := node.InitHome(node.HomeOptions{Home: home, ChainID: ChainID, P2PPort: p2p, RPCPort: rpc,
		TimeoutCommit: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	g, err := json.Marshal(Genesis(vk.ConsPubKey))
	if err != nil {
		t.Fatal(err)
	}
	if err := node.WriteGenesis(home, node.Genesis{ChainID: ChainID, AppState: g}); err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(filepath.Join(home, "data", "app"), ChainID, Logger())
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Start(home, a, Logger())
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.Stop()
		a.Close()
	})
	nd := &Node{App: a, Node: n, RPC: rpclocal.New(n.Comet()), Home: home}
	nd.WaitHeight(t, 1)
	return nd
}

// WaitHeight waits up to 30s until the app has committed height h.
func (n *Node) WaitHeight(t testing.TB, h int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if info, err := n.App.Info(context.Background(), &abci.RequestInfo{}); err == nil && info.LastBlockHeight >= h {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("height %d not reached within 30s", h)
}

// freePorts holds all listeners open until it returns, so the ports differ.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	out := make([]int, n)
	for i := range out {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		out[i] = l.Addr().(*net.TCPAddr).Port
	}
	return out
}
