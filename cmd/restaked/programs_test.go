package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/restaked/restaked/api"
	"github.com/restaked/restaked/api/apitest"
)

// rewardsAPI serves the apitest.Rewards chain (see its doc).
func rewardsAPI(t *testing.T) string {
	t.Helper()
	return apiServer(t, api.New(apitest.NewRewards(t).App, nil, nil))
}

func TestProgramQueryText(t *testing.T) {
	url := rewardsAPI(t)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"programs"}, []string{"ID", "SERVICE", "STATUS", "oracle", "1000stake", "ended", "bridge", apitest.BridgeProgram, "cancelled"}},
		{[]string{"programs", "--service", "oracle"}, []string{"oracle", "ended"}},
		{[]string{"programs", "--limit", "1"}, []string{"bridge", "more: repeat with --before 2"}},
		{[]string{"programs", "--before", "1"}, []string{"no reward programs"}},
		{[]string{"program", "1"}, []string{"service:", "oracle", "amount:", "1000stake", "duration:", "50s", "status:", "ended",
			"closed:", "escrowed:", "credited:", "refunded:", "funder:", aliceAddr}},
		{[]string{"program", "2"}, []string{"bridge", "status:", "cancelled", "duration:", "1h"}},
		// Alice earns as a staker of both services through her stake and ststake positions.
		{[]string{"rewards", aliceAddr}, []string{"STREAM", "SERVICE", "ROLE", "OPERATOR", "ASSET", "PENDING",
			"staking", "native", "service", "oracle", "bridge", "staker", valAddr, "ststake", "total:", "APR", "%",
			"stake earning:", "12200 (native units)", "apr:"}},
		// Val takes its 10% commission on oracle.
		{[]string{"rewards", valAddr}, []string{"service", "oracle", "operator", "stake"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			wantAll(t, mustCLI(t, append(append([]string{"query"}, tc.args...), "--api", url)...), tc.want...)
		})
	}
	var r api.Rewards
	out := mustCLI(t, "query", "rewards", aliceAddr, "-o", "json", "--api", url)
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Streams) < 4 {
		t.Fatalf("rewards JSON %q: %v", out, err)
	}
	errs := []struct {
		name string
		args []string
		want string
	}{
		{"unknown program", []string{"program", "9"}, "no reward program #9 (rule not-found)"},
		{"bad id", []string{"program", "first"}, `id "first" is not valid`},
		{"bad service", []string{"programs", "--service", "Oracle"}, `service name "Oracle" is not valid`},
		{"bad cursor", []string{"programs", "--before", "x"}, "(rule bad-cursor)"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			failCLI(t, tc.want, append(append([]string{"query"}, tc.args...), "--api", url)...)
		})
	}
}

