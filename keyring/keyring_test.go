package keyring

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const testPass = "correct horse battery staple"

// fixedPass answers every prompt with pass and records whether confirmation was asked.
func fixedPass(pass string, confirms *[]bool) func(string, bool) (string, error) {
	return func(_ string, confirm bool) (string, error) {
		if confirms != nil {
			*confirms = append(*confirms, confirm)
		}
		return pass, nil
	}
}

func open(t *testing.T, home, backend, pass string) *Keyring {
	t.Helper()
	k, err := Open(home, backend, fixedPass(pass, nil))
	if err != nil {
		t.Fatal(err)
	}
	k.ScryptN = 1 << 4 // fast tests; real keys use DefaultScryptN
	return k
}

func TestAddressKnownAnswer(t *testing.T) {
	tests := []struct {
		name    string
		pub     ed25519.PublicKey
		wantHex string
		wantB32 string
	}{
		{
			name:    "devkey alice",
			pub:     DeterministicKey("alice").Public().(ed25519.PublicKey),
			wantHex: "e0dd4dc9a65edaeea1f96fb06c5e2b22315c4d83",
			wantB32: "rst1urw5mjdxtmdwag0ed7cxch3tygc4cnvrxuf6qg",
		},
		{
			name:    "zero pubkey",
			pub:     make(ed25519.PublicKey, ed25519.PublicKeySize),
			wantHex: "66687aadf862bd776c8fc18b8e9f8e2008971485",
			wantB32: "rst1ve584t0cv27hwmy0cx9ca8uwyqyfw9y92rze7k",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := AddressOf(tc.pub)
			if got := hex.EncodeToString(addr[:]); got != tc.wantHex {
				t.Errorf("AddressOf = %s, want %s", got, tc.wantHex)
			}
			if got := Bech32(addr); got != tc.wantB32 {
				t.Errorf("Bech32 = %s, want %s", got, tc.wantB32)
			}
		})
	}
	seed := hex.EncodeToString(DeterministicKey("alice").Seed())
	if want := "65283e88d936b41bba1591921878a3c89593b627821efd43b2c8b52801bee3f2"; seed != want {
		t.Errorf("DeterministicKey seed = %s, want %s", seed, want)
	}
}

func TestLifecycle(t *testing.T) {
	for _, backend := range []string{BackendFile, BackendTest} {
		t.Run(backend, func(t *testing.T) {
			k := open(t, t.TempDir(), backend, testPass)
			if list, err := k.List(); err != nil || len(list) != 0 {
				t.Fatalf("List on empty keyring = %v, %v", list, err)
			}
			bob, seedHex, err := k.Add("bob")
			if err != nil {
				t.Fatal(err)
			}
			if len(seedHex) != 64 || !strings.HasPrefix(bob.Address, "rst1") {
				t.Fatalf("Add returned seed %q, address %q", seedHex, bob.Address)
			}
			alice, err := k.Import("alice", hex.EncodeToString(DeterministicKey("alice").Seed()))
			if err != nil {
				t.Fatal(err)
			}
			if alice.Address != "rst1urw5mjdxtmdwag0ed7cxch3tygc4cnvrxuf6qg" {
				t.Errorf("imported alice address = %s", alice.Address)
			}

			got, err := k.Get("bob")
			if err != nil || got.Address != bob.Address || !got.PubKey.Equal(bob.PubKey) {
				t.Fatalf("Get(bob) = %+v, %v; want %+v", got, err, bob)
			}
			list, err := k.List()
			if err != nil || len(list) != 2 || list[0].Name != "alice" || list[1].Name != "bob" {
				t.Fatalf("List = %+v, %v", list, err)
			}

			priv, info, err := k.Signer("bob")
			if err != nil {
				t.Fatal(err)
			}
			msg := []byte("restaked")
			if info.Name != "bob" || !ed25519.Verify(bob.PubKey, msg, ed25519.Sign(priv, msg)) {
				t.Fatal("Signer key does not match stored public key")
			}
			if hex.EncodeToString(priv.Seed()) != seedHex {
				t.Error("Signer seed differs from the seed returned by Add")
			}

			if err := k.Delete("bob"); err != nil {
				t.Fatal(err)
			}
			if _, err := k.Get("bob"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Get after Delete: %v, want ErrNotFound", err)
			}
			if err := k.Delete("bob"); !errors.Is(err, ErrNotFound) {
				t.Errorf("second Delete: %v, want ErrNotFound", err)
			}
			if list, _ := k.List(); len(list) != 1 {
				t.Errorf("List after Delete has %d keys, want 1", len(list))
			}
		})
	}
}

