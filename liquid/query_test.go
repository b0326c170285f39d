package liquid

import (
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// putClaim stores a claim and its owner index as newClaim does.
func putClaim(kv store.KV, id uint64, owner account.Address) {
	c := Claim{ID: id, Owner: owner, Burned: n(id), Amount: n(id)}
	state.Put(kv, claimKey(id), &c)
	kv.Set(ownerKey(owner, id), []byte{})
}

// An owner with more claims than one page sees the newest first and can
// reach every older one through next; other owners' claims never show.
func TestClaimsOfPagesNewestFirst(t *testing.T) {
	kv := store.NewMem()
	alice, bob := account.Module("alice"), account.Module("bob")
	for id := uint64(1); id <= 2500; id++ {
		owner := alice
		if id%5 == 0 {
			owner = bob
		}
		putClaim(kv, id, owner)
	}
	var seen []uint64
	before, pages := uint64(0), 0
	for {
		cs, next, err := ClaimsOf(kv, alice, before, MaxClaimsListed)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, c := range cs {
			if c.Owner != alice {
				t.Fatalf("claim %d of %s listed for alice", c.ID, c.Owner)
			}
			if len(seen) > 0 && c.ID >= seen[len(seen)-1] {
				t.Fatalf("claim %d after %d: not newest first", c.ID, seen[len(seen)-1])
			}
			seen = append(seen, c.ID)
		}
		if next == 0 {
			break
		}
		if next != cs[len(cs)-1].ID {
			t.Fatalf("next %d, last listed %d", next, cs[len(cs)-1].ID)
		}
		before = next
	}
	if len(seen) != 2000 || pages != 2 || seen[0] != 2499 || seen[len(seen)-1] != 1 {
		t.Fatalf("%d claims in %d pages, first %d last %d", len(seen), pages, seen[0], seen[len(seen)-1])
	}
}

func TestClaimsOfLimits(t *testing.T) {
	kv := store.NewMem()
	a := account.Module("a")
	for id := uint64(1); id <= 3; id++ {
		putClaim(kv, id, a)
	}
	cs, next, err := ClaimsOf(kv, a, 0, 3)
	if err != nil || len(cs) != 3 || next != 0 {
		t.Fatalf("exact page: %d claims next %d %v", len(cs), next, err)
	}
	cs, next, err = ClaimsOf(kv, a, 3, 1)
	if err != nil || len(cs) != 1 || cs[0].ID != 2 || next != 2 {
		t.Fatalf("before 3, limit 1: %+v next %d %v", cs, next, err)
	}
	if cs, next, err = ClaimsOf(kv, a, 1, 10); err != nil || len(cs) != 0 || next != 0 {
		t.Fatalf("before the first: %+v next %d %v", cs, next, err)
	}
	for _, limit := range []int{0, -1, MaxClaimsListed + 1} {
		if _, _, err := ClaimsOf(kv, a, 0, limit); state.RuleOf(err) != "bad-limit" {
			t.Fatalf("limit %d: %v", limit, err)
		}
	}
	kv.Set(ownerKey(a, 9), nil) // indexed, but no claim record
	if _, _, err := ClaimsOf(kv, a, 0, 10); err == nil {
		t.Fatal("a dangling owner index must be an error")
	}
}
