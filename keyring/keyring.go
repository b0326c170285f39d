// Package keyring stores ed25519 account keys on disk, one JSON file per key.
//
// The file backend encrypts each seed with a passphrase (scrypt +
// XChaCha20-Poly1305). The test backend stores seeds in plain text and is
// meant only for devnets and tests.
package keyring

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Backend names accepted by Open.
const (
	BackendFile = "file"
	BackendTest = "test"
)

// Errors callers may want to tell apart; returned errors wrap them and name the key.
var (
	ErrNotFound        = errors.New("not found")
	ErrExists          = errors.New("already exists")
	ErrWrongPassphrase = errors.New("wrong passphrase")
	ErrCorrupt         = errors.New("corrupt key file")
)

// Info is the public part of a stored key.
type Info struct {
	Name    string
	Address string // bech32, "rst1..."
	PubKey  ed25519.PublicKey
}

// Keyring is a directory of keys for one backend.
type Keyring struct {
	// ScryptN is the scrypt cost for keys written from now on. Tests may
	// lower it to run fast; decryption always uses the cost stored in the file.
	ScryptN int

	dir        string
	backend    string
	passphrase func(prompt string, confirm bool) (string, error)
}

// Open returns the keyring for backend under home. Nothing is created on
// disk until a key is written. passphrase is asked when a key is encrypted
// (confirm=true) or decrypted; the test backend never calls it.
func Open(home, backend string, passphrase func(prompt string, confirm bool) (string, error)) (*Keyring, error) {
	if home == "" {
		return nil, errors.New("keyring home directory is empty")
	}
	switch backend {
	case BackendFile:
		if passphrase == nil {
			return nil, errors.New("the file keyring backend needs a passphrase source")
		}
	case BackendTest:
	default:
		return nil, fmt.Errorf("unknown keyring backend %q (use %q or %q)", backend, BackendFile, BackendTest)
	}
	return &Keyring{
		ScryptN:    DefaultScryptN,
		dir:        filepath.Join(home, "keyring-"+backend),
		backend:    backend,
		passphrase: passphrase,
	}, nil
}

// Dir is the directory holding the key files.
func (k *Keyring) Dir() string { return k.dir }

// Add creates a new random key and returns its seed in hex so the user can
// back it up; the seed is the only way to recover the key.
func (k *Keyring) Add(name string) (Info, string, error) {
	seed := make([]byte, seedSize)
	if _, err := rand.Read(seed); err != nil {
		return Info{}, "", err
	}
	defer clear(seed)
	info, err := k.store(name, seed)
	if err != nil {
		return Info{}, "", err
	}
	return info, hex.EncodeToString(seed), nil
}

// Import stores a key from its 32-byte seed in hex, as given by Export or Add.
func (k *Keyring) Import(name, seedHex string) (Info, error) {
	seed, err := hex.DecodeString(strings.TrimSpace(seedHex))
	if err != nil || len(seed) != seedSize {
		return Info{}, errors.New("seed must be 64 hex characters (32 bytes)")
	}
	defer clear(seed)
	return k.store(name, seed)
}

// Export returns the key's seed in hex, decrypting it first.
func (k *Keyring) Export(name string) (string, error) {
	seed, _, err := k.seed(name)
	if err != nil {
		return "", err
	}
	defer clear(seed)
	return hex.EncodeToString(seed), nil
}

// Signer returns the decrypted private key.
func (k *Keyring) Signer(name string) (ed25519.PrivateKey, Info, error) {
	seed, info, err := k.seed(name)
	if err != nil {
		return nil, Info{}, err
	}
	defer clear(seed)
	return ed25519.NewKeyFromSeed(seed), info, nil
}

// Get returns the public part of a key without decrypting it.
func (k *Keyring) Get(name string) (Info, error) {
	_, info, err := k.load(name)
	return info, err
}

