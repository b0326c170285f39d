package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/state"
)

// Lists that can grow without bound are paged: each request reads at most
// MaxPageLimit records, so its cost does not grow with the state. A page's
// `next` is the cursor for the following page ("" on the last one).
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 1000
)

// limitParam reads ?limit=, capped at MaxPageLimit.
func limitParam(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return DefaultPageLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, badRequest("bad-limit", "limit %q must be a positive integer (at most %d are returned)", s, MaxPageLimit)
	}
	return min(n, MaxPageLimit), nil
}

// idCursor reads a ?before= cursor: a record id, or 0 (from the newest) when absent.
func idCursor(r *http.Request, name string) (uint64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("bad-cursor", "%s %q must be a positive integer id", name, s)
	}
	return id, nil
}

// idPage reads the paging of a newest-first list by id: ?limit= and ?before=.
func idPage(r *http.Request) (limit int, before uint64, err error) {
	if limit, err = limitParam(r); err != nil {
		return 0, 0, err
	}
	before, err = idCursor(r, "before")
	return limit, before, err
}

// addrQuery reads an optional address from the query string.
func addrQuery(r *http.Request, name string) (account.Address, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return account.Address{}, nil
	}
	a, err := account.Parse(s)
	if err != nil {
		return a, badRequest("bad-address", "%s: %v", name, err)
	}
	return a, nil
}

// idParam reads a positive integer id from the path.
func idParam(r *http.Request) (uint64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("bad-id", "id %q must be a positive integer", s)
	}
	return id, nil
}

// nameParam reads a service name from the path, checked against the
// chain's naming rule so hostile paths never reach the store.
func nameParam(r *http.Request) (string, error) {
	s := r.PathValue("name")
	if !restaking.ValidName(s) {
		return "", badRequest("bad-name", "service name %q must be 1..%d characters of a-z, 0-9, '-' and '_'", s, restaking.MaxNameLen)
	}
	return s, nil
}

// page trims the limit+1 records a list read to limit and returns the
// cursor of the next page: the key of the last record kept, when the
// extra record shows there is more.
func page[T any](items []T, limit int, key func(T) string) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, key(items[limit-1])
}

// pageViews is page, with each kept record turned into its API view.
func pageViews[T, V any](items []T, limit int, key func(T) string, view func(T) V) ([]V, string) {
	items, next := page(items, limit, key)
	out := make([]V, len(items))
	for i, x := range items {
		out[i] = view(x)
	}
	return out, next
}

// lookupErr turns a query's "no such record" rejection into a 404; any
// other error of a read is the node's fault, not the request's.
func lookupErr(err error) error {
	var re *state.RuleError
	if !errors.As(err, &re) {
		return err
	}
	switch re.Rule {
	case "unknown-operator", "unknown-service", "unknown-asset":
		return notFound("%s", re.Detail)
	}
	return err
}
