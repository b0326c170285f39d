package api

import (
	"net/http"
	"strconv"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/store"
)

// readNow is read with the last committed block's time, the "now" at which
// restaking queries apply delayed changes that were due.
func (s *Server) readNow(fn func(r store.Reader, height, now_s int64) (any, error)) (any, error) {
	return s.read(func(r store.Reader, h int64) (any, error) {
		return fn(r, h, chain.LastBlockTime(r))
	})
}

func (s *Server) operators(req *http.Request) (any, error) {
	limit, err := limitParam(req)
	if err != nil {
		return nil, err
	}
	after, err := addrQuery(req, "after")
	if err != nil {
		return nil, err
	}
	return s.readNow(func(r store.Reader, h, now int64) (any, error) {
		list, err := restaking.Operators(r, after, limit+1, now)
		if err != nil {
			return nil, err
		}
		views, next := pageViews(list, limit, func(o restaking.Operator) string { return o.Address.String() }, operatorView)
		return Operators{Height: h, Operators: views, Next: next}, nil
	})
}

func (s *Server) operator(req *http.Request) (any, error) {
	op, err := addrParam(req)
	if err != nil {
		return nil, err
	}
	return s.readNow(func(r store.Reader, h, now int64) (any, error) {
		o, err := restaking.GetOperator(r, op, now)
		if err != nil {
			return nil, lookupErr(err)
		}
		out := OperatorResponse{Height: h, Operator: operatorView(o)}
		if out.Stake, err = operatorStake(r, op); err != nil {
			return nil, err
		}
		allocs, err := restaking.Allocations(r, op)
		if err != nil {
			return nil, err
		}
		out.Allocations = make([]Allocation, len(allocs))
		for i, a := range allocs {
			c, err := restaking.OperatorCommission(r, op, a.Service, now)
			if err != nil {
				return nil, err
			}
			out.Allocations[i] = allocationView(a, c)
		}
		return out, nil
	})
}

// operatorStake is op's delegated stake in each asset that has any
// (O(assets): at most restaking.MaxAssets vault reads).
func operatorStake(r store.Reader, op account.Address) ([]AssetStake, error) {
	assets, err := restaking.Assets(r)
	if err != nil {
		return nil, err
	}
	out := []AssetStake{}
	for _, a := range assets {
		amt, err := restaking.OperatorStake(r, op, a.Denom)
		if err != nil || amt.IsZero() {
			if err != nil {
				return nil, err
			}
			continue
		}
		val, err := assetValue(r, a, amt)
		if err != nil {
			return nil, err
		}
		out = append(out, AssetStake{Asset: a.Denom, Amount: amt.String(), Value: val.String()})
	}
	return out, nil
}

// assetValue is amount of a in native units now (rounding: down, as the
// chain values stake).
func assetValue(r store.Reader, a restaking.Asset, amount num.Int) (num.Int, error) {
	v, err := restaking.AssetValue(r, a)
	if err != nil {
		return num.Int{}, err
	}
	return v.MulIntDown(amount)
}

func (s *Server) services(req *http.Request) (any, error) {
	limit, err := limitParam(req)
	if err != nil {
		return nil, err
	}
	after := req.URL.Query().Get("after")
	if after != "" && !restaking.ValidName(after) {
		return nil, badRequest("bad-cursor", "after %q is not a service name", after)
	}
	return s.readNow(func(r store.Reader, h, now int64) (any, error) {
		list, err := restaking.Services(r, after, limit+1, now)
		if err != nil {
			return nil, err
		}
		views, next := pageViews(list, limit, func(x restaking.Service) string { return x.Name }, serviceView)
		return Services{Height: h, Services: views, Next: next}, nil
	})
}

func (s *Server) service(req *http.Request) (any, error) {
	name, err := nameParam(req)
	if err != nil {
		return nil, err
	}
	return s.readNow(func(r store.Reader, h, now int64) (any, error) {
		x, err := restaking.GetService(r, name, now)
		if err != nil {
			return nil, lookupErr(err)
		}
		return ServiceResponse{Height: h, Service: serviceView(x)}, nil
	})
}

