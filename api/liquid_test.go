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
	for i, r := range c.Block(t, stake, unstake) {
		if r.Code != 0 {
			t.Fatalf("tx %d failed: %s", i, r.Log)
		}
	}
	h := New(c.App, nil, nil).Handler()
	runCases(t, h, []routeCase{
		{name: "pool", path: "/v1/liquid", status: 200, check: func(t *testing.T, b []byte) {
			p := decode[LiquidPool](t, b)
			if p.Pool != liquid.Pool.String() || p.Supply != "3000" || p.Owed != "2000" || p.Rate != "1" || p.Claims != 1 {
				t.Errorf("pool %+v", p)
			}
		}},
		{name: "claims", path: "/v1/liquid/claims/" + alice.String(), status: 200, check: func(t *testing.T, b []byte) {
			cs := decode[LiquidClaims](t, b)
			if len(cs.Claims) != 1 || cs.Claims[0].ID != 1 || cs.Claims[0].Amount != "2000" || cs.Claims[0].Paid {
				t.Errorf("claims %+v", cs)
			}
		}},
		{name: "no claims", path: "/v1/liquid/claims/" + bob.String(), status: 200, check: func(t *testing.T, b []byte) {
			if cs := decode[LiquidClaims](t, b); len(cs.Claims) != 0 {
				t.Errorf("claims %+v", cs)
			}
		}},
		{name: "claims bad address", path: "/v1/liquid/claims/nope", status: 400, rule: "bad-address"},
	})
}
