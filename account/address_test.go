package account

import (
	"crypto/ed25519"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	a := FromPubKey(make(ed25519.PublicKey, 32))
	// Known answer: the all-zero key.
	if a.String() != "rst1ve584t0cv27hwmy0cx9ca8uwyqyfw9y92rze7k" {
		t.Fatalf("address = %s", a)
	}
	b, err := Parse(a.String())
	if err != nil || b != a {
		t.Fatalf("parse = %v, %v", b, err)
	}
}

func TestParseRejects(t *testing.T) {
	good := Module("x").String()
	bad := []string{"", "rst1", "cosmos1ve584t0cv27hwmy0cx9ca8uwyqyfw9y92rze7k", good[:len(good)-1] + "q", "rst1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"}
	for _, s := range bad {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Module("x").String())
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err == nil && a.String() == "" {
			t.Fatal("empty encoding")
		}
	})
}
