package e2e

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/app"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/store"
)

// demoLayout is the part of config/demo.json these checks read.
type demoLayout struct {
	Seeded       bool   `json:"seeded"`
	SeededHeight int64  `json:"seeded_height"`
	VaultAccount string `json:"vault_account"`
	Restaked     string `json:"restaked"`
	Operators    []struct {
		Name, Address, Degree string
		NativeAccount         string `json:"native_account"`
		NativeRestaked        string `json:"native_restaked"`
		Allocations           []struct{ Service, Asset, Magnitude string }
	} `json:"operators"`
	Services []struct {
		Name, Slasher, Policy string
		Assets                []string
		Program               string `json:"reward_program"`
	} `json:"services"`
	Stakers []struct {
		Name, Address string
		Deposits      []struct{ Operator, Amount string }
	} `json:"stakers"`
}

// `restaked devnet --demo` seeds operators, services and stakers on a new
// devnet; the API and the stored state show them, invariants hold, and a
// restart prints the summary without seeding again.
func TestDevnetDemo(t *testing.T) {
	home := filepath.Join(t.TempDir(), "demo")
	ports := freePorts(t, 3)
	apiURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	args := []string{"devnet", "--demo", "--home", home, "--api-addr", fmt.Sprintf("127.0.0.1:%d", ports[0]),
		"--p2p-port", fmt.Sprint(ports[1]), "--rpc-port", fmt.Sprint(ports[2]), "--block-time", "100ms"}
	p := start(t, "devnet-demo", args...)
	layout := waitSeeded(t, home, p, 90*time.Second)
	if len(layout.Operators) < 3 || len(layout.Services) < 4 || len(layout.Stakers) < 40 {
		t.Fatalf("demo too small: %d operators, %d services, %d stakers", len(layout.Operators), len(layout.Services), len(layout.Stakers))
	}
	checkDemoAPI(t, apiURL, layout)
	checkDemoRestakingRoutes(t, apiURL, layout)
	checkDemoRisk(t, apiURL, layout)
	p.stop(t)
	checkDemoState(t, home, layout)

	p = start(t, "devnet-demo-restart", args...)
	waitLog(t, p, "Demo restaking network (seeded at height", 60*time.Second)
	if strings.Contains(logText(p), "Seeding") {
		t.Fatalf("restart seeded again:\n%s", logText(p))
	}
	p.stop(t)
}

