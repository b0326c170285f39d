package restaking

import (
	"bytes"
	"testing"

	"github.com/restaked/restaked/state"
)

// FuzzRecords: stored records that do not decode are reported as corrupt,
// never a panic, and whatever decodes re-encodes to bytes that decode to
// the same encoding again.
func FuzzRecords(f *testing.F) {
	v := newVault()
	f.Add(uint8(0), v.MarshalRecord())
	f.Add(uint8(1), (&Allocation{}).MarshalRecord())
	f.Add(uint8(2), (&Position{}).MarshalRecord())
	f.Add(uint8(3), (&Withdrawal{Asset: "usdc"}).MarshalRecord())
	f.Add(uint8(4), (&VaultPoint{}).MarshalRecord())
	f.Fuzz(func(t *testing.T, kind uint8, bz []byte) {
		fresh := []func() state.Record{
			func() state.Record { return &Vault{} }, func() state.Record { return &Allocation{} },
			func() state.Record { return &Position{} }, func() state.Record { return &Withdrawal{} },
			func() state.Record { return &VaultPoint{} }, func() state.Record { return &nativeRewards{} },
			func() state.Record { return &positionRewards{} },
		}
		r := fresh[int(kind)%len(fresh)]()
		if err := r.UnmarshalRecord(bz); err != nil {
			return
		}
		enc := r.MarshalRecord()
		again := fresh[int(kind)%len(fresh)]()
		if err := again.UnmarshalRecord(enc); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !bytes.Equal(again.MarshalRecord(), enc) {
			t.Fatalf("record does not re-encode stably: %x then %x", enc, again.MarshalRecord())
		}
	})
}
