// Package coin holds denominated amounts: a Coin is an amount of one denom,
// Coins a sorted set with at most one entry per denom and no zero entries.
package coin

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/restaked/restaked/num"
)

// ErrMalformed is returned for any coin string that does not parse.
var ErrMalformed = errors.New("malformed coins")

// MaxDenoms bounds the number of denoms in one Coins value (bounded loops).
const MaxDenoms = 64

// Coin is an amount of one denom.
type Coin struct {
	Denom  string  `json:"denom"`
	Amount num.Int `json:"amount"`
}

// New builds a Coin.
func New(denom string, amount num.Int) Coin { return Coin{Denom: denom, Amount: amount} }

func (c Coin) String() string { return c.Amount.String() + c.Denom }

// ValidateDenom: 2–64 chars, a lowercase letter first, then lowercase letters, digits, '/', '-', '.'.
func ValidateDenom(d string) error {
	if len(d) < 2 || len(d) > 64 || d[0] < 'a' || d[0] > 'z' {
		return fmt.Errorf("%w: invalid denom %q (2-64 chars, starting with a lowercase letter)", ErrMalformed, d)
	}
	for i := 1; i < len(d); i++ {
		c := d[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '/' || c == '-' || c == '.') {
			return fmt.Errorf("%w: invalid denom %q (character %q)", ErrMalformed, d, c)
		}
	}
	return nil
}

// ParseCoin reads "1000stake". Zero amounts are allowed here (Coins drops them).
func ParseCoin(s string) (Coin, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return Coin{}, fmt.Errorf("%w: %q (want e.g. 1000stake)", ErrMalformed, s)
	}
	amt, err := num.ParseInt(s[:i])
	if err != nil {
		return Coin{}, fmt.Errorf("%w: %q: %v", ErrMalformed, s, err)
	}
	if err := ValidateDenom(s[i:]); err != nil {
		return Coin{}, err
	}
	return Coin{Denom: s[i:], Amount: amt}, nil
}

// Coins is sorted by denom, has no duplicates and no zero amounts.
type Coins []Coin

// Parse reads "5usdc,7stake" (any order; duplicates rejected; empty string = none).
func Parse(s string) (Coins, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxDenoms {
		return nil, fmt.Errorf("%w: more than %d denoms", ErrMalformed, MaxDenoms)
	}
	out := make(Coins, 0, len(parts))
	for _, p := range parts {
		c, err := ParseCoin(p)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return Normalize(out)
}

// Normalize sorts, rejects duplicate denoms and drops zero amounts.
func Normalize(cs []Coin) (Coins, error) {
	out := make(Coins, 0, len(cs))
	for _, c := range cs {
		if err := ValidateDenom(c.Denom); err != nil {
			return nil, err
		}
		if !c.Amount.IsZero() {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Denom < out[j].Denom })
	for i := 1; i < len(out); i++ {
		if out[i].Denom == out[i-1].Denom {
			return nil, fmt.Errorf("%w: duplicate denom %q", ErrMalformed, out[i].Denom)
		}
	}
	return out, nil
}

func (cs Coins) String() string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, ",")
}

// AmountOf returns the amount of denom (0 if absent).
func (cs Coins) AmountOf(denom string) num.Int {
	for _, c := range cs {
		if c.Denom == denom {
			return c.Amount
		}
	}
	return num.Int{}
}

// IsZero reports whether there are no coins.
func (cs Coins) IsZero() bool { return len(cs) == 0 }

// Add returns cs + other, failing on overflow.
func (cs Coins) Add(other Coins) (Coins, error) {
	out := append(Coins{}, cs...)
	for _, c := range other {
		found := false
		for i := range out {
			if out[i].Denom == c.Denom {
				sum, err := out[i].Amount.Add(c.Amount)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", c.Denom, err)
				}
				out[i].Amount, found = sum, true
			}
		}
		if !found {
			out = append(out, c)
		}
	}
	return Normalize(out)
}
