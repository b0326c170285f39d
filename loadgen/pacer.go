package loadgen

import (
	"context"
	"sync"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
)

// pacer keeps the mempool below a limit so that it never fills up.
//
// Why: CometBFT v0.38 checks for room both before and after the app's
// CheckTx. When the mempool fills in between, it drops the transaction
// silently while broadcast_tx_sync still reports it accepted; for an
// ordered stream (account sequences) every later transaction then fails.
// Retrying on "mempool is full" cannot see that case, so a run that must
// commit everything it sent keeps below the limit instead.
//
// The estimate never undercounts: it is the last polled mempool size, plus
// every send completed since that poll began, plus the sends in flight.
type pacer struct {
	limit int

	mu        sync.Mutex
	polled    int   // mempool size at the last poll
	base      int64 // completed at the start of the last poll
	completed int64
	inflight  int
}

const pacerPoll = 10 * time.Millisecond

// acquire waits until one more transaction fits; false means the deadline
// passed or ctx ended first.
func (p *pacer) acquire(ctx context.Context, deadline time.Time) bool {
	for {
		if p.tryAcquire() {
			return true
		}
		if !sleep(ctx, pacerPoll/4, deadline) {
			return false
		}
	}
}

func (p *pacer) tryAcquire() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.polled+int(p.completed-p.base)+p.inflight >= p.limit {
		return false
	}
	p.inflight++
	return true
}

// release records that a send acquired earlier has returned.
func (p *pacer) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inflight--
	p.completed++
}

// run polls the mempool size until ctx ends. A failed poll keeps the old
// estimate, which only grows with completed sends, so it stays safe.
func (p *pacer) run(ctx context.Context, c *rpchttp.HTTP) {
	t := time.NewTicker(pacerPoll)
	defer t.Stop()
	for {
		p.mu.Lock()
		start := p.completed
		p.mu.Unlock()
		if n, err := c.NumUnconfirmedTxs(ctx); err == nil {
			p.mu.Lock()
			p.polled, p.base = n.Total, start
			p.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
