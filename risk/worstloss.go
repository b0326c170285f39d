package risk

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// WorstLossOptions tunes WorstLoss. Zero values take the defaults.
type WorstLossOptions struct {
	// ExactLimit: networks with at most this many operators plus services
	// are searched exhaustively (default 10, at most 16).
	ExactLimit int
	// MaxNodes bounds the exhaustive search's attack evaluations (default
	// 2,000,000); past it WorstLoss falls back to the heuristic.
	MaxNodes int64
	// Candidates: the heuristic shocks only the largest operators (default
	// 8). MaxEvaluations bounds the cascades it plays (default 64).
	Candidates     int
	MaxEvaluations int
	// SolveNodes is the node bound of each Solve the heuristic runs
	// (default 100,000); past it that round takes the best single-service
	// attack instead, which keeps the answer a valid lower bound.
	SolveNodes int64
	// SolveLimit: on standing networks of more operators plus services
	// than this (default 60) the heuristic does not run Solve at all and
	// takes the best single-service attack each round.
	SolveLimit int
}

// AttackStep is one attack of a worst-case sequence.
type AttackStep struct {
	Attack    Attack // indices into the Graph
	Services  []string
	Operators []string
	StakeLost *big.Rat
}

// WorstLossReport is R_ψ, exactly or as a lower bound with an upper bound.
type WorstLossReport struct {
	Psi *big.Rat
	// Loss is the fraction of total stake lost: the shock's stake plus every
	// attack's. When Exact it is R_ψ; otherwise a loss that the reported
	// shock and attacks do achieve, so a lower bound on R_ψ.
	Loss    *big.Rat
	Shock   []string // operator ids
	Attacks []AttackStep
	Exact   bool
	// UpperBound is min(1, (1+1/γ*)·ψ) where that bound is proven (see
	// WorstLoss); nil otherwise.
	UpperBound *big.Rat
}

const (
	defaultExactLimit = 10
	maxExactLimit     = 16
	defaultExactNodes = 2_000_000
	defaultCandidates = 8
	defaultEvaluation = 64
	defaultSolveNodes = 100_000
	defaultSolveLimit = 60
)

// WorstLoss computes R_ψ, the worst fraction of total stake a shock of size
// ψ can cost. Precisely: a shock removes a set D of operators (all their
// stake and allocations) with Σ_{v∈D} σ_v ≤ ψ·Σ_v σ_v. What remains then
// undergoes any sequence of attacks (A_1, B_1), (A_2, B_2), … each of which
// is valid and profitable on the network left by the previous ones
// (thresholds α_s·W_s on the remaining stake, π_A > Σ_B c_v), played with
// the rules of Cascade (c_v lost and stretched, A leaves, a service with no
// stake left leaves unattacked). The loss is (σ(D) + Σ_i Σ_{v∈B_i} c_v) /
// Σ_v σ_v; R_ψ is its maximum over D and over sequences.
//
// Small networks (operators + services ≤ ExactLimit) are solved by
// enumerating every shock and every sequence (memoised on the state), and
// Exact is true. Otherwise a certified answer is generally out of reach:
// the report holds the worst shock found by a deterministic greedy search
// with swap improvement over the largest operators, each shock followed by
// a cascade of profitable attacks (the most profitable by Solve on
// standing networks within SolveLimit and SolveNodes, otherwise the best
// single-service attack), a lower bound with Exact false.
//
// UpperBound is min(1, (1+1/γ*)·ψ) (Durvasula–Roughgarden) when γ* > 0 and
// every operator is either unique (Σ_s w_vs ≤ σ_v) or full (w_vs = σ_v
// wherever it allocates). The proof: the union of all attacked services A*
// is corrupted in the original network by D ∪ B*, so by the certificate
// π_{A*} ≤ (σ(D) + attack losses)/(1+γ*) — which needs each operator's
// attack losses to cover its share of that union, true for unique stake
// (no stretching ever shrinks its other allocations) and full stake (it
// loses all or nothing) but not for partial elastic restaking, where a
// partial slash shrinks every other allocation of the operator at once.
// Profitability gives π_{A*} > attack losses, hence attack losses <
// σ(D)/γ*.
func WorstLoss(g *Graph, psi *big.Rat, opts ...WorstLossOptions) (WorstLossReport, error) {
	if psi == nil || psi.Sign() < 0 {
		return WorstLossReport{}, fmt.Errorf("%w: ψ must be a non-negative fraction", ErrNetwork)
	}
	opt := worstLossDefaults(opts)
	rep := WorstLossReport{Psi: new(big.Rat).Set(psi), UpperBound: provenBound(g, psi)}
	var partial WorstLossReport // the shocks the exact search finished, if it stopped at its bound
	if len(g.OperatorIDs)+len(g.ServiceIDs) <= opt.ExactLimit {
		x := &exactSearch{memo: map[string]seqResult{}, max: opt.MaxNodes}
		err := x.run(g, psi, &rep)
		if err == nil {
			rep.Exact = true
			return rep, nil
		}
		if !errors.Is(err, ErrSearchBound) {
			return WorstLossReport{}, err
		}
		partial = rep
	}
	if err := heuristicWorst(g, psi, opt, &rep); err != nil {
		return rep, err
	}
	if partial.Loss != nil && (rep.Loss == nil || partial.Loss.Cmp(rep.Loss) > 0) {
		rep.Loss, rep.Shock, rep.Attacks = partial.Loss, partial.Shock, partial.Attacks // still a lower bound: Exact stays false
	}
	return rep, nil
}

