// Package node hosts CometBFT in-process for an ABCI application: it lays
// out node homes (config, genesis, keys), starts and stops nodes over a
// local ABCI client, and generates loopback testnets.
package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"
)

// HomeOptions configures one node home directory.
type HomeOptions struct {
	Home    string
	ChainID string
	Moniker string
	// P2PPort and RPCPort are bound on 127.0.0.1 only.
	P2PPort int
	RPCPort int
	// Persistent peers, each "nodeid@127.0.0.1:port".
	Persistent []string
	// TimeoutCommit is the pause after a commit; zero keeps CometBFT's default.
	TimeoutCommit time.Duration
	// AppState is written verbatim as genesis.json app_state.
	AppState json.RawMessage
	// GenesisValidators is normally empty: the application returns the
	// validator set from InitChain. Apps that take the set from
	// RequestInitChain (e.g. the kvstore example) need it filled.
	GenesisValidators []GenesisValidator
	// GenesisTime defaults to now.
	GenesisTime time.Time
}

// GenesisValidator is a validator listed in genesis.json.
type GenesisValidator struct {
	ConsPubKey []byte // ed25519, 32 bytes
	Power      int64
	Name       string
}

// Genesis is the content of genesis.json that varies between chains.
type Genesis struct {
	ChainID    string
	Time       time.Time
	AppState   json.RawMessage
	Validators []GenesisValidator
}

// ValidatorKey holds the public identity of a node home.
type ValidatorKey struct {
	NodeID     string // p2p ID, hex of the node key address
	ConsPubKey []byte // ed25519 consensus public key, 32 bytes
	Address    []byte // CometBFT validator address, 20 bytes
}

// InitHome creates or refreshes a node home. config.toml and genesis.json are
// always (re)written; node and validator keys and the validator sign state
// are kept when present so re-running it never rotates keys or resets
// double-sign protection.
func InitHome(o HomeOptions) (ValidatorKey, error) {
	if o.Home == "" || o.ChainID == "" {
		return ValidatorKey{}, errors.New("node: home and chain ID are required")
	}
	conf, err := homeConfig(o)
	if err != nil {
		return ValidatorKey{}, err
	}
	if err := ensureKeys(conf); err != nil {
		return ValidatorKey{}, err
	}
	if err := writeConfig(conf); err != nil {
		return ValidatorKey{}, err
	}
	g := Genesis{ChainID: o.ChainID, Time: o.GenesisTime, AppState: o.AppState, Validators: o.GenesisValidators}
	if err := WriteGenesis(o.Home, g); err != nil {
		return ValidatorKey{}, err
	}
	return LoadValidatorKey(o.Home)
}

// WriteGenesis (re)writes config/genesis.json of an existing home. A testnet
// generates all keys first, then writes one shared genesis into every home.
func WriteGenesis(home string, g Genesis) error {
	doc, err := genesisDoc(g)
	if err != nil {
		return err
	}
	conf := cfg.DefaultConfig().SetRoot(home)
	if err := os.MkdirAll(filepath.Dir(conf.GenesisFile()), cfg.DefaultDirPerm); err != nil {
		return err
	}
	return doc.SaveAs(conf.GenesisFile())
}

func genesisDoc(g Genesis) (*types.GenesisDoc, error) {
	if g.Time.IsZero() {
		g.Time = time.Now()
	}
	params := types.DefaultConsensusParams()
	params.ABCI.VoteExtensionsEnableHeight = 0 // vote extensions stay off
	doc := &types.GenesisDoc{
		ChainID:         g.ChainID,
		GenesisTime:     g.Time.UTC(),
		InitialHeight:   1,
		ConsensusParams: params,
		AppState:        g.AppState,
	}
	for _, v := range g.Validators {
		if len(v.ConsPubKey) != ed25519.PubKeySize {
			return nil, fmt.Errorf("node: genesis validator %q: pubkey must be %d bytes", v.Name, ed25519.PubKeySize)
		}
		pk := ed25519.PubKey(v.ConsPubKey)
		doc.Validators = append(doc.Validators, types.GenesisValidator{
			Address: pk.Address(), PubKey: pk, Power: v.Power, Name: v.Name,
		})
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("node: invalid genesis: %w", err)
	}
	return doc, nil
}

// LoadValidatorKey reads the public identity of an initialised home.
func LoadValidatorKey(home string) (ValidatorKey, error) {
	conf := cfg.DefaultConfig().SetRoot(home)
	nk, err := p2p.LoadNodeKey(conf.NodeKeyFile())
	if err != nil {
		return ValidatorKey{}, fmt.Errorf("node: load node key: %w", err)
	}
	pvKey, err := readPVKey(conf.PrivValidatorKeyFile())
	if err != nil {
		return ValidatorKey{}, err
	}
	pub := pvKey.PrivKey.PubKey()
	return ValidatorKey{
		NodeID:     string(nk.ID()),
		ConsPubKey: pub.Bytes(),
		Address:    pub.Address(),
	}, nil
}

// ensureKeys creates missing key files without touching existing ones.
func ensureKeys(conf *cfg.Config) error {
	for _, dir := range []string{filepath.Dir(conf.NodeKeyFile()), filepath.Dir(conf.PrivValidatorStateFile())} {
		if err := os.MkdirAll(dir, cfg.DefaultDirPerm); err != nil {
			return err
		}
	}
	if _, err := p2p.LoadOrGenNodeKey(conf.NodeKeyFile()); err != nil {
		return fmt.Errorf("node: node key: %w", err)
	}
	keyFile, stateFile := conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile()
	keyExists, stateExists := fileExists(keyFile), fileExists(stateFile)
	switch {
	case keyExists && !stateExists:
		// A fresh sign state would allow signing a height twice.
		return fmt.Errorf("node: %s exists but %s is missing", keyFile, stateFile)
	case keyExists:
		return nil
	}
	priv := ed25519.GenPrivKey()
	key := privval.FilePVKey{Address: priv.PubKey().Address(), PubKey: priv.PubKey(), PrivKey: priv}
	if err := writeJSON(keyFile, key); err != nil {
		return err
	}
	if stateExists {
		return nil
	}
	return writeJSON(stateFile, privval.FilePVLastSignState{})
}

// loadFilePV loads the validator signer, returning errors where
// privval.LoadFilePV would exit the process.
func loadFilePV(conf *cfg.Config) (*privval.FilePV, error) {
	key, err := readPVKey(conf.PrivValidatorKeyFile())
	if err != nil {
		return nil, err
	}
	var st privval.FilePVLastSignState
	if err := readJSON(conf.PrivValidatorStateFile(), &st); err != nil {
		return nil, err
	}
	pv := privval.NewFilePV(key.PrivKey, conf.PrivValidatorKeyFile(), conf.PrivValidatorStateFile())
	pv.LastSignState.Height = st.Height
	pv.LastSignState.Round = st.Round
	pv.LastSignState.Step = st.Step
	pv.LastSignState.Signature = st.Signature
	pv.LastSignState.SignBytes = st.SignBytes
	return pv, nil
}

func readPVKey(path string) (privval.FilePVKey, error) {
	var key privval.FilePVKey
	if err := readJSON(path, &key); err != nil {
		return key, err
	}
	if key.PrivKey == nil {
		return key, fmt.Errorf("node: %s: no private key", path)
	}
	return key, nil
}

func readJSON(path string, v any) error {
	bz, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	if err := cmtjson.Unmarshal(bz, v); err != nil {
		return fmt.Errorf("node: parse %s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	bz, err := cmtjson.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, bz, 0o600)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
