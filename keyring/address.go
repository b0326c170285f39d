package keyring

import (
	"crypto/ed25519"
	"crypto/sha256"

	"github.com/btcsuite/btcd/btcutil/bech32"
)

// HRP is the bech32 human-readable prefix of restaked account addresses.
const HRP = "rst"

// AddressOf derives the 20-byte account address of a public key: the first
// 20 bytes of SHA-256(pubkey).
func AddressOf(pub ed25519.PublicKey) [20]byte {
	sum := sha256.Sum256(pub)
	var addr [20]byte
	copy(addr[:], sum[:20])
	return addr
}

// Bech32 encodes an account address with the "rst" prefix.
func Bech32(addr [20]byte) string {
	// Neither call can fail for a 20-byte input and a fixed valid HRP, so
	// the errors are ignored rather than widening the signature.
	data, _ := bech32.ConvertBits(addr[:], 8, 5, true)
	s, _ := bech32.Encode(HRP, data)
	return s
}

// DeterministicKey derives a well-known key from a phrase. It is meant for
// devnet demo accounts and tests only: anyone who knows the phrase holds the key.
func DeterministicKey(seedPhrase string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("restaked-devkey/" + seedPhrase))
	return ed25519.NewKeyFromSeed(seed[:])
}
