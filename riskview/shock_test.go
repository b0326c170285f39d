package riskview

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/restaked/restaked/risk"
)

func TestParseShock(t *testing.T) {
	cases := []struct {
		name       string
		slashes    []string
		byzantine  []string
		wantErr    string
		wantSlash  int
		wantByzant int
	}{
		{name: "slash and byzantine", slashes: []string{"v1=0.3", "v2=1"}, byzantine: []string{"s1"}, wantSlash: 2, wantByzant: 1},
		{name: "no shock", wantErr: "needs a shock"},
		{name: "no fraction", slashes: []string{"v1"}, wantErr: "OPERATOR=FRACTION"},
		{name: "no operator", slashes: []string{"=0.1"}, wantErr: "OPERATOR=FRACTION"},
		{name: "above one", slashes: []string{"v1=1.5"}, wantErr: "OPERATOR=FRACTION"},
		{name: "negative", slashes: []string{"v1=-0.1"}, wantErr: "OPERATOR=FRACTION"},
		{name: "too many", slashes: make([]string, MaxShockSlashes+1), wantErr: "at most"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sh, err := ParseShock(c.slashes, c.byzantine)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !errors.Is(err, risk.ErrNetwork) {
					t.Fatalf("got %v, want an ErrNetwork containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil || len(sh.Slashes) != c.wantSlash || len(sh.Byzantine) != c.wantByzant {
				t.Fatalf("shock %+v, %v", sh, err)
			}
			if sh.Slashes[0].Fraction.Cmp(big.NewRat(3, 10)) != 0 {
				t.Fatalf("fraction %v", sh.Slashes[0].Fraction)
			}
		})
	}
}

// Reports over a hand-made network: one service π = 150, α = 1/2, one
// operator holding 100 of its stake: α·W/π = 1/3 (γ* = −2/3) and the
// operator alone corrupts it for 150 − 100 = 50.
func TestReportsByHand(t *testing.T) {
	n, err := risk.ParseNetwork([]byte(`{"height":5,"operators":[{"id":"v1","stake":"100"}],` +
		`"services":[{"id":"s1","pfc":"150","threshold":"0.5"},{"id":"idle","pfc":"1","threshold":"1"}],` +
		`"allocations":[{"operator":"v1","service":"s1","amount":"100"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := CheckOf(n, big.NewRat(1, 10))
	if err != nil || c.Certified || c.GammaStar == nil || *c.GammaStar != "-0.666666666666666667" || c.LossBound != nil ||
		len(c.Unsecured) != 1 || c.Unsecured[0] != "idle" || c.Height != 5 {
		t.Fatalf("check %+v %v", c, err)
	}
	a, err := AttackOf(n, 0)
	if err != nil || a.Secure || a.Profit != "50" || len(a.Operators) != 1 || a.Operators[0] != "v1" {
		t.Fatalf("attack %+v %v", a, err)
	}
	sv, err := ServicesOf(n)
	if err != nil || len(sv.Services) != 1 || sv.Services[0].Nakamoto != 1 {
		t.Fatalf("services %+v %v", sv, err)
	}
	w, err := WorstLossOf(n, big.NewRat(2, 1), 0)
	if err == nil {
		t.Fatalf("psi 2 accepted: %+v", w)
	}
	// Unbounded, a small network is searched exhaustively; one node is too
	// few, and the answer is then a lower bound, not R_ψ.
	three, err := risk.ParseNetwork([]byte(`{"operators":[{"id":"a","stake":"10"},{"id":"b","stake":"20"},{"id":"c","stake":"30"}],` +
		`"services":[{"id":"s","pfc":"25","threshold":"0.5"},{"id":"u","pfc":"25","threshold":"0.5"}],` +
		`"allocations":[{"operator":"a","service":"s","amount":"10"},{"operator":"b","service":"s","amount":"20"},` +
		`{"operator":"b","service":"u","amount":"20"},{"operator":"c","service":"u","amount":"30"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if w, err = WorstLossOf(three, big.NewRat(1, 5), 0); err != nil || !w.Exact {
		t.Fatalf("worst loss %+v %v", w, err)
	}
	if w, err = WorstLossOf(three, big.NewRat(1, 5), 1); err != nil || w.Exact {
		t.Fatalf("worst loss within one node %+v %v", w, err)
	}
	cv, err := CascadeOf(n, risk.Shock{Byzantine: []string{"s1"}}, 0)
	if err != nil || cv.ShockLoss != "100" || cv.Loss != "1" {
		t.Fatalf("cascade %+v %v", cv, err)
	}
}

func TestParsePsi(t *testing.T) {
	for _, c := range []struct {
		in       string
		required bool
		ok       bool
	}{{"0.05", true, true}, {"1", true, true}, {"0", false, true}, {"", false, true}, {"", true, false},
		{"1.01", false, false}, {"-0.1", false, false}, {"x", false, false}} {
		if _, err := ParsePsi(c.in, c.required); (err == nil) != c.ok {
			t.Errorf("ParsePsi(%q, %v): %v", c.in, c.required, err)
		}
	}
}