func TestErrors(t *testing.T) {
	seed := hex.EncodeToString(DeterministicKey("x").Seed())
	type errCase struct {
		name    string
		pass    string // passphrase given when using the keyring
		op      func(k *Keyring) error
		wantIs  error
		wantMsg string
	}
	tests := []errCase{
		{"duplicate add", testPass, func(k *Keyring) error { _, _, err := k.Add("alice"); return err }, ErrExists, `key "alice": already exists`},
		{"duplicate import", testPass, func(k *Keyring) error { _, err := k.Import("alice", seed); return err }, ErrExists, "already exists"},
		{"wrong passphrase signer", "nope", func(k *Keyring) error { _, _, err := k.Signer("alice"); return err }, ErrWrongPassphrase, "wrong passphrase for key alice"},
		{"wrong passphrase export", "nope", func(k *Keyring) error { _, err := k.Export("alice"); return err }, ErrWrongPassphrase, "wrong passphrase for key alice"},
		{"empty passphrase", "", func(k *Keyring) error { _, _, err := k.Add("bob"); return err }, nil, "passphrase must not be empty"},
		{"bad seed hex", testPass, func(k *Keyring) error { _, err := k.Import("bob", "zz"); return err }, nil, "64 hex characters"},
		{"short seed", testPass, func(k *Keyring) error { _, err := k.Import("bob", "abcd"); return err }, nil, "64 hex characters"},
		{"get missing", testPass, func(k *Keyring) error { _, err := k.Get("bob"); return err }, ErrNotFound, `key "bob": not found`},
		{"signer missing", testPass, func(k *Keyring) error { _, _, err := k.Signer("bob"); return err }, ErrNotFound, "not found"},
		{"delete missing", testPass, func(k *Keyring) error { return k.Delete("bob") }, ErrNotFound, "not found"},
	}
	for _, name := range []string{"", "Alice", "a b", "../x", "a/b", "a.b", "ü", strings.Repeat("a", 65)} {
		tests = append(tests,
			errCase{"bad name add " + name, testPass, func(k *Keyring) error { _, _, err := k.Add(name); return err }, nil, "invalid key name"},
			errCase{"bad name import " + name, testPass, func(k *Keyring) error { _, err := k.Import(name, seed); return err }, nil, "invalid key name"},
			errCase{"bad name get " + name, testPass, func(k *Keyring) error { _, err := k.Get(name); return err }, nil, "invalid key name"},
			errCase{"bad name delete " + name, testPass, func(k *Keyring) error { return k.Delete(name) }, nil, "invalid key name"},
		)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			if _, _, err := open(t, home, BackendFile, testPass).Add("alice"); err != nil {
				t.Fatal(err)
			}
			err := tc.op(open(t, home, BackendFile, tc.pass))
			if err == nil {
				t.Fatal("want error, got nil")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %q does not wrap %q", err, tc.wantIs)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tc.wantMsg)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	pass := fixedPass(testPass, nil)
	tests := []struct {
		name, home, backend string
		pass                func(string, bool) (string, error)
		wantMsg             string
	}{
		{"unknown backend", "h", "os", pass, `unknown keyring backend "os"`},
		{"file without passphrase", "h", BackendFile, nil, "needs a passphrase source"},
		{"empty home", "", BackendTest, nil, "home directory is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.home, tc.backend, tc.pass)
			if err == nil || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("Open error = %v, want %q", err, tc.wantMsg)
			}
		})
	}
}

