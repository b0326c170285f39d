package restaking_test

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/tx"
)

// The exported network of twoServices(0.5, 0.3): alice's 10,000 usdc at
// price 0.5 is σ = 5,000; w_a = 2,500, w_b = 1,500.
func TestSecurityNetworkByHand(t *testing.T) {
	x := twoServices(t, nil, "", "0.5", "0.3")
	n, err := restaking.SecurityNetwork(x.c.Committed())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(n)
	want := `{"operators":[{"id":"` + s("op") + `","stake":"5000"}],` +
		`"services":[{"id":"a","pfc":"1000","threshold":"0.5"},{"id":"b","pfc":"1000","threshold":"0.5"}],` +
		`"allocations":[{"operator":"` + s("op") + `","service":"a","amount":"2500"},{"operator":"` + s("op") + `","service":"b","amount":"1500"}]}`
	if string(b) != want {
		t.Fatalf("network\n got %s\nwant %s", b, want)
	}
	before := x.c.Height()
	// After a 0.2 slash by a (1,000 usdc = 500 native): σ = 4,500, w_a = 2,000, w_b = 1,500.
	x.ok("svc", slash("svc", "a", "op", "0.2"))
	x.advance(block_s)
	// The history gives both networks back, whatever happened since.
	for h, w := range map[int64]string{before: want, x.c.Height(): ""} {
		at, err := restaking.SecurityNetworkAt(x.c.Committed(), h)
		if err != nil {
			t.Fatal(err)
		}
		now, err := restaking.SecurityNetwork(x.c.Committed())
		if err != nil {
			t.Fatal(err)
		}
		now.Height = h
		b, _ := json.Marshal(at)
		if w == "" {
			nb, _ := json.Marshal(now)
			w = string(nb)
		} else {
			w = strings.Replace(w, "{", `{"height":`+strconv.FormatInt(h, 10)+",", 1)
		}
		if string(b) != w {
			t.Fatalf("network at %d\n got %s\nwant %s", h, b, w)
		}
	}
	n, err = restaking.SecurityNetwork(x.c.Committed())
	if err != nil {
		t.Fatal(err)
	}
	if n.Operators[0].Stake.Cmp(big.NewRat(4500, 1)) != 0 || n.Allocations[0].Amount.Cmp(big.NewRat(2000, 1)) != 0 ||
		n.Allocations[1].Amount.Cmp(big.NewRat(1500, 1)) != 0 {
		t.Fatalf("after slash: %+v %+v", n.Operators, n.Allocations)
	}
}

// A past height's network carries the terms services declared then, and
// leaves out services registered later.
func TestSecurityNetworkAtUsesPastTerms(t *testing.T) {
	x := twoServices(t, nil, "", "0.5", "0.3")
	before := x.c.Height()
	x.ok("svc", &tx.MsgUpdateService{Admin: s("svc"), Name: "a", Pfc: "3000", Threshold: "0.6"})
	x.ok("svc", registerService("svc", "c", "usdc"))
	x.advance(block_s)
	after := x.c.Height()
	x.ok("svc", &tx.MsgUpdateService{Admin: s("svc"), Name: "a", Metadata: "terms unchanged"})
	x.advance(block_s)
	terms := func(h int64) string {
		n, err := restaking.SecurityNetworkAt(x.c.Committed(), h)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, sv := range n.Services {
			out = append(out, sv.ID+":"+sv.PfC.RatString()+"@"+sv.Threshold.RatString())
		}
		return strings.Join(out, " ")
	}
	if got := terms(before); got != "a:1000@1/2 b:1000@1/2" {
		t.Fatalf("at %d: %s", before, got)
	}
	for _, h := range []int64{after, x.c.Height()} {
		if got := terms(h); got != "a:3000@3/5 b:1000@1/2 c:1000@1/2" {
			t.Fatalf("at %d: %s", h, got)
		}
	}
	if got := terms(0); got != "" {
		t.Fatalf("before any registration: %q", got)
	}
}

