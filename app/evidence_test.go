package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmttypes "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/restaked/restaked/api/apitest"
	"github.com/restaked/restaked/app"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/store"
)

var consKey = make([]byte, 32)

func consAddr() []byte {
	s := sha256.Sum256(consKey)
	return s[:20]
}

func initApp(t *testing.T, mut func(g *chain.Genesis)) *app.App {
	t.Helper()
	a := openApp(t, t.TempDir())
	t.Cleanup(func() { a.Close() })
	g := apitest.Genesis(consKey)
	if mut != nil {
		mut(&g)
	}
	state, _ := json.Marshal(g)
	if _, err := a.InitChain(context.Background(), &abci.RequestInitChain{ChainId: apitest.ChainID, Time: time.Unix(1_767_225_600, 0), AppStateBytes: state}); err != nil {
		t.Fatal(err)
	}
	return a
}

func block(t *testing.T, a *app.App, h int64, req abci.RequestFinalizeBlock) *abci.ResponseFinalizeBlock {
	t.Helper()
	req.Height, req.Time = h, time.Unix(1_767_225_600+h*5, 0)
	res, err := a.FinalizeBlock(context.Background(), &req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Commit(context.Background(), &abci.RequestCommit{}); err != nil {
		t.Fatal(err)
	}
	return res
}

func validator(t *testing.T, a *app.App) staking.Validator {
	var v staking.Validator
	a.Read(func(r store.Reader, _ int64) {
		var ok bool
		var err error
		if v, ok, err = staking.GetValidator(r, apitest.Addr(apitest.Val)); err != nil || !ok {
			t.Fatalf("validator: %v %v", ok, err)
		}
	})
	return v
}

// CometBFT's duplicate-vote evidence slashes and tombstones the validator,
// and the validator set update removing it goes back to CometBFT.
func TestDuplicateVoteEvidence(t *testing.T) {
	a := initApp(t, nil)
	block(t, a, 1, abci.RequestFinalizeBlock{})
	block(t, a, 2, abci.RequestFinalizeBlock{})
	res := block(t, a, 3, abci.RequestFinalizeBlock{Misbehavior: []abci.Misbehavior{{
		Type: abci.MisbehaviorType_DUPLICATE_VOTE, Validator: abci.Validator{Address: consAddr(), Power: 1},
		Height: 2, Time: time.Unix(1_767_225_610, 0)}}})
	v := validator(t, a)
	if !v.Tombstoned || !v.Jailed {
		t.Fatalf("validator after evidence: %+v", v)
	}
	want := apitest.SelfDelegation - apitest.SelfDelegation/20 // 5% double-sign fraction
	if got, _ := v.Tokens.Uint64(); got != uint64(want) {
		t.Fatalf("tokens = %d, want %d", got, want)
	}
	if len(res.ValidatorUpdates) != 1 || res.ValidatorUpdates[0].Power != 0 {
		t.Fatalf("validator updates = %+v, want removal", res.ValidatorUpdates)
	}
	if _, _, err := a.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}

// Votes in the decided last commit feed downtime tracking: a validator that
// signs too little of the window is slashed and jailed.
func TestDowntimeFromLastCommit(t *testing.T) {
	a := initApp(t, func(g *chain.Genesis) { g.Params.DowntimeWindow = 10 })
	missed := abci.CommitInfo{Votes: []abci.VoteInfo{{Validator: abci.Validator{Address: consAddr(), Power: 1}, BlockIdFlag: cmttypes.BlockIDFlagAbsent}}}
	for h := int64(1); h <= 40; h++ {
		block(t, a, h, abci.RequestFinalizeBlock{DecidedLastCommit: missed})
		if validator(t, a).Jailed {
			break
		}
	}
	v := validator(t, a)
	if !v.Jailed || v.Tombstoned {
		t.Fatalf("validator after missing blocks: %+v", v)
	}
	if got, _ := v.Tokens.Uint64(); got >= apitest.SelfDelegation {
		t.Fatalf("not slashed: tokens %d", got)
	}
}
