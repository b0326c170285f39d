package restaking

import (
	"errors"
	"testing"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Keys too short for their fixed parts are reported as corrupt state by
// the invariants and queries that split them, never a slice panic.
func TestShortKeysAreCorrupt(t *testing.T) {
	for _, prefix := range [][]byte{prefixPosition, prefixVault, prefixPosRewards} {
		kv := store.NewMem()
		kv.Set(state.Key(prefix, []byte("short")), (&Position{}).MarshalRecord())
		for name, check := range map[string]func(store.Reader) error{
			"vaults": checkVaults, "backing": checkBacking, "magnitudes": checkMagnitudes,
		} {
			if err := check(kv); err != nil && !errors.Is(err, state.ErrCorrupt) {
				t.Errorf("%s over %q: %v", name, prefix, err)
			}
		}
	}
	kv := store.NewMem()
	var staker account.Address
	kv.Set(state.Key(positionPrefix(staker), []byte("x")), (&Position{}).MarshalRecord())
	if _, err := Positions(kv, staker); !errors.Is(err, state.ErrCorrupt) {
		t.Fatalf("positions over a short key: %v", err)
	}
}
