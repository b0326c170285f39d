package restaking

import (
	"crypto/sha256"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

// Scale benchmarks build large states directly in Pebble (no transactions)
// and measure one operation on them. Run with -benchtime Nx; they are
// skipped in -short mode and by plain `go test` (benchmarks only).

const benchStart_s = int64(1_767_225_600)

func benchAddr(i int) account.Address {
	h := sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16), byte(i >> 24), 'r', 's'})
	var a account.Address
	copy(a[:], h[:20])
	return a
}

type scaleEnv struct {
	db     *store.Pebble
	dir    string
	p      params.Params
	height int64
	op     account.Address
	closed bool
}

func newScaleEnv(b *testing.B) *scaleEnv {
	dir := b.TempDir()
	db, err := store.OpenPebble(dir)
	if err != nil {
		b.Fatal(err)
	}
	e := &scaleEnv{db: db, dir: dir, p: params.Default(), op: benchAddr(-1)}
	b.Cleanup(func() {
		if !e.closed {
			db.Close()
		}
	})
	e.p.Authority = benchAddr(-2)
	e.write(b, func(ctx state.Ctx) {
		if err := params.Store(ctx.KV, e.p); err != nil {
			b.Fatal(err)
		}
		if err := InitGenesis(ctx, e.p); err != nil {
			b.Fatal(err)
		}
		state.Put(ctx.KV, assetKey("usdc"), &Asset{Denom: "usdc", Kind: KindPriced, Price: num.OneDec()})
		saveOperator(ctx.KV, &Operator{Address: e.op, Degree: 1})
		s := Service{Name: "a", Admin: e.op, SlashConfig: SlashConfig{Slasher: e.op, MaxSlash: num.OneDec()},
			Assets: []string{"usdc"}, Threshold: num.OneDec()}
		saveService(ctx.KV, &s)
		if err := saveMember(ctx.KV, &s, e.op, Membership{OptedIn: true}, false); err != nil {
			b.Fatal(err)
		}
	})
	return e
}

func (e *scaleEnv) ctx(kv store.KV) state.Ctx {
	return state.NewCtx(kv, e.height, benchStart_s+e.height*5, "bench", nil)
}

// write runs fn as one committed block.
func (e *scaleEnv) write(b *testing.B, fn func(ctx state.Ctx)) {
	e.height++
	o := store.NewOverlay(e.db)
	fn(e.ctx(o))
	if err := e.db.Commit(o, store.Meta{Height: e.height, AppHash: []byte{1}}); err != nil {
		b.Fatal(err)
	}
}

// depositMany gives n stakers a position with the operator (batches of 20,000).
func (e *scaleEnv) depositMany(b *testing.B, n int) {
	for i := 0; i < n; i += 20_000 {
		e.write(b, func(ctx state.Ctx) {
			for j := i; j < min(i+20_000, n); j++ {
				a := benchAddr(j)
				if err := bank.GenesisBalances(ctx.KV, a, coin.Coins{coin.New("usdc", num.NewInt(1_000_000))}); err != nil {
					b.Fatal(err)
				}
				if _, err := Deposit(ctx, e.p, a, e.op, coin.New("usdc", num.NewInt(1_000_000))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func (e *scaleEnv) allocate(b *testing.B) {
	e.write(b, func(ctx state.Ctx) {
		o, _ := loadOperator(ctx.KV, e.op, ctx.Time_s)
		vv, _ := loadVault(ctx.KV, e.op, Asset{Denom: "usdc", Kind: KindPriced})
		if err := applyAllocate(ctx, e.p, o, &vv, "a", Allocation{}, false, num.OneDec()); err != nil {
			b.Fatal(err)
		}
	})
}

// queueMany queues n withdrawals of 1 usdc from the first n positions, one
// block of 100 per 10 minutes so they spread over the withdrawal window.
func (e *scaleEnv) queueMany(b *testing.B, n int) {
	for i := 0; i < n; i += 100 {
		e.write(b, func(ctx state.Ctx) {
			for j := i; j < min(i+100, n); j++ {
				if _, err := QueueWithdrawal(ctx, e.p, benchAddr(j), e.op, coin.New("usdc", num.NewInt(1))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchmarkSlash: one slash of the operator (executed at once), on a copy
// of the state each time. Its cost must not depend on the positions.
func benchmarkSlash(b *testing.B, positions, withdrawals int) {
	e := newScaleEnv(b)
	e.depositMany(b, positions)
	e.allocate(b)
	e.queueMany(b, withdrawals)
	if err := e.db.Compact(); err != nil {
		b.Fatal(err)
	}
	e.height++
	msg := &tx.MsgSlash{Slasher: e.op.String(), Service: "a", Operator: e.op.String(), Fraction: "0.01"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o := store.NewOverlay(e.db)
		if err := HandleSlash(e.ctx(o), e.p, e.op, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSlash100kPositions(b *testing.B) { benchmarkSlash(b, 100_000, 10_000) }
func BenchmarkSlash1MPositions(b *testing.B)   { benchmarkSlash(b, 1_000_000, 10_000) }

// BenchmarkStakeAt1MCheckpoints: the stake history lookup with a million
// vault and allocation checkpoints for the pair.
func BenchmarkStakeAt1MCheckpoints(b *testing.B) {
	const n = 1_000_000
	e := newScaleEnv(b)
	for i := 0; i < n; i += 50_000 {
		e.write(b, func(ctx state.Ctx) {
			for h := i; h < i+50_000; h++ {
				pt := VaultPoint{Scaled: num.NewInt(uint64(h+1) * 1e18), MaxMag: num.OneDec(), Units: num.NewInt(uint64(h + 1)), Tokens: num.NewInt(uint64(h + 1))}
				state.Put(ctx.KV, seriesKey(vaultSeries(prefixVaultHist, e.op, "usdc"), uint64(h)), &pt)
				ctx.KV.Set(seriesKey(allocSeries("a", e.op, "usdc"), uint64(h)), num.MustDec("0.5").Raw().Bytes())
				ctx.KV.Set(seriesKey(valueSeries("usdc"), uint64(h)), num.OneDec().Raw().Bytes())
			}
		})
	}
	if err := e.db.Compact(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h := int64((uint64(i) * 2654435761) % n)
		if _, ok, err := StakeAt(e.db, "a", e.op, "usdc", h); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkStateSizePerPosition: disk bytes per position — the same
// funded stakers with and without a position each, compared after closing
// both stores. Run with -benchtime 1x.
func BenchmarkStateSizePerPosition(b *testing.B) {
	const n = 100_000
	for i := 0; i < b.N; i++ {
		without, with := sizeWith(b, n, false), sizeWith(b, n, true)
		b.ReportMetric(float64(with-without)/n, "disk-B/position")
	}
}

func sizeWith(b *testing.B, n int, positions bool) int64 {
	e := newScaleEnv(b)
	e.write(b, func(ctx state.Ctx) {
		for j := 0; j < n; j++ {
			if err := bank.GenesisBalances(ctx.KV, benchAddr(j), coin.Coins{coin.New("usdc", num.NewInt(2_000_000))}); err != nil {
				b.Fatal(err)
			}
		}
	})
	if positions {
		e.depositMany(b, n)
	}
	if err := e.db.Close(); err != nil {
		b.Fatal(err)
	}
	e.closed = true
	return dirSize(e.dir)
}

func dirSize(dir string) int64 {
	var total int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}
