package num

import (
	"errors"
	"math/big"
	"testing"

	"pgregory.net/rapid"
)

func TestParseInt(t *testing.T) {
	max := "115792089237316195423570985008687907853269984665640564039457584007913129639935"
	cases := []struct {
		in      string
		ok      bool
		wantErr error
	}{
		{"0", true, nil}, {"1", true, nil}, {max, true, nil},
		{"", false, ErrMalformed}, {"-1", false, ErrMalformed}, {"+1", false, ErrMalformed},
		{"01", false, ErrMalformed}, {"1.5", false, ErrMalformed}, {" 1", false, ErrMalformed},
		{"115792089237316195423570985008687907853269984665640564039457584007913129639936", false, ErrOverflow},
	}
	for _, c := range cases {
		v, err := ParseInt(c.in)
		if c.ok != (err == nil) || (err != nil && !errors.Is(err, c.wantErr)) {
			t.Errorf("ParseInt(%q) = %v, %v", c.in, v, err)
		}
		if c.ok && v.String() != c.in {
			t.Errorf("round trip %q -> %q", c.in, v)
		}
	}
}

func TestCheckedArithmetic(t *testing.T) {
	if _, err := MaxInt().Add(NewInt(1)); !errors.Is(err, ErrOverflow) {
		t.Fatal("add overflow not detected")
	}
	if _, err := NewInt(1).Sub(NewInt(2)); !errors.Is(err, ErrUnderflow) {
		t.Fatal("sub underflow not detected")
	}
	if _, err := MaxInt().Mul(NewInt(2)); !errors.Is(err, ErrOverflow) {
		t.Fatal("mul overflow not detected")
	}
	if _, err := NewInt(1).MulDivDown(NewInt(1), Int{}); !errors.Is(err, ErrDivZero) {
		t.Fatal("div by zero not detected")
	}
	// 512-bit intermediate: (max * max) / max = max.
	if r, err := MaxInt().MulDivDown(MaxInt(), MaxInt()); err != nil || !r.Eq(MaxInt()) {
		t.Fatalf("MulDivDown wide = %v, %v", r, err)
	}
	if r, _ := NewInt(10).MulDivUp(NewInt(1), NewInt(3)); !r.Eq(NewInt(4)) {
		t.Fatalf("ceil(10/3) = %v", r)
	}
	if r, _ := NewInt(9).MulDivUp(NewInt(1), NewInt(3)); !r.Eq(NewInt(3)) {
		t.Fatalf("ceil(9/3) = %v", r)
	}
}

func TestDec(t *testing.T) {
	cases := []struct{ in, out string }{
		{"0", "0"}, {"1", "1"}, {"0.25", "0.25"}, {"0.050", "0.05"}, {"3.000000000000000001", "3.000000000000000001"}, {"0.0", "0"},
	}
	for _, c := range cases {
		d, err := ParseDec(c.in)
		if err != nil || d.String() != c.out {
			t.Errorf("ParseDec(%q) = %v, %v; want %s", c.in, d, err, c.out)
		}
	}
	for _, bad := range []string{"", ".5", "1.", "0.0000000000000000001", "-0.1", "a", "1.-5", "1.+5", "1e5"} {
		if d, err := ParseDec(bad); err == nil {
			t.Errorf("ParseDec(%q) = %v, want error", bad, d)
		}
	}
	third := MustDec("0.333333333333333333")
	if r, _ := third.MulIntDown(NewInt(10)); !r.Eq(NewInt(3)) {
		t.Errorf("floor = %v", r)
	}
	if r, _ := third.MulIntUp(NewInt(10)); !r.Eq(NewInt(4)) {
		t.Errorf("ceil = %v", r)
	}
}

func TestDuration(t *testing.T) {
	cases := []struct {
		in   string
		secs uint64
	}{{"30s", 30}, {"12h", 43200}, {"14d", 1209600}, {"1w", 604800}, {"10m", 600}, {"90", 90}, {"0s", 0}}
	for _, c := range cases {
		got, err := ParseDuration(c.in)
		if err != nil || got != c.secs {
			t.Errorf("ParseDuration(%q) = %d, %v", c.in, got, err)
		}
	}
	for _, bad := range []string{"", "d", "-1d", "1.5d", "99999999999999d", "+5s", "5y"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	if FormatDuration(1209600) != "2w" || FormatDuration(86400*3) != "3d" || FormatDuration(61) != "61s" {
		t.Error("FormatDuration")
	}
}

// Rounding directions hold for arbitrary operands: down <= exact <= up, and
// they differ by at most one.
func TestRoundingProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := NewInt(rapid.Uint64().Draw(t, "a"))
		b := NewInt(rapid.Uint64().Draw(t, "b"))
		c := NewInt(rapid.Uint64Min(1).Draw(t, "c"))
		down, err1 := a.MulDivDown(b, c)
		up, err2 := a.MulDivUp(b, c)
		if err1 != nil || err2 != nil {
			t.Fatalf("unexpected errors %v %v", err1, err2)
		}
		ab, _ := a.Mul(b)
		lo, _ := down.Mul(c)
		if lo.GT(ab) {
			t.Fatalf("down*c > a*b")
		}
		diff, _ := up.Sub(down)
		if diff.GT(NewInt(1)) {
			t.Fatalf("up - down = %v", diff)
		}
		if hi, err := up.Mul(c); err == nil && hi.LT(ab) {
			t.Fatalf("up*c < a*b")
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "1.5", "14d", "115792089237316195423570985008687907853269984665640564039457584007913129639935"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := ParseInt(s); err == nil && v.String() != s {
			t.Fatalf("int round trip %q -> %q", s, v)
		}
		if d, err := ParseDec(s); err == nil {
			if d2, err := ParseDec(d.String()); err != nil || !d2.Eq(d) {
				t.Fatalf("dec round trip %q -> %q", s, d)
			}
		}
		_, _ = ParseDuration(s)
	})
}

