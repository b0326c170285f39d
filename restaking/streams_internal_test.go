package restaking

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/restaked/restaked/account"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/rewards"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// A stakers' accumulator at the end of its range leaves the rest with the
// operator: nothing fails, nothing is lost.
func TestCreditVaultOverflowFallsBackToOperator(t *testing.T) {
	as := allocStream{Acc: num.MaxInt(), Rem: num.NewInt(3)}
	if err := creditVault(&as, num.NewInt(1000), num.MustDec("0.1"), num.NewInt(1)); err != nil {
		t.Fatal(err)
	}
	if !as.Commission.Eq(num.NewInt(1000)) || !as.Acc.Eq(num.MaxInt()) || !as.Rem.Eq(num.NewInt(3)) {
		t.Fatalf("after overflow: %+v", as)
	}
	// Without shares the operator keeps all, too.
	as = allocStream{}
	if err := creditVault(&as, num.NewInt(7), num.MustDec("0.1"), num.Int{}); err != nil || !as.Commission.Eq(num.NewInt(7)) {
		t.Fatalf("no shares: %+v, %v", as, err)
	}
}

// A service accumulator at the end of its range turns the share into
// unassigned emission (refunded later) instead of failing the block.
func TestSpreadEmissionOverflowIsUnassigned(t *testing.T) {
	kv := store.NewMem()
	var sink []state.Event
	ctx := state.NewCtx(kv, 10, 1000, "t", &sink)
	state.Put(kv, assetKey("usdc"), &Asset{Denom: "usdc", Kind: KindPriced, Price: num.OneDec()})
	saveService(kv, &Service{Name: "a", Assets: []string{"usdc"}})
	state.PutAmount(kv, serviceWeightKey("a", "usdc"), num.NewInt(2))
	state.Put(kv, serviceAccKey("a", "usdc", "rw"), &serviceAcc{Acc: num.MaxInt()})
	pg := Program{ID: 1, Service: "a", Denom: "rw", Amount: num.NewInt(100)}
	if err := spreadEmission(ctx, &pg, num.NewInt(40), map[string]num.Dec{}); err != nil {
		t.Fatal(err)
	}
	if !pg.Unassigned.Eq(num.NewInt(40)) || !pg.Credited.IsZero() {
		t.Fatalf("program after an overflowing spread: %+v", pg)
	}
	// The same spread below the range is credited.
	state.Put(kv, serviceAccKey("a", "usdc", "rw"), &serviceAcc{})
	pg = Program{ID: 1, Service: "a", Denom: "rw", Amount: num.NewInt(100)}
	if err := spreadEmission(ctx, &pg, num.NewInt(40), map[string]num.Dec{}); err != nil || !pg.Credited.Eq(num.NewInt(40)) {
		t.Fatalf("program after a normal spread: %+v, %v", pg, err)
	}
	var sa serviceAcc
	if _, err := state.Load(kv, serviceAccKey("a", "usdc", "rw"), &sa); err != nil || !sa.Acc.Eq(mustMul(num.NewInt(20), rewards.Scale)) {
		t.Fatalf("accumulator %+v, %v", sa, err)
	}
}

// New allocations stop once a vault has had streams with
// MaxStreamServices services' worth of denoms.
func TestStreamRoom(t *testing.T) {
	kv := store.NewMem()
	var op account.Address
	op[0] = 1
	limit := MaxStreamServices * MaxRewardDenomsPerService
	var set streamSet
	for i := range limit - 1 {
		set.list = append(set.list, vaultStream{svc: fmt.Sprintf("s%04d", i), denom: "rw"})
	}
	set.save(kv, op, "usdc")
	if err := checkStreamRoom(kv, op, "usdc"); err != nil {
		t.Fatalf("below the limit: %v", err)
	}
	set.list = append(set.list, vaultStream{svc: "s9999", denom: "rw"})
	set.save(kv, op, "usdc")
	if err := checkStreamRoom(kv, op, "usdc"); state.RuleOf(err) != "too-many-reward-streams" {
		t.Fatalf("at the limit: %v", err)
	}
	if err := checkStreamRoom(kv, op, "stake"); err != nil {
		t.Fatalf("another asset's vault: %v", err)
	}
}

