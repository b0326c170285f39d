package node

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cometbft/cometbft/types"
)

func TestInitHomeKeepsKeys(t *testing.T) {
	home := t.TempDir()
	o := HomeOptions{
		Home: home, ChainID: "restaked-home", P2PPort: 26656, RPCPort: 26657,
		AppState:    json.RawMessage(`{"validators":[]}`),
		GenesisTime: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	first, err := InitHome(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.ConsPubKey) != 32 || len(first.Address) != 20 || len(first.NodeID) != 40 {
		t.Fatalf("bad key: %+v", first)
	}
	for _, f := range []string{"config/config.toml", "config/genesis.json", "config/node_key.json",
		"config/priv_validator_key.json", "data/priv_validator_state.json"} {
		if _, err := os.Stat(filepath.Join(home, f)); err != nil {
			t.Error(err)
		}
	}
	o.RPCPort = 26667
	again, err := InitHome(o)
	if err != nil {
		t.Fatal(err)
	}
	if again.NodeID != first.NodeID || !bytes.Equal(again.ConsPubKey, first.ConsPubKey) {
		t.Fatal("InitHome rotated existing keys")
	}
	conf, err := loadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if conf.RPC.ListenAddress != "tcp://127.0.0.1:26667" {
		t.Fatalf("config not rewritten: %s", conf.RPC.ListenAddress)
	}

	doc, err := types.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	var state bytes.Buffer // genesis.json is indented as a whole
	if err := json.Compact(&state, doc.AppState); err != nil {
		t.Fatal(err)
	}
	if len(doc.Validators) != 0 || state.String() != `{"validators":[]}` || !doc.GenesisTime.Equal(o.GenesisTime) {
		t.Fatalf("genesis: %d validators, app_state %s, time %v", len(doc.Validators), state.String(), doc.GenesisTime)
	}
	if doc.ConsensusParams.ABCI.VoteExtensionsEnabled(1) {
		t.Fatal("vote extensions enabled")
	}
}

func TestInitHomeRefusesMissingSignState(t *testing.T) {
	home := t.TempDir()
	o := HomeOptions{Home: home, ChainID: "c", P2PPort: 26656, RPCPort: 26657}
	if _, err := InitHome(o); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(home, "data", "priv_validator_state.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := InitHome(o); err == nil {
		t.Fatal("InitHome reset the sign state of an existing key")
	}
}

func TestWriteGenesisRejectsBadKey(t *testing.T) {
	g := Genesis{ChainID: "c", Validators: []GenesisValidator{{ConsPubKey: []byte{1, 2}, Power: 1}}}
	if err := WriteGenesis(t.TempDir(), g); err == nil {
		t.Fatal("short pubkey accepted")
	}
}
