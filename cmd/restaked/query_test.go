package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/restaked/restaked/api"
	"github.com/restaked/restaked/api/apitest"
	"github.com/restaked/restaked/keyring"
	"github.com/restaked/restaked/tx"
)

// queryChain is a chain driven by the test: Alice sent Bob 1000stake,
// delegated 5000stake to Val and unbonds 2000stake of it.
func queryChain(t *testing.T) string {
	t.Helper()
	c := apitest.NewChain(t)
	c.Block(t)
	alice, val := apitest.Addr(apitest.Alice).String(), apitest.Addr(apitest.Val).String()
	txs := [][]byte{
		apitest.Send(t, apitest.Alice, 0, apitest.Addr(apitest.Bob), "1000stake"),
		apitest.Sign(t, apitest.Alice, 1, &tx.MsgDelegate{Delegator: alice, Validator: val, Amount: "5000stake"}),
		apitest.Sign(t, apitest.Alice, 2, &tx.MsgUndelegate{Delegator: alice, Validator: val, Amount: "2000stake"}),
	}
	for i, r := range c.Block(t, txs...) {
		if r.Code != 0 {
			t.Fatalf("tx %d: %s", i, r.Log)
		}
	}
	c.Block(t)
	return apiServer(t, api.New(c.App, nil, nil))
}

func TestQueryText(t *testing.T) {
	url := queryChain(t)
	aliceLeft := fmt.Sprint(apitest.InitialBalance - 1000 - 5000 - 3*apitest.MinFee)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"status"}, []string{"chain id:", apitest.ChainID, "height:", "3", "node:", "unreachable"}},
		{[]string{"account", aliceAddr}, []string{aliceAddr, aliceLeft + "stake", "sequence: 3"}},
		{[]string{"account", bobAddr}, []string{"1000stake", "sequence: 0"}},
		{[]string{"balances", bobAddr}, []string{"DENOM", "stake", "1000"}},
		{[]string{"balances", deadKeyAddr()}, []string{"has no balances"}},
		{[]string{"supply"}, []string{"DENOM", "SUPPLY", "stake"}},
		{[]string{"params"}, []string{"native_denom:", "min_fee:", "10", "inflation:", "0.07", "authority:", aliceAddr, "unbonding_period_s:", "1814400 (3w)"}},
		{[]string{"validators"}, []string{"OPERATOR", valAddr, "val0", "bonded", fmt.Sprint(apitest.SelfDelegation + 3000)}},
		{[]string{"validator", valAddr}, []string{"moniker:", "val0", "commission:", "0.1", "voting power:", "cons address:"}},
		{[]string{"delegations", aliceAddr}, []string{"VALIDATOR", valAddr, "3000"}},
		{[]string{"delegations", bobAddr}, []string{"has no delegations"}},
		{[]string{"unbondings", aliceAddr}, []string{"ID", valAddr, "2000"}},
		{[]string{"unbondings", bobAddr}, []string{"has no unbonding entries"}},
		{[]string{"rewards", valAddr}, []string{"STREAM", "PENDING", "staking", "stake", "total:"}},
		{[]string{"rewards", bobAddr}, []string{"staking", "total:", "none"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out := mustCLI(t, append(append([]string{"query"}, tc.args...), "--api", url)...)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// deadKeyAddr is an address no test key owns.
func deadKeyAddr() string { return apitest.Addr(keyring.DeterministicKey("nobody")).String() }

func TestQueryJSON(t *testing.T) {
	url := queryChain(t)
	out := mustCLI(t, "q", "account", aliceAddr, "-o", "json", "--api", url)
	var a api.Account
	if err := json.Unmarshal([]byte(out), &a); err != nil || a.Sequence != 3 || a.Height != 3 {
		t.Fatalf("account JSON %q: %v", out, err)
	}
	out = mustCLI(t, "query", "validators", "-o", "json", "--api", url)
	var v api.Validators
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Validators) != 1 || v.Validators[0].Operator != valAddr {
		t.Fatalf("validators JSON %q: %v", out, err)
	}
}

func TestQueryErrors(t *testing.T) {
	url := queryChain(t)
	notAPI := httptest.NewServer(http.NotFoundHandler())
	defer notAPI.Close()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad address", []string{"account", "rst1bad", "--api", url}, "(rule bad-address)"},
		{"validator not found", []string{"validator", bobAddr, "--api", url}, "no validator with operator " + bobAddr + " (rule not-found)"},
		{"bad hash", []string{"tx", "1234", "--api", url}, "(rule bad-hash)"},
		{"tx needs a node", []string{"tx", strings.Repeat("ab", 32), "--api", url}, "(rule rpc-unavailable)"},
		{"API down", []string{"status", "--api", deadAPI(t)}, "cannot reach the restaked API at http://127.0.0.1:"},
		{"bad output", []string{"supply", "-o", "xml", "--api", url}, `unknown output format "xml"`},
		{"missing argument", []string{"account", "--api", url}, "accepts 1 arg"},
		{"not an API", []string{"status", "--api", notAPI.URL}, "the API answered 404 Not Found: 404 page not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { failCLI(t, tc.want, append([]string{"query"}, tc.args...)...) })
	}
}

func TestAPIFromEnvironment(t *testing.T) {
	url := queryChain(t)
	t.Setenv(apiEnv, url)
	if out := mustCLI(t, "query", "status"); !strings.Contains(out, apitest.ChainID) {
		t.Fatalf("status via %s: %q", apiEnv, out)
	}
}
