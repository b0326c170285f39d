package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// Four validators on loopback produce blocks; one is killed and restarted
// and catches up with the same app hash; a new validator with enough stake
// reaches CometBFT's validator set.
func TestTestnetFourValidators(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process testnet")
	}
	dir := filepath.Join(t.TempDir(), "net")
	base := freeBlock(t, 40)
	if out, err := run(t, "testnet", "--validators", "4", "--output", dir, "--base-port", fmt.Sprint(base), "--block-time", "300ms"); err != nil {
		t.Fatalf("testnet: %v\n%s", err, out)
	}
	api := func(i int) string { return fmt.Sprintf("http://127.0.0.1:%d", base+10*i+2) }
	rpc := func(i int) string { return fmt.Sprintf("http://127.0.0.1:%d", base+10*i+1) }
	home := func(i int) string { return filepath.Join(dir, fmt.Sprintf("node%d", i)) }
	procs := make([]*proc, 4)
	for i := range procs {
		procs[i] = start(t, fmt.Sprintf("node%d", i), "start", "--home", home(i), "--log-level", "warn")
	}
	for i := range procs {
		waitHeight(t, api(i), 3, 90*time.Second, procs[i])
	}

	// Kill node3 hard, let the others move on, restart it: it catches up.
	procs[3].kill()
	st := waitHeight(t, api(0), waitFrom(t, api(0))+5, 90*time.Second, procs[0])
	procs[3] = start(t, "node3-restart", "start", "--home", home(3), "--log-level", "warn")
	waitHeight(t, api(3), st.Height+2, 90*time.Second, procs[3])
	for i := 0; i < 4; i++ {
		if got, want := cometAppHash(t, rpc(i), st.Height), cometAppHash(t, rpc(0), st.Height); got != want {
			t.Fatalf("node%d app hash at %d = %s, node0 has %s", i, st.Height, got, want)
		}
	}

	// A fifth validator (20% of the power, no node behind it) joins the set.
	kr := []string{"--home", home(0), "--keyring-backend", "test"}
	if _, err := run(t, append([]string{"keys", "add", "newval"}, kr...)...); err != nil {
		t.Fatal(err)
	}
	addr, err := run(t, append([]string{"keys", "show", "newval", "-o", "json"}, kr...)...)
	if err != nil {
		t.Fatal(err)
	}
	newAddr := jsonField(t, addr, "address")
	txArgs := append([]string{"--api", api(0), "--wait", "--yes"}, kr...)
	if out, err := run(t, append([]string{"tx", "bank", "send", "validator", newAddr, "200000000000000stake"}, txArgs...)...); err != nil {
		t.Fatalf("fund: %v %s", err, out)
	}
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	if out, err := run(t, append([]string{"tx", "staking", "create-validator", "--from", "newval", "--amount", "100000000000000stake",
		"--commission", "0.1", "--moniker", "newval", "--cons-pubkey", base64.StdEncoding.EncodeToString(pub)}, txArgs...)...); err != nil {
		t.Fatalf("create-validator: %v %s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if n := cometValidators(t, rpc(1)); n == 5 {
			for _, p := range procs {
				p.stop(t)
			}
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Fatalf("new validator never reached CometBFT's set (have %d)", cometValidators(t, rpc(1)))
}

func waitFrom(t *testing.T, api string) int64 {
	var st status
	if err := getJSON(api+"/v1/status", &st); err != nil {
		t.Fatal(err)
	}
	return st.Height
}

func cometValidators(t *testing.T, rpc string) int {
	var r struct {
		Result struct {
			Total string `json:"total"`
		} `json:"result"`
	}
	if err := getJSON(rpc+"/validators", &r); err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(r.Result.Total, &n)
	return n
}

func jsonField(t *testing.T, js, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatalf("decode %q: %v", js, err)
	}
	v, ok := m[field].(string)
	if !ok {
		t.Fatalf("no string field %s in %s", field, js)
	}
	return v
}
