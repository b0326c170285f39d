// Package app adapts the deterministic state machine (package chain) to
// CometBFT's ABCI 2.0 interface and the Pebble store. It is the I/O edge:
// translation of requests, persistence, and the mempool's check state.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtcrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	cmttypes "github.com/cometbft/cometbft/proto/tendermint/types"

	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

// sigCacheSize bounds the verified-signature cache (about 4 MB).
const sigCacheSize = 100_000

// Version is reported to CometBFT and clients.
const Version = "0.1.0"

// App is the ABCI application.
type App struct {
	abci.BaseApplication
	mu    sync.RWMutex // guards chain and check against concurrent API reads
	chain *chain.Chain
	db    *store.Pebble
	check *store.Overlay // mempool state: committed state plus admitted txs
	log   *slog.Logger
	met   *metrics
}

// Open opens the Pebble store in dir and resumes the chain from it.
func Open(dir, chainID string, log *slog.Logger) (*App, error) {
	db, err := store.OpenPebble(dir)
	if err != nil {
		return nil, err
	}
	c, err := chain.New(chainID, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	c.SigCache = tx.NewSigCache(sigCacheSize)
	a := &App{chain: c, db: db, log: log, met: newMetrics()}
	a.check = store.NewOverlay(db)
	return a, nil
}

// Close closes the store once no block and no locked read is using it
// (snapshot readers hold no lock: close them first).
func (a *App) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.db.Close()
}

// Read runs fn against the committed state under the read lock.
func (a *App) Read(fn func(r store.Reader, height int64)) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	fn(a.chain.Committed(), a.chain.Height())
}

// ReadSnapshot runs fn against a Pebble snapshot of the committed state,
// outside the lock: for long reads (risk previews, history scans) that
// must not hold up block execution.
func (a *App) ReadSnapshot(fn func(r store.Reader, height int64)) {
	a.mu.RLock()
	snap, height := a.db.Snapshot(), a.chain.Height()
	a.mu.RUnlock()
	defer snap.Close()
	fn(snap, height)
}

// CheckInvariants runs every registered invariant (SPEC §11) against the
// committed state and returns their names and the first failure.
// The scan runs on a Pebble snapshot, so it never holds up block execution.
func (a *App) CheckInvariants() (names []string, height int64, err error) {
	a.ReadSnapshot(func(r store.Reader, h int64) { height, err = h, a.chain.Invariants.CheckAll(r) })
	return a.chain.Invariants.Names(), height, err
}

// ChainID returns the chain id.
func (a *App) ChainID() string { return a.chain.ChainID }

// Info implements abci.Application: where to resume.
func (a *App) Info(context.Context, *abci.RequestInfo) (*abci.ResponseInfo, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return &abci.ResponseInfo{Data: "restaked", Version: Version, AppVersion: 1,
		LastBlockHeight: a.chain.Height(), LastBlockAppHash: a.chain.AppHash()}, nil
}

// InitChain implements abci.Application.
func (a *App) InitChain(_ context.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	g, err := chain.ParseGenesis(req.AppStateBytes)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	set, hash, err := a.chain.InitChain(g, req.Time.Unix())
	if err != nil {
		return nil, err
	}
	return &abci.ResponseInitChain{Validators: toUpdates(set), AppHash: hash}, nil
}

func toUpdates(set []staking.ValidatorUpdate) []abci.ValidatorUpdate {
	out := make([]abci.ValidatorUpdate, len(set))
	for i, v := range set {
		out[i] = abci.ValidatorUpdate{PubKey: cmtcrypto.PublicKey{Sum: &cmtcrypto.PublicKey_Ed25519{Ed25519: v.ConsPubKey}}, Power: v.Power}
	}
	return out
}

// CheckTx implements abci.Application: admission against the mempool state.
func (a *App) CheckTx(_ context.Context, req *abci.RequestCheckTx) (*abci.ResponseCheckTx, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	// Commit resets the check state; CometBFT then rechecks the remaining
	// mempool in order, which re-admits their sequences so that new
	// transactions can follow them.
	r := a.chain.Check(a.check, req.Tx)
	return &abci.ResponseCheckTx{Code: r.Code, Log: r.Log, Codespace: r.Rule}, nil
}

// PrepareProposal keeps the mempool's order within the byte limit.
func (a *App) PrepareProposal(_ context.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
	var out [][]byte
	var size int64
	for _, t := range req.Txs {
		if size+int64(len(t)) > req.MaxTxBytes {
			break
		}
		size += int64(len(t))
		out = append(out, t)
	}
	return &abci.ResponsePrepareProposal{Txs: out}, nil
}

// ProcessProposal accepts every proposal: invalid txs fail individually in FinalizeBlock.
func (a *App) ProcessProposal(context.Context, *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
	return &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_ACCEPT}, nil
}

// FinalizeBlock implements abci.Application: executes the decided block.
func (a *App) FinalizeBlock(_ context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	began := time.Now()
	h := chain.Header{Height: req.Height, Time_s: req.Time.Unix(), ProposerConsAddr: req.ProposerAddress,
		Votes: votes(req.DecidedLastCommit), Evidence: evidence(req.Misbehavior)}
	if err := a.chain.BeginBlock(h); err != nil {
		return nil, err
	}
	results := make([]*abci.ExecTxResult, len(req.Txs))
	failed := 0
	for i, raw := range req.Txs {
		r := a.chain.DeliverTx(raw)
		if r.Code != chain.CodeOK {
			failed++
		}
		results[i] = &abci.ExecTxResult{Code: r.Code, Log: r.Log, Codespace: r.Rule, Events: toEvents(r.Events)}
	}
	res, err := a.chain.EndBlock()
	if err != nil {
		return nil, err
	}
	// Wall-clock time is measured here, at the edge; it never reaches state.
	a.met.observe(req.Height, len(req.Txs), failed, time.Since(began))
	return &abci.ResponseFinalizeBlock{TxResults: results, ValidatorUpdates: toUpdates(res.ValidatorUpdates),
		Events: toEvents(res.Events), AppHash: res.AppHash}, nil
}

func votes(c abci.CommitInfo) []staking.Vote {
	if len(c.Votes) == 0 {
		return nil
	}
	out := make([]staking.Vote, len(c.Votes))
	for i, v := range c.Votes {
		out[i] = staking.Vote{ConsAddr: v.Validator.Address, Signed: v.BlockIdFlag == cmttypes.BlockIDFlagCommit}
	}
	return out
}

func evidence(ms []abci.Misbehavior) []staking.Evidence {
	var out []staking.Evidence
	for _, m := range ms {
		if m.Type == abci.MisbehaviorType_DUPLICATE_VOTE {
			out = append(out, staking.Evidence{ConsAddr: m.Validator.Address, Height: m.Height, Time_s: m.Time.Unix()})
		}
	}
	return out
}

func toEvents(evs []state.Event) []abci.Event {
	out := make([]abci.Event, len(evs))
	for i, e := range evs {
		attrs := make([]abci.EventAttribute, len(e.Attrs))
		for j, kv := range e.Attrs {
			attrs[j] = abci.EventAttribute{Key: kv.Key, Value: kv.Value, Index: true}
		}
		out[i] = abci.Event{Type: e.Type, Attributes: attrs}
	}
	return out
}

// Commit implements abci.Application: persists the block and resets the mempool state.
func (a *App) Commit(context.Context, *abci.RequestCommit) (*abci.ResponseCommit, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.chain.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	a.check = store.NewOverlay(a.db)
	return &abci.ResponseCommit{}, nil
}
