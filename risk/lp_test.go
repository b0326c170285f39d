package risk

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"
)

func TestWriteLP(t *testing.T) {
	n := &Network{
		Operators: []Operator{{"op a", big.NewRat(3, 2)}, {"b", big.NewRat(2, 1)}},
		Services:  []Service{{"s-1", big.NewRat(5, 2), big.NewRat(1, 3)}, {"s2", big.NewRat(1, 1), big.NewRat(1, 2)}},
		Allocations: []Allocation{
			{"op a", "s-1", big.NewRat(3, 2)}, {"op a", "s2", big.NewRat(1, 1)},
			{"b", "s-1", big.NewRat(1, 2)},
		},
	}
	g, err := Compile(n)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if err := WriteLP(&a, g); err != nil {
		t.Fatal(err)
	}
	if err := WriteLP(&b, g); err != nil || a.String() != b.String() {
		t.Fatalf("WriteLP is not deterministic (err %v)", err)
	}
	lp := a.String()
	for _, want := range []string{
		"\\ scale: 2 ", // halves are the finest unit
		"obj: + 5 x_s_1_0 + 2 x_s2_1 - c_op_a_0 - c_b_1",   // π × 2
		"cover_0: + 3 y_op_a_0 + 1 y_b_1 - 2 x_s_1_0 >= 0", // ⌈(1/3)·4⌉ = 2
		"loss_0: + c_op_a_0 - 3 x_s_1_0 - 2 x_s2_1 - 5 y_op_a_0 + 5 t_op_a_0 >= -5",
		"cap_0: + c_op_a_0 - 3 t_op_a_0 >= 0",
		"loss_1: + c_b_1 - 1 x_s_1_0 - 1 y_b_1 >= -1", // never capped: no t
		"nonempty: + x_s_1_0 + x_s2_1 >= 1",
		"Binaries", "End",
	} {
		if !strings.Contains(lp, want) {
			t.Errorf("LP lacks %q:\n%s", want, lp)
		}
	}
	if strings.Contains(lp, "t_b_1") {
		t.Errorf("uncapped operator got a cap variable:\n%s", lp)
	}
}

func TestWriteLPRefusesNothingToAttack(t *testing.T) {
	g, err := Compile(&Network{Operators: []Operator{{"a", big.NewRat(1, 1)}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteLP(&bytes.Buffer{}, g); !errors.Is(err, ErrNetwork) {
		t.Fatalf("want ErrNetwork, got %v", err)
	}
}

func TestLPNameSanitised(t *testing.T) {
	got := lpName("y", "a b+c/ü"+strings.Repeat("z", 50), 7)
	if got != "y_a_b_c__"+strings.Repeat("z", 25)+"_7" { // 32 characters of id
		t.Fatalf("lpName = %q", got)
	}
}
