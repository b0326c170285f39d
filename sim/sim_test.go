package sim

import (
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"gopkg.in/yaml.v3"
)

const scenarioDir = "../examples/scenarios"

func load(t *testing.T, src string) *Scenario {
	t.Helper()
	sc, err := Load([]byte(src))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return sc
}

func run(t *testing.T, src string) *Report {
	t.Helper()
	return Run(load(t, src), Options{})
}

func mustPass(t *testing.T, src string) *Report {
	t.Helper()
	rep := run(t, src)
	if !rep.OK {
		t.Fatalf("scenario failed: %s", rep.Error)
	}
	return rep
}

func mustFail(t *testing.T, src string, wants ...string) *Report {
	t.Helper()
	rep := run(t, src)
	if rep.OK {
		t.Fatalf("scenario passed, want a failure containing %q", wants)
	}
	for _, w := range wants {
		if !strings.Contains(rep.Error, w) {
			t.Errorf("error %q does not contain %q", rep.Error, w)
		}
	}
	return rep
}

// maxPebbleBlocks bounds the scenarios run again on Pebble (some advance
// through hundreds of thousands of blocks).
const maxPebbleBlocks = 5_000

// TestExampleScenarios runs every shipped scenario (and the regression
// scenarios of testdata), so CI keeps them true: in memory, and those of
// up to maxPebbleBlocks blocks again on Pebble — its value cache and
// reused iterators must give the same app hash as the in-memory store.
func TestExampleScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(scenarioDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found %d scenarios in %s, want at least 5", len(files), scenarioDir)
	}
	more, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, f := range append(files, more...) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			sc, err := LoadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			rep := Run(sc, Options{})
			if !rep.OK {
				t.Fatalf("%s", rep.Error)
			}
			t.Logf("%d steps, final block %d, %v", len(rep.Steps), rep.Final.Height, time.Since(start))
			if rep.Final.Height > maxPebbleBlocks {
				return // every block is a synced commit on Pebble
			}
			db, err := store.OpenPebble(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if sc, err = LoadFile(f); err != nil {
				t.Fatal(err)
			}
			disk := Run(sc, Options{base: db})
			if !disk.OK || disk.Final.AppHash != rep.Final.AppHash {
				t.Fatalf("on Pebble: ok %v (%s), app hash %s; in memory %s", disk.OK, disk.Error, disk.Final.AppHash, rep.Final.AppHash)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	const head = "accounts: {alice: \"100stake\", bob: \"\"}\nsteps:\n"
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", "empty"},
		{"not yaml", "steps: [", "not valid YAML"},
		{"two documents", "steps: []\n---\nsteps: []\n", "single YAML document"},
		{"top level list", "- send: {}\n", "want a mapping"},
		{"unknown top key", "stepz: []\n", `unknown top-level key "stepz"`},
		{"steps not a list", "steps: {send: {}}\n", "want a list of steps"},
		{"bad block time", "block_time: 0s\n", "block_time"},
		{"bad param name", "params: {unbonding: 1d}\n", `unknown parameter "unbonding"`},
		{"bad param value", "params: {unbonding_period: soon}\n", "unbonding_period"},
		{"param out of range", "params: {max_validators: \"0\"}\n", "max_validators must be"},
		{"bad account coins", "accounts: {alice: \"lots\"}\n", "alice"},
		{"bad account name", "accounts: {\"al ice\": \"1stake\"}\n", "account name"},
		{"unknown step", head + "  - sned: {from: alice}\n", `step 1 (line 3): unknown step "sned"`},
		{"reward program without service", head + "  - create_reward_program: {from: alice, amount: 1stake, duration: 1d}\n", `missing field "service"`},
		{"withdrawal id not a number", head + "  - complete_withdrawal: {from: alice, id: first}\n", `field "id"`},
		{"withdrawal id zero", head + "  - veto_slash: {from: alice, id: 0}\n", `field "id"`},
		{"service without threshold", head + "  - register_service: {from: alice, name: s, slasher: alice, assets: [stake], pfc: \"1\"}\n", `missing field "threshold"`},
		{"service assets mapping", head + "  - register_service: {from: alice, name: s, slasher: alice, assets: {a: b}, pfc: \"1\", threshold: \"1\"}\n", `field "assets"`},
		{"service assets nested", head + "  - slash: {from: alice, service: s, operator: bob, fraction: \"0.1\", assets: [[stake]]}\n", "each item"},
		{"destination unknown", head + "  - register_service: {from: alice, name: s, slasher: alice, assets: [stake], destination: carol, pfc: \"1\", threshold: \"1\"}\n", `unknown account "carol"`},
		{"bad pfc", head + "  - register_service: {from: alice, name: s, slasher: alice, assets: [stake], pfc: lots, threshold: \"1\"}\n", `field "pfc"`},
		{"bad magnitude", head + "  - allocate: {from: alice, service: s, asset: stake, magnitude: half}\n", `field "magnitude"`},
		{"expect withdrawal id", head + "  - expect: {withdrawal: {id: x}, eq: \"1\"}\n", `field "id"`},
		{"expect withdrawable field", head + "  - expect: {withdrawable: {staker: alice, operator: bob}, eq: \"1\"}\n", `missing field "asset"`},
		{"two names", head + "  - send: {}\n    advance: 1 block\n", "exactly one name"},
		{"unknown account", head + "  - send: {from: alice, to: carol, amount: 1stake}\n", `unknown account "carol"`},
		{"missing field", head + "  - send: {from: alice, to: bob}\n", `missing field "amount"`},
		{"unknown field", head + "  - send: {from: alice, to: bob, amount: 1stake, memo: x}\n", `unknown field "memo"`},
		{"malformed amount", head + "  - send: {from: alice, to: bob, amount: tenstake}\n", `field "amount"`},
		{"negative amount", head + "  - send: {from: alice, to: bob, amount: -1stake}\n", `field "amount"`},
		{"list amount", head + "  - send: {from: alice, to: bob, amount: [1stake]}\n", "want a single value"},
		{"bad commission", head + "  - create_validator: {from: alice, self_delegation: 1stake, commission: five}\n", `field "commission"`},
		{"edit nothing", head + "  - edit_validator: {from: alice}\n", "set commission or moniker"},
		{"bad fee", head + "  - send: {from: alice, to: bob, amount: 1stake, fee: x}\n", `field "fee"`},
		{"second step bad", head + "  - send: {from: alice, to: bob, amount: 1stake}\n  - advance: soon\n", "step 2 (line 4)"},
		{"advance bare number", head + "  - advance: 5\n", "with a unit"},
		{"advance zero", head + "  - advance: 0 blocks\n", "1..10000000"},
		{"advance too far", head + "  - advance: 10000001 blocks\n", "1..10000000"},
		{"advance bad unit", head + "  - advance: 3 weeks\n", "N blocks"},
		{"advance mapping", head + "  - advance: {blocks: 3}\n", "N blocks"},
		{"double_sign bad height", head + "  - double_sign: {validator: alice, height: -3}\n", "block height"},
		{"expect no query", head + "  - expect: {eq: \"1\"}\n", "no query"},
		{"expect no comparator", head + "  - expect: {supply: {denom: stake}}\n", "no comparator"},
		{"expect two queries", head + "  - expect: {supply: {denom: stake}, balance: {account: bob, denom: stake}, eq: \"1\"}\n", "one query per expect"},
		{"expect unknown query", head + "  - expect: {price: {denom: stake}, eq: \"1\"}\n", "unknown query"},
		{"expect bad number", head + "  - expect: {supply: {denom: stake}, eq: \"1e5\"}\n", "decimal number"},
		{"expect double sign", head + "  - expect: {supply: {denom: stake}, gte: \"--1\"}\n", "non-negative"},
		{"security unknown field", head + "  - expect: {security: {service: s, field: price}, eq: \"1\"}\n", "one of coc"},
		{"security without service", head + "  - expect: {security: {}, eq: \"1\"}\n", "needs a service"},
		{"gamma_star with service", head + "  - expect: {security: {service: s, field: gamma_star}, eq: \"1\"}\n", "whole network"},
		{"attack unknown field", head + "  - expect: {attack: {field: cost}, eq: \"1\"}\n", "profit or secure"},
		{"expect negative tolerance", head + "  - expect: {supply: {denom: stake}, approx: \"1\", tol: \"-1\"}\n", "tol"},
		{"approx without tol", head + "  - expect: {supply: {denom: stake}, approx: \"1\"}\n", "approx needs tol"},
		{"tol without approx", head + "  - expect: {supply: {denom: stake}, eq: \"1\", tol: \"1\"}\n", "tol only goes with approx"},
		{"bad tol", head + "  - expect: {supply: {denom: stake}, approx: \"1\", tol: \"x%\"}\n", "tol"},
		{"bad denom", head + "  - expect: {supply: {denom: S}, eq: \"1\"}\n", "invalid denom"},
		{"expect query field", head + "  - expect: {balance: {account: bob}, eq: \"1\"}\n", `missing field "denom"`},
		{"expect_error without contains", head + "  - expect_error: {tx: {send: {from: alice, to: bob, amount: 1stake}}}\n", `missing field "contains"`},
		{"expect_error both", head + "  - expect_error: {tx: {unjail: {from: bob}}, event: {downtime: {validator: bob}}, contains: x}\n", "exactly one of"},
		{"expect_error control", head + "  - expect_error: {tx: {advance: 1 block}, contains: x}\n", `"advance" is not a tx step`},
		{"expect_error event as tx", head + "  - expect_error: {tx: {downtime: {validator: bob}}, contains: x}\n", `"downtime" is not a tx step`},
		{"duplicate key", head + "  - send: {from: alice, from: bob, to: bob, amount: 1stake}\n", "given twice"},
		{"alias bomb", head + "  - send: {from: alice, to: bob, amount: 1stake, x: &a [1,1,1,1,1,1,1,1], y: &b [*a,*a,*a,*a,*a,*a,*a,*a], z: [*b,*b,*b,*b,*b,*b,*b,*b]}\n", `unknown field "x"`},
		{"aliases are fine", head + "  - send: {from: alice, to: bob, amount: &amt 1stake}\n  - send: {from: alice, to: bob, amount: *amt, memo: x}\n", `step 2 (line 4): send: unknown field "memo"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load([]byte(tc.src))
			if err == nil {
				t.Fatalf("loaded, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// TestFlowTextBounded: aliases must not expand a small file into a huge report line.
func TestFlowTextBounded(t *testing.T) {
	var doc yaml.Node
	src := "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	got := flowText("send", doc.Content[0])
	if len(got) > maxStepText+3 || !strings.HasPrefix(got, "send: {a: [1") {
		t.Errorf("flowText = %q", got)
	}
}

func TestLoadLimits(t *testing.T) {
	big := "steps:\n" + strings.Repeat("  - advance: 1 block\n", MaxSteps+1)
	if _, err := Load([]byte(big)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("too many steps: %v", err)
	}
	huge := make([]byte, MaxFileBytes+1)
	if _, err := Load(huge); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("too large: %v", err)
	}
}

func TestAuthorityAlwaysExists(t *testing.T) {
	sc := load(t, "steps: []\n")
	if got := strings.Join(sc.Accounts(), ","); got != AuthorityName {
		t.Errorf("accounts = %q, want only %q", got, AuthorityName)
	}
	rep := mustPass(t, "steps: []\n")
	if rep.Final.Height != 1 || rep.Final.Time != "2026-01-01T00:00:05Z" || rep.Final.AppHash == "" {
		t.Errorf("final = %+v", rep.Final)
	}
}

const transfer = `
accounts: {alice: "100stake", bob: ""}
steps:
  - send: {from: alice, to: bob, amount: "30stake"}
`

func TestFailingTxNamesStep(t *testing.T) {
	rep := mustFail(t, transfer+"  - send: {from: bob, to: alice, amount: \"31stake\"}\n  - advance: 1 block\n",
		"step 2", `send: {from: bob, to: alice, amount: "31stake"}`, "insufficient-funds", "in block 1", "bob has 30stake")
	if len(rep.Steps) != 2 || rep.Steps[1].Error == "" || rep.Steps[0].Result != "ok" {
		t.Errorf("steps = %+v (the run must stop at the failing step)", rep.Steps)
	}
	if rep.Final.AppHash != "" {
		t.Errorf("failed run reports app hash %q for an unfinished block", rep.Final.AppHash)
	}
}

func TestExpectError(t *testing.T) {
	tests := []struct {
		name, step string
		wantErr    string // "" = passes
	}{
		{"rejected as expected", `expect_error: {tx: {send: {from: bob, to: alice, amount: "31stake"}}, contains: "insufficient-funds"}`, ""},
		{"contains an account name", `expect_error: {tx: {send: {from: bob, to: alice, amount: "31stake"}}, contains: "bob has 30stake"}`, ""},
		{"wrong text", `expect_error: {tx: {send: {from: bob, to: alice, amount: "31stake"}}, contains: "jailed"}`, `does not contain "jailed"`},
		{"succeeds instead", `expect_error: {tx: {send: {from: bob, to: alice, amount: "1stake"}}, contains: "x"}`, "but it succeeded"},
		{"wrong signer", `expect_error: {tx: {set_params: {from: alice, params: {inflation: "0.5"}}}, contains: "not-authority"}`, ""},
		{"bad param via chain", `expect_error: {tx: {set_params: {from: authority, params: {nope: "1"}}}, contains: "unknown parameter"}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := transfer + "  - " + tc.step + "\n"
			if tc.wantErr == "" {
				mustPass(t, src)
				return
			}
			mustFail(t, src, "step 2", tc.wantErr)
		})
	}
}

