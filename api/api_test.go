package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/restaked/restaked/api/apitest"
	"github.com/restaked/restaked/tx"
)

var (
	alice = apitest.Addr(apitest.Alice)
	bob   = apitest.Addr(apitest.Bob)
	val   = apitest.Addr(apitest.Val)
)

// readChain is a chain after three blocks: Alice sent Bob 1000stake,
// delegated 5000stake to Val and started unbonding 2000stake of it.
func readChain(t *testing.T) (*apitest.Chain, []byte) {
	t.Helper()
	c := apitest.NewChain(t)
	c.Block(t)
	send := apitest.Send(t, apitest.Alice, 0, bob, "1000stake")
	del := apitest.Sign(t, apitest.Alice, 1, &tx.MsgDelegate{Delegator: alice.String(), Validator: val.String(), Amount: "5000stake"})
	for i, r := range c.Block(t, send, del) {
		if r.Code != 0 {
			t.Fatalf("tx %d failed: %s", i, r.Log)
		}
	}
	undel := apitest.Sign(t, apitest.Alice, 2, &tx.MsgUndelegate{Delegator: alice.String(), Validator: val.String(), Amount: "2000stake"})
	if r := c.Block(t, undel); r[0].Code != 0 {
		t.Fatalf("undelegate failed: %s", r[0].Log)
	}
	return c, send
}

type routeCase struct {
	name   string
	method string
	path   string
	body   string
	status int
	rule   string                          // for errors
	check  func(t *testing.T, body []byte) // for successes
}

func do(t *testing.T, h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("bad JSON %s: %v", body, err)
	}
	return v
}

func runCases(t *testing.T, h http.Handler, cases []routeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			rec := do(t, h, method, tc.path, tc.body)
			body := rec.Body.Bytes()
			if rec.Code != tc.status {
				t.Fatalf("%s %s: status %d, want %d: %s", method, tc.path, rec.Code, tc.status, body)
			}
			if tc.rule != "" {
				if e := decode[errorBody](t, body); e.Rule != tc.rule || e.Error == "" {
					t.Fatalf("error %+v, want rule %q", e, tc.rule)
				}
			}
			if tc.check != nil {
				tc.check(t, body)
			}
		})
	}
}

func wantCoins(t *testing.T, got []Coin, want string) {
	t.Helper()
	var parts []string
	for _, c := range got {
		parts = append(parts, c.Amount+c.Denom)
	}
	if s := strings.Join(parts, ","); s != want {
		t.Errorf("coins %q, want %q", s, want)
	}
}

