package risk

import (
	"math/rand"
	"testing"
)

// The filler's subset always reaches the target and sums to what it says;
// on dense instances (many items, target in the middle) it hits the target
// exactly, which is what lets incumbents meet the bound.
func TestFiller(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	var f filler
	exact, dense := 0, 0
	for k := range 2000 {
		n := r.Intn(60)
		hi := []int{3, 50, 1_000_000}[r.Intn(3)]
		ws := make([]uint64, n)
		var total uint64
		for i := range ws {
			ws[i] = uint64(r.Intn(hi) + 1)
			total += ws[i]
		}
		target := uint64(r.Int63n(int64(total) + 3))
		sol, sum, ok := f.fill(ws, target)
		if ok != (total >= target) {
			t.Fatalf("case %d: ok %v, total %d, target %d", k, ok, total, target)
		}
		if !ok {
			continue
		}
		var chk uint64
		seen := map[int]bool{}
		for _, i := range sol {
			if seen[i] {
				t.Fatalf("case %d: item %d twice", k, i)
			}
			seen[i] = true
			chk += ws[i]
		}
		if chk != sum || sum < target {
			t.Fatalf("case %d: subset sums to %d, reported %d, target %d", k, chk, sum, target)
		}
		if n >= 40 && hi == 1_000_000 && target > total/4 && target < total*3/4 {
			dense++
			if sum == target {
				exact++
			}
		}
	}
	if dense == 0 || exact < dense*9/10 {
		t.Fatalf("exact hits on %d of %d dense instances", exact, dense)
	}
}
