package risk

import (
	"fmt"
	"math/big"
	"sort"
)

// Shock is what starts a cascade: operators slashed by fractions of their
// stake, and services turned Byzantine.
type Shock struct {
	Slashes   []Slash
	Byzantine []string // service ids
}

// Slash takes Fraction ∈ [0, 1] of an operator's stake.
type Slash struct {
	Operator string
	Fraction *big.Rat
}

// CascadeRound is one attack of a cascade. Indices refer to the Graph the
// cascade started from.
type CascadeRound struct {
	Round     int
	Attack    Attack
	Services  []string // ids of Attack.Services
	Operators []string // ids of Attack.Operators
	// StakeLost is Σ c_v this round; CumulativeLoss is all stake lost so far
	// (shock included) as a fraction of the initial total stake.
	StakeLost      *big.Rat
	CumulativeLoss *big.Rat
	// Unsecured lists the services left with no stake after the round.
	Unsecured []string
}

// CascadeReport is a cascade from shock to rest.
type CascadeReport struct {
	InitialStake *big.Rat // Σ σ_v before the shock
	ShockLoss    *big.Rat // stake the shock took
	// ShockUnsecured lists the services the shock left with no stake.
	ShockUnsecured []string
	Rounds         []CascadeRound
	// Loss is all stake lost as a fraction of InitialStake (0 when that is 0).
	Loss *big.Rat
	// Stopped is "secure" (no profitable attack remains), "no_services"
	// (every service is gone), "max_rounds", or "error" (a round's Solve
	// failed; the report holds the rounds before it).
	Stopped string
	// Standing lists the services still standing at the end.
	Standing []string
}

// Cascade plays a shock and then, round by round, the most profitable
// attack on what remains, in exact arithmetic. The rules (following
// Durvasula and Roughgarden, generalised to allocations):
//
//   - Shock: each slashed operator keeps (1−f)·σ_v (two slashes of one
//     operator compound, in order); then each Byzantine
//     service slashes every allocation it has (an operator loses
//     min(σ_v, Σ of its allocations to Byzantine services)), and the
//     Byzantine services leave the network.
//   - Stretching: whenever σ_v falls, every allocation becomes
//     w_vs = min(w_vs, σ_v) (elastic restaking: stake that remains still
//     secures what it can).
//   - A service whose allocations all fall to zero leaves the network at
//     once, as unsecured: nobody's stake backs it, so it is lost without an
//     attack. (In DR's model its π could also be added to another attack at
//     no cost; here it is not, so an attack must pay for itself on the
//     services that still have stake.)
//   - Round: Solve finds the most profitable attack (A, B) on the services
//     still standing, thresholds α_s·W_s recomputed on their remaining
//     stake. Each v ∈ B loses c_v = min(σ_v, Σ_{s∈A} w_vs) and is stretched;
//     the services of A are corrupted and leave. Honest operators of A keep
//     their stake.
//
// It stops when no attack is profitable, when no service remains, or after
// maxRounds rounds (≤ 0: as many as there are services, which always
// suffices since each round removes a service).
func Cascade(g *Graph, shock Shock, maxRounds int) (CascadeReport, error) {
	return CascadeWith(g, shock, maxRounds, SolveOptions{})
}

// CascadeWith is Cascade with options for each round's Solve (its node
// bound: a round that exceeds it ends the cascade with Solve's error and
// the rounds played so far).
func CascadeWith(g *Graph, shock Shock, maxRounds int, opt SolveOptions) (CascadeReport, error) {
	st := newCascadeState(g)
	rep := CascadeReport{InitialStake: st.totalStake()}
	lost, unsecured, err := st.applyShock(shock)
	if err != nil {
		return CascadeReport{}, err
	}
	rep.ShockLoss, rep.ShockUnsecured = lost, unsecured
	if maxRounds <= 0 || maxRounds > len(g.ServiceIDs) {
		maxRounds = len(g.ServiceIDs)
	}
	cum := new(big.Rat).Set(lost)
	rep.Stopped = "max_rounds"
	for round := 1; round <= maxRounds; round++ {
		atk, stop, err := st.nextAttack(solveWith(opt))
		if err != nil {
			rep.Stopped, rep.Loss, rep.Standing = "error", fraction(cum, rep.InitialStake), ids(g.ServiceIDs, st.standing())
			return rep, err
		}
		if stop != "" {
			rep.Stopped = stop
			break
		}
		lost, unsecured := st.applyAttack(atk)
		cum.Add(cum, lost)
		rep.Rounds = append(rep.Rounds, CascadeRound{
			Round: round, Attack: atk, Services: ids(g.ServiceIDs, atk.Services),
			Operators: ids(g.OperatorIDs, atk.Operators), StakeLost: lost,
			CumulativeLoss: fraction(cum, rep.InitialStake), Unsecured: unsecured,
		})
	}
	if rep.Stopped == "max_rounds" && len(st.standing()) == 0 {
		rep.Stopped = "no_services"
	}
	rep.Loss = fraction(cum, rep.InitialStake)
	rep.Standing = ids(g.ServiceIDs, st.standing())
	return rep, nil
}

