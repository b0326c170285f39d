package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// TestnetOptions describes N validators on 127.0.0.1.
//
// Port scheme: node i listens for P2P on BasePort+10*i and for RPC on
// BasePort+10*i+1; the other eight ports of each block of ten are left for
// the application (e.g. its metrics or API server).
type TestnetOptions struct {
	Dir           string // homes are Dir/node0 .. Dir/node{N-1}
	N             int
	ChainID       string
	BasePort      int
	TimeoutCommit time.Duration
	// AppState builds the shared genesis app_state once all keys exist; nil
	// leaves app_state empty.
	AppState func(vals []ValidatorKey) (json.RawMessage, error)
	// GenesisPower, when positive, lists every validator in genesis.json with
	// this power, for apps that take the set from RequestInitChain (kvstore).
	// Zero keeps the list empty: the app returns the set from InitChain.
	GenesisPower int64
}

// TestnetPorts returns the P2P and RPC ports of node i.
func TestnetPorts(basePort, i int) (p2pPort, rpcPort int) {
	return basePort + 10*i, basePort + 10*i + 1
}

// TestnetHome returns the home directory of node i.
func TestnetHome(dir string, i int) string {
	return filepath.Join(dir, fmt.Sprintf("node%d", i))
}

// GenerateTestnet creates N homes whose nodes all peer with each other and
// share one genesis. It returns the validator keys in node order.
func GenerateTestnet(o TestnetOptions) ([]ValidatorKey, error) {
	if o.N < 1 {
		return nil, errors.New("node: testnet needs at least one node")
	}
	if _, last := TestnetPorts(o.BasePort, o.N-1); o.BasePort <= 0 || last > 65535 {
		return nil, fmt.Errorf("node: base port %d does not fit %d nodes", o.BasePort, o.N)
	}
	genesisTime := time.Now()
	homes := make([]HomeOptions, o.N)
	keys := make([]ValidatorKey, o.N)
	for i := range homes {
		p2pPort, rpcPort := TestnetPorts(o.BasePort, i)
		homes[i] = HomeOptions{
			Home: TestnetHome(o.Dir, i), ChainID: o.ChainID, Moniker: fmt.Sprintf("node%d", i),
			P2PPort: p2pPort, RPCPort: rpcPort, TimeoutCommit: o.TimeoutCommit, GenesisTime: genesisTime,
		}
		vk, err := InitHome(homes[i])
		if err != nil {
			return nil, fmt.Errorf("node%d: %w", i, err)
		}
		keys[i] = vk
	}
	// Peers are known only now that every node key exists.
	for i := range homes {
		homes[i].Persistent = peersExcept(keys, o.BasePort, i)
		conf, err := homeConfig(homes[i])
		if err != nil {
			return nil, err
		}
		if err := writeConfig(conf); err != nil {
			return nil, err
		}
	}
	g, err := testnetGenesis(o, keys, genesisTime)
	if err != nil {
		return nil, err
	}
	for i := range homes {
		if err := WriteGenesis(homes[i].Home, g); err != nil {
			return nil, fmt.Errorf("node%d: %w", i, err)
		}
	}
	return keys, nil
}

func peersExcept(keys []ValidatorKey, basePort, self int) []string {
	var peers []string
	for j, k := range keys {
		if j == self {
			continue
		}
		p2pPort, _ := TestnetPorts(basePort, j)
		peers = append(peers, fmt.Sprintf("%s@%s:%d", k.NodeID, loopback, p2pPort))
	}
	return peers
}

func testnetGenesis(o TestnetOptions, keys []ValidatorKey, t time.Time) (Genesis, error) {
	g := Genesis{ChainID: o.ChainID, Time: t}
	if o.AppState != nil {
		st, err := o.AppState(keys)
		if err != nil {
			return g, fmt.Errorf("node: testnet app state: %w", err)
		}
		g.AppState = st
	}
	if o.GenesisPower > 0 {
		for i, k := range keys {
			g.Validators = append(g.Validators, GenesisValidator{
				ConsPubKey: k.ConsPubKey, Power: o.GenesisPower, Name: fmt.Sprintf("node%d", i),
			})
		}
	}
	return g, nil
}
