// Package risk analyses the security of a restaking network: who can take
// whose stake, at what cost, and what a shock does next. Everything here is a
// pure function over a Network value; comparisons that decide a verdict use
// exact rationals (math/big.Rat), never floating point.
//
// The model is Durvasula and Roughgarden's ("Robust Restaking Networks",
// 2024), generalised to allocations: operator v has stake σ_v (native-unit
// value), service s has profit from corruption π_s and threshold α_s ∈ (0,1],
// and w_vs is the native-unit value of v's effective allocation to s.
package risk

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"sort"
)

// Network is the interchange value: the JSON network file of `restaked risk`.
type Network struct {
	Height      int64 // the chain height it was exported at; 0 for other sources
	Operators   []Operator
	Services    []Service
	Allocations []Allocation
}

// Operator is a staker-facing operator with its total stake σ_v.
type Operator struct {
	ID    string
	Stake *big.Rat
}

// Service is a service with declared profit from corruption π_s and the
// fraction α_s of its allocated stake that corrupts it.
type Service struct {
	ID        string
	PfC       *big.Rat
	Threshold *big.Rat
}

// Allocation is w_vs: the value of operator v's stake slashable by service s.
type Allocation struct {
	Operator string
	Service  string
	Amount   *big.Rat
}

// ErrNetwork marks a network value that breaks a rule of the model.
var ErrNetwork = errors.New("invalid network")

// Bounds that keep any one request finite.
const (
	MaxOperators   = 100_000
	MaxServices    = 10_000
	MaxAllocations = 1_000_000
	maxIDLen       = 128
	maxNumberLen   = 100
)

type wireNetwork struct {
	Height      int64            `json:"height,omitempty"`
	Operators   []wireOperator   `json:"operators"`
	Services    []wireService    `json:"services"`
	Allocations []wireAllocation `json:"allocations"`
}

type wireOperator struct {
	ID    string `json:"id"`
	Stake string `json:"stake"`
}

type wireService struct {
	ID        string `json:"id"`
	PfC       string `json:"pfc"`
	Threshold string `json:"threshold"`
}

type wireAllocation struct {
	Operator string `json:"operator"`
	Service  string `json:"service"`
	Amount   string `json:"amount"`
}

var decimalRe = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// ParseDecimal reads a non-negative decimal string ("100", "0.5") exactly.
// Fractions such as "1/3" and exponents are refused: the file format is
// decimal so that every tool reads the same number.
func ParseDecimal(s string) (*big.Rat, error) {
	if len(s) > maxNumberLen || !decimalRe.MatchString(s) {
		return nil, fmt.Errorf("%w: %q is not a non-negative decimal", ErrNetwork, s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not a non-negative decimal", ErrNetwork, s)
	}
	return r, nil
}

func trimZeros(s string) string {
	dot := -1
	for i := range len(s) {
		if s[i] == '.' {
			dot = i
		}
	}
	if dot < 0 {
		return s
	}
	end := len(s)
	for end > dot+1 && s[end-1] == '0' {
		end--
	}
	if end == dot+1 {
		end = dot
	}
	return s[:end]
}

// MarshalJSON writes the network file format: amounts and fractions as
// decimal strings.
func (n *Network) MarshalJSON() ([]byte, error) {
	w := wireNetwork{
		Height:      n.Height,
		Operators:   make([]wireOperator, len(n.Operators)),
		Services:    make([]wireService, len(n.Services)),
		Allocations: make([]wireAllocation, len(n.Allocations)),
	}
	for i, o := range n.Operators {
		w.Operators[i] = wireOperator{o.ID, DecimalFloor(o.Stake)}
	}
	for i, s := range n.Services {
		w.Services[i] = wireService{s.ID, DecimalFloor(s.PfC), DecimalFloor(s.Threshold)}
	}
	for i, a := range n.Allocations {
		w.Allocations[i] = wireAllocation{a.Operator, a.Service, DecimalFloor(a.Amount)}
	}
	return json.Marshal(w)
}

// ParseNetwork reads a network file; every error is an ErrNetwork (JSON
// syntax included).
func ParseNetwork(b []byte) (*Network, error) {
	var n Network
	if err := json.Unmarshal(b, &n); err != nil {
		if errors.Is(err, ErrNetwork) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrNetwork, err)
	}
	return &n, nil
}

