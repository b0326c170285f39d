package keyring

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

const (
	fileVersion = 1
	seedSize    = ed25519.SeedSize
	testWarning = "UNENCRYPTED test keyring: the seed below is in plain text; for devnets and tests only"
	// maxFileSize bounds reads so a stray huge file cannot exhaust memory.
	maxFileSize = 64 << 10
)

// keyFile is the JSON form of one key on disk.
type keyFile struct {
	Version int    `json:"version"`
	Name    string `json:"name"`
	Address string `json:"address"`
	PubKey  string `json:"pubkey"`
	// Warning and Seed are set by the test backend only.
	Warning string      `json:"warning,omitempty"`
	Seed    string      `json:"seed,omitempty"`
	Crypto  *sealedSeed `json:"crypto,omitempty"`
}

// parseKeyFile decodes and checks a key file, so that every later use can
// trust its public fields.
func parseKeyFile(data []byte, name, backend string) (*keyFile, Info, error) {
	var f keyFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, Info{}, fmt.Errorf("invalid JSON: %v", err)
	}
	pub, err := hex.DecodeString(f.PubKey)
	switch {
	case f.Version != fileVersion:
		return nil, Info{}, fmt.Errorf("unsupported version %d", f.Version)
	case f.Name != name:
		return nil, Info{}, fmt.Errorf("holds key %q, not %q", f.Name, name)
	case err != nil || len(pub) != ed25519.PublicKeySize:
		return nil, Info{}, errors.New("bad public key")
	case f.Address != Bech32(AddressOf(pub)):
		return nil, Info{}, errors.New("address does not match public key")
	case backend == BackendFile && (f.Crypto == nil || f.Seed != ""):
		return nil, Info{}, errors.New("not an encrypted key")
	case backend == BackendTest && (f.Crypto != nil || f.Seed == ""):
		return nil, Info{}, errors.New("not a test-backend key")
	}
	return &f, Info{Name: f.Name, Address: f.Address, PubKey: pub}, nil
}

// readLimited reads at most maxFileSize+1 bytes so callers can reject a
// stray huge file without loading it.
func readLimited(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return io.ReadAll(io.LimitReader(fh, maxFileSize+1))
}

// writeAtomic writes data to dir/base via a temp file and rename, so a crash
// never leaves a half-written key behind.
func writeAtomic(dir, base string, data []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*") // created 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, base)); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename or removal durable. It is best effort because some
// platforms cannot sync directories; the file contents are already synced.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
