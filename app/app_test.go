package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/restaked/restaked/api/apitest"
	"github.com/restaked/restaked/app"
	"github.com/restaked/restaked/tx"
)

func send(t *testing.T, seq uint64, amount string) []byte {
	t.Helper()
	m, _ := tx.Wrap(&tx.MsgSend{From: apitest.Addr(apitest.Alice).String(), To: apitest.Addr(apitest.Bob).String(), Amount: amount})
	raw, err := tx.Sign(apitest.Alice, &tx.Body{ChainId: apitest.ChainID, Sequence: seq, Fee: "10stake", Msgs: []*tx.Msg{m}})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func openApp(t *testing.T, dir string) *app.App {
	t.Helper()
	a, err := app.Open(dir, apitest.ChainID, apitest.Logger())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func finalize(t *testing.T, a *app.App, h int64, txs ...[]byte) *abci.ResponseFinalizeBlock {
	t.Helper()
	res, err := a.FinalizeBlock(context.Background(), &abci.RequestFinalizeBlock{Height: h, Time: time.Unix(1_767_225_600+h*5, 0), Txs: txs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	return res
}

// InitChain → blocks → close → reopen: Info reports the last height and app
// hash, so CometBFT's handshake resumes (or replays) from there.
func TestLifecycleAndResume(t *testing.T) {
	dir := t.TempDir()
	a := openApp(t, dir)
	g := apitest.Genesis(make([]byte, 32))
	state, _ := json.Marshal(g)
	init, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: apitest.ChainID, Time: time.Unix(1_767_225_600, 0), AppStateBytes: state})
	if err != nil || len(init.Validators) != 1 || len(init.AppHash) != 32 {
		t.Fatalf("init: %+v %v", init, err)
	}
	finalize(t, a, 1)
	res := finalize(t, a, 2, send(t, 0, "5stake"), send(t, 0, "5stake"))
	if res.TxResults[0].Code != 0 || res.TxResults[1].Codespace != "wrong-sequence" {
		t.Fatalf("results: %+v", res.TxResults)
	}
	if _, _, err := a.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
	a.Close()
	a = openApp(t, dir)
	defer a.Close()
	info, _ := a.Info(context.Background(), &abci.RequestInfo{})
	if info.LastBlockHeight != 2 || !bytes.Equal(info.LastBlockAppHash, res.AppHash) {
		t.Fatalf("info after reopen: %+v, want height 2 hash %x", info, res.AppHash)
	}
	finalize(t, a, 3, send(t, 1, "1stake"))
}

// CheckTx admits consecutive sequences from one account before they are in
// a block, and after a commit the recheck of the remaining mempool
// re-admits them so later sequences still fit.
func TestCheckTxSequencesAndRecheck(t *testing.T) {
	a := openApp(t, t.TempDir())
	defer a.Close()
	state, _ := json.Marshal(apitest.Genesis(make([]byte, 32)))
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: apitest.ChainID, Time: time.Unix(1_767_225_600, 0), AppStateBytes: state}); err != nil {
		t.Fatal(err)
	}
	finalize(t, a, 1)
	check := func(raw []byte, typ abci.CheckTxType) uint32 {
		r, err := a.CheckTx(context.Background(), &abci.RequestCheckTx{Tx: raw, Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		return r.Code
	}
	txs := [][]byte{send(t, 0, "1stake"), send(t, 1, "1stake"), send(t, 2, "1stake")}
	for i, raw := range txs {
		if c := check(raw, abci.CheckTxType_New); c != 0 {
			t.Fatalf("tx %d rejected: %d", i, c)
		}
	}
	if c := check(send(t, 1, "1stake"), abci.CheckTxType_New); c == 0 {
		t.Fatal("replayed sequence admitted")
	}
	if c := check([]byte("junk"), abci.CheckTxType_New); c == 0 {
		t.Fatal("junk admitted")
	}
	finalize(t, a, 2, txs[0]) // only the first made it into the block
	for _, raw := range txs[1:] {
		if c := check(raw, abci.CheckTxType_Recheck); c != 0 {
			t.Fatal("recheck dropped a valid tx")
		}
	}
	if c := check(send(t, 3, "1stake"), abci.CheckTxType_New); c != 0 {
		t.Fatal("next sequence after recheck rejected")
	}
}

func TestMetrics(t *testing.T) {
	a := openApp(t, t.TempDir())
	defer a.Close()
	reg := prometheus.NewRegistry()
	if err := a.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	state, _ := json.Marshal(apitest.Genesis(make([]byte, 32)))
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: apitest.ChainID, Time: time.Unix(1_767_225_600, 0), AppStateBytes: state}); err != nil {
		t.Fatal(err)
	}
	finalize(t, a, 1, send(t, 0, "1stake"), []byte("junk"))
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 3 {
		t.Fatalf("gathered %d families: %v", len(mfs), err)
	}
}
