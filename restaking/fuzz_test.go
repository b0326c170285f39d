package restaking_test

import (
	"testing"
	"unicode/utf8"

	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
)

var fuzzLabels = []string{"alice", "bob", "op", "svc", "svc2", "authority", valLabel}

// FuzzRestakingMessages puts arbitrary field values into every restaking
// message, signed by one of the accounts of a live restaking state: the
// result is a rule rejection or success, never an internal error or
// panic, and every invariant holds after the block.
func FuzzRestakingMessages(f *testing.F) {
	f.Add(uint8(0), uint8(0), s("op"), "a", "usdc", "0.5", uint64(1))
	f.Add(uint8(5), uint8(3), s("op"), "a", "10usdc", "1", uint64(0))
	f.Add(uint8(9), uint8(1), s("svc"), "b", "ststake", "2d", uint64(7))
	f.Add(uint8(12), uint8(2), s("alice"), "115792089237316195423570985008687907853269984665640564039457584007913129639935usdc", "x", "0.000000000000000001", uint64(1<<63))
	f.Fuzz(func(t *testing.T, kind, who uint8, a, b, c, d string, id uint64) {
		if len(a)+len(b)+len(c)+len(d) > 2048 {
			return
		}
		for _, v := range []string{a, b, c, d} {
			if !utf8.ValidString(v) {
				return // protobuf strings are UTF-8 (tested in tx)
			}
		}
		x := twoServices(t, nil, "", "0.5", "0.3")
		x.c.CheckInvariants = true
		signer := fuzzLabels[int(who)%len(fuzzLabels)]
		if r := x.deliver(signer, fuzzMsg(kind, s(signer), a, b, c, d, id)); r.Code == chain.CodeInternal {
			t.Fatalf("internal error: %s", r.Log)
		}
		x.advance(block_s) // invariants run at commit
	})
}

func fuzzMsg(kind uint8, me, a, b, c, d string, id uint64) proto.Message {
	switch kind % 19 {
	case 0:
		return &tx.MsgAllocate{Operator: a, Service: b, Asset: c, Magnitude: d}
	case 1:
		return &tx.MsgSlash{Slasher: a, Service: b, Operator: me, Fraction: d, Assets: []string{c}, Reason: c}
	case 2:
		return &tx.MsgDeposit{Staker: a, Operator: me, Amount: b}
	case 3:
		return &tx.MsgQueueWithdrawal{Staker: a, Operator: me, Amount: b}
	case 4:
		return &tx.MsgCompleteWithdrawal{Staker: a, Id: id}
	case 5:
		return &tx.MsgRegisterOperator{Operator: a, Validator: b, AllocationDelay: c, Degree: d, Commission: d, Metadata: c}
	case 6:
		return &tx.MsgUpdateOperator{Operator: a, AllocationDelay: b, Degree: c, Metadata: d}
	case 7:
		return &tx.MsgRegisterService{Admin: a, Name: b, Slasher: me, Resolver: c, VetoWindow: d, Assets: []string{c}, MaxSlashFraction: d,
			Destination: c, Policy: b, MinOperatorStake: d, MaxOperatorDegree: d, Pfc: d, Threshold: d}
	case 8:
		return &tx.MsgUpdateService{Admin: a, Name: b, Slasher: c, Resolver: c, VetoWindow: d, AddAssets: []string{c}, MaxSlashFraction: d,
			Destination: c, Policy: d, MinOperatorStake: d, MaxOperatorDegree: d, Pfc: d, Threshold: d, NewAdmin: c}
	case 9:
		return &tx.MsgAllowOperator{Admin: a, Service: b, Operator: c}
	case 10:
		return &tx.MsgDisallowOperator{Admin: a, Service: b, Operator: c}
	case 11:
		return &tx.MsgOptIn{Operator: a, Service: b}
	case 12:
		return &tx.MsgOptOut{Operator: a, Service: b}
	case 13:
		return &tx.MsgVetoSlash{Resolver: a, Id: id}
	case 14:
		return &tx.MsgExecuteSlash{Signer: a, Id: id}
	case 15:
		return &tx.MsgClaimRedistribution{Recipient: a, Id: id}
	case 16:
		return &tx.MsgRegisterAsset{Authority: a, Denom: b, Price: d}
	case 17:
		return &tx.MsgSetOperatorCommission{Operator: a, Service: b, Rate: d}
	default:
		return &tx.MsgSetPrice{Authority: a, Denom: b, Price: d}
	}
}