func TestReadRoutes(t *testing.T) {
	c, _ := readChain(t)
	h := New(c.App, nil, nil).Handler()
	aliceLeft := apitest.InitialBalance - 1000 - 5000 - 3*apitest.MinFee
	runCases(t, h, []routeCase{
		{name: "status", path: "/v1/status", status: 200, check: func(t *testing.T, b []byte) {
			s := decode[Status](t, b)
			if s.ChainID != apitest.ChainID || s.Height != 3 || len(s.AppHash) != 64 || s.NodeVersion == "" || s.RPCError == "" {
				t.Errorf("status %+v", s)
			}
		}},
		{name: "account", path: "/v1/accounts/" + alice.String(), status: 200, check: func(t *testing.T, b []byte) {
			a := decode[Account](t, b)
			if a.Sequence != 3 || a.Address != alice.String() || a.Height != 3 {
				t.Errorf("account %+v", a)
			}
			wantCoins(t, a.Balances, fmt.Sprintf("%dstake", aliceLeft))
		}},
		{name: "fresh account", path: "/v1/accounts/" + bob.String(), status: 200, check: func(t *testing.T, b []byte) {
			a := decode[Account](t, b)
			if a.Sequence != 0 {
				t.Errorf("sequence %d", a.Sequence)
			}
			wantCoins(t, a.Balances, "1000stake")
		}},
		{name: "balances", path: "/v1/accounts/" + bob.String() + "/balances", status: 200, check: func(t *testing.T, b []byte) {
			wantCoins(t, decode[Balances](t, b).Balances, "1000stake")
		}},
		{name: "account bad address", path: "/v1/accounts/notanaddress", status: 400, rule: "bad-address"},
		{name: "account wrong prefix", path: "/v1/accounts/cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", status: 400, rule: "bad-address"},
		{name: "account bad checksum", path: "/v1/accounts/" + flipLast(alice.String()), status: 400, rule: "bad-address"},
		{name: "balances bad address", path: "/v1/accounts/rst1/balances", status: 400, rule: "bad-address"},
		{name: "supply", path: "/v1/supply", status: 200, check: func(t *testing.T, b []byte) {
			s := decode[Supply](t, b)
			if len(s.Supply) != 1 || s.Supply[0].Denom != "stake" {
				t.Errorf("supply %+v", s)
			}
		}},
		{name: "params", path: "/v1/params", status: 200, check: func(t *testing.T, b []byte) {
			p := decode[Params](t, b)
			if p.Params.MinFee.String() != "10" || p.Params.NativeDenom != "stake" || p.Params.Authority != alice {
				t.Errorf("params %+v", p.Params)
			}
			if !bytes.Contains(b, []byte(`"inflation":"0.07"`)) {
				t.Errorf("fractions must be decimal strings: %s", b)
			}
		}},
		{name: "validators", path: "/v1/validators", status: 200, check: func(t *testing.T, b []byte) {
			v := decode[Validators](t, b).Validators
			if len(v) != 1 || v[0].Operator != val.String() || v[0].Status != "bonded" || v[0].VotingPower <= 0 ||
				v[0].Commission != "0.1" || v[0].Moniker != "val0" || len(v[0].ConsAddress) != 40 {
				t.Errorf("validators %+v", v)
			}
		}},
		{name: "validator", path: "/v1/validators/" + val.String(), status: 200, check: func(t *testing.T, b []byte) {
			v := decode[ValidatorResponse](t, b).Validator
			want := fmt.Sprint(apitest.SelfDelegation + 3000)
			if v.Tokens != want || v.Jailed || v.Tombstoned {
				t.Errorf("validator %+v, want tokens %s", v, want)
			}
		}},
		{name: "validator not found", path: "/v1/validators/" + bob.String(), status: 404, rule: "not-found"},
		{name: "validator bad address", path: "/v1/validators/xyz", status: 400, rule: "bad-address"},
		{name: "delegations", path: "/v1/delegations/" + alice.String(), status: 200, check: func(t *testing.T, b []byte) {
			d := decode[Delegations](t, b)
			if len(d.Delegations) != 1 || d.Delegations[0].Validator != val.String() || d.Delegations[0].Tokens != "3000" {
				t.Errorf("delegations %+v", d)
			}
		}},
		{name: "no delegations is an empty list", path: "/v1/delegations/" + bob.String(), status: 200, check: func(t *testing.T, b []byte) {
			if !bytes.Contains(b, []byte(`"delegations":[]`)) {
				t.Errorf("want an empty list: %s", b)
			}
		}},
		{name: "delegations bad address", path: "/v1/delegations/%00", status: 400, rule: "bad-address"},
		{name: "unbondings", path: "/v1/unbondings/" + alice.String(), status: 200, check: func(t *testing.T, b []byte) {
			u := decode[Unbondings](t, b).Unbondings
			if len(u) != 1 || u[0].Balance != "2000" || u[0].Value != "2000" || u[0].CreationHeight != 3 || u[0].CompletesAt <= u[0].CreatedAt {
				t.Errorf("unbondings %+v", u)
			}
		}},
		{name: "unbondings bad address", path: "/v1/unbondings/rst1zzzz", status: 400, rule: "bad-address"},
		{name: "rewards", path: "/v1/rewards/" + val.String(), status: 200, check: func(t *testing.T, b []byte) {
			r := decode[Rewards](t, b)
			if len(r.Streams) != 1 || r.Streams[0].Stream != "staking" || len(r.Total) != 1 || r.Total[0].Amount == "0" {
				t.Errorf("rewards %+v", r)
			}
		}},
		{name: "no rewards", path: "/v1/rewards/" + bob.String(), status: 200, check: func(t *testing.T, b []byte) {
			r := decode[Rewards](t, b)
			if len(r.Total) != 0 || len(r.Streams) != 1 {
				t.Errorf("rewards %+v", r)
			}
		}},
		{name: "rewards bad address", path: "/v1/rewards/" + strings.Repeat("q", 200), status: 400, rule: "bad-address"},
		{name: "openapi", path: "/openapi.yaml", status: 200, check: func(t *testing.T, b []byte) {
			if !bytes.HasPrefix(b, []byte("openapi: 3")) {
				t.Errorf("openapi starts %q", b[:min(len(b), 40)])
			}
		}},
		{name: "unknown route", path: "/v1/nothing", status: 404, rule: "not-found"},
		{name: "empty address segment", path: "/v1/accounts/", status: 404, rule: "not-found"},
		{name: "wrong method", method: http.MethodDelete, path: "/v1/status", status: 405, rule: "method-not-allowed"},
		{name: "post to a read route", method: http.MethodPost, path: "/v1/supply", body: "{}", status: 405, rule: "method-not-allowed"},
	})
}

