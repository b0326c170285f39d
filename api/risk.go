package api

import (
	"errors"
	"net/http"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/restaking"
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

func (s *Server) riskNetwork(_ *http.Request) (any, error) {
	return s.read(func(r store.Reader, h int64) (any, error) {
		n, err := restaking.SecurityNetwork(r)
		if err != nil {
			return nil, err
		}
		n.Height = h
		return n, nil
	})
}

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
	return s.readAt(func(at riskview.At) (any, error) {
		p, err := riskview.PreviewSlash(at, svc, op, f, acct)
		return p, ruleErr(err)
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
	return s.readAt(func(at riskview.At) (any, error) {
		p, err := riskview.StressValidator(at, val, f, acct)
		return p, ruleErr(err)
	})
}

// readAt reads the committed state as a riskview question.
func (s *Server) readAt(fn func(at riskview.At) (any, error)) (any, error) {
	return s.readNow(func(r store.Reader, h, now int64) (any, error) {
		return fn(riskview.At{R: r, Height: h, Time_s: now})
	})
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
