package loadgen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
)

// tally is what one stream did.
type tally struct {
	sent, rejected, unsent, fullWaits int
	err                               error
}

// sendAll runs every stream in its own goroutine until done or MaxDuration.
func sendAll(ctx context.Context, c *rpchttp.HTTP, o Options) Result {
	deadline := time.Now().Add(o.MaxDuration)
	p, stopPacer := startPacer(ctx, c, o.MaxPending, deadline)
	tallies := make([]tally, len(o.Streams))
	var wg sync.WaitGroup
	for i, s := range o.Streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tallies[i] = sendStream(ctx, c, o, p, s, deadline)
		}()
	}
	wg.Wait()
	stopPacer()
	var r Result
	for _, t := range tallies {
		r.Sent += t.sent
		r.Rejected += t.rejected
		r.Unsent += t.unsent
		r.FullWaits += t.fullWaits
		if t.err != nil && r.FirstError == "" {
			r.FirstError = t.err.Error()
		}
	}
	return r
}

// startPacer starts polling the mempool when limit is positive; the poller
// ends when stop is called or shortly after the deadline. A nil pacer means
// no pacing.
func startPacer(ctx context.Context, c *rpchttp.HTTP, limit int, deadline time.Time) (*pacer, func()) {
	if limit <= 0 {
		return nil, func() {}
	}
	p := &pacer{limit: limit}
	pctx, cancel := context.WithDeadline(ctx, deadline.Add(callTimeout))
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.run(pctx, c)
	}()
	return p, func() {
		cancel()
		<-done
	}
}

// sendStream sends txs in order and stops at the first rejection: the later
// transactions of an ordered stream (e.g. sequences) cannot succeed after it.
func sendStream(ctx context.Context, c *rpchttp.HTTP, o Options, p *pacer, txs [][]byte, deadline time.Time) tally {
	var t tally
	for i, raw := range txs {
		if ctx.Err() != nil || !time.Now().Before(deadline) || (p != nil && !p.acquire(ctx, deadline)) {
			t.unsent += len(txs) - i
			return t
		}
		waits, err := sendOne(ctx, c, o, raw, deadline)
		if p != nil {
			p.release()
		}
		t.fullWaits += waits
		if errors.Is(err, errStopped) {
			t.unsent += len(txs) - i
			return t
		}
		if err != nil {
			t.rejected++
			t.unsent += len(txs) - i - 1
			t.err = err
			return t
		}
		t.sent++
	}
	return t
}

// sendOne broadcasts one transaction, resending it a bounded number of
// times while the mempool is full. It returns how often it waited.
func sendOne(ctx context.Context, c *rpchttp.HTTP, o Options, raw []byte, deadline time.Time) (int, error) {
	for attempt := 0; ; attempt++ {
		res, err := c.BroadcastTxSync(ctx, raw)
		switch {
		case err == nil && res.Code == 0:
			return attempt, nil
		case err == nil:
			return attempt, fmt.Errorf("tx rejected: code %d (%s): %s", res.Code, res.Codespace, res.Log)
		case !mempoolFull(err):
			return attempt, fmt.Errorf("broadcast_tx_sync: %w", err)
		case attempt >= o.FullRetries:
			return attempt, fmt.Errorf("mempool still full after %d retries: %w", attempt, err)
		}
		if !sleep(ctx, o.FullBackoff, deadline) {
			return attempt, errStopped
		}
	}
}

// errStopped means time ran out while waiting for room in the mempool.
var errStopped = errors.New("loadgen: sending stopped")

// mempoolFull matches CometBFT's ErrMempoolIsFull and ErrRecheckFull,
// which reach RPC clients as text only.
func mempoolFull(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "mempool is full") || strings.Contains(msg, "considered as full")
}

// sleep waits d unless ctx ends or the deadline comes first; it reports
// whether the caller may go on.
func sleep(ctx context.Context, d time.Duration, deadline time.Time) bool {
	if time.Until(deadline) < d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
