package restaking

import (
	"testing"

	"github.com/restaked/restaked/state"
)

// FuzzRecords: stored records that do not decode are reported as corrupt,
// never a panic, and whatever decodes re-encodes to a record that decodes.
func FuzzRecords(f *testing.F) {
	v := newVault()
	f.Add(uint8(0), v.MarshalRecord())
	f.Add(uint8(1), (&Allocation{}).MarshalRecord())
	f.Add(uint8(2), (&Position{}).MarshalRecord())
	f.Add(uint8(3), (&Withdrawal{Asset: "usdc"}).MarshalRecord())
	f.Add(uint8(4), (&VaultPoint{}).MarshalRecord())
	f.Fuzz(func(t *testing.T, kind uint8, bz []byte) {
		recs := []state.Record{&Vault{}, &Allocation{}, &Position{}, &Withdrawal{}, &VaultPoint{}}
		r := recs[int(kind)%len(recs)]
		if err := r.UnmarshalRecord(bz); err != nil {
			return
		}
		again := recs[int(kind)%len(recs)]
		if err := again.UnmarshalRecord(r.MarshalRecord()); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
	})
}
