package risk

import "testing"

// benchGraphs compiles Generate(2000, 50) for seeds 1–10 of one variant.
func benchGraphs(b *testing.B, variant string) []*Graph {
	b.Helper()
	var gs []*Graph
	for seed := int64(1); seed <= 10; seed++ {
		n, err := Generate(GenOptions{Operators: 2000, Services: 50, Seed: seed, Variant: variant})
		if err != nil {
			b.Fatal(err)
		}
		g, err := Compile(n)
		if err != nil {
			b.Fatal(err)
		}
		gs = append(gs, g)
	}
	return gs
}

var benchVariants = []string{"unique", "elastic", "full"}

// BenchmarkSlack times γ* on one network per iteration, cycling over the
// ten seeds.
func BenchmarkSlack(b *testing.B) {
	for _, variant := range benchVariants {
		b.Run(variant, func(b *testing.B) {
			gs := benchGraphs(b, variant)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				Slack(gs[i%len(gs)])
			}
		})
	}
}

// BenchmarkServices times every service report of one network per
// iteration; a cover search that hits its bound fails the benchmark.
func BenchmarkServices(b *testing.B) {
	for _, variant := range benchVariants {
		b.Run(variant, func(b *testing.B) {
			gs := benchGraphs(b, variant)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				for _, r := range Services(gs[i%len(gs)]) {
					if r.CoCErr != nil {
						b.Fatal(r.CoCErr)
					}
				}
			}
		})
	}
}

// BenchmarkSlackAndServices is the pair a dashboard refresh needs.
func BenchmarkSlackAndServices(b *testing.B) {
	for _, variant := range benchVariants {
		b.Run(variant, func(b *testing.B) {
			gs := benchGraphs(b, variant)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				g := gs[i%len(gs)]
				Slack(g)
				Services(g)
			}
		})
	}
}
