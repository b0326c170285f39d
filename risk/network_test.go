package risk

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
)

func TestNetworkFileRules(t *testing.T) {
	const ok = `{"operators":[{"id":"v1","stake":"100"},{"id":"v2","stake":"0.5"}],` +
		`"services":[{"id":"s1","pfc":"150","threshold":"0.5"},{"id":"s2","pfc":"0","threshold":"1"}],` +
		`"allocations":[{"operator":"v1","service":"s1","amount":"100"},{"operator":"v2","service":"s1","amount":"0.25"}]}`
	cases := []struct{ name, in, want string }{
		{"valid", ok, ""},
		{"not json", `{"operators":`, "invalid network"},
		{"negative stake", strings.Replace(ok, `"stake":"100"`, `"stake":"-1"`, 1), "not a non-negative decimal"},
		{"fraction syntax", strings.Replace(ok, `"stake":"100"`, `"stake":"1/3"`, 1), "not a non-negative decimal"},
		{"exponent", strings.Replace(ok, `"stake":"100"`, `"stake":"1e3"`, 1), "not a non-negative decimal"},
		{"empty number", strings.Replace(ok, `"pfc":"150"`, `"pfc":""`, 1), "not a non-negative decimal"},
		{"threshold zero", strings.Replace(ok, `"threshold":"0.5"`, `"threshold":"0"`, 1), "threshold must be in (0, 1]"},
		{"threshold above one", strings.Replace(ok, `"threshold":"0.5"`, `"threshold":"1.01"`, 1), "threshold must be in (0, 1]"},
		{"duplicate operator", strings.Replace(ok, `"id":"v2"`, `"id":"v1"`, 1), "appears twice"},
		{"duplicate service", strings.Replace(ok, `"id":"s2"`, `"id":"s1"`, 1), "appears twice"},
		{"empty id", strings.Replace(ok, `"id":"v2"`, `"id":""`, 1), "1..128 characters"},
		{"unknown operator", strings.Replace(ok, `"operator":"v2"`, `"operator":"v9"`, 1), "unknown operator or service"},
		{"unknown service", strings.Replace(ok, `"service":"s1","amount":"0.25"`, `"service":"s9","amount":"0.25"`, 1), "unknown operator or service"},
		{"allocation twice", strings.Replace(ok, `"operator":"v2","service":"s1"`, `"operator":"v1","service":"s1"`, 1), "appears twice"},
		{"allocation above stake", strings.Replace(ok, `"amount":"0.25"`, `"amount":"0.51"`, 1), "between 0 and the operator's stake"},
		{"negative height", strings.Replace(ok, `{"operators"`, `{"height":-1,"operators"`, 1), "height"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseNetwork([]byte(c.in))
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrNetwork) {
				t.Fatalf("got %v, want an ErrNetwork containing %q", err, c.want)
			}
		})
	}
}

// The file round-trips exactly, and Compile drops services nobody secures.
func TestNetworkRoundTripAndCompile(t *testing.T) {
	in := `{"height":7,"operators":[{"id":"v1","stake":"100.000000000000000001"},{"id":"v2","stake":"3"}],` +
		`"services":[{"id":"s1","pfc":"150","threshold":"0.5"},{"id":"idle","pfc":"9","threshold":"1"}],` +
		`"allocations":[{"operator":"v1","service":"s1","amount":"100"},{"operator":"v2","service":"idle","amount":"0"}]}`
	var n Network
	if err := json.Unmarshal([]byte(in), &n); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(&n)
	if err != nil || string(out) != in {
		t.Fatalf("round trip:\n got %s\nwant %s (%v)", out, in, err)
	}
	g, err := Compile(&n)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.ServiceIDs) != 1 || g.ServiceIDs[0] != "s1" || len(g.Unsecured) != 1 || g.Unsecured[0] != "idle" ||
		len(g.ByOperator[1]) != 0 || g.Total[0].Cmp(big.NewRat(100, 1)) != 0 {
		t.Fatalf("graph %+v", g)
	}
}

func TestFormatDecimal(t *testing.T) {
	for _, c := range []struct {
		r    *big.Rat
		want string
	}{
		{big.NewRat(1, 4), "0.25"}, {big.NewRat(5, 1), "5"}, {big.NewRat(-3, 2), "-1.5"},
		{big.NewRat(1, 3), "0.333333333333333333"}, {big.NewRat(2, 3), "0.666666666666666666"}, {nil, "0"},
	} {
		if got := DecimalFloor(c.r); got != c.want {
			t.Errorf("DecimalFloor(%v) = %s, want %s", c.r, got, c.want)
		}
	}
}

// FuzzNetworkJSON: any bytes either fail with ErrNetwork or decode to a
// network that validates, compiles and round-trips.
func FuzzNetworkJSON(f *testing.F) {
	f.Add([]byte(`{"operators":[{"id":"v","stake":"1"}],"services":[{"id":"s","pfc":"1","threshold":"1"}],"allocations":[{"operator":"v","service":"s","amount":"1"}]}`))
	f.Add([]byte(`{"operators":[],"services":[],"allocations":[]}`))
	f.Add([]byte(`{"height":3}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseNetwork(b)
		if err != nil {
			if !errors.Is(err, ErrNetwork) {
				t.Fatalf("error not marked ErrNetwork: %v", err)
			}
			return
		}
		if _, err := Compile(n); err != nil {
			t.Fatalf("decoded but does not compile: %v", err)
		}
		out, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		var again Network
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if out2, _ := json.Marshal(&again); string(out2) != string(out) {
			t.Fatalf("not stable: %s vs %s", out, out2)
		}
	})
}
