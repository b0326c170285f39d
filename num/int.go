// Package num holds the protocol's numbers: 256-bit unsigned amounts (Int),
// 18-decimal fixed-point fractions (Dec, "WAD") and durations in seconds.
//
// Every operation that can overflow or underflow returns an error instead of
// wrapping; every rounding site names its direction in the function name
// (Down = toward zero, paid out; Up = away from zero, slashed or burned).
package num

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/holiman/uint256"
)

// Errors returned by arithmetic; callers wrap them with the rule they enforce.
var (
	ErrOverflow  = errors.New("amount overflows 256 bits")
	ErrUnderflow = errors.New("amount would go negative")
	ErrDivZero   = errors.New("division by zero")
	ErrMalformed = errors.New("malformed number")
)

// Int is a non-negative integer below 2^256. The zero value is 0.
type Int struct{ v uint256.Int }

// NewInt returns x as an Int.
func NewInt(x uint64) Int { var i Int; i.v.SetUint64(x); return i }

// MaxInt is 2^256-1.
func MaxInt() Int { var i Int; i.v.SetAllOne(); return i }

// ParseInt reads a base-10 integer with no sign, no leading '+', no spaces.
func ParseInt(s string) (Int, error) {
	var i Int
	if s == "" || len(s) > 78 {
		return i, fmt.Errorf("%w: %q", ErrMalformed, s)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return i, fmt.Errorf("%w: %q", ErrMalformed, s)
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return i, fmt.Errorf("%w: leading zero in %q", ErrMalformed, s)
	}
	if err := i.v.SetFromDecimal(s); err != nil {
		return i, fmt.Errorf("%w: %q", ErrOverflow, s)
	}
	return i, nil
}

// MustInt parses a constant; only for literals in code and tests.
func MustInt(s string) Int {
	i, err := ParseInt(s)
	if err != nil {
		panic(err)
	}
	return i
}

func (a Int) String() string { return a.v.Dec() }

// Uint64 returns the value and whether it fits.
func (a Int) Uint64() (uint64, bool) { return a.v.Uint64(), a.v.IsUint64() }

// Big returns a copy as *big.Int (for the risk engine and display).
func (a Int) Big() *big.Int { return a.v.ToBig() }

// FromBig converts, failing on negatives and overflow.
func FromBig(b *big.Int) (Int, error) {
	var i Int
	if b.Sign() < 0 {
		return i, ErrUnderflow
	}
	if i.v.SetFromBig(b) {
		return i, ErrOverflow
	}
	return i, nil
}

func (a Int) IsZero() bool   { return a.v.IsZero() }
func (a Int) Cmp(b Int) int  { return a.v.Cmp(&b.v) }
func (a Int) Eq(b Int) bool  { return a.v.Eq(&b.v) }
func (a Int) LT(b Int) bool  { return a.v.Lt(&b.v) }
func (a Int) GT(b Int) bool  { return a.v.Gt(&b.v) }
func (a Int) LTE(b Int) bool { return !a.v.Gt(&b.v) }
func (a Int) GTE(b Int) bool { return !a.v.Lt(&b.v) }
func (a Int) Min(b Int) Int {
	if a.LT(b) {
		return a
	}
	return b
}

// Add returns a+b or ErrOverflow.
func (a Int) Add(b Int) (Int, error) {
	var r Int
	if _, of := r.v.AddOverflow(&a.v, &b.v); of {
		return Int{}, ErrOverflow
	}
	return r, nil
}

// Sub returns a-b or ErrUnderflow.
func (a Int) Sub(b Int) (Int, error) {
	var r Int
	if _, uf := r.v.SubOverflow(&a.v, &b.v); uf {
		return Int{}, ErrUnderflow
	}
	return r, nil
}

// SubSat returns max(a-b, 0).
func (a Int) SubSat(b Int) Int {
	if a.LTE(b) {
		return Int{}
	}
	var r Int
	r.v.Sub(&a.v, &b.v)
	return r
}

// Mul returns a*b or ErrOverflow.
func (a Int) Mul(b Int) (Int, error) {
	var r Int
	if _, of := r.v.MulOverflow(&a.v, &b.v); of {
		return Int{}, ErrOverflow
	}
	return r, nil
}

// MulDivDown returns floor(a*b/c) with a 512-bit intermediate.
func (a Int) MulDivDown(b, c Int) (Int, error) {
	if c.IsZero() {
		return Int{}, ErrDivZero
	}
	q, _, err := a.mulDivRem(b, c, false)
	return q, err
}

