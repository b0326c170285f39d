package risk

import (
	"encoding/json"
	"math"
	"math/big"
)

// The certified slack γ* of a network is
//
//	γ* = min( min_s α_s·W_s/π_s , min_v σ_v / Σ_s (w_vs/W_s)(π_s/α_s) ) − 1.
//
// Why it certifies: for any attack (A, B), every s ∈ A has
// Σ_{v∈B} w_vs ≥ α_s·W_s, so
//
//	π_A ≤ Σ_{s∈A} Σ_{v∈B} w_vs·π_s/(α_s·W_s) = Σ_{v∈B} Σ_{s∈A} w_vs·ρ_s,  ρ_s = π_s/(α_s·W_s).
//
// The operator term bounds the inner sum by σ_v/(1+γ*) and the service term
// (ρ_s ≤ 1/(1+γ*)) bounds it by Σ_{s∈A} w_vs/(1+γ*); so it is at most
// c_v/(1+γ*) and π_A ≤ Σ_B c_v/(1+γ*). With γ* ≥ 0 no attack is profitable.
// With γ* < 0 nothing follows: the network is "not certified", which is not
// the same as insecure (the exact search decides that).

// Load is one allocation of an operator as seen by its operator term: the
// allocation w_vs, the service's total W_s, its π_s and α_s.
type Load struct {
	Allocation *big.Rat
	Total      *big.Rat
	PfC        *big.Rat
	Threshold  *big.Rat
}

// ServiceTerm is α·W/π, the service's side of γ*+1; nil means +∞ (π = 0, or
// W = 0: a service nobody secures is not part of the slack, it is reported
// as unsecured instead).
//
// With OperatorTerm it lets a caller that keeps per-service and per-operator
// terms (a guard rail in the state machine) recompute only what a change
// touches: a change of w_vs changes W_s, hence s's term and the term of every
// operator allocated to s. Both are exact and deterministic.
func ServiceTerm(alpha, total, pfc *big.Rat) *big.Rat {
	if alpha == nil || total == nil || pfc == nil || pfc.Sign() <= 0 || total.Sign() <= 0 || alpha.Sign() <= 0 {
		return nil
	}
	t := new(big.Rat).Mul(alpha, total)
	return t.Quo(t, pfc)
}

// OperatorTerm is σ_v / Σ (w_vs/W_s)(π_s/α_s) over the operator's loads; nil
// means +∞ (no load: the operator secures nothing with a positive π).
// Loads with a zero or missing W_s or α_s are skipped for the same reason.
func OperatorTerm(stake *big.Rat, loads []Load) *big.Rat {
	if stake == nil {
		return nil
	}
	load := new(big.Rat)
	for _, l := range loads {
		rho := loadRate(l.PfC, l.Threshold, l.Total)
		if rho == nil || l.Allocation == nil {
			continue
		}
		load.Add(load, new(big.Rat).Mul(l.Allocation, rho))
	}
	if load.Sign() <= 0 {
		return nil
	}
	return new(big.Rat).Quo(stake, load)
}

// loadRate is ρ_s = π_s/(α_s·W_s), nil when it is zero or undefined.
func loadRate(pfc, alpha, total *big.Rat) *big.Rat {
	if pfc == nil || alpha == nil || total == nil || pfc.Sign() <= 0 || alpha.Sign() <= 0 || total.Sign() <= 0 {
		return nil
	}
	d := new(big.Rat).Mul(alpha, total)
	return d.Quo(pfc, d)
}

// Binding names the constraint that attains γ*: Kind is "service" or
// "operator" (empty when γ* = +∞); Index is into the Graph.
type Binding struct {
	Kind  string
	Index int
	ID    string
}

// SlackReport is the certified slack of a graph.
type SlackReport struct {
	// GammaStar is γ*; nil when Infinite.
	GammaStar *big.Rat
	// Infinite: every term is +∞ (no service has π > 0): any shock's loss is
	// the shock alone.
	Infinite bool
	// Certified: γ* ≥ 0, so no attack is profitable.
	Certified bool
	Binding   Binding
	// LossBoundFactor is 1+1/γ* when γ* > 0 (1 when Infinite), else nil.
	LossBoundFactor *big.Rat
	Unsecured       []string
}

