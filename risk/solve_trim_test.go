package risk

import (
	"fmt"
	"math/big"
	"testing"
)

// trim turns an attack that overshoots its threshold by one unit into one
// that hits it exactly: {a, b} covers 11 of a need of 10; swapping a (6)
// for d and e (3 + 2) covers exactly 10.
func TestTrimHitsThresholdExactly(t *testing.T) {
	n := &Network{Services: []Service{{"t", big.NewRat(15, 1), big.NewRat(1, 2)}}}
	for i, st := range []int64{6, 5, 4, 3, 2} {
		id := fmt.Sprintf("%c", 'a'+i)
		n.Operators = append(n.Operators, Operator{id, big.NewRat(st, 1)})
		n.Allocations = append(n.Allocations, Allocation{id, "t", big.NewRat(st, 1)})
	}
	g, err := Compile(n)
	if err != nil {
		t.Fatal(err)
	}
	p, err := toInt(g)
	if err != nil {
		t.Fatal(err)
	}
	sv := newSolver(p, 0)
	if got := sv.bestFor([]int{0, 1}); got != 4 {
		t.Fatalf("incumbent {a, b} worth %d, want 4", got)
	}
	sv.trim()
	if sv.best != 5 {
		t.Fatalf("after trim the incumbent is worth %d (B = %v), want 5", sv.best, sv.bestB)
	}
	if _, err := sv.verdict(g); err != nil {
		t.Fatal(err)
	}
}
