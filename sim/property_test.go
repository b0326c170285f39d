package sim

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

var propAccounts = []string{"a", "b", "c"}

// randomStep draws one transaction, event or advance as a YAML list item.
func randomStep(t *rapid.T) string {
	x := rapid.SampledFrom(propAccounts).Draw(t, "x")
	y := rapid.SampledFrom(propAccounts).Draw(t, "y")
	n := rapid.IntRange(0, 400_000).Draw(t, "n")
	forms := []string{
		"send: {from: %[1]s, to: %[2]s, amount: \"%[3]dstake\"}",
		"create_validator: {from: %[1]s, self_delegation: \"%[3]dstake\", commission: \"0.1\"}",
		"delegate: {from: %[1]s, validator: %[2]s, amount: \"%[3]dstake\"}",
		"undelegate: {from: %[1]s, validator: %[2]s, amount: \"%[3]dstake\"}",
		"unjail: {from: %[1]s}",
		"claim_rewards: {from: %[1]s}",
		"downtime: {validator: %[1]s}",
		"double_sign: {validator: %[1]s}",
		"advance: %[4]d blocks",
		"advance: %[4]dm",
	}
	form := rapid.SampledFrom(forms).Draw(t, "step")
	k := rapid.IntRange(1, 30).Draw(t, "k")
	return "  - " + fmt.Sprintf(form, x, y, n, k) + "\n"
}

func randomScenario(t *rapid.T) string {
	var b strings.Builder
	b.WriteString("params: {unbonding_period: 10m, downtime_jail: 1m}\n")
	b.WriteString("accounts: {a: \"1000000stake\", b: \"1000000stake\", c: \"1000000stake\"}\nsteps:\n")
	steps := rapid.IntRange(1, 25).Draw(t, "steps")
	for i := 0; i < steps; i++ {
		b.WriteString(randomStep(t))
	}
	return b.String()
}

