package loadgen

import (
	"context"
	"fmt"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	"github.com/cometbft/cometbft/types"
)

const (
	// metaBatch is the most block metas CometBFT returns per blockchain call.
	metaBatch = 20
	// maxCountBlocks bounds the blocks one run reads back.
	maxCountBlocks = 1_000_000
)

func latestHeight(ctx context.Context, c *rpchttp.HTTP) (int64, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("loadgen: status: %w", err)
	}
	return st.SyncInfo.LatestBlockHeight, nil
}

// waitStartBlock returns the latest height once it is at least 2: the
// measurement starts at the header of the block before the load, and the
// first block carries the genesis time instead of a commit time.
func waitStartBlock(ctx context.Context, c *rpchttp.HTTP) (int64, error) {
	deadline := time.Now().Add(startBlockWait)
	for {
		h, err := latestHeight(ctx, c)
		if err == nil && h >= 2 {
			return h, nil
		}
		if !sleep(ctx, pollEvery, deadline) {
			return 0, fmt.Errorf("loadgen: chain not at height 2 within %s (height %d, last error: %v)", startBlockWait, h, err)
		}
	}
}

// drain waits until the mempool is empty or timeout passes; it reports
// whether the mempool emptied.
func drain(ctx context.Context, c *rpchttp.HTTP, timeout time.Duration) (bool, error) {
	deadline := time.Now().Add(timeout)
	for {
		n, err := c.NumUnconfirmedTxs(ctx)
		if err != nil {
			return false, fmt.Errorf("loadgen: num_unconfirmed_txs: %w", err)
		}
		if n.Total == 0 {
			return true, nil
		}
		if !sleep(ctx, pollEvery, deadline) {
			return false, ctx.Err()
		}
	}
}

// count fills the chain-side fields of r from blocks (StartHeight, EndHeight].
func count(ctx context.Context, c *rpchttp.HTTP, r *Result) error {
	if r.EndHeight < r.StartHeight || r.EndHeight-r.StartHeight > maxCountBlocks {
		return fmt.Errorf("loadgen: cannot count blocks %d..%d", r.StartHeight, r.EndHeight)
	}
	metas, err := blockMetas(ctx, c, r.StartHeight, r.EndHeight)
	if err != nil {
		return err
	}
	r.Blocks = int(r.EndHeight - r.StartHeight)
	first, last := int64(0), int64(0)
	for h := r.StartHeight + 1; h <= r.EndHeight; h++ {
		n := metas[h].NumTxs
		if n == 0 {
			continue
		}
		r.Committed += n
		r.TxBlocks++
		if first == 0 {
			first = h
		}
		last = h
	}
	if first == 0 {
		return nil
	}
	// A header's time is when the previous block was committed, so the span
	// from the header before the first loaded block to the last loaded
	// header counts exactly the blocks that carried the load.
	r.Elapsed = metas[last].Header.Time.Sub(metas[first-1].Header.Time)
	if r.Elapsed > 0 {
		r.TxPerSec = float64(r.Committed) / r.Elapsed.Seconds()
	}
	r.Succeeded, err = succeeded(ctx, c, metas, first, last)
	return err
}

// blockMetas fetches the metas of heights [from, to], at most metaBatch per call.
func blockMetas(ctx context.Context, c *rpchttp.HTTP, from, to int64) (map[int64]*types.BlockMeta, error) {
	out := make(map[int64]*types.BlockMeta, to-from+1)
	for lo := from; lo <= to; lo += metaBatch {
		hi := min(lo+metaBatch-1, to)
		res, err := c.BlockchainInfo(ctx, lo, hi)
		if err != nil {
			return nil, fmt.Errorf("loadgen: blockchain %d..%d: %w", lo, hi, err)
		}
		for _, m := range res.BlockMetas {
			out[m.Header.Height] = m
		}
	}
	for h := from; h <= to; h++ {
		if out[h] == nil {
			return nil, fmt.Errorf("loadgen: block %d missing from blockchain info", h)
		}
	}
	return out, nil
}

// succeeded counts the transactions with result code 0 in blocks [first, last].
func succeeded(ctx context.Context, c *rpchttp.HTTP, metas map[int64]*types.BlockMeta, first, last int64) (int, error) {
	ok := 0
	for h := first; h <= last; h++ {
		if metas[h].NumTxs == 0 {
			continue
		}
		res, err := c.BlockResults(ctx, &h)
		if err != nil {
			return ok, fmt.Errorf("loadgen: block_results %d: %w", h, err)
		}
		for _, t := range res.TxsResults {
			if t.Code == 0 {
				ok++
			}
		}
	}
	return ok, nil
}
