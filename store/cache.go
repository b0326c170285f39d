package store

import "sync"

// valueCache keeps recently read committed values (and misses) in memory,
// so that the records a block reads again and again — vaults, stream
// records, balances, commission rates — cost a map lookup instead of a
// Pebble Get (memtable, levels, bloom filters, block decode: about 1.5 µs).
//
// It is a pure cache of the committed state: Commit writes every block's
// writes through it (after the batch is durable), so a hit always equals
// what Pebble holds; a miss read while a commit was written through is not
// kept. Snapshots do not use it.
//
// Bounded by two generations: entries go into cur; when cur holds
// maxBytes/2, it becomes old and a fresh cur starts; a hit in old moves
// the entry back to cur. About maxBytes are held at most (keys, values and
// a fixed overhead per entry), and whatever was used within the last half
// is kept.
type valueCache struct {
	mu       sync.Mutex // API readers call Get concurrently
	cur, old map[string]cached
	curBytes int
	maxBytes int
	commits  uint64 // write-throughs so far: a read from before one is not cached
}

// entryOverheadBytes is what a cached entry costs beyond its key and value
// (map slot, string and slice headers), counted against maxBytes so that
// many small entries (remembered misses) stay within the bound too.
const entryOverheadBytes = 96

type cached struct {
	val   []byte
	found bool
}

func newValueCache(maxBytes int) *valueCache {
	return &valueCache{cur: map[string]cached{}, old: map[string]cached{}, maxBytes: maxBytes}
}

// get returns the cached value of key and whether the cache knows it.
func (c *valueCache) get(key []byte) (cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.cur[string(key)]; ok {
		return e, true
	}
	e, ok := c.old[string(key)]
	if ok {
		delete(c.old, string(key))
		c.putLocked(string(key), e)
	}
	return e, ok
}

// readStamp is taken before reading Pebble on a miss: fill caches the
// value read only if no commit has been written through since.
func (c *valueCache) readStamp() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commits
}

// fill caches what a read begun at stamp found (nothing, if a commit
// came in between: the value may already be stale).
func (c *valueCache) fill(key []byte, val []byte, found bool, stamp uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if stamp == c.commits {
		c.setLocked(key, val, found)
	}
}

// writeThrough applies one committed block's writes (Commit, after the
// batch is durable); deleted keys are remembered as misses.
func (c *valueCache) writeThrough(writes *Overlay) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.commits++
	writes.Writes(func(k, v []byte, deleted bool) bool {
		if deleted {
			c.setLocked(k, nil, false)
		} else {
			c.setLocked(k, clone(v), true)
		}
		return true
	})
}

func (c *valueCache) setLocked(key []byte, val []byte, found bool) {
	if !found {
		val = nil // a miss reads (nil, false), as Pebble's does
	}
	delete(c.old, string(key)) // never leave an older value behind
	c.putLocked(string(key), cached{val: val, found: found})
}

func (c *valueCache) putLocked(key string, e cached) {
	if prev, ok := c.cur[key]; ok {
		c.curBytes -= len(key) + len(prev.val) + entryOverheadBytes
	}
	c.cur[key] = e
	c.curBytes += len(key) + len(e.val) + entryOverheadBytes
	if c.curBytes >= c.maxBytes/2 {
		c.old, c.cur, c.curBytes = c.cur, map[string]cached{}, 0
	}
}
