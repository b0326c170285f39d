package sim

import (
	"testing"

	"github.com/restaked/restaked/restaking"
)

// TestDoubleSignRecordsRestakingHistory: a double_sign event lowers the
// native factor of the operator running the validator, and the stake
// history services read at a height must show it (the chain records it
// through restaking.AfterPrimarySlash; so must the simulator).
func TestDoubleSignRecordsRestakingHistory(t *testing.T) {
	sc := load(t, `
params: {inflation: "0"}
accounts: {op: "100000stake", alice: "10000stake", svc: ""}
steps:
  - create_validator: {from: op, self_delegation: "100000stake", commission: "0.1"}
  - register_operator: {from: op, validator: op}
  - register_service: {from: svc, name: oracle, slasher: svc, assets: [stake], pfc: "1", threshold: "0.5"}
  - opt_in: {from: op, service: oracle}
  - deposit: {from: alice, operator: op, amount: "10000stake"}
  - allocate: {from: op, service: oracle, asset: stake, magnitude: "1"}
  - advance: 1 block
  - double_sign: {validator: op}
`)
	s, err := start(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sc.Steps {
		if _, err := st.act.run(s); err != nil {
			t.Fatalf("step %d (%s): %v", st.Index, st.Text, err)
		}
	}
	op, _ := sc.book.get("op")
	e, ok, err := restaking.StakeAt(s.state(), "oracle", op.addr, "stake", s.height)
	if err != nil || !ok {
		t.Fatalf("stake at %d: %v %v", s.height, ok, err)
	}
	if e.Amount.String() != "9500" { // 10000 less 5%
		t.Fatalf("stake history at block %d shows %s, want 9500", s.height, e.Amount)
	}
}
