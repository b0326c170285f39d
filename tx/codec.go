// Package tx is the transaction wire format (generated from
// proto/restaked/tx/v1/tx.proto) plus decoding, signing and verification.
package tx

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
	"github.com/restaked/restaked/account"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Bounds on what a transaction may carry, checked before anything else.
const (
	MaxTxBytes   = 64 << 10
	MaxMsgs      = 32
	MaxMemoBytes = 256
)

// ErrDecode wraps every decoding failure.
var ErrDecode = errors.New("tx decode")

// signDomain separates restaked tx signatures from any other use of a key.
const signDomain = "restaked/tx/v1\x00"

// SignBytes are the bytes an account signs: domain, chain id, body.
func SignBytes(chainID string, body []byte) []byte {
	out := make([]byte, 0, len(signDomain)+len(chainID)+1+len(body))
	out = append(out, signDomain...)
	out = append(out, chainID...)
	out = append(out, 0)
	return append(out, body...)
}

var det = proto.MarshalOptions{Deterministic: true}

// Sign encodes body, signs it for chainID with priv and returns the tx bytes.
func Sign(priv ed25519.PrivateKey, body *Body) ([]byte, error) {
	bz, err := det.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode tx body: %w", err)
	}
	t := &Tx{Body: bz, PubKey: priv.Public().(ed25519.PublicKey), Signature: ed25519.Sign(priv, SignBytes(body.ChainId, bz))}
	return det.Marshal(t)
}

// Decoded is a structurally valid transaction (signature not yet checked).
type Decoded struct {
	Tx     *Tx
	Body   *Body
	Signer account.Address
}

// Decode parses raw tx bytes and checks structure: size, known fields only,
// key and signature lengths, message count, every message set.
func Decode(raw []byte) (*Decoded, error) {
	if len(raw) == 0 || len(raw) > MaxTxBytes {
		return nil, fmt.Errorf("%w: size %d bytes (must be 1..%d)", ErrDecode, len(raw), MaxTxBytes)
	}
	var t Tx
	if err := proto.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	if len(t.PubKey) != ed25519.PublicKeySize || len(t.Signature) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: public key must be %d bytes and signature %d bytes", ErrDecode, ed25519.PublicKeySize, ed25519.SignatureSize)
	}
	var b Body
	if err := proto.Unmarshal(t.Body, &b); err != nil {
		return nil, fmt.Errorf("%w: body: %v", ErrDecode, err)
	}
	if err := checkShape(&t, &b); err != nil {
		return nil, err
	}
	return &Decoded{Tx: &t, Body: &b, Signer: account.FromPubKey(t.PubKey)}, nil
}

func checkShape(t *Tx, b *Body) error {
	if hasUnknown(t.ProtoReflect()) || hasUnknown(b.ProtoReflect()) {
		return fmt.Errorf("%w: unknown fields or message types", ErrDecode)
	}
	if len(b.Msgs) == 0 || len(b.Msgs) > MaxMsgs {
		return fmt.Errorf("%w: %d messages (must be 1..%d)", ErrDecode, len(b.Msgs), MaxMsgs)
	}
	if len(b.Memo) > MaxMemoBytes {
		return fmt.Errorf("%w: memo longer than %d bytes", ErrDecode, MaxMemoBytes)
	}
	for i, m := range b.Msgs {
		if m.GetSum() == nil {
			return fmt.Errorf("%w: message %d has no known type", ErrDecode, i)
		}
	}
	return nil
}

// hasUnknown reports unknown fields anywhere in m (an unknown oneof tag is one).
func hasUnknown(m protoreflect.Message) bool {
	if len(m.GetUnknown()) > 0 {
		return true
	}
	found := false
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len() && !found; i++ {
				found = hasUnknown(l.Get(i).Message())
			}
		case fd.Message() != nil && !fd.IsMap():
			found = hasUnknown(v.Message())
		}
		return !found
	})
	return found
}

var stdlibRules = &voi.Options{Verify: voi.VerifyOptionsStdLib}

// VerifySignature checks the signature against chainID.
func (d *Decoded) VerifySignature(chainID string) error {
	if d.Body.ChainId != chainID {
		return fmt.Errorf("wrong chain id %q (this chain is %q)", d.Body.ChainId, chainID)
	}
	// curve25519-voi with the standard library's rules: the same verdicts as
	// crypto/ed25519 (which signs), at about 60% of its cost.
	if !voi.VerifyWithOptions(voi.PublicKey(d.Tx.PubKey), SignBytes(chainID, d.Tx.Body), d.Tx.Signature, stdlibRules) {
		return errors.New("signature verification failed")
	}
	return nil
}

// sumField is the Msg oneof: the message type decides the field, so
// every message the proto file lists is wrapped and unwrapped here.
// (A function: the descriptor is built by the generated file's init.)
func sumField() protoreflect.OneofDescriptor {
	return (&Msg{}).ProtoReflect().Descriptor().Oneofs().ByName("sum")
}

// Wrap builds a Msg from a concrete message (used by CLIs and the simulator).
func Wrap(m proto.Message) (*Msg, error) {
	if m == nil {
		return nil, fmt.Errorf("nil message")
	}
	name := m.ProtoReflect().Descriptor().FullName()
	fields := sumField().Fields()
	for i := 0; i < fields.Len(); i++ {
		if f := fields.Get(i); f.Message().FullName() == name {
			out := &Msg{}
			out.ProtoReflect().Set(f, protoreflect.ValueOfMessage(m.ProtoReflect()))
			return out, nil
		}
	}
	return nil, fmt.Errorf("unknown message type %T", m)
}

// Unwrap returns the concrete message inside m (nil if unset).
func Unwrap(m *Msg) proto.Message {
	r := m.ProtoReflect()
	f := r.WhichOneof(sumField())
	if f == nil {
		return nil
	}
	return r.Get(f).Message().Interface()
}

// NewBody is a Body for chainID with sequence, fee and msgs wrapped.
func NewBody(chainID string, seq uint64, fee string, msgs ...proto.Message) (*Body, error) {
	b := &Body{ChainId: chainID, Sequence: seq, Fee: fee}
	for _, m := range msgs {
		w, err := Wrap(m)
		if err != nil {
			return nil, err
		}
		b.Msgs = append(b.Msgs, w)
	}
	return b, nil
}

// SignMsgs builds the Body of msgs and signs it (NewBody, then Sign).
func SignMsgs(priv ed25519.PrivateKey, chainID string, seq uint64, fee string, msgs ...proto.Message) ([]byte, error) {
	b, err := NewBody(chainID, seq, fee, msgs...)
	if err != nil {
		return nil, err
	}
	return Sign(priv, b)
}
