package chain

import (
	"testing"

	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
)

// Regression tests for restaking found by the example scenarios.

// restakeStstake sets up alice's 10000 ststake restaked with the genesis
// validator's operator, 0.5 of it allocated to bob's service "oracle"
// (destination: burn), all in block 1 with inflation off.
func restakeStstake(t *testing.T) *harness {
	h := liquidHarness(t, func(p *params.Params) { p.Inflation = num.Dec{} })
	val, alice, bob := addrOf(validatorLabel).String(), addrOf("alice").String(), addrOf("bob").String()
	mustOK(t, h.lstake("alice", "10000stake"))
	steps := []struct {
		from string
		msg  proto.Message
	}{
		{validatorLabel, &tx.MsgRegisterOperator{Operator: val}},
		{"bob", &tx.MsgRegisterService{Admin: bob, Name: "oracle", Slasher: bob, Assets: []string{liquid.Denom}, Pfc: "1", Threshold: "0.5"}},
		{validatorLabel, &tx.MsgOptIn{Operator: val, Service: "oracle"}},
		{"alice", &tx.MsgDeposit{Staker: alice, Operator: val, Amount: "10000ststake"}},
		{validatorLabel, &tx.MsgAllocate{Operator: val, Service: "oracle", Asset: liquid.Denom, Magnitude: "0.5"}},
	}
	for _, s := range steps {
		mustOK(t, h.deliver(s.from, s.msg))
	}
	return h
}

// TestRestakingBurnOfStstakeKeepsPoolSupply: a slash burning restaked
// ststake used to burn the tokens in the bank only, so the liquid pool
// kept counting them: the liquid-supply invariant broke at the next commit
// and the pool priced every conversion with a supply too large. The burn
// now goes through the pool, which also destroys the backing stake, so
// the rate of the remaining holders does not move.
func TestRestakingBurnOfStstakeKeepsPoolSupply(t *testing.T) {
	h := restakeStstake(t)
	before := h.info()
	tokens := validatorTokens(t, h)
	bob, val := addrOf("bob").String(), addrOf(validatorLabel).String()
	// slashedMag = ceil(0.2 × 0.5) = 0.1: 1000 of the 10000 ststake burned.
	mustOK(t, h.deliver("bob", &tx.MsgSlash{Slasher: bob, Service: "oracle", Operator: val, Fraction: "0.2"}))
	h.next() // commits: every invariant is checked
	after := h.info()
	if want := num.NewInt(9000); !after.Books.Supply.Eq(want) {
		t.Fatalf("pool counts %s ststake, want %s", after.Books.Supply, want)
	}
	if s := supplyOf(t, h, liquid.Denom); !s.Eq(after.Books.Supply) {
		t.Fatalf("bank supply %s, pool count %s", s, after.Books.Supply)
	}
	if !after.Rate.Eq(before.Rate) {
		t.Fatalf("rate moved from %s to %s", before.Rate, after.Rate)
	}
	// The backing (1000 at rate 1) left the validator and the supply.
	if got, want := validatorTokens(t, h), tokens.SubSat(num.NewInt(1000)); !got.Eq(want) {
		t.Fatalf("validator tokens %s, want %s", got, want)
	}
}

func validatorTokens(t *testing.T, h *harness) num.Int {
	t.Helper()
	v, found, err := staking.GetValidator(h.c.BlockState(), addrOf(validatorLabel))
	if err != nil || !found {
		t.Fatalf("validator: %v %v", found, err)
	}
	return v.Tokens
}

func supplyOf(t *testing.T, h *harness, denom string) num.Int {
	t.Helper()
	s, err := bank.Supply(h.c.BlockState(), denom)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
