package node

import (
	"errors"
	"sync"

	dbm "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
)

// dbSet opens CometBFT's databases and records them so that all can be
// closed on stop.
type dbSet struct {
	mu  sync.Mutex
	dbs []*guardedDB
}

func (s *dbSet) open(ctx *cfg.DBContext) (dbm.DB, error) {
	db, err := cfg.DefaultDBProvider(ctx)
	if err != nil {
		return nil, err
	}
	g := &guardedDB{DB: db}
	s.mu.Lock()
	s.dbs = append(s.dbs, g)
	s.mu.Unlock()
	return g, nil
}

// closeAll closes every database; CometBFT leaves the tx index open, which
// would keep the home locked for a restart in the same process.
func (s *dbSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, db := range s.dbs {
		_ = db.Close() // best effort: nothing is left to act on an error
	}
	s.dbs = nil
}

var errDBClosed = errors.New("node: database closed")

// guardedDB makes use-after-close harmless. CometBFT closes its block store
// while per-peer consensus goroutines may still be sleeping between reads;
// on waking they would read the closed database and panic, taking the whole
// process down. Once closed, reads here report "not found" (those callers
// then skip their work) and writes fail.
type guardedDB struct {
	dbm.DB
	mu     sync.RWMutex
	closed bool
}

func (g *guardedDB) Get(key []byte) ([]byte, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return nil, nil
	}
	return g.DB.Get(key)
}

func (g *guardedDB) Has(key []byte) (bool, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return false, nil
	}
	return g.DB.Has(key)
}

func (g *guardedDB) Set(key, value []byte) error {
	return g.write(func() error { return g.DB.Set(key, value) })
}

func (g *guardedDB) SetSync(key, value []byte) error {
	return g.write(func() error { return g.DB.SetSync(key, value) })
}

func (g *guardedDB) Delete(key []byte) error {
	return g.write(func() error { return g.DB.Delete(key) })
}

func (g *guardedDB) DeleteSync(key []byte) error {
	return g.write(func() error { return g.DB.DeleteSync(key) })
}

func (g *guardedDB) Compact(start, end []byte) error {
	return g.write(func() error { return g.DB.Compact(start, end) })
}

func (g *guardedDB) Iterator(start, end []byte) (dbm.Iterator, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return nil, errDBClosed
	}
	return g.DB.Iterator(start, end)
}

func (g *guardedDB) ReverseIterator(start, end []byte) (dbm.Iterator, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return nil, errDBClosed
	}
	return g.DB.ReverseIterator(start, end)
}

// write runs op unless the database is closed. It takes only the read lock:
// the lock guards against Close, and the database orders writes itself.
func (g *guardedDB) write(op func() error) error {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return errDBClosed
	}
	return op()
}

// Close closes the database once; later calls are no-ops.
func (g *guardedDB) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	return g.DB.Close()
}
