package risk

import (
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"sort"
)

// sgOptions describes a generated realistic network (a stand-in until the
// shared generator is available).
type sgOptions struct {
	Operators, Services int
	Seed                int64
	Variant             string // "unique", "elastic" or "full"
}

// sgNetwork draws a network shaped like a live restaking market: heavy
// tailed stake (the top 7 operators hold about 75%), the big operators in
// most services, a middle tier in a handful, the long tail in 1–3 services,
// at most 200 operators per service, π spread over 3.5 orders of magnitude
// and α ∈ {1/3, 1/2, 2/3}. Amounts are decimals with two places.
func sgNetwork(o sgOptions) *Network {
	r := rand.New(rand.NewSource(o.Seed))
	const total = 1e8
	stakes := sgStakes(r, o.Operators, total)
	n := &Network{}
	for i, st := range stakes {
		n.Operators = append(n.Operators, Operator{ID: fmt.Sprintf("op%04d", i), Stake: sgCents(st)})
	}
	alphas := []*big.Rat{big.NewRat(1, 3), big.NewRat(1, 2), big.NewRat(2, 3)}
	raw := make([]float64, o.Services)
	for j := range o.Services {
		raw[j] = math.Pow(10, 3.5*r.Float64())
		n.Services = append(n.Services, Service{ID: fmt.Sprintf("svc%02d", j), Threshold: alphas[r.Intn(3)]})
	}
	members := sgMembership(r, o.Operators, o.Services)
	for i, svcs := range members {
		for k, j := range svcs {
			w := sgAllocation(r, o.Variant, n.Operators[i].Stake, len(svcs), k)
			if w.Sign() > 0 {
				n.Allocations = append(n.Allocations, Allocation{Operator: n.Operators[i].ID, Service: n.Services[j].ID, Amount: w})
			}
		}
	}
	sgCalibrate(r, n, raw)
	return n
}

// sgCalibrate sets π_s = c·raw_s with c chosen so that the certified slack
// γ* (estimated in floating point) lands on a target in [−0.5, 0.1]: the
// networks near the boundary, some secure and some not, are the ones that
// exercise an exact search.
func sgCalibrate(r *rand.Rand, n *Network, raw []float64) {
	f := func(x *big.Rat) float64 { y, _ := x.Float64(); return y }
	idx := map[string]int{}
	for j, s := range n.Services {
		idx[s.ID] = j
	}
	W := make([]float64, len(raw))
	for _, a := range n.Allocations {
		W[idx[a.Service]] += f(a.Amount)
	}
	term := math.Inf(1) // min over γ*'s terms with π = raw
	load := map[string]float64{}
	for _, a := range n.Allocations {
		j := idx[a.Service]
		load[a.Operator] += f(a.Amount) / W[j] * raw[j] / f(n.Services[j].Threshold)
	}
	for j := range raw {
		if W[j] > 0 {
			term = math.Min(term, f(n.Services[j].Threshold)*W[j]/raw[j])
		}
	}
	for _, op := range n.Operators {
		if l := load[op.ID]; l > 0 {
			term = math.Min(term, f(op.Stake)/l)
		}
	}
	target := 0.5 + 0.6*r.Float64()
	for j := range raw {
		n.Services[j].PfC = sgCents(raw[j] * term / target)
	}
}

// sgStakes: 7 big operators with 75% of the stake between them, the rest
// Pareto-distributed, sorted largest first.
func sgStakes(r *rand.Rand, nOps int, total float64) []float64 {
	big7 := min(7, nOps)
	out := make([]float64, nOps)
	var sumBig, sumRest float64
	for i := range nOps {
		if i < big7 {
			out[i] = (1 + 0.3*r.Float64()) / math.Pow(float64(i+1), 0.6)
			sumBig += out[i]
		} else {
			out[i] = 1 / math.Pow(1-r.Float64()*0.999, 1/1.2) // Pareto, α = 1.2
			sumRest += out[i]
		}
	}
	for i := range out {
		if i < big7 {
			out[i] *= 0.75 * total / sumBig
		} else {
			out[i] *= 0.25 * total / sumRest
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(out)))
	return out
}

// sgMembership picks each operator's services: the big 7 join each with
// probability 0.85, the next 40 join 4–12, the rest 1–3, weighted towards
// popular services, never more than 200 operators per service.
func sgMembership(r *rand.Rand, nOps, nSvcs int) [][]int {
	pop := make([]float64, nSvcs)
	var popSum float64
	for j := range pop {
		pop[j] = 1 / math.Pow(float64(j+1), 0.7)
		popSum += pop[j]
	}
	size := make([]int, nSvcs)
	out := make([][]int, nOps)
	for i := range nOps {
		want := 1 + r.Intn(3)
		switch {
		case i < 7:
			want = 0
			for j := range nSvcs {
				if r.Float64() < 0.85 && size[j] < 200 {
					out[i] = append(out[i], j)
					size[j]++
				}
			}
		case i < 47:
			want = 4 + r.Intn(9)
		}
		for try := 0; len(out[i]) < min(want, nSvcs) && try < 50; try++ {
			j := sgPick(r, pop, popSum)
			if size[j] < 200 && !sgContains(out[i], j) {
				out[i] = append(out[i], j)
				size[j]++
			}
		}
		sort.Ints(out[i])
	}
	return out
}

func sgPick(r *rand.Rand, w []float64, sum float64) int {
	x := r.Float64() * sum
	for j, v := range w {
		if x < v {
			return j
		}
		x -= v
	}
	return len(w) - 1
}

func sgContains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// sgAllocation: unique stake splits 60–100% of σ over the operator's
// services; elastic allocates 30–100% of σ to each; full allocates σ.
func sgAllocation(r *rand.Rand, variant string, stake *big.Rat, deg, _ int) *big.Rat {
	st, _ := stake.Float64()
	var w float64
	switch variant {
	case "full":
		return new(big.Rat).Set(stake)
	case "elastic":
		w = st * (0.3 + 0.7*r.Float64())
	default:
		w = st * (0.6 + 0.4*r.Float64()) / float64(deg) * (0.5 + r.Float64()) / 1.5
	}
	out := sgCents(w)
	if out.Cmp(stake) > 0 {
		out.Set(stake)
	}
	return out
}

// cents rounds x down to two decimal places.
func sgCents(x float64) *big.Rat {
	return big.NewRat(int64(math.Floor(x*100)), 100)
}
