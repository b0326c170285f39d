package main

import (
	"encoding/json"
	"strings"
	"testing"
)

type benchTargetJSON struct {
	Sent      int     `json:"sent"`
	Committed int     `json:"committed"`
	Succeeded int     `json:"succeeded"`
	Blocks    int     `json:"blocks"`
	TxPerSec  float64 `json:"tx_per_sec"`
	ElapsedS  float64 `json:"elapsed_s"`
}

type benchJSON struct {
	Config struct {
		Txs      int `json:"txs"`
		Accounts int `json:"accounts"`
	} `json:"config"`
	Restaked *benchTargetJSON `json:"restaked"`
	KVStore  *benchTargetJSON `json:"kvstore"`
	Ratio    *float64         `json:"ratio"`
}

// Both targets commit every transaction of a small load and the JSON report
// is complete. Speed is not asserted: it depends on the machine.
func TestBenchLoadBoth(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two nodes")
	}
	cmd := benchCmd()
	var out, errOut strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs([]string{"load", "--txs", "200", "--accounts", "4", "--duration", "20s",
		"--block-time", "100ms", "--target", "both", "-o", "json", "--log-level", "error"})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("bench load: %v\n%s", err, errOut.String())
	}
	var rep benchJSON
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if rep.Config.Txs != 200 || rep.Config.Accounts != 4 {
		t.Fatalf("config = %+v", rep.Config)
	}
	for name, r := range map[string]*benchTargetJSON{"restaked": rep.Restaked, "kvstore": rep.KVStore} {
		if r == nil {
			t.Fatalf("%s missing from report:\n%s", name, out.String())
		}
		if r.Sent != 200 || r.Committed != 200 || r.Succeeded != 200 || r.Blocks < 1 {
			t.Errorf("%s: %+v, want all 200 sent, committed and succeeded\n%s", name, *r, errOut.String())
		}
	}
	if rep.Ratio == nil {
		t.Errorf("ratio missing:\n%s", out.String())
	}
}

func TestBenchWorkloadShape(t *testing.T) {
	keys := benchKeys(3)
	streams, err := benchSendStreams(keys, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{len(streams[0]), len(streams[1]), len(streams[2])}; got[0] != 4 || got[1] != 3 || got[2] != 3 {
		t.Fatalf("stream sizes %v, want [4 3 3]", got)
	}
	avg := avgLen(streams)
	kv := kvStreams(streams, avg)
	seen := map[string]bool{}
	for i := range kv {
		if len(kv[i]) != len(streams[i]) {
			t.Fatalf("kvstore stream %d has %d txs, want %d", i, len(kv[i]), len(streams[i]))
		}
		for _, raw := range kv[i] {
			if len(raw) != avg || strings.Count(string(raw), "=") != 1 || seen[string(raw)] {
				t.Fatalf("kvstore tx %q: want a unique key=value of %d bytes", raw, avg)
			}
			seen[string(raw)] = true
		}
	}
}

func TestBenchFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--target", "nope"},
		{"-o", "yaml"},
		{"--txs", "2", "--accounts", "3"},
		{"--duration", "0s"},
	} {
		cmd := benchCmd()
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
		cmd.SetArgs(append([]string{"load"}, args...))
		if err := cmd.Execute(); err == nil {
			t.Errorf("bench load %v: want an error", args)
		}
	}
}
