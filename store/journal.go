package store

// Journal writes straight through to an Overlay and records how to undo
// each write, so a failed transaction is reverted without buffering every
// successful one twice. Only one journal may be open on an overlay at a
// time, and nothing else may write to the overlay while it is open.
type Journal struct {
	o    *Overlay
	undo []undoEntry
}

type undoEntry struct {
	key  []byte
	prev entry
	had  bool // the overlay held an entry for key before the write
}

// Journal opens an undo journal on o.
func (o *Overlay) Journal() *Journal { return &Journal{o: o} }

// Get implements Reader.
func (j *Journal) Get(key []byte) ([]byte, bool) { return j.o.Get(key) }

// Iterate implements Reader.
func (j *Journal) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	j.o.Iterate(start, end, reverse, fn)
}

// Set implements KV.
func (j *Journal) Set(key, value []byte) {
	e := entry{key: clone(key), val: clone(value)}
	prev, had := j.o.tree.Set(e)
	j.undo = append(j.undo, undoEntry{key: e.key, prev: prev, had: had})
}

// Delete implements KV.
func (j *Journal) Delete(key []byte) {
	k := clone(key)
	var prev entry
	var had bool
	if j.o.parent == nil {
		prev, had = j.o.tree.Delete(entry{key: k})
	} else {
		prev, had = j.o.tree.Set(entry{key: k, deleted: true})
	}
	j.undo = append(j.undo, undoEntry{key: k, prev: prev, had: had})
}

// Revert undoes every write since the journal opened, newest first.
func (j *Journal) Revert() {
	for i := len(j.undo) - 1; i >= 0; i-- {
		u := j.undo[i]
		if u.had {
			j.o.tree.Set(u.prev)
		} else {
			j.o.tree.Delete(entry{key: u.key})
		}
	}
	j.undo = j.undo[:0]
}

// Keep forgets the undo records: the writes stay.
func (j *Journal) Keep() { j.undo = j.undo[:0] }