// runTolerant runs every step, accepting the chain's rejections; anything
// else (internal error, broken invariant, panic) fails. It returns the
// final app hash and how many steps the chain accepted.
func runTolerant(t *rapid.T, src string) (string, int) {
	sc, err := Load([]byte(src))
	if err != nil {
		t.Fatalf("generated scenario does not load: %v\n%s", err, src)
	}
	s, err := start(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for _, st := range sc.Steps {
		_, err := st.act.run(s)
		var rej *rejection
		if err != nil && !errors.As(err, &rej) {
			t.Fatalf("step %d (%s): %v\n%s", st.Index, st.Text, err, src)
		}
		if err == nil {
			accepted++
		}
	}
	if err := s.end(); err != nil {
		t.Fatalf("last block: %v\n%s", err, src)
	}
	return fmt.Sprintf("%X", s.c.AppHash()), accepted
}

// replays runs src twice, requires the same app hash, and adds the
// accepted steps to *accepted (so a test can tell that its random steps
// did something, not only get rejected).
// skip leading steps (a fixed setup) are not counted.
func replays(t *rapid.T, src string, skip int, accepted *int) {
	a, n := runTolerant(t, src)
	b, _ := runTolerant(t, src)
	if a != b {
		t.Fatalf("replay gave app hash %s, first run %s\n%s", b, a, src)
	}
	*accepted += n - skip
}

// mostlyMeaningful fails when the random steps of a whole property run
// were almost all rejected (the generator or the step parsers broke).
func mostlyMeaningful(t *testing.T, accepted, floor int) {
	t.Logf("%d random steps accepted", accepted)
	if accepted < floor {
		t.Fatalf("only %d random steps were accepted in the whole run", accepted)
	}
}

// TestPropertyRandomScenarios: random sequences of transactions, events and
// advances never panic or break an invariant, and replay to the same app hash.
func TestPropertyRandomScenarios(t *testing.T) {
	accepted := 0
	rapid.Check(t, func(t *rapid.T) { replays(t, randomScenario(t), 0, &accepted) })
	mostlyMeaningful(t, accepted, 100)
}

// restakingSetup gives random restaking steps something to act on: two
// validators that are operators (a of degree 2), ststake and usdc, two
// services (s2 with a veto and redistribution to c) and allocations.
const restakingSetup = `block_time: 1h
params: {unbonding_period: 2d, withdrawal_delay: 1d, deallocation_delay: 1d, slash_resolution_delay: 1d, downtime_jail: 1h, max_restaking_degree: "2"}
accounts: {a: "1000000stake,1000000usdc", b: "1000000stake,1000000usdc", c: "1000000stake,1000000usdc"}
steps:
  - register_asset: {from: authority, denom: usdc, price: "2"}
  - create_validator: {from: a, self_delegation: "100000stake", commission: "0.1"}
  - create_validator: {from: b, self_delegation: "100000stake", commission: "0.1"}
  - liquid_stake: {from: c, amount: "100000stake"}
  - register_operator: {from: a, validator: a, degree: "2"}
  - register_operator: {from: b, validator: b}
  - register_service: {from: a, name: s1, slasher: a, assets: [stake, ststake, usdc], pfc: "1", threshold: "0.5"}
  - register_service: {from: b, name: s2, slasher: b, resolver: c, veto_window: 1h, destination: c, assets: [stake, ststake, usdc], pfc: "1", threshold: "0.5"}
  - opt_in: {from: a, service: s1}
  - opt_in: {from: a, service: s2}
  - opt_in: {from: b, service: s1}
  - deposit: {from: c, operator: a, amount: "50000stake"}
  - deposit: {from: c, operator: a, amount: "50000ststake"}
  - deposit: {from: c, operator: b, amount: "50000usdc"}
  - allocate: {from: a, service: s1, asset: stake, magnitude: "0.7"}
  - allocate: {from: a, service: s2, asset: stake, magnitude: "0.9"}
  - allocate: {from: a, service: s1, asset: ststake, magnitude: "0.5"}
  - allocate: {from: b, service: s1, asset: usdc, magnitude: "1"}
  - advance: 2 blocks
`

var restakingForms = []string{
	"deposit: {from: %[1]s, operator: %[2]s, amount: \"%[3]d%[5]s\"}",
	"queue_withdrawal: {from: %[1]s, operator: %[2]s, amount: \"%[3]d%[5]s\"}",
	"complete_withdrawal: {from: %[1]s, id: %[7]d}",
	"allocate: {from: %[1]s, service: %[4]s, asset: %[5]s, magnitude: \"%[6]s\"}",
	"slash: {from: %[1]s, service: %[4]s, operator: %[2]s, fraction: \"%[6]s\"}",
	"veto_slash: {from: %[1]s, id: %[7]d}",
	"execute_slash: {from: %[1]s, id: %[7]d}",
	"claim_redistribution: {from: %[1]s, id: %[7]d}",
	"opt_in: {from: %[1]s, service: %[4]s}",
	"opt_out: {from: %[1]s, service: %[4]s}",
	"liquid_stake: {from: %[1]s, amount: \"%[3]dstake\"}",
	"liquid_unstake: {from: %[1]s, amount: \"%[3]dststake\"}",
	"double_sign: {validator: %[1]s}",
	"downtime: {validator: %[1]s}",
	"advance: %[7]dh",
	"claim_rewards: {from: %[1]s}",
	"set_operator_commission: {from: %[1]s, service: %[4]s, rate: \"%[6]s\"}",
	"update_operator: {from: %[1]s, degree: \"%[7]d\"}",
	"update_service: {from: %[1]s, name: %[4]s, slasher: %[2]s, max_slash_fraction: \"%[6]s\"}",
	"allow_operator: {from: %[1]s, service: %[4]s, operator: %[2]s}",
	"disallow_operator: {from: %[1]s, service: %[4]s, operator: %[2]s}",
	"set_price: {from: authority, denom: usdc, price: \"%[3]d\"}",
	"set_params: {from: authority, params: {paused: \"%[8]s\"}}",
	"create_reward_program: {from: %[1]s, service: %[4]s, amount: \"%[3]d%[5]s\", duration: %[7]dh}",
	"create_reward_program: {from: %[1]s, service: %[4]s, amount: \"%[3]d%[5]s\", duration: %[7]dh, start: %[7]dh}",
	"cancel_reward_program: {from: %[1]s, id: %[7]d}",
}

// randomRestakingStep draws one restaking transaction, event or advance.
func randomRestakingStep(t *rapid.T) string {
	x := rapid.SampledFrom(propAccounts).Draw(t, "x")
	y := rapid.SampledFrom(propAccounts).Draw(t, "y")
	n := rapid.IntRange(1, 60_000).Draw(t, "n")
	svc := rapid.SampledFrom([]string{"s1", "s2"}).Draw(t, "svc")
	asset := rapid.SampledFrom([]string{"stake", "ststake", "usdc"}).Draw(t, "asset")
	frac := rapid.SampledFrom([]string{"0", "0.000000000000000001", "0.1", "0.333333333333333333", "0.5", "1"}).Draw(t, "frac")
	id := rapid.IntRange(1, 6).Draw(t, "id")
	paused := rapid.SampledFrom([]string{"none", "restaking", "liquid,staking"}).Draw(t, "paused")
	form := rapid.SampledFrom(restakingForms).Draw(t, "step")
	return "  - " + fmt.Sprintf(form, x, y, n, svc, asset, frac, id, paused) + "\n"
}

// TestPropertyRandomRestaking: random restaking sequences (with primary
// slashes and liquid staking in between) never panic or break an
// invariant, and replay to the same app hash.
func TestPropertyRandomRestaking(t *testing.T) {
	mustPass(t, restakingSetup) // rejections below are tolerated; the setup must not need them
	accepted := 0
	rapid.Check(t, func(t *rapid.T) {
		var b strings.Builder
		b.WriteString(restakingSetup)
		steps := rapid.IntRange(1, 30).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			b.WriteString(randomRestakingStep(t))
		}
		replays(t, b.String(), strings.Count(restakingSetup, "\n  - "), &accepted)
	})
	mostlyMeaningful(t, accepted, 100)
}
