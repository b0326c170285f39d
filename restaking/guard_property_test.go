package restaking_test

import (
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/risk"
	"github.com/restaked/restaked/tx"
)

// With the guard rails on and nothing but deposits made before any
// allocation, every sequence of allocation increases the chain accepts —
// at once or after allocation delays, several pending together — leaves
// the network's certified slack γ* at or above min_security_slack: an
// increase lowers only its operator's term (checked with the operator's
// pending increases) and adds its service's term when it is new (checked);
// every other term rises. The chain's incremental check and the risk
// engine's full γ* must agree. (Decreases, slashes and withdrawals are
// never refused by the guard rails, by design: they are not part of this
// property.)
func TestGuardRailKeepsSlack(t *testing.T) {
	var accepted, refused int
	defer func() {
		t.Logf("allocations accepted %d, refused by the guard rail %d", accepted, refused)
		if accepted == 0 || refused == 0 {
			t.Errorf("the property was never exercised both ways (accepted %d, refused %d)", accepted, refused)
		}
	}()
	rapid.Check(t, func(rt *rapid.T) {
		slack := rapid.SampledFrom([]string{"0", "0.1", "0.5"}).Draw(rt, "slack")
		x := newH(t, func(p *params.Params) {
			p.MinSecuritySlack, p.MaxRestakingDegree = num.MustDec(slack), 3
		})
		ops := []string{"op", "bob", "carol"}
		svcs := []struct{ admin, name string }{{"svc", "a"}, {"svc2", "b"}}
		for _, sv := range svcs {
			pfc := rapid.IntRange(1, 5000).Draw(rt, "pfc")
			th := rapid.SampledFrom([]string{"0.34", "0.5", "0.67", "1"}).Draw(rt, "threshold")
			x.ok(sv.admin, &tx.MsgRegisterService{Admin: s(sv.admin), Name: sv.name, Slasher: s(sv.admin), Assets: []string{"usdc"},
				Pfc: fmt.Sprint(pfc), Threshold: th})
		}
		for _, op := range ops {
			delay := rapid.SampledFrom([]string{"0s", "12s", "1m"}).Draw(rt, "allocation delay")
			x.ok(op, &tx.MsgRegisterOperator{Operator: s(op), Degree: "3", AllocationDelay: delay})
			x.ok(op, optIn(op, "a"), optIn(op, "b"))
			amount := rapid.IntRange(1, 20000).Draw(rt, "deposit")
			x.ok("alice", deposit("alice", op, fmt.Sprintf("%dusdc", amount)))
		}
		x.advance(block_s)
		for step := range rapid.IntRange(1, 12).Draw(rt, "steps") {
			op := rapid.SampledFrom(ops).Draw(rt, "op")
			svc := rapid.SampledFrom([]string{"a", "b"}).Draw(rt, "svc")
			mag := rapid.SampledFrom([]string{"0.1", "0.25", "0.5", "0.75", "1"}).Draw(rt, "mag")
			if r := x.deliver(op, allocate(op, svc, "usdc", mag)); r.Code != 0 && strings.Contains(r.Log, "min-security-slack") {
				refused++
			} else if r.Code == 0 {
				accepted++
			}
			x.advance(rapid.SampledFrom([]int64{block_s, 30, 70}).Draw(rt, "dt"))
			checkSlack(rt, x, slack, step)
		}
	})
}

func checkSlack(rt *rapid.T, x *h, slack string, step int) {
	if slack == "0" {
		return // off: nothing to hold
	}
	n, err := restaking.SecurityNetworkExact(x.c.Committed())
	if err != nil {
		rt.Fatal(err)
	}
	g, err := risk.Compile(n)
	if err != nil {
		rt.Fatal(err)
	}
	r := risk.Slack(g)
	if r.GammaStar != nil && r.GammaStar.Cmp(num.MustDec(slack).Rat()) < 0 {
		rt.Fatalf("step %d: γ* = %s below min_security_slack %s (binding %+v)", step, r.GammaStar.FloatString(6), slack, r.Binding)
	}
}
