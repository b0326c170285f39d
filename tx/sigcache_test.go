package tx

import "testing"

func TestSigCacheBoundedFIFO(t *testing.T) {
	c := NewSigCache(2)
	a, b, d := Key([]byte("a")), Key([]byte("b")), Key([]byte("d"))
	c.Add(a)
	c.Add(b)
	c.Add(a) // already present: no reordering, no eviction
	if !c.Has(a) || !c.Has(b) {
		t.Fatal("entries missing")
	}
	c.Add(d) // evicts the oldest (a)
	if c.Has(a) || !c.Has(b) || !c.Has(d) {
		t.Fatalf("eviction order wrong: a=%v b=%v d=%v", c.Has(a), c.Has(b), c.Has(d))
	}
}
