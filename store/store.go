// Package store is the key-value layer under the state machine: a Reader/KV
// interface, Overlay (a sorted write buffer used for blocks and transactions,
// discarded on failure) and the Pebble-backed base store that commits each
// block's writes, height and app hash in one atomic batch.
//
// Values handed out by Get and Iterate belong to the store: callers must not
// modify them.
package store

import (
	"bytes"
	"sync"

	"github.com/tidwall/btree"
)

// Reader reads committed or buffered state.
type Reader interface {
	// Get returns the value and whether the key exists; a missing key
	// reads (nil, false), never an empty slice (callers may test for nil).
	Get(key []byte) ([]byte, bool)
	// Iterate visits keys in [start, end) ascending (descending if reverse);
	// nil end means no upper bound. fn returns false to stop.
	Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool)
}

// KV is a Reader that accepts writes.
type KV interface {
	Reader
	Set(key, value []byte)
	Delete(key []byte)
}

type entry struct {
	key     []byte
	val     []byte
	deleted bool
}

func lessEntry(a, b *entry) bool { return bytes.Compare(a.key, b.key) < 0 }

// Overlay buffers writes on top of a parent Reader (nil parent = empty).
// It is the unit of atomicity: Write applies the buffer to a KV in key order.
//
// Entries live in a B-tree (ordered iteration) and a hash index (point
// reads, and rewrites of a key already buffered, which then never touch
// the tree: blocks rewrite the same validator and pool records often).
type Overlay struct {
	parent Reader
	tree   *btree.BTreeG[*entry]
	index  map[string]*entry
	j      *Journal // reused: at most one journal is open at a time
}

// NewOverlay starts an empty buffer over parent.
func NewOverlay(parent Reader) *Overlay {
	return &Overlay{parent: parent, tree: btree.NewBTreeGOptions(lessEntry, btree.Options{NoLocks: true}), index: map[string]*entry{}}
}

// NewMem is an in-memory store (an overlay with no parent).
func NewMem() *Overlay { return NewOverlay(nil) }

// Get implements Reader.
func (o *Overlay) Get(key []byte) ([]byte, bool) {
	if e := o.index[string(key)]; e != nil {
		if e.deleted {
			return nil, false
		}
		return e.val, true
	}
	if o.parent == nil {
		return nil, false
	}
	return o.parent.Get(key)
}

// put buffers a write and returns the entry's previous state (had=false
// when the key was not buffered) and the overlay's own copy of the key.
// The value must already be owned.
func (o *Overlay) put(key, val []byte, deleted bool) (prev entry, had bool, owned []byte) {
	if e := o.index[string(key)]; e != nil {
		prev = *e
		if deleted && o.parent == nil {
			o.remove(e)
		} else {
			e.val, e.deleted = val, deleted
		}
		return prev, true, e.key
	}
	if deleted && o.parent == nil {
		return prev, false, nil // nothing to delete and nothing below to shadow
	}
	e := &entry{key: clone(key), val: val, deleted: deleted}
	o.tree.Set(e)
	o.index[string(e.key)] = e
	return prev, false, e.key
}

func (o *Overlay) remove(e *entry) {
	o.tree.Delete(e)
	delete(o.index, string(e.key))
}

// restore puts back an entry's earlier state (had=false: it was not buffered).
func (o *Overlay) restore(key []byte, prev entry, had bool) {
	e := o.index[string(key)]
	switch {
	case !had && e != nil:
		o.remove(e)
	case had && e != nil:
		e.val, e.deleted = prev.val, prev.deleted
	case had:
		p := prev
		o.tree.Set(&p)
		o.index[string(p.key)] = &p
	}
}

// Set implements KV. The key and value are copied.
func (o *Overlay) Set(key, value []byte) { o.put(key, clone(value), false) }

// SetOwned is Set for a value the caller hands over: it is kept, not copied.
func (o *Overlay) SetOwned(key, value []byte) { o.put(key, value, false) }

// SetOwned stores value under key, handing value over to kv when kv can
// take it (the caller must never read or change value again), else Set.
func SetOwned(kv KV, key, value []byte) {
	if o, ok := kv.(interface{ SetOwned(key, value []byte) }); ok {
		o.SetOwned(key, value)
		return
	}
	kv.Set(key, value)
}

// Delete implements KV.
func (o *Overlay) Delete(key []byte) { o.put(key, nil, true) }

// Len is the number of buffered writes.
func (o *Overlay) Len() int { return o.tree.Len() }

// Reset drops every buffered write.
func (o *Overlay) Reset() {
	o.tree.Clear()
	o.index = map[string]*entry{}
}

// Writes visits the buffered writes in key order.
func (o *Overlay) Writes(fn func(key, value []byte, deleted bool) bool) {
	o.tree.Scan(func(e *entry) bool { return fn(e.key, e.val, e.deleted) })
}

// WriteTo applies the buffered writes to kv in key order and clears the buffer.
func (o *Overlay) WriteTo(kv KV) {
	if dst, ok := kv.(*Overlay); ok {
		o.moveTo(dst)
		return
	}
	o.tree.Scan(func(e *entry) bool {
		if e.deleted {
			kv.Delete(e.key)
		} else {
			kv.Set(e.key, e.val)
		}
		return true
	})
	o.Reset()
}

// moveTo hands the buffered values to dst without copying them: values are
// never mutated after Set, and o is cleared, so nothing is shared afterwards.
func (o *Overlay) moveTo(dst *Overlay) {
	o.tree.Scan(func(e *entry) bool {
		dst.put(e.key, e.val, e.deleted)
		return true
	})
	o.Reset()
}

func clone(b []byte) []byte {
	c := make([]byte, len(b))
	copy(c, b)
	return c
}

