package store

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"

	"pgregory.net/rapid"
)

// Through any sequence of committed blocks and reads (misses included),
// Pebble's cached point reads and its scans on reused iterators equal a
// plain model of the state, and a store reopened without either agrees.
func TestPebbleCacheMatchesModel(t *testing.T) {
	dir := t.TempDir()
	p, err := OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	p.cache = newValueCache(4 * entryOverheadBytes) // tiny: generations turn over all the time
	model := map[string]string{}
	key := rapid.SampledFrom([]string{"a", "b", "c", "d", "e", "f", "g", "h"})
	rapid.Check(t, func(rt *rapid.T) {
		for i, n := 0, rapid.IntRange(0, 8).Draw(rt, "reads"); i < n; i++ {
			k := key.Draw(rt, "read")
			v, found := p.Get([]byte(k))
			if want, ok := model[k]; ok != found || string(v) != want || (!found && v != nil) {
				rt.Fatalf("Get(%s) = %q (nil %v) %v, want %q %v", k, v, v == nil, found, want, ok)
			}
		}
		if got, want := collect(p, nil, nil, false), modelRange(model, ""); fmt.Sprint(got) != fmt.Sprint(want) {
			rt.Fatalf("scan %v, want %v", got, want)
		}
		from := key.Draw(rt, "from")
		want := modelRange(model, from)
		slices.Reverse(want)
		if got := collect(p, []byte(from), nil, true); fmt.Sprint(got) != fmt.Sprint(want) {
			rt.Fatalf("reverse scan from %s: %v, want %v", from, got, want)
		}
		o := NewOverlay(p)
		randomWrites(rt, o, model, key, 4, 40)
		if err := p.Commit(o, Meta{Height: 1}); err != nil {
			rt.Fatal(err)
		}
		if c := p.cache; c.curBytes >= c.maxBytes/2 && len(c.cur) > 0 {
			rt.Fatalf("current generation holds %d bytes, bound %d", c.curBytes, c.maxBytes/2)
		}
	})
	p = reopen(t, p, dir)
	defer p.Close()
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		v, found := p.Get([]byte(k))
		if want, ok := model[k]; ok != found || string(v) != want {
			t.Fatalf("reopened Get(%s) = %q %v, want %q %v", k, v, found, want, ok)
		}
	}
}

// The cache keeps what was used in the last half of its bound: an entry
// read again survives a turnover, one left alone is dropped after two.
func TestValueCacheGenerations(t *testing.T) {
	c := newValueCache(2 * (20 + 2*entryOverheadBytes)) // turns over at two entries' worth
	c.fill([]byte("hot"), []byte("1234567"), true, 0)   // 10 bytes
	for i := 0; i < 10; i++ {
		c.fill([]byte(fmt.Sprintf("cold%d", i)), []byte("12345"), true, 0) // 10 bytes each
		if _, ok := c.get([]byte("hot")); !ok {
			t.Fatalf("hot entry dropped after %d inserts", i+1)
		}
	}
	if _, ok := c.get([]byte("cold0")); ok {
		t.Fatal("an entry unused for two turnovers is still held")
	}
	if e, ok := c.get([]byte("hot")); !ok || string(e.val) != "1234567" || !e.found {
		t.Fatalf("hot = %+v %v", e, ok)
	}
	c.fill([]byte("gone"), []byte{}, false, 0)
	if e, ok := c.get([]byte("gone")); !ok || e.found || e.val != nil {
		t.Fatalf("a remembered miss reads %+v %v", e, ok)
	}
	// A read begun before a commit was written through is not kept.
	stamp := c.readStamp()
	c.writeThrough(NewMem())
	c.fill([]byte("late"), []byte("old"), true, stamp)
	if _, ok := c.get([]byte("late")); ok {
		t.Fatal("a read from before a commit was cached")
	}
}

// modelRange is the model's k=v pairs with k ≥ from, in key order.
func modelRange(model map[string]string, from string) []string {
	var out []string
	for k, v := range model {
		if k >= from {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

// Scans on Pebble may nest (each takes its own iterator) and run from
// several readers at once between commits; after a commit every scan sees
// it, though an iterator taken before the commit was still in use.
func TestPebbleIteratorsNestAndRenew(t *testing.T) {
	p, err := OpenPebble(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	commit := func(kv ...string) {
		o := NewOverlay(p)
		for i := 0; i < len(kv); i += 2 {
			o.Set([]byte(kv[i]), []byte(kv[i+1]))
		}
		if err := p.Commit(o, Meta{Height: 1}); err != nil {
			t.Fatal(err)
		}
	}
	commit("a", "1", "b", "2")
	var outer []string
	p.Iterate(nil, nil, false, func(k, v []byte) bool {
		outer = append(outer, string(k))
		if got := fmt.Sprint(collect(p, nil, nil, true)); got != "[b=2 a=1]" {
			t.Fatalf("nested scan: %s", got)
		}
		return true
	})
	if fmt.Sprint(outer) != "[a b]" {
		t.Fatalf("outer scan: %v", outer)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if got := fmt.Sprint(collect(p, nil, nil, false)); got != "[a=1 b=2]" {
					t.Errorf("concurrent scan: %s", got)
					return
				}
			}
		}()
	}
	wg.Wait()
	// An iterator in use across a commit goes back stale: it must not be reused.
	p.Iterate(nil, nil, false, func(k, v []byte) bool {
		if string(k) == "a" {
			commit("c", "3")
		}
		return true
	})
	for i := 0; i < 2*maxIdleIters; i++ {
		if got := fmt.Sprint(collect(p, nil, nil, false)); got != "[a=1 b=2 c=3]" {
			t.Fatalf("scan %d after the commit: %s", i, got)
		}
	}
}