// List returns all keys sorted by name. A damaged key file is an error
// rather than silently skipped, so a key never seems to vanish.
func (k *Keyring) List() ([]Info, error) {
	entries, err := os.ReadDir(k.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".key")
		if !ok || !e.Type().IsRegular() || validName(name) != nil {
			continue // temp files and foreign files
		}
		_, info, err := k.load(name)
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Delete removes a key file.
func (k *Keyring) Delete(name string) error {
	if err := validName(name); err != nil {
		return err
	}
	err := os.Remove(k.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("key %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return err
	}
	syncDir(k.dir)
	return nil
}

func (k *Keyring) path(name string) string {
	return filepath.Join(k.dir, name+".key")
}

// store writes a new key file for seed, refusing to replace an existing key.
func (k *Keyring) store(name string, seed []byte) (Info, error) {
	if err := validName(name); err != nil {
		return Info{}, err
	}
	// Checked before asking for a passphrase so the user is not prompted in vain.
	if _, err := os.Lstat(k.path(name)); err == nil {
		return Info{}, fmt.Errorf("key %q: %w", name, ErrExists)
	}
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	info := Info{Name: name, Address: Bech32(AddressOf(pub)), PubKey: pub}
	f := keyFile{Version: fileVersion, Name: name, Address: info.Address, PubKey: hex.EncodeToString(pub)}
	if k.backend == BackendTest {
		f.Warning = testWarning
		f.Seed = hex.EncodeToString(seed)
	} else {
		pass, err := k.ask(fmt.Sprintf("Enter a passphrase to encrypt key %q", name), true)
		if err != nil {
			return Info{}, err
		}
		if pass == "" {
			return Info{}, errors.New("passphrase must not be empty")
		}
		if f.Crypto, err = seal(seed, pass, k.ScryptN); err != nil {
			return Info{}, fmt.Errorf("encrypting key %q: %v", name, err)
		}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return Info{}, err
	}
	if err := writeAtomic(k.dir, name+".key", append(data, '\n')); err != nil {
		return Info{}, fmt.Errorf("writing key %q: %w", name, err)
	}
	return info, nil
}

// load reads and checks a key file.
func (k *Keyring) load(name string) (*keyFile, Info, error) {
	if err := validName(name); err != nil {
		return nil, Info{}, err
	}
	data, err := readLimited(k.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, fmt.Errorf("key %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("reading key %q: %w", name, err)
	}
	if len(data) > maxFileSize {
		return nil, Info{}, k.corrupt(name, errors.New("file too large"))
	}
	f, info, err := parseKeyFile(data, name, k.backend)
	if err != nil {
		return nil, Info{}, k.corrupt(name, err)
	}
	return f, info, nil
}

// seed loads a key and recovers its seed, checking it against the stored
// public key so a damaged file cannot yield a different key.
func (k *Keyring) seed(name string) ([]byte, Info, error) {
	f, info, err := k.load(name)
	if err != nil {
		return nil, Info{}, err
	}
	var seed []byte
	if k.backend == BackendTest {
		if seed, err = hex.DecodeString(f.Seed); err != nil || len(seed) != seedSize {
			return nil, Info{}, k.corrupt(name, errors.New("bad seed"))
		}
	} else {
		pass, err := k.ask(fmt.Sprintf("Enter the passphrase for key %q", name), false)
		if err != nil {
			return nil, Info{}, err
		}
		seed, err = f.Crypto.unseal(pass)
		if errors.Is(err, errDecrypt) {
			return nil, Info{}, fmt.Errorf("%w for key %s", ErrWrongPassphrase, name)
		}
		if err != nil {
			return nil, Info{}, k.corrupt(name, err)
		}
	}
	if !bytes.Equal(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey), info.PubKey) {
		clear(seed)
		return nil, Info{}, k.corrupt(name, errors.New("seed does not match public key"))
	}
	return seed, info, nil
}

func (k *Keyring) ask(prompt string, confirm bool) (string, error) {
	pass, err := k.passphrase(prompt, confirm)
	if err != nil {
		return "", fmt.Errorf("reading passphrase: %w", err)
	}
	return pass, nil
}

func (k *Keyring) corrupt(name string, err error) error {
	return fmt.Errorf("%w %s: %v", ErrCorrupt, k.path(name), err)
}

// validName accepts 1-64 characters from [a-z0-9_-], which keeps names safe
// to use as file names on every platform.
func validName(name string) error {
	ok := len(name) >= 1 && len(name) <= 64
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
	}
	if !ok {
		return fmt.Errorf("invalid key name %q: use 1-64 characters from a-z, 0-9, _ and -", name)
	}
	return nil
}