func TestAddTimeSaturates(t *testing.T) {
	const maxT = int64(^uint64(0) >> 1)
	for _, c := range []struct {
		t    int64
		d    uint64
		want int64
	}{{5, 10, 15}, {maxT - 1, 1, maxT}, {maxT - 1, 2, maxT}, {0, ^uint64(0), maxT}, {-5, 3, -2}} {
		if got := AddTime(c.t, c.d); got != c.want {
			t.Fatalf("AddTime(%d, %d) = %d, want %d", c.t, c.d, got, c.want)
		}
	}
}

func TestMulAddDivModMatchesBig(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		gen := func(name string) Int {
			b := rapid.SliceOfN(rapid.Byte(), 0, 32).Draw(rt, name)
			x, _ := IntFromBytes(b)
			return x
		}
		a, b, c, d := gen("a"), gen("b"), gen("c"), gen("d")
		if rapid.Bool().Draw(rt, "by 1e36") {
			d = MustInt("1000000000000000000000000000000000000") // the accumulators' scale
		}
		q, r, err := a.MulAddDivMod(b, c, d)
		if d.IsZero() {
			if err == nil {
				rt.Fatal("division by zero accepted")
			}
			return
		}
		n := new(big.Int).Mul(a.Big(), b.Big())
		n.Add(n, c.Big())
		wq, wr := new(big.Int).QuoRem(n, d.Big(), new(big.Int))
		if wq.BitLen() > 256 {
			if err == nil {
				rt.Fatalf("overflow not reported: %s", wq)
			}
			return
		}
		if err != nil || q.Big().Cmp(wq) != 0 || r.Big().Cmp(wr) != 0 {
			rt.Fatalf("(%s*%s+%s)/%s = %s r %s, %v; want %s r %s", a, b, c, d, q, r, err, wq, wr)
		}
	})
}

// MulDivDown and MulDivUp agree with big.Int on operands of any size,
// through the 256-bit path and the 512-bit one.
func TestMulDivMatchesBig(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		gen := func(name string) Int {
			x, _ := IntFromBytes(rapid.SliceOfN(rapid.Byte(), 0, 32).Draw(rt, name))
			return x
		}
		a, b, c := gen("a"), gen("b"), gen("c")
		down, errDown := a.MulDivDown(b, c)
		up, errUp := a.MulDivUp(b, c)
		if c.IsZero() {
			if errDown == nil || errUp == nil {
				rt.Fatal("division by zero accepted")
			}
			return
		}
		wq, wr := new(big.Int).QuoRem(new(big.Int).Mul(a.Big(), b.Big()), c.Big(), new(big.Int))
		if wq.BitLen() > 256 {
			if errDown == nil {
				rt.Fatalf("overflow not reported: %s", wq)
			}
			return
		}
		if errDown != nil || down.Big().Cmp(wq) != 0 {
			rt.Fatalf("floor(%s*%s/%s) = %s, %v; want %s", a, b, c, down, errDown, wq)
		}
		if wr.Sign() != 0 {
			wq.Add(wq, big.NewInt(1))
		}
		if wq.BitLen() > 256 {
			return // ceil overflows: an error is right
		}
		if errUp != nil || up.Big().Cmp(wq) != 0 {
			rt.Fatalf("ceil(%s*%s/%s) = %s, %v; want %s", a, b, c, up, errUp, wq)
		}
	})
}

func TestDecRat(t *testing.T) {
	for _, c := range []struct{ in, want string }{{"1/3", "0.333333333333333333"}, {"5/2", "2.5"}, {"0", "0"}} {
		x, _ := new(big.Rat).SetString(c.in)
		d, err := DecFromRat(x)
		if err != nil || d.String() != c.want {
			t.Fatalf("%s: %s, %v", c.in, d, err)
		}
		if back, _ := DecFromRat(d.Rat()); !back.Eq(d) {
			t.Fatalf("%s does not round-trip", d)
		}
	}
	if _, err := DecFromRat(big.NewRat(-1, 2)); err == nil {
		t.Fatal("negative accepted")
	}
	huge := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), 256))
	if _, err := DecFromRat(huge); err == nil {
		t.Fatal("overflow accepted")
	}
}
