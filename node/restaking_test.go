package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"
	"google.golang.org/protobuf/proto"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/app"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

const rsChainID = "restaked-rs-testnet"

// rsKey is a test key derived from a label.
func rsKey(label string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte("restaked/node/test/" + label))
	return ed25519.NewKeyFromSeed(s[:])
}

func rsAddr(label string) account.Address {
	return account.FromPubKey(rsKey(label).Public().(ed25519.PublicKey))
}

// rsGenesis: four validators (op0..op3, op0 also the authority), a service
// admin and a staker with stake and usdc.
func rsGenesis(keys []ValidatorKey) (json.RawMessage, error) {
	p := params.Default()
	p.Authority = rsAddr("op0")
	g := chain.Genesis{ChainID: rsChainID, Params: p, Accounts: []chain.GenesisAccount{
		{Address: rsAddr("svc"), Coins: "1000000stake"},
		{Address: rsAddr("staker"), Coins: "10000000000stake,10000000000usdc"},
	}}
	for i, k := range keys {
		op := rsAddr(fmt.Sprintf("op%d", i))
		g.Accounts = append(g.Accounts, chain.GenesisAccount{Address: op, Coins: "2000000000000stake"})
		g.Validators = append(g.Validators, chain.GenesisValidator{Operator: op, ConsPubKey: k.ConsPubKey,
			SelfDelegation: num.NewInt(1_000_000_000_000), Commission: num.MustDec("0.05"), Moniker: fmt.Sprintf("node%d", i)})
	}
	return json.Marshal(g)
}

// rsNet is a 4-validator restaked network in this process: the real
// application behind each CometBFT node.
type rsNet struct {
	t       *testing.T
	apps    []*app.App
	clients []*rpchttp.HTTP
	next    int // node that receives the next transaction
}

func startRSNet(t *testing.T, n int) *rsNet {
	t.Helper()
	dir := t.TempDir()
	if _, err := GenerateTestnet(TestnetOptions{Dir: dir, N: n, ChainID: rsChainID, BasePort: freeBasePort(t, n),
		TimeoutCommit: 300 * time.Millisecond, AppState: rsGenesis}); err != nil {
		t.Fatal(err)
	}
	net := &rsNet{t: t}
	for i := range n {
		home := TestnetHome(dir, i)
		a, err := app.Open(filepath.Join(home, "data", "state"), rsChainID, testLogger())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		nd, err := Start(home, a, testLogger().With("node", i))
		if err != nil {
			t.Fatalf("node%d: %v", i, err)
		}
		t.Cleanup(func() { nd.Stop() }) // runs before a.Close: the node is the app's caller
		net.apps = append(net.apps, a)
		net.clients = append(net.clients, rpcClient(t, nd))
	}
	return net
}

// submit signs msgs by label, sends them to the next node in turn, waits
// for the commit and then for every node's application to have it, so the
// next transaction is checked against the same state wherever it goes.
func (n *rsNet) submit(ctx context.Context, label string, msgs ...proto.Message) int64 {
	n.t.Helper()
	c := n.clients[n.next%len(n.clients)]
	n.next++
	res, err := c.BroadcastTxCommit(ctx, types.Tx(n.sign(label, msgs)))
	if err != nil {
		n.t.Fatalf("%s: %v", label, err)
	}
	if res.CheckTx.Code != 0 || res.TxResult.Code != 0 {
		n.t.Fatalf("%s's tx failed: check %q, deliver %q", label, res.CheckTx.Log, res.TxResult.Log)
	}
	n.waitApps(ctx, res.Height)
	return res.Height
}

func (n *rsNet) sign(label string, msgs []proto.Message) []byte {
	n.t.Helper()
	raw, err := tx.SignMsgs(rsKey(label), rsChainID, n.sequence(label), fmt.Sprintf("%dstake", params.DefaultMinFee*len(msgs)), msgs...)
	if err != nil {
		n.t.Fatal(err)
	}
	return raw
}

// sequence reads the signer's committed sequence on node 0 (every node
// has the same state once waitApps returned).
func (n *rsNet) sequence(label string) uint64 {
	n.t.Helper()
	var seq uint64
	var err error
	n.apps[0].Read(func(r store.Reader, _ int64) { seq, err = auth.Sequence(r, rsAddr(label)) })
	if err != nil {
		n.t.Fatal(err)
	}
	return seq
}