func worstLossDefaults(opts []WorstLossOptions) WorstLossOptions {
	var o WorstLossOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.ExactLimit <= 0 {
		o.ExactLimit = defaultExactLimit
	}
	o.ExactLimit = min(o.ExactLimit, maxExactLimit)
	if o.MaxNodes <= 0 {
		o.MaxNodes = defaultExactNodes
	}
	if o.Candidates <= 0 {
		o.Candidates = defaultCandidates
	}
	if o.MaxEvaluations <= 0 {
		o.MaxEvaluations = defaultEvaluation
	}
	if o.SolveNodes <= 0 {
		o.SolveNodes = defaultSolveNodes
	}
	if o.SolveLimit <= 0 {
		o.SolveLimit = defaultSolveLimit
	}
	return o
}

// provenBound is the DR bound where its proof holds (see WorstLoss).
func provenBound(g *Graph, psi *big.Rat) *big.Rat {
	if !BoundProven(g) {
		return nil
	}
	b, ok := Slack(g).LossBound(psi)
	if !ok {
		return nil
	}
	return b
}

// BoundProven reports whether the certified loss bound (1+1/γ*)·ψ is
// proven for g: every operator allocates at most its stake in total
// (unique) or its whole stake wherever it allocates (full). Partial
// elastic restaking is not covered by the proof.
func BoundProven(g *Graph) bool {
	for v := range g.OperatorIDs {
		if !uniqueOrFull(g, v) {
			return false
		}
	}
	return true
}

func uniqueOrFull(g *Graph, v int) bool {
	sum, full := new(big.Rat), true
	for _, e := range g.ByOperator[v] {
		sum.Add(sum, e.W)
		full = full && e.W.Cmp(g.Stake[v]) == 0
	}
	return full || sum.Cmp(g.Stake[v]) <= 0
}

// shockState removes the operators in d (stake and allocations).
func shockState(g *Graph, d []int) *cascadeState {
	st := newCascadeState(g)
	for _, v := range d {
		st.setStake(v, new(big.Rat))
	}
	st.dropUnsecured()
	return st
}

// seqResult is the worst attack sequence from a state: stake lost and the
// steps (Graph indices), in order.
type seqResult struct {
	lost  *big.Rat
	steps []AttackStep
}

type exactSearch struct {
	memo  map[string]seqResult
	nodes int64
	max   int64
}

