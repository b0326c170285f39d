package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/restaked/restaked/api"
	"github.com/restaked/restaked/api/apitest"
	"github.com/restaked/restaked/keyring"
)

var (
	aliceAddr = apitest.Addr(apitest.Alice).String()
	bobAddr   = apitest.Addr(apitest.Bob).String()
	valAddr   = apitest.Addr(apitest.Val).String()
)

// cli runs the restaked root command with args and returns stdout, stderr
// and the error main would turn into exit status 1.
func cli(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	cmd := rootCmd()
	var out, errOut strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := cli(t, "", args...)
	if err != nil {
		t.Fatalf("restaked %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func failCLI(t *testing.T, want string, args ...string) {
	t.Helper()
	_, _, err := cli(t, "", args...)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("restaked %s: error %v, want one containing %q", strings.Join(args, " "), err, want)
	}
}

// testHome holds a test-backend keyring with the apitest keys.
func testHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	kr, err := keyring.Open(home, keyring.BackendTest, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, k := range map[string]ed25519.PrivateKey{"alice": apitest.Alice, "bob": apitest.Bob, "val": apitest.Val} {
		if _, err := kr.Import(name, hex.EncodeToString(k.Seed())); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

// apiServer serves the API of a as a real HTTP server.
func apiServer(t *testing.T, s *api.Server) string {
	t.Helper()
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// deadAPI is an address where nothing listens.
func deadAPI(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func decodeResult(t *testing.T, out string) api.BroadcastResult {
	t.Helper()
	var r api.BroadcastResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("bad JSON %q: %v", out, err)
	}
	return r
}

// TestTxEndToEnd signs with the CLI, broadcasts through the API to a real
// in-process CometBFT node, and reads the results back with the CLI.
func TestTxEndToEnd(t *testing.T) {
	n := apitest.StartNode(t)
	url := apiServer(t, api.New(n.App, n.RPC, apitest.Logger()))
	home := testHome(t)
	common := []string{"--api", url, "--home", home, "--keyring-backend", "test", "--yes"}
	tx := func(args ...string) []string { return append(append([]string{"tx"}, args...), common...) }
	q := func(args ...string) []string { return append(append([]string{"query"}, args...), "--api", url) }

	res := decodeResult(t, mustCLI(t, tx("bank", "send", "alice", bobAddr, "250stake", "--wait", "-o", "json")...))
	if !res.Committed || res.Code != 0 || res.Height == 0 {
		t.Fatalf("send: %+v", res)
	}
	n.WaitHeight(t, res.Height)
	if out := mustCLI(t, q("balances", bobAddr)...); !strings.Contains(out, "stake") || !strings.Contains(out, "250") {
		t.Errorf("bob's balances: %q", out)
	}
	if out := mustCLI(t, q("tx", res.Hash)...); !strings.Contains(out, `"send"`) || !strings.Contains(out, aliceAddr) {
		t.Errorf("query tx: %q", out)
	}

	// Without --wait the CLI returns after the mempool accepted the tx.
	out := mustCLI(t, tx("bank", "send", "alice", bobAddr, "1stake")...)
	if !strings.Contains(out, "hash:") || !strings.Contains(out, "code: 0") || strings.Contains(out, "height:") {
		t.Errorf("send text output: %q", out)
	}
	waitSequence(t, url, aliceAddr, 2)

	// Staking: a new validator from the consensus key in --home, then delegations.
	consPub := keyring.DeterministicKey("alice-consensus").Public().(ed25519.PublicKey)
	writePVKey(t, home, consPub)
	mustCLI(t, tx("staking", "create-validator", "--from", "alice", "--amount", "1000000stake", "--commission", "0.05", "--moniker", "alice-val", "--wait")...)
	if out := mustCLI(t, q("validator", aliceAddr)...); !strings.Contains(out, "alice-val") ||
		!strings.Contains(out, base64.StdEncoding.EncodeToString(consPub)) {
		t.Errorf("new validator: %q", out)
	}
	mustCLI(t, tx("staking", "delegate", valAddr, "5000stake", "--from", "alice", "--wait")...)
	mustCLI(t, tx("staking", "undelegate", valAddr, "2000stake", "--from", "alice", "--wait")...)
	if out := mustCLI(t, q("delegations", aliceAddr)...); !strings.Contains(out, valAddr) || !strings.Contains(out, "3000") {
		t.Errorf("delegations: %q", out)
	}
	if out := mustCLI(t, q("unbondings", aliceAddr)...); !strings.Contains(out, "2000") {
		t.Errorf("unbondings: %q", out)
	}
	mustCLI(t, tx("staking", "edit-validator", "--from", "val", "--moniker", "renamed", "--wait")...)
	if out := mustCLI(t, q("validators")...); !strings.Contains(out, "renamed") || !strings.Contains(out, "alice-val") {
		t.Errorf("validators: %q", out)
	}
	mustCLI(t, tx("distribution", "claim", "--from", "val", "--wait")...)

	// Liquid staking: stake for ststake, unstake into a claim.
	mustCLI(t, tx("liquid", "stake", "10000stake", "--from", "alice", "--wait")...)
	mustCLI(t, tx("liquid", "unstake", "4000ststake", "--from", "alice", "--wait")...)
	if out := mustCLI(t, q("liquid")...); !strings.Contains(out, "rate:") || !strings.Contains(out, "6000ststake") {
		t.Errorf("liquid: %q", out)
	}
	if out := mustCLI(t, q("liquid", "claims", aliceAddr)...); !strings.Contains(out, "BURNED") || !strings.Contains(out, "4000") || !strings.Contains(out, "pending") {
		t.Errorf("liquid claims: %q", out)
	}
	failCLI(t, "rule insufficient-funds", tx("liquid", "unstake", "7000ststake", "--from", "alice", "--wait")...)
	// Newest first, one page at a time.
	mustCLI(t, tx("liquid", "unstake", "1000ststake", "--from", "alice", "--wait")...)
	if out := mustCLI(t, q("liquid", "claims", aliceAddr, "--limit", "1")...); !strings.Contains(out, "1000") ||
		strings.Contains(out, "4000") || !strings.Contains(out, "more: repeat with --before 2") {
		t.Errorf("liquid claims, first page: %q", out)
	}
	if out := mustCLI(t, q("liquid", "claims", aliceAddr, "--limit", "1", "--before", "2")...); !strings.Contains(out, "4000") ||
		strings.Contains(out, "more: repeat with --before") {
		t.Errorf("liquid claims, second page: %q", out)
	}
	failCLI(t, "bad-limit", q("liquid", "claims", aliceAddr, "--limit", "-1")...)

	// Rejections name the rule and fail the command.
	failCLI(t, "rule commission-change-too-large", tx("staking", "edit-validator", "--from", "val", "--commission", "0.5", "--wait")...)
	failCLI(t, "rule not-jailed", tx("staking", "unjail", "--from", "val")...)
	failCLI(t, "rule not-authority", tx("params", "set", "min_fee=1", "--from", "val", "--wait")...)

	// The authority raises the fee; the default --fee follows.
	mustCLI(t, tx("params", "set", "min_fee=20", "--from", "alice", "--wait")...)
	if out := mustCLI(t, q("params")...); !strings.Contains(out, "min_fee:") || !strings.Contains(out, "20") {
		t.Errorf("params: %q", out)
	}
	res = decodeResult(t, mustCLI(t, tx("bank", "send", "alice", bobAddr, "1stake", "--wait", "-o", "json")...))
	if txOut := mustCLI(t, q("tx", res.Hash, "-o", "json")...); !strings.Contains(txOut, `"fee": "20stake"`) {
		t.Errorf("fee after params change: %s", txOut)
	}
	failCLI(t, "rule insufficient-fee", tx("bank", "send", "alice", bobAddr, "1stake", "--fee", "10stake")...)
}

// waitSequence waits until addr's committed sequence reaches seq.
func waitSequence(t *testing.T, url, addr string, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		out, _, err := cli(t, "", "query", "account", addr, "-o", "json", "--api", url)
		var a api.Account
		if err == nil && json.Unmarshal([]byte(out), &a) == nil && a.Sequence >= seq {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("sequence of %s did not reach %d", addr, seq)
}

func writePVKey(t *testing.T, home string, pub []byte) {
	t.Helper()
	doc := `{"address":"00","pub_key":{"type":"tendermint/PubKeyEd25519","value":"` +
		base64.StdEncoding.EncodeToString(pub) + `"},"priv_key":{"type":"tendermint/PrivKeyEd25519","value":"secret"}}`
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "config", "priv_validator_key.json"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestTxErrors covers failures before and at broadcast; no node is needed.
func TestTxErrors(t *testing.T) {
	c := apitest.NewChain(t)
	c.Block(t)
	url := apiServer(t, api.New(c.App, nil, nil))
	home := testHome(t)
	common := []string{"--api", url, "--home", home, "--keyring-backend", "test", "--yes"}
	tx := func(args ...string) []string { return append(append([]string{"tx"}, args...), common...) }

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown key", tx("bank", "send", "nobody", bobAddr, "5stake"), `"nobody"`},
		{"amount without denom", tx("bank", "send", "alice", bobAddr, "5"), `amount "5" is not valid`},
		{"zero amount", tx("bank", "send", "alice", bobAddr, "0stake"), `amount "0stake" is not valid`},
		{"bad recipient", tx("bank", "send", "alice", "rst1nope", "5stake"), `recipient "rst1nope" is not a valid address`},
		{"from disagrees", tx("bank", "send", "alice", bobAddr, "5stake", "--from", "bob"), "disagree"},
		{"missing --from", tx("staking", "delegate", valAddr, "5stake"), "--from is required"},
		{"delegate two denoms", tx("staking", "delegate", valAddr, "5stake,1atom", "--from", "alice"), "is not valid"},
		{"bad validator", tx("staking", "undelegate", "val", "5stake", "--from", "alice"), `validator "val" is not a valid address`},
		{"commission over 1", tx("staking", "create-validator", "--from", "bob", "--amount", "5stake", "--commission", "1.5", "--cons-pubkey", base64.StdEncoding.EncodeToString(make([]byte, 32))), `commission "1.5"`},
		{"short cons key", tx("staking", "create-validator", "--from", "bob", "--amount", "5stake", "--cons-pubkey", "AAAA"), "32-byte ed25519"},
		{"no node key in home", tx("staking", "create-validator", "--from", "bob", "--amount", "5stake"), "priv_validator_key.json"},
		{"missing amount flag", tx("staking", "create-validator", "--from", "bob"), `"amount" not set`},
		{"edit nothing", tx("staking", "edit-validator", "--from", "val"), "nothing to change"},
		{"unknown param", tx("params", "set", "min_fees=3", "--from", "alice"), `unknown parameter "min_fees"`},
		{"param without value", tx("params", "set", "min_fee", "--from", "alice"), "is not NAME=VALUE"},
		{"bad param value", tx("params", "set", "unbonding_period=soon", "--from", "alice"), "unbonding_period"},
		{"bad fee", tx("bank", "send", "alice", bobAddr, "5stake", "--fee", "ten"), `--fee "ten" is not valid`},
		{"bad output", tx("bank", "send", "alice", bobAddr, "5stake", "-o", "yaml"), `unknown output format "yaml"`},
		{"bad keyring backend", append(tx("distribution", "claim", "--from", "alice"), "--keyring-backend", "os"), `unknown keyring backend "os"`},
		{"API has no node", tx("bank", "send", "alice", bobAddr, "5stake"), "no CometBFT node is connected to this API (rule rpc-unavailable)"},
		{"API down", append(tx("bank", "send", "alice", bobAddr, "5stake"), "--api", deadAPI(t)), "cannot reach the restaked API"},
		{"API address not a URL", append(tx("distribution", "claim", "--from", "alice"), "--api", "localhost:1317"), "must look like http://"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { failCLI(t, tc.want, tc.args...) })
	}
}

func TestTxConfirmation(t *testing.T) {
	c := apitest.NewChain(t)
	c.Block(t)
	url := apiServer(t, api.New(c.App, nil, nil))
	home := testHome(t)
	args := []string{"tx", "bank", "send", "alice", bobAddr, "5stake", "--api", url, "--home", home, "--keyring-backend", "test"}
	_, errOut, err := cli(t, "n\n", args...)
	if err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("declined: %v", err)
	}
	for _, want := range []string{"chain:    " + apitest.ChainID, "sequence: 0", "fee:      10stake", `"amount":"5stake"`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, errOut)
		}
	}
	// Accepting goes on to broadcast, which this node-less API refuses.
	if _, _, err := cli(t, "yes\n", args...); err == nil || !strings.Contains(err.Error(), "rule rpc-unavailable") {
		t.Fatalf("accepted: %v", err)
	}
	// Given flags are used as they are, without asking the API.
	_, errOut, _ = cli(t, "n\n", append(args, "--chain-id", "other", "--sequence", "7", "--fee", "3stake", "--api", deadAPI(t))...)
	if !strings.Contains(errOut, "chain:    other") || !strings.Contains(errOut, "sequence: 7") || !strings.Contains(errOut, "fee:      3stake") {
		t.Errorf("explicit flags: %s", errOut)
	}
}