// alice's tree for twoServices(0.5, 0.3): a can take 5,000 usdc (2,500
// native), b 3,000 (1,500); worst case 8,000 usdc; degree 0.8.
func TestExposureByHand(t *testing.T) {
	x := twoServices(t, nil, "", "0.5", "0.3")
	e, err := restaking.AccountExposure(x.c.Committed(), addr("alice"), x.time)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Positions) != 1 || len(e.Positions[0].Services) != 2 || len(e.Services) != 2 {
		t.Fatalf("exposure %+v", e)
	}
	p := e.Positions[0]
	eq(t, "amount", p.Amount, 10000)
	eq(t, "value", p.Value, 5000)
	eq(t, "a max loss", p.Services[0].MaxLoss, 5000)
	eq(t, "a max loss value", p.Services[0].MaxLossValue, 2500)
	eq(t, "b max loss", p.Services[1].MaxLoss, 3000)
	eq(t, "worst case", p.WorstCase, 8000)
	eq(t, "account worst case", e.WorstCase, 4000)
	eq(t, "service b total", e.Services[1].MaxLoss, 1500)
	if !p.Degree.Eq(num.MustDec("0.8")) || !e.Degree.Eq(num.MustDec("0.8")) || !p.Services[0].Fraction.Eq(num.MustDec("0.5")) {
		t.Fatalf("degrees %s %s fraction %s", p.Degree, e.Degree, p.Services[0].Fraction)
	}
	if len(e.Holdings) != 2 || e.Holdings[1].Denom != "usdc" {
		t.Fatalf("holdings %+v", e.Holdings)
	}
	eq(t, "usdc held", e.Holdings[1].Amount, 990000)
	// Elastic (L = 2, both at 1): each can take everything; the worst case is the position.
	y := twoServices(t, func(p *params.Params) { p.MaxRestakingDegree = 2 }, "2", "1", "1")
	e, err = restaking.AccountExposure(y.c.Committed(), addr("alice"), y.time)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "elastic worst case", e.Positions[0].WorstCase, 10000)
	if !e.Degree.Eq(num.MustDec("2")) {
		t.Fatalf("elastic degree %s", e.Degree)
	}
	// A queued withdrawal stays slashable until it is due: it stays in the tree.
	x.ok("alice", queue("alice", "op", "10000usdc"))
	x.advance(block_s)
	e, err = restaking.AccountExposure(x.c.Committed(), addr("alice"), x.time)
	if err != nil || len(e.Positions) != 0 || len(e.Withdrawals) != 1 || e.Truncated {
		t.Fatalf("queued %+v %v", e, err)
	}
	eq(t, "queued worst case", e.Withdrawals[0].Exposure.WorstCase, 8000)
	eq(t, "account value with the queue", e.Value, 5000)
	x.advance(15 * day_s) // due: slashes no longer reach it
	e, _ = restaking.AccountExposure(x.c.Committed(), addr("alice"), x.time)
	if len(e.Withdrawals) != 0 || !e.Value.IsZero() {
		t.Fatalf("due withdrawal still exposed: %+v", e)
	}
	// Nobody else's positions: an account without any.
	e, err = restaking.AccountExposure(y.c.Committed(), addr("bob"), y.time)
	if err != nil || len(e.Positions) != 0 || !e.Degree.IsZero() {
		t.Fatalf("bob %+v %v", e, err)
	}
}

// guarded: op with alice's 10,000 usdc (σ = 5,000 native), services a and
// b (π = 1000, α = 0.5), min_security_slack = slack, degree 2.
func guarded(t *testing.T, slack string) *h {
	x := newH(t, func(p *params.Params) {
		p.MinSecuritySlack, p.MaxRestakingDegree = num.MustDec(slack), 2
	})
	x.ok("op", registerOperator("op", false, "2"))
	x.ok("svc", registerService("svc", "a", "usdc"))
	x.ok("svc2", registerService("svc2", "b", "usdc"))
	x.ok("op", optIn("op", "a"), optIn("op", "b"))
	x.ok("alice", deposit("alice", "op", "10000usdc"))
	return x
}

