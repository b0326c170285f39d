package api

import (
	"context"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtversion "github.com/cometbft/cometbft/version"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/app"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/store"
)

// errNoState answers reads before the first block: genesis is committed
// together with block 1, so until then there is nothing to read.
var errNoState = &Error{Status: http.StatusNotFound, Rule: "no-state", Msg: "the chain has no committed state yet"}

// read runs fn on one consistent snapshot of the committed state.
func (s *Server) read(fn func(r store.Reader, height int64) (any, error)) (any, error) {
	return readVia(s.app.Read, fn)
}

// readVia runs fn through one of the app's ways of reading committed
// state (under its lock, or on a snapshot); no state yet is errNoState.
func readVia(read func(func(store.Reader, int64)), fn func(r store.Reader, height int64) (any, error)) (v any, err error) {
	read(func(r store.Reader, height int64) {
		if height == 0 {
			v, err = nil, errNoState
			return
		}
		v, err = fn(r, height)
	})
	return v, err
}

func addrParam(r *http.Request) (account.Address, error) {
	a, err := account.Parse(r.PathValue("addr"))
	if err != nil {
		return a, badRequest("bad-address", "%v", err)
	}
	return a, nil
}

func (s *Server) status(r *http.Request) (any, error) {
	info, err := s.app.Info(r.Context(), &abci.RequestInfo{})
	if err != nil {
		return nil, err
	}
	st := Status{ChainID: s.app.ChainID(), Height: info.LastBlockHeight,
		AppHash:     strings.ToUpper(hex.EncodeToString(info.LastBlockAppHash)),
		NodeVersion: app.Version, CometBFTVersion: cmtversion.TMCoreSemVer}
	s.addNodeStatus(r.Context(), &st)
	return st, nil
}

// addNodeStatus fills what only CometBFT knows. A node that is down leaves
// the application's view intact, so status still answers.
func (s *Server) addNodeStatus(ctx context.Context, st *Status) {
	if s.rpc == nil {
		st.RPCError = "no CometBFT node connected"
		return
	}
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	res, err := s.rpc.Status(ctx)
	if err != nil {
		st.RPCError = err.Error()
		return
	}
	if t := res.SyncInfo.LatestBlockTime; !t.IsZero() {
		st.LatestBlockTime = t.UTC().Format(time.RFC3339Nano)
	}
	st.CatchingUp = res.SyncInfo.CatchingUp
	if v := res.NodeInfo.Version; v != "" {
		st.CometBFTVersion = v
	}
}

func (s *Server) account(r *http.Request) (any, error) {
	a, err := addrParam(r)
	if err != nil {
		return nil, err
	}
	return s.read(func(st store.Reader, h int64) (any, error) {
		bals, err := bank.Balances(st, a)
		if err != nil {
			return nil, err
		}
		seq, err := auth.Sequence(st, a)
		if err != nil {
			return nil, err
		}
		return Account{Height: h, Address: a.String(), Balances: coins(bals), Sequence: seq}, nil
	})
}

func (s *Server) balances(r *http.Request) (any, error) {
	a, err := addrParam(r)
	if err != nil {
		return nil, err
	}
	return s.read(func(st store.Reader, h int64) (any, error) {
		bals, err := bank.Balances(st, a)
		if err != nil {
			return nil, err
		}
		return Balances{Height: h, Address: a.String(), Balances: coins(bals)}, nil
	})
}

func (s *Server) supply(*http.Request) (any, error) {
	return s.read(func(st store.Reader, h int64) (any, error) {
		all, err := bank.AllSupply(st)
		if err != nil {
			return nil, err
		}
		return Supply{Height: h, Supply: coins(all)}, nil
	})
}

func (s *Server) params(*http.Request) (any, error) {
	return s.read(func(st store.Reader, h int64) (any, error) {
		p, err := params.Load(st)
		if err != nil {
			return nil, err
		}
		return Params{Height: h, Params: p}, nil
	})
}

// invariants runs the chain's invariants on the committed state: operators
// and the crash tests use it to check a node after a restart.
func (s *Server) invariants(*http.Request) (any, error) {
	names, h, err := s.app.CheckInvariants()
	if h == 0 {
		return nil, errNoState
	}
	out := Invariants{Height: h, OK: err == nil, Checked: names}
	if err != nil {
		out.Error = err.Error()
	}
	return out, nil
}
