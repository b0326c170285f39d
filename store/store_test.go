package store

import (
	"bytes"
	"fmt"
	"sort"
	"testing"

	"pgregory.net/rapid"
)

func collect(r Reader, start, end []byte, reverse bool) []string {
	var out []string
	r.Iterate(start, end, reverse, func(k, v []byte) bool {
		out = append(out, string(k)+"="+string(v))
		return true
	})
	return out
}

// Overlay iteration must equal iteration over a plain map with the same
// effective contents, for any mix of parent writes, overlay writes and deletes.
func TestOverlayMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := NewMem()
		model := map[string]string{}
		key := rapid.SampledFrom([]string{"a", "ab", "b", "ba", "c", "d", "da", "e"})
		for i, n := 0, rapid.IntRange(0, 10).Draw(t, "nbase"); i < n; i++ {
			k, v := key.Draw(t, "k"), rapid.StringN(1, 3, 3).Draw(t, "v")
			base.Set([]byte(k), []byte(v))
			model[k] = v
		}
		o := NewOverlay(base)
		randomWrites(t, o, model, key, 10, 3)
		start := []byte(key.Draw(t, "start"))
		var end []byte
		if rapid.Bool().Draw(t, "bounded") {
			end = []byte(key.Draw(t, "end"))
		}
		var want []string
		for k, v := range model {
			if bytes.Compare([]byte(k), start) >= 0 && (end == nil || bytes.Compare([]byte(k), end) < 0) {
				want = append(want, k+"="+v)
			}
		}
		sort.Strings(want)
		if got := collect(o, start, end, false); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("forward: got %v want %v", got, want)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(want)))
		if got := collect(o, start, end, true); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("reverse: got %v want %v", got, want)
		}
		for _, k := range []string{"a", "ab", "b", "ba", "c", "d", "da", "e"} {
			got, ok := o.Get([]byte(k))
			v, want := model[k]
			if ok != want || string(got) != v || (!ok && got != nil) {
				t.Fatalf("Get(%s) = %q (nil %v) %v", k, got, got == nil, ok)
			}
		}
	})
}

// randomWrites makes up to n random sets and deletes of keys drawn from
// key on o (values of 1..maxLen bytes), mirroring them in model.
func randomWrites(t *rapid.T, o *Overlay, model map[string]string, key *rapid.Generator[string], n, maxLen int) {
	for i, count := 0, rapid.IntRange(0, n).Draw(t, "writes"); i < count; i++ {
		k := key.Draw(t, "k")
		if rapid.Bool().Draw(t, "del") {
			o.Delete([]byte(k))
			delete(model, k)
		} else {
			v := rapid.StringN(1, maxLen, maxLen).Draw(t, "v")
			o.Set([]byte(k), []byte(v))
			model[k] = v
		}
	}
}

func TestIterateStopsEarly(t *testing.T) {
	m := NewMem()
	for _, k := range []string{"a", "b", "c"} {
		m.Set([]byte(k), []byte("1"))
	}
	o := NewOverlay(m)
	o.Set([]byte("bb"), []byte("2"))
	n := 0
	o.Iterate(nil, nil, false, func(k, v []byte) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("visited %d, want 2", n)
	}
}

// An iteration may run inside another on the same overlays (each takes
// its own working memory from the pool), forward and reverse, and the
// outer one carries on where it was.
func TestNestedIterate(t *testing.T) {
	base := NewMem()
	for _, k := range []string{"a", "b", "c", "d"} {
		base.Set([]byte(k), []byte("base"))
	}
	o := NewOverlay(base)
	o.Set([]byte("bb"), []byte("over"))
	o.Delete([]byte("c"))
	want := "[a=base b=base bb=over d=base]"
	var outer []string
	o.Iterate(nil, nil, false, func(k, v []byte) bool {
		outer = append(outer, string(k)+"="+string(v))
		if got := fmt.Sprint(collect(o, nil, nil, false)); got != want {
			t.Fatalf("inner forward: %s", got)
		}
		if got := fmt.Sprint(collect(o, []byte("b"), []byte("d"), true)); got != "[bb=over b=base]" {
			t.Fatalf("inner reverse: %s", got)
		}
		if got := fmt.Sprint(collect(base, []byte("b"), nil, false)); got != "[b=base c=base d=base]" {
			t.Fatalf("inner base: %s", got)
		}
		return true
	})
	if got := fmt.Sprint(outer); got != want {
		t.Fatalf("outer: %s", got)
	}
}

func TestPrefixEnd(t *testing.T) {
	cases := []struct{ in, want []byte }{
		{[]byte("ab"), []byte("ac")}, {[]byte{1, 0xff}, []byte{2}}, {[]byte{0xff, 0xff}, nil},
	}
	for _, c := range cases {
		if got := PrefixEnd(c.in); !bytes.Equal(got, c.want) {
			t.Errorf("PrefixEnd(%x) = %x, want %x", c.in, got, c.want)
		}
	}
}

