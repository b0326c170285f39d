package sim

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/risk"
	"gopkg.in/yaml.v3"
)

// Risk-engine expectations (SPEC §8, §10), over the network of the state
// at that point (restaking.SecurityNetwork).
//
//	security: {service: NAME, field?: coc | coc_exact | pfc | coc_pfc | stake | nakamoto | hhi}   (default coc: α·W)
//	security: {field: gamma_star}                                                                 (the network's γ*)
//	attack: {field?: profit | secure}    (profit of the most profitable attack, 0 if none; secure: 1 or 0)

var securityFields = []string{"coc", "coc_exact", "pfc", "coc_pfc", "stake", "nakamoto", "hhi", "gamma_star"}

func decodeSecurity(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	svc, field := f.str("service", false), f.str("field", false)
	if field == "" {
		field = "coc"
	}
	if !contains(securityFields, field) {
		f.fail("field %q: one of %s", field, strings.Join(securityFields, ", "))
	}
	if (field == "gamma_star") != (svc == "") {
		f.fail("gamma_star is of the whole network (no service); every other field needs a service")
	}
	return func(s *Sim) (*big.Rat, error) {
		g, err := simGraph(s)
		if err != nil {
			return nil, err
		}
		if field == "gamma_star" {
			r := risk.Slack(g)
			if r.GammaStar == nil {
				return nil, fmt.Errorf("γ* is +∞ (no service with stake and pfc > 0)")
			}
			return r.GammaStar, nil
		}
		return serviceField(g, svc, field)
	}, f.done()
}

func serviceField(g *risk.Graph, svc, field string) (*big.Rat, error) {
	for _, r := range risk.Services(g) {
		if r.ID != svc {
			continue
		}
		switch field {
		case "coc":
			return r.CoCFractional, nil
		case "coc_exact":
			return r.CoCExact, r.CoCErr
		case "pfc":
			return r.PfC, nil
		case "coc_pfc":
			if r.RatioFractional == nil {
				return nil, fmt.Errorf("service %s declares pfc 0: CoC/PfC is infinite", svc)
			}
			return r.RatioFractional, nil
		case "stake":
			return r.Stake, nil
		case "nakamoto":
			return big.NewRat(int64(r.Nakamoto), 1), nil
		}
		return r.HHI, nil
	}
	return nil, fmt.Errorf("service %s has no stake allocated (or does not exist)", svc)
}

func decodeAttack(b *book, body *yaml.Node, what string) (query, error) {
	f := newFields(b, body, what)
	field := f.str("field", false)
	if field != "" && field != "profit" && field != "secure" {
		f.fail("field %q: profit or secure", field)
	}
	return func(s *Sim) (*big.Rat, error) {
		g, err := simGraph(s)
		if err != nil {
			return nil, err
		}
		v, err := risk.Solve(g, risk.SolveOptions{})
		switch {
		case err != nil:
			return nil, err
		case field == "secure" && v.Secure:
			return big.NewRat(1, 1), nil
		case field == "secure" || v.Secure:
			return new(big.Rat), nil
		}
		return v.Attack.Profit, nil
	}, f.done()
}

func simGraph(s *Sim) (*risk.Graph, error) {
	n, err := restaking.SecurityNetwork(s.state())
	if err != nil {
		return nil, err
	}
	return risk.Compile(n)
}
