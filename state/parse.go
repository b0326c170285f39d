package state

import (
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
)

// ParseCoin reads a positive amount field ("1000stake"), rejecting it with
// rule bad-amount.
func ParseCoin(field, s string) (coin.Coin, error) {
	c, err := coin.ParseCoin(s)
	if err != nil {
		return c, Reject("bad-amount", "%s %q: %v", field, s, err)
	}
	if c.Amount.IsZero() {
		return c, Reject("bad-amount", "%s must be positive", field)
	}
	return c, nil
}

// ParseAmount is ParseCoin for a field that must be in denom.
func ParseAmount(field, s, denom string) (num.Int, error) {
	c, err := ParseCoin(field, s)
	if err == nil && c.Denom != denom {
		err = Reject("bad-amount", "%s must be in %s, got %s", field, denom, c.Denom)
	}
	return c.Amount, err
}