// run tries every shock within the budget in increasing bit-mask order
// (the first worst one is kept) and fills rep.
func (x *exactSearch) run(g *Graph, psi *big.Rat, rep *WorstLossReport) error {
	total := newCascadeState(g).totalStake()
	budget := new(big.Rat).Mul(psi, total)
	n := len(g.OperatorIDs)
	var best *big.Rat
	for mask := 0; mask < 1<<n; mask++ {
		d := members(mask, n)
		shocked := sumStake(g, d)
		if shocked.Cmp(budget) > 0 {
			continue
		}
		res, err := x.best(shockState(g, d))
		if err != nil {
			return err
		}
		loss := fraction(shocked.Add(shocked, res.lost), total)
		if best == nil || loss.Cmp(best) > 0 {
			best = loss
			rep.Loss, rep.Shock, rep.Attacks = loss, ids(g.OperatorIDs, d), res.steps
		}
	}
	return nil
}

func sumStake(g *Graph, d []int) *big.Rat {
	s := new(big.Rat)
	for _, v := range d {
		s.Add(s, g.Stake[v])
	}
	return s
}

// best is the worst sequence of profitable attacks from st: every
// non-empty set A of standing services with every set B of operators that
// have stake in A (others would lose nothing and change nothing). The
// recursion ends because every attack removes a service.
func (x *exactSearch) best(st *cascadeState) (seqResult, error) {
	key := st.key()
	if r, ok := x.memo[key]; ok {
		return r, nil
	}
	res := seqResult{lost: new(big.Rat)}
	svcs := st.standing()
	for am := 1; am < 1<<len(svcs); am++ {
		a := pick(svcs, am)
		ops := st.operatorsOf(a)
		for bm := 1; bm < 1<<len(ops); bm++ {
			if x.nodes++; x.nodes > x.max {
				return seqResult{}, fmt.Errorf("%w (%d attack evaluations)", ErrSearchBound, x.max)
			}
			if err := x.tryAttack(st, a, pick(ops, bm), &res); err != nil {
				return seqResult{}, err
			}
		}
	}
	x.memo[key] = res
	return res, nil
}

// tryAttack plays (a, b) from st if it is valid and profitable and keeps
// it in res when the sequence it starts loses more.
func (x *exactSearch) tryAttack(st *cascadeState, a, b []int, res *seqResult) error {
	profit, ok := st.profit(a, b)
	if !ok || profit.Sign() <= 0 {
		return nil
	}
	next := st.clone()
	atk := Attack{Services: a, Operators: b, Profit: profit}
	lost, _ := next.applyAttack(atk)
	rest, err := x.best(next)
	if err != nil {
		return err
	}
	total := new(big.Rat).Add(lost, rest.lost)
	if total.Cmp(res.lost) > 0 {
		step := AttackStep{Attack: atk, Services: ids(st.g.ServiceIDs, a), Operators: ids(st.g.OperatorIDs, b), StakeLost: lost}
		*res = seqResult{lost: total, steps: append([]AttackStep{step}, rest.steps...)}
	}
	return nil
}

func pick(from []int, mask int) []int {
	var out []int
	for i, x := range from {
		if mask&(1<<i) != 0 {
			out = append(out, x)
		}
	}
	return out
}

