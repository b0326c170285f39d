package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/restaked/restaked/riskview"
)

// TestRiskCommands runs every risk command against the apitest.Restaking
// chain through the API, and the network reports again from the exported
// file: both must print the same JSON.
func TestRiskCommands(t *testing.T) {
	url := restakingAPI(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "net.json")
	mustCLI(t, "risk", "export", "--out", file, "--api", url)
	text := []struct {
		args []string
		want []string
	}{
		{[]string{"exposure", aliceAddr}, []string{"worst case", "12200", "position", "ststake", "service", "oracle", "bridge", "0.5 of the position"}},
		{[]string{"services"}, []string{"SERVICE", "oracle", "7700", "3850", "bridge", "4500", "NAKAMOTO"}},
		{[]string{"check", "--psi", "0.05"}, []string{"γ*", "not certified", "binding"}},
		{[]string{"attack"}, []string{"secure: no attack is profitable", "proof"}},
		{[]string{"preview-slash", "--service", "oracle", "--operator", valAddr, "--fraction", "0.5", "--account", aliceAddr},
			[]string{"LST rate", "3200 → 1600", "your position", "γ*"}},
		{[]string{"stress", "--validator", valAddr, "--fraction", "0.1"}, []string{"LST rate", "EVERY POSITION"}},
		{[]string{"worst-loss", "--psi", "0.1"}, []string{"ψ", "0.1", "exact", "shock"}},
		{[]string{"cascade", "--slash", valAddr + "=0.3"}, []string{"initial stake", "12200", "3660", "stopped", "secure"}},
		{[]string{"cascade", "--byzantine", "oracle"}, []string{"lost to the shock", "7700"}},
	}
	for _, tc := range text {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			wantAll(t, mustCLI(t, append(append([]string{"risk"}, tc.args...), "--api", url)...), tc.want...)
		})
	}
	for _, report := range []string{"services", "check", "attack"} {
		live := mustCLI(t, "risk", report, "-o", "json", "--api", url)
		fromFile := mustCLI(t, "risk", report, "-o", "json", "--network", file)
		if live != fromFile {
			t.Errorf("%s: live and file differ:\n%s\n%s", report, live, fromFile)
		}
	}
	for _, report := range [][]string{{"risk", "worst-loss", "--psi", "0.2"}, {"risk", "cascade", "--byzantine", "bridge"}} {
		live := mustCLI(t, append(append([]string{}, report...), "-o", "json", "--api", url)...)
		fromFile := mustCLI(t, append(append([]string{}, report...), "-o", "json", "--network", file)...)
		if live != fromFile {
			t.Errorf("%s: live and file differ:\n%s\n%s", report, live, fromFile)
		}
	}
	var a riskview.AttackReport
	if err := json.Unmarshal([]byte(mustCLI(t, "risk", "attack", "-o", "json", "--network", file)), &a); err != nil || !a.Secure {
		t.Fatalf("attack json: %+v %v", a, err)
	}
	lp := mustCLI(t, "risk", "export-lp", "--network", file)
	wantAll(t, lp, "Maximize", "Subject To", "Binaries", "End")
	wantAll(t, mustCLI(t, "risk", "export", "--height", "4", "--api", url), `"height": 4`, `"stake": "14000"`)
	failCLI(t, "does not apply", "risk", "attack", "--height", "4", "--network", file)
	failCLI(t, "must be a fraction", "risk", "check", "--psi", "2", "--network", file)
	failCLI(t, "must be a fraction", "risk", "worst-loss", "--network", file)
	failCLI(t, "needs a shock", "risk", "cascade", "--network", file)
	failCLI(t, "OPERATOR=FRACTION", "risk", "cascade", "--slash", "v=2", "--network", file)
	failCLI(t, "no such file", "risk", "attack", "--network", filepath.Join(dir, "missing.json"))
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"operators":[{"id":"v","stake":"-1"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	failCLI(t, "invalid network", "risk", "services", "--network", bad)
}

func TestRiskGen(t *testing.T) {
	file := filepath.Join(t.TempDir(), "gen.json")
	mustCLI(t, "risk", "gen", "--operators", "200", "--services", "10", "--seed", "3", "--variant", "elastic", "--out", file)
	wantAll(t, mustCLI(t, "risk", "check", "--network", file), "γ*")
	again := mustCLI(t, "risk", "gen", "--operators", "200", "--services", "10", "--seed", "3", "--variant", "elastic")
	b, _ := os.ReadFile(file)
	if string(b) != again {
		t.Fatal("gen is not deterministic")
	}
	failCLI(t, "variant", "risk", "gen", "--variant", "nope")
}
