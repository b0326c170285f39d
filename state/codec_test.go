package state

import (
	"errors"
	"testing"

	"github.com/restaked/restaked/num"
)

func TestCodecRoundTrip(t *testing.T) {
	w := NewWriter(3, 0)
	w.Uvarint(300)
	w.Varint(-5)
	w.Fixed([]byte{1, 2})
	w.String("moniker")
	w.Int(num.MaxInt())
	w.Dec(num.MustDec("0.25"))
	w.Bool(true)
	r := NewReader(w.Out(), 3)
	var fx [2]byte
	u, v := r.Uvarint(), r.Varint()
	r.Fixed(fx[:])
	s, i, d, b := r.String(), r.Int(), r.Dec(), r.Bool()
	if err := r.Done(); err != nil || u != 300 || v != -5 || fx != [2]byte{1, 2} || s != "moniker" || !i.Eq(num.MaxInt()) || d.String() != "0.25" || !b {
		t.Fatalf("round trip: %v %v %v %v %q %v %v %v", err, u, v, fx, s, i, d, b)
	}
}

// Every truncation of a valid record is an error, never a panic.
func TestCodecTruncated(t *testing.T) {
	w := NewWriter(1, 0)
	w.String("abc")
	w.Int(num.NewInt(70000))
	w.Bool(false)
	full := w.Out()
	for n := 0; n < len(full); n++ {
		r := NewReader(full[:n], 1)
		_, _, _ = r.String(), r.Int(), r.Bool()
		if err := r.Done(); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("prefix %d: err = %v", n, err)
		}
	}
	r := NewReader(append(append([]byte{}, full...), 9), 1)
	_, _, _ = r.String(), r.Int(), r.Bool()
	if r.Done() == nil {
		t.Fatal("trailing byte accepted")
	}
}

func FuzzReader(f *testing.F) {
	f.Add([]byte{1, 3, 'a', 'b', 'c'})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b, 1)
		_, _, _, _ = r.String(), r.Int(), r.Bool(), r.Varint()
		_ = r.Done()
	})
}

// Ints are written minimal (zero as an empty field, never a leading zero
// byte), and the Append helpers write exactly what a Writer writes.
func TestCodecIntMinimal(t *testing.T) {
	for _, c := range []struct {
		x    num.Int
		want []byte
	}{{num.Int{}, []byte{0}}, {num.NewInt(1), []byte{1, 1}}, {num.NewInt(256), []byte{2, 1, 0}}} {
		w := NewWriter(1, 0)
		w.Int(c.x)
		if got := w.Out()[1:]; string(got) != string(c.want) {
			t.Fatalf("Int(%s) wrote %x, want %x", c.x, got, c.want)
		}
	}
	w := NewWriter(1, 0)
	w.Uvarint(300)
	w.String("svc")
	w.Int(num.MaxInt())
	b := AppendInt(AppendString(AppendUvarint([]byte{1}, 300), "svc"), num.MaxInt())
	if string(b) != string(w.Out()) {
		t.Fatalf("Append wrote %x, Writer %x", b, w.Out())
	}
}
