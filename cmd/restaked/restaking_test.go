package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/restaked/restaked/api"
	"github.com/restaked/restaked/api/apitest"
)

// restakingAPI serves the apitest.Restaking chain (see its doc).
func restakingAPI(t *testing.T) string {
	t.Helper()
	return apiServer(t, api.New(apitest.NewRestaking(t).App, nil, nil))
}

func wantAll(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestRestakingQueryText(t *testing.T) {
	url := restakingAPI(t)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"operators"}, []string{"OPERATOR", valAddr, "true", "SERVICES"}},
		{[]string{"operators", "--after", valAddr}, []string{"no operators"}},
		{[]string{"operator", valAddr}, []string{"validator:", "true", "allocation delay:", "pending change:", "allocation delay 1d",
			"ststake", "9000", "SERVICE", "oracle", "bridge", "0.8", "3200", "0.3 from"}},
		{[]string{"services"}, []string{"NAME", "bridge", "oracle", "allowlist", "stake,ststake", "burn"}},
		{[]string{"services", "--limit", "1"}, []string{"bridge", "more: repeat with --after bridge"}},
		{[]string{"service", "oracle"}, []string{"slasher:", aliceAddr, "resolver:", "none", "threshold:", "0.5", "pfc:", "5000", "no cap"}},
		{[]string{"service", "bridge"}, []string{"resolver:", bobAddr, "veto window:", "1d", "destination:", "allowlist"}},
		{[]string{"service-stake", "oracle"}, []string{"at height:", "6", "total value:", "7700", "stake", "0.8", "3200", "ststake", "4500"}},
		{[]string{"service-stake", "oracle", "--height", "4"}, []string{"at height:", "4", "total value:", "9000", "4000", "5000"}},
		{[]string{"service-stake", "oracle", "--height", "3"}, []string{"total value:", "0", "no stake allocated"}},
		{[]string{"positions", aliceAddr}, []string{"DEPOSITED", "WITHDRAWABLE", "SLASHED", "4000", "3200", "800", "9000"}},
		{[]string{"positions", bobAddr}, []string{"has no restaking positions"}},
		{[]string{"withdrawals", aliceAddr}, []string{"ID", "1000ststake", "queued"}},
		{[]string{"withdrawals", aliceAddr, "--before", "1"}, []string{"has no restaking withdrawals"}},
		{[]string{"withdrawal", "1"}, []string{"pays:", "1000ststake", "due:", "state:", "queued"}},
		{[]string{"slashes"}, []string{"ID", "oracle", "executed", "800stake", "bridge", "pending", "nothing"}},
		{[]string{"slashes", "--limit", "1"}, []string{"bridge", "more: repeat with --before 2"}},
		{[]string{"slashes", "--operator", bobAddr}, []string{"no slashes"}},
		{[]string{"slash", "1"}, []string{"status:", "executed", "reason:", apitest.SlashReason, "taken:", "800stake", "destination:", "burn", "MAX MAGNITUDE AFTER", "0.8"}},
		{[]string{"slash", "2"}, []string{"status:", "pending", "executable from:"}},
		{[]string{"assets"}, []string{"DENOM", "stake", "native", "ststake", "liquid", "usdc", "priced", "0.5"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			wantAll(t, mustCLI(t, append(append([]string{"query"}, tc.args...), "--api", url)...), tc.want...)
		})
	}
}

func TestRestakingQueryJSON(t *testing.T) {
	url := restakingAPI(t)
	var o api.OperatorResponse
	out := mustCLI(t, "query", "operator", valAddr, "-o", "json", "--api", url)
	if err := json.Unmarshal([]byte(out), &o); err != nil || len(o.Allocations) != 3 || o.Operator.Pending == nil {
		t.Fatalf("operator JSON %q: %v", out, err)
	}
	var s api.Slashes
	out = mustCLI(t, "query", "slashes", "--limit", "1", "--before", "2", "-o", "json", "--api", url)
	if err := json.Unmarshal([]byte(out), &s); err != nil || len(s.Slashes) != 1 || s.Slashes[0].ID != 1 || s.Next != "" {
		t.Fatalf("slashes JSON %q: %v", out, err)
	}
}

