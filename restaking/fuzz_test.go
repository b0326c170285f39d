package restaking_test

import (
	"testing"
	"unicode/utf8"

	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/num"
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
	switch kind % 22 {
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
	case 18:
		return &tx.MsgSetPrice{Authority: a, Denom: b, Price: d}
	case 19:
		return &tx.MsgCreateRewardProgram{Admin: a, Service: b, Amount: c, Duration: d, StartS: int64(id)}
	case 20:
		return &tx.MsgCancelRewardProgram{Admin: a, Id: id}
	default:
		return &tx.MsgClaimRewards{Account: a}
	}
}

var rewardFuzzLabels = []string{"svc", "svc2", "alice", "bob", "op", "op2", "authority"}

// FuzzRewardPrograms: create_reward_program, cancel_reward_program and
// claim_rewards with arbitrary fields, signed by any account, on a live
// state with two programs already running (one emitting, one starting
// later) and positions earning from them; then blocks of fuzzed lengths
// run and everyone claims. Every message is a rule rejection or a
// success, never an internal error, every block begins (a failed
// BeginBlock would halt the chain) and every invariant holds after each
// block. A created program must have escrowed exactly its amount.
//
// The admins hold 1e39 of each reward denom: large amounts, yet below what
// overflows the 1e36-scaled accumulators (about 1.16e41 × the service's
// weight spread in one stream).
func FuzzRewardPrograms(f *testing.F) {
	f.Add(uint8(0), uint8(0), s("svc"), "a", "100rwa", "50s", int64(0), uint64(1), uint16(3))
	f.Add(uint8(1), uint8(1), s("svc2"), "b", "1000000000000000000000000000000rwb", "1s", int64(7), uint64(0), uint16(9))
	f.Add(uint8(2), uint8(0), s("svc"), "", "", "", int64(0), uint64(1), uint16(1))
	f.Add(uint8(2), uint8(2), s("svc2"), "", "", "", int64(0), uint64(2), uint16(1))
	f.Add(uint8(3), uint8(2), s("alice"), "", "", "", int64(0), uint64(0), uint16(40))
	f.Add(uint8(0), uint8(0), s("svc"), "c", "115792089237316195423570985008687907853269984665640564039457584007913129639936rwa", "0s", int64(-1), uint64(1<<63), uint16(0))
	f.Add(uint8(1), uint8(0), s("svc"), "a", "1rwa", "36500d", int64(9_223_372_036_854_775_807), uint64(0), uint16(2))
	f.Fuzz(func(t *testing.T, kind, who uint8, admin, svc, amount, duration string, start int64, id uint64, blocks uint16) {
		if len(admin)+len(svc)+len(amount)+len(duration) > 2048 {
			return
		}
		for _, v := range []string{admin, svc, amount, duration} {
			if !utf8.ValidString(v) {
				return
			}
		}
		x := newRewardModelH(t)
		x.ok("svc", program("svc", "a", "1000rwa", "100s"))
		later := program("svc2", "b", "1000000000000rwb", "1d")
		later.StartS = x.time + 50
		x.ok("svc2", later)
		x.advance(block_s)
		signer := rewardFuzzLabels[int(who)%len(rewardFuzzLabels)]
		var msg proto.Message
		switch kind % 4 {
		case 0:
			msg = &tx.MsgCreateRewardProgram{Admin: admin, Service: svc, Amount: amount, Duration: duration, StartS: start}
		case 1: // start relative to now (wrapping is part of the input)
			msg = &tx.MsgCreateRewardProgram{Admin: admin, Service: svc, Amount: amount, Duration: duration, StartS: x.time + start}
		case 2:
			msg = &tx.MsgCancelRewardProgram{Admin: admin, Id: id}
		default:
			msg = &tx.MsgClaimRewards{Account: admin}
		}
		before := rewardFuzzBalances(x)
		r := x.deliver(signer, msg)
		if r.Code == chain.CodeInternal {
			t.Fatalf("internal error: %s", r.Log)
		}
		if m, ok := msg.(*tx.MsgCreateRewardProgram); ok && r.Code == chain.CodeOK {
			pg := x.program(3)
			after := rewardFuzzBalances(x)
			if sum, err := after[pg.Denom].Add(pg.Amount); err != nil || !before[pg.Denom].Eq(sum) {
				t.Fatalf("program %+v (from %+v) escrowed %s of %s", pg, m, before[pg.Denom], after[pg.Denom])
			}
		}
		for i := 0; i <= int(blocks%8); i++ {
			x.advance(1 + int64(blocks)*int64(i+1)%5000) // invariants at commit; BeginBlock must not fail
		}
		for _, l := range rewardFuzzLabels {
			if r := x.deliver(l, claim(l)); r.Code != chain.CodeOK {
				t.Fatalf("%s cannot claim: %s %s", l, r.Rule, r.Log)
			}
		}
		x.advance(block_s)
	})
}

// rewardFuzzBalances is the admins' total of each reward denom.
func rewardFuzzBalances(x *h) map[string]num.Int {
	out := map[string]num.Int{}
	for _, d := range []string{"rwa", "rwb", "usdc", "stake", "eth"} {
		for _, a := range []string{"svc", "svc2"} {
			out[d], _ = out[d].Add(x.balance(a, d))
		}
	}
	return out
}
