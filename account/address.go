// Package account holds addresses: the first 20 bytes of SHA-256(ed25519
// public key), written as bech32 with the prefix "rst".
package account

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/bech32"
)

// Prefix is the bech32 human-readable part of every account address.
const Prefix = "rst"

// ErrBadAddress is returned for anything that is not a valid rst address.
var ErrBadAddress = errors.New("invalid address")

// Address is a 20-byte account id.
type Address [20]byte

// FromPubKey derives the address of an ed25519 public key.
func FromPubKey(pub ed25519.PublicKey) Address {
	sum := sha256.Sum256(pub)
	var a Address
	copy(a[:], sum[:20])
	return a
}

// Module returns the address of a module account: no key can sign for it.
func Module(name string) Address {
	sum := sha256.Sum256([]byte("restaked/module/" + name))
	var a Address
	copy(a[:], sum[:20])
	return a
}

// String is the bech32 form.
func (a Address) String() string {
	conv, err := bech32.ConvertBits(a[:], 8, 5, true)
	if err != nil {
		return fmt.Sprintf("invalid(%x)", a[:])
	}
	s, err := bech32.Encode(Prefix, conv)
	if err != nil {
		return fmt.Sprintf("invalid(%x)", a[:])
	}
	return s
}

// IsZero reports the all-zero address.
func (a Address) IsZero() bool { return a == Address{} }

// Parse reads a bech32 "rst1..." address.
func Parse(s string) (Address, error) {
	var a Address
	if len(s) > 90 {
		return a, fmt.Errorf("%w: too long", ErrBadAddress)
	}
	hrp, data, err := bech32.Decode(s)
	if err != nil {
		return a, fmt.Errorf("%w %q: %v", ErrBadAddress, s, err)
	}
	if hrp != Prefix {
		return a, fmt.Errorf("%w %q: prefix %q, want %q", ErrBadAddress, s, hrp, Prefix)
	}
	raw, err := bech32.ConvertBits(data, 5, 8, false)
	if err != nil || len(raw) != 20 {
		return a, fmt.Errorf("%w %q: want 20 bytes", ErrBadAddress, s)
	}
	copy(a[:], raw)
	return a, nil
}

// MarshalText encodes as bech32.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText decodes bech32.
func (a *Address) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