func flipLast(s string) string {
	last := s[len(s)-1]
	repl := byte('q')
	if last == 'q' {
		repl = 'p'
	}
	return s[:len(s)-1] + string(repl)
}

func TestTxRoutesWithoutNode(t *testing.T) {
	c, send := readChain(t)
	h := New(c.App, nil, nil).Handler()
	b64 := base64.StdEncoding.EncodeToString
	runCases(t, h, []routeCase{
		{name: "broadcast needs a node", method: "POST", path: "/v1/txs", body: `{"tx":"` + b64(send) + `"}`, status: 502, rule: "rpc-unavailable"},
		{name: "lookup needs a node", path: "/v1/txs/" + strings.Repeat("AB", 32), status: 502, rule: "rpc-unavailable"},
		{name: "short hash", path: "/v1/txs/ABCD", status: 400, rule: "bad-hash"},
		{name: "non-hex hash", path: "/v1/txs/" + strings.Repeat("ZZ", 32), status: 400, rule: "bad-hash"},
		{name: "not JSON", method: "POST", path: "/v1/txs", body: "hello", status: 400, rule: "bad-request"},
		{name: "empty body", method: "POST", path: "/v1/txs", status: 400, rule: "bad-request"},
		{name: "unknown field", method: "POST", path: "/v1/txs", body: `{"tx":"` + b64(send) + `","mode":"x"}`, status: 400, rule: "bad-request"},
		{name: "trailing data", method: "POST", path: "/v1/txs", body: `{"tx":"` + b64(send) + `"} {}`, status: 400, rule: "bad-request"},
		{name: "bad base64", method: "POST", path: "/v1/txs", body: `{"tx":"!!!"}`, status: 400, rule: "bad-tx"},
		{name: "empty tx", method: "POST", path: "/v1/txs", body: `{"tx":""}`, status: 400, rule: "bad-tx"},
		{name: "garbage tx", method: "POST", path: "/v1/txs", body: `{"tx":"` + b64([]byte("garbage bytes")) + `"}`, status: 400, rule: "decode"},
		{name: "bad commit flag", method: "POST", path: "/v1/txs?commit=maybe", body: `{"tx":"` + b64(send) + `"}`, status: 400, rule: "bad-request"},
		{name: "body over 1 MiB", method: "POST", path: "/v1/txs", body: `{"tx":"` + strings.Repeat("A", MaxBodyBytes) + `"}`, status: 413, rule: "too-large"},
	})
}

func TestNoStateBeforeFirstBlock(t *testing.T) {
	c := apitest.NewChain(t)
	h := New(c.App, nil, nil).Handler()
	runCases(t, h, []routeCase{
		{name: "status", path: "/v1/status", status: 200, check: func(t *testing.T, b []byte) {
			if s := decode[Status](t, b); s.Height != 0 || s.ChainID != apitest.ChainID {
				t.Errorf("status %+v", s)
			}
		}},
		{name: "params", path: "/v1/params", status: 404, rule: "no-state"},
		{name: "account", path: "/v1/accounts/" + alice.String(), status: 404, rule: "no-state"},
		{name: "rewards", path: "/v1/rewards/" + alice.String(), status: 404, rule: "no-state"},
		{name: "operators", path: "/v1/operators", status: 404, rule: "no-state"},
		{name: "service stake", path: "/v1/services/oracle/stake", status: 404, rule: "no-state"},
		{name: "assets", path: "/v1/assets", status: 404, rule: "no-state"},
	})
}