func inRange(k, start, end []byte) bool {
	return bytes.Compare(k, start) >= 0 && (end == nil || bytes.Compare(k, end) < 0)
}

// Iterate implements Reader, merging buffered writes over the parent.
// Its working memory (the merger, the tree iterator's stack, the pivot and
// the callbacks) comes from a pool: reads run once per record in hot paths
// and would otherwise allocate half a kilobyte each.
func (o *Overlay) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	m := mergers.Get().(*merger)
	m.o, m.start, m.end, m.reverse, m.fn = o, start, end, reverse, fn
	if o.parent == nil {
		m.scan()
	} else {
		m.run()
	}
	*m = merger{it: m.it, visitParent: m.visitParent, visitTree: m.visitTree, visitTreeDesc: m.visitTreeDesc}
	mergers.Put(m)
}

var mergers = sync.Pool{New: func() any {
	m := &merger{}
	m.visitParent, m.visitTree, m.visitTreeDesc = m.parentEntry, m.treeEntry, m.treeEntryDesc
	return m
}}

// scan iterates a parentless overlay (an in-memory base), which holds no
// deletion markers, straight from its tree.
func (m *merger) scan() {
	tree := m.o.tree
	if !m.reverse {
		m.pivot.key = m.start
		tree.Ascend(&m.pivot, m.visitTree)
		return
	}
	if m.end == nil {
		tree.Reverse(m.visitTreeDesc)
		return
	}
	m.pivot.key = m.end
	tree.Descend(&m.pivot, m.visitTreeDesc)
}

func (m *merger) treeEntry(e *entry) bool {
	return (m.end == nil || bytes.Compare(e.key, m.end) < 0) && m.fn(e.key, e.val)
}

func (m *merger) treeEntryDesc(e *entry) bool {
	if bytes.Compare(e.key, m.start) < 0 {
		return false
	}
	if m.end != nil && bytes.Compare(e.key, m.end) >= 0 {
		return true // Descend from the top when there is no pivot below end
	}
	return m.fn(e.key, e.val)
}

type merger struct {
	o          *Overlay
	start, end []byte
	reverse    bool
	fn         func(key, value []byte) bool
	it         btree.IterG[*entry]
	pivot      entry
	has        bool // it points at a pending in-range overlay entry
	stopped    bool
	// Bound once per pooled merger, so that passing them allocates nothing.
	visitParent              func(key, value []byte) bool
	visitTree, visitTreeDesc func(e *entry) bool
}

func (m *merger) run() {
	m.it.Init(m.o.tree, false)
	defer m.it.Release()
	m.seekFirst()
	m.o.parent.Iterate(m.start, m.end, m.reverse, m.visitParent)
	m.flushBefore(nil)
}

// parentEntry visits the parent's next key, emitting the overlay's
// entries before it first.
func (m *merger) parentEntry(k, v []byte) bool {
	m.flushBefore(k)
	if m.stopped {
		return false
	}
	if m.has && bytes.Equal(m.it.Item().key, k) {
		m.emitOverlay() // the buffered write shadows the parent's value
		return !m.stopped
	}
	m.stopped = !m.fn(k, v)
	return !m.stopped
}

func (m *merger) seekFirst() {
	if m.reverse {
		if m.end == nil {
			m.has = m.it.Last()
		} else if m.pivot.key = m.end; m.it.Seek(&m.pivot) {
			m.has = m.it.Prev()
		} else {
			m.has = m.it.Last()
		}
	} else {
		m.pivot.key = m.start
		m.has = m.it.Seek(&m.pivot)
	}
	m.has = m.has && inRange(m.it.Item().key, m.start, m.end)
}

// before reports whether overlay key a comes before parent key b in iteration order.
func (m *merger) before(a, b []byte) bool {
	c := bytes.Compare(a, b)
	if m.reverse {
		return c > 0
	}
	return c < 0
}

// flushBefore emits overlay entries ordered before k (all of them when k is nil).
func (m *merger) flushBefore(k []byte) {
	for m.has && !m.stopped && (k == nil || m.before(m.it.Item().key, k)) {
		m.emitOverlay()
	}
}

func (m *merger) emitOverlay() {
	e := m.it.Item()
	if !e.deleted {
		m.stopped = !m.fn(e.key, e.val)
	}
	if m.reverse {
		m.has = m.it.Prev()
	} else {
		m.has = m.it.Next()
	}
	m.has = m.has && inRange(m.it.Item().key, m.start, m.end)
}

// PrefixEnd returns the smallest key greater than every key with prefix p
// (nil if none exists), for iterating a prefix as [p, PrefixEnd(p)).
func PrefixEnd(p []byte) []byte {
	end := clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// IteratePrefix visits every key starting with prefix.
func IteratePrefix(r Reader, prefix []byte, reverse bool, fn func(key, value []byte) bool) {
	r.Iterate(prefix, PrefixEnd(prefix), reverse, fn)
}

// Base is a committed store the chain builds blocks on.
type Base interface {
	Reader
	// Commit applies a block's writes with its height and app hash atomically.
	Commit(writes *Overlay, m Meta) error
	LastMeta() (Meta, error)
}

// MemBase is an in-memory Base for the simulator and tests.
type MemBase struct {
	*Overlay
	meta Meta
}

// NewMemBase returns an empty in-memory base store.
func NewMemBase() *MemBase { return &MemBase{Overlay: NewMem()} }

// Commit implements Base.
func (m *MemBase) Commit(writes *Overlay, meta Meta) error {
	writes.WriteTo(m.Overlay)
	m.meta = Meta{Height: meta.Height, AppHash: clone(meta.AppHash)}
	return nil
}

// LastMeta implements Base.
func (m *MemBase) LastMeta() (Meta, error) { return m.meta, nil }