// key identifies a state: allocations are min(original, σ_v) at all times,
// so the stakes and the standing services determine everything.
func (st *cascadeState) key() string {
	var b strings.Builder
	for _, a := range st.alive {
		if a {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	for _, s := range st.stake {
		b.WriteByte('|')
		b.WriteString(s.RatString())
	}
	return b.String()
}

// operatorsOf lists, ascending, the operators with a positive allocation to
// one of the services a.
func (st *cascadeState) operatorsOf(a []int) []int {
	seen := map[int]bool{}
	for _, s := range a {
		for _, e := range st.g.ByService[s] {
			if st.w[e.Operator][st.edgePos(e)].Sign() > 0 {
				seen[e.Operator] = true
			}
		}
	}
	out := make([]int, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Ints(out)
	return out
}

// profit evaluates (a, b) on the current state; ok is false unless b holds
// α_s of every s ∈ a's remaining stake.
func (st *cascadeState) profit(a, b []int) (*big.Rat, bool) {
	inA := make([]bool, len(st.g.ServiceIDs))
	inB := make([]bool, len(st.g.OperatorIDs))
	for _, v := range b {
		inB[v] = true
	}
	p := new(big.Rat)
	for _, s := range a {
		inA[s] = true
		held, total := new(big.Rat), new(big.Rat)
		for _, e := range st.g.ByService[s] {
			w := st.w[e.Operator][st.edgePos(e)]
			total.Add(total, w)
			if inB[e.Operator] {
				held.Add(held, w)
			}
		}
		if held.Cmp(total.Mul(total, st.g.Threshold[s])) < 0 {
			return nil, false
		}
		p.Add(p, st.g.PfC[s])
	}
	for _, v := range b {
		p.Sub(p, st.exposure(v, inA))
	}
	return p, true
}

// heuristicWorst fills rep with the worst shock its search finds.
func heuristicWorst(g *Graph, psi *big.Rat, opt WorstLossOptions, rep *WorstLossReport) error {
	h := &heuristic{g: g, total: newCascadeState(g).totalStake(), left: opt.MaxEvaluations, find: boundedFinder(SolveOptions{MaxNodes: opt.SolveNodes}, opt.SolveLimit)}
	h.budget = new(big.Rat).Mul(psi, h.total)
	cands := largestOperators(g, opt.Candidates)
	cur, err := h.eval(nil)
	if err != nil {
		return err
	}
	for round := 0; round < 2*len(cands) && h.left > 0; round++ {
		next, improved, err := h.improve(cur, cands)
		if err != nil {
			return err
		}
		if !improved {
			break
		}
		cur = next
	}
	rep.Loss, rep.Shock, rep.Attacks, rep.Exact = cur.loss, ids(g.OperatorIDs, cur.shock), cur.steps, false
	return nil
}

type heuristic struct {
	g             *Graph
	total, budget *big.Rat
	left          int // cascades still allowed
	find          attackFinder
}

type shockResult struct {
	shock []int
	loss  *big.Rat
	steps []AttackStep
}

// largestOperators is the k operators of largest stake (ties by index).
func largestOperators(g *Graph, k int) []int {
	var ops []int
	for v, s := range g.Stake {
		if s.Sign() > 0 {
			ops = append(ops, v)
		}
	}
	sort.SliceStable(ops, func(i, j int) bool { return g.Stake[ops[i]].Cmp(g.Stake[ops[j]]) > 0 })
	return ops[:min(k, len(ops))]
}

// improve tries, in a fixed order, adding one candidate and swapping one
// shocked operator for one candidate, and returns the best that fits the
// budget and loses more than cur.
func (h *heuristic) improve(cur shockResult, cands []int) (shockResult, bool, error) {
	best, improved := cur, false
	for _, d := range h.neighbours(cur.shock, cands) {
		if h.left <= 0 {
			break
		}
		r, err := h.eval(d)
		if err != nil {
			return cur, false, err
		}
		if r.loss.Cmp(best.loss) > 0 {
			best, improved = r, true
		}
	}
	return best, improved, nil
}

// neighbours lists the shocks one addition or one swap away from d that
// fit the budget, each sorted.
func (h *heuristic) neighbours(d, cands []int) [][]int {
	in := map[int]bool{}
	for _, v := range d {
		in[v] = true
	}
	var out [][]int
	add := func(s []int) {
		if sumStake(h.g, s).Cmp(h.budget) <= 0 {
			sort.Ints(s)
			out = append(out, s)
		}
	}
	for _, c := range cands {
		if in[c] {
			continue
		}
		add(append(append([]int(nil), d...), c))
		for i := range d {
			s := append([]int(nil), d...)
			s[i] = c
			add(s)
		}
	}
	return out
}

// eval plays shock d and then the cascade of most profitable attacks.
func (h *heuristic) eval(d []int) (shockResult, error) {
	h.left--
	st := shockState(h.g, d)
	lost := sumStake(h.g, d)
	var steps []AttackStep
	for range h.g.ServiceIDs {
		atk, stop, err := st.nextAttack(h.find)
		if err != nil {
			return shockResult{}, err
		}
		if stop != "" {
			break
		}
		l, _ := st.applyAttack(atk)
		lost.Add(lost, l)
		steps = append(steps, AttackStep{Attack: atk, Services: ids(h.g.ServiceIDs, atk.Services), Operators: ids(h.g.OperatorIDs, atk.Operators), StakeLost: l})
	}
	return shockResult{shock: d, loss: fraction(lost, h.total), steps: steps}, nil
}

// boundedFinder is Solve within its node bound, or the best single-service
// attack when Solve gives up: a lower bound only needs attacks that are
// real, not the most profitable ones.
func boundedFinder(opt SolveOptions, limit int) attackFinder {
	exact := solveWith(opt)
	return func(sub *Graph) (Attack, bool, error) {
		if len(sub.OperatorIDs)+len(sub.ServiceIDs) > limit {
			return singleServiceAttack(sub)
		}
		a, ok, err := exact(sub)
		if errors.Is(err, ErrSearchLimit) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrSearchBound) {
			return singleServiceAttack(sub)
		}
		return a, ok, err
	}
}

// singleServiceAttack is the most profitable attack on one service alone,
// by its cheapest cover (or the best cover found within the search bound:
// still a valid attack).
func singleServiceAttack(g *Graph) (Attack, bool, error) {
	var best Attack
	found := false
	opt := ServicesOptions{TopK: []int{1}, MaxNodes: DefaultCoverNodes}
	for sv := range g.ServiceIDs {
		// The exact cost is at least α·W: skip services that cannot pay.
		if g.PfC[sv].Cmp(new(big.Rat).Mul(g.Threshold[sv], g.Total[sv])) <= 0 {
			continue
		}
		r := serviceReport(g, sv, opt, nil)
		cost := r.CoCExact
		if r.CoCErr != nil {
			if r.CoCUpper == nil {
				return Attack{}, false, r.CoCErr
			}
			cost = r.CoCUpper
		}
		p := new(big.Rat).Sub(r.PfC, cost)
		if p.Sign() > 0 && (!found || p.Cmp(best.Profit) > 0) {
			best, found = Attack{Services: []int{r.Index}, Operators: r.CoCSet, Profit: p}, true
		}
	}
	return best, found, nil
}

// worstLossJSON is the JSON view: fractions as decimal strings; loss is
// rounded up when exact and down when a lower bound, stake lost and
// upper_bound up (each on its safe side).
type worstLossJSON struct {
	Psi        string           `json:"psi"`
	Loss       string           `json:"loss"`
	Shock      []string         `json:"shock"`
	Attacks    []attackStepJSON `json:"attacks"`
	Exact      bool             `json:"exact"`
	UpperBound *string          `json:"upper_bound"`
}

type attackStepJSON struct {
	Services  []string `json:"services"`
	Operators []string `json:"operators"`
	Profit    string   `json:"profit"`
	StakeLost string   `json:"stake_lost"`
}

// MarshalJSON writes the JSON view (see worstLossJSON).
func (r WorstLossReport) MarshalJSON() ([]byte, error) {
	// An exact loss rounds up (a risk figure is never understated); a lower
	// bound rounds down (it stays a loss that does happen).
	loss := DecimalFloor(r.Loss)
	if r.Exact {
		loss = DecimalCeil(r.Loss)
	}
	out := worstLossJSON{Psi: DecimalFloor(r.Psi), Loss: loss, Shock: r.Shock, Exact: r.Exact, Attacks: []attackStepJSON{}}
	if out.Shock == nil {
		out.Shock = []string{}
	}
	for _, a := range r.Attacks {
		out.Attacks = append(out.Attacks, attackStepJSON{a.Services, a.Operators, DecimalFloor(a.Attack.Profit), DecimalCeil(a.StakeLost)})
	}
	if r.UpperBound != nil {
		s := DecimalCeil(r.UpperBound)
		out.UpperBound = &s
	}
	return json.Marshal(out)
}