// LossBound is min(1, (1+1/γ*)·ψ), the certified bound on the fraction of
// stake lost after a shock of ψ; ok is false when γ* ≤ 0 (no bound).
// WorstLoss says on which networks the bound is proven.
func (r SlackReport) LossBound(psi *big.Rat) (bound *big.Rat, ok bool) {
	if r.LossBoundFactor == nil || psi == nil || psi.Sign() < 0 {
		return nil, false
	}
	b := new(big.Rat).Mul(r.LossBoundFactor, psi)
	if b.Cmp(ratOne) > 0 {
		b.SetInt64(1)
	}
	return b, true
}

var ratOne = big.NewRat(1, 1)

// Slack computes γ* in O(edges). On a tie the binding constraint is the
// first service, else the first operator, in index order. The service terms are few and computed
// exactly. The operator terms are first estimated in float64 to find the
// few operators that can attain the minimum, and only those are computed
// exactly (see operatorCandidates); the answer is exact either way.
func Slack(g *Graph) SlackReport {
	rep := SlackReport{Unsecured: append([]string(nil), g.Unsecured...)}
	rho := make([]*big.Rat, len(g.ServiceIDs))
	var min *big.Rat
	for s := range g.ServiceIDs {
		rho[s] = loadRate(g.PfC[s], g.Threshold[s], g.Total[s])
		t := ServiceTerm(g.Threshold[s], g.Total[s], g.PfC[s])
		if t != nil && (min == nil || t.Cmp(min) < 0) {
			min, rep.Binding = t, Binding{"service", s, g.ServiceIDs[s]}
		}
	}
	for _, v := range operatorCandidates(g, rho) {
		t := exactOperatorTerm(g, rho, v)
		if t != nil && (min == nil || t.Cmp(min) < 0) {
			min, rep.Binding = t, Binding{"operator", v, g.OperatorIDs[v]}
		}
	}
	if min == nil {
		rep.Infinite, rep.Certified = true, true
		rep.LossBoundFactor = big.NewRat(1, 1)
		return rep
	}
	rep.GammaStar = min.Sub(min, ratOne)
	rep.Certified = rep.GammaStar.Sign() >= 0
	if rep.GammaStar.Sign() > 0 {
		f := new(big.Rat).Inv(rep.GammaStar)
		rep.LossBoundFactor = f.Add(f, ratOne)
	}
	return rep
}

func exactOperatorTerm(g *Graph, rho []*big.Rat, v int) *big.Rat {
	load := new(big.Rat)
	tmp := new(big.Rat)
	for _, e := range g.ByOperator[v] {
		if rho[e.Service] != nil {
			load.Add(load, tmp.Mul(e.W, rho[e.Service]))
		}
	}
	if load.Sign() <= 0 {
		return nil
	}
	return load.Quo(g.Stake[v], load)
}

// Float filter bounds. Every value converted is within [floatLo, floatHi],
// so products, sums of up to MaxAllocations terms and quotients stay normal
// float64 numbers; each operation then adds a relative error of at most
// 2^-53, so an operator term with k edges is off by at most (k+5)·2^-53 <
// 1.2e-10 relative. An operator whose estimate exceeds the smallest estimate
// by more than filterSlack (far above twice that error) cannot attain the
// exact minimum.
const (
	floatLo     = 1e-100
	floatHi     = 1e100
	filterSlack = 1e-6
)

// operatorCandidates returns, in index order, the operators that may attain
// the minimum operator term: all with load when some value is out of the
// float filter's range, otherwise those within filterSlack of the smallest
// estimate.
func operatorCandidates(g *Graph, rho []*big.Rat) []int {
	rf := make([]float64, len(rho))
	for s, r := range rho {
		if r != nil {
			f, ok := inFloatRange(r)
			if !ok {
				return allLoaded(g, rho)
			}
			rf[s] = f
		}
	}
	est := make([]float64, len(g.OperatorIDs))
	best := math.Inf(1)
	for v := range g.OperatorIDs {
		t, ok := estimateTerm(g, rf, rho, v)
		if !ok {
			return allLoaded(g, rho)
		}
		est[v] = t
		best = math.Min(best, t)
	}
	var out []int
	for v, t := range est {
		if !math.IsInf(t, 1) && t <= best*(1+filterSlack) {
			out = append(out, v)
		}
	}
	return out
}

