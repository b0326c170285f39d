package params

import (
	"strings"
	"testing"
)

func TestDefaultsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestSetByName(t *testing.T) {
	cases := []struct {
		name, value string
		ok          bool
		check       func(p Params) bool
	}{
		{"unbonding_period", "1d", true, func(p Params) bool { return p.UnbondingPeriod_s == 86400 }},
		{"withdrawal_delay", "14d", true, func(p Params) bool { return p.WithdrawalDelay_s == 14*86400 }},
		{"max_restaking_degree", "2", true, func(p Params) bool { return p.MaxRestakingDegree == 2 }},
		{"inflation", "0.05", true, func(p Params) bool { return p.Inflation.String() == "0.05" }},
		{"min_fee", "10", true, func(p Params) bool { return p.MinFee.String() == "10" }},
		{"inflation", "abc", false, nil},
		{"max_validators", "-1", false, nil},
		{"authority", "rst1nope", false, nil},
		{"no_such_param", "1", false, nil},
	}
	for _, c := range cases {
		p := Default()
		err := p.Set(c.name, c.value)
		if c.ok != (err == nil) {
			t.Errorf("Set(%s, %s) err = %v", c.name, c.value, err)
			continue
		}
		if c.ok && !c.check(p) {
			t.Errorf("Set(%s, %s) did not apply", c.name, c.value)
		}
		if !c.ok && !strings.Contains(err.Error(), c.name) {
			t.Errorf("error %q does not name the parameter", err)
		}
	}
}

func TestValidateRanges(t *testing.T) {
	for _, set := range [][2]string{{"inflation", "1.5"}, {"max_validators", "0"}, {"max_restaking_degree", "0"},
		{"downtime_window", "0"}, {"power_reduction", "0"}, {"unbonding_period", "0s"}} {
		p := Default()
		if err := p.Set(set[0], set[1]); err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), set[0]) {
			t.Errorf("%s=%s: validate err = %v", set[0], set[1], err)
		}
	}
	if len(Names()) < 20 {
		t.Errorf("only %d params", len(Names()))
	}
}

func TestPausedParam(t *testing.T) {
	p := Default()
	if err := p.Set("paused", "restaking, liquid,restaking"); err != nil {
		t.Fatal(err)
	}
	if len(p.Paused) != 2 || p.Paused[0] != "liquid" || !p.IsPaused("restaking") || p.IsPaused("bank") {
		t.Fatalf("paused = %v", p.Paused)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Set("paused", "wallets"); err == nil {
		t.Fatal("unknown module accepted")
	}
	if err := p.Set("paused", "none"); err != nil || len(p.Paused) != 0 {
		t.Fatalf("none: %v %v", p.Paused, err)
	}
	p.Paused = []string{"x"}
	if p.Validate() == nil {
		t.Fatal("invalid stored pause accepted")
	}
}