func TestRestakingQueryErrors(t *testing.T) {
	url := restakingAPI(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown service", []string{"service", "nope"}, `no service named "nope" (rule not-found)`},
		{"unknown service stake", []string{"service-stake", "nope"}, "(rule not-found)"},
		{"bad service name", []string{"service", "No Such"}, "(rule bad-name)"},
		{"height above the chain", []string{"service-stake", "oracle", "--height", "99"}, "above the last committed height 6 (rule bad-height)"},
		{"unknown operator", []string{"operator", bobAddr}, "is not a registered operator (rule not-found)"},
		{"bad address", []string{"positions", "alice"}, "(rule bad-address)"},
		{"unknown withdrawal", []string{"withdrawal", "9"}, "no withdrawal #9 (rule not-found)"},
		{"unknown slash", []string{"slash", "9"}, "no slash #9 (rule not-found)"},
		{"bad id", []string{"slash", "first"}, `id "first" is not valid`},
		{"bad cursor", []string{"slashes", "--before", "x"}, "(rule bad-cursor)"},
		{"bad limit", []string{"operators", "--limit", "-3"}, "(rule bad-limit)"},
		{"bad operator filter", []string{"slashes", "--operator", "val"}, "(rule bad-address)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			failCLI(t, tc.want, append(append([]string{"query"}, tc.args...), "--api", url)...)
		})
	}
}

// TestRestakingTxErrors covers what is refused before anything is signed.
func TestRestakingTxErrors(t *testing.T) {
	c := apitest.NewChain(t)
	c.Block(t)
	url := apiServer(t, api.New(c.App, nil, nil))
	home := testHome(t)
	common := []string{"--api", url, "--home", home, "--keyring-backend", "test", "--yes"}
	tx := func(args ...string) []string { return append(append([]string{"tx"}, args...), common...) }
	svc := func(extra ...string) []string {
		return tx(append([]string{"service", "register", "oracle", "--from", "alice", "--slasher", aliceAddr,
			"--assets", "stake", "--pfc", "10", "--threshold", "0.5"}, extra...)...)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"slash fraction above 1", tx("service", "slash", "oracle", valAddr, "1.5", "--from", "alice"), `fraction "1.5" is not valid: want a decimal from above 0 to 1`},
		{"slash fraction zero", tx("service", "slash", "oracle", valAddr, "0", "--from", "alice"), `fraction "0" is not valid`},
		{"slash fraction not a number", tx("service", "slash", "oracle", valAddr, "half", "--from", "alice"), `fraction "half" is not valid`},
		{"slash bad operator", tx("service", "slash", "oracle", "val", "0.1", "--from", "alice"), `operator "val" is not a valid address`},
		{"slash bad asset", tx("service", "slash", "oracle", valAddr, "0.1", "--assets", "St", "--from", "alice"), `asset "St" is not valid`},
		{"bad service name", tx("operator", "opt-in", "Oracle!", "--from", "val"), `service name "Oracle!" is not valid`},
		{"magnitude above 1", tx("operator", "allocate", "oracle", "stake", "2", "--from", "val"), `magnitude "2" is not valid`},
		{"allocate bad asset", tx("operator", "allocate", "oracle", "1", "0.5", "--from", "val"), `asset "1" is not valid`},
		{"register bad delay", tx("operator", "register", "--allocation-delay", "soon", "--from", "val"), `--allocation-delay "soon" is not valid`},
		{"register bad degree", tx("operator", "register", "--degree", "0", "--from", "val"), `--degree "0" is not valid`},
		{"register bad commission", tx("operator", "register", "--commission", "5%", "--from", "val"), `commission "5%" is not valid`},
		{"update nothing", tx("operator", "update", "--from", "val"), "nothing to change"},
		{"service without slasher", tx("service", "register", "oracle", "--from", "alice", "--assets", "stake", "--pfc", "1", "--threshold", "0.5"), `"slasher" not set`},
		{"service without threshold", tx("service", "register", "oracle", "--from", "alice", "--slasher", aliceAddr, "--assets", "stake", "--pfc", "1"), `"threshold" not set`},
		{"service resolver without window", svc("--resolver", bobAddr), "--resolver needs --veto-window"},
		{"service window without resolver", svc("--veto-window", "1d"), "--veto-window needs --resolver"},
		{"service bad window", svc("--resolver", bobAddr, "--veto-window", "a while"), `--veto-window "a while" is not valid`},
		{"service bad destination", svc("--destination", "treasury"), `--destination "treasury" is not a valid address`},
		{"service bad policy", svc("--policy", "closed"), `--policy "closed" is not valid`},
		{"service threshold zero", svc("--threshold", "0"), `--threshold "0" is not valid`},
		{"service bad pfc", svc("--pfc", "-5"), `--pfc "-5" is not valid`},
		{"service bad max slash", svc("--max-slash-fraction", "1.01"), `--max-slash-fraction "1.01" is not valid`},
		{"service bad name", tx("service", "register", "Oracle", "--from", "alice", "--slasher", aliceAddr, "--assets", "stake", "--pfc", "1", "--threshold", "0.5"), `service name "Oracle" is not valid`},
		{"service update nothing", tx("service", "update", "oracle", "--from", "alice"), "nothing to change"},
		{"service update bad admin", tx("service", "update", "oracle", "--new-admin", "bob", "--from", "alice"), `--new-admin "bob" is not a valid address`},
		{"allow bad operator", tx("service", "allow", "oracle", "bob", "--from", "alice"), `operator "bob" is not a valid address`},
		{"veto bad id", tx("service", "veto", "0", "--from", "bob"), `id "0" is not valid`},
		{"execute bad id", tx("service", "execute-slash", "one", "--from", "bob"), `id "one" is not valid`},
		{"deposit without denom", tx("restake", "deposit", valAddr, "100", "--from", "alice"), `amount "100" is not valid`},
		{"withdraw bad operator", tx("restake", "withdraw", "val", "100stake", "--from", "alice"), `operator "val" is not a valid address`},
		{"complete bad id", tx("restake", "complete", "1.5", "--from", "alice"), `id "1.5" is not valid`},
		{"register asset bad denom", tx("params", "register-asset", "USDC", "1", "--from", "alice"), `denom "USDC" is not valid`},
		{"register asset zero price", tx("params", "register-asset", "usdc", "0", "--from", "alice"), `price "0" is not valid`},
		{"set price bad price", tx("params", "set-price", "usdc", "cheap", "--from", "alice"), `price "cheap" is not valid`},
		{"missing --from", tx("operator", "opt-out", "oracle"), "--from is required"},
		{"wrong argument count", tx("operator", "allocate", "oracle", "stake", "--from", "val"), "accepts 3 arg(s)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { failCLI(t, tc.want, tc.args...) })
	}
}

