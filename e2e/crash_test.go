package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/restaked/restaked/keyring"
	"github.com/restaked/restaked/tx"
)

// signedSend is alice → bob, 1stake, with the devnet's minimum fee.
func signedSend(t *testing.T, seq uint64) []byte {
	m, _ := tx.Wrap(&tx.MsgSend{From: aliceAddr, To: bobAddr, Amount: "1stake"})
	raw, err := tx.Sign(keyring.DeterministicKey("devnet/alice"), &tx.Body{ChainId: "restaked-devnet", Sequence: seq, Fee: "10stake", Msgs: []*tx.Msg{m}})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func postTx(api string, raw []byte) (string, error) {
	body, _ := json.Marshal(map[string]string{"tx": base64.StdEncoding.EncodeToString(raw)})
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Post(api+"/v1/txs", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var r struct {
		Hash string `json:"hash"`
		Code uint32 `json:"code"`
		Log  string `json:"log"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return "", err
	}
	if r.Code != 0 {
		return "", fmt.Errorf("rejected: %s", r.Log)
	}
	return r.Hash, nil
}

type txInfo struct {
	Height int64  `json:"height"`
	Code   uint32 `json:"code"`
}

// Kill -9 under load: after a restart every transaction the API reported
// committed is there, balances agree with what was committed, and the
// chain's invariants hold.
func TestCrashUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("process crash test")
	}
	d := startDevnet(t, filepath.Join(t.TempDir(), "devnet"))
	bob0, _ := strconv.ParseUint(balanceOf(t, d.api, bobAddr, "stake"), 10, 64)
	var hashes []string
	confirmed := map[string]bool{}
	const maxTxs = 3000 // bounded load
	deadline := time.Now().Add(20 * time.Second)
	for seq := uint64(0); seq < maxTxs && time.Now().Before(deadline); seq++ {
		h, err := postTx(d.api, signedSend(t, seq))
		if err != nil {
			t.Fatalf("tx %d: %v", seq, err)
		}
		hashes = append(hashes, h)
		if seq%50 == 49 { // learn which ones the API reports committed
			for _, h := range hashes {
				var ti txInfo
				if !confirmed[h] && getJSON(d.api+"/v1/txs/"+h, &ti) == nil && ti.Height > 0 {
					confirmed[h] = true
				}
			}
			if len(confirmed) >= 200 {
				break
			}
		}
	}
	if len(confirmed) == 0 {
		t.Fatal("no transaction committed under load")
	}
	d.p.kill() // crash: no shutdown path runs
	d.restart(t)
	waitHeight(t, d.api, waitFrom(t, d.api)+3, 60*time.Second, d.p)

	for h := range confirmed {
		var ti txInfo
		if err := getJSON(d.api+"/v1/txs/"+h, &ti); err != nil || ti.Code != 0 {
			t.Fatalf("committed tx %s lost after crash: %+v %v", h, ti, err)
		}
	}
	var committed uint64
	for _, h := range hashes {
		var ti txInfo
		if getJSON(d.api+"/v1/txs/"+h, &ti) == nil && ti.Height > 0 && ti.Code == 0 {
			committed++
		}
	}
	bob1, _ := strconv.ParseUint(balanceOf(t, d.api, bobAddr, "stake"), 10, 64)
	if bob1 != bob0+committed {
		t.Fatalf("bob has %d, want %d + %d committed sends", bob1, bob0, committed)
	}
	var inv struct {
		OK bool `json:"ok"`
	}
	if err := getJSON(d.api+"/v1/invariants", &inv); err != nil || !inv.OK {
		t.Fatalf("invariants after crash: %+v %v", inv, err)
	}
	t.Logf("sent %d, reported committed before the crash %d, committed after restart %d", len(hashes), len(confirmed), committed)
	d.p.stop(t)
}