// waitApps waits until every application has committed height h.
func (n *rsNet) waitApps(ctx context.Context, h int64) {
	n.t.Helper()
	for i, a := range n.apps {
		for appHeight(a) < h {
			select {
			case <-ctx.Done():
				n.t.Fatalf("node%d's app stays at %d, below %d: %v", i, appHeight(a), h, ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

func appHeight(a *app.App) int64 {
	var h int64
	a.Read(func(_ store.Reader, height int64) { h = height })
	return h
}

// An operator registers, a service registers, the operator opts in, a
// staker deposits, the operator allocates and the service slashes (no
// resolver: executed at once), each transaction sent to another of four
// validators. Every node ends with the same app hash at the same height,
// the same slash record, the burned usdc gone from its supply, and its
// invariants holding.
func TestTestnetRestakingSlash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 4-node network")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	net := startRSNet(t, 4)
	for _, c := range net.clients {
		waitHeight(ctx, t, c, 2)
	}
	op, svc, staker := rsAddr("op0").String(), rsAddr("svc").String(), rsAddr("staker").String()
	net.submit(ctx, "op0", &tx.MsgRegisterAsset{Authority: op, Denom: "usdc", Price: "1"},
		&tx.MsgRegisterOperator{Operator: op, Validator: op})
	net.submit(ctx, "svc", &tx.MsgRegisterService{Admin: svc, Name: "oracle", Slasher: svc,
		Assets: []string{"usdc", "stake"}, Pfc: "1000000", Threshold: "0.5"})
	net.submit(ctx, "op0", &tx.MsgOptIn{Operator: op, Service: "oracle"})
	net.submit(ctx, "staker", &tx.MsgDeposit{Staker: staker, Operator: op, Amount: "1000000000usdc"},
		&tx.MsgDeposit{Staker: staker, Operator: op, Amount: "1000000000stake"})
	net.submit(ctx, "op0", &tx.MsgAllocate{Operator: op, Service: "oracle", Asset: "usdc", Magnitude: "1"},
		&tx.MsgAllocate{Operator: op, Service: "oracle", Asset: "stake", Magnitude: "0.5"})
	h := net.submit(ctx, "svc", &tx.MsgSlash{Slasher: svc, Service: "oracle", Operator: op, Fraction: "0.5", Reason: "equivocation"})

	target := h + 2 // its header commits to the state after h+1, which includes the slash
	for _, c := range net.clients {
		waitHeight(ctx, t, c, target)
	}
	net.sameBlock(ctx, target)
	for i, a := range net.apps {
		checkSlashed(t, i, a)
	}
}

// sameBlock: every node has the same block id and app hash at height h.
func (n *rsNet) sameBlock(ctx context.Context, h int64) {
	n.t.Helper()
	want, err := n.clients[0].Block(ctx, &h)
	if err != nil {
		n.t.Fatal(err)
	}
	for i, c := range n.clients[1:] {
		got, err := c.Block(ctx, &h)
		if err != nil {
			n.t.Fatal(err)
		}
		if !bytes.Equal(got.BlockID.Hash, want.BlockID.Hash) || !bytes.Equal(got.Block.AppHash, want.Block.AppHash) {
			n.t.Fatalf("node%d diverges at %d: block %X app %X, node0 %X %X", i+1, h,
				got.BlockID.Hash, got.Block.AppHash, want.BlockID.Hash, want.Block.AppHash)
		}
	}
}

// checkSlashed reads node i's state: slash #1 executed and took half the
// usdc allocation (burned: out of the vault and the supply) and a quarter
// of the native stake (half of magnitude 0.5).
func checkSlashed(t *testing.T, i int, a *app.App) {
	t.Helper()
	a.Read(func(r store.Reader, _ int64) {
		s, found, err := restaking.GetSlash(r, 1)
		if err != nil || !found || s.Status != restaking.SlashExecuted || len(s.Taken) != 2 {
			t.Fatalf("node%d: slash #1 %+v found=%v %v", i, s, found, err)
		}
		op := rsAddr("op0")
		vault, _ := bank.Balance(r, restaking.VaultAccount, "usdc")
		supply, _ := bank.Supply(r, "usdc")
		native, _ := staking.DelegatorTokens(r, restaking.NativeAccount(op), op)
		if vault.String() != "500000000" || supply.String() != "9500000000" || native.String() != "750000000" {
			t.Fatalf("node%d: vault %susdc, usdc supply %s, native restaked %sstake; want 500000000, 9500000000, 750000000", i, vault, supply, native)
		}
	})
	if _, h, err := a.CheckInvariants(); err != nil {
		t.Fatalf("node%d at height %d: %v", i, h, err)
	}
}
