package node

import (
	"context"
	"strings"
	"sync/atomic"

	abci "github.com/cometbft/cometbft/abci/types"
)

// peerGate wraps the application to answer CometBFT's peer filter queries
// (enabled with filter_peers) so that a stopping node admits no peers.
//
// Why: while CometBFT stops, its listener still accepts connections and its
// start-up or reconnect dials may still complete; the switch then neither
// serves nor closes them. In a process that keeps running, the remote end
// holds such a connection as a live peer until its pong timeout (about a
// minute) and meanwhile rejects this node ID, so a node restarted in the
// same process could not rejoin. Rejected peers, by contrast, are closed.
// Separate processes are unaffected because exiting closes the sockets.
type peerGate struct {
	abci.Application
	closing atomic.Bool
}

const peerFilterPrefix = "/p2p/filter/"

// Query answers peer filter queries itself, so the application never sees
// them and cannot reject peers by accident; other queries pass through.
func (g *peerGate) Query(ctx context.Context, req *abci.RequestQuery) (*abci.ResponseQuery, error) {
	if !strings.HasPrefix(req.Path, peerFilterPrefix) {
		return g.Application.Query(ctx, req)
	}
	if g.closing.Load() {
		return &abci.ResponseQuery{Code: 1, Log: "node is stopping"}, nil
	}
	return &abci.ResponseQuery{}, nil
}

func (g *peerGate) close() { g.closing.Store(true) }
