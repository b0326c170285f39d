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
// once (it takes effect after the operator's allocation delay), together
// with the operator's other increases still pending.
// Opt-ins and registrations allocate nothing, so they cannot lower a term;
// deposits and withdrawals are never refused by it. A term that is already
// low does not block actions that raise it: adding stake to an
// under-secured service stays possible.

// guardAllocation checks raising (vv, svc)'s weight to that of magnitude mag.
func guardAllocation(r store.Reader, p params.Params, vv vaultView, svc string, mag num.Dec) error {
	if p.MinSecuritySlack.IsZero() {
		return nil
	}
	vals, err := assetValues(r)
	if err != nil {
		return err
	}
	delta, err := weightGrowth(r, vv, svc, mag)
	if err != nil || delta.Sign() == 0 {
		return err
	}
	return checkRaise(newTermCtx(r, vals), minTerm(p), vv.op, svc, delta)
}

// weightGrowth is the value by which (vv, svc)'s stored weight grows when
// its magnitude becomes mag (0 if it does not grow).
func weightGrowth(r store.Reader, vv vaultView, svc string, mag num.Dec) (*big.Rat, error) {
	next, err := weightOf(vv, mag)
	if err != nil {
		return nil, err
	}
	prev, err := state.LoadAmount(r, weightKey(vv.op, vv.asset.Denom, svc))
	if err != nil || next.LTE(prev) {
		return new(big.Rat), err
	}
	value, err := AssetValue(r, vv.asset)
	if err != nil {
		return nil, err
	}
	return tokenValue(next.SubSat(prev).Big(), value.Rat()), nil
}

// checkRaise checks op's term, and svc's if it had no stake, when op's
// w_vs and W_s both grow by delta on top of op's pending increases.
func checkRaise(c *termCtx, floor *big.Rat, op account.Address, svc string, delta *big.Rat) error {
	os, err := c.operator(op)
	if err != nil {
		return err
	}
	before, err := c.operatorTerm(os)
	if err != nil {
		return err
	}
	wasNew, err := c.unsecured(svc)
	if err != nil {
		return err
	}
	os.add(svc, delta)
	c.grow(svc, delta)
	after, err := c.operatorTerm(os)
	if err != nil {
		return err
	}
	if lowered(before, after, floor) {
		return slackError("allocation", svc, op.String(), "operator", after, floor)
	}
	if !wasNew {
		return nil
	}
	return c.checkService(svc, floor, "allocation", op.String())
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
	c := newTermCtx(r, vals)
	c.risks[svc] = [2]*big.Rat{new(big.Rat).SetInt(pi1.Big()), a1.Rat()}
	if unsecured, err := c.unsecured(svc); err != nil || unsecured {
		return err
	}
	floor := minTerm(p)
	if err := c.checkService(svc, floor, "update", ""); err != nil {
		return err
	}
	return c.checkMembers(svc, floor)
}

func (c *termCtx) checkService(svc string, floor *big.Rat, action, op string) error {
	total, rk, err := c.service(svc)
	if err != nil {
		return err
	}
	if t := risk.ServiceTerm(rk[1], total, rk[0]); t != nil && t.Cmp(floor) < 0 {
		return slackError(action, svc, op, "service", t, floor)
	}
	return nil
}

// checkMembers checks the term of every operator with stake in svc.
func (c *termCtx) checkMembers(svc string, floor *big.Rat) error {
	ops := membersOf(c.r, svc)
	for _, op := range ops {
		c.extra = map[string]*big.Rat{} // each member with its own pending increases only
		os, err := c.operator(op)
		if err != nil {
			return err
		}
		if os.alloc[svc] == nil {
			continue
		}
		t, err := c.operatorTerm(os)
		if err != nil {
			return err
		}
		if t != nil && t.Cmp(floor) < 0 {
			return slackError("update", svc, op.String(), "operator", t, floor)
		}
	}
	return nil
}

// termCtx reads the terms' inputs once per check: service totals W_s,
// declarations (π, α; an update being checked overrides one), and the
// growth of W_s the check adds (pending increases, the increase checked).
// Its maps are lookups only; nothing iterates them.
type termCtx struct {
	r      store.Reader
	vals   []assetValue
	totals map[string]*big.Rat
	risks  map[string][2]*big.Rat
	extra  map[string]*big.Rat
}