func ids(names []string, idx []int) []string {
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = names[k]
	}
	return out
}

func fraction(x, total *big.Rat) *big.Rat {
	if total.Sign() == 0 {
		return new(big.Rat)
	}
	return new(big.Rat).Quo(x, total)
}

// cascadeState is the network as a cascade or a worst-loss search changes
// it: current stakes, current allocations (aligned with g.ByOperator) and
// the services still standing. The original Graph is never modified.
type cascadeState struct {
	g     *Graph
	stake []*big.Rat
	w     [][]*big.Rat
	alive []bool
}

func newCascadeState(g *Graph) *cascadeState {
	st := &cascadeState{g: g, stake: make([]*big.Rat, len(g.Stake)), w: make([][]*big.Rat, len(g.Stake)), alive: make([]bool, len(g.ServiceIDs))}
	for v, s := range g.Stake {
		st.stake[v] = new(big.Rat).Set(s)
		for _, e := range g.ByOperator[v] {
			st.w[v] = append(st.w[v], new(big.Rat).Set(e.W))
		}
	}
	for s := range st.alive {
		st.alive[s] = true
	}
	return st
}

func (st *cascadeState) clone() *cascadeState {
	c := &cascadeState{g: st.g, stake: make([]*big.Rat, len(st.stake)), w: make([][]*big.Rat, len(st.w)), alive: append([]bool(nil), st.alive...)}
	for v := range st.stake {
		c.stake[v] = st.stake[v] // values are replaced, never mutated in place
		c.w[v] = append([]*big.Rat(nil), st.w[v]...)
	}
	return c
}

func (st *cascadeState) totalStake() *big.Rat {
	t := new(big.Rat)
	for _, s := range st.stake {
		t.Add(t, s)
	}
	return t
}

// applyShock resolves ids and applies the shock's two steps; it returns
// the stake lost and the services left with no stake.
func (st *cascadeState) applyShock(sh Shock) (*big.Rat, []string, error) {
	before := st.totalStake()
	opIdx := indexOf(st.g.OperatorIDs)
	for _, sl := range sh.Slashes {
		v, ok := opIdx[sl.Operator]
		if !ok || sl.Fraction == nil || sl.Fraction.Sign() < 0 || sl.Fraction.Cmp(ratOne) > 0 {
			return nil, nil, fmt.Errorf("%w: slash of %q must name an operator and a fraction in [0, 1]", ErrNetwork, sl.Operator)
		}
		keep := new(big.Rat).Sub(ratOne, sl.Fraction)
		st.setStake(v, keep.Mul(keep, st.stake[v]))
	}
	byz := make([]bool, len(st.g.ServiceIDs))
	svcIdx := indexOf(st.g.ServiceIDs)
	unsecured := indexOf(st.g.Unsecured)
	for _, id := range sh.Byzantine {
		s, ok := svcIdx[id]
		if _, gone := unsecured[id]; !ok && !gone {
			return nil, nil, fmt.Errorf("%w: Byzantine service %q is unknown", ErrNetwork, id)
		}
		if ok {
			byz[s] = true
		}
	}
	st.slashFor(byz)
	lost := before.Sub(before, st.totalStake())
	return lost, ids(st.g.ServiceIDs, st.dropUnsecured()), nil
}

func indexOf(names []string) map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
}

// slashFor takes from every operator its allocations to the marked
// services (c_v = min(σ_v, Σ w_vs)) and removes those services; it returns
// the stake lost.
func (st *cascadeState) slashFor(marked []bool) *big.Rat {
	lost := new(big.Rat)
	for v := range st.stake {
		c := st.exposure(v, marked)
		if c.Sign() > 0 {
			lost.Add(lost, c)
			st.setStake(v, new(big.Rat).Sub(st.stake[v], c))
		}
	}
	for s, m := range marked {
		if m {
			st.alive[s] = false
		}
	}
	return lost
}

// exposure is c_v for the marked standing services.
func (st *cascadeState) exposure(v int, marked []bool) *big.Rat {
	sum := new(big.Rat)
	for k, e := range st.g.ByOperator[v] {
		if marked[e.Service] && st.alive[e.Service] {
			sum.Add(sum, st.w[v][k])
		}
	}
	if sum.Cmp(st.stake[v]) > 0 {
		sum.Set(st.stake[v])
	}
	return sum
}

// setStake sets σ_v and stretches v's allocations: w_vs = min(w_vs, σ_v).
func (st *cascadeState) setStake(v int, s *big.Rat) {
	st.stake[v] = s
	for k, w := range st.w[v] {
		if w.Cmp(s) > 0 {
			st.w[v][k] = s
		}
	}
}

// dropUnsecured removes the standing services whose stake is all gone and
// returns them.
func (st *cascadeState) dropUnsecured() []int {
	var out []int
	for s := range st.alive {
		if st.alive[s] && st.serviceStake(s).Sign() == 0 {
			st.alive[s] = false
			out = append(out, s)
		}
	}
	return out
}

