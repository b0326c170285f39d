package chain

import (
	"crypto/sha256"
	"io/fs"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/store"
)

// BenchmarkStateSize100kAccounts measures disk and memory per account: a
// genesis of 100,000 funded accounts committed to Pebble, then one block.
// Run with -benchtime 1x; the metrics are per account.
func BenchmarkStateSize100kAccounts(b *testing.B) {
	const n = 100_000
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		db, err := store.OpenPebble(dir)
		if err != nil {
			b.Fatal(err)
		}
		g := testGenesis(nil)
		for j := 0; j < n; j++ {
			h := sha256.Sum256([]byte{byte(j), byte(j >> 8), byte(j >> 16)})
			var a account.Address
			copy(a[:], h[:20])
			g.Accounts = append(g.Accounts, GenesisAccount{Address: a, Coins: "1000000stake,5usdc"})
		}
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c, err := New(testChainID, db)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.InitChain(g, genesisTime_s); err != nil {
			b.Fatal(err)
		}
		if err := c.BeginBlock(Header{Height: 1, Time_s: genesisTime_s + 5}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.EndBlock(); err != nil {
			b.Fatal(err)
		}
		if err := c.Commit(); err != nil {
			b.Fatal(err)
		}
		g.Accounts = nil
		var after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&after)
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(dirSize(b, dir))/n, "disk-B/account")
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "heap-B/account")
		runtime.KeepAlive(c)
	}
}

func dirSize(b *testing.B, dir string) int64 {
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
