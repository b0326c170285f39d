package riskview

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/risk"
)

// Bounds on a shock given on a command line or in a query.
const (
	MaxShockSlashes   = 1000
	MaxShockByzantine = 1000
)

// ParseShock reads a cascade's shock: slashes as "OPERATOR=FRACTION"
// (fraction of the operator's stake, in [0, 1]) and Byzantine service ids.
func ParseShock(slashes, byzantine []string) (risk.Shock, error) {
	var sh risk.Shock
	if len(slashes) > MaxShockSlashes || len(byzantine) > MaxShockByzantine {
		return sh, fmt.Errorf("%w: at most %d slashes and %d Byzantine services", risk.ErrNetwork, MaxShockSlashes, MaxShockByzantine)
	}
	if len(slashes)+len(byzantine) == 0 {
		return sh, fmt.Errorf("%w: a cascade needs a shock: slash OPERATOR=FRACTION or a Byzantine SERVICE", risk.ErrNetwork)
	}
	for _, s := range slashes {
		op, f, ok := strings.Cut(s, "=")
		d, err := num.ParseDec(f)
		if !ok || op == "" || err != nil || d.GT(num.OneDec()) {
			return sh, fmt.Errorf("%w: slash %q: want OPERATOR=FRACTION with a fraction in [0, 1]", risk.ErrNetwork, s)
		}
		sh.Slashes = append(sh.Slashes, risk.Slash{Operator: op, Fraction: d.Rat()})
	}
	sh.Byzantine = append(sh.Byzantine, byzantine...)
	return sh, nil
}

// ParsePsi reads a shock size ψ, a fraction of total stake in [0, 1];
// "" is nil (no shock asked for) unless required.
func ParsePsi(s string, required bool) (*big.Rat, error) {
	if s == "" && !required {
		return nil, nil
	}
	d, err := num.ParseDec(s)
	if err != nil || d.GT(num.OneDec()) {
		return nil, fmt.Errorf("psi %q must be a fraction of total stake in [0, 1]", s)
	}
	return d.Rat(), nil
}

// CascadeView is a cascade, round by round (`risk cascade`). Stakes
// (initial, the shock's, each round's) are in native units; loss and
// cumulative_loss are fractions of the initial total stake; decimals as
// in Check (losses round up).
type CascadeView struct {
	Height         int64       `json:"height,omitempty"`
	InitialStake   string      `json:"initial_stake"`
	ShockLoss      string      `json:"shock_loss"`
	ShockUnsecured []string    `json:"shock_unsecured"`
	Rounds         []RoundView `json:"rounds"`
	Loss           string      `json:"loss"`
	Stopped        string      `json:"stopped"` // secure, no_services or max_rounds
	Standing       []string    `json:"standing"`
}

// RoundView is one attack of a cascade.
type RoundView struct {
	Round          int      `json:"round"`
	Services       []string `json:"services"`
	Operators      []string `json:"operators"`
	Profit         string   `json:"profit"`
	StakeLost      string   `json:"stake_lost"`
	CumulativeLoss string   `json:"cumulative_loss"`
	Unsecured      []string `json:"unsecured"`
}

// CascadeOf plays shock on n until no attack is profitable, each round's
// exact search within maxNodes (0: risk's default).
func CascadeOf(n *risk.Network, shock risk.Shock, maxNodes int64) (CascadeView, error) {
	g, err := risk.Compile(n)
	if err != nil {
		return CascadeView{}, err
	}
	r, err := risk.CascadeWith(g, shock, 0, risk.SolveOptions{MaxNodes: maxNodes})
	if err != nil {
		return CascadeView{}, err
	}
	v := CascadeView{Height: n.Height, InitialStake: risk.DecimalFloor(r.InitialStake), ShockLoss: risk.DecimalCeil(r.ShockLoss),
		ShockUnsecured: nonNil(r.ShockUnsecured), Rounds: []RoundView{}, Loss: risk.DecimalCeil(r.Loss), Stopped: r.Stopped,
		Standing: nonNil(r.Standing)}
	for _, rd := range r.Rounds {
		v.Rounds = append(v.Rounds, RoundView{Round: rd.Round, Services: nonNil(rd.Services), Operators: nonNil(rd.Operators),
			Profit: risk.DecimalFloor(rd.Attack.Profit), StakeLost: risk.DecimalCeil(rd.StakeLost),
			CumulativeLoss: risk.DecimalCeil(rd.CumulativeLoss), Unsecured: nonNil(rd.Unsecured)})
	}
	return v, nil
}

// WorstLossOf computes R_ψ on n (`risk worst-loss`): exact on small
// networks, otherwise a loss some shock does cause with the proven upper
// bound where it holds (see risk.WorstLoss). maxNodes > 0 bounds both the
// exhaustive search and each attack search of the heuristic (past them
// the answer stays a valid lower bound); 0 keeps risk's defaults.
func WorstLossOf(n *risk.Network, psi *big.Rat, maxNodes int64) (risk.WorstLossReport, error) {
	if psi == nil || psi.Sign() < 0 || psi.Cmp(big.NewRat(1, 1)) > 0 {
		return risk.WorstLossReport{}, fmt.Errorf("%w: psi must be a fraction of total stake in [0, 1]", risk.ErrNetwork)
	}
	g, err := risk.Compile(n)
	if err != nil {
		return risk.WorstLossReport{}, err
	}
	var o risk.WorstLossOptions
	if maxNodes > 0 {
		o.MaxNodes, o.SolveNodes = maxNodes, maxNodes
	}
	return risk.WorstLoss(g, psi, o)
}