// estimateTerm is the float64 estimate of v's term (+Inf without load); ok
// is false when a value is outside the filter's range.
func estimateTerm(g *Graph, rf []float64, rho []*big.Rat, v int) (float64, bool) {
	load := 0.0
	for _, e := range g.ByOperator[v] {
		if rho[e.Service] == nil {
			continue
		}
		w, ok := inFloatRange(e.W)
		if !ok {
			return 0, false
		}
		load += w * rf[e.Service]
	}
	if load == 0 {
		return math.Inf(1), true
	}
	st, ok := inFloatRange(g.Stake[v])
	if !ok {
		return 0, false
	}
	return st / load, true
}

func inFloatRange(r *big.Rat) (float64, bool) {
	f := ratFloat(r)
	return f, f >= floatLo && f <= floatHi
}

// ratFloat is r rounded to the nearest float64, as r.Float64 gives it, but
// with no allocation when numerator and denominator are below 2^53: both
// convert exactly and one IEEE division rounds the quotient to nearest.
func ratFloat(r *big.Rat) float64 {
	const exact = 1 << 53
	n := r.Num()
	if n.IsInt64() && n.Int64() <= exact && n.Int64() >= -exact {
		if r.IsInt() { // checked first: Denom allocates for an integer
			return float64(n.Int64())
		}
		if d := r.Denom(); d.IsInt64() && d.Int64() <= exact {
			return float64(n.Int64()) / float64(d.Int64())
		}
	}
	f, _ := r.Float64()
	return f
}

func allLoaded(g *Graph, rho []*big.Rat) []int {
	var out []int
	for v := range g.OperatorIDs {
		for _, e := range g.ByOperator[v] {
			if rho[e.Service] != nil {
				out = append(out, v)
				break
			}
		}
	}
	return out
}

// slackJSON is the JSON view of a SlackReport. Decimal strings are exact
// when the value has a finite decimal expansion and otherwise rounded down
// (toward −∞) at 18 places, so the printed γ* never shows more slack than
// there is; the loss bound factor is rounded up for the same reason.
type slackJSON struct {
	GammaStar       *string      `json:"gamma_star"` // null when infinite
	Infinite        bool         `json:"infinite"`
	Certified       bool         `json:"certified"`
	Binding         *bindingJSON `json:"binding"`           // null when infinite
	LossBoundFactor *string      `json:"loss_bound_factor"` // null when γ* ≤ 0
	Unsecured       []string     `json:"unsecured"`
}

type bindingJSON struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// MarshalJSON writes the JSON view (see slackJSON).
func (r SlackReport) MarshalJSON() ([]byte, error) {
	out := slackJSON{Infinite: r.Infinite, Certified: r.Certified, Unsecured: r.Unsecured}
	if out.Unsecured == nil {
		out.Unsecured = []string{}
	}
	if r.GammaStar != nil {
		s := DecimalFloor(r.GammaStar)
		out.GammaStar = &s
	}
	if r.Binding.Kind != "" {
		out.Binding = &bindingJSON{r.Binding.Kind, r.Binding.ID}
	}
	if r.LossBoundFactor != nil {
		s := DecimalCeil(r.LossBoundFactor)
		out.LossBoundFactor = &s
	}
	return json.Marshal(out)
}

var tenTo18 = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

// DecimalFloor writes r exactly when it has a finite decimal expansion and
// otherwise as the largest 18-place decimal not above it.
func DecimalFloor(r *big.Rat) string { return decimalRounded(r, false) }

// DecimalCeil is DecimalFloor rounding up instead.
func DecimalCeil(r *big.Rat) string { return decimalRounded(r, true) }

func decimalRounded(r *big.Rat, up bool) string {
	if r == nil {
		return "0"
	}
	if prec, exact := r.FloatPrec(); exact {
		return trimZeros(r.FloatString(prec))
	}
	num := new(big.Int).Mul(r.Num(), tenTo18)
	q, m := new(big.Int).DivMod(num, r.Denom(), new(big.Int)) // Euclidean: q = floor
	if up && m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return trimZeros(new(big.Rat).SetFrac(q, tenTo18).FloatString(18))
}
