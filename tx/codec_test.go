package tx

import (
	"crypto/ed25519"
	"crypto/sha256"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

func testKey(seed string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(seed))
	return ed25519.NewKeyFromSeed(s[:])
}

func sendBody(chain string, seq uint64) *Body {
	m, _ := Wrap(&MsgSend{From: "a", To: "b", Amount: "1stake"})
	return &Body{ChainId: chain, Sequence: seq, Fee: "1stake", Msgs: []*Msg{m}}
}

func TestSignDecodeVerify(t *testing.T) {
	k := testKey("alice")
	raw, err := Sign(k, sendBody("c1", 7))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if d.Body.Sequence != 7 || d.Body.Msgs[0].GetSend().Amount != "1stake" {
		t.Fatalf("decoded %+v", d.Body)
	}
	if err := d.VerifySignature("c1"); err != nil {
		t.Fatal(err)
	}
	if err := d.VerifySignature("c2"); err == nil {
		t.Fatal("signature accepted for another chain")
	}
	// Flip one byte of the body: signature must fail.
	d.Tx.Body[len(d.Tx.Body)-1] ^= 1
	if err := d.VerifySignature("c1"); err == nil {
		t.Fatal("tampered body accepted")
	}
}

func TestDecodeRejects(t *testing.T) {
	k := testKey("alice")
	good, _ := Sign(k, sendBody("c1", 0))
	noMsgs, _ := Sign(k, &Body{ChainId: "c1"})
	tooMany := sendBody("c1", 0)
	for len(tooMany.Msgs) <= MaxMsgs {
		tooMany.Msgs = append(tooMany.Msgs, tooMany.Msgs[0])
	}
	tooManyRaw, _ := Sign(k, tooMany)
	longMemo := sendBody("c1", 0)
	longMemo.Memo = strings.Repeat("x", MaxMemoBytes+1)
	longMemoRaw, _ := Sign(k, longMemo)
	// An unknown message type: Msg with an unassigned oneof field number.
	unknownMsg := protowire.AppendTag(nil, 99, protowire.BytesType)
	unknownMsg = protowire.AppendBytes(unknownMsg, []byte{})
	bodyBz := protowire.AppendTag(nil, 1, protowire.BytesType)
	bodyBz = protowire.AppendString(bodyBz, "c1")
	bodyBz = protowire.AppendTag(bodyBz, 4, protowire.BytesType)
	bodyBz = protowire.AppendBytes(bodyBz, unknownMsg)
	unknownRaw, _ := proto.Marshal(&Tx{Body: bodyBz, PubKey: k.Public().(ed25519.PublicKey), Signature: make([]byte, 64)})
	shortKey, _ := proto.Marshal(&Tx{Body: []byte{}, PubKey: []byte{1}, Signature: make([]byte, 64)})
	cases := map[string][]byte{
		"empty": nil, "garbage": []byte{0xff, 0xff, 0xff}, "no messages": noMsgs, "too many messages": tooManyRaw,
		"long memo": longMemoRaw, "unknown message": unknownRaw, "short key": shortKey,
		"oversize": make([]byte, MaxTxBytes+1),
	}
	for name, raw := range cases {
		if _, err := Decode(raw); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Decode(good); err != nil {
		t.Fatalf("good tx rejected: %v", err)
	}
}

func TestWrapUnwrapEveryMessage(t *testing.T) {
	fields := sumField().Fields()
	if fields.Len() < 28 {
		t.Fatalf("only %d message types in the oneof", fields.Len())
	}
	for i := 0; i < fields.Len(); i++ {
		m := (&Msg{}).ProtoReflect().NewField(fields.Get(i)).Message().Interface()
		w, err := Wrap(m)
		if err != nil {
			t.Fatal(err)
		}
		if Unwrap(w) != m {
			t.Fatalf("%T did not round trip", m)
		}
	}
	if _, err := Wrap(&Tx{}); err == nil {
		t.Fatal("non-message wrapped")
	}
}

// FuzzDecode: arbitrary bytes never panic, and whatever decodes re-verifies
// consistently (decoding is a pure function of the bytes).
func FuzzDecode(f *testing.F) {
	k := testKey("fuzz")
	good, _ := Sign(k, sendBody("c1", 1))
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x00})
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := Decode(raw)
		if err != nil {
			return
		}
		if len(d.Body.Msgs) == 0 || len(d.Body.Msgs) > MaxMsgs {
			t.Fatalf("decoded %d messages", len(d.Body.Msgs))
		}
		for _, m := range d.Body.Msgs {
			if Unwrap(m) == nil {
				t.Fatal("decoded a message with no type")
			}
		}
		_ = d.VerifySignature("c1")
	})
}

func TestSignMsgs(t *testing.T) {
	k := testKey("signmsgs")
	raw, err := SignMsgs(k, "c1", 7, "10stake", &MsgSend{From: "a", To: "b", Amount: "1stake"}, &MsgUnjail{Validator: "v"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(raw)
	if err != nil || d.Body.ChainId != "c1" || d.Body.Sequence != 7 || d.Body.Fee != "10stake" || len(d.Body.Msgs) != 2 {
		t.Fatalf("decoded %+v, %v", d, err)
	}
	if err := d.VerifySignature("c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := SignMsgs(k, "c1", 0, "", &Tx{}); err == nil {
		t.Fatal("a non-message was signed")
	}
}