// serviceStake reads the stake history at ?height= (default: the last
// committed height). Later heights have no history yet, so they are refused
// rather than answered with a guess.
func (s *Server) serviceStake(req *http.Request) (any, error) {
	name, err := nameParam(req)
	if err != nil {
		return nil, err
	}
	at, err := heightQuery(req)
	if err != nil {
		return nil, err
	}
	return s.read(func(r store.Reader, h int64) (any, error) {
		if at == 0 {
			at = h
		}
		if at > h {
			return nil, badRequest("bad-height", "height %d is above the last committed height %d", at, h)
		}
		st, err := restaking.ServiceStakeAt(r, name, at)
		if err != nil {
			return nil, lookupErr(err)
		}
		return serviceStakeView(h, st), nil
	})
}

// heightQuery reads ?height= (0 when absent).
func heightQuery(req *http.Request) (int64, error) {
	v := req.URL.Query().Get("height")
	if v == "" {
		return 0, nil
	}
	h, err := strconv.ParseInt(v, 10, 64)
	if err != nil || h < 1 {
		return 0, badRequest("bad-height", "height %q must be a positive integer", v)
	}
	return h, nil
}

// positions lists a staker's positions (at most restaking.MaxPositionsPerStaker: all of them).
func (s *Server) positions(req *http.Request) (any, error) {
	staker, err := addrParam(req)
	if err != nil {
		return nil, err
	}
	return s.read(func(r store.Reader, h int64) (any, error) {
		list, err := restaking.Positions(r, staker)
		if err != nil {
			return nil, err
		}
		out := Positions{Height: h, Staker: staker.String(), Positions: make([]Position, len(list))}
		for i, p := range list {
			out.Positions[i] = positionView(p)
		}
		return out, nil
	})
}

func (s *Server) withdrawals(req *http.Request) (any, error) {
	staker, err := addrParam(req)
	if err != nil {
		return nil, err
	}
	limit, before, err := idPage(req)
	if err != nil {
		return nil, err
	}
	return s.readNow(func(r store.Reader, h, now int64) (any, error) {
		list, err := restaking.WithdrawalsOf(r, staker, before, limit+1, now)
		if err != nil {
			return nil, err
		}
		views, next := pageViews(list, limit, func(w restaking.WithdrawalView) string { return strconv.FormatUint(w.ID, 10) }, withdrawalView)
		return Withdrawals{Height: h, Staker: staker.String(), Withdrawals: views, Next: next}, nil
	})
}

func (s *Server) withdrawal(req *http.Request) (any, error) {
	id, err := idParam(req)
	if err != nil {
		return nil, err
	}
	return s.readNow(func(r store.Reader, h, now int64) (any, error) {
		w, found, err := restaking.GetWithdrawal(r, id, now)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, notFound("no withdrawal #%d", id)
		}
		return WithdrawalResponse{Height: h, Withdrawal: withdrawalView(w)}, nil
	})
}

func (s *Server) slashes(req *http.Request) (any, error) {
	op, err := addrQuery(req, "operator")
	if err != nil {
		return nil, err
	}
	limit, before, err := idPage(req)
	if err != nil {
		return nil, err
	}
	return s.read(func(r store.Reader, h int64) (any, error) {
		list, err := restaking.Slashes(r, op, before, limit+1)
		if err != nil {
			return nil, err
		}
		views, next := pageViews(list, limit, func(x restaking.Slash) string { return strconv.FormatUint(x.ID, 10) }, slashView)
		return Slashes{Height: h, Slashes: views, Next: next}, nil
	})
}

func (s *Server) slash(req *http.Request) (any, error) {
	id, err := idParam(req)
	if err != nil {
		return nil, err
	}
	return s.read(func(r store.Reader, h int64) (any, error) {
		x, found, err := restaking.GetSlash(r, id)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, notFound("no slash #%d", id)
		}
		return SlashResponse{Height: h, Slash: slashView(x)}, nil
	})
}

// assets lists the restakable assets (at most restaking.MaxAssets) with
// the value of one base unit in native units now.
func (s *Server) assets(*http.Request) (any, error) {
	return s.read(func(r store.Reader, h int64) (any, error) {
		list, err := restaking.Assets(r)
		if err != nil {
			return nil, err
		}
		out := Assets{Height: h, Assets: make([]Asset, len(list))}
		for i, a := range list {
			v, err := restaking.AssetValue(r, a)
			if err != nil {
				return nil, err
			}
			out.Assets[i] = Asset{Denom: a.Denom, Kind: a.Kind, Value: v.String()}
			if a.Kind == restaking.KindPriced {
				out.Assets[i].Price = a.Price.String()
			}
		}
		return out, nil
	})
}