// waitSeeded polls demo.json until seeding has finished (bounded).
func waitSeeded(t *testing.T, home string, p *proc, timeout time.Duration) demoLayout {
	t.Helper()
	var l demoLayout
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(logText(p), "demo seeding failed") {
			t.Fatalf("seeding failed:\n%s", p.tail())
		}
		if bz, err := os.ReadFile(filepath.Join(home, "config", "demo.json")); err == nil {
			if err := json.Unmarshal(bz, &l); err == nil && l.Seeded {
				return l
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("demo not seeded within %v; log:\n%s", timeout, p.tail())
	return l
}

func waitLog(t *testing.T, p *proc, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(logText(p), want) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%q not logged within %v; log:\n%s", want, timeout, p.tail())
}

// logText is the whole output of p so far (its tail may miss early lines).
func logText(p *proc) string {
	bz, _ := os.ReadFile(p.log)
	return string(bz)
}

// checkDemoAPI reads the demo network through routes every node serves:
// validators, the native accounts' delegations, the vault's balances and
// the invariants.
func checkDemoAPI(t *testing.T, api string, l demoLayout) {
	t.Helper()
	var vals struct {
		Validators []struct {
			Operator, Status string
			Jailed           bool
		} `json:"validators"`
	}
	if err := getJSON(api+"/v1/validators", &vals); err != nil {
		t.Fatal(err)
	}
	bonded := map[string]bool{}
	for _, v := range vals.Validators {
		bonded[v.Operator] = v.Status == "bonded" && !v.Jailed
	}
	for _, o := range l.Operators {
		if !bonded[o.Address] {
			t.Errorf("operator %s runs no bonded validator: %+v", o.Name, vals)
		}
		if got := nativeDelegation(t, api, o.NativeAccount, o.Address); got != o.NativeRestaked {
			t.Errorf("operator %s: native restaked %s, want %s", o.Name, got, o.NativeRestaked)
		}
	}
	restaked, err := coin.Parse(l.Restaked)
	if err != nil {
		t.Fatal(err)
	}
	for _, denom := range []string{"ststake", "usdc"} {
		if got, want := balanceOf(t, api, l.VaultAccount, denom), restaked.AmountOf(denom).String(); got != want {
			t.Errorf("vault holds %s%s, want %s", got, denom, want)
		}
	}
	var inv struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := getJSON(api+"/v1/invariants", &inv); err != nil || !inv.OK {
		t.Fatalf("invariants: %+v %v", inv, err)
	}
}

func nativeDelegation(t *testing.T, api, delegator, validator string) string {
	t.Helper()
	var r struct {
		Delegations []struct{ Validator, Tokens string } `json:"delegations"`
	}
	if err := getJSON(api+"/v1/delegations/"+delegator, &r); err != nil {
		t.Fatal(err)
	}
	for _, d := range r.Delegations {
		if d.Validator == validator {
			return d.Tokens
		}
	}
	return "0"
}

// checkDemoState opens the stopped devnet's state and reads the restaking
// records themselves.
func checkDemoState(t *testing.T, home string, l demoLayout) {
	t.Helper()
	a, err := app.Open(filepath.Join(home, "data", "state"), "restaked-devnet", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, h, err := a.CheckInvariants(); err != nil || h < l.SeededHeight {
		t.Fatalf("invariants at height %d (seeded at %d): %v", h, l.SeededHeight, err)
	}
	a.Read(func(r store.Reader, _ int64) {
		now := time.Now().Unix()
		checkDemoOperators(t, r, l, now)
		for _, s := range l.Services {
			svc, err := restaking.GetService(r, s.Name, now)
			if err != nil || svc.Slasher.String() != s.Slasher || svc.Allowlist != (s.Policy == "allowlist") || len(svc.Assets) != len(s.Assets) {
				t.Errorf("service %s: %+v %v", s.Name, svc, err)
			}
		}
		for _, s := range l.Stakers {
			ps, err := restaking.Positions(r, mustAddress(t, s.Address))
			if err != nil || len(ps) != len(s.Deposits) {
				t.Errorf("%s: %d positions, want %d (%v)", s.Name, len(ps), len(s.Deposits), err)
			}
		}
	})
}

func checkDemoOperators(t *testing.T, r store.Reader, l demoLayout, now int64) {
	t.Helper()
	for _, o := range l.Operators {
		addr := mustAddress(t, o.Address)
		op, err := restaking.GetOperator(r, addr, now)
		if err != nil || !op.Validator || fmt.Sprint(op.Degree) != o.Degree {
			t.Errorf("operator %s: %+v %v", o.Name, op, err)
			continue
		}
		allocs, err := restaking.Allocations(r, addr)
		if err != nil || len(allocs) != len(o.Allocations) {
			t.Errorf("operator %s: %d allocations, want %d (%v)", o.Name, len(allocs), len(o.Allocations), err)
		}
	}
}

func mustAddress(t *testing.T, s string) account.Address {
	t.Helper()
	a, err := account.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkDemoRestakingRoutes reads the seeded network back through the
// restaking routes: every operator and service, and each staker's
// positions (one per deposit).
func checkDemoRestakingRoutes(t *testing.T, api string, l demoLayout) {
	t.Helper()
	var ops struct {
		Operators []struct{ Address string } `json:"operators"`
	}
	if err := getJSON(api+"/v1/operators?limit=1000", &ops); err != nil || len(ops.Operators) != len(l.Operators) {
		t.Fatalf("operators %+v (want %d), %v", ops, len(l.Operators), err)
	}
	var svcs struct {
		Services []struct{ Name string } `json:"services"`
	}
	if err := getJSON(api+"/v1/services?limit=1000", &svcs); err != nil || len(svcs.Services) != len(l.Services) {
		t.Fatalf("services %+v (want %d), %v", svcs, len(l.Services), err)
	}
	checkDemoPrograms(t, api, l)
	for _, st := range l.Stakers {
		var ps struct {
			Positions []struct{ Operator, Asset, Withdrawable string } `json:"positions"`
		}
		if err := getJSON(api+"/v1/positions/"+st.Address, &ps); err != nil || len(ps.Positions) != len(st.Deposits) {
			t.Fatalf("%s: positions %+v, want %d, %v", st.Name, ps, len(st.Deposits), err)
		}
	}
}

// checkDemoPrograms: every reward program of the layout runs on the chain.
func checkDemoPrograms(t *testing.T, api string, l demoLayout) {
	t.Helper()
	want := map[string]string{}
	for _, s := range l.Services {
		if s.Program != "" {
			want[s.Name] = s.Program
		}
	}
	var progs struct {
		Programs []struct{ Service, Amount, Denom, Status string } `json:"programs"`
	}
	if err := getJSON(api+"/v1/programs?limit=1000", &progs); err != nil || len(progs.Programs) != len(want) || len(want) < 2 {
		t.Fatalf("programs %+v (want %d), %v", progs, len(want), err)
	}
	for _, p := range progs.Programs {
		if !strings.HasPrefix(want[p.Service], p.Amount+p.Denom+" ") || p.Status != "active" {
			t.Errorf("program %+v, want %q running", p, want[p.Service])
		}
	}
}