func TestPercent(t *testing.T) {
	cases := map[string]string{"": "-", "x": "-", "0": "0.00%", "0.05": "5.00%", "0.123456": "12.35%",
		"12.5": "1250.00%", "0.000000000000000001": "0.00%"}
	for in, want := range cases {
		if got := percent(in); got != want {
			t.Errorf("percent(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseStart(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		err  string
	}{
		{"", 0, ""},
		{"1767225600", 1767225600, ""},
		{"2026-01-01T00:00:00Z", 1767225600, ""},
		{"2026-01-01T01:00:00+01:00", 1767225600, ""},
		{"0", 0, "positive unix time"},
		{"-5", 0, "positive unix time"},
		{"tomorrow", 0, "RFC 3339"},
		{"2026-01-01", 0, "RFC 3339"},
		{"1969-12-31T00:00:00Z", 0, "RFC 3339"},
		{"99999999999999999999", 0, "RFC 3339"},
	}
	for _, c := range cases {
		got, err := parseStart(c.in)
		if c.err == "" && (err != nil || got != c.want) {
			t.Errorf("parseStart(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
		if c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("parseStart(%q) = %d, %v; want an error containing %q", c.in, got, err, c.err)
		}
	}
}

// TestProgramTxErrors covers what is refused before anything is signed.
func TestProgramTxErrors(t *testing.T) {
	c := apitest.NewChain(t)
	c.Block(t)
	url := apiServer(t, api.New(c.App, nil, nil))
	common := []string{"--api", url, "--home", testHome(t), "--keyring-backend", "test", "--yes", "--from", "alice"}
	tx := func(args ...string) []string {
		return append(append([]string{"tx", "service", "program"}, args...), common...)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad service", tx("create", "Oracle", "10stake", "1d"), `service name "Oracle" is not valid`},
		{"amount without denom", tx("create", "oracle", "10", "1d"), `amount "10" is not valid`},
		{"zero amount", tx("create", "oracle", "0stake", "1d"), `amount "0stake" is not valid`},
		{"two coins", tx("create", "oracle", "1stake,2usdc", "1d"), `amount "1stake,2usdc" is not valid`},
		{"bad duration", tx("create", "oracle", "10stake", "a month"), `duration "a month" is not valid`},
		{"empty duration", tx("create", "oracle", "10stake", ""), "duration is required"},
		{"bad start", tx("create", "oracle", "10stake", "1d", "--start", "soon"), `--start "soon" is not valid`},
		{"missing duration", tx("create", "oracle", "10stake"), "accepts 3 arg(s)"},
		{"negative start height", tx("create", "oracle", "10stake", "1d", "--start-height", "-1"), `--start-height -1 is not valid`},
		{"start and start height", tx("create", "oracle", "10stake", "1d", "--start", "5", "--start-height", "9"), "none of the others can be"},
		{"cancel bad id", tx("cancel", "0"), `id "0" is not valid`},
		{"cancel no id", tx("cancel"), "accepts 1 arg(s)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { failCLI(t, tc.want, tc.args...) })
	}
}

// TestProgramTxEndToEnd funds, reads, claims and cancels reward programs
// through the CLI against a real in-process node.
func TestProgramTxEndToEnd(t *testing.T) {
	n := apitest.StartNode(t)
	url := apiServer(t, api.New(n.App, n.RPC, apitest.Logger()))
	home := testHome(t)
	common := []string{"--api", url, "--home", home, "--keyring-backend", "test", "--yes", "--wait"}
	tx := func(args ...string) []string { return append(append([]string{"tx"}, args...), common...) }
	q := func(args ...string) string {
		return mustCLI(t, append(append([]string{"query"}, args...), "--api", url)...)
	}
	run := func(args ...string) { t.Helper(); mustCLI(t, tx(args...)...) }

	run("operator", "register", "--validator", "--commission", "0.1", "--from", "val")
	run("service", "register", "oracle", "--slasher", aliceAddr, "--assets", "stake", "--pfc", "5000", "--threshold", "0.5", "--from", "alice")
	run("operator", "opt-in", "oracle", "--from", "val")
	run("restake", "deposit", valAddr, "4000stake", "--from", "alice")
	run("operator", "allocate", "oracle", "stake", "1", "--from", "val")
	run("bank", "send", "alice", bobAddr, "1000stake")

	// Program 1 pays 10,000,000stake over a day; program 2 starts in a day.
	run("service", "program", "create", "oracle", "10000000stake", "1d", "--from", "alice")
	failCLI(t, "rule not-admin", tx("service", "program", "create", "oracle", "10stake", "1d", "--from", "bob")...)
	failCLI(t, "rule unknown-service", tx("service", "program", "create", "nosuch", "10stake", "1d", "--from", "alice")...)
	failCLI(t, "rule bad-start", tx("service", "program", "create", "oracle", "10stake", "1d", "--start", "2001-01-01T00:00:00Z", "--from", "alice")...)
	later := strconv.FormatInt(time.Now().Add(24*time.Hour).Unix(), 10)
	run("service", "program", "create", "oracle", "5000stake", "1h", "--start", later, "--from", "alice")
	wantAll(t, q("programs", "--service", "oracle"), "10000000stake", "5000stake", "active")
	wantAll(t, q("program", "2"), "start:", time.Unix(mustInt64(t, later), 0).UTC().Format(time.RFC3339), "escrowed:", "5000")

	// Program 3 waits for a height.
	run("service", "program", "create", "oracle", "3600stake", "1h", "--start-height", "1000000", "--from", "alice")
	wantAll(t, q("program", "3"), "start:", "at height 1000000", "end:", "-", "escrowed:", "3600")
	wantAll(t, q("programs"), "at height 1000000")

	// Emission reaches alice (staker) and val (commission) within a few blocks.
	eventually(t, "service streams", func() error {
		if !hasStream(t, q("rewards", aliceAddr, "-o", "json"), "oracle", "staker") {
			return fmt.Errorf("no staker stream yet")
		}
		if !hasStream(t, q("rewards", valAddr, "-o", "json"), "oracle", "operator") {
			return fmt.Errorf("no operator stream yet")
		}
		return nil
	})
	wantAll(t, q("rewards", aliceAddr), "service", "oracle", "staker")
	run("distribution", "claim", "--from", "alice")

	// Cancelling returns what was not emitted; a second cancel is refused.
	failCLI(t, "rule not-admin", tx("service", "program", "cancel", "1", "--from", "bob")...)
	run("service", "program", "cancel", "1", "--from", "alice")
	run("service", "program", "cancel", "2", "--from", "alice")
	run("service", "program", "cancel", "3", "--from", "alice")
	wantAll(t, q("program", "3"), "cancelled", "refunded:", "3600")
	wantAll(t, q("program", "2"), "cancelled", "refunded:", "5000", "credited:", "0")
	wantAll(t, q("program", "1"), "cancelled", "closed:")
	failCLI(t, "rule program-closed", tx("service", "program", "cancel", "1", "--from", "alice")...)
	failCLI(t, "rule no-program", tx("service", "program", "cancel", "7", "--from", "alice")...)
	checkInvariants(t, url)
}

func mustInt64(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// hasStream reports whether a rewards JSON answer holds a pending stream
// of service as role.
func hasStream(t *testing.T, out, service, role string) bool {
	t.Helper()
	var r api.Rewards
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("rewards JSON %q: %v", out, err)
	}
	for _, s := range r.Streams {
		if s.Service == service && s.Role == role && len(s.Pending) == 1 {
			return true
		}
	}
	return false
}