func newTermCtx(r store.Reader, vals []assetValue) *termCtx {
	return &termCtx{r: r, vals: vals, totals: map[string]*big.Rat{}, risks: map[string][2]*big.Rat{}, extra: map[string]*big.Rat{}}
}

// operator reads op's σ_v and w_vs with its pending increases counted as
// in force: an operator that queued several increases (each waiting its
// allocation delay) is checked on all of them together. The growth is
// added to W_s as well.
func (c *termCtx) operator(op account.Address) (opSecurity, error) {
	os, err := readOpSecurity(c.r, c.vals, op)
	if err != nil {
		return os, err
	}
	for _, denom := range vaultDenoms(c.r, op) {
		av, _ := findValue(c.vals, denom)
		if err := c.addPending(&os, op, av.asset); err != nil {
			return os, err
		}
	}
	return os, nil
}

func (c *termCtx) addPending(os *opSecurity, op account.Address, a Asset) error {
	vv, err := loadVault(c.r, op, a)
	if err != nil {
		return err
	}
	type increase struct {
		svc    string
		target num.Dec
	}
	prefix := allocPrefix(op, a.Denom)
	var pending []increase
	store.IteratePrefix(c.r, prefix, false, func(k, v []byte) bool {
		var al Allocation
		if err = state.Decode(k, v, &al); err == nil && al.pending() && al.Target.GT(al.Mag) {
			pending = append(pending, increase{string(k[len(prefix):]), al.Target})
		}
		return err == nil && len(pending) < MaxAllocationsPerVault
	})
	if err != nil {
		return err
	}
	for _, in := range pending {
		g, err := weightGrowth(c.r, vv, in.svc, in.target)
		if err != nil {
			return err
		}
		os.add(in.svc, g)
		c.grow(in.svc, g)
	}
	return nil
}

func (c *termCtx) grow(svc string, g *big.Rat) {
	if c.extra[svc] == nil {
		c.extra[svc] = new(big.Rat)
	}
	c.extra[svc].Add(c.extra[svc], g)
}

// total is W_s plus the growth this check counts.
func (c *termCtx) total(svc string) (*big.Rat, error) {
	t, ok := c.totals[svc]
	if !ok {
		var err error
		if t, err = serviceTotal(c.r, c.vals, svc); err != nil {
			return nil, err
		}
		c.totals[svc] = t
	}
	out := new(big.Rat).Set(t)
	if g := c.extra[svc]; g != nil {
		out.Add(out, g)
	}
	return out, nil
}

func (c *termCtx) unsecured(svc string) (bool, error) {
	t, err := c.total(svc)
	return t != nil && t.Sign() == 0, err
}

// operatorTerm is T_v for os (nil: no load, +∞).
func (c *termCtx) operatorTerm(os opSecurity) (*big.Rat, error) {
	loads := make([]risk.Load, 0, len(os.names))
	for _, svc := range os.names {
		total, rk, err := c.service(svc)
		if err != nil {
			return nil, err
		}
		loads = append(loads, risk.Load{Allocation: os.alloc[svc], Total: total, PfC: rk[0], Threshold: rk[1]})
	}
	return risk.OperatorTerm(os.stake, loads), nil
}

// service is W_s (with the growth counted) and (π_s, α_s).
func (c *termCtx) service(svc string) (*big.Rat, [2]*big.Rat, error) {
	total, err := c.total(svc)
	if err != nil {
		return nil, [2]*big.Rat{}, err
	}
	rk, err := c.risk(svc)
	return total, rk, err
}

// risk is (π_s, α_s).
func (c *termCtx) risk(svc string) ([2]*big.Rat, error) {
	if rk, ok := c.risks[svc]; ok {
		return rk, nil
	}
	var s Service
	found, err := state.Load(c.r, serviceKey(svc), &s)
	if err != nil || !found {
		return [2]*big.Rat{new(big.Rat), big.NewRat(1, 1)}, err
	}
	rk := [2]*big.Rat{new(big.Rat).SetInt(s.PfC.Big()), s.Threshold.Rat()}
	c.risks[svc] = rk
	return rk, nil
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
		action, who, risk.DecimalFloor(slack), risk.DecimalFloor(min))
}
