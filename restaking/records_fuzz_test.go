package restaking

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// recordKinds are the binary records FuzzRecords decodes; the kinds after
// them are JSON records (recordJSON).
var recordKinds = []func() state.Record{
	func() state.Record { return &Vault{} }, func() state.Record { return &Allocation{} },
	func() state.Record { return &Position{} }, func() state.Record { return &Withdrawal{} },
	func() state.Record { return &VaultPoint{} }, func() state.Record { return &nativeRewards{} },
	func() state.Record { return &positionRewards{} },
	// Service reward streams.
	func() state.Record { return &serviceAcc{} }, func() state.Record { return &streamSet{} },
	func() state.Record { return &posStreams{} },
}

const jsonKinds = 2 // Program (JSON), Commission (binary)

// FuzzRecords: stored records that do not decode are reported as corrupt,
// never a panic, and whatever decodes re-encodes to bytes that decode to
// the same encoding again. The reward records are also read where the
// chain reads them (program loader, stream invariants) from a store
// holding the fuzzed bytes: an error or a pass, never a panic.
func FuzzRecords(f *testing.F) {
	v := newVault()
	f.Add(uint8(0), v.MarshalRecord())
	f.Add(uint8(1), (&Allocation{}).MarshalRecord())
	f.Add(uint8(2), (&Position{}).MarshalRecord())
	f.Add(uint8(3), (&Withdrawal{Asset: "usdc"}).MarshalRecord())
	f.Add(uint8(4), (&VaultPoint{}).MarshalRecord())
	big := num.MustInt("115792089237316195423570985008687907853269984665640564039457584007913129639935")
	f.Add(uint8(7), (&serviceAcc{Acc: num.NewInt(5), Rem: num.NewInt(3), Acc1: num.NewInt(5), H0: 1, H1: 720, T0: -1, T1: 1 << 40}).MarshalRecord())
	f.Add(uint8(8), fuzzStreamSet(big).MarshalRecord())
	f.Add(uint8(9), (&posStreams{list: []posStreamEntry{
		{svc: "a", denom: "usdc", posStream: posStream{Snap: num.NewInt(4), Rem: num.NewInt(1), Accrued: big}},
		{svc: "ab", denom: "rw", posStream: posStream{Accrued: num.NewInt(3)}},
	}}).MarshalRecord())
	pg, _ := json.Marshal(Program{ID: 1, Service: "a", Denom: "usdc", Amount: num.NewInt(1000), Start_s: 10, Duration_s: 500,
		Emitted: num.NewInt(400), Credited: num.NewInt(390), Unassigned: num.NewInt(10), Status: ProgramActive})
	f.Add(uint8(len(recordKinds)), pg)
	f.Add(uint8(len(recordKinds)), []byte(`{"id":2,"amount":"5","emitted":"6","credited":"1","unassigned":"0","refunded":"9","status":"ended"}`))
	f.Add(uint8(len(recordKinds)+1), []byte(`{"rate":"0.1","pending":"0.5","pending_effective_s":99}`))
	f.Fuzz(func(t *testing.T, kind uint8, bz []byte) {
		k := int(kind) % (len(recordKinds) + jsonKinds)
		if k >= len(recordKinds) {
			recordJSON(t, k-len(recordKinds), bz)
			return
		}
		fresh := recordKinds[k]
		readWhereStored(t, k, bz)
		r := fresh()
		if err := r.UnmarshalRecord(bz); err != nil {
			return
		}
		enc := r.MarshalRecord()
		again := fresh()
		if err := again.UnmarshalRecord(enc); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !bytes.Equal(again.MarshalRecord(), enc) {
			t.Fatalf("record does not re-encode stably: %x then %x", enc, again.MarshalRecord())
		}
	})
}

