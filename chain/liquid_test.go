package chain

import (
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

func liquidHarness(t testing.TB, mut func(p *params.Params)) *harness {
	return newHarness(t, store.NewMemBase(), testGenesis(mut))
}

func (h *harness) lstake(label, amount string) TxResult {
	h.t.Helper()
	return h.deliver(label, &tx.MsgLiquidStake{From: addrOf(label).String(), Amount: amount})
}

func (h *harness) lunstake(label, amount string) TxResult {
	h.t.Helper()
	return h.deliver(label, &tx.MsgLiquidUnstake{From: addrOf(label).String(), Amount: amount})
}

func (h *harness) bal(a account.Address, denom string) num.Int {
	h.t.Helper()
	b, err := bank.Balance(h.c.BlockState(), a, denom)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

func (h *harness) info() liquid.Info {
	h.t.Helper()
	in, err := liquid.GetInfo(h.c.BlockState())
	if err != nil {
		h.t.Fatal(err)
	}
	return in
}

func mustOK(t testing.TB, r TxResult) {
	t.Helper()
	if r.Code != CodeOK {
		t.Fatalf("tx failed: %s %s", r.Rule, r.Log)
	}
}

// advanceTo runs empty blocks until block time reaches at least t_s.
func (h *harness) advanceTo(t_s int64) {
	for h.time < t_s {
		h.next()
	}
}

func TestLiquidStakeMintsOneToOneWhenEmpty(t *testing.T) {
	h := liquidHarness(t, nil)
	mustOK(t, h.lstake("alice", "1000stake"))
	if got := h.bal(addrOf("alice"), liquid.Denom); !got.Eq(num.NewInt(1000)) {
		t.Fatalf("minted %s, want 1000", got)
	}
	in := h.info()
	if !in.Books.Delegated.Eq(num.NewInt(1000)) || !in.Rate.IsOne() {
		t.Fatalf("books %+v rate %s", in.Books, in.Rate)
	}
	h.next()
}
