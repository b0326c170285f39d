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
	PaidAt        string `json:"paid_at,omitempty"` // RFC 3339, once paid
}

// LiquidClaims is GET /v1/liquid/claims/{addr}?before=ID&limit=N: one page
// of an address's claims, newest first, paged like every list.
type LiquidClaims struct {
	Height int64         `json:"height"`
	Owner  string        `json:"owner"`
	Claims []LiquidClaim `json:"claims"`
	Next   string        `json:"next"` // ?before= of the next (older) page; "" on the last
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
	limit, before, err := idPage(req)
	if err != nil {
		return nil, err
	}
	return s.read(func(r store.Reader, h int64) (any, error) {
		cs, next, err := liquid.ClaimsOf(r, a, before, limit)
		if err != nil {
			return nil, err
		}
		out := LiquidClaims{Height: h, Owner: a.String(), Claims: make([]LiquidClaim, len(cs))}
		if next != 0 {
			out.Next = strconv.FormatUint(next, 10)
		}
		for i, c := range cs {
			out.Claims[i] = LiquidClaim{ID: c.ID, Burned: c.Burned.String(), Amount: c.Amount.String(),
				RateAtRequest: c.RateAtRequest.String(), CreatedAt: unixTime(c.Created_s),
				CompletesAt: unixTime(c.Completion_s), Paid: c.Paid, PaidAmount: c.PaidAmount.String()}
			if c.Paid {
				out.Claims[i].PaidAt = unixTime(c.Paid_s)
			}
		}
		return out, nil
	})
}