// UnmarshalJSON reads the network file format and validates it.
func (n *Network) UnmarshalJSON(b []byte) error {
	var w wireNetwork
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("%w: %v", ErrNetwork, err)
	}
	out, err := fromWire(w)
	if err != nil {
		return err
	}
	*n = out
	return nil
}

func fromWire(w wireNetwork) (Network, error) {
	n := Network{Height: w.Height}
	for _, o := range w.Operators {
		st, err := ParseDecimal(o.Stake)
		if err != nil {
			return Network{}, fmt.Errorf("operator %q stake: %w", o.ID, err)
		}
		n.Operators = append(n.Operators, Operator{o.ID, st})
	}
	for _, s := range w.Services {
		pfc, err := ParseDecimal(s.PfC)
		if err != nil {
			return Network{}, fmt.Errorf("service %q pfc: %w", s.ID, err)
		}
		th, err := ParseDecimal(s.Threshold)
		if err != nil {
			return Network{}, fmt.Errorf("service %q threshold: %w", s.ID, err)
		}
		n.Services = append(n.Services, Service{s.ID, pfc, th})
	}
	for _, a := range w.Allocations {
		amt, err := ParseDecimal(a.Amount)
		if err != nil {
			return Network{}, fmt.Errorf("allocation %s→%s: %w", a.Operator, a.Service, err)
		}
		n.Allocations = append(n.Allocations, Allocation{a.Operator, a.Service, amt})
	}
	return n, n.Validate()
}

// Validate checks the rules of the model: unique non-empty ids, thresholds
// in (0,1], every allocation naming a known operator and service at most
// once, and no allocation above its operator's stake.
func (n *Network) Validate() error {
	if len(n.Operators) > MaxOperators || len(n.Services) > MaxServices || len(n.Allocations) > MaxAllocations {
		return fmt.Errorf("%w: at most %d operators, %d services and %d allocations", ErrNetwork, MaxOperators, MaxServices, MaxAllocations)
	}
	if n.Height < 0 {
		return fmt.Errorf("%w: height must not be negative", ErrNetwork)
	}
	ops := make(map[string]*big.Rat, len(n.Operators))
	for _, o := range n.Operators {
		if err := checkID("operator", o.ID, func() bool { _, dup := ops[o.ID]; return dup }); err != nil {
			return err
		}
		if o.Stake == nil || o.Stake.Sign() < 0 {
			return fmt.Errorf("%w: operator %q stake must be non-negative", ErrNetwork, o.ID)
		}
		ops[o.ID] = o.Stake
	}
	svcs := make(map[string]bool, len(n.Services))
	one := big.NewRat(1, 1)
	for _, s := range n.Services {
		if err := checkID("service", s.ID, func() bool { return svcs[s.ID] }); err != nil {
			return err
		}
		if s.PfC == nil || s.PfC.Sign() < 0 {
			return fmt.Errorf("%w: service %q pfc must be non-negative", ErrNetwork, s.ID)
		}
		if s.Threshold == nil || s.Threshold.Sign() <= 0 || s.Threshold.Cmp(one) > 0 {
			return fmt.Errorf("%w: service %q threshold must be in (0, 1]", ErrNetwork, s.ID)
		}
		svcs[s.ID] = true
	}
	seen := make(map[[2]string]bool, len(n.Allocations))
	for _, a := range n.Allocations {
		st, ok := ops[a.Operator]
		if !ok || !svcs[a.Service] {
			return fmt.Errorf("%w: allocation %s→%s names an unknown operator or service", ErrNetwork, a.Operator, a.Service)
		}
		key := [2]string{a.Operator, a.Service}
		if seen[key] {
			return fmt.Errorf("%w: allocation %s→%s appears twice", ErrNetwork, a.Operator, a.Service)
		}
		seen[key] = true
		if a.Amount == nil || a.Amount.Sign() < 0 || a.Amount.Cmp(st) > 0 {
			return fmt.Errorf("%w: allocation %s→%s must be between 0 and the operator's stake", ErrNetwork, a.Operator, a.Service)
		}
	}
	return nil
}