func (st *cascadeState) serviceStake(s int) *big.Rat {
	t := new(big.Rat)
	for _, e := range st.g.ByService[s] {
		t.Add(t, st.w[e.Operator][st.edgePos(e)])
	}
	return t
}

// edgePos is the position of e in its operator's edge list (sorted by
// service), found by binary search.
func (st *cascadeState) edgePos(e Edge) int {
	es := st.g.ByOperator[e.Operator]
	return sort.Search(len(es), func(k int) bool { return es[k].Service >= e.Service })
}

func (st *cascadeState) standing() []int {
	var out []int
	for s, a := range st.alive {
		if a {
			out = append(out, s)
		}
	}
	return out
}

// applyAttack makes B pay and A leave; it returns the stake lost and the
// services left with no stake.
func (st *cascadeState) applyAttack(a Attack) (*big.Rat, []string) {
	inA := make([]bool, len(st.g.ServiceIDs))
	for _, s := range a.Services {
		inA[s] = true
	}
	lost := new(big.Rat)
	for _, v := range a.Operators {
		c := st.exposure(v, inA)
		lost.Add(lost, c)
		st.setStake(v, new(big.Rat).Sub(st.stake[v], c))
	}
	for _, s := range a.Services {
		st.alive[s] = false
	}
	return lost, ids(st.g.ServiceIDs, st.dropUnsecured())
}

// subgraph is the standing network as a Graph of its own (only services
// standing and operators with stake in them), with maps back to st.g.
func (st *cascadeState) subgraph() (sub *Graph, opOf, svcOf []int) {
	g := st.g
	svcNew := make([]int, len(g.ServiceIDs))
	sub = &Graph{}
	for s, a := range st.alive {
		svcNew[s] = -1
		if a {
			svcNew[s] = len(svcOf)
			svcOf = append(svcOf, s)
			sub.ServiceIDs = append(sub.ServiceIDs, g.ServiceIDs[s])
			sub.PfC = append(sub.PfC, g.PfC[s])
			sub.Threshold = append(sub.Threshold, g.Threshold[s])
			sub.Total = append(sub.Total, new(big.Rat))
		}
	}
	sub.ByService = make([][]Edge, len(svcOf))
	for v := range g.OperatorIDs {
		var es []Edge
		for k, e := range g.ByOperator[v] {
			if ns := svcNew[e.Service]; ns >= 0 && st.w[v][k].Sign() > 0 {
				es = append(es, Edge{Operator: len(opOf), Service: ns, W: st.w[v][k]})
			}
		}
		if len(es) == 0 {
			continue
		}
		opOf = append(opOf, v)
		sub.OperatorIDs = append(sub.OperatorIDs, g.OperatorIDs[v])
		sub.Stake = append(sub.Stake, st.stake[v])
		sub.ByOperator = append(sub.ByOperator, es)
		for _, e := range es {
			sub.ByService[e.Service] = append(sub.ByService[e.Service], e)
			sub.Total[e.Service].Add(sub.Total[e.Service], e.W)
		}
	}
	return sub, opOf, svcOf
}

// attackFinder returns the most profitable attack on a standing network
// (Graph indices of that network), found false when none is profitable.
type attackFinder func(sub *Graph) (Attack, bool, error)

// solveWith is the exact finder: Solve with the given options.
func solveWith(opt SolveOptions) attackFinder {
	return func(sub *Graph) (Attack, bool, error) {
		v, err := Solve(sub, opt)
		if err != nil {
			return Attack{}, false, err
		}
		return v.Attack, !v.Secure, nil
	}
}

// nextAttack asks find for an attack on the standing network and maps it
// back to st.g's indices; stop is "no_services" or "secure" when there is
// none.
func (st *cascadeState) nextAttack(find attackFinder) (Attack, string, error) {
	sub, opOf, svcOf := st.subgraph()
	if len(sub.ServiceIDs) == 0 {
		return Attack{}, "no_services", nil
	}
	a, ok, err := find(sub)
	if err != nil || !ok || a.Profit == nil || a.Profit.Sign() <= 0 {
		return Attack{}, "secure", err
	}
	if p, valid := checkAttack(sub, a); !valid || p.Cmp(a.Profit) != 0 {
		return Attack{}, "", fmt.Errorf("risk: the attack search returned an attack that does not hold: %+v", a)
	}
	out := Attack{Profit: a.Profit}
	for _, s := range a.Services {
		out.Services = append(out.Services, svcOf[s])
	}
	for _, v := range a.Operators {
		out.Operators = append(out.Operators, opOf[v])
	}
	sort.Ints(out.Services)
	sort.Ints(out.Operators)
	return out, "", nil
}

// checkAttack re-evaluates an attack found by a search, with its indices
// checked first so that a wrong answer is an error, not a panic.
func checkAttack(g *Graph, a Attack) (*big.Rat, bool) {
	for _, s := range a.Services {
		if s < 0 || s >= len(g.ServiceIDs) {
			return nil, false
		}
	}
	for _, v := range a.Operators {
		if v < 0 || v >= len(g.OperatorIDs) {
			return nil, false
		}
	}
	return g.Profit(a.Services, a.Operators)
}
