package keyring

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/scrypt"
)

// DefaultScryptN is the scrypt cost used for new keys unless a test lowers it.
const DefaultScryptN = 1 << 15

const (
	kdfScrypt  = "scrypt"
	cipherName = "xchacha20-poly1305"
	scryptR    = 8
	scryptP    = 1
	saltSize   = 32
	// Parameters come from the file on decrypt; these caps stop a damaged
	// or hostile file from demanding gigabytes of memory or hours of CPU.
	maxScryptMem = 1 << 30
	maxScryptP   = 16
)

// errDecrypt is returned by unseal when authentication fails; callers turn
// it into a wrong-passphrase error naming the key.
var errDecrypt = errors.New("decryption failed")

// sealedSeed is the encrypted seed and everything needed to decrypt it.
type sealedSeed struct {
	KDF        string `json:"kdf"`
	N          int    `json:"n"`
	R          int    `json:"r"`
	P          int    `json:"p"`
	Salt       string `json:"salt"`
	Cipher     string `json:"cipher"`
	Nonce      string `json:"nonce"`
	Ciphertext string `json:"ciphertext"`
}

func seal(seed []byte, passphrase string, n int) (*sealedSeed, error) {
	s := &sealedSeed{KDF: kdfScrypt, N: n, R: scryptR, P: scryptP, Cipher: cipherName}
	if err := s.checkParams(); err != nil {
		return nil, err
	}
	salt := make([]byte, saltSize)
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	aead, err := s.aead(passphrase, salt)
	if err != nil {
		return nil, err
	}
	s.Salt = hex.EncodeToString(salt)
	s.Nonce = hex.EncodeToString(nonce)
	s.Ciphertext = hex.EncodeToString(aead.Seal(nil, nonce, seed, nil))
	return s, nil
}

// unseal returns the seed, errDecrypt for a wrong passphrase, or a
// description of what is malformed.
func (s *sealedSeed) unseal(passphrase string) ([]byte, error) {
	if err := s.checkParams(); err != nil {
		return nil, err
	}
	salt, err := hex.DecodeString(s.Salt)
	if err != nil || len(salt) < 16 {
		return nil, errors.New("bad salt")
	}
	nonce, err := hex.DecodeString(s.Nonce)
	if err != nil || len(nonce) != chacha20poly1305.NonceSizeX {
		return nil, errors.New("bad nonce")
	}
	ct, err := hex.DecodeString(s.Ciphertext)
	if err != nil || len(ct) != seedSize+chacha20poly1305.Overhead {
		return nil, errors.New("bad ciphertext")
	}
	aead, err := s.aead(passphrase, salt)
	if err != nil {
		return nil, err
	}
	seed, err := aead.Open(nil, nonce, ct, nil)
	if err != nil {
		return nil, errDecrypt
	}
	return seed, nil
}

func (s *sealedSeed) checkParams() error {
	switch {
	case s.KDF != kdfScrypt:
		return fmt.Errorf("unsupported kdf %q", s.KDF)
	case s.Cipher != cipherName:
		return fmt.Errorf("unsupported cipher %q", s.Cipher)
	case s.N < 2 || bits.OnesCount(uint(s.N)) != 1:
		return fmt.Errorf("scrypt n=%d is not a power of two above 1", s.N)
	case s.R < 1 || s.P < 1 || s.P > maxScryptP:
		return fmt.Errorf("scrypt r=%d p=%d out of range", s.R, s.P)
	case uint64(s.N)*uint64(s.R) > maxScryptMem/128:
		return fmt.Errorf("scrypt n=%d r=%d needs too much memory", s.N, s.R)
	}
	return nil
}

func (s *sealedSeed) aead(passphrase string, salt []byte) (cipher.AEAD, error) {
	key, err := scrypt.Key([]byte(passphrase), salt, s.N, s.R, s.P, chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	defer clear(key)
	return chacha20poly1305.NewX(key)
}
