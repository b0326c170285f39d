package node

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/abci/example/kvstore"
	abci "github.com/cometbft/cometbft/abci/types"
)

// StartKVStore runs CometBFT's persistent kvstore example app in a home
// created by InitHome, as a baseline with the same node config as the real
// application. Its state lives in data/kvstore.db.
//
// kvstore takes its validators from genesis.json; when that list is empty
// (as restaked homes have it) this node's own key becomes the only
// validator, which is right for a single-node baseline only.
func StartKVStore(home string, logger *slog.Logger) (*Node, error) {
	vk, err := LoadValidatorKey(home)
	if err != nil {
		return nil, err
	}
	db, err := dbm.NewGoLevelDB("kvstore", filepath.Join(home, "data"))
	if err != nil {
		return nil, fmt.Errorf("node: kvstore db: %w", err)
	}
	app := &kvBaseline{Application: kvstore.NewApplication(db), self: vk.ConsPubKey}
	return start(home, app, logger, db.Close) // on error start has run db.Close
}

// kvBaseline supplies a validator to kvstore when genesis lists none.
type kvBaseline struct {
	*kvstore.Application
	self []byte
}

func (a *kvBaseline) InitChain(ctx context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	if len(req.Validators) > 0 {
		return a.Application.InitChain(ctx, req)
	}
	r := *req
	r.Validators = []abci.ValidatorUpdate{abci.Ed25519ValidatorUpdate(a.self, 1)}
	resp, err := a.Application.InitChain(ctx, &r)
	if err != nil {
		return nil, err
	}
	resp.Validators = r.Validators // CometBFT adopts the set from the response
	return resp, nil
}
