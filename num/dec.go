package num

import (
	"fmt"
	"math/big"
	"strings"
)

// Dec is a non-negative fixed-point fraction with 18 decimals: the stored
// integer is value·1e18 ("WAD"). 1e18 means 100%.
type Dec struct{ raw Int }

// Decimals is the number of fractional digits of a Dec.
const Decimals = 18

var wad = MustInt("1000000000000000000")

// WAD returns 1e18 as an Int.
func WAD() Int { return wad }

// OneDec is 1.0; ZeroDec is 0.
func OneDec() Dec  { return Dec{raw: wad} }
func ZeroDec() Dec { return Dec{} }

// DecFromRaw wraps a value already scaled by 1e18.
func DecFromRaw(raw Int) Dec { return Dec{raw: raw} }

// Raw returns the scaled integer.
func (d Dec) Raw() Int { return d.raw }

// ParseDec reads "0.25", "1", "3.000000000000000001"; at most 18 decimals.
func ParseDec(s string) (Dec, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || len(frac) > Decimals {
		return Dec{}, fmt.Errorf("%w: fraction %q (want a decimal with at most 18 places)", ErrMalformed, s)
	}
	w, err := ParseInt(whole)
	if err != nil {
		return Dec{}, fmt.Errorf("%w: fraction %q", ErrMalformed, s)
	}
	var f Int
	if frac != "" {
		padded := frac + strings.Repeat("0", Decimals-len(frac))
		f, err = ParseInt(strings.TrimLeft(padded, "0") + zeroIfEmpty(padded))
		if err != nil || strings.ContainsAny(frac, "+-") {
			return Dec{}, fmt.Errorf("%w: fraction %q", ErrMalformed, s)
		}
	}
	scaled, err := w.Mul(wad)
	if err != nil {
		return Dec{}, err
	}
	raw, err := scaled.Add(f)
	return Dec{raw: raw}, err
}

func zeroIfEmpty(padded string) string {
	if strings.TrimLeft(padded, "0") == "" {
		return "0"
	}
	return ""
}

// MustDec parses a constant; only for literals in code and tests.
func MustDec(s string) Dec {
	d, err := ParseDec(s)
	if err != nil {
		panic(err)
	}
	return d
}

// String prints the shortest exact decimal ("0.25", "1").
func (d Dec) String() string {
	q, _ := d.raw.QuoDown(wad)
	r, _ := d.raw.Sub(mustMul(q, wad))
	if r.IsZero() {
		return q.String()
	}
	fs := r.String()
	fs = strings.Repeat("0", Decimals-len(fs)) + fs
	return q.String() + "." + strings.TrimRight(fs, "0")
}

func mustMul(a, b Int) Int {
	r, err := a.Mul(b)
	if err != nil {
		panic("num: internal overflow in String") // unreachable: q*wad <= raw
	}
	return r
}

func (d Dec) IsZero() bool           { return d.raw.IsZero() }
func (d Dec) Cmp(e Dec) int          { return d.raw.Cmp(e.raw) }
func (d Dec) LT(e Dec) bool          { return d.raw.LT(e.raw) }
func (d Dec) GT(e Dec) bool          { return d.raw.GT(e.raw) }
func (d Dec) LTE(e Dec) bool         { return d.raw.LTE(e.raw) }
func (d Dec) GTE(e Dec) bool         { return d.raw.GTE(e.raw) }
func (d Dec) Eq(e Dec) bool          { return d.raw.Eq(e.raw) }
func (d Dec) LTEOne() bool           { return d.raw.LTE(wad) }
func (d Dec) Add(e Dec) (Dec, error) { r, err := d.raw.Add(e.raw); return Dec{r}, err }
func (d Dec) Sub(e Dec) (Dec, error) { r, err := d.raw.Sub(e.raw); return Dec{r}, err }

// MulDown returns d·e rounded down; MulUp rounded up.
func (d Dec) MulDown(e Dec) (Dec, error) { r, err := d.raw.MulDivDown(e.raw, wad); return Dec{r}, err }
func (d Dec) MulUp(e Dec) (Dec, error)   { r, err := d.raw.MulDivUp(e.raw, wad); return Dec{r}, err }

// QuoDown returns d/e rounded down.
func (d Dec) QuoDown(e Dec) (Dec, error) { r, err := d.raw.MulDivDown(wad, e.raw); return Dec{r}, err }

// MulIntDown returns floor(a·d): amounts paid or credited.
func (d Dec) MulIntDown(a Int) (Int, error) { return a.MulDivDown(d.raw, wad) }

// MulIntUp returns ceil(a·d): amounts slashed or burned.
func (d Dec) MulIntUp(a Int) (Int, error) { return a.MulDivUp(d.raw, wad) }

// RatioDown returns floor(a/b) as a Dec.
func RatioDown(a, b Int) (Dec, error) { r, err := a.MulDivDown(wad, b); return Dec{r}, err }

// MarshalText encodes as a decimal string.
func (d Dec) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText decodes a decimal string.
func (d *Dec) UnmarshalText(b []byte) error {
	v, err := ParseDec(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Rat is d as an exact rational.
func (d Dec) Rat() *big.Rat { return new(big.Rat).SetFrac(d.raw.Big(), wad.Big()) }

// DecFromRat is a non-negative rational as a Dec (rounding: down: views
// and rates shown, never amounts paid); an error if it is negative or does
// not fit.
func DecFromRat(x *big.Rat) (Dec, error) {
	if x.Sign() < 0 {
		return Dec{}, ErrUnderflow
	}
	n := new(big.Int).Mul(x.Num(), wad.Big())
	raw, err := FromBig(n.Quo(n, x.Denom()))
	return Dec{raw}, err
}
