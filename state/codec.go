package state

import (
	"encoding/binary"
	"fmt"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/store"
)

// Writer builds a compact binary record: hot records (validators,
// delegations) use it instead of JSON because they are decoded on every
// message that touches them. Field order is the format; a leading version
// byte lets a record change shape later.
type Writer struct{ b []byte }

// NewWriter starts a record with its format version.
func NewWriter(version byte, sizeHint int) *Writer {
	w := &Writer{b: make([]byte, 0, sizeHint)}
	w.b = append(w.b, version)
	return w
}

func (w *Writer) Uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *Writer) Varint(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *Writer) Fixed(b []byte)   { w.b = append(w.b, b...) }
func (w *Writer) Bytes(b []byte)   { w.Uvarint(uint64(len(b))); w.b = append(w.b, b...) }
func (w *Writer) String(s string)  { w.Uvarint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *Writer) Dec(v num.Dec)    { w.Int(v.Raw()) }

// Int writes v's minimal big-endian bytes, length-prefixed (no allocation).
func (w *Writer) Int(v num.Int) { w.b = AppendInt(w.b, v) }

// AppendInt appends Writer.Int's encoding of v to b (for records encoded in
// a loop straight into one buffer).
func AppendInt(b []byte, v num.Int) []byte {
	n := (v.BitLen() + 7) / 8
	x := v.Bytes32()
	b = append(b, byte(n)) // n ≤ 32: a one-byte uvarint
	return append(b, x[32-n:]...)
}

// AppendString appends Writer.String's encoding of s to b.
func AppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// AppendUvarint appends Writer.Uvarint's encoding of v to b.
func AppendUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func (w *Writer) Bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// Out returns the encoded record.
func (w *Writer) Out() []byte { return w.b }

// Reader decodes a Writer record. The first error sticks; check Done.
type Reader struct {
	b   []byte
	err error
}

// NewReader checks the version byte and starts decoding.
// (Small enough to inline, so that a Reader its caller keeps can live on
// the caller's stack.)
func NewReader(b []byte, version byte) *Reader {
	if len(b) == 0 || b[0] != version {
		return badVersion()
	}
	return &Reader{b: b[1:]}
}

func badVersion() *Reader { return &Reader{err: fmt.Errorf("%w: record version", ErrCorrupt)} }

func (r *Reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated %s", ErrCorrupt, what)
	}
}

// Uvarint and Varint decode one variable-length integer; binary's decoders
// report n <= 0 for truncated or oversized input. (Written out rather than
// shared through a generic helper, which would move every Reader to the heap.)
func (r *Reader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *Reader) Varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Fixed reads exactly len(dst) bytes into dst.
func (r *Reader) Fixed(dst []byte) {
	if r.err != nil {
		return
	}
	if len(r.b) < len(dst) {
		r.fail("fixed field")
		return
	}
	copy(dst, r.b)
	r.b = r.b[len(dst):]
}

// span reads a length-prefixed field, returning it in place (not copied).
func (r *Reader) span() []byte {
	n := r.Uvarint()
	if r.err != nil {
		return nil
	}
	if uint64(len(r.b)) < n {
		r.fail("bytes")
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

// View reads a length-prefixed field in place: the slice shares the
// record's bytes (read it, never keep or change it).
func (r *Reader) View() []byte { return r.span() }

func (r *Reader) Bytes() []byte {
	b := r.span()
	if r.err != nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

func (r *Reader) String() string { return string(r.span()) }

func (r *Reader) Int() num.Int {
	b := r.span()
	if r.err != nil {
		return num.Int{}
	}
	v, err := num.IntFromBytes(b)
	if err != nil {
		r.err = fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return v
}

func (r *Reader) Dec() num.Dec { return num.DecFromRaw(r.Int()) }

func (r *Reader) Bool() bool {
	var b [1]byte
	r.Fixed(b[:])
	if r.err == nil && b[0] > 1 {
		r.err = fmt.Errorf("%w: bool %d", ErrCorrupt, b[0])
	}
	return b[0] == 1
}

// Err is the first error so far (trailing bytes are Done's to report).
func (r *Reader) Err() error { return r.err }

// Done reports the first error, or trailing bytes.
func (r *Reader) Done() error {
	if r.err == nil && len(r.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(r.b))
	}
	return r.err
}

// LoadU64 reads a counter stored with U64 (0 when absent), reporting a
// malformed value as corrupt state.
func LoadU64(r store.Reader, key []byte) (uint64, error) {
	bz, ok := r.Get(key)
	if !ok {
		return 0, nil
	}
	v, ok := ReadU64(bz)
	if !ok {
		return 0, fmt.Errorf("%w at %q", ErrCorrupt, key)
	}
	return v, nil
}

// LoadAmount reads an amount stored by PutAmount (absent = 0).
func LoadAmount(r store.Reader, key []byte) (num.Int, error) {
	bz, ok := r.Get(key)
	if !ok {
		return num.Int{}, nil
	}
	v, err := num.IntFromBytes(bz)
	if err != nil || len(bz) == 0 {
		return v, fmt.Errorf("%w: amount at %q", ErrCorrupt, key)
	}
	return v, nil
}

// PutAmount stores an amount as minimal big-endian bytes; zero deletes the
// key, so absent and zero are the same state.
func PutAmount(kv store.KV, key []byte, v num.Int) {
	if v.IsZero() {
		kv.Delete(key)
		return
	}
	store.SetOwned(kv, key, v.Bytes()) // a fresh encoding: nobody else holds it
}
