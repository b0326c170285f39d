package api

import (
	"net/http"
	"strconv"

	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/store"
)

// LiquidPool is GET /v1/liquid: the liquid-staking pool (SPEC §5). Amounts
// are integers in the native denom, the rate a decimal (stake per ststake).
type LiquidPool struct {
	Height     int64  `json:"height"`
	Pool       string `json:"pool"`
	FeeAccount string `json:"fee_account"`
	Denom      string `json:"denom"`
	Rate       string `json:"rate"`
	Supply     string `json:"supply"`
	Burned     string `json:"burned"`
	Assets     string `json:"assets"`
	Delegated  string `json:"delegated"`
	Unbonding  string `json:"unbonding"`
	Idle       string `json:"idle"`
	Pending    string `json:"pending"`
	Owed       string `json:"owed"`
	FeesPaid   string `json:"fees_paid"`
	Claims     uint64 `json:"claims"`
}

// LiquidClaim is one unstake claim.
type LiquidClaim struct {
	ID            uint64 `json:"id"`
	Burned        string `json:"burned"`
	Amount        string `json:"amount"`
	RateAtRequest string `json:"rate_at_request"`
	CreatedAt     string `json:"created_at"`   // RFC 3339
	CompletesAt   string `json:"completes_at"` // RFC 3339
	Paid          bool   `json:"paid"`
	PaidAmount    string `json:"paid_amount"`
}

// LiquidClaims is GET /v1/liquid/claims/{addr}?before=ID&limit=N: one page
// of an address's claims, newest first. Next, when set, is the before of
// the following (older) page.
type LiquidClaims struct {
	Height int64         `json:"height"`
	Owner  string        `json:"owner"`
	Claims []LiquidClaim `json:"claims"`
	Next   uint64        `json:"next,omitempty"`
}

func (s *Server) liquidPool(*http.Request) (any, error) {
	return s.read(func(r store.Reader, h int64) (any, error) {
		in, err := liquid.GetInfo(r)
		if err != nil {
			return nil, err
		}
		b := in.Books
		return LiquidPool{Height: h, Pool: in.Pool.String(), FeeAccount: in.FeeAccount.String(), Denom: in.Denom,
			Rate: in.Rate.String(), Supply: b.Supply.String(), Burned: b.Burned.String(), Assets: in.Assets.String(), Delegated: b.Delegated.String(),
			Unbonding: b.Unbonding.String(), Idle: b.Idle.String(), Pending: b.Pending.String(), Owed: b.Owed.String(),
			FeesPaid: in.FeesPaid.String(), Claims: in.Claims}, nil
	})
}

func (s *Server) liquidClaims(req *http.Request) (any, error) {
	a, err := addrParam(req)
	if err != nil {
		return nil, err
	}
	before, limit, err := claimsPage(req)
	if err != nil {
		return nil, err
	}
	return s.read(func(r store.Reader, h int64) (any, error) {
		cs, next, err := liquid.ClaimsOf(r, a, before, limit)
		if err != nil {
			return nil, err
		}
		out := LiquidClaims{Height: h, Owner: a.String(), Claims: make([]LiquidClaim, len(cs)), Next: next}
		for i, c := range cs {
			out.Claims[i] = LiquidClaim{ID: c.ID, Burned: c.Burned.String(), Amount: c.Amount.String(),
				RateAtRequest: c.RateAtRequest.String(), CreatedAt: unixTime(c.Created_s),
				CompletesAt: unixTime(c.Completion_s), Paid: c.Paid, PaidAmount: c.PaidAmount.String()}
		}
		return out, nil
	})
}

// claimsPage reads ?before=ID (claims with a smaller id; none: from the
// newest) and ?limit=N (1..liquid.MaxClaimsListed, default
// liquid.DefaultClaimsListed).
func claimsPage(req *http.Request) (before uint64, limit int, err error) {
	q := req.URL.Query()
	limit = liquid.DefaultClaimsListed
	if v := q.Get("before"); v != "" {
		if before, err = strconv.ParseUint(v, 10, 64); err != nil || before == 0 {
			return 0, 0, badRequest("bad-request", "before must be a claim id (a positive integer), got %q", v)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > liquid.MaxClaimsListed {
			return 0, 0, badRequest("bad-request", "limit must be 1..%d, got %q", liquid.MaxClaimsListed, v)
		}
		limit = n
	}
	return before, limit, nil
}
