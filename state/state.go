// Package state is the toolkit every module's state machine code shares: the
// per-block execution context, events, rule errors, record encoding and the
// invariant registry. It does no I/O of its own.
package state

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/restaked/restaked/store"
)

// Ctx is what a message handler or block hook sees: the state to read and
// write, the block height and time (the only clock), and an event sink.
type Ctx struct {
	KV      store.KV
	Height  int64
	Time_s  int64 // block time, unix seconds
	ChainID string
	events  *[]Event
}

// NewCtx builds a context writing events into sink.
func NewCtx(kv store.KV, height, time_s int64, chainID string, sink *[]Event) Ctx {
	return Ctx{KV: kv, Height: height, Time_s: time_s, ChainID: chainID, events: sink}
}

// WithKV returns a copy reading and writing kv (a transaction's buffer).
func (c Ctx) WithKV(kv store.KV, sink *[]Event) Ctx {
	c.KV, c.events = kv, sink
	return c
}

// Event is a typed record of something that happened, for clients and indexers.
type Event struct {
	Type  string `json:"type"`
	Attrs []Attr `json:"attributes"`
}

// Attr is one key/value of an event.
type Attr struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Emit records an event; kv alternates keys and values.
func (c Ctx) Emit(typ string, kv ...string) {
	if c.events == nil {
		return
	}
	e := Event{Type: typ, Attrs: make([]Attr, 0, len(kv)/2)}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Attrs = append(e.Attrs, Attr{Key: kv[i], Value: kv[i+1]})
	}
	*c.events = append(*c.events, e)
}

// RuleError is a rejection naming the rule it enforces.
type RuleError struct {
	Rule   string
	Detail string
}

func (e *RuleError) Error() string { return e.Rule + ": " + e.Detail }

// Reject builds a RuleError.
func Reject(rule, format string, args ...any) error {
	return &RuleError{Rule: rule, Detail: fmt.Sprintf(format, args...)}
}

// RuleOf returns the rule name of err, or "" if it is not a rule error.
func RuleOf(err error) string {
	var re *RuleError
	if errors.As(err, &re) {
		return re.Rule
	}
	return ""
}

// ErrCorrupt marks a stored record that does not decode: a bug or a broken
// disk, never user input.
var ErrCorrupt = errors.New("corrupt state record")

// Record is a type with its own compact binary encoding (see Writer).
// MarshalRecord must return memory nobody else holds: Put hands it to the
// store without a copy (store.SetOwned).
type Record interface {
	MarshalRecord() []byte
	UnmarshalRecord([]byte) error
}

// Put stores v under key: its Record encoding if it has one, else JSON.
// Records hold no maps and no floats, so both encodings are deterministic.
func Put(kv store.KV, key []byte, v any) {
	if rec, ok := v.(Record); ok {
		store.SetOwned(kv, key, rec.MarshalRecord()) // a fresh encoding: nobody else holds it
		return
	}
	bz, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("state: encode %T: %v", v, err)) // only our own record types reach here
	}
	store.SetOwned(kv, key, bz)
}

// Load decodes the record under key into v; found is false if absent.
func Load(r store.Reader, key []byte, v any) (found bool, err error) {
	bz, ok := r.Get(key)
	if !ok {
		return false, nil
	}
	return true, Decode(key, bz, v)
}

// Decode decodes a stored value (met by Load or during iteration) into v.
func Decode(key, bz []byte, v any) error {
	if rec, ok := v.(Record); ok {
		if err := rec.UnmarshalRecord(bz); err != nil {
			return fmt.Errorf("%w at %q: %v", ErrCorrupt, key, err)
		}
		return nil
	}
	if err := json.Unmarshal(bz, v); err != nil {
		return fmt.Errorf("%w at %q: %v", ErrCorrupt, key, err)
	}
	return nil
}

// Key joins parts into a store key. Variable-length parts that are not the
// last must be fixed-width or length-prefixed by the caller (see LenPrefix).
func Key(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// LenPrefix prefixes s with its length byte (strings up to 255 bytes).
func LenPrefix(s string) []byte {
	out := make([]byte, 1, 1+len(s))
	out[0] = byte(len(s))
	return append(out, s...)
}

// U64 is the 8-byte big-endian encoding (keys sort numerically).
func U64(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

// ReadU64 decodes U64 output; ok is false for the wrong length.
func ReadU64(b []byte) (uint64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}

// Invariant checks a property of the whole state; it returns a description
// of the first violation or nil.
type Invariant struct {
	Name  string
	Check func(r store.Reader) error
}

// Registry is the ordered list of invariants that run after every block in
// tests and simulation.
type Registry struct{ list []Invariant }

// Register adds an invariant.
func (g *Registry) Register(inv Invariant) { g.list = append(g.list, inv) }

// CheckAll runs every invariant and returns the first failure, naming it.
func (g *Registry) CheckAll(r store.Reader) error {
	for _, inv := range g.list {
		if err := inv.Check(r); err != nil {
			return fmt.Errorf("invariant %s broken: %w", inv.Name, err)
		}
	}
	return nil
}

// Names lists the registered invariants.
func (g *Registry) Names() []string {
	out := make([]string, len(g.list))
	for i, inv := range g.list {
		out[i] = inv.Name
	}
	return out
}