func checkID(kind, id string, dup func() bool) error {
	if id == "" || len(id) > maxIDLen {
		return fmt.Errorf("%w: %s id must be 1..%d characters", ErrNetwork, kind, maxIDLen)
	}
	if dup() {
		return fmt.Errorf("%w: %s %q appears twice", ErrNetwork, kind, id)
	}
	return nil
}

// Graph is a validated network indexed for computation. Services with no
// allocated stake (W_s = 0) are not part of it: nobody's stake secures them,
// so there is nothing to corrupt or slash; they are listed in Unsecured.
// Operators keep their input order; services keep input order among the
// secured ones. Edges with w_vs = 0 are dropped.
type Graph struct {
	OperatorIDs []string
	Stake       []*big.Rat // σ_v
	ServiceIDs  []string
	PfC         []*big.Rat // π_s
	Threshold   []*big.Rat // α_s
	Total       []*big.Rat // W_s > 0
	ByService   [][]Edge   // per service, edges sorted by operator index
	ByOperator  [][]Edge   // per operator, edges sorted by service index
	Unsecured   []string   // services with W_s = 0, input order
}

// Edge is one allocation w_vs in a Graph, by index.
type Edge struct {
	Operator int
	Service  int
	W        *big.Rat
}

// Compile validates n and indexes it.
func Compile(n *Network) (*Graph, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	opIdx := make(map[string]int, len(n.Operators))
	g := &Graph{}
	for i, o := range n.Operators {
		opIdx[o.ID] = i
		g.OperatorIDs = append(g.OperatorIDs, o.ID)
		g.Stake = append(g.Stake, new(big.Rat).Set(o.Stake))
	}
	totals := make(map[string]*big.Rat, len(n.Services))
	for _, a := range n.Allocations {
		if a.Amount.Sign() == 0 {
			continue
		}
		t := totals[a.Service]
		if t == nil {
			t = new(big.Rat)
			totals[a.Service] = t
		}
		t.Add(t, a.Amount)
	}
	svcIdx := make(map[string]int, len(n.Services))
	for _, s := range n.Services {
		t := totals[s.ID]
		if t == nil {
			g.Unsecured = append(g.Unsecured, s.ID)
			continue
		}
		svcIdx[s.ID] = len(g.ServiceIDs)
		g.ServiceIDs = append(g.ServiceIDs, s.ID)
		g.PfC = append(g.PfC, new(big.Rat).Set(s.PfC))
		g.Threshold = append(g.Threshold, new(big.Rat).Set(s.Threshold))
		g.Total = append(g.Total, t)
	}
	g.ByService = make([][]Edge, len(g.ServiceIDs))
	g.ByOperator = make([][]Edge, len(g.OperatorIDs))
	for _, a := range n.Allocations {
		si, ok := svcIdx[a.Service]
		if !ok || a.Amount.Sign() == 0 {
			continue
		}
		e := Edge{Operator: opIdx[a.Operator], Service: si, W: new(big.Rat).Set(a.Amount)}
		g.ByService[si] = append(g.ByService[si], e)
		g.ByOperator[e.Operator] = append(g.ByOperator[e.Operator], e)
	}
	for _, es := range g.ByService {
		sort.Slice(es, func(i, j int) bool { return es[i].Operator < es[j].Operator })
	}
	for _, es := range g.ByOperator {
		sort.Slice(es, func(i, j int) bool { return es[i].Service < es[j].Service })
	}
	return g, nil
}
