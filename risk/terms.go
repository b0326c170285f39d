package risk

import "math/big"

// Load is one service's part of an operator's load in γ*:
// (W/Total)·(PfC/Threshold).
type Load struct {
	W, Total, PfC, Threshold *big.Rat
}

// ServiceTerm is α_s·W_s/π_s, the service's term of γ* + 1; nil (+∞) when
// π_s = 0.
func ServiceTerm(alpha, total, pfc *big.Rat) *big.Rat {
	if pfc.Sign() == 0 {
		return nil
	}
	t := new(big.Rat).Mul(alpha, total)
	return t.Quo(t, pfc)
}

// OperatorTerm is σ_v / Σ_s (w_vs/W_s)(π_s/α_s), the operator's term of
// γ* + 1; nil (+∞) when its load is zero. Loads with Total = 0 carry no
// stake and are skipped.
func OperatorTerm(stake *big.Rat, loads []Load) *big.Rat {
	sum := new(big.Rat)
	for _, l := range loads {
		if l.Total.Sign() == 0 || l.W.Sign() == 0 || l.PfC.Sign() == 0 {
			continue
		}
		x := new(big.Rat).Quo(l.W, l.Total)
		x.Mul(x, l.PfC)
		sum.Add(sum, x.Quo(x, l.Threshold))
	}
	if sum.Sign() == 0 {
		return nil
	}
	return sum.Quo(stake, sum)
}
