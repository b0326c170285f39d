package api

import (
	"net/http"
	"strconv"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/store"
)

// Program is a service reward program (SPEC §7) and its books, amounts in
// base units of its denom: amount = escrowed + unassigned + credited.
type Program struct {
	ID          uint64 `json:"id"`
	Service     string `json:"service"`
	Denom       string `json:"denom"`
	Funder      string `json:"funder"` // the admin who escrowed it
	Amount      string `json:"amount"`
	StartAt     string `json:"start_at,omitempty"`     // absent while it waits for start_height
	EndAt       string `json:"end_at,omitempty"`       // start_at + duration_s
	StartHeight int64  `json:"start_height,omitempty"` // waiting: emission starts from this block's time
	Duration_s  uint64 `json:"duration_s"`
	CreatedAt   string `json:"created_at"`
	Status      string `json:"status"` // active, ended or cancelled
	ClosedAt    string `json:"closed_at,omitempty"`
	Emitted     string `json:"emitted"`
	Escrowed    string `json:"escrowed"`   // not emitted yet
	Credited    string `json:"credited"`   // to operators and stakers
	Unassigned  string `json:"unassigned"` // emitted while no stake was eligible
	Refunded    string `json:"refunded"`   // back with the admin
}

// Programs is GET /v1/programs, newest first.
type Programs struct {
	Height   int64     `json:"height"`
	Programs []Program `json:"programs"`
	Next     string    `json:"next"` // ?before= of the next page; "" on the last
}

// ProgramResponse is GET /v1/programs/{id}.
type ProgramResponse struct {
	Height  int64   `json:"height"`
	Program Program `json:"program"`
}

func programView(p restaking.Program) Program {
	escrowed, err := p.Amount.Sub(p.Emitted)
	if err != nil { // the chain checks the books on every write
		escrowed = num.Int{}
	}
	out := Program{ID: p.ID, Service: p.Service, Denom: p.Denom, Funder: p.Funder.String(), Amount: p.Amount.String(),
		StartHeight: p.StartHeight, Duration_s: p.Duration_s, CreatedAt: unixTime(p.Created_s), Status: p.Status,
		ClosedAt: optTime(p.Closed_s), Emitted: p.Emitted.String(), Escrowed: escrowed.String(),
		Credited: p.Credited.String(), Unassigned: p.Unassigned.String(), Refunded: p.Refunded().String()}
	if p.StartHeight == 0 { // Start_s is only a placeholder until that height
		out.StartAt, out.EndAt = unixTime(p.Start_s), unixTime(p.Start_s+int64(p.Duration_s))
	}
	return out
}

// programs lists reward programs newest first, one service's with ?service=.
func (s *Server) programs(req *http.Request) (any, error) {
	svc := req.URL.Query().Get("service")
	if svc != "" && !restaking.ValidName(svc) {
		return nil, badRequest("bad-name", "service %q must be 1..%d characters of a-z, 0-9, '-' and '_'", svc, restaking.MaxNameLen)
	}
	limit, before, err := idPage(req)
	if err != nil {
		return nil, err
	}
	return s.read(func(r store.Reader, h int64) (any, error) {
		list, err := restaking.Programs(r, svc, before, limit+1)
		if err != nil {
			return nil, err
		}
		views, next := pageViews(list, limit, func(p restaking.Program) string { return strconv.FormatUint(p.ID, 10) }, programView)
		return Programs{Height: h, Programs: views, Next: next}, nil
	})
}

func (s *Server) program(req *http.Request) (any, error) {
	id, err := idParam(req)
	if err != nil {
		return nil, err
	}
	return s.read(func(r store.Reader, h int64) (any, error) {
		p, found, err := restaking.GetProgram(r, id)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, notFound("no reward program #%d", id)
		}
		return ProgramResponse{Height: h, Program: programView(p)}, nil
	})
}
