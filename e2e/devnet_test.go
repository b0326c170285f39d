package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

const (
	aliceAddr = "rst1ffn0uylpa00pesfqjp2nmt9jwkep22kwypllh2"
	bobAddr   = "rst18avylcw7yxumdw0xyekuckyedy4cxc6lus45lv"
)

type devnet struct {
	home, api, rpc string
	p              *proc
	args           []string
}

func startDevnet(t *testing.T, home string) *devnet {
	t.Helper()
	ports := freePorts(t, 3)
	d := &devnet{home: home, api: fmt.Sprintf("http://127.0.0.1:%d", ports[0]), rpc: fmt.Sprintf("http://127.0.0.1:%d", ports[2])}
	d.args = []string{"devnet", "--home", home, "--api-addr", fmt.Sprintf("127.0.0.1:%d", ports[0]),
		"--p2p-port", strconv.Itoa(ports[1]), "--rpc-port", strconv.Itoa(ports[2]), "--block-time", "100ms"}
	d.p = start(t, "devnet", d.args...)
	waitHeight(t, d.api, 2, 60*time.Second, d.p)
	return d
}

func (d *devnet) restart(t *testing.T) {
	t.Helper()
	d.p = start(t, "devnet-restart", d.args...)
	waitHeight(t, d.api, 1, 60*time.Second, d.p)
}

func balanceOf(t *testing.T, api, addr, denom string) string {
	t.Helper()
	var r struct {
		Balances []struct{ Denom, Amount string } `json:"balances"`
	}
	if err := getJSON(api+"/v1/accounts/"+addr+"/balances", &r); err != nil {
		t.Fatal(err)
	}
	for _, b := range r.Balances {
		if b.Denom == denom {
			return b.Amount
		}
	}
	return "0"
}

// The devnet starts as a process, the CLI sends a transaction, the API reads it back.
func TestDevnetSendThroughCLIAndAPI(t *testing.T) {
	d := startDevnet(t, filepath.Join(t.TempDir(), "devnet"))
	before := balanceOf(t, d.api, bobAddr, "stake")
	out, err := run(t, "tx", "bank", "send", "alice", bobAddr, "1234stake", "--home", d.home,
		"--keyring-backend", "test", "--api", d.api, "--wait", "--yes", "-o", "json")
	if err != nil {
		t.Fatalf("send: %v\n%s", err, out)
	}
	var res struct {
		Hash   string `json:"hash"`
		Code   uint32 `json:"code"`
		Height int64  `json:"height"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Code != 0 || res.Hash == "" {
		t.Fatalf("send result %q: %v", out, err)
	}
	var txr struct {
		Height int64  `json:"height"`
		Code   uint32 `json:"code"`
	}
	if err := getJSON(d.api+"/v1/txs/"+res.Hash, &txr); err != nil || txr.Code != 0 || txr.Height == 0 {
		t.Fatalf("tx lookup: %+v %v", txr, err)
	}
	after := balanceOf(t, d.api, bobAddr, "stake")
	b0, _ := strconv.ParseUint(before, 10, 64)
	b1, _ := strconv.ParseUint(after, 10, 64)
	if b1 != b0+1234 {
		t.Fatalf("bob %s -> %s, want +1234", before, after)
	}
	// A rejected transaction: plain error, non-zero exit.
	if out, err := run(t, "tx", "bank", "send", "carol", bobAddr, "999999999999999999stake", "--home", d.home,
		"--keyring-backend", "test", "--api", d.api, "--wait", "--yes"); err == nil {
		t.Fatalf("overspend accepted: %s", out)
	}
	d.p.stop(t)
}
