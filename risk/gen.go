package risk

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
)

// GenOptions chooses a synthetic network.
type GenOptions struct {
	Operators int
	Services  int
	Seed      int64
	// Variant is how operators spread their stake: "unique" (Σ_s w_vs ≤ σ_v),
	// "elastic" (Σ_s w_vs ≤ L·σ_v with L between 2 and 3, each w_vs ≤ σ_v)
	// or "full" (w_vs = σ_v in every service the operator joins).
	Variant string
}

// Shape of the synthetic networks.
const (
	// GenMaxServices keeps GenMaxPerService·services within MaxAllocations.
	GenMaxServices   = MaxAllocations / GenMaxPerService
	GenMaxPerService = 200 // operators per service
	genStakePerOp    = 1_000_000
	genParetoShape   = 1.16 // the "80/20" tail
	genTopShareLo    = 0.72 // top-7 share of stake is drawn in [lo, lo+width]
	genTopShareWidth = 0.06
	genLargeJoin     = 0.85 // chance a large operator joins a given service
	genPfCDecades    = 3.5  // π spread, in orders of magnitude
	genSlackLo       = -0.5 // target γ* is drawn in [lo, lo+width]
	genSlackWidth    = 0.6
)

// Thresholds as 18-place decimals so that the network file holds them
// exactly; 1/3 and 2/3 are rounded up, which makes a service (very slightly)
// harder to corrupt, never easier.
var genThresholds = []*big.Rat{
	big.NewRat(333_333_333_333_333_334, 1_000_000_000_000_000_000),
	big.NewRat(1, 2),
	big.NewRat(666_666_666_666_666_667, 1_000_000_000_000_000_000),
}

// Generate builds a realistic synthetic network, the same for the same
// options on one platform (floating point is used only to shape amounts,
// every amount is then an integer): heavy-tailed stake with the 7 largest
// operators holding about 75% of it; the largest 5% of operators (at least
// 7) in most services, the others in 1 to 3; at most GenMaxPerService
// operators per service; π spread over 3.5 orders of magnitude and scaled so
// that γ* lands near a target drawn in [−0.5, 0.1], so some seeds are
// secure and some not; α ∈ {1/3, 1/2, 2/3}.
func Generate(opt GenOptions) (*Network, error) {
	if opt.Operators < 1 || opt.Operators > MaxOperators || opt.Services < 1 || opt.Services > GenMaxServices {
		return nil, fmt.Errorf("%w: generate 1..%d operators and 1..%d services", ErrNetwork, MaxOperators, GenMaxServices)
	}
	if opt.Variant != "unique" && opt.Variant != "elastic" && opt.Variant != "full" {
		return nil, fmt.Errorf("%w: variant %q is not unique, elastic or full", ErrNetwork, opt.Variant)
	}
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x72657374616b6564))
	stakes := genStakes(rng, opt.Operators)
	members := genMembership(rng, opt.Operators, opt.Services)
	alloc := genAllocations(rng, stakes, members, opt.Variant)
	pfc, alpha := genServices(rng, stakes, members, alloc, opt.Services)
	return assemble(stakes, members, alloc, pfc, alpha), nil
}

// genStakes draws Pareto stakes, sorted descending, then rescales the top 7
// and the rest separately so the top-7 share hits its drawn target (a raw
// Pareto sample's top share varies too much from seed to seed).
func genStakes(rng *rand.Rand, n int) []int64 {
	raw := make([]float64, n)
	for i := range raw {
		raw[i] = math.Pow(1-rng.Float64(), -1/genParetoShape)
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(raw)))
	total := float64(genStakePerOp) * float64(n)
	top := min(7, n)
	share := genTopShareLo + genTopShareWidth*rng.Float64()
	if top == n {
		share = 1
	}
	topSum, restSum := sum(raw[:top]), sum(raw[top:])
	out := make([]int64, n)
	for i, x := range raw {
		scale := float64(share * total / topSum)
		if i >= top {
			scale = float64((1 - share) * total / restSum)
		}
		out[i] = max(1, int64(float64(x*scale)))
	}
	return out
}

func sum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// genMembership gives each operator (descending stake) its services: the
// large ones join each service with probability genLargeJoin, the others 1
// to 3 services at random, all within the per-service cap; a service left
// empty takes the largest operator that has room (the cap never binds then).
func genMembership(rng *rand.Rand, ops, svcs int) [][]int {
	large := max(7, ops/20)
	count := make([]int, svcs)
	members := make([][]int, ops)
	join := func(v, s int) {
		if count[s] < GenMaxPerService {
			members[v] = append(members[v], s)
			count[s]++
		}
	}
	for v := range ops {
		if v < large {
			for s := range svcs {
				if rng.Float64() < genLargeJoin {
					join(v, s)
				}
			}
			continue
		}
		k := 1 + rng.IntN(3)
		for _, s := range rng.Perm(svcs)[:min(k, svcs)] {
			join(v, s)
		}
	}
	for s := range svcs {
		if count[s] == 0 {
			join(0, s)
		}
	}
	for _, m := range members {
		sort.Ints(m)
	}
	return members
}

