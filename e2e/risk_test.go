package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/restaked/restaked/risk"
)

// checkDemoRisk runs every `restaked risk` command, as a real process,
// against the live demo devnet: JSON for each, and the network reports a
// second time from the exported file, which must agree in verdict.
func checkDemoRisk(t *testing.T, api string, l demoLayout) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "net.json")
	mustRun(t, "risk", "export", "--out", file, "--api", api)
	op, svc := allocated(t, file)
	staker := l.Stakers[0].Address
	commands := [][]string{
		{"exposure", staker},
		{"services"},
		{"check", "--psi", "0.05"},
		{"attack"},
		{"worst-loss", "--psi", "0.05"},
		{"cascade", "--slash", op + "=0.3"},
		{"cascade", "--byzantine", svc},
		{"preview-slash", "--service", svc, "--operator", op, "--fraction", "0.1", "--account", staker},
		{"stress", "--validator", op, "--fraction", "0.1"},
	}
	for _, c := range commands {
		out := mustRun(t, append(append([]string{"risk"}, c...), "-o", "json", "--api", api)...)
		if !json.Valid([]byte(out)) {
			t.Errorf("risk %s: not JSON:\n%s", strings.Join(c, " "), out)
		}
		mustRun(t, append(append([]string{"risk"}, c...), "--api", api)...) // text
	}
	var live, offline struct {
		Secure bool   `json:"secure"`
		Profit string `json:"profit"`
	}
	decodeRun(t, &live, "risk", "attack", "-o", "json", "--api", api)
	decodeRun(t, &offline, "risk", "attack", "-o", "json", "--network", file)
	if live != offline {
		t.Errorf("attack on the live network %+v, on its export %+v", live, offline)
	}
	if lp := mustRun(t, "risk", "export-lp", "--network", file); !strings.Contains(lp, "Maximize") {
		t.Errorf("export-lp:\n%s", lp)
	}
}

// allocated picks an allocation in force from the exported network.
func allocated(t *testing.T, file string) (op, svc string) {
	t.Helper()
	bz, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	n, err := risk.ParseNetwork(bz)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range n.Allocations {
		if a.Amount.Sign() > 0 {
			return a.Operator, a.Service
		}
	}
	t.Fatalf("no allocation in force on the demo network: %s", bz)
	return
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, args...)
	if err != nil {
		t.Fatalf("restaked %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func decodeRun(t *testing.T, v any, args ...string) {
	t.Helper()
	if err := json.Unmarshal([]byte(mustRun(t, args...)), v); err != nil {
		t.Fatalf("restaked %s: %v", strings.Join(args, " "), err)
	}
}
