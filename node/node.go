package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	cmtflags "github.com/cometbft/cometbft/libs/cli/flags"
	"github.com/cometbft/cometbft/libs/service"
	cmtnode "github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/proxy"
)

// Node is a CometBFT node running in this process.
type Node struct {
	cmt     *cmtnode.Node
	rpcAddr string
	dbs     *dbSet
	closers []func() error // run after CometBFT has stopped

	stopOnce sync.Once
	stopErr  error
	done     chan struct{}
}

// Start runs CometBFT for an initialised home with app connected over a
// local (in-process) ABCI client. CometBFT logs go to logger, filtered by
// log_level from config.toml.
func Start(home string, app abci.Application, logger *slog.Logger) (*Node, error) {
	return start(home, app, logger)
}

func start(home string, app abci.Application, logger *slog.Logger, closers ...func() error) (*Node, error) {
	conf, err := loadConfig(home)
	if err != nil {
		return nil, err
	}
	rpcAddr, err := httpAddr(conf.RPC.ListenAddress)
	if err != nil {
		return nil, err
	}
	cmtLogger, err := cmtflags.ParseLogLevel(conf.LogLevel, newSlogLogger(logger), cfg.DefaultLogLevel)
	if err != nil {
		return nil, fmt.Errorf("node: log_level: %w", err)
	}
	nodeKey, err := p2p.LoadNodeKey(conf.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("node: load node key: %w", err)
	}
	pv, err := loadFilePV(conf)
	if err != nil {
		return nil, err
	}
	n := &Node{rpcAddr: rpcAddr, dbs: &dbSet{}, closers: closers, done: make(chan struct{})}
	n.cmt, err = cmtnode.NewNode(conf, pv, nodeKey,
		proxy.NewLocalClientCreator(app),
		cmtnode.DefaultGenesisDocProviderFunc(conf),
		n.dbs.open,
		cmtnode.DefaultMetricsProvider(conf.Instrumentation),
		cmtLogger,
	)
	if err != nil {
		n.release()
		return nil, fmt.Errorf("node: create: %w", err)
	}
	if err := n.cmt.Start(); err != nil {
		// A failed start leaves the service "not started", so Stop would
		// skip the cleanup of whatever OnStart had already opened.
		n.cmt.OnStop()
		n.stopProxyApp()
		n.release()
		return nil, fmt.Errorf("node: start: %w", err)
	}
	return n, nil
}

// Stop shuts the node down and releases its databases; it is safe to call
// more than once and returns the first result.
func (n *Node) Stop() error {
	n.stopOnce.Do(func() {
		n.stopErr = n.shutdown()
		close(n.done)
	})
	return n.stopErr
}

func (n *Node) shutdown() error {
	var err error
	if n.cmt.IsRunning() {
		err = n.cmt.Stop()
	}
	return errors.Join(err, n.stopProxyApp(), n.release())
}

// stopProxyApp closes the ABCI connections, which CometBFT leaves running.
func (n *Node) stopProxyApp() error {
	err := n.cmt.ProxyApp().Stop()
	if errors.Is(err, service.ErrAlreadyStopped) {
		return nil
	}
	return err
}

// release closes the databases (CometBFT leaves the tx index open, which
// would keep the home locked) and then runs the closers.
func (n *Node) release() error {
	n.dbs.closeAll()
	var errs []error
	for _, c := range n.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// Done is closed once Stop has finished.
func (n *Node) Done() <-chan struct{} { return n.done }

// Wait blocks until the node is stopped or ctx ends.
func (n *Node) Wait(ctx context.Context) error {
	select {
	case <-n.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RPCAddr is the CometBFT RPC endpoint, e.g. "http://127.0.0.1:26657".
func (n *Node) RPCAddr() string { return n.rpcAddr }

// Comet exposes the underlying CometBFT node, e.g. for rpc/client/local.
func (n *Node) Comet() *cmtnode.Node { return n.cmt }

// dbSet records every database CometBFT opens so all can be closed on stop.
type dbSet struct {
	mu  sync.Mutex
	dbs []dbm.DB
}

func (s *dbSet) open(ctx *cfg.DBContext) (dbm.DB, error) {
	db, err := cfg.DefaultDBProvider(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.dbs = append(s.dbs, db)
	s.mu.Unlock()
	return db, nil
}

// closeAll closes every recorded database. CometBFT closes most of them
// itself, so errors (mostly "already closed") carry no information.
func (s *dbSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, db := range s.dbs {
		_ = db.Close()
	}
	s.dbs = nil
}
