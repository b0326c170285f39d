package risk

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkSolve times Solve on generated 2,000 × 50 networks (Generate),
// seeds 1–10, one sub-benchmark per variant and seed, with a node bound of
// RESTAKED_SOLVE_NODES (default 20,000). A seed past the node bound is
// reported, not failed: the figure is then the time to give up.
func BenchmarkSolve(b *testing.B) {
	nodes := int64(envInt("RESTAKED_SOLVE_NODES", 20_000))
	for _, variant := range chosenVariants() {
		for seed := int64(1); seed <= 10; seed++ {
			g, err := genGraph(seed, variant)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/seed=%d", variant, seed), func(b *testing.B) {
				for b.Loop() {
					v, err := Solve(g, SolveOptions{MaxNodes: nodes})
					if err != nil && !errors.Is(err, ErrSearchLimit) {
						b.Fatal(err)
					}
					b.ReportMetric(float64(v.Nodes), "nodes")
				}
			})
		}
	}
}

// TestCompareCBC (RESTAKED_BENCH_CBC=1) times Solve and CBC on the same
// programs: seeds 1–10 × the three variants at 2,000 × 50, CBC capped at
// RESTAKED_CBC_SEC seconds (default 600). A network CBC does not finish
// counts as won by Solve; one Solve does not finish (node bound
// RESTAKED_SOLVE_NODES, default DefaultMaxNodes) is marked as such.
// RESTAKED_BENCH_VARIANTS picks variants (default all three).
func TestCompareCBC(t *testing.T) {
	if os.Getenv("RESTAKED_BENCH_CBC") != "1" {
		t.Skip("set RESTAKED_BENCH_CBC=1 to run the Solve/CBC comparison")
	}
	cbc := cbcPath(t)
	limit := envInt("RESTAKED_CBC_SEC", 600)
	nodes := envInt("RESTAKED_SOLVE_NODES", DefaultMaxNodes)
	t.Logf("%-8s %4s  %12s  %8s  %-28s  %-10s  %s", "variant", "seed", "solve", "nodes", "verdict", "cbc", "cbc/solve")
	for _, variant := range chosenVariants() {
		for seed := int64(1); seed <= 10; seed++ {
			g, err := genGraph(seed, variant)
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Now()
			v, err := Solve(g, SolveOptions{MaxNodes: int64(nodes)})
			ds := time.Since(t0)
			verdict := "secure"
			switch {
			case err != nil:
				verdict = "NODE LIMIT"
			case !v.Secure:
				verdict = "attack " + DecimalFloor(v.Attack.Profit)
			}
			t1 := time.Now()
			res := runCBC(t, cbc, g, time.Duration(limit)*time.Second)
			dc := time.Since(t1)
			cbcCol := dc.Round(time.Millisecond).String()
			if !res.optimal {
				cbcCol = ">" + cbcCol
			} else if err == nil {
				checkCBC(t, int(seed), g, v, res)
			}
			t.Logf("%-8s %4d  %12v  %8d  %-28s  %-10s  %.1f", variant, seed, ds.Round(time.Microsecond), v.Nodes, verdict, cbcCol, dc.Seconds()/ds.Seconds())
		}
	}
}

// chosenVariants are RESTAKED_BENCH_VARIANTS (e.g. elastic,full), by
// default all three.
func chosenVariants() []string {
	if v := os.Getenv("RESTAKED_BENCH_VARIANTS"); v != "" {
		return strings.Split(v, ",")
	}
	return benchVariants
}

// genGraph is the generated 2,000 × 50 network of the benchmarks.
func genGraph(seed int64, variant string) (*Graph, error) {
	n, err := Generate(GenOptions{Operators: 2000, Services: 50, Seed: seed, Variant: variant})
	if err != nil {
		return nil, err
	}
	return Compile(n)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
