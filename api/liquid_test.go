package api

import (
	"testing"

	"github.com/restaked/restaked/api/apitest"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/tx"
)

func TestLiquidRoutes(t *testing.T) {
	c := apitest.NewChain(t)
	c.Block(t)
	stake := apitest.Sign(t, apitest.Alice, 0, &tx.MsgLiquidStake{From: alice.String(), Amount: "5000stake"})
	unstake := apitest.Sign(t, apitest.Alice, 1, &tx.MsgLiquidUnstake{From: alice.String(), Amount: "2000ststake"})
	unstake2 := apitest.Sign(t, apitest.Alice, 2, &tx.MsgLiquidUnstake{From: alice.String(), Amount: "500ststake"})
	for i, r := range c.Block(t, stake, unstake, unstake2) {
		if r.Code != 0 {
			t.Fatalf("tx %d failed: %s", i, r.Log)
		}
	}
	h := New(c.App, nil, nil).Handler()
	runCases(t, h, []routeCase{
		{name: "pool", path: "/v1/liquid", status: 200, check: func(t *testing.T, b []byte) {
			p := decode[LiquidPool](t, b)
			if p.Pool != liquid.Pool.String() || p.Supply != "2500" || p.Burned != "2500" || p.Assets != "5000" ||
				p.Owed != "2500" || p.Rate != "1" || p.Claims != 2 {
				t.Errorf("pool %+v", p)
			}
		}},
		{name: "claims", path: "/v1/liquid/claims/" + alice.String(), status: 200, check: func(t *testing.T, b []byte) {
			cs := decode[LiquidClaims](t, b)
			if len(cs.Claims) != 2 || cs.Claims[0].ID != 2 || cs.Claims[1].ID != 1 || cs.Claims[1].Amount != "2000" ||
				cs.Claims[0].Paid || cs.Next != "" {
				t.Errorf("claims %+v", cs)
			}
		}},
		{name: "claims first page", path: "/v1/liquid/claims/" + alice.String() + "?limit=1", status: 200, check: func(t *testing.T, b []byte) {
			if cs := decode[LiquidClaims](t, b); len(cs.Claims) != 1 || cs.Claims[0].ID != 2 || cs.Next != "2" {
				t.Errorf("claims %+v", cs)
			}
		}},
		{name: "claims next page", path: "/v1/liquid/claims/" + alice.String() + "?limit=1&before=2", status: 200, check: func(t *testing.T, b []byte) {
			if cs := decode[LiquidClaims](t, b); len(cs.Claims) != 1 || cs.Claims[0].ID != 1 || cs.Next != "" {
				t.Errorf("claims %+v", cs)
			}
		}},
		{name: "claims limit capped", path: "/v1/liquid/claims/" + alice.String() + "?limit=5000", status: 200, check: func(t *testing.T, b []byte) {
			if cs := decode[LiquidClaims](t, b); len(cs.Claims) != 2 {
				t.Errorf("claims %+v", cs)
			}
		}},
		{name: "claims zero limit", path: "/v1/liquid/claims/" + alice.String() + "?limit=0", status: 400, rule: "bad-limit"},
		{name: "claims bad before", path: "/v1/liquid/claims/" + alice.String() + "?before=x", status: 400, rule: "bad-cursor"},
		{name: "no claims", path: "/v1/liquid/claims/" + bob.String(), status: 200, check: func(t *testing.T, b []byte) {
			if cs := decode[LiquidClaims](t, b); len(cs.Claims) != 0 {
				t.Errorf("claims %+v", cs)
			}
		}},
		{name: "claims bad address", path: "/v1/liquid/claims/nope", status: 400, rule: "bad-address"},
	})
}