// genAllocations spreads each operator's stake over its services by random
// weights: a utilisation u ∈ [0.6, 1] of σ for unique stake, a degree
// L ∈ [2, 3] for elastic (each w capped at σ), σ itself for full. Amounts
// are integers; zero amounts are left out.
func genAllocations(rng *rand.Rand, stakes []int64, members [][]int, variant string) [][]int64 {
	out := make([][]int64, len(stakes))
	for v, ms := range members {
		out[v] = make([]int64, len(ms))
		weights := make([]float64, len(ms))
		for i := range ms {
			weights[i] = 0.2 + 0.8*rng.Float64()
		}
		budget := float64(stakes[v]) * (0.6 + 0.4*rng.Float64())
		if variant == "elastic" {
			budget = float64(stakes[v]) * (2 + rng.Float64())
		}
		ws := sum(weights)
		for i := range ms {
			w := int64(float64(budget * weights[i] / ws))
			if variant == "full" {
				w = stakes[v]
			}
			out[v][i] = min(max(w, 0), stakes[v])
		}
	}
	return out
}

// genServices draws α and a raw π per service, then scales π so that γ*,
// estimated in floating point, lands on a target drawn around zero: the
// interesting networks for an exact solver are the ones near the boundary.
func genServices(rng *rand.Rand, stakes []int64, members [][]int, alloc [][]int64, svcs int) ([]int64, []int) {
	alpha := make([]int, svcs)
	raw := make([]float64, svcs)
	for s := range svcs {
		alpha[s] = rng.IntN(len(genThresholds))
		raw[s] = math.Pow(10, genPfCDecades*rng.Float64())
	}
	target := 1 + genSlackLo + genSlackWidth*rng.Float64()
	scale := float64(estimateMinTerm(stakes, members, alloc, raw, alpha) / target)
	pfc := make([]int64, svcs)
	for s := range svcs {
		pfc[s] = max(1, int64(float64(raw[s]*scale)))
	}
	return pfc, alpha
}

// estimateMinTerm is γ*+1 of the network with π = raw, in float64 (only a
// calibration: the reported γ* is always computed exactly by Slack).
func estimateMinTerm(stakes []int64, members [][]int, alloc [][]int64, raw []float64, alpha []int) float64 {
	total := make([]float64, len(raw))
	for v := range alloc {
		for i, w := range alloc[v] {
			total[members[v][i]] += float64(w)
		}
	}
	af := func(s int) float64 { f, _ := genThresholds[alpha[s]].Float64(); return f }
	best := math.Inf(1)
	for s := range raw {
		if total[s] > 0 {
			best = math.Min(best, float64(af(s)*total[s])/raw[s])
		}
	}
	for v := range alloc {
		load := 0.0
		for i, w := range alloc[v] {
			s := members[v][i]
			if w > 0 {
				load += float64(float64(w)/total[s]) * float64(raw[s]/af(s))
			}
		}
		if load > 0 {
			best = math.Min(best, float64(stakes[v])/load)
		}
	}
	if math.IsInf(best, 1) {
		return 1
	}
	return best
}

// assemble writes the network with ids padded to sort in index order.
func assemble(stakes []int64, members [][]int, alloc [][]int64, pfc []int64, alpha []int) *Network {
	n := &Network{}
	opW, svcW := len(fmt.Sprint(len(stakes)-1)), len(fmt.Sprint(len(pfc)-1))
	opID := func(v int) string { return fmt.Sprintf("op%0*d", opW, v) }
	svcID := func(s int) string { return fmt.Sprintf("svc%0*d", svcW, s) }
	for v, st := range stakes {
		n.Operators = append(n.Operators, Operator{opID(v), big.NewRat(st, 1)})
	}
	for s, p := range pfc {
		n.Services = append(n.Services, Service{svcID(s), big.NewRat(p, 1), new(big.Rat).Set(genThresholds[alpha[s]])})
	}
	for v, ms := range members {
		for i, s := range ms {
			if alloc[v][i] > 0 {
				n.Allocations = append(n.Allocations, Allocation{opID(v), svcID(s), big.NewRat(alloc[v][i], 1)})
			}
		}
	}
	return n
}
