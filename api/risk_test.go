package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/restaked/restaked/api/apitest"
	"github.com/restaked/restaked/risk"
	"github.com/restaked/restaked/riskview"
)

// TestRiskRoutes reads the risk routes of the apitest.Restaking chain: Val
// holds 3200 stake and 9000 ststake (rate 1); oracle can slash all of the
// stake and half the ststake (7700), bridge half the ststake (4500).
func TestRiskRoutes(t *testing.T) {
	c := apitest.NewRestaking(t)
	h := New(c.App, nil, nil).Handler()
	runCases(t, h, []routeCase{
		{name: "network", path: "/v1/risk/network", status: 200, check: func(t *testing.T, b []byte) {
			var n risk.Network
			if err := json.Unmarshal(b, &n); err != nil {
				t.Fatal(err)
			}
			if n.Height != 6 || len(n.Operators) != 1 || n.Operators[0].ID != val.String() || n.Operators[0].Stake.Cmp(big.NewRat(12200, 1)) != 0 {
				t.Fatalf("network %s", b)
			}
			want := map[string]int64{apitest.Oracle: 7700, apitest.Bridge: 4500}
			if len(n.Allocations) != 2 {
				t.Fatalf("allocations %s", b)
			}
			for _, a := range n.Allocations {
				if a.Amount.Cmp(big.NewRat(want[a.Service], 1)) != 0 {
					t.Errorf("allocation %s %s, want %d", a.Service, a.Amount.RatString(), want[a.Service])
				}
			}
		}},
		// At the allocation block Val's stake was still 4000 + 10000 (no
		// slash, no withdrawal yet): oracle 4000 + 5000, bridge 5000.
		{name: "network at a height", path: fmt.Sprintf("/v1/risk/network?height=%d", c.AllocHeight), status: 200, check: func(t *testing.T, b []byte) {
			n, err := risk.ParseNetwork(b)
			if err != nil || n.Height != c.AllocHeight || n.Operators[0].Stake.Cmp(big.NewRat(14000, 1)) != 0 || len(n.Allocations) != 2 ||
				n.Allocations[1].Amount.Cmp(big.NewRat(9000, 1)) != 0 {
				t.Fatalf("network at %d: %s (%v)", c.AllocHeight, b, err)
			}
		}},
		// Then Val alone corrupts oracle (9000 of stake for 5000) or both
		// (14000 for 7000): never profitable.
		{name: "attack at a height", path: fmt.Sprintf("/v1/risk/attack?height=%d", c.AllocHeight), status: 200, check: func(t *testing.T, b []byte) {
			if a := decode[riskview.AttackReport](t, b); !a.Secure || a.Height != c.AllocHeight || a.Profit != "0" {
				t.Fatalf("attack at %d: %s", c.AllocHeight, b)
			}
		}},
		{name: "network in the future", path: "/v1/risk/network?height=99", status: 400, rule: "bad-height"},
		{name: "network bad height", path: "/v1/risk/network?height=-1", status: 400, rule: "bad-height"},
		{name: "exposure", path: "/v1/risk/exposure/" + alice.String(), status: 200, check: func(t *testing.T, b []byte) {
			e := decode[RiskExposure](t, b).Exposure
			if len(e.Positions) != 2 || e.Value.String() != "13200" || e.WorstCase.String() != "13200" || e.Degree.String() != "1" {
				t.Fatalf("exposure %s", b)
			}
			if len(e.Withdrawals) != 1 || e.Withdrawals[0].ID != 1 || e.Withdrawals[0].Exposure.Amount.String() != "1000" {
				t.Fatalf("withdrawals %+v", e.Withdrawals)
			}
			if len(e.Services) != 2 || e.Services[0].Service != apitest.Bridge || e.Services[0].MaxLoss.String() != "5000" {
				t.Errorf("services %+v", e.Services)
			}
		}},
		{name: "exposure bad address", path: "/v1/risk/exposure/alice", status: 400, rule: "bad-address"},
		{name: "preview slash", path: "/v1/risk/preview-slash?service=oracle&fraction=0.5&operator=" + val.String() + "&account=" + alice.String(),
			status: 200, check: func(t *testing.T, b []byte) {
				p := decode[riskview.Preview](t, b)
				if len(p.Taken) != 2 || len(p.Vaults) != 2 || len(p.Positions) != 2 || p.Vaults[0].Asset != "stake" || p.Vaults[0].Factor.String() != "0.5" {
					t.Fatalf("preview %s", b)
				}
				if p.Security == nil || len(p.Security.Before.Services) != 2 || len(p.Security.After.Services) != 2 ||
					p.Security.After.Services[1].Stake.Cmp(p.Security.Before.Services[1].Stake) >= 0 {
					t.Fatalf("preview security %s", b)
				}
			}},
		{name: "preview above the cap", path: "/v1/risk/preview-slash?service=bridge&fraction=0.9&operator=" + val.String(), status: 400, rule: "slash-above-cap"},
		{name: "preview unknown service", path: "/v1/risk/preview-slash?service=nope&fraction=0.1&operator=" + val.String(), status: 404},
		{name: "preview not a member", path: "/v1/risk/preview-slash?service=oracle&fraction=0.1&operator=" + alice.String(), status: 400, rule: "not-slashable"},
		{name: "preview missing", path: "/v1/risk/preview-slash?service=oracle", status: 400, rule: "missing-field"},
		{name: "stress", path: "/v1/risk/stress?fraction=0.1&validator=" + val.String(), status: 200, check: func(t *testing.T, b []byte) {
			p := decode[riskview.Preview](t, b)
			if !p.LSTRate.After.LT(p.LSTRate.Before) || len(p.Vaults) != 2 {
				t.Fatalf("stress %s", b)
			}
		}},
		{name: "services", path: "/v1/risk/services", status: 200, check: func(t *testing.T, b []byte) {
			r := decode[riskview.ServicesReport](t, b)
			if r.Height != 6 || len(r.Services) != 2 || r.Services[0].ID != apitest.Bridge || r.Services[1].Nakamoto != 1 {
				t.Fatalf("services %s", b)
			}
		}},
		// One operator holding everything: oracle's α·W/π = 0.5·7700/5000 = 0.77,
		// so γ* ≤ −0.23; Val alone corrupts both (7000 of profit for at
		// most 12200 of stake: min(12200, 7700+4500) = 12200 > 7000): secure.
		{name: "check", path: "/v1/risk/check?psi=0.1", status: 200, check: func(t *testing.T, b []byte) {
			c := decode[riskview.Check](t, b)
			if c.Certified || c.GammaStar == nil || c.Binding == nil || c.LossBound != nil || c.Psi != "0.1" {
				t.Fatalf("check %s", b)
			}
		}},
		{name: "check bad psi", path: "/v1/risk/check?psi=2", status: 400, rule: "bad-psi"},
		{name: "attack", path: "/v1/risk/attack", status: 200, check: func(t *testing.T, b []byte) {
			a := decode[riskview.AttackReport](t, b)
			if !a.Secure || a.Height != 6 || a.Profit != "0" || len(a.Operators) != 0 || a.Proof == "" {
				t.Fatalf("attack %s", b)
			}
		}},
		{name: "worst loss", path: "/v1/risk/worst-loss?psi=0.1", status: 200, check: func(t *testing.T, b []byte) {
			var r struct {
				Psi, Loss string
				Exact     bool
			}
			if err := json.Unmarshal(b, &r); err != nil || r.Psi != "0.1" || !r.Exact {
				t.Fatalf("worst loss %s", b)
			}
		}},
		{name: "worst loss needs psi", path: "/v1/risk/worst-loss", status: 400, rule: "bad-psi"},
		// Val loses 30%: 8540 left, oracle keeps min(7700, 8540), bridge 4500;
		// Val alone still corrupts both, but 7000 < 8540: no attack.
		{name: "cascade", path: "/v1/risk/cascade?slash=" + val.String() + "=0.3", status: 200, check: func(t *testing.T, b []byte) {
			c := decode[riskview.CascadeView](t, b)
			if c.InitialStake != "12200" || c.ShockLoss != "3660" || len(c.Rounds) != 0 || c.Stopped != "secure" || len(c.Standing) != 2 {
				t.Fatalf("cascade %s", b)
			}
		}},
		{name: "cascade byzantine", path: "/v1/risk/cascade?byzantine=oracle", status: 200, check: func(t *testing.T, b []byte) {
			if c := decode[riskview.CascadeView](t, b); c.ShockLoss != "7700" {
				t.Fatalf("cascade %s", b)
			}
		}},
		{name: "cascade without shock", path: "/v1/risk/cascade", status: 400, rule: "bad-shock"},
		{name: "cascade bad slash", path: "/v1/risk/cascade?slash=x", status: 400, rule: "bad-shock"},
		{name: "cascade unknown operator", path: "/v1/risk/cascade?slash=nobody=0.1", status: 400, rule: "bad-shock"},
		{name: "stress bad fraction", path: "/v1/risk/stress?fraction=x&validator=" + val.String(), status: 400, rule: "bad-fraction"},
		{name: "stress not a validator", path: "/v1/risk/stress?fraction=0.1&validator=" + alice.String(), status: 400},
	})
}

// Past the risk engine's bounds the API answers 422, never a guess or an
// internal error; other errors pass through.
func TestRiskBoundErr(t *testing.T) {
	for _, err := range []error{fmt.Errorf("x: %w", risk.ErrSearchLimit), fmt.Errorf("y: %w", risk.ErrTooLarge)} {
		var e *Error
		if !errors.As(boundErr(err), &e) || e.Status != 422 || e.Rule != "search-limit" {
			t.Errorf("boundErr(%v) = %v", err, boundErr(err))
		}
	}
	if other := errors.New("disk"); boundErr(other) != other || boundErr(nil) != nil {
		t.Error("boundErr changed an unrelated error")
	}
}
