package tx

import (
	"crypto/sha256"
	"sync"
)

// SigCache remembers transactions whose signature this node has already
// verified (in CheckTx), so a block does not verify them twice. A verdict
// is a pure function of the tx bytes, so skipping a repeat check cannot
// change state; the cache is bounded and forgets the oldest entries first.
type SigCache struct {
	mu    sync.Mutex
	seen  map[[32]byte]struct{}
	order [][32]byte // ring of keys in insertion order
	next  int
}

// NewSigCache holds at most size entries.
func NewSigCache(size int) *SigCache {
	return &SigCache{seen: make(map[[32]byte]struct{}, size), order: make([][32]byte, size)}
}

// Key is the cache key of raw tx bytes.
func Key(raw []byte) [32]byte { return sha256.Sum256(raw) }

// Has reports whether raw's signature was verified before.
func (c *SigCache) Has(k [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.seen[k]
	return ok
}

// Add records a verified tx, evicting the oldest entry when full.
func (c *SigCache) Add(k [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[k]; ok {
		return
	}
	if old := c.order[c.next]; old != ([32]byte{}) {
		delete(c.seen, old)
	}
	c.order[c.next] = k
	c.seen[k] = struct{}{}
	c.next = (c.next + 1) % len(c.order)
}
