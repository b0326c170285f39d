// Package loadgen is a bounded load generator for a CometBFT node's RPC on
// the loopback interface. It sends pre-built transactions in concurrent
// ordered streams with broadcast_tx_sync, waits for the mempool to drain and
// then measures committed throughput from the chain itself (block headers),
// so the result does not depend on the client's own clock or speed.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
)

// Options configures one run.
type Options struct {
	// RPC is the CometBFT RPC endpoint, e.g. "http://127.0.0.1:26657".
	// Only 127.0.0.1 and localhost are accepted.
	RPC string
	// Streams are sent concurrently, one goroutine each; the transactions of
	// one stream are sent in order (e.g. one account's sequences).
	Streams [][][]byte
	// MaxDuration stops sending; transactions not sent by then are counted
	// as Unsent. Zero means one minute.
	MaxDuration time.Duration
	// DrainTimeout bounds the wait for the mempool to empty after sending.
	// Zero means one minute.
	DrainTimeout time.Duration
	// FullRetries bounds the resends of one transaction while the mempool
	// is full. Zero means 500 (with FullBackoff, about ten seconds).
	FullRetries int
	// FullBackoff is the pause before resending into a full mempool. Zero
	// means 20ms.
	FullBackoff time.Duration
	// MaxPending, if positive, keeps the estimated mempool size plus the
	// sends in flight at or below it; set it to the node's mempool size so
	// the mempool never fills (see pacer). Zero sends as fast as possible
	// and relies on the retries.
	MaxPending int
	// AfterDrain, if set, runs once sending and draining are over and
	// before the blocks are counted, e.g. to stop a CPU profile.
	AfterDrain func()
}

// Result is what one run sent and what the chain committed.
type Result struct {
	Sent        int   `json:"sent"`         // accepted by CheckTx
	Rejected    int   `json:"rejected"`     // refused by CheckTx, RPC errors, or still full after all retries
	Unsent      int   `json:"unsent"`       // not sent: time ran out or the stream stopped at a rejection
	FullWaits   int   `json:"full_waits"`   // resends because the mempool was full
	Committed   int   `json:"committed"`    // transactions in blocks (StartHeight, EndHeight]
	Succeeded   int   `json:"succeeded"`    // committed with result code 0
	Blocks      int   `json:"blocks"`       // EndHeight - StartHeight
	TxBlocks    int   `json:"tx_blocks"`    // blocks with at least one transaction
	StartHeight int64 `json:"start_height"` // last block before sending
	EndHeight   int64 `json:"end_height"`   // last block once the mempool drained
	Drained     bool  `json:"drained"`      // the mempool emptied within DrainTimeout
	// Elapsed spans the committed transactions by block header times, from
	// the block before the first block with transactions to the last one.
	Elapsed    time.Duration `json:"elapsed_ns"`
	TxPerSec   float64       `json:"tx_per_sec"` // Committed / Elapsed
	SendTime   time.Duration `json:"send_ns"`    // wall clock of the sending phase, for information
	FirstError string        `json:"first_error,omitempty"`
}

const (
	defaultMaxDuration = time.Minute
	defaultDrain       = time.Minute
	defaultRetries     = 500
	defaultBackoff     = 20 * time.Millisecond
	callTimeout        = 30 * time.Second // one RPC call, including a large block_results
	startBlockWait     = 30 * time.Second
	pollEvery          = 50 * time.Millisecond
)

// Run sends opts.Streams to the node and measures what was committed.
func Run(ctx context.Context, opts Options) (Result, error) {
	opts = withDefaults(opts)
	c, err := newClient(opts.RPC, len(opts.Streams))
	if err != nil {
		return Result{}, err
	}
	start, err := waitStartBlock(ctx, c)
	if err != nil {
		return Result{}, err
	}
	t0 := time.Now()
	res := sendAll(ctx, c, opts)
	res.SendTime = time.Since(t0)
	res.StartHeight = start
	res.Drained, err = drain(ctx, c, opts.DrainTimeout)
	if opts.AfterDrain != nil {
		opts.AfterDrain()
	}
	if err != nil {
		return res, err
	}
	if res.EndHeight, err = latestHeight(ctx, c); err != nil {
		return res, err
	}
	if err := count(ctx, c, &res); err != nil {
		return res, err
	}
	return res, nil
}

func withDefaults(o Options) Options {
	if o.MaxDuration <= 0 {
		o.MaxDuration = defaultMaxDuration
	}
	if o.DrainTimeout <= 0 {
		o.DrainTimeout = defaultDrain
	}
	if o.FullRetries <= 0 {
		o.FullRetries = defaultRetries
	}
	if o.FullBackoff <= 0 {
		o.FullBackoff = defaultBackoff
	}
	return o
}

// LoopbackURL checks that raw is an http URL of 127.0.0.1 or localhost with
// a port and returns it with the host pinned to 127.0.0.1, so that no name
// resolution can send the load elsewhere.
func LoopbackURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("loadgen: rpc address %q: %w", raw, err)
	}
	if u.Scheme != "http" {
		return "", fmt.Errorf("loadgen: rpc address %q: scheme must be http", raw)
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost":
	default:
		return "", fmt.Errorf("loadgen: rpc address %q: only 127.0.0.1 or localhost is allowed", raw)
	}
	if u.Port() == "" {
		return "", fmt.Errorf("loadgen: rpc address %q has no port", raw)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return "", fmt.Errorf("loadgen: rpc address %q: give only http://host:port", raw)
	}
	return "http://" + net.JoinHostPort("127.0.0.1", u.Port()), nil
}

// newClient builds an RPC client whose connection pool fits the streams:
// the default transport keeps two idle connections per host, and the other
// streams would then open a new connection for every transaction.
func newClient(raw string, streams int) (*rpchttp.HTTP, error) {
	addr, err := LoopbackURL(raw)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		Proxy:               nil, // never leave the machine through a proxy
		DialContext:         loopbackDialer,
		MaxIdleConns:        streams + 4,
		MaxIdleConnsPerHost: streams + 4,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return rpchttp.NewWithClient(addr, "/websocket", &http.Client{Transport: tr, Timeout: callTimeout})
}

var errNotLoopback = errors.New("loadgen: refusing to dial a non-loopback address")

// loopbackDialer dials only 127.0.0.1, whatever the URL said.
func loopbackDialer(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host != "127.0.0.1" {
		return nil, fmt.Errorf("%w: %s", errNotLoopback, addr)
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	return d.DialContext(ctx, network, addr)
}