// eventually retries fn until it succeeds, for steps that wait on block
// time (veto windows, escrow and withdrawal delays of a second or two).
func eventually(t *testing.T, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestRestakingTxEndToEnd runs the restaking flow through the CLI against
// a real in-process node: an operator, services, deposits, allocations,
// slashes (burned, vetoed, executed and redistributed), a withdrawal, and
// the rejections the chain answers with.
func TestRestakingTxEndToEnd(t *testing.T) {
	n := apitest.StartNode(t)
	url := apiServer(t, api.New(n.App, n.RPC, apitest.Logger()))
	home := testHome(t)
	common := []string{"--api", url, "--home", home, "--keyring-backend", "test", "--yes", "--wait"}
	tx := func(args ...string) []string { return append(append([]string{"tx"}, args...), common...) }
	q := func(args ...string) string {
		return mustCLI(t, append(append([]string{"query"}, args...), "--api", url)...)
	}
	run := func(args ...string) { t.Helper(); mustCLI(t, tx(args...)...) }
	try := func(args ...string) error { _, _, err := cli(t, "", tx(args...)...); return err }

	// Short delays so the whole flow fits in seconds of block time.
	run("params", "set", "withdrawal_delay=2s", "slash_resolution_delay=1s", "--from", "alice")
	run("params", "register-asset", "usdc", "0.5", "--from", "alice")
	run("params", "set-price", "usdc", "0.25", "--from", "alice")
	wantAll(t, q("assets"), "usdc", "priced", "0.25")
	failCLI(t, "rule not-authority", tx("params", "set-price", "usdc", "1", "--from", "val")...)
	run("bank", "send", "alice", bobAddr, "100000stake")

	// Operator and services.
	run("operator", "register", "--validator", "--metadata", "val operator", "--from", "val")
	run("service", "register", "oracle", "--slasher", aliceAddr, "--assets", "stake,ststake", "--pfc", "5000", "--threshold", "0.5", "--from", "alice")
	run("service", "register", "bridge", "--slasher", aliceAddr, "--resolver", bobAddr, "--veto-window", "1h",
		"--assets", "ststake", "--policy", "allowlist", "--pfc", "100", "--threshold", "0.5", "--from", "alice")
	run("service", "register", "relay", "--slasher", aliceAddr, "--resolver", bobAddr, "--veto-window", "1s",
		"--destination", bobAddr, "--assets", "ststake", "--pfc", "100", "--threshold", "0.5", "--from", "alice")
	wantAll(t, q("services"), "bridge", "oracle", "relay", "allowlist")
	run("operator", "opt-in", "oracle", "--from", "val")
	failCLI(t, "rule unknown-service", tx("operator", "opt-in", "nosuch", "--from", "val")...)
	failCLI(t, "rule not-allowed", tx("operator", "opt-in", "bridge", "--from", "val")...)
	run("service", "allow", "bridge", valAddr, "--from", "alice")
	run("operator", "opt-in", "bridge", "--from", "val")
	run("operator", "opt-in", "relay", "--from", "val")

	// A staker restakes native stake and ststake; the operator allocates.
	run("liquid", "stake", "10000stake", "--from", "alice")
	run("restake", "deposit", valAddr, "10000ststake", "--from", "alice")
	run("restake", "deposit", valAddr, "4000stake", "--from", "alice")
	failCLI(t, "rule insufficient-funds", tx("restake", "deposit", valAddr, "1ststake", "--from", "alice")...)
	run("operator", "allocate", "oracle", "stake", "1", "--from", "val")
	run("operator", "allocate", "oracle", "ststake", "0.5", "--from", "val")
	run("operator", "allocate", "bridge", "ststake", "0.25", "--from", "val")
	run("operator", "allocate", "relay", "ststake", "0.25", "--from", "val")
	failCLI(t, "rule over-allocated", tx("operator", "allocate", "relay", "ststake", "0.5", "--from", "val")...)
	wantAll(t, q("operator", valAddr), "oracle", "bridge", "relay", "4000", "10000")
	wantAll(t, q("service-stake", "oracle"), "total value:", "9000")

	// Slash #1 burns 0.2 of oracle's stake allocation at once.
	failCLI(t, "rule not-slasher", tx("service", "slash", "oracle", valAddr, "0.1", "--from", "bob")...)
	failCLI(t, "rule unknown-service", tx("service", "slash", "nosuch", valAddr, "0.1", "--from", "alice")...)
	run("service", "slash", "oracle", valAddr, "0.2", "--assets", "stake", "--reason", "equivocation", "--from", "alice")
	wantAll(t, q("slash", "1"), "executed", "800stake", "burn", "equivocation")
	wantAll(t, q("positions", aliceAddr), "3200", "800")

	// Slash #2 waits bridge's hour-long window and is vetoed.
	run("service", "slash", "bridge", valAddr, "0.5", "--from", "alice")
	failCLI(t, "rule veto-window-open", tx("service", "execute-slash", "2", "--from", "bob")...)
	failCLI(t, "rule not-resolver", tx("service", "veto", "2", "--from", "alice")...)
	run("service", "veto", "2", "--from", "bob")
	wantAll(t, q("slash", "2"), "vetoed")

	// A withdrawal queued before slash #3 is slashed with the operator.
	run("restake", "withdraw", valAddr, "1000ststake", "--from", "alice")
	run("service", "slash", "relay", valAddr, "0.4", "--from", "alice")
	eventually(t, "execute slash #3 after its window", func() error { return try("service", "execute-slash", "3", "--from", "bob") })
	wantAll(t, q("slash", "3"), "executed", bobAddr, "claimable from:")
	eventually(t, "claim slash #3's escrow", func() error { return try("service", "claim-redistribution", "3", "--from", "bob") })
	wantAll(t, q("slash", "3"), "claimed:", "true")
	failCLI(t, "rule already-claimed", tx("service", "claim-redistribution", "3", "--from", "bob")...)
	eventually(t, "complete withdrawal #1", func() error { return try("restake", "complete", "1", "--from", "alice") })
	wantAll(t, q("withdrawals", aliceAddr), "completed")
	failCLI(t, "rule already-completed", tx("restake", "complete", "1", "--from", "alice")...)
	wantAll(t, q("slashes", "--operator", valAddr), "relay", "bridge", "oracle", "vetoed")

	// Changes: the operator's take allocation_config_delay, service terms apply at once.
	run("operator", "update", "--allocation-delay", "1d", "--from", "val")
	wantAll(t, q("operator", valAddr), "pending change:", "allocation delay 1d")
	run("service", "update", "oracle", "--threshold", "0.6", "--metadata", "v2", "--from", "alice")
	wantAll(t, q("service", "oracle"), "threshold:", "0.6", "v2")
	run("service", "disallow", "bridge", valAddr, "--from", "alice")
	run("operator", "opt-out", "oracle", "--from", "val")
	failCLI(t, "rule not-opted-in", tx("operator", "opt-out", "oracle", "--from", "val")...)
	checkInvariants(t, url)
}

// checkInvariants asks the API to run the chain's invariants.
func checkInvariants(t *testing.T, url string) {
	t.Helper()
	c, err := newAPIClient(url)
	if err != nil {
		t.Fatal(err)
	}
	var inv api.Invariants
	if err := c.get(context.Background(), "/v1/invariants", &inv); err != nil || !inv.OK {
		t.Fatalf("invariants: %v %+v", err, inv)
	}
}