func TestGuardRailService(t *testing.T) {
	x := guarded(t, "0.5") // every term must stay ≥ 1.5
	// a's term would be α·W/π = 0.5·2500/1000 = 1.25.
	r := x.deliver("op", allocate("op", "a", "usdc", "0.5"))
	if r.Code == 0 || !strings.Contains(r.Log, "min-security-slack") || !strings.Contains(r.Log, "service a") || !strings.Contains(r.Log, "0.25") {
		t.Fatalf("want a service rejection naming a, got %d %q", r.Code, r.Log)
	}
	x.ok("op", allocate("op", "a", "usdc", "1")) // 2.5 and op's σ/(π/α) = 2.5
	x.advance(block_s)
	// Raising a's pfc to 2000 would put a at 1.25: refused; 1500 (1.67) passes.
	up := &tx.MsgUpdateService{Admin: s("svc"), Name: "a", Pfc: "2000"}
	x.fails("min-security-slack", "svc", up)
	up.Pfc = "1500"
	x.ok("svc", up)
	// Lowering pfc is never refused.
	x.ok("svc", &tx.MsgUpdateService{Admin: s("svc"), Name: "a", Pfc: "10"})
}

func TestGuardRailOperator(t *testing.T) {
	x := guarded(t, "0.5")
	x.ok("op", allocate("op", "a", "usdc", "1"))
	// Sole operator of a and b: its load is π/α of both = 4000 > σ/1.5.
	r := x.deliver("op", allocate("op", "b", "usdc", "1"))
	if r.Code == 0 || !strings.Contains(r.Log, "operator "+s("op")+" (in service b)") {
		t.Fatalf("want an operator rejection, got %d %q", r.Code, r.Log)
	}
	x.advance(block_s)
	// Withdrawals and decreases are never blocked, even below the floor.
	x.ok("alice", queue("alice", "op", "9000usdc"))
	x.ok("op", allocate("op", "a", "usdc", "0.5"))
	x.advance(block_s)
	// With slack 0.2 (terms ≥ 1.2) the same allocation passes: 5000/4000 = 1.25.
	y := guarded(t, "0.2")
	y.ok("op", allocate("op", "a", "usdc", "1"), allocate("op", "b", "usdc", "1"))
	y.advance(block_s)
}

// Increases waiting their allocation delay count together: queueing a
// second one while the first is pending is refused as if both were in force.
func TestGuardRailPendingIncreases(t *testing.T) {
	x := newH(t, func(p *params.Params) { p.MinSecuritySlack, p.MaxRestakingDegree = num.MustDec("0.5"), 2 })
	x.ok("op", &tx.MsgRegisterOperator{Operator: s("op"), Degree: "2", AllocationDelay: "1m"})
	x.ok("svc", registerService("svc", "a", "usdc"))
	x.ok("svc2", registerService("svc2", "b", "usdc"))
	x.ok("op", optIn("op", "a"), optIn("op", "b"))
	x.ok("alice", deposit("alice", "op", "10000usdc"))
	x.ok("op", allocate("op", "a", "usdc", "1")) // pending for a minute
	x.advance(block_s)
	r := x.deliver("op", allocate("op", "b", "usdc", "1"))
	if r.Code == 0 || !strings.Contains(r.Log, "operator "+s("op")+" (in service b)") {
		t.Fatalf("a second pending increase passed the guard rail: %d %q", r.Code, r.Log)
	}
	x.advance(120)
	x.fails("min-security-slack", "op", allocate("op", "b", "usdc", "1")) // and once the first is in force
}

// Off by default: the same allocations pass.
func TestGuardRailOff(t *testing.T) {
	x := guarded(t, "0")
	x.ok("op", allocate("op", "a", "usdc", "0.1"), allocate("op", "b", "usdc", "1"))
	x.advance(block_s)
}
