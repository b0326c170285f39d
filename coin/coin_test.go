package coin

import (
	"testing"

	"github.com/restaked/restaked/num"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in, out string
		ok      bool
	}{
		{"1000stake", "1000stake", true},
		{"7stake,5usdc", "7stake,5usdc", true},
		{"5usdc,7stake", "7stake,5usdc", true},
		{"0stake", "", true},
		{"", "", true},
		{"1stake,2stake", "", false},
		{"stake", "", false},
		{"10", "", false},
		{"10S", "", false},
		{"10s", "", false}, // denom too short
		{"-1stake", "", false},
		{"1 stake", "", false},
		{"115792089237316195423570985008687907853269984665640564039457584007913129639936stake", "", false},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if c.ok != (err == nil) {
			t.Errorf("Parse(%q) err = %v", c.in, err)
			continue
		}
		if c.ok && got.String() != c.out {
			t.Errorf("Parse(%q) = %q, want %q", c.in, got, c.out)
		}
	}
}

func TestAdd(t *testing.T) {
	a, _ := Parse("1stake,2usdc")
	b, _ := Parse("3usdc,4atom")
	sum, err := a.Add(b)
	if err != nil || sum.String() != "4atom,1stake,5usdc" {
		t.Fatalf("sum = %v, %v", sum, err)
	}
	max := Coins{New("stake", num.MaxInt())}
	if _, err := max.Add(Coins{New("stake", num.NewInt(1))}); err == nil {
		t.Fatal("overflow not detected")
	}
}

func FuzzParseCoins(f *testing.F) {
	f.Add("1stake,2usdc")
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(cs.String())
		if err != nil || again.String() != cs.String() {
			t.Fatalf("round trip %q -> %q -> %q (%v)", s, cs, again, err)
		}
	})
}