func TestMetrics(t *testing.T) {
	c, _ := readChain(t)
	h := New(c.App, nil, nil).Handler()
	do(t, h, "GET", "/v1/supply", "")
	do(t, h, "GET", "/v1/accounts/bad", "")
	do(t, h, "GET", "/v1/accounts/bad", "")
	do(t, h, "GET", "/random/"+strings.Repeat("x", 50), "")
	body := do(t, h, "GET", "/metrics", "").Body.String()
	for _, want := range []string{
		`restaked_api_requests_total{code="200",route="GET /v1/supply"} 1`,
		`restaked_api_requests_total{code="400",route="GET /v1/accounts/{addr}"} 2`,
		`restaked_api_requests_total{code="404",route="unmatched"} 1`,
		"restaked_api_state_height 3",
		"restaked_api_request_duration_seconds_bucket",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

// TestHostileInputs throws odd paths and bodies at every route: each must
// get a JSON answer with a 4xx status, never a panic or a 500.
func TestHostileInputs(t *testing.T) {
	c, _ := readChain(t)
	h := New(c.App, nil, nil).Handler()
	odd := []string{"", "%00", "%ff%fe", strings.Repeat("a", 5000), "rst1" + strings.Repeat("q", 100), "..", "💥", "rst1%20", "RST1QQQQ"}
	routes := []string{"/v1/accounts/%s", "/v1/accounts/%s/balances", "/v1/validators/%s", "/v1/delegations/%s",
		"/v1/unbondings/%s", "/v1/rewards/%s", "/v1/txs/%s", "/v1/operators/%s", "/v1/operators?after=%s",
		"/v1/operators?limit=%s", "/v1/services/%s", "/v1/services/%s/stake", "/v1/services?after=%s",
		"/v1/services/x/stake?height=%s", "/v1/positions/%s", "/v1/withdrawals/%s", "/v1/withdrawal/%s",
		"/v1/slashes/%s", "/v1/slashes?operator=%s", "/v1/slashes?before=%s"}
	for _, r := range routes {
		for _, o := range odd {
			if o == "" && strings.Contains(r, "?") {
				continue // an empty query parameter is an absent one: a valid request
			}
			rec := do(t, h, "GET", fmt.Sprintf(r, o), "")
			if rec.Code < 300 || rec.Code >= 500 {
				t.Errorf("GET %s: status %d", fmt.Sprintf(r, o), rec.Code)
			}
		}
	}
	for _, body := range []string{"null", "[]", `{"tx":null}`, `{"tx":5}`, `{"tx":"` + strings.Repeat("/", 4000) + `"}`, "{", `"x"`} {
		rec := do(t, h, "POST", "/v1/txs", body)
		if rec.Code != 400 {
			t.Errorf("POST %q: status %d %s", body, rec.Code, rec.Body)
		}
	}
}

func FuzzHandler(f *testing.F) {
	for _, s := range []string{"/v1/accounts/x", "/v1/txs/00", "/v1/validators/rst1", "/v1/rewards/%zz",
		"/v1/services/a/stake?height=-1", "/v1/slashes?limit=0&before=1", "/v1/withdrawal/18446744073709551616"} {
		f.Add(s, `{"tx":"AAAA"}`)
	}
	c := apitest.NewChain(f)
	c.Block(f)
	h := New(c.App, nil, nil).Handler()
	f.Fuzz(func(t *testing.T, path, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n#?") {
			return
		}
		for _, m := range []string{"GET", "POST"} {
			req, err := http.NewRequest(m, "http://x"+path, strings.NewReader(body))
			if err != nil {
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 && rec.Code != 502 {
				t.Fatalf("%s %q: %d %s", m, path, rec.Code, rec.Body)
			}
		}
	})
}

func TestServeShutsDown(t *testing.T) {
	c, _ := readChain(t)
	s := New(c.App, nil, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	res, err := http.Get("http://" + ln.Addr().String() + "/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != jsonType {
		t.Fatalf("status %d, content type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if err := s.ListenAndServe(context.Background(), "256.0.0.1:1"); err == nil {
		t.Fatal("ListenAndServe on a bad address succeeded")
	}
}

// TestWithNode broadcasts and looks up transactions through a real
// in-process CometBFT node.
func TestWithNode(t *testing.T) {
	n := apitest.StartNode(t)
	s := New(n.App, n.RPC, apitest.Logger())
	h := s.Handler()
	post := func(path string, raw []byte) *httptest.ResponseRecorder {
		return do(t, h, "POST", path, `{"tx":"`+base64.StdEncoding.EncodeToString(raw)+`"}`)
	}

	first := apitest.Send(t, apitest.Alice, 0, bob, "700stake")
	rec := post("/v1/txs", first)
	res := decode[BroadcastResult](t, rec.Body.Bytes())
	sum := sha256.Sum256(first)
	if rec.Code != 200 || res.Code != 0 || res.Committed || res.Hash != hexUpper(sum[:]) {
		t.Fatalf("sync broadcast: %d %+v", rec.Code, res)
	}

	second := apitest.Send(t, apitest.Alice, 1, bob, "300stake")
	res = decode[BroadcastResult](t, post("/v1/txs?commit=true", second).Body.Bytes())
	if !res.Committed || res.Code != 0 || res.Height == 0 || len(res.Events) == 0 {
		t.Fatalf("commit broadcast: %+v", res)
	}
	n.WaitHeight(t, res.Height)

	runCases(t, h, []routeCase{
		{name: "bob got both", path: "/v1/accounts/" + bob.String() + "/balances", status: 200, check: func(t *testing.T, b []byte) {
			wantCoins(t, decode[Balances](t, b).Balances, "1000stake")
		}},
		{name: "lookup", path: "/v1/txs/" + res.Hash, status: 200, check: func(t *testing.T, b []byte) {
			got := decode[Tx](t, b)
			if got.Height != res.Height || got.Code != 0 || got.Signer != alice.String() || got.Sequence != 1 ||
				got.Fee != "10stake" || len(got.Messages) != 1 || len(got.Events) == 0 {
				t.Fatalf("tx %+v", got)
			}
			want := `{"send":{"from":"` + alice.String() + `","to":"` + bob.String() + `","amount":"300stake"}}`
			if string(got.Messages[0]) != want {
				t.Errorf("message %s, want %s", got.Messages[0], want)
			}
		}},
		{name: "lookup lower-case hash", path: "/v1/txs/" + strings.ToLower(res.Hash), status: 200},
		{name: "unknown tx", path: "/v1/txs/" + strings.Repeat("00", 32), status: 404, rule: "not-found"},
		{name: "status has node fields", path: "/v1/status", status: 200, check: func(t *testing.T, b []byte) {
			st := decode[Status](t, b)
			if st.RPCError != "" || st.LatestBlockTime == "" || st.Height < 1 {
				t.Errorf("status %+v", st)
			}
		}},
	})

	// Rejections by CheckTx are answers, not HTTP errors.
	stale := apitest.Send(t, apitest.Alice, 0, bob, "1stake")
	res = decode[BroadcastResult](t, post("/v1/txs?commit=true", stale).Body.Bytes())
	if res.Code == 0 || res.Rule != "wrong-sequence" || res.Committed {
		t.Fatalf("stale sequence: %+v", res)
	}
	rec = post("/v1/txs", second)
	if e := decode[errorBody](t, rec.Body.Bytes()); rec.Code != 409 || e.Rule != "duplicate-tx" {
		t.Fatalf("duplicate: %d %+v", rec.Code, e)
	}

	// The commit wait is bounded: a hash that never lands gives up in time.
	s.commitWait = 300 * time.Millisecond
	start := time.Now()
	late := s.waitCommit(context.Background(), make([]byte, 32), BroadcastResult{Hash: "X"})
	if late.Committed || !strings.Contains(late.Log, "not included") || time.Since(start) > 5*time.Second {
		t.Fatalf("bounded wait: %+v after %v", late, time.Since(start))
	}

	// CheckTx runs the messages too, so an overspend never reaches a block.
	tooMuch := apitest.Send(t, apitest.Bob, 0, alice, "999999stake")
	res = decode[BroadcastResult](t, post("/v1/txs?commit=true", tooMuch).Body.Bytes())
	if res.Committed || res.Code == 0 || res.Rule != "insufficient-funds" || !strings.Contains(res.Log, "needs") {
		t.Fatalf("overspend: %+v", res)
	}
}

// TestPanicBecomes500 checks the safety net with a route that panics.
func TestPanicBecomes500(t *testing.T) {
	c, _ := readChain(t)
	s := New(c.App, nil, nil)
	s.mux.HandleFunc("GET /v1/boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	h := s.Handler()
	rec := do(t, h, "GET", "/v1/boom", "")
	if e := decode[errorBody](t, rec.Body.Bytes()); rec.Code != 500 || e.Rule != "internal" || strings.Contains(e.Error, "boom") {
		t.Fatalf("panic answer %d %+v", rec.Code, e)
	}
	if rec := do(t, h, "GET", "/v1/supply", ""); rec.Code != 200 {
		t.Fatalf("server unusable after a panic: %d", rec.Code)
	}
}
