package restaking

import (
	"math/big"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/risk"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Guard rails (SPEC §8, param min_security_slack; 0 = off). The network's
// certified slack is γ* = min over its terms − 1, with one term per
// service, T_s = α_s·W_s/π_s, and one per operator,
// T_v = σ_v / Σ_s (w_vs/W_s)(π_s/α_s) (risk.Slack). An action is refused
// when it lowers a term, or adds one, to below 1 + min_security_slack:
//   - an allocation increase lowers only its operator's term (its share of
//     the service grows; everyone else's shrinks and T_s grows), and adds
//     the service's term when the service had no stake;
//   - an update_service raising π_s/α_s lowers T_s and the term of every
//     operator with stake in it.
// An increase is checked when it is requested, counted as if in force at
// once (it takes effect after the operator's allocation delay).
// Opt-ins and registrations allocate nothing, so they cannot lower a term;
// deposits and withdrawals are never refused by it. A term that is already
// low does not block actions that raise it: adding stake to an
// under-secured service stays possible.

// guardAllocation checks raising (vv, svc)'s weight to that of magnitude mag.
func guardAllocation(r store.Reader, p params.Params, vv vaultView, svc string, mag num.Dec) error {
	if p.MinSecuritySlack.IsZero() {
		return nil
	}
	next, err := weightOf(vv, mag)
	if err != nil {
		return err
	}
	prev, err := state.LoadAmount(r, weightKey(vv.op, vv.asset.Denom, svc))
	if err != nil || next.LTE(prev) {
		return err
	}
	vals, err := assetValues(r)
	if err != nil {
		return err
	}
	value, err := AssetValue(r, vv.asset)
	if err != nil {
		return err
	}
	delta := tokenValue(next.SubSat(prev).Big(), value.Rat())
	return checkRaise(r, vals, minTerm(p), vv.op, svc, delta)
}

// checkRaise checks op's term, and svc's if it had no stake, after op's
// w_vs and W_s both grow by delta.
func checkRaise(r store.Reader, vals []assetValue, floor *big.Rat, op account.Address, svc string, delta *big.Rat) error {
	os, err := readOpSecurity(r, vals, op)
	if err != nil {
		return err
	}
	ctx := termCtx{r: r, vals: vals}
	before, err := ctx.operatorTerm(os, "", nil)
	if err != nil {
		return err
	}
	os.add(svc, delta)
	after, err := ctx.operatorTerm(os, svc, delta)
	if err != nil {
		return err
	}
	if lowered(before, after, floor) {
		return slackError("allocation", svc, op.String(), "operator", after, floor)
	}
	return ctx.checkNewService(svc, delta, floor, op)
}

func (c termCtx) checkNewService(svc string, delta *big.Rat, floor *big.Rat, op account.Address) error {
	total, err := serviceTotal(c.r, c.vals, svc)
	if err != nil || total.Sign() > 0 {
		return err
	}
	pi, alpha, err := serviceRisk(c.r, svc)
	if err != nil {
		return err
	}
	if t := risk.ServiceTerm(alpha, delta, pi); t != nil && t.Cmp(floor) < 0 {
		return slackError("allocation", svc, op.String(), "service", t, floor)
	}
	return nil
}

// guardServiceUpdate checks raising svc's π/α from (pi0, a0) to (pi1, a1).
func guardServiceUpdate(r store.Reader, p params.Params, svc string, pi0, pi1 num.Int, a0, a1 num.Dec) error {
	if p.MinSecuritySlack.IsZero() || !raisesLoad(pi0, pi1, a0, a1) {
		return nil
	}
	vals, err := assetValues(r)
	if err != nil {
		return err
	}
	total, err := serviceTotal(r, vals, svc)
	if err != nil || total.Sign() == 0 {
		return err
	}
	floor := minTerm(p)
	pi, alpha := new(big.Rat).SetInt(pi1.Big()), a1.Rat()
	if t := risk.ServiceTerm(alpha, total, pi); t != nil && t.Cmp(floor) < 0 {
		return slackError("update", svc, "", "service", t, floor)
	}
	ctx := termCtx{r: r, vals: vals, override: svc, pi: pi, alpha: alpha}
	return ctx.checkMembers(svc, floor)
}

// checkMembers checks the term of every operator with stake in svc.
func (c termCtx) checkMembers(svc string, floor *big.Rat) error {
	prefix := state.Key(prefixMember, lp(svc))
	var ops []account.Address
	store.IteratePrefix(c.r, prefix, false, func(k, _ []byte) bool {
		var a account.Address
		copy(a[:], k[len(prefix):])
		ops = append(ops, a)
		return len(ops) < MaxOperatorsPerService
	})
	for _, op := range ops {
		os, err := readOpSecurity(c.r, c.vals, op)
		if err != nil {
			return err
		}
		if os.alloc[svc] == nil {
			continue
		}
		t, err := c.operatorTerm(os, "", nil)
		if err != nil {
			return err
		}
		if t != nil && t.Cmp(floor) < 0 {
			return slackError("update", svc, op.String(), "operator", t, floor)
		}
	}
	return nil
}

// termCtx reads the service side of the terms, optionally with one
// service's π and α overridden (an update being checked).
type termCtx struct {
	r         store.Reader
	vals      []assetValue
	override  string
	pi, alpha *big.Rat
}

// operatorTerm is T_v for os; when grown is set, that service's W_s is
// read as delta higher (the allocation being checked). nil: no load.
func (c termCtx) operatorTerm(os opSecurity, grown string, delta *big.Rat) (*big.Rat, error) {
	loads := make([]risk.Load, 0, len(os.names))
	for _, svc := range os.names {
		total, err := serviceTotal(c.r, c.vals, svc)
		if err != nil {
			return nil, err
		}
		if svc == grown {
			total.Add(total, delta)
		}
		pi, alpha, err := c.risk(svc)
		if err != nil {
			return nil, err
		}
		loads = append(loads, risk.Load{Allocation: os.alloc[svc], Total: total, PfC: pi, Threshold: alpha})
	}
	return risk.OperatorTerm(os.stake, loads), nil
}

func (c termCtx) risk(svc string) (pi, alpha *big.Rat, err error) {
	if svc == c.override {
		return c.pi, c.alpha, nil
	}
	return serviceRisk(c.r, svc)
}

func serviceRisk(r store.Reader, svc string) (pi, alpha *big.Rat, err error) {
	var s Service
	found, err := state.Load(r, serviceKey(svc), &s)
	if err != nil || !found {
		return new(big.Rat), big.NewRat(1, 1), err
	}
	return new(big.Rat).SetInt(s.PfC.Big()), s.Threshold.Rat(), nil
}

// raisesLoad reports whether π/α grows: π1·α0 > π0·α1.
func raisesLoad(pi0, pi1 num.Int, a0, a1 num.Dec) bool {
	l := new(big.Int).Mul(pi1.Big(), a0.Raw().Big())
	r := new(big.Int).Mul(pi0.Big(), a1.Raw().Big())
	return l.Cmp(r) > 0
}

// lowered: after is below the floor and below before (nil = no load: +∞).
func lowered(before, after, floor *big.Rat) bool {
	if after == nil || after.Cmp(floor) >= 0 {
		return false
	}
	return before == nil || after.Cmp(before) < 0
}

// minTerm is 1 + min_security_slack: the least a term may be.
func minTerm(p params.Params) *big.Rat {
	return new(big.Rat).Add(big.NewRat(1, 1), p.MinSecuritySlack.Rat())
}

func slackError(action, svc, op, which string, term, floor *big.Rat) error {
	slack := new(big.Rat).Sub(term, big.NewRat(1, 1))
	min := new(big.Rat).Sub(floor, big.NewRat(1, 1))
	who := "service " + svc
	if which == "operator" {
		who = "operator " + op + " (in service " + svc + ")"
	}
	return state.Reject("min-security-slack", "this %s would lower the certified slack of %s to %s, below min_security_slack %s",
		action, who, risk.FormatDecimal(slack), risk.FormatDecimal(min))
}
