package chain

import (
	"testing"
	"unicode/utf8"

	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
)

// FuzzMessages signs arbitrary field values into every message type and
// executes them: whatever the input, the result is a rule rejection or
// success — never an internal error or panic — and invariants hold after
// the block.
func FuzzMessages(f *testing.F) {
	alice, bob, val := addrOf("alice").String(), addrOf("bob").String(), addrOf(validatorLabel).String()
	f.Add(uint8(0), alice, bob, "10stake", "0.1", []byte{})
	f.Add(uint8(1), alice, val, "5stake", "0.05", consPub("x"))
	f.Add(uint8(2), alice, val, "115792089237316195423570985008687907853269984665640564039457584007913129639935stake", "1", []byte{1})
	f.Add(uint8(3), val, val, "0stake", "0.2", []byte{})
	f.Add(uint8(7), alice, "unbonding_period", "1d", "x", []byte{})
	f.Fuzz(func(t *testing.T, kind uint8, a, b, amount, dec string, bz []byte) {
		if len(a)+len(b)+len(amount)+len(dec)+len(bz) > 4096 {
			return
		}
		for _, s := range []string{a, b, amount, dec} {
			if !utf8.ValidString(s) {
				return // protobuf strings are UTF-8; such bytes fail decoding (tested in tx)
			}
		}
		h := newHarness(t, store.NewMemBase(), testGenesis(nil))
		msg := fuzzMsg(kind, a, b, amount, dec, bz)
		signer := "alice"
		if kind%2 == 1 {
			signer = validatorLabel
		}
		r := h.c.DeliverTx(h.signed(signer, "", msg))
		if r.Code == CodeInternal {
			t.Fatalf("internal error for %v: %s", msg, r.Log)
		}
		h.next() // invariants run in EndBlock
	})
}

func fuzzMsg(kind uint8, a, b, amount, dec string, bz []byte) proto.Message {
	switch kind % 8 {
	case 0:
		return &tx.MsgSend{From: a, To: b, Amount: amount}
	case 1:
		return &tx.MsgCreateValidator{Operator: a, ConsPubKey: bz, SelfDelegation: amount, Commission: dec, Moniker: b}
	case 2:
		return &tx.MsgDelegate{Delegator: a, Validator: b, Amount: amount}
	case 3:
		return &tx.MsgUndelegate{Delegator: a, Validator: b, Amount: amount}
	case 4:
		return &tx.MsgEditValidator{Operator: a, Commission: dec, Moniker: b}
	case 5:
		return &tx.MsgUnjail{Validator: a}
	case 6:
		return &tx.MsgClaimRewards{Account: a}
	default:
		return &tx.MsgSetParams{Authority: a, Params: []*tx.Param{{Name: b, Value: amount}}}
	}
}
