package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/restaked/restaked/risk"
)

// checkDemoRisk runs every `restaked risk` command, as a real process,
// against the live demo devnet: JSON for each, and the network reports a
// second time from the exported file, which must agree in verdict.
func checkDemoRisk(t *testing.T, api string, l demoLayout) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "net.json")
	op, svc := waitAllocated(t, api, file, 150*time.Second)
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
	// The chain moves on between two commands: compare at one past height.
	var exported struct {
		Height int64 `json:"height"`
	}
	decodeRun(t, &exported, "risk", "export", "--api", api)
	h := fmt.Sprint(exported.Height - 1)
	past := filepath.Join(t.TempDir(), "past.json")
	mustRun(t, "risk", "export", "--height", h, "--out", past, "--api", api)
	var live, offline struct {
		Height int64  `json:"height"`
		Secure bool   `json:"secure"`
		Profit string `json:"profit"`
	}
	decodeRun(t, &live, "risk", "attack", "-o", "json", "--height", h, "--api", api)
	decodeRun(t, &offline, "risk", "attack", "-o", "json", "--network", past)
	if live != offline {
		t.Errorf("attack on the live network %+v, on its export %+v", live, offline)
	}
	if lp := mustRun(t, "risk", "export-lp", "--network", file); !strings.Contains(lp, "Maximize") {
		t.Errorf("export-lp:\n%s", lp)
	}
}

// waitAllocated exports the network until some allocation is in force
// (the demo's operators wait their allocation delays, 30 s to 2 min, so
// the first one lands about 30 s after seeding), bounded by timeout.
func waitAllocated(t *testing.T, api, file string, timeout time.Duration) (op, svc string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		mustRun(t, "risk", "export", "--out", file, "--api", api)
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
		if time.Now().After(deadline) {
			t.Fatalf("no allocation in force on the demo network within %v: %s", timeout, bz)
		}
		time.Sleep(2 * time.Second)
	}
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
