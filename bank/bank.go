// Package bank holds balances of every denom and the total supply per denom.
// Module accounts (pools, escrows, fee collector) are ordinary addresses that
// no key controls, so the supply invariant covers them too.
package bank

import (
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

var (
	balPrefix    = []byte("bank/bal/")    // + addr(20) + denom -> amount
	supplyPrefix = []byte("bank/supply/") // + denom -> amount
)

func balKey(a account.Address, denom string) []byte {
	return state.Key(balPrefix, a[:], []byte(denom))
}

// Balance returns addr's balance of denom.
func Balance(r store.Reader, a account.Address, denom string) (num.Int, error) {
	return state.LoadAmount(r, balKey(a, denom))
}

// Balances returns every non-zero balance of addr, sorted by denom.
func Balances(r store.Reader, a account.Address) (coin.Coins, error) {
	var out coin.Coins
	var err error
	prefix := state.Key(balPrefix, a[:])
	store.IteratePrefix(r, prefix, false, func(k, v []byte) bool {
		var amt num.Int
		amt, err = num.IntFromBytes(v)
		out = append(out, coin.New(string(k[len(prefix):]), amt))
		return err == nil
	})
	return out, err
}

// Supply returns the total supply of denom.
func Supply(r store.Reader, denom string) (num.Int, error) {
	return state.LoadAmount(r, state.Key(supplyPrefix, []byte(denom)))
}

// AllSupply lists the supply of every denom.
func AllSupply(r store.Reader) (coin.Coins, error) {
	var out coin.Coins
	var err error
	store.IteratePrefix(r, supplyPrefix, false, func(k, v []byte) bool {
		var amt num.Int
		amt, err = num.IntFromBytes(v)
		out = append(out, coin.New(string(k[len(supplyPrefix):]), amt))
		return err == nil
	})
	return out, err
}

// add credits amt to addr (no supply change).
func add(kv store.KV, a account.Address, denom string, amt num.Int) error {
	k := balKey(a, denom)
	cur, err := state.LoadAmount(kv, k)
	if err != nil {
		return err
	}
	sum, err := cur.Add(amt)
	if err != nil {
		return state.Reject("balance-overflow", "%s balance of %s would overflow", denom, a)
	}
	state.PutAmount(kv, k, sum)
	return nil
}

// sub debits amt from addr (no supply change).
func sub(kv store.KV, a account.Address, denom string, amt num.Int) error {
	k := balKey(a, denom)
	cur, err := state.LoadAmount(kv, k)
	if err != nil {
		return err
	}
	rest, err := cur.Sub(amt)
	if err != nil {
		return state.Reject("insufficient-funds", "%s has %s%s, needs %s%s", a, cur, denom, amt, denom)
	}
	state.PutAmount(kv, k, rest)
	return nil
}

// Send moves coins from one account to another. Each denom is checked in
// full before it is written, so a single-denom send that fails writes nothing.
func Send(kv store.KV, from, to account.Address, coins coin.Coins) error {
	for _, c := range coins {
		if err := sendOne(kv, from, to, c.Denom, c.Amount); err != nil {
			return err
		}
	}
	return nil
}

func sendOne(kv store.KV, from, to account.Address, denom string, amt num.Int) error {
	fk, tk := balKey(from, denom), balKey(to, denom)
	fromBal, err := state.LoadAmount(kv, fk)
	if err != nil {
		return err
	}
	rest, err := fromBal.Sub(amt)
	if err != nil {
		return state.Reject("insufficient-funds", "%s has %s%s, needs %s%s", from, fromBal, denom, amt, denom)
	}
	if from == to {
		return nil
	}
	toBal, err := state.LoadAmount(kv, tk)
	if err != nil {
		return err
	}
	sum, err := toBal.Add(amt)
	if err != nil {
		return state.Reject("balance-overflow", "%s balance of %s would overflow", denom, to)
	}
	state.PutAmount(kv, fk, rest)
	state.PutAmount(kv, tk, sum)
	return nil
}

// SendOne moves one denom.
func SendOne(kv store.KV, from, to account.Address, denom string, amt num.Int) error {
	if amt.IsZero() {
		return nil
	}
	return Send(kv, from, to, coin.Coins{coin.New(denom, amt)})
}

func changeSupply(kv store.KV, denom string, amt num.Int, up bool) error {
	k := state.Key(supplyPrefix, []byte(denom))
	cur, err := state.LoadAmount(kv, k)
	if err != nil {
		return err
	}
	next, err := cur.Add(amt)
	if !up {
		next, err = cur.Sub(amt)
	}
	if err != nil {
		return state.Reject("supply-bounds", "%s supply %s cannot change by %s: %v", denom, cur, amt, err)
	}
	state.PutAmount(kv, k, next)
	return nil
}

// Mint creates amt of denom in addr's balance.
func Mint(kv store.KV, to account.Address, denom string, amt num.Int) error {
	if amt.IsZero() {
		return nil
	}
	if err := changeSupply(kv, denom, amt, true); err != nil {
		return err
	}
	return add(kv, to, denom, amt)
}

// Burn destroys amt of denom from addr's balance.
func Burn(kv store.KV, from account.Address, denom string, amt num.Int) error {
	if amt.IsZero() {
		return nil
	}
	if err := sub(kv, from, denom, amt); err != nil {
		return err
	}
	return changeSupply(kv, denom, amt, false)
}

// HandleSend executes MsgSend signed by signer. Module accounts (pools,
// escrows) cannot receive by send: their balances must equal what their
// module records, which a donation would break.
func HandleSend(ctx state.Ctx, signer account.Address, m *tx.MsgSend, isModule func(account.Address) bool) error {
	from, err := state.Owner("from", m.From, signer, "send its funds")
	if err != nil {
		return err
	}
	to, err := state.ParseAddr("to", m.To)
	if err != nil {
		return err
	}
	if isModule != nil && isModule(to) {
		return state.Reject("module-account", "%s is a module account and cannot receive funds by send", to)
	}
	coins, err := coin.Parse(m.Amount)
	if err != nil || coins.IsZero() {
		return state.Reject("bad-amount", "amount %q: must be positive coins like 100stake", m.Amount)
	}
	if err := Send(ctx.KV, from, to, coins); err != nil {
		return err
	}
	ctx.Emit("send", "from", from.String(), "to", to.String(), "amount", coins.String())
	return nil
}

// SupplyInvariant: per denom, the supply equals the sum of all balances.
func SupplyInvariant(r store.Reader) error {
	sums := map[string]num.Int{}
	var err error
	store.IteratePrefix(r, balPrefix, false, func(k, v []byte) bool {
		denom := string(k[len(balPrefix)+20:])
		amt, e := num.IntFromBytes(v)
		if e != nil || amt.IsZero() {
			err = fmt.Errorf("balance record %q is zero or corrupt", k)
			return false
		}
		s, e := sums[denom].Add(amt)
		sums[denom], err = s, e
		return e == nil
	})
	if err != nil {
		return err
	}
	supply, err := AllSupply(r)
	if err != nil {
		return err
	}
	for _, c := range supply {
		if !sums[c.Denom].Eq(c.Amount) {
			return fmt.Errorf("%s supply %s but balances sum to %s", c.Denom, c.Amount, sums[c.Denom])
		}
		delete(sums, c.Denom)
	}
	for d, s := range sums {
		return fmt.Errorf("%s balances sum to %s with no supply record", d, s)
	}
	return nil
}

// GenesisBalances credits initial balances and their supply.
func GenesisBalances(kv store.KV, a account.Address, coins coin.Coins) error {
	for _, c := range coins {
		if err := Mint(kv, a, c.Denom, c.Amount); err != nil {
			return err
		}
	}
	return nil
}

// CheckFunds rejects (rule insufficient-funds) when a holds less than
// amount of denom: the check every module makes before moving funds.
func CheckFunds(r store.Reader, a account.Address, denom string, amount num.Int) error {
	bal, err := Balance(r, a, denom)
	if err != nil {
		return err
	}
	if bal.LT(amount) {
		return state.Reject("insufficient-funds", "%s has %s%s, needs %s%s", a, bal, denom, amount, denom)
	}
	return nil
}
