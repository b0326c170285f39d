package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/restaked/restaked/keyring"
)

// runKeys executes the keys command against home and returns stdout, stderr and the error.
func runKeys(t *testing.T, home, stdin string, args ...string) (string, string, error) {
	t.Helper()
	cmd := keysCmd()
	var out, errOut strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(append(args, "--home", home))
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func mustRun(t *testing.T, home, stdin string, args ...string) string {
	t.Helper()
	out, errOut, err := runKeys(t, home, stdin, args...)
	if err != nil {
		t.Fatalf("keys %v: %v\nstderr: %s", args, err, errOut)
	}
	return out
}

func decodeKey(t *testing.T, out string) keyJSON {
	t.Helper()
	var k keyJSON
	if err := json.Unmarshal([]byte(out), &k); err != nil {
		t.Fatalf("bad JSON %q: %v", out, err)
	}
	return k
}

// unsetPassphraseEnv clears the variable for one test and restores it afterwards.
func unsetPassphraseEnv(t *testing.T) {
	t.Setenv(passphraseEnv, "")
	os.Unsetenv(passphraseEnv)
}

func TestKeysTestBackendFlow(t *testing.T) {
	home := t.TempDir()
	tb := []string{"--keyring-backend", "test"}
	run := func(stdin string, args ...string) string { return mustRun(t, home, stdin, append(args, tb...)...) }

	alice := decodeKey(t, run("", "add", "alice", "-o", "json"))
	if !strings.HasPrefix(alice.Address, "rst1") || len(alice.Seed) != 64 {
		t.Fatalf("add: %+v", alice)
	}
	if out := run("", "show", "alice"); !strings.Contains(out, alice.Address) || !strings.Contains(out, alice.PubKey) {
		t.Errorf("show: %q", out)
	}
	if out := strings.TrimSpace(run("", "export", "alice")); out != alice.Seed {
		t.Errorf("export = %q, want %q", out, alice.Seed)
	}
	bob := decodeKey(t, run("", "import", "bob", alice.Seed, "-o", "json"))
	carol := decodeKey(t, run(alice.Seed+"\n", "import", "carol", "-", "-o", "json"))
	if bob.Address != alice.Address || carol.Address != alice.Address || bob.Seed != "" {
		t.Errorf("import: bob %+v carol %+v, want address %s", bob, carol, alice.Address)
	}

	var list []keyJSON
	if err := json.Unmarshal([]byte(run("", "list", "-o", "json")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Name != "alice" || list[2].Name != "carol" {
		t.Errorf("list: %+v", list)
	}
	if out := run("", "list"); !strings.Contains(out, "NAME") || !strings.Contains(out, "bob") {
		t.Errorf("list text: %q", out)
	}

	if _, _, err := runKeys(t, home, "n\n", append([]string{"delete", "bob"}, tb...)...); err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("delete answered n: %v", err)
	}
	run("y\n", "delete", "bob")
	run("", "delete", "carol", "--yes")
	run("", "delete", "alice", "-y")
	_, errOut, err := runKeys(t, home, "", append([]string{"list"}, tb...)...)
	if err != nil || !strings.Contains(errOut, "no keys") {
		t.Errorf("list after delete: %v, stderr %q", err, errOut)
	}
	if out := run("", "list", "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("empty list json = %q, want []", out)
	}
}

func TestKeysFileBackend(t *testing.T) {
	t.Run("env passphrase", func(t *testing.T) {
		home := t.TempDir()
		t.Setenv(passphraseEnv, "s3cret passphrase")
		alice := decodeKey(t, mustRun(t, home, "", "add", "alice", "-o", "json"))
		if got := decodeKey(t, mustRun(t, home, "", "export", "alice", "-o", "json")); got.Seed != alice.Seed {
			t.Errorf("export seed %q, want %q", got.Seed, alice.Seed)
		}
		t.Setenv(passphraseEnv, "wrong")
		_, _, err := runKeys(t, home, "", "export", "alice")
		if err == nil || err.Error() != "wrong passphrase for key alice" {
			t.Errorf("export with wrong passphrase: %v", err)
		}
	})
	t.Run("typed passphrase", func(t *testing.T) {
		home := t.TempDir()
		unsetPassphraseEnv(t)
		alice := decodeKey(t, mustRun(t, home, "pw\npw\n", "add", "alice", "-o", "json"))
		if got := strings.TrimSpace(mustRun(t, home, "pw\n", "export", "alice")); got != alice.Seed {
			t.Errorf("export = %q, want %q", got, alice.Seed)
		}
		_, _, err := runKeys(t, home, "pw\nother\n", "add", "bob")
		if err == nil || !strings.Contains(err.Error(), "passphrases do not match") {
			t.Errorf("mismatched confirmation: %v", err)
		}
		_, _, err = runKeys(t, home, "", "export", "alice")
		if err == nil || !strings.Contains(err.Error(), passphraseEnv) {
			t.Errorf("no passphrase on stdin: %v", err)
		}
	})
}

func TestKeysErrors(t *testing.T) {
	home := t.TempDir()
	mustRun(t, home, "", "add", "alice", "--keyring-backend", "test")
	tests := []struct {
		name    string
		args    []string
		wantMsg string
	}{
		{"bad output", []string{"list", "-o", "yaml"}, `unknown output format "yaml"`},
		{"bad backend", []string{"list", "--keyring-backend", "os"}, `unknown keyring backend "os"`},
		{"bad name", []string{"add", "Alice", "--keyring-backend", "test"}, "invalid key name"},
		{"duplicate", []string{"add", "alice", "--keyring-backend", "test"}, `key "alice": already exists`},
		{"missing key", []string{"show", "bob", "--keyring-backend", "test"}, `key "bob": not found`},
		{"bad seed", []string{"import", "bob", "xyz", "--keyring-backend", "test"}, "64 hex characters"},
		{"missing arg", []string{"show"}, "accepts 1 arg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runKeys(t, home, "", tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error = %v, want %q", err, tc.wantMsg)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(home, "keyring-"+keyring.BackendTest, "alice.key")); err != nil {
		t.Errorf("alice.key should survive failed commands: %v", err)
	}
}