// A rejected tx inside expect_error still bumps the sequence (fee and
// sequence stick), and the next tx from that account must still go through.
func TestSequenceAfterRejection(t *testing.T) {
	mustPass(t, transfer+`
  - expect_error: {tx: {send: {from: bob, to: alice, amount: "31stake"}}, contains: "insufficient"}
  - send: {from: bob, to: alice, amount: "5stake"}
  - advance: 1 block
  - send: {from: bob, to: alice, amount: "5stake"}
  - expect: {balance: {account: bob, denom: stake}, eq: "20"}
`)
}

func TestExpectComparators(t *testing.T) {
	tests := []struct {
		name, cmp string
		ok        bool
	}{
		{"eq", `eq: "30"`, true},
		{"eq wrong", `eq: "31"`, false},
		{"gte", `gte: "30"`, true},
		{"gte wrong", `gte: "31"`, false},
		{"lte", `lte: "30"`, true},
		{"lte wrong", `lte: "29"`, false},
		{"range", `gte: "10", lte: "40"`, true},
		{"approx abs", `approx: "32", tol: "2"`, true},
		{"approx abs wrong", `approx: "33", tol: "2"`, false},
		{"approx pct", `approx: "31", tol: "5%"`, true},
		{"approx pct wrong", `approx: "31", tol: "3%"`, false},
		{"decimal", `eq: "30.0"`, true},
		{"unquoted", `eq: 30`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := transfer + "  - expect: {balance: {account: bob, denom: stake}, " + tc.cmp + "}\n"
			if tc.ok {
				mustPass(t, src)
				return
			}
			mustFail(t, src, "step 2", "got 30, want")
		})
	}
}