// Pebble commits writes and metadata together and reads them back after reopening.
func TestPebbleCommitAndReopen(t *testing.T) {
	dir := t.TempDir()
	p, err := OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	o := NewOverlay(p)
	o.Set([]byte("k1"), []byte("v1"))
	o.Set([]byte("k2"), []byte("v2"))
	if err := p.Commit(o, Meta{Height: 1, AppHash: []byte{0xaa}}); err != nil {
		t.Fatal(err)
	}
	o = NewOverlay(p)
	o.Delete([]byte("k1"))
	o.Set([]byte("k3"), []byte("v3"))
	if err := p.Commit(o, Meta{Height: 2, AppHash: []byte{0xbb}}); err != nil {
		t.Fatal(err)
	}
	p = reopen(t, p, dir)
	defer p.Close()
	m, err := p.LastMeta()
	if err != nil || m.Height != 2 || !bytes.Equal(m.AppHash, []byte{0xbb}) {
		t.Fatalf("meta = %+v, %v", m, err)
	}
	if got := collect(p, nil, nil, false); fmt.Sprint(got) != "[k2=v2 k3=v3]" {
		t.Fatalf("state = %v", got)
	}
	if got := collect(p, []byte("k"), []byte("k3"), true); fmt.Sprint(got) != "[k2=v2]" {
		t.Fatalf("reverse range = %v", got)
	}
}

// reopen closes p and opens the store in dir again.
func reopen(t *testing.T, p *Pebble, dir string) *Pebble {
	t.Helper()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	p, err := OpenPebble(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A reverted journal leaves the overlay exactly as before; a kept one
// equals the same writes made directly.
func TestJournal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		parent := NewMem()
		parent.Set([]byte("p"), []byte("1"))
		o := NewOverlay(parent)
		o.Set([]byte("a"), []byte("0"))
		direct := NewOverlay(parent)
		direct.Set([]byte("a"), []byte("0"))
		before := collect(o, nil, nil, false)
		j := o.Journal()
		key := rapid.SampledFrom([]string{"a", "b", "p", "q"})
		for i, n := 0, rapid.IntRange(0, 8).Draw(t, "n"); i < n; i++ {
			k := key.Draw(t, "k")
			if rapid.Bool().Draw(t, "del") {
				j.Delete([]byte(k))
				direct.Delete([]byte(k))
			} else {
				v := rapid.StringN(1, 2, 2).Draw(t, "v")
				j.Set([]byte(k), []byte(v))
				direct.Set([]byte(k), []byte(v))
			}
		}
		if rapid.Bool().Draw(t, "revert") {
			j.Revert()
			if got := collect(o, nil, nil, false); fmt.Sprint(got) != fmt.Sprint(before) {
				t.Fatalf("revert: %v, want %v", got, before)
			}
			return
		}
		j.Keep()
		if got, want := collect(o, nil, nil, false), collect(direct, nil, nil, false); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("keep: %v, want %v", got, want)
		}
	})
}

// A snapshot keeps showing the state it was opened on while blocks commit.
func TestPebbleSnapshot(t *testing.T) {
	p, err := OpenPebble(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	o := NewOverlay(p)
	o.Set([]byte("k"), []byte("1"))
	if err := p.Commit(o, Meta{Height: 1, AppHash: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	snap := p.Snapshot()
	defer snap.Close()
	o = NewOverlay(p)
	o.Set([]byte("k"), []byte("2"))
	o.Set([]byte("k2"), []byte("3"))
	if err := p.Commit(o, Meta{Height: 2, AppHash: []byte{2}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := snap.Get([]byte("k")); string(v) != "1" {
		t.Fatalf("snapshot sees %q", v)
	}
	if got := collect(snap, nil, nil, false); fmt.Sprint(got) != "[k=1]" {
		t.Fatalf("snapshot iterates %v", got)
	}
	if got := collect(p, nil, nil, false); fmt.Sprint(got) != "[k=2 k2=3]" {
		t.Fatalf("db iterates %v", got)
	}
}

// A damaged height record is reported, not misread as a height.
func TestPebbleCorruptMeta(t *testing.T) {
	p, err := OpenPebble(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if m, err := p.LastMeta(); err != nil || m.Height != 0 {
		t.Fatalf("empty store meta = %+v, %v", m, err)
	}
	if err := p.db.Set(metaHeightKey, []byte{1, 2, 3}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := p.LastMeta(); err == nil {
		t.Fatal("corrupt height accepted")
	}
}
