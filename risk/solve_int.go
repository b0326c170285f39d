package risk

import (
	"fmt"
	"math/big"
)

// intProblem is a Graph in scaled integers: every stake, allocation and
// profit multiplied by one common factor (the least common multiple of
// their denominators) and divided by the greatest common divisor of the
// results. Coverage thresholds become need_s = ⌈α_s·W_s⌉ in those units:
// a sum of integer allocations reaches α_s·W_s exactly when it reaches its
// ceiling. The search then compares uint64 sums only; the total of all
// values is kept below 2^62 so that no sum it forms can overflow.
type intProblem struct {
	nOps, nSvc int
	stake      []uint64 // σ_v
	pfc        []uint64 // π_s
	need       []uint64 // ⌈α_s W_s⌉
	total      []uint64 // W_s
	bySvc      [][]iedge
	byOp       [][]iedge
	scale      *big.Rat // real value = integer value × scale
}

// iedge is one allocation w_vs in integer units.
type iedge struct {
	op, svc int
	w       uint64
}

// maxIntTotal bounds the sum of every integer value of an intProblem, so
// that sums (and the capacities of the cut networks) never overflow.
const maxIntTotal = uint64(1) << 62

// toInt converts g; it fails (ErrTooLarge) when the values, once on a
// common integer scale, are too large for 64-bit sums.
func toInt(g *Graph) (*intProblem, error) {
	den := big.NewInt(1)
	each := func(f func(r *big.Rat)) {
		for _, r := range g.Stake {
			f(r)
		}
		for _, r := range g.PfC {
			f(r)
		}
		for _, es := range g.ByService {
			for _, e := range es {
				f(e.W)
			}
		}
	}
	each(func(r *big.Rat) { den = lcm(den, r.Denom()) })
	gcd := new(big.Int)
	each(func(r *big.Rat) {
		n := scaleTo(r, den)
		if n.Sign() != 0 {
			gcd.GCD(nil, nil, gcd, n)
		}
	})
	if gcd.Sign() == 0 {
		gcd.SetInt64(1)
	}
	p := &intProblem{nOps: len(g.OperatorIDs), nSvc: len(g.ServiceIDs)}
	p.scale = new(big.Rat).SetFrac(gcd, den)
	sum := new(big.Int)
	conv := func(r *big.Rat) uint64 {
		n := scaleTo(r, den)
		n.Quo(n, gcd)
		sum.Add(sum, n)
		if !n.IsUint64() {
			return 0 // the sum check below refuses the problem
		}
		return n.Uint64()
	}
	for _, r := range g.Stake {
		p.stake = append(p.stake, conv(r))
	}
	for _, r := range g.PfC {
		p.pfc = append(p.pfc, conv(r))
	}
	p.bySvc = make([][]iedge, p.nSvc)
	p.byOp = make([][]iedge, p.nOps)
	p.total = make([]uint64, p.nSvc)
	for s, es := range g.ByService {
		for _, e := range es {
			ie := iedge{op: e.Operator, svc: s, w: conv(e.W)}
			p.bySvc[s] = append(p.bySvc[s], ie)
			p.total[s] += ie.w
		}
	}
	for v, es := range g.ByOperator {
		for _, e := range es {
			p.byOp[v] = append(p.byOp[v], iedge{op: v, svc: e.Service, w: conv(e.W)})
		}
	}
	// Allocations were counted twice above; a factor 2 of headroom is kept
	// for the thresholds, which are at most the totals.
	if sum.Cmp(new(big.Int).SetUint64(maxIntTotal/2)) > 0 {
		return nil, fmt.Errorf("%w: values span too many digits for the exact search", ErrTooLarge)
	}
	if err := p.checkAllocations(); err != nil {
		return nil, err
	}
	for s := range p.nSvc {
		p.need = append(p.need, ceilMul(g.Threshold[s], p.total[s]))
	}
	return p, nil
}

// checkAllocations asserts what the search's pruning rules rely on and
// Compile guarantees, for a Graph built by hand: every allocation names a
// real operator and is at most its stake (an attacker loses at least its
// allocation to each attacked service).
func (p *intProblem) checkAllocations() error {
	for s, es := range p.bySvc {
		for _, e := range es {
			if e.op < 0 || e.op >= p.nOps {
				return fmt.Errorf("%w: service %d has an allocation from operator %d, which does not exist", ErrNetwork, s, e.op)
			}
			if e.w > p.stake[e.op] {
				return fmt.Errorf("%w: operator %d allocates more to service %d than its stake", ErrNetwork, e.op, s)
			}
		}
	}
	return nil
}

// scaleTo is r·den, an integer because den is a multiple of r's denominator.
func scaleTo(r *big.Rat, den *big.Int) *big.Int {
	n := new(big.Int).Quo(den, r.Denom())
	return n.Mul(n, r.Num())
}

// ceilMul is ⌈a·x⌉ for a ∈ (0,1], so the result is at most x.
func ceilMul(a *big.Rat, x uint64) uint64 {
	n := new(big.Int).Mul(a.Num(), new(big.Int).SetUint64(x))
	q, m := new(big.Int).QuoRem(n, a.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return q.Uint64()
}
