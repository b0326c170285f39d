package restaking_test

import (
	"testing"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/riskview"
	"github.com/restaked/restaked/tx"
)

// What if a slashes op by 0.2: op's usdc vault and alice's position lose
// 10%, nothing is written.
func TestPreviewSlash(t *testing.T) {
	x := twoServices(t, nil, "", "0.5", "0.3")
	at := riskview.At{R: x.c.Committed(), Height: x.c.Height(), Time_s: x.time - block_s}
	alice := addr("alice")
	p, err := riskview.PreviewSlash(at, "a", addr("op"), "0.2", &alice)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Vaults) != 1 || !p.Vaults[0].Factor.Eq(num.MustDec("0.9")) || len(p.Taken) != 1 {
		t.Fatalf("preview %+v", p)
	}
	eq(t, "vault after", p.Vaults[0].After, 9000)
	eq(t, "alice after", p.Positions[0].After, 9000)
	eq(t, "alice value after", p.Positions[0].ValueAfter, 4500)
	if !p.LSTRate.Before.Eq(p.LSTRate.After) {
		t.Fatalf("lst rate moved: %+v", p.LSTRate)
	}
	eq(t, "committed state unchanged", x.withdrawable("alice", "op", "usdc"), 10000)
	// The rules of a real request hold: above the cap, not a member, unknown service.
	for _, c := range []struct{ svc, op, f string }{{"a", "op", "1.5"}, {"a", "bob", "0.1"}, {"zz", "op", "0.1"}} {
		if _, err := riskview.PreviewSlash(at, c.svc, addr(c.op), c.f, nil); err == nil {
			t.Fatalf("preview %v accepted", c)
		}
	}
}

// What if the only validator is slashed 10%: the pool's ststake rate falls
// by about 10% and the ststake vault's value with it.
func TestStressValidator(t *testing.T) {
	x := newH(t, nil)
	x.ok("alice", &tx.MsgLiquidStake{From: s("alice"), Amount: "100000stake"})
	x.ok("op", registerOperator("op", false, ""))
	x.ok("alice", deposit("alice", "op", "50000ststake"))
	x.advance(block_s)
	at := riskview.At{R: x.c.Committed(), Height: x.c.Height(), Time_s: x.time - block_s}
	p, err := riskview.StressValidator(at, addr(valLabel), num.MustDec("0.1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := num.MustDec("0.89"), num.MustDec("0.91")
	ratio, _ := p.LSTRate.After.QuoDown(p.LSTRate.Before)
	if ratio.LT(lo) || ratio.GT(hi) {
		t.Fatalf("rate %s → %s", p.LSTRate.Before, p.LSTRate.After)
	}
	if len(p.Vaults) != 1 || p.Vaults[0].Asset != "ststake" || !p.Vaults[0].After.Eq(p.Vaults[0].Before) ||
		!p.Vaults[0].ValueAfter.LT(p.Vaults[0].ValueBefore) {
		t.Fatalf("vaults %+v", p.Vaults)
	}
	if _, err := riskview.StressValidator(at, addr("bob"), num.MustDec("0.1"), nil); err == nil {
		t.Fatal("stress of a non-validator accepted")
	}
	if _, err := riskview.StressValidator(at, addr(valLabel), num.MustDec("1.5"), nil); err == nil {
		t.Fatal("fraction above 1 accepted")
	}
	r, _ := restaking.AccountExposure(x.c.Committed(), addr("alice"), x.time)
	if len(r.Positions) != 1 || !r.Positions[0].Liquid {
		t.Fatalf("exposure %+v", r)
	}
}
