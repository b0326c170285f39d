package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

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
	gate    *peerGate

	stopOnce sync.Once
	stopErr  error
	done     chan struct{}
}

// Start runs CometBFT for an initialised home with app connected over a
// local (in-process) ABCI client. CometBFT logs go to logger, filtered by
// log_level from config.toml. Peer filtering is always on and answered by
// this package: queries under /p2p/filter/ never reach app.
func Start(home string, app abci.Application, logger *slog.Logger) (*Node, error) {
	return start(home, app, logger)
}

func start(home string, app abci.Application, logger *slog.Logger, closers ...func() error) (*Node, error) {
	n := &Node{
		dbs:     &dbSet{},
		closers: closers,
		gate:    &peerGate{Application: app},
		done:    make(chan struct{}),
	}
	if err := n.launch(home, logger); err != nil {
		return nil, errors.Join(err, n.release())
	}
	return n, nil
}

// launch creates and starts CometBFT; on error the caller releases n.
func (n *Node) launch(home string, logger *slog.Logger) error {
	conf, err := loadConfig(home)
	if err != nil {
		return err
	}
	if n.rpcAddr, err = httpAddr(conf.RPC.ListenAddress); err != nil {
		return err
	}
	cmtLogger, err := cmtflags.ParseLogLevel(conf.LogLevel, newSlogLogger(logger), cfg.DefaultLogLevel)
	if err != nil {
		return fmt.Errorf("node: log_level: %w", err)
	}
	nodeKey, err := p2p.LoadNodeKey(conf.NodeKeyFile())
	if err != nil {
		return fmt.Errorf("node: load node key: %w", err)
	}
	pv, err := loadFilePV(conf)
	if err != nil {
		return err
	}
	conf.FilterPeers = true // routes peer admission through n.gate
	n.cmt, err = cmtnode.NewNode(conf, pv, nodeKey,
		proxy.NewLocalClientCreator(n.gate),
		cmtnode.DefaultGenesisDocProviderFunc(conf),
		n.dbs.open,
		cmtnode.DefaultMetricsProvider(conf.Instrumentation),
		cmtLogger,
	)
	if err != nil {
		return fmt.Errorf("node: create: %w", err)
	}
	if err := n.cmt.Start(); err != nil {
		// A failed start leaves the service "not started", so Stop would
		// skip the cleanup of whatever OnStart had already opened.
		n.cmt.OnStop()
		return errors.Join(fmt.Errorf("node: start: %w", err), n.stopProxyApp())
	}
	return nil
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
	n.gate.close()
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
