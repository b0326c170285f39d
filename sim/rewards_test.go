package sim

import (
	"math/big"
	"strings"
	"testing"

	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/tx"
	"gopkg.in/yaml.v3"
)

// runAll starts sc and runs every step, failing on the first error.
func runAll(t *testing.T, sc *Scenario) *Sim {
	t.Helper()
	s, err := start(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sc.Steps {
		if _, err := st.act.run(s); err != nil {
			t.Fatalf("step %d (%s): %v", st.Index, st.Text, err)
		}
	}
	return s
}

// ask decodes and runs one expect query, e.g. `pending_rewards: {...}`.
func ask(t *testing.T, s *Sim, src string) *big.Rat {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	ps, err := pairs(doc.Content[0], "query")
	if err != nil || len(ps) != 1 {
		t.Fatalf("query %q: %v", src, err)
	}
	q, err := lookupQuery(s.book, ps[0], "expect")
	if err != nil {
		t.Fatal(err)
	}
	v, err := q(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A program's start is an offset from the block the step runs in; without
// one it starts in that block.
func TestRewardProgramStart(t *testing.T) {
	cases := []struct {
		start    string
		offset_s int64
	}{
		{"", 0}, {", start: 0s", 0}, {", start: 90s", 90}, {", start: 2d", 2 * 86_400},
	}
	for _, tc := range cases {
		t.Run(tc.start, func(t *testing.T) {
			sc := load(t, `
accounts: {svc: "100000usdc"}
steps:
  - register_service: {from: svc, name: oracle, slasher: svc, assets: [stake], pfc: "1", threshold: "0.5"}
  - advance: 3 blocks
  - create_reward_program: {from: svc, service: oracle, amount: "100000usdc", duration: 1d`+tc.start+`}
`)
			s := runAll(t, sc)
			pg, found, err := restaking.GetProgram(s.state(), 1)
			if err != nil || !found {
				t.Fatalf("program 1: %v %v", found, err)
			}
			if want := s.time_s + tc.offset_s; pg.Start_s != want || pg.Duration_s != 86_400 || pg.Denom != "usdc" {
				t.Errorf("program %+v, want start %d", pg, want)
			}
			// The decoded step keeps its offset: the block time goes into a copy.
			if m := sc.Steps[2].act.(txAction).msg.(*tx.MsgCreateRewardProgram); m.StartS != tc.offset_s {
				t.Errorf("decoded step's start became %d", m.StartS)
			}
		})
	}
}

// pending_rewards sums every stream in the denom — primary staking, the
// native pass-through and service streams — and `stream` reads one
// service's alone.
func TestPendingRewardsStreams(t *testing.T) {
	s := runAll(t, load(t, `
accounts: {val: "1000000000stake", alice: "500000000stake", svc: "1000000stake"}
steps:
  - create_validator: {from: val, self_delegation: "1000000000stake", commission: "0.1"}
  - register_operator: {from: val, validator: val, commission: "0.2"}
  - register_service: {from: svc, name: oracle, slasher: svc, assets: [stake], pfc: "1", threshold: "0.5"}
  - register_service: {from: svc, name: relay, slasher: svc, assets: [stake], pfc: "1", threshold: "0.5"}
  - opt_in: {from: val, service: oracle}
  - deposit: {from: alice, operator: val, amount: "500000000stake"}
  - allocate: {from: val, service: oracle, asset: stake, magnitude: "1"}
  - advance: 1 block
  - create_reward_program: {from: svc, service: oracle, amount: "1000000stake", duration: 500s}
  - advance: 40 blocks
`))
	for _, who := range []string{"alice", "val"} {
		a, _ := s.book.get(who)
		primary, err := staking.PendingRewards(s.state(), a.addr)
		if err != nil {
			t.Fatal(err)
		}
		native, err := restaking.PendingNative(s.state(), a.addr)
		if err != nil {
			t.Fatal(err)
		}
		service, err := restaking.PendingService(s.state(), a.addr)
		if err != nil || len(service) != 1 || service[0].Service != "oracle" || service[0].Amount.IsZero() {
			t.Fatalf("%s's service streams %+v %v", who, service, err)
		}
		want := intRat(primary.AmountOf("stake"))
		for _, n := range native {
			want.Add(want, intRat(n.Pending))
		}
		if want.Sign() == 0 {
			t.Fatalf("%s earns no primary rewards: the test needs some", who)
		}
		want.Add(want, intRat(service[0].Amount))
		q := "pending_rewards: {account: " + who + ", denom: stake"
		checks := []struct {
			src  string
			want *big.Rat
		}{
			{q + "}", want},
			{q + ", stream: oracle}", intRat(service[0].Amount)},
			{q + ", stream: relay}", new(big.Rat)},
			{"pending_rewards: {account: " + who + ", denom: usdc}", new(big.Rat)},
		}
		for _, c := range checks {
			if got := ask(t, s, c.src); got.Cmp(c.want) != 0 {
				t.Errorf("%s = %s, want %s", c.src, got.RatString(), c.want.RatString())
			}
		}
	}
}

func TestRewardProgramLoadErrors(t *testing.T) {
	const head = "accounts: {svc: \"100usdc\"}\nsteps:\n  - "
	tests := []struct{ name, step, want string }{
		{"no amount", `create_reward_program: {from: svc, service: s, duration: 1d}`, `missing field "amount"`},
		{"bad amount", `create_reward_program: {from: svc, service: s, amount: lots, duration: 1d}`, `field "amount"`},
		{"no duration", `create_reward_program: {from: svc, service: s, amount: 1usdc}`, `missing field "duration"`},
		{"no service", `create_reward_program: {from: svc, amount: 1usdc, duration: 1d}`, `missing field "service"`},
		{"bad start", `create_reward_program: {from: svc, service: s, amount: 1usdc, duration: 1d, start: tomorrow}`, `field "start"`},
		{"negative start", `create_reward_program: {from: svc, service: s, amount: 1usdc, duration: 1d, start: -1d}`, `field "start"`},
		{"start too far", `create_reward_program: {from: svc, service: s, amount: 1usdc, duration: 1d, start: 99999999999s}`, `field "start"`},
		{"unknown field", `create_reward_program: {from: svc, service: s, amount: 1usdc, duration: 1d, end: 2d}`, `unknown field "end"`},
		{"cancel bad id", `cancel_reward_program: {from: svc, id: one}`, `field "id"`},
		{"cancel no id", `cancel_reward_program: {from: svc}`, `missing field "id"`},
		{"program bad field", `expect: {program: {id: 1, field: paid}, eq: "1"}`, `"paid" is not one of active, amount, credited`},
		{"program no field", `expect: {program: {id: 1}, eq: "1"}`, `missing field "field"`},
		{"program bad id", `expect: {program: {id: 0, field: amount}, eq: "1"}`, `field "id"`},
		{"apr bad stream", `expect: {apr: {account: svc, stream: "a b"}, gte: "0"}`, `"a b" is not a service name`},
		{"apr no account", `expect: {apr: {}, gte: "0"}`, `missing field "account"`},
		{"pending bad stream", `expect: {pending_rewards: {account: svc, denom: usdc, stream: Oracle}, eq: "1"}`, `"Oracle" is not a service name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load([]byte(head + tc.step + "\n"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// A query of a program that does not exist, or of a yield nobody knows
// yet, fails the step, saying so.
func TestRewardQueriesUnknown(t *testing.T) {
	mustFail(t, "steps:\n  - expect: {program: {id: 4, field: amount}, eq: \"0\"}\n", "no reward program 4")
	mustFail(t, "accounts: {bob: \"\"}\nsteps:\n  - expect: {apr: {account: bob}, eq: \"0\"}\n", "no recent yield known for bob yet")
}
