package risk

import (
	"errors"
	"fmt"
	"math/big"
)

// Attack is a set of services A and operators B such that B holds at least
// α_s·W_s of every s ∈ A. Operator v ∈ B loses c_v = min(σ_v, Σ_{s∈A} w_vs);
// Profit = Σ_{s∈A} π_s − Σ_{v∈B} c_v. Indices refer to a Graph.
type Attack struct {
	Services  []int
	Operators []int
	Profit    *big.Rat
}

// ErrTooLarge is returned by searches that refuse a network beyond their bound.
var ErrTooLarge = errors.New("network too large for this search")

// Corrupts reports whether the operators in ops hold at least α_s·W_s of s.
func (g *Graph) Corrupts(ops []bool, s int) bool {
	held := new(big.Rat)
	for _, e := range g.ByService[s] {
		if ops[e.Operator] {
			held.Add(held, e.W)
		}
	}
	need := new(big.Rat).Mul(g.Threshold[s], g.Total[s])
	return held.Cmp(need) >= 0
}

// Loss is c_v for attack services svcs: min(σ_v, Σ_{s∈A} w_vs).
func (g *Graph) Loss(v int, svcs []bool) *big.Rat {
	sum := new(big.Rat)
	for _, e := range g.ByOperator[v] {
		if svcs[e.Service] {
			sum.Add(sum, e.W)
		}
	}
	if sum.Cmp(g.Stake[v]) > 0 {
		return new(big.Rat).Set(g.Stake[v])
	}
	return sum
}

// Profit evaluates an attack exactly; ok is false when B does not corrupt
// every service of A, or an index is out of range or repeated.
func (g *Graph) Profit(svcs, ops []int) (profit *big.Rat, ok bool) {
	inA := make([]bool, len(g.ServiceIDs))
	inB := make([]bool, len(g.OperatorIDs))
	// An index out of range or listed twice is not an attack (it would
	// panic, or count a profit or a loss twice).
	for _, s := range svcs {
		if s < 0 || s >= len(inA) || inA[s] {
			return nil, false
		}
		inA[s] = true
	}
	for _, v := range ops {
		if v < 0 || v >= len(inB) || inB[v] {
			return nil, false
		}
		inB[v] = true
	}
	profit = new(big.Rat)
	for _, s := range svcs {
		if !g.Corrupts(inB, s) {
			return nil, false
		}
		profit.Add(profit, g.PfC[s])
	}
	for _, v := range ops {
		profit.Sub(profit, g.Loss(v, inA))
	}
	return profit, true
}

// MaxBruteForce bounds BruteForce: it walks all 2^(operators+services) pairs.
const MaxBruteForce = 20

// BruteForce finds the most profitable attack by trying every pair (A, B),
// A non-empty. It is the reference the exact solver is tested against, so it
// is written to be obviously right, not fast. The returned attack is the
// first best found in enumeration order; found is false when no A is
// corruptible at all (no services).
func BruteForce(g *Graph) (best Attack, found bool, err error) {
	nv, ns := len(g.OperatorIDs), len(g.ServiceIDs)
	if nv+ns > MaxBruteForce {
		return Attack{}, false, fmt.Errorf("%w: brute force takes at most %d operators and services, got %d", ErrTooLarge, MaxBruteForce, nv+ns)
	}
	for bm := 0; bm < 1<<nv; bm++ {
		ops := members(bm, nv)
		for am := 1; am < 1<<ns; am++ {
			svcs := members(am, ns)
			p, ok := g.Profit(svcs, ops)
			if !ok {
				continue
			}
			if !found || p.Cmp(best.Profit) > 0 {
				best, found = Attack{Services: svcs, Operators: ops, Profit: p}, true
			}
		}
	}
	return best, found, nil
}

func members(mask, n int) []int {
	var out []int
	for i := range n {
		if mask&(1<<i) != 0 {
			out = append(out, i)
		}
	}
	return out
}