// fuzzStreamSet is a vault stream record of three streams in order.
func fuzzStreamSet(big num.Int) *streamSet {
	return &streamSet{list: []vaultStream{
		{svc: "a", denom: "usdc", allocStream: allocStream{Snap: num.NewInt(1), OpRem: big, Acc: num.NewInt(7), Rem: num.NewInt(2), Commission: num.NewInt(9)}},
		{svc: "ab", denom: "rw"},
		{svc: "ab", denom: "usdc", allocStream: allocStream{Acc: big}},
	}}
}

// readWhereStored stores a reward stream record's bytes under its key,
// beside a program crediting the stream, the vault's position and (for a
// position's record) a valid vault stream record, then runs the stream
// invariant, a position's settlement and the operator's commission claim
// over them: they may fail, never panic.
func readWhereStored(t *testing.T, k int, bz []byte) {
	op, staker := benchAddr(1), benchAddr(2)
	kv := store.NewMem()
	var key []byte
	switch recordKinds[k]().(type) {
	case *serviceAcc:
		key = serviceAccKey("a", "usdc", "usdc")
	case *streamSet:
		key = streamSetKey(op, "usdc")
	case *posStreams:
		key = posStreamsKey(staker, op, "usdc")
		state.Put(kv, streamSetKey(op, "usdc"), fuzzStreamSet(num.NewInt(5)))
	default:
		return
	}
	state.Put(kv, programKey(1), &Program{ID: 1, Service: "a", Denom: "usdc", Amount: num.NewInt(10), Duration_s: 10,
		Emitted: num.NewInt(10), Credited: num.NewInt(10), Status: ProgramEnded})
	state.Put(kv, positionKey(staker, op, "usdc"), &Position{Scaled: num.NewInt(3)})
	kv.Set(key, bz)
	_ = checkRewardStreams(kv)
	vv := vaultView{op: op, asset: Asset{Denom: "usdc", Kind: KindPriced}}
	if set, err := loadStreamSet(kv, op, "usdc", &pullCache{}); err == nil {
		_, _, _ = settleStreams(kv, staker, vv, &set, num.NewInt(3), nil)
		_, _ = takePosition(kv, staker, vv, &set, num.Int{}, true, nil, &pullCache{})
	}
	var sink []state.Event
	_, _ = takeCommission(state.NewCtx(kv, 1, 1, "", &sink), op, &pullCache{}, nil)
}

// recordJSON: a JSON record decodes or is reported corrupt; what decodes
// re-encodes stably, and the program's own checks and the loader run on
// it without panicking (they may reject it).
func recordJSON(t *testing.T, k int, bz []byte) {
	key := programKey(7)
	var enc []byte
	switch k {
	case 0:
		var pg Program
		if err := state.Decode(key, bz, &pg); err != nil {
			return
		}
		_ = pg.check()
		_, _ = pg.owed()
		_, _ = pg.schedule().EmittedBy(pg.Start_s + int64(pg.Duration_s/2))
		kv := store.NewMem()
		kv.Set(key, bz)
		_, _ = loadProgram(kv, 7)
		enc = mustJSON(t, pg)
		var again Program
		if err := state.Decode(key, enc, &again); err != nil {
			t.Fatalf("re-encoded program does not decode: %v", err)
		}
		if !bytes.Equal(mustJSON(t, again), enc) {
			t.Fatalf("program does not re-encode stably: %s then %s", enc, mustJSON(t, again))
		}
	default:
		var c Commission
		if err := state.Decode(key, bz, &c); err != nil {
			return
		}
		_ = c.current(c.Effective_s)
		enc = c.MarshalRecord()
		var again Commission
		if err := state.Decode(key, enc, &again); err != nil {
			t.Fatalf("re-encoded commission does not decode: %v", err)
		}
		if !bytes.Equal(again.MarshalRecord(), enc) {
			t.Fatalf("commission does not re-encode stably: %x then %x", enc, again.MarshalRecord())
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	bz, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode %T: %v", v, err)
	}
	return bz
}