func TestWithinTol(t *testing.T) {
	n := func(s string) tolerance {
		tol, err := parseTolerance(s)
		if err != nil {
			t.Fatal(err)
		}
		return tol
	}
	r := func(s string) *big.Rat {
		v, err := parseNumber(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		got, want, tol string
		ok             bool
	}{
		{"100", "100", "0", true},
		{"99", "100", "1", true},
		{"101", "100", "1", true},
		{"102", "100", "1", false},
		{"99", "100", "1%", true},
		{"98.9", "100", "1%", false},
		{"0", "0", "1%", true},
		{"1", "0", "50%", false},
		{"0.333", "0.3333", "0.001", true},
	}
	for _, c := range cases {
		if got := withinTol(r(c.got), r(c.want), n(c.tol)); got != c.ok {
			t.Errorf("withinTol(%s, %s, %s) = %v", c.got, c.want, c.tol, got)
		}
	}
}

func TestAdvanceBlocks(t *testing.T) {
	cases := []struct {
		in   string
		bt   int64
		want int64
	}{
		{"1 block", 5, 1}, {"20 blocks", 5, 20}, {"5s", 5, 1}, {"6s", 5, 2}, {"1m", 5, 12},
		{"30d", 5, 518_400}, {"21d", 5, 362_880}, {"1d", 7, 12_343}, {" 2 blocks ", 5, 2},
	}
	for _, c := range cases {
		got, err := advanceBlocks(c.in, c.bt)
		if err != nil || got != c.want {
			t.Errorf("advanceBlocks(%q, %d) = %d, %v; want %d", c.in, c.bt, got, err, c.want)
		}
	}
}

func TestBlocksAndTime(t *testing.T) {
	rep := mustPass(t, "block_time: 6s\nsteps:\n  - advance: 1m\n  - advance: 3 blocks\n")
	if rep.Steps[0].Block != 1 || rep.Steps[1].Block != 11 || rep.Final.Height != 14 {
		t.Errorf("blocks: steps %+v final %+v", rep.Steps, rep.Final)
	}
	if rep.Final.Time != "2026-01-01T00:01:24Z" { // 14 blocks of 6s after genesis
		t.Errorf("final time %s", rep.Final.Time)
	}
}

func TestDeterminism(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(scenarioDir, "rewards.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := mustPass(t, string(src)), mustPass(t, string(src))
	if a.Final.AppHash == "" || a.Final.AppHash != b.Final.AppHash {
		t.Fatalf("app hashes differ or are empty: %q vs %q", a.Final.AppHash, b.Final.AppHash)
	}
	other := mustPass(t, string(src)+"  - send: {from: alice, to: val, amount: \"1stake\"}\n")
	if other.Final.AppHash == a.Final.AppHash {
		t.Errorf("a different scenario has the same app hash")
	}
}

// TestInvariantNamesBlock breaks an extra invariant once the chain reaches
// block 3 and checks the failure names that block and the advance step.
func TestInvariantNamesBlock(t *testing.T) {
	sc := load(t, "accounts: {alice: \"10stake\"}\nsteps:\n  - advance: 5 blocks\n")
	inv := state.Invariant{Name: "test-breaks", Check: func(r store.Reader) error {
		v, _ := r.Get([]byte("chain/last_time"))
		if t_s, ok := state.ReadU64(v); ok && t_s >= GenesisTime_s+15 { // block 3 = genesis+15s
			return errors.New("broken on purpose")
		}
		return nil
	}}
	rep := Run(sc, Options{invariants: []state.Invariant{inv}})
	if rep.OK || !strings.Contains(rep.Error, "step 1") || !strings.Contains(rep.Error, "block 3: invariant test-breaks broken") {
		t.Fatalf("report: ok=%v error=%q", rep.OK, rep.Error)
	}
}

// TestThirtyDayAdvance checks that a month of empty blocks runs; the time
// it takes is logged, not asserted.
func TestThirtyDayAdvance(t *testing.T) {
	if testing.Short() {
		t.Skip("half a million blocks")
	}
	src := `
accounts: {val: "1000000stake", alice: "500000stake"}
steps:
  - create_validator: {from: val, self_delegation: "1000000stake", commission: "0.1"}
  - delegate: {from: alice, validator: val, amount: "500000stake"}
  - advance: 30d
  - expect: {validator_tokens: {validator: val}, eq: "1500000"}
`
	start := time.Now()
	rep := mustPass(t, src)
	t.Logf("advance: 30d = %d blocks in %v", rep.Final.Height-1, time.Since(start))
	if rep.Final.Height != 1+518_400 {
		t.Errorf("final height %d", rep.Final.Height)
	}
}

func TestPanicFreeOnStrangeButValidInput(t *testing.T) {
	// Unknown validators and zero amounts are the chain's to reject, never a panic.
	rep := run(t, transfer+`
  - expect_error: {tx: {delegate: {from: alice, validator: bob, amount: "1stake"}}, contains: ": "}
  - expect_error: {tx: {undelegate: {from: alice, validator: bob, amount: "0stake"}}, contains: ": "}
  - expect_error: {tx: {unjail: {from: bob}}, contains: ": "}
  - expect_error: {event: {downtime: {validator: bob}}, contains: ": "}
  - expect_error: {event: {double_sign: {validator: bob}}, contains: ": "}
  - expect: {delegation: {delegator: alice, validator: bob}, eq: "0"}
  - expect: {pending_rewards: {account: alice, denom: stake}, eq: "0"}
`)
	if !rep.OK {
		t.Fatal(rep.Error)
	}
}

// TestDoubleSignSparesLaterStake states SPEC §4 for stake delegated between
// the infraction height and the evidence: the supply drops by exactly the
// slash fraction of the stake bonded at the infraction height, all of it
// paid by that stake, and the later delegator keeps everything.
func TestDoubleSignSparesLaterStake(t *testing.T) {
	sc, err := LoadFile("testdata/double-sign-later-stake.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if rep := Run(sc, Options{}); !rep.OK {
		t.Fatalf("scenario failed: %s", rep.Error)
	}
}

// TestNativeWeightLiquidRounding: reward weights of a native vault stay
// consistent when liquid staking moves its delegation by rounding after a
// primary slash (invariants after every block).
func TestNativeWeightLiquidRounding(t *testing.T) {
	sc, err := LoadFile("testdata/native-weight-liquid-rounding.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if rep := Run(sc, Options{}); !rep.OK {
		t.Fatalf("scenario failed: %s", rep.Error)
	}
}

func TestFutureInfractionHeight(t *testing.T) {
	mustPass(t, transfer+`
  - create_validator: {from: alice, self_delegation: "10stake", commission: "0.1"}
  - expect_error: {event: {double_sign: {validator: alice, height: 2}}, contains: "bad-infraction-height"}
  - double_sign: {validator: alice}
  - expect: {validator_tokens: {validator: alice}, eq: "9"}
`)
}

func FuzzLoadScenario(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(scenarioDir, "*.yaml"))
	for _, p := range files {
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Add([]byte(transfer))
	f.Add([]byte("steps:\n  - expect: {balance: {account: authority, denom: stake}, approx: \"1\", tol: \"1%\"}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 16<<10 {
			return // bound the input; the loader itself caps files at MaxFileBytes
		}
		sc, err := Load(src)
		if err != nil {
			return
		}
		for _, st := range sc.Steps {
			if st.act == nil || st.Text == "" || st.Index < 1 {
				t.Fatalf("decoded step without an action: %+v", st)
			}
		}
	})
}
