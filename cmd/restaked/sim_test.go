package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runSimCmd executes `sim run` with args and returns stdout and the error.
func runSimCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := simCmd()
	var out, errOut strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(append([]string{"run"}, args...))
	err := cmd.Execute()
	return out.String(), err
}

func writeSimScenario(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const simScenarioOK = `
accounts: {alice: "100stake", bob: ""}
steps:
  - send: {from: alice, to: bob, amount: "30stake"}
  - advance: 2 blocks
  - expect: {balance: {account: bob, denom: stake}, eq: "30"}
`

type simReportJSON struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
	Steps []struct {
		Index  int    `json:"index"`
		Step   string `json:"step"`
		Block  int64  `json:"block"`
		Result string `json:"result"`
		Error  string `json:"error"`
	} `json:"steps"`
	Final struct {
		Height   int64                        `json:"height"`
		Time     string                       `json:"time"`
		AppHash  string                       `json:"app_hash"`
		Balances map[string]map[string]string `json:"balances"`
	} `json:"final"`
}

func TestSimRunJSON(t *testing.T) {
	out, err := runSimCmd(t, writeSimScenario(t, simScenarioOK), "--json")
	if err != nil {
		t.Fatalf("sim run: %v\n%s", err, out)
	}
	var r simReportJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, out)
	}
	if !r.OK || len(r.Steps) != 3 || r.Steps[2].Block != 3 || r.Steps[2].Result != "got 30" {
		t.Errorf("report: %+v", r)
	}
	if r.Final.Height != 3 || r.Final.Time != "2026-01-01T00:00:15Z" || r.Final.AppHash == "" {
		t.Errorf("final: %+v", r.Final)
	}
	if r.Final.Balances["bob"]["stake"] != "30" || r.Final.Balances["alice"]["stake"] != "70" {
		t.Errorf("balances: %v", r.Final.Balances)
	}
	again, _ := runSimCmd(t, writeSimScenario(t, simScenarioOK), "--json")
	if again != out {
		t.Errorf("JSON output differs between identical runs")
	}
}

func TestSimRunText(t *testing.T) {
	out, err := runSimCmd(t, writeSimScenario(t, simScenarioOK))
	if err != nil {
		t.Fatalf("sim run: %v\n%s", err, out)
	}
	for _, want := range []string{"send: {from: alice, to: bob", "now in block 3", "got 30", "PASS (3 steps)", "bob          30stake"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestSimRunFailureExitsNonZero(t *testing.T) {
	src := simScenarioOK + "  - expect: {balance: {account: bob, denom: stake}, eq: \"31\"}\n"
	out, err := runSimCmd(t, writeSimScenario(t, src), "--json")
	if err == nil || !strings.Contains(err.Error(), "step 4") {
		t.Fatalf("err = %v", err)
	}
	var r simReportJSON
	if jerr := json.Unmarshal([]byte(out), &r); jerr != nil {
		t.Fatalf("bad JSON: %v\n%s", jerr, out)
	}
	if r.OK || len(r.Steps) != 4 || !strings.Contains(r.Steps[3].Error, "got 30, want eq 31") {
		t.Errorf("report: %+v", r)
	}
}

func TestSimRunBadFile(t *testing.T) {
	_, err := runSimCmd(t, writeSimScenario(t, "steps:\n  - sned: {}\n"))
	if err == nil || !strings.Contains(err.Error(), `step 1 (line 2): unknown step "sned"`) {
		t.Errorf("err = %v", err)
	}
	out, err := runSimCmd(t, writeSimScenario(t, "steps: [\n"), "--json")
	if err == nil || !strings.Contains(out, `"ok": false`) {
		t.Errorf("json load failure: err=%v out=%s", err, out)
	}
	if _, err := runSimCmd(t, filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestSimRunStdin(t *testing.T) {
	cmd := simCmd()
	var out strings.Builder
	cmd.SetOut(&out)
	cmd.SetIn(strings.NewReader(simScenarioOK))
	cmd.SetArgs([]string{"run", "-"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("stdin: %v\n%s", err, out.String())
	}
}