func TestPassphrasePrompts(t *testing.T) {
	var confirms []bool
	k, err := Open(t.TempDir(), BackendFile, fixedPass(testPass, &confirms))
	if err != nil {
		t.Fatal(err)
	}
	k.ScryptN = 1 << 4
	if _, _, err := k.Add("alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := k.Add("alice"); !errors.Is(err, ErrExists) {
		t.Fatal(err)
	}
	if _, err := k.Get("alice"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := k.Signer("alice"); err != nil {
		t.Fatal(err)
	}
	// One confirmed prompt to encrypt, none for the duplicate or Get, one to decrypt.
	if len(confirms) != 2 || !confirms[0] || confirms[1] {
		t.Errorf("prompts (confirm flags) = %v, want [true false]", confirms)
	}

	failing := func(string, bool) (string, error) { return "", errors.New("no terminal") }
	k, _ = Open(t.TempDir(), BackendFile, failing)
	if _, _, err := k.Add("alice"); err == nil || !strings.Contains(err.Error(), "no terminal") {
		t.Errorf("Add with failing passphrase source: %v", err)
	}
	// The test backend never asks.
	k, _ = Open(t.TempDir(), BackendTest, failing)
	if _, _, err := k.Add("alice"); err != nil {
		t.Error(err)
	}
}

// rewrite edits the JSON of a stored key file in place.
func rewrite(t *testing.T, path string, edit func(m map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if data, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptFile(t *testing.T) {
	other := DeterministicKey("other").Public().(ed25519.PublicKey)
	raw := func(s string) func(*testing.T, string) {
		return func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	edit := func(f func(m, c map[string]any)) func(*testing.T, string) {
		return func(t *testing.T, path string) {
			rewrite(t, path, func(m map[string]any) {
				c, _ := m["crypto"].(map[string]any)
				f(m, c)
			})
		}
	}
	tests := []struct {
		name    string
		backend string
		damage  func(t *testing.T, path string)
		wantIs  error
		decrypt bool // damage only shows once the seed is recovered
	}{
		{"empty", BackendFile, raw(""), ErrCorrupt, false},
		{"garbage", BackendFile, raw("\x00\xffnot json"), ErrCorrupt, false},
		{"truncated", BackendFile, raw(`{"version":1,"name":"alice"`), ErrCorrupt, false},
		{"json array", BackendFile, raw(`[1,2,3]`), ErrCorrupt, false},
		{"null", BackendFile, raw(`null`), ErrCorrupt, false},
		{"too large", BackendFile, raw(strings.Repeat(" ", maxFileSize+1)), ErrCorrupt, false},
		{"unknown field", BackendFile, edit(func(m, _ map[string]any) { m["extra"] = 1 }), ErrCorrupt, false},
		{"wrong version", BackendFile, edit(func(m, _ map[string]any) { m["version"] = 9 }), ErrCorrupt, false},
		{"name mismatch", BackendFile, edit(func(m, _ map[string]any) { m["name"] = "bob" }), ErrCorrupt, false},
		{"bad pubkey hex", BackendFile, edit(func(m, _ map[string]any) { m["pubkey"] = "xyz" }), ErrCorrupt, false},
		{"short pubkey", BackendFile, edit(func(m, _ map[string]any) { m["pubkey"] = "abcd" }), ErrCorrupt, false},
		{"address mismatch", BackendFile, edit(func(m, _ map[string]any) { m["address"] = "rst1ve584t0cv27hwmy0cx9ca8uwyqyfw9y92rze7k" }), ErrCorrupt, false},
		{"missing crypto", BackendFile, edit(func(m, _ map[string]any) { delete(m, "crypto") }), ErrCorrupt, false},
		{"plain seed in file backend", BackendFile, edit(func(m, _ map[string]any) { m["seed"] = strings.Repeat("00", 32) }), ErrCorrupt, false},
		{"crypto is a string", BackendFile, edit(func(m, _ map[string]any) { m["crypto"] = "x" }), ErrCorrupt, false},
		{"swapped pubkey", BackendFile, edit(func(m, _ map[string]any) {
			m["pubkey"] = hex.EncodeToString(other)
			m["address"] = Bech32(AddressOf(other))
		}), ErrCorrupt, true},
		{"huge scrypt n", BackendFile, edit(func(_, c map[string]any) { c["n"] = 1 << 40 }), ErrCorrupt, true},
		{"scrypt n not power of two", BackendFile, edit(func(_, c map[string]any) { c["n"] = 1000 }), ErrCorrupt, true},
		{"negative scrypt r", BackendFile, edit(func(_, c map[string]any) { c["r"] = -1 }), ErrCorrupt, true},
		{"huge scrypt p", BackendFile, edit(func(_, c map[string]any) { c["p"] = 1 << 20 }), ErrCorrupt, true},
		{"unknown kdf", BackendFile, edit(func(_, c map[string]any) { c["kdf"] = "pbkdf2" }), ErrCorrupt, true},
		{"unknown cipher", BackendFile, edit(func(_, c map[string]any) { c["cipher"] = "aes" }), ErrCorrupt, true},
		{"bad salt", BackendFile, edit(func(_, c map[string]any) { c["salt"] = "00" }), ErrCorrupt, true},
		{"bad nonce", BackendFile, edit(func(_, c map[string]any) { c["nonce"] = "0011" }), ErrCorrupt, true},
		{"short ciphertext", BackendFile, edit(func(_, c map[string]any) { c["ciphertext"] = "00" }), ErrCorrupt, true},
		{"tampered ciphertext", BackendFile, edit(func(_, c map[string]any) {
			ct, _ := hex.DecodeString(c["ciphertext"].(string))
			ct[0] ^= 1
			c["ciphertext"] = hex.EncodeToString(ct)
		}), ErrWrongPassphrase, true},
		{"test: missing seed", BackendTest, edit(func(m, _ map[string]any) { delete(m, "seed") }), ErrCorrupt, false},
		{"test: bad seed hex", BackendTest, edit(func(m, _ map[string]any) { m["seed"] = "zz" }), ErrCorrupt, true},
		{"test: wrong seed", BackendTest, edit(func(m, _ map[string]any) { m["seed"] = strings.Repeat("11", 32) }), ErrCorrupt, true},
		{"test: has crypto", BackendTest, edit(func(m, _ map[string]any) { m["crypto"] = map[string]any{} }), ErrCorrupt, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := open(t, t.TempDir(), tc.backend, testPass)
			if _, _, err := k.Add("alice"); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, k.path("alice"))

			var errs []error
			if !tc.decrypt {
				_, err := k.Get("alice")
				errs = append(errs, err)
				_, err = k.List()
				errs = append(errs, err)
			}
			_, _, err := k.Signer("alice")
			errs = append(errs, err)
			_, err = k.Export("alice")
			errs = append(errs, err)
			for i, err := range errs {
				if err == nil {
					t.Fatalf("call %d: want error, got nil", i)
				}
				if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
					t.Errorf("call %d: error %q does not wrap %q", i, err, tc.wantIs)
				}
			}
			// A damaged key can still be removed.
			if err := k.Delete("alice"); err != nil {
				t.Errorf("Delete damaged key: %v", err)
			}
		})
	}
}

func TestFileFormat(t *testing.T) {
	tests := []struct {
		backend   string
		wantWords []string
		seedShown bool
	}{
		{BackendFile, []string{`"kdf": "scrypt"`, `"cipher": "xchacha20-poly1305"`, `"salt"`, `"nonce"`, `"ciphertext"`}, false},
		{BackendTest, []string{"UNENCRYPTED", "devnets and tests only", `"seed"`}, true},
	}
	for _, tc := range tests {
		t.Run(tc.backend, func(t *testing.T) {
			home := t.TempDir()
			k := open(t, home, tc.backend, testPass)
			info, seedHex, err := k.Add("alice")
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(home, "keyring-"+tc.backend)
			if k.Dir() != dir {
				t.Errorf("Dir = %s, want %s", k.Dir(), dir)
			}
			data, err := os.ReadFile(filepath.Join(dir, "alice.key"))
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			for _, w := range append(tc.wantWords, `"name": "alice"`, info.Address, hex.EncodeToString(info.PubKey)) {
				if !strings.Contains(text, w) {
					t.Errorf("key file lacks %q:\n%s", w, text)
				}
			}
			if got := strings.Contains(text, seedHex); got != tc.seedShown {
				t.Errorf("seed in file = %v, want %v", got, tc.seedShown)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("directory holds %d entries, want only alice.key (no temp files)", len(entries))
			}
			if runtime.GOOS != "windows" {
				checkMode(t, dir, 0o700)
				checkMode(t, filepath.Join(dir, "alice.key"), 0o600)
			}
		})
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != want {
		t.Errorf("%s mode = %o, want %o", path, got, want)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	tests := []struct{ from, to string }{
		{BackendFile, BackendFile},
		{BackendFile, BackendTest},
		{BackendTest, BackendFile},
		{BackendTest, BackendTest},
	}
	for _, tc := range tests {
		t.Run(tc.from+"-to-"+tc.to, func(t *testing.T) {
			src := open(t, t.TempDir(), tc.from, testPass)
			orig, seedHex, err := src.Add("alice")
			if err != nil {
				t.Fatal(err)
			}
			exported, err := src.Export("alice")
			if err != nil {
				t.Fatal(err)
			}
			if exported != seedHex {
				t.Errorf("Export = %s, want the seed from Add", exported)
			}
			dst := open(t, t.TempDir(), tc.to, "another passphrase")
			got, err := dst.Import("restored", " "+strings.ToUpper(exported)+"\n")
			if err != nil {
				t.Fatal(err)
			}
			if got.Address != orig.Address || !got.PubKey.Equal(orig.PubKey) {
				t.Errorf("imported %s, want %s", got.Address, orig.Address)
			}
			if again, err := dst.Export("restored"); err != nil || again != seedHex {
				t.Errorf("re-export = %s, %v", again, err)
			}
		})
	}
}
