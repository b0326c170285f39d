package risk

import (
	"cmp"
	"slices"
)

// filler looks for a subset of coverages whose sum reaches a target with
// as little overshoot as it can find, ideally none. It serves incumbents
// only (any subset that reaches the target is a valid choice), so it may
// miss the best subset; it never returns one that falls short.
//
// Method: the items are sorted by decreasing coverage; the smallest
// fillTail of them form a tail whose subset sums are enumerated in two
// halves (meet in the middle), so that for any remainder up to the tail's
// total the least reachable sum at or above it is found exactly. The head
// items are chosen greedily (largest first, each taken when it does not
// pass the target less half the tail's total), then again with one or two of the greedy's choices
// left out, and the tail closes the remainder.
type filler struct {
	order []int    // item indices, decreasing coverage
	left  []uint64 // subset sums of the first tail half, with masks
	lmask []uint32
	right []sumMask // subset sums of the second tail half, sorted
	sol   []int
}

type sumMask struct {
	sum  uint64
	mask uint32
}

// fillTail is the number of smallest items enumerated exactly (2^(n/2)
// sums per half).
const fillTail = 20

// fillTries bounds the head choices tried after the greedy one.
const fillTries = 64

// fill returns the indices (into ws) of a subset with sum ≥ r and that
// sum; ok is false when even all items fall short.
func (f *filler) fill(ws []uint64, r uint64) (sol []int, sum uint64, ok bool) {
	var total uint64
	for _, w := range ws {
		total += w
	}
	if total < r {
		return nil, 0, false
	}
	if r == 0 {
		return nil, 0, true
	}
	f.order = f.order[:0]
	for i := range ws {
		f.order = append(f.order, i)
	}
	slices.SortFunc(f.order, func(a, b int) int {
		if ws[a] != ws[b] {
			if ws[a] > ws[b] {
				return -1
			}
			return 1
		}
		return a - b
	})
	nt := min(fillTail, len(ws))
	nh := len(ws) - nt
	tail := f.order[nh:]
	var tailSum uint64
	for _, i := range tail {
		tailSum += ws[i]
	}
	f.enumerate(ws, tail)

	bestSum, bestHead, bestTail := ^uint64(0), []int(nil), uint32(0)
	// The head aims at r less half the tail, where the tail's subset sums
	// are densest.
	aim := r - min(r, tailSum/2)
	try := func(skip1, skip2 int) {
		var s uint64
		var taken []int
		for j, i := range f.order[:nh] {
			if j == skip1 || j == skip2 {
				continue
			}
			if s+ws[i] <= aim {
				s += ws[i]
				taken = append(taken, i)
			}
		}
		rem := r - s
		if rem > tailSum {
			// The head must overshoot: add the smallest head item not
			// taken that closes the remainder with the whole tail.
			pick := -1
			for j := nh - 1; j >= 0; j-- {
				i := f.order[j]
				if j != skip1 && j != skip2 && !slices.Contains(taken, i) && ws[i]+tailSum >= rem {
					pick = i
					break
				}
			}
			if pick < 0 {
				return
			}
			taken = append(taken, pick)
			s += ws[pick]
			if s >= r {
				if s < bestSum {
					bestSum, bestHead, bestTail = s, taken, 0
				}
				return
			}
			rem = r - s
		}
		ts, mask := f.closeTail(rem)
		if s+ts < bestSum {
			bestSum, bestHead, bestTail = s+ts, taken, mask
		}
	}
	tries := 0
	try(-1, -1)
	for a := 0; a < nh && bestSum > r && tries < fillTries; a++ {
		try(a, -1)
		tries++
	}
	for a := 0; a < nh && bestSum > r && tries < fillTries; a++ {
		for b := a + 1; b < nh && bestSum > r && tries < fillTries; b++ {
			try(a, b)
			tries++
		}
	}
	if bestSum == ^uint64(0) {
		// Everything together reaches r (checked above).
		return f.order, total, true
	}
	f.sol = append(f.sol[:0], bestHead...)
	for k, i := range tail {
		if bestTail&(1<<k) != 0 {
			f.sol = append(f.sol, i)
		}
	}
	return f.sol, bestSum, true
}

// enumerate lists the subset sums of the two halves of the tail.
func (f *filler) enumerate(ws []uint64, tail []int) {
	h := len(tail) / 2
	f.left, f.lmask = f.left[:0], f.lmask[:0]
	for m := uint32(0); m < 1<<h; m++ {
		var s uint64
		for k := range h {
			if m&(1<<k) != 0 {
				s += ws[tail[k]]
			}
		}
		f.left = append(f.left, s)
		f.lmask = append(f.lmask, m)
	}
	f.right = f.right[:0]
	nr := len(tail) - h
	for m := uint32(0); m < 1<<nr; m++ {
		var s uint64
		for k := range nr {
			if m&(1<<k) != 0 {
				s += ws[tail[h+k]]
			}
		}
		f.right = append(f.right, sumMask{s, m << h})
	}
	slices.SortFunc(f.right, func(a, b sumMask) int { return cmp.Compare(a.sum, b.sum) })
}

// closeTail is the least tail subset sum ≥ rem (rem ≤ the tail's total)
// and its mask.
func (f *filler) closeTail(rem uint64) (uint64, uint32) {
	best, bestMask := ^uint64(0), uint32(0)
	for li, a := range f.left {
		var need uint64
		if a < rem {
			need = rem - a
		}
		j, _ := slices.BinarySearchFunc(f.right, need, func(x sumMask, t uint64) int {
			switch {
			case x.sum < t:
				return -1
			case x.sum > t:
				return 1
			}
			return 0
		})
		if j < len(f.right) {
			if s := a + f.right[j].sum; s < best {
				best, bestMask = s, f.lmask[li]|f.right[j].mask
				if best == rem {
					break
				}
			}
		}
	}
	return best, bestMask
}
