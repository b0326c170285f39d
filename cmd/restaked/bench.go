package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/spf13/cobra"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/app"
	"github.com/restaked/restaked/keyring"
	"github.com/restaked/restaked/loadgen"
	"github.com/restaked/restaked/node"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/tx"
)

func init() { extraCommands = append(extraCommands, benchCmd) }

const (
	benchChainID  = "restaked-bench"
	benchMaxTxs   = 1_000_000 // bounds memory for pre-signed transactions
	benchMaxAccts = 10_000
)

// benchMempoolSize is the mempool size of both nodes: node homes keep
// CometBFT's mempool defaults. The load is paced to it (loadgen.Options.MaxPending).
var benchMempoolSize = cmtcfg.DefaultMempoolConfig().Size

type benchFlags struct {
	txs, accounts            int
	duration, blockTime      time.Duration
	drain                    time.Duration
	target, output, logLevel string
	cpuProfile               string
	keep                     bool
}

func benchCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Benchmarks against throwaway local nodes"}
	cmd.AddCommand(benchLoadCmd())
	return cmd
}

func benchLoadCmd() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Committed tx/s of a restaked devnet versus CometBFT's kvstore on the same config",
		Long: `Starts a fresh one-validator node in a temporary home for each target, with
the same CometBFT config (free 127.0.0.1 ports, timeout_commit, mempool), sends a
bounded load over RPC with broadcast_tx_sync and reports committed tx/s measured
from block header times.

restaked: bank sends of 1stake (fee 10stake) between --accounts funded keys,
signed before the clock starts, one ordered stream per account.
kvstore:  the same number of streams and transactions, key=value bytes as long as
the average restaked transaction.

The ratio is restaked/kvstore committed tx/s.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBenchLoad(cmd, f) },
	}
	fl := cmd.Flags()
	fl.IntVar(&f.txs, "txs", 20000, "transactions per target")
	fl.IntVar(&f.accounts, "accounts", 16, "sending accounts (= concurrent streams)")
	fl.DurationVar(&f.duration, "duration", 60*time.Second, "stop sending after this long")
	fl.DurationVar(&f.drain, "drain-timeout", 60*time.Second, "wait at most this long for the mempool to empty")
	fl.DurationVar(&f.blockTime, "block-time", 500*time.Millisecond, "timeout_commit of both nodes")
	fl.StringVar(&f.target, "target", "both", "both, restaked or kvstore")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fl.StringVar(&f.logLevel, "log-level", "warn", "node log level: debug, info, warn or error")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the restaked load phase to this file")
	fl.BoolVar(&f.keep, "keep", false, "keep the temporary node homes")
	return cmd
}

func (f benchFlags) validate() error {
	switch {
	case f.txs < 1 || f.txs > benchMaxTxs:
		return fmt.Errorf("--txs must be 1..%d", benchMaxTxs)
	case f.accounts < 1 || f.accounts > benchMaxAccts || f.accounts > f.txs:
		return fmt.Errorf("--accounts must be 1..%d and at most --txs", benchMaxAccts)
	case f.duration <= 0 || f.drain <= 0 || f.blockTime <= 0:
		return errors.New("--duration, --drain-timeout and --block-time must be positive")
	case f.target != "both" && f.target != "restaked" && f.target != "kvstore":
		return fmt.Errorf("--target must be both, restaked or kvstore, not %q", f.target)
	case f.output != "text" && f.output != "json":
		return fmt.Errorf("--output must be text or json, not %q", f.output)
	}
	return nil
}

// benchReport is the JSON output.
type benchReport struct {
	Config   benchConfig   `json:"config"`
	Restaked *targetReport `json:"restaked,omitempty"`
	KVStore  *targetReport `json:"kvstore,omitempty"`
	Ratio    *float64      `json:"ratio,omitempty"` // restaked/kvstore committed tx/s
}

type benchConfig struct {
	Txs        int     `json:"txs"`
	Accounts   int     `json:"accounts"`
	DurationS  float64 `json:"duration_s"`
	BlockTimeS float64 `json:"block_time_s"`
	AvgTxBytes int     `json:"avg_tx_bytes"`
	MaxPending int     `json:"max_pending"`
}

type targetReport struct {
	loadgen.Result
	ElapsedS float64 `json:"elapsed_s"`
	SendS    float64 `json:"send_s"`
}

func runBenchLoad(cmd *cobra.Command, f benchFlags) error {
	if err := f.validate(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	keys := benchKeys(f.accounts)
	streams, err := benchSendStreams(keys, f.txs) // signed before any clock starts
	if err != nil {
		return err
	}
	avg := avgLen(streams)
	rep := benchReport{Config: benchConfig{Txs: f.txs, Accounts: f.accounts, DurationS: f.duration.Seconds(),
		BlockTimeS: f.blockTime.Seconds(), AvgTxBytes: avg, MaxPending: benchMempoolSize}}
	log, progress := newLogger(f.logLevel), cmd.ErrOrStderr()
	if f.target != "kvstore" {
		rep.Restaked, err = runTarget(ctx, f, "restaked", restakedStarter(f, keys, log), streams, progress)
		if err != nil {
			return err
		}
	}
	if f.target != "restaked" {
		rep.KVStore, err = runTarget(ctx, f, "kvstore", kvstoreStarter(f, log), kvStreams(streams, avg), progress)
		if err != nil {
			return err
		}
	}
	if rep.Restaked != nil && rep.KVStore != nil && rep.KVStore.TxPerSec > 0 {
		r := rep.Restaked.TxPerSec / rep.KVStore.TxPerSec
		rep.Ratio = &r
	}
	return printBench(cmd.OutOrStdout(), f.output, rep)
}

// ---- workloads ----

func benchKeys(n int) []ed25519.PrivateKey {
	keys := make([]ed25519.PrivateKey, n)
	for i := range keys {
		keys[i] = keyring.DeterministicKey(fmt.Sprintf("bench/%d", i))
	}
	return keys
}

func benchAddr(k ed25519.PrivateKey) account.Address {
	return account.FromPubKey(k.Public().(ed25519.PublicKey))
}

// benchSendStreams signs txs bank sends, spread evenly over the accounts:
// account i sends 1stake to account i+1 with consecutive sequences.
func benchSendStreams(keys []ed25519.PrivateKey, txs int) ([][][]byte, error) {
	streams := make([][][]byte, len(keys))
	for i, k := range keys {
		to := benchAddr(keys[(i+1)%len(keys)]).String()
		n := txs / len(keys)
		if i < txs%len(keys) {
			n++
		}
		for seq := range n {
			raw, err := signedBenchSend(k, to, uint64(seq))
			if err != nil {
				return nil, err
			}
			streams[i] = append(streams[i], raw)
		}
	}
	return streams, nil
}

func signedBenchSend(k ed25519.PrivateKey, to string, seq uint64) ([]byte, error) {
	m, err := tx.Wrap(&tx.MsgSend{From: benchAddr(k).String(), To: to, Amount: "1stake"})
	if err != nil {
		return nil, err
	}
	fee := fmt.Sprintf("%dstake", devnetMinFee)
	return tx.Sign(k, &tx.Body{ChainId: benchChainID, Sequence: seq, Fee: fee, Msgs: []*tx.Msg{m}})
}

func avgLen(streams [][][]byte) int {
	total, n := 0, 0
	for _, s := range streams {
		for _, t := range s {
			total += len(t)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return (total + n/2) / n
}

// kvStreams mirrors the shape of streams with unique kvstore transactions
// "key=value" of size bytes each (the mempool cache drops duplicates).
func kvStreams(streams [][][]byte, size int) [][][]byte {
	out := make([][][]byte, len(streams))
	for i, s := range streams {
		out[i] = make([][]byte, len(s))
		for j := range s {
			out[i][j] = kvTx(fmt.Sprintf("bench-%d-%d", i, j), size)
		}
	}
	return out
}

// kvTx pads the value with 'v' to reach size; the key is kept whole.
func kvTx(key string, size int) []byte {
	pad := max(size-len(key)-1, 1) // kvstore refuses an empty value
	return []byte(key + "=" + strings.Repeat("v", pad))
}

// ---- nodes ----

// starter sets up a node home, starts the node and returns its RPC URL and
// a function that stops it and releases everything it opened.
type starter func(home string, p2p, rpc int) (string, func() error, error)

func restakedStarter(f benchFlags, keys []ed25519.PrivateKey, log *slog.Logger) starter {
	return func(home string, p2p, rpc int) (string, func() error, error) {
		op := benchAddr(keyring.DeterministicKey("bench/validator"))
		funded := []fundedKey{{Name: "validator", Address: op, Coins: "1000000000000000stake"}}
		for i, k := range keys {
			funded = append(funded, fundedKey{Name: fmt.Sprintf("bench%d", i), Address: benchAddr(k), Coins: "1000000000000stake"})
		}
		fee := func(p *params.Params) { p.MinFee = num.NewInt(devnetMinFee) }
		if err := setupHome(home, benchChainID, "bench", "127.0.0.1:0", p2p, rpc, f.blockTime, op, funded, fee); err != nil {
			return "", nil, err
		}
		a, err := app.Open(filepath.Join(home, "data", "state"), benchChainID, log)
		if err != nil {
			return "", nil, err
		}
		n, err := node.Start(home, a, log)
		if err != nil {
			return "", nil, errors.Join(err, a.Close())
		}
		// The node stops first: it is the app's only caller.
		return n.RPCAddr(), func() error { return errors.Join(n.Stop(), a.Close()) }, nil
	}
}

func kvstoreStarter(f benchFlags, log *slog.Logger) starter {
	return func(home string, p2p, rpc int) (string, func() error, error) {
		// The same options setupHome passes, so both nodes share one config.
		if _, err := node.InitHome(node.HomeOptions{Home: home, ChainID: benchChainID, Moniker: "bench",
			P2PPort: p2p, RPCPort: rpc, TimeoutCommit: f.blockTime}); err != nil {
			return "", nil, err
		}
		n, err := node.StartKVStore(home, log)
		if err != nil {
			return "", nil, err
		}
		return n.RPCAddr(), n.Stop, nil
	}
}

// runTarget runs one target in a fresh temporary home and removes the home
// afterwards unless --keep.
func runTarget(ctx context.Context, f benchFlags, name string, start starter, streams [][][]byte, progress io.Writer) (rep *targetReport, err error) {
	home, err := os.MkdirTemp("", "restaked-bench-"+name+"-")
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, cleanupHome(home, f.keep, progress)) }()
	ports, err := freeLoopbackPorts(2)
	if err != nil {
		return nil, err
	}
	rpc, stop, err := start(home, ports[0], ports[1])
	if err != nil {
		return nil, fmt.Errorf("%s: start node: %w", name, err)
	}
	defer func() { err = errors.Join(err, stop()) }()
	fmt.Fprintf(progress, "bench %s: node at %s, sending %d txs in %d streams (at most %s)\n",
		name, rpc, countTxs(streams), len(streams), f.duration)
	opts := loadgen.Options{RPC: rpc, Streams: streams, MaxDuration: f.duration, DrainTimeout: f.drain,
		MaxPending: benchMempoolSize}
	if name == "restaked" && f.cpuProfile != "" {
		stopProf, err := startProfile(f.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer stopProf()
		opts.AfterDrain = stopProf
	}
	res, err := loadgen.Run(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	warnIncomplete(progress, name, res, countTxs(streams))
	return &targetReport{Result: res, ElapsedS: res.Elapsed.Seconds(), SendS: res.SendTime.Seconds()}, nil
}

func cleanupHome(home string, keep bool, w io.Writer) error {
	if keep {
		fmt.Fprintf(w, "bench: kept %s\n", home)
		return nil
	}
	return os.RemoveAll(home)
}

// startProfile starts a CPU profile; the returned stop may be called more than once.
func startProfile(path string) (func(), error) {
	fh, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(fh); err != nil {
		return nil, errors.Join(err, fh.Close())
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			_ = fh.Close() // the profile is best effort; the run's result stands
		})
	}, nil
}

func warnIncomplete(w io.Writer, name string, r loadgen.Result, total int) {
	if r.Committed == total && r.Succeeded == total {
		return
	}
	fmt.Fprintf(w, "bench %s: only %d of %d txs committed (%d succeeded, %d rejected, %d unsent, drained %v)",
		name, r.Committed, total, r.Succeeded, r.Rejected, r.Unsent, r.Drained)
	if r.FirstError != "" {
		fmt.Fprintf(w, "; first error: %s", r.FirstError)
	}
	fmt.Fprintln(w)
}

func countTxs(streams [][][]byte) int {
	n := 0
	for _, s := range streams {
		n += len(s)
	}
	return n
}

// freeLoopbackPorts returns n distinct ports that were free on 127.0.0.1 a
// moment ago; all listeners stay open until every port is chosen.
func freeLoopbackPorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close() // only probing: nothing was served
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// ---- output ----

func printBench(w io.Writer, format string, rep benchReport) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(w, "%d txs in %d streams, %d-byte txs on average, block time %gs\n\n",
		rep.Config.Txs, rep.Config.Accounts, rep.Config.AvgTxBytes, rep.Config.BlockTimeS)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tsent\trejected\tunsent\tcommitted\tsucceeded\tblocks\telapsed\ttx/s\t")
	for _, t := range []struct {
		name string
		r    *targetReport
	}{{"restaked", rep.Restaked}, {"kvstore", rep.KVStore}} {
		if t.r == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.2fs\t%.1f\t\n", t.name, t.r.Sent, t.r.Rejected, t.r.Unsent,
			t.r.Committed, t.r.Succeeded, t.r.Blocks, t.r.ElapsedS, t.r.TxPerSec)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.Ratio != nil {
		fmt.Fprintf(w, "\nratio restaked/kvstore committed tx/s: %.3f (target >= 0.5)\n", *rep.Ratio)
	}
	return nil
}
