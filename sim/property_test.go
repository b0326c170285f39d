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
// final app hash.
func runTolerant(t *rapid.T, src string) string {
	sc, err := Load([]byte(src))
	if err != nil {
		t.Fatalf("generated scenario does not load: %v\n%s", err, src)
	}
	s, err := start(sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sc.Steps {
		_, err := st.act.run(s)
		var rej *rejection
		if err != nil && !errors.As(err, &rej) {
			t.Fatalf("step %d (%s): %v\n%s", st.Index, st.Text, err, src)
		}
	}
	if err := s.end(); err != nil {
		t.Fatalf("last block: %v\n%s", err, src)
	}
	return fmt.Sprintf("%X", s.c.AppHash())
}

// TestPropertyRandomScenarios: random sequences of transactions, events and
// advances never panic or break an invariant, and replay to the same app hash.
func TestPropertyRandomScenarios(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		src := randomScenario(t)
		if a, b := runTolerant(t, src), runTolerant(t, src); a != b {
			t.Fatalf("replay gave app hash %s, first run %s\n%s", b, a, src)
		}
	})
}