// mulDivRem is floor(a*b/c) and, when wantRem, whether a*b mod c is
// non-zero; c ≠ 0. When a*b fits in 256 bits (the common case: amounts
// times 18-decimal fractions) one 256-bit division does it; otherwise the
// 512-bit product is divided.
func (a Int) mulDivRem(b, c Int, wantRem bool) (q Int, inexact bool, err error) {
	var p, rem uint256.Int
	if _, of := p.MulOverflow(&a.v, &b.v); !of {
		if !wantRem {
			q.v.Div(&p, &c.v)
			return q, false, nil
		}
		q.v.DivMod(&p, &c.v, &rem)
		return q, !rem.IsZero(), nil
	}
	if _, of := q.v.MulDivOverflow(&a.v, &b.v, &c.v); of {
		return Int{}, false, ErrOverflow
	}
	if wantRem {
		rem.MulMod(&a.v, &b.v, &c.v) // the full 512-bit product
	}
	return q, !rem.IsZero(), nil
}

// MulDivUp returns ceil(a*b/c) with a 512-bit intermediate.
func (a Int) MulDivUp(b, c Int) (Int, error) {
	if c.IsZero() {
		return Int{}, ErrDivZero
	}
	r, inexact, err := a.mulDivRem(b, c, true)
	if err != nil || !inexact {
		return r, err
	}
	return r.Add(NewInt(1))
}

// QuoDown returns floor(a/b).
func (a Int) QuoDown(b Int) (Int, error) {
	if b.IsZero() {
		return Int{}, ErrDivZero
	}
	var r Int
	r.v.Div(&a.v, &b.v)
	return r, nil
}

// Bytes32 is the fixed 32-byte big-endian encoding (state keys sort by value).
func (a Int) Bytes32() [32]byte { return a.v.Bytes32() }

// Bytes is the minimal big-endian encoding (empty for zero), used in state values.
func (a Int) Bytes() []byte {
	if a.IsZero() {
		return nil
	}
	return a.v.Bytes()
}

// IntFromBytes decodes Bytes or Bytes32 output.
func IntFromBytes(b []byte) (Int, error) {
	var i Int
	if len(b) > 32 {
		return i, fmt.Errorf("%w: %d bytes", ErrOverflow, len(b))
	}
	i.v.SetBytes(b)
	return i, nil
}

// MarshalText encodes as a decimal string (JSON, YAML).
func (a Int) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText decodes a decimal string.
func (a *Int) UnmarshalText(b []byte) error {
	v, err := ParseInt(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// MulAddDivMod returns q = floor((a*b + c) / d) and r = (a*b + c) mod d,
// exactly (512-bit product): the division with carry that reward
// accumulators use so that no fraction is ever dropped.
func (a Int) MulAddDivMod(b, c, d Int) (q, r Int, err error) {
	if d.IsZero() {
		return Int{}, Int{}, ErrDivZero
	}
	// Fast path: a*b + c fits in 256 bits, one 256-bit division.
	var p uint256.Int
	if _, of := p.MulOverflow(&a.v, &b.v); !of {
		if _, of := p.AddOverflow(&p, &c.v); !of {
			q.v.DivMod(&p, &d.v, &r.v)
			return q, r, nil
		}
	}
	if _, of := q.v.MulDivOverflow(&a.v, &b.v, &d.v); of {
		return Int{}, Int{}, ErrOverflow
	}
	var r1, q2, r2 uint256.Int
	r1.MulMod(&a.v, &b.v, &d.v)
	q2.DivMod(&c.v, &d.v, &r2)
	if _, of := q.v.AddOverflow(&q.v, &q2); of {
		return Int{}, Int{}, ErrOverflow
	}
	// r1, r2 < d: their sum is below 2d, so at most one more d fits.
	_, of := r.v.AddOverflow(&r1, &r2)
	if of || !r.v.Lt(&d.v) {
		r.v.Sub(&r.v, &d.v) // wraps back into range when the sum overflowed
		if _, of2 := q.v.AddOverflow(&q.v, uint256.NewInt(1)); of2 {
			return Int{}, Int{}, ErrOverflow
		}
	}
	return q, r, nil
}

// BitLen is the number of bits of a (0 for zero).
func (a Int) BitLen() int { return a.v.BitLen() }
