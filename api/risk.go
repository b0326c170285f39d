package api

import (
	"errors"
	"math/big"
	"net/http"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/risk"
	"github.com/restaked/restaked/riskview"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Risk routes (SPEC §8): the live network in the risk engine's file
// format, an account's exposure, and what-if previews. Reports over the
// network are the same functions `restaked risk --network FILE` runs.

// RiskExposure is an account's exposure tree at a height.
type RiskExposure struct {
	Height   int64              `json:"height"`
	Exposure restaking.Exposure `json:"exposure"`
}

func (s *Server) riskNetwork(req *http.Request) (any, error) { return s.liveNetwork(req) }

func (s *Server) riskExposure(req *http.Request) (any, error) {
	a, err := addrParam(req)
	if err != nil {
		return nil, err
	}
	return s.readNow(func(r store.Reader, h, now int64) (any, error) {
		e, err := restaking.AccountExposure(r, a, now)
		return RiskExposure{Height: h, Exposure: e}, err
	})
}

func (s *Server) riskPreviewSlash(req *http.Request) (any, error) {
	q := req.URL.Query()
	svc, f := q.Get("service"), q.Get("fraction")
	if svc == "" || f == "" {
		return nil, badRequest("missing-field", "service, operator and fraction are required")
	}
	op, err := account.Parse(q.Get("operator"))
	if err != nil {
		return nil, badRequest("bad-address", "operator: %v", err)
	}
	acct, err := optAccount(req)
	if err != nil {
		return nil, err
	}
	return s.assessed(func(at riskview.At) (riskview.Preview, error) {
		return riskview.PreviewSlash(at, svc, op, f, acct)
	})
}

func (s *Server) riskStress(req *http.Request) (any, error) {
	q := req.URL.Query()
	val, err := account.Parse(q.Get("validator"))
	if err != nil {
		return nil, badRequest("bad-address", "validator: %v", err)
	}
	f, err := num.ParseDec(q.Get("fraction"))
	if err != nil {
		return nil, badRequest("bad-fraction", "fraction: %v", err)
	}
	acct, err := optAccount(req)
	if err != nil {
		return nil, err
	}
	return s.assessed(func(at riskview.At) (riskview.Preview, error) {
		return riskview.StressValidator(at, val, f, acct)
	})
}

// readSnapshot is read on a snapshot: risk questions read much (every
// vault, the history) and must not hold up blocks.
func (s *Server) readSnapshot(fn func(r store.Reader, height int64) (any, error)) (any, error) {
	return readVia(s.app.ReadSnapshot, fn)
}

// assessed runs a preview on a snapshot of the committed state, then
// assesses security (the exact reports).
func (s *Server) assessed(fn func(at riskview.At) (riskview.Preview, error)) (any, error) {
	v, err := s.readSnapshot(func(r store.Reader, h int64) (any, error) {
		p, err := fn(riskview.At{R: r, Height: h, Time_s: chain.LastBlockTime(r)})
		return p, ruleErr(err)
	})
	if err != nil {
		return nil, err
	}
	p := v.(riskview.Preview)
	return p, p.Assess()
}

// liveNetwork exports the network, now or at ?height= (from the stake
// history), from a snapshot; reports over it run on the exported value.
func (s *Server) liveNetwork(req *http.Request) (*risk.Network, error) {
	at, err := heightQuery(req)
	if err != nil {
		return nil, err
	}
	v, err := s.readSnapshot(func(r store.Reader, h int64) (any, error) {
		if at > h {
			return nil, badRequest("bad-height", "height %d is after the last committed block %d", at, h)
		}
		if at > 0 && at < h {
			return restaking.SecurityNetworkAt(r, at)
		}
		n, err := restaking.SecurityNetwork(r)
		if err == nil {
			n.Height = h
		}
		return n, err
	})
	if err != nil {
		return nil, boundErr(err)
	}
	return v.(*risk.Network), nil
}

func (s *Server) riskServices(req *http.Request) (any, error) {
	n, err := s.liveNetwork(req)
	if err != nil {
		return nil, err
	}
	return riskview.ServicesOf(n)
}

func (s *Server) riskCheck(req *http.Request) (any, error) {
	psi, err := psiQuery(req, false)
	if err != nil {
		return nil, err
	}
	n, err := s.liveNetwork(req)
	if err != nil {
		return nil, err
	}
	return riskview.CheckOf(n, psi)
}

func (s *Server) riskAttack(req *http.Request) (any, error) {
	n, err := s.liveNetwork(req)
	if err != nil {
		return nil, err
	}
	a, err := riskview.AttackOf(n, riskview.APISearchNodes)
	return a, boundErr(err)
}

// boundErr answers a question past the risk engine's bounds (network size,
// the exact search's node bound) as 422 rather than an internal error.
func boundErr(err error) error {
	if errors.Is(err, risk.ErrSearchLimit) || errors.Is(err, risk.ErrTooLarge) {
		return &Error{Status: http.StatusUnprocessableEntity, Rule: "search-limit", Msg: err.Error()}
	}
	return err
}

func (s *Server) riskWorstLoss(req *http.Request) (any, error) {
	psi, err := psiQuery(req, true)
	if err != nil {
		return nil, err
	}
	n, err := s.liveNetwork(req)
	if err != nil {
		return nil, err
	}
	w, err := riskview.WorstLossOf(n, psi, riskview.APISearchNodes) // bounded like attack and cascade
	return w, boundErr(err)
}

func (s *Server) riskCascade(req *http.Request) (any, error) {
	q := req.URL.Query()
	sh, err := riskview.ParseShock(q["slash"], q["byzantine"])
	if err != nil {
		return nil, badRequest("bad-shock", "%v", err)
	}
	n, err := s.liveNetwork(req)
	if err != nil {
		return nil, err
	}
	c, err := riskview.CascadeOf(n, sh, riskview.APISearchNodes)
	if errors.Is(err, risk.ErrNetwork) {
		return nil, badRequest("bad-shock", "%v", err)
	}
	return c, boundErr(err)
}

// psiQuery reads ?psi= (riskview.ParsePsi).
func psiQuery(req *http.Request, required bool) (*big.Rat, error) {
	psi, err := riskview.ParsePsi(req.URL.Query().Get("psi"), required)
	if err != nil {
		return nil, badRequest("bad-psi", "%v", err)
	}
	return psi, nil
}

// optAccount reads ?account=, the account whose positions a preview lists.
func optAccount(req *http.Request) (*account.Address, error) {
	if req.URL.Query().Get("account") == "" {
		return nil, nil
	}
	a, err := addrQuery(req, "account")
	return &a, err
}

// ruleErr answers a broken rule of the question as the client's error.
func ruleErr(err error) error {
	var re *state.RuleError
	if err == nil || !errors.As(err, &re) {
		return err
	}
	if e := lookupErr(err); e != err {
		return e
	}
	return badRequest(re.Rule, "%s", re.Detail)
}
