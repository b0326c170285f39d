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

// Journal opens an undo journal on o (reusing o's journal and its buffer).
func (o *Overlay) Journal() *Journal {
	if o.j == nil {
		o.j = &Journal{o: o, undo: make([]undoEntry, 0, 32)} // room for a typical transaction's writes
	}
	o.j.undo = o.j.undo[:0]
	return o.j
}

// Get implements Reader.
func (j *Journal) Get(key []byte) ([]byte, bool) { return j.o.Get(key) }

// Iterate implements Reader.
func (j *Journal) Iterate(start, end []byte, reverse bool, fn func(key, value []byte) bool) {
	j.o.Iterate(start, end, reverse, fn)
}

// Set implements KV.
func (j *Journal) Set(key, value []byte) { j.SetOwned(key, clone(value)) }

// SetOwned is Set for a value the caller hands over (store.SetOwned).
func (j *Journal) SetOwned(key, value []byte) {
	prev, had, owned := j.o.put(key, value, false)
	j.undo = append(j.undo, undoEntry{key: owned, prev: prev, had: had})
}

// Delete implements KV.
func (j *Journal) Delete(key []byte) {
	prev, had, owned := j.o.put(key, nil, true)
	if owned != nil {
		j.undo = append(j.undo, undoEntry{key: owned, prev: prev, had: had})
	}
}

// Revert undoes every write since the journal opened, newest first.
func (j *Journal) Revert() {
	for i := len(j.undo) - 1; i >= 0; i-- {
		u := j.undo[i]
		j.o.restore(u.key, u.prev, u.had)
	}
	j.undo = j.undo[:0]
}

// Keep forgets the undo records: the writes stay.
func (j *Journal) Keep() { j.undo = j.undo[:0] }
