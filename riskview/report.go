package riskview

import (
	"math/big"

	"github.com/restaked/restaked/risk"
)

// The reports below are the JSON of `restaked risk ... -o json`, of the
// API under /v1/risk/ and of the simulator's expectations: one function
// each, over a network from a file or from the live state.

// Check is the certified slack γ* and what it proves (`risk check`).
// Decimal strings are exact when the value has a finite decimal expansion;
// otherwise γ* rounds down and bounds round up (never more comfort than
// there is).
type Check struct {
	Height          int64    `json:"height,omitempty"`
	GammaStar       *string  `json:"gamma_star"` // null: +∞ (no service with stake and pfc > 0)
	Certified       bool     `json:"certified"`  // γ* ≥ 0: no attack is profitable; false is "not certified", not "insecure"
	Binding         *Binding `json:"binding"`    // the term attaining γ*
	LossBoundFactor *string  `json:"loss_bound_factor"`
	BoundProven     bool     `json:"bound_proven"` // the loss bound's proof covers this network (unique or full restaking per operator)
	Psi             string   `json:"psi,omitempty"`
	LossBound       *string  `json:"loss_bound,omitempty"` // min(1, (1+1/γ*)·ψ) of total stake, when γ* > 0 and proven
	Unsecured       []string `json:"unsecured"`            // services nobody's stake secures
}

// Binding names a service or operator.
type Binding struct {
	Kind string `json:"kind"` // service or operator
	ID   string `json:"id"`
}

// CheckOf computes γ* for n; psi (may be nil) adds the loss bound.
func CheckOf(n *risk.Network, psi *big.Rat) (Check, error) {
	g, err := risk.Compile(n)
	if err != nil {
		return Check{}, err
	}
	return checkOf(g, n.Height, psi), nil
}

func checkOf(g *risk.Graph, height int64, psi *big.Rat) Check {
	r := risk.Slack(g)
	c := Check{Height: height, Certified: r.Certified, Unsecured: nonNil(r.Unsecured)}
	c.GammaStar = optFloor(r.GammaStar)
	if r.Binding.Kind != "" {
		c.Binding = &Binding{r.Binding.Kind, r.Binding.ID}
	}
	c.LossBoundFactor = optCeil(r.LossBoundFactor)
	c.BoundProven = risk.BoundProven(g)
	if psi != nil {
		c.Psi = risk.DecimalFloor(psi)
		if b, ok := r.LossBound(psi); ok && c.BoundProven {
			c.LossBound = optCeil(b)
		}
	}
	return c
}

// AttackReport is the exact attack search's answer (`risk attack`).
type AttackReport struct {
	Height    int64    `json:"height,omitempty"`
	Secure    bool     `json:"secure"`
	Profit    string   `json:"profit"` // of the most profitable attack; 0 when secure
	Services  []string `json:"services"`
	Operators []string `json:"operators"`
	GammaStar *string  `json:"gamma_star"`
	Nodes     int64    `json:"nodes"`
	Proof     string   `json:"proof"`
}

// APISearchNodes bounds each exact search the API runs for a request:
// past it the answer is "search limit" (422), never a guess, and a
// request stays well inside the server's write timeout. The CLI searches
// with risk.DefaultMaxNodes unless told otherwise (--max-nodes).
const APISearchNodes = 20_000

// AttackOf runs the exact search on n, within maxNodes (0: risk's default).
func AttackOf(n *risk.Network, maxNodes int64) (AttackReport, error) {
	g, err := risk.Compile(n)
	if err != nil {
		return AttackReport{}, err
	}
	return attackOf(g, n.Height, maxNodes)
}

func attackOf(g *risk.Graph, height int64, maxNodes int64) (AttackReport, error) {
	v, err := risk.Solve(g, risk.SolveOptions{MaxNodes: maxNodes})
	if err != nil {
		return AttackReport{}, err
	}
	out := AttackReport{Height: height, Secure: v.Secure, Profit: "0", Services: []string{}, Operators: []string{},
		GammaStar: optFloor(risk.Slack(g).GammaStar), Nodes: v.Nodes, Proof: v.Proof}
	if v.Secure {
		return out, nil
	}
	out.Profit = risk.DecimalFloor(v.Attack.Profit)
	for _, s := range v.Attack.Services {
		out.Services = append(out.Services, g.ServiceIDs[s])
	}
	for _, o := range v.Attack.Operators {
		out.Operators = append(out.Operators, g.OperatorIDs[o])
	}
	return out, nil
}

// ServicesReport is every service's security alone (`risk services`).
type ServicesReport struct {
	Height    int64                `json:"height,omitempty"`
	Services  []risk.ServiceReport `json:"services"`
	Unsecured []string             `json:"unsecured"`
}

// ServicesOf reports every service of n with stake.
func ServicesOf(n *risk.Network) (ServicesReport, error) {
	g, err := risk.Compile(n)
	if err != nil {
		return ServicesReport{}, err
	}
	return servicesOf(g, n.Height), nil
}

func servicesOf(g *risk.Graph, height int64) ServicesReport {
	return ServicesReport{Height: height, Services: nonNil(risk.Services(g)), Unsecured: nonNil(g.Unsecured)}
}

// SecurityChange is the network's security before and after a what-if.
type SecurityChange struct {
	Before Security `json:"before"`
	After  Security `json:"after"`
}

// Security is γ* and every service's report.
type Security struct {
	Check    Check                `json:"check"`
	Services []risk.ServiceReport `json:"services"`
}

func securityOf(n *risk.Network) (Security, error) {
	g, err := risk.Compile(n)
	if err != nil {
		return Security{}, err
	}
	return Security{Check: checkOf(g, n.Height, nil), Services: nonNil(risk.Services(g))}, nil
}

func optFloor(r *big.Rat) *string {
	if r == nil {
		return nil
	}
	s := risk.DecimalFloor(r)
	return &s
}

func optCeil(r *big.Rat) *string {
	if r == nil {
		return nil
	}
	s := risk.DecimalCeil(r)
	return &s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
