package bank

import (
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

func mustCoins(t *testing.T, s string) coin.Coins {
	c, err := coin.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSendMintBurn(t *testing.T) {
	kv := store.NewMem()
	a, b := account.Module("a"), account.Module("b")
	if err := GenesisBalances(kv, a, mustCoins(t, "100stake,5usdc")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		do   func() error
		rule string
	}{
		{"send", func() error { return Send(kv, a, b, mustCoins(t, "40stake")) }, ""},
		{"overspend", func() error { return Send(kv, a, b, mustCoins(t, "61stake")) }, "insufficient-funds"},
		{"unknown denom", func() error { return Send(kv, a, b, mustCoins(t, "1atom")) }, "insufficient-funds"},
		{"self send", func() error { return Send(kv, a, a, mustCoins(t, "60stake")) }, ""},
		{"self overspend", func() error { return Send(kv, a, a, mustCoins(t, "61stake")) }, "insufficient-funds"},
		{"mint", func() error { return Mint(kv, b, "stake", num.NewInt(7)) }, ""},
		{"mint overflow", func() error { return Mint(kv, b, "stake", num.MaxInt()) }, "supply-bounds"},
		{"burn", func() error { return Burn(kv, b, "stake", num.NewInt(2)) }, ""},
		{"burn too much", func() error { return Burn(kv, b, "stake", num.NewInt(1000)) }, "insufficient-funds"},
		{"receive overflow", func() error { return Send(kv, a, b, mustCoins(t, "1usdc")) }, ""},
	}
	for _, c := range cases {
		err := c.do()
		if state.RuleOf(err) != c.rule {
			t.Errorf("%s: err %v, want rule %q", c.name, err, c.rule)
		}
		if err := SupplyInvariant(kv); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	for _, want := range []struct {
		who    account.Address
		denom  string
		amount string
	}{{a, "stake", "60"}, {b, "stake", "45"}, {b, "usdc", "1"}} {
		got, _ := Balance(kv, want.who, want.denom)
		if got.String() != want.amount {
			t.Errorf("balance %s = %s, want %s", want.denom, got, want.amount)
		}
	}
	sup, _ := Supply(kv, "stake")
	if sup.String() != "105" {
		t.Errorf("supply = %s", sup)
	}
}

func TestSupplyInvariantDetectsDrift(t *testing.T) {
	kv := store.NewMem()
	a := account.Module("a")
	_ = Mint(kv, a, "stake", num.NewInt(10))
	kv.Set(balKey(a, "stake"), num.NewInt(11).Bytes()) // a write that bypasses the bank
	if err := SupplyInvariant(kv); err == nil {
		t.Fatal("drift not detected")
	}
}
