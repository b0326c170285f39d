package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/restaked/restaked/api"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/tx"
)

// Bounds on seeding: the node must answer within demoStartTimeout and
// each phase commit within demoPhaseTimeout (a few blocks in practice).
const (
	demoStartTimeout = 60 * time.Second
	demoPhaseTimeout = 60 * time.Second
	demoPollEvery    = 100 * time.Millisecond
)

// setupDemoDevnet creates a devnet whose genesis already holds what the
// genesis format allows: the demo's validators, balances and parameters.
// The rest is seeded by transactions once the node runs (runDemo).
func setupDemoDevnet(f devnetFlags) error {
	trial := params.Default()
	if err := applyDemoParams(&trial); err != nil {
		return fmt.Errorf("demo params: %w", err)
	}
	rec, err := newDemoRecord()
	if err != nil {
		return err
	}
	funded, err := importDevnetKeys(f.home, append(append([]namedCoins{}, devnetAccounts...), demoAccounts()...))
	if err != nil {
		return err
	}
	op := funded[0].Address
	if err := setupHome(f.home, devnetChainID, "devnet", f.apiAddr, f.p2p, f.rpc, f.blockTime, op, funded, demoGenesisParams, demoValidators()...); err != nil {
		return err
	}
	return writeDemoRecord(f.home, rec)
}

// demoGenesisParams are the devnet's parameters with the demo's delays
// (applyDemoParams cannot fail on them: setupDemoDevnet checks first).
func demoGenesisParams(p *params.Params) {
	p.MinFee = num.NewInt(devnetMinFee)
	_ = applyDemoParams(p)
}

// runDemo seeds a demo devnet that is not seeded yet, then prints its
// summary. A failure is reported and leaves the chain running.
func runDemo(ctx context.Context, w io.Writer, f devnetFlags) {
	rec, found, err := readDemoRecord(f.home)
	switch {
	case err != nil:
		fmt.Fprintf(w, "demo: %v\n", err)
		return
	case !found:
		fmt.Fprintln(w, "This devnet was created without --demo; start it with --reset --demo for the demo restaking network.")
		return
	case rec.Seeded:
		printDemoSummary(w, rec, f.home, f.apiAddr)
		return
	}
	fmt.Fprintln(w, "Seeding the demo restaking network...")
	h, err := seedDemo(ctx, localURL(f.apiAddr), w)
	if err == nil {
		rec.Seeded, rec.SeededHeight = true, h
		err = writeDemoRecord(f.home, rec)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		fmt.Fprintln(w, "Demo seeding interrupted; for a clean demo network start again with --reset --demo.")
		return
	case err != nil:
		fmt.Fprintf(w, "demo seeding failed: %v\nThe chain keeps running; for a clean demo network start again with --reset --demo.\n", err)
		return
	}
	printDemoSummary(w, rec, f.home, f.apiAddr)
}

// localURL is the API's URL from its listen address (a wildcard host is
// reached on loopback).
func localURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// seedDemo submits the demo plan through the HTTP API, as the CLI does,
// phase after phase, and returns the height of the last commit.
func seedDemo(ctx context.Context, apiURL string, w io.Writer) (int64, error) {
	c, err := newAPIClient(apiURL)
	if err != nil {
		return 0, err
	}
	if err := waitChainUp(ctx, c); err != nil {
		return 0, err
	}
	plan := demoPlan()
	var last int64
	for i, ph := range plan {
		if last, err = runPhase(ctx, c, ph); err != nil {
			return 0, fmt.Errorf("phase %d (%s): %w", i+1, ph.name, err)
		}
		fmt.Fprintf(w, "  %d/%d %s: %d transactions committed (height %d)\n", i+1, len(plan), ph.name, len(ph.txs), last)
	}
	return last, nil
}

// waitChainUp waits until the API answers and the first block is committed.
func waitChainUp(ctx context.Context, c *apiClient) error {
	ctx, cancel := context.WithTimeout(ctx, demoStartTimeout)
	defer cancel()
	return poll(ctx, func() (bool, error) {
		var st api.Status
		return c.get(ctx, "/v1/status", &st) == nil && st.Height >= 1, nil
	})
}

// poll calls check every demoPollEvery until it reports done, fails or ctx ends.
func poll(ctx context.Context, check func() (bool, error)) error {
	tick := time.NewTicker(demoPollEvery)
	defer tick.Stop()
	for {
		done, err := check()
		if done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// runPhase broadcasts every transaction of a phase, then waits until all
// are committed; it returns the highest height they landed at.
func runPhase(ctx context.Context, c *apiClient, ph demoPhase) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, demoPhaseTimeout)
	defer cancel()
	hashes := make([]string, 0, len(ph.txs))
	for _, t := range ph.txs {
		h, err := broadcastDemoTx(ctx, c, t)
		if err != nil {
			return 0, fmt.Errorf("%s's transaction: %w", t.signer, err)
		}
		hashes = append(hashes, h)
	}
	return waitCommitted(ctx, c, hashes)
}

// broadcastDemoTx signs t with its demo key; the sequence comes from the
// API, as for the CLI (one transaction per signer per phase keeps it right).
func broadcastDemoTx(ctx context.Context, c *apiClient, t demoTx) (string, error) {
	f := &txFlags{chainID: devnetChainID, fee: fmt.Sprintf("%dstake", devnetMinFee*len(t.msgs))}
	body, err := f.body(ctx, c, devnetAddr(t.signer).String(), t.msgs)
	if err != nil {
		return "", err
	}
	raw, err := tx.Sign(devnetKey(t.signer), body)
	if err != nil {
		return "", err
	}
	var res api.BroadcastResult
	if err := c.post(ctx, "/v1/txs", api.BroadcastRequest{Tx: base64.StdEncoding.EncodeToString(raw)}, &res); err != nil {
		return "", err
	}
	if res.Code != 0 {
		return "", fmt.Errorf("refused by the mempool: rule %s: %s", orNone(res.Rule), res.Log)
	}
	return res.Hash, nil
}

// waitCommitted polls the API for each hash until all are in blocks, and
// fails on the first that failed in its block.
func waitCommitted(ctx context.Context, c *apiClient, hashes []string) (int64, error) {
	var top int64
	pending := hashes
	err := poll(ctx, func() (bool, error) {
		var still []string
		for _, h := range pending {
			height, err := committedAt(ctx, c, h)
			if err != nil {
				return false, err
			}
			if height == 0 {
				still = append(still, h)
			}
			top = max(top, height)
		}
		pending = still
		return len(pending) == 0, nil
	})
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%d of %d transactions not committed: %w", len(pending), len(hashes), err)
	}
	return top, err
}

// committedAt is the height of a committed transaction, 0 while it is not
// in a block yet.
func committedAt(ctx context.Context, c *apiClient, hash string) (int64, error) {
	var t api.Tx
	err := c.get(ctx, "/v1/txs/"+hash, &t)
	var ae *apiError
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		return 0, nil
	case err != nil:
		return 0, err
	case t.Code != 0:
		return 0, fmt.Errorf("transaction %s failed in block %d: rule %s: %s", hash, t.Height, orNone(t.Rule), t.Log)
	}
	return t.Height, nil
}