// The stream records decode strictly: what they encode decodes back to the
// same list; trailing bytes, a count of 0 or above MaxStreamsPerVault,
// empty names, entries out of order or repeated and all-zero position
// entries are corrupt.
func TestStreamRecordsStrict(t *testing.T) {
	set := streamSet{list: []vaultStream{
		{svc: "b", denom: "rw", allocStream: allocStream{Snap: num.NewInt(1), Acc: num.MaxInt()}},
		{svc: "ab", denom: "rw", allocStream: allocStream{Commission: num.NewInt(7)}},
		{svc: "ab", denom: "usdc"},
	}}
	enc := set.MarshalRecord()
	var back streamSet
	if err := back.UnmarshalRecord(enc); err != nil || len(back.list) != 3 || !bytes.Equal(back.MarshalRecord(), enc) ||
		back.list[0].svc != "b" || !back.list[0].Acc.Eq(num.MaxInt()) || !back.list[1].Commission.Eq(num.NewInt(7)) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	bad := func(what string, b []byte, r state.Record) {
		t.Helper()
		if err := r.UnmarshalRecord(b); !errors.Is(err, state.ErrCorrupt) {
			t.Fatalf("%s: %v", what, err)
		}
	}
	bad("trailing byte", append(append([]byte{}, enc...), 0), &streamSet{})
	bad("no entries", (&streamSet{}).MarshalRecord(), &streamSet{})
	swapped := streamSet{list: []vaultStream{set.list[1], set.list[0]}}
	bad("out of order", swapped.MarshalRecord(), &streamSet{})
	twice := streamSet{list: []vaultStream{set.list[1], set.list[1]}}
	bad("repeated", twice.MarshalRecord(), &streamSet{})
	bad("empty name", (&streamSet{list: []vaultStream{{svc: "a"}}}).MarshalRecord(), &streamSet{})
	bad("truncated", enc[:len(enc)-1], &streamSet{})
	w := state.NewWriter(streamSetVersion, 8)
	w.Uvarint(MaxStreamsPerVault + 1)
	bad("too many", w.Out(), &streamSet{})

	ps := posStreams{list: []posStreamEntry{{svc: "ab", denom: "rw", posStream: posStream{Rem: num.NewInt(2)}}}}
	var psBack posStreams
	if err := psBack.UnmarshalRecord(ps.MarshalRecord()); err != nil || !psBack.list[0].Rem.Eq(num.NewInt(2)) {
		t.Fatalf("position round trip: %+v, %v", psBack, err)
	}
	bad("zero position entry", (&posStreams{list: []posStreamEntry{{svc: "ab", denom: "rw"}}}).MarshalRecord(), &posStreams{})
	bad("position trailing byte", append(ps.MarshalRecord(), 0), &posStreams{})

	// Against the vault's streams ("b" sorts before "ab": shorter service
	// names first): aligned, and only streams the vault has.
	got, err := decodePosAligned(ps.MarshalRecord(), &set, nil)
	if err != nil || len(got) != 3 || got[0].svc != "b" || !got[1].Rem.Eq(num.NewInt(2)) || !got[2].posStream.isZero() {
		t.Fatalf("aligned: %+v, %v", got, err)
	}
	stranger := posStreams{list: []posStreamEntry{{svc: "zz", denom: "rw", posStream: posStream{Rem: num.NewInt(1)}}}}
	if _, err := decodePosAligned(stranger.MarshalRecord(), &set, nil); !errors.Is(err, state.ErrCorrupt) {
		t.Fatalf("a stream the vault does not have: %v", err)
	}
	if _, err := decodePosAligned(append(ps.MarshalRecord(), 0), &set, nil); !errors.Is(err, state.ErrCorrupt) {
		t.Fatalf("aligned, trailing byte: %v", err)
	}
}

// A vault record at MaxStreamsPerVault streams still round-trips, and no
// stream is added beyond it.
func TestStreamSetBound(t *testing.T) {
	var set streamSet
	for i := range MaxStreamsPerVault {
		set.list = append(set.list, vaultStream{svc: fmt.Sprintf("s%04d", i), denom: "rw", allocStream: allocStream{Acc: num.MaxInt(), Commission: num.MaxInt()}})
	}
	enc := set.MarshalRecord()
	var back streamSet
	if err := back.UnmarshalRecord(enc); err != nil || len(back.list) != MaxStreamsPerVault {
		t.Fatalf("full vault record (%d bytes): %d streams, %v", len(enc), len(back.list), err)
	}
	if i, found := set.find("t", "rw"); found || set.insert(i, "t", "rw") == nil {
		t.Fatal("a stream was added beyond MaxStreamsPerVault")
	}
}
