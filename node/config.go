package node

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/spf13/viper"
)

// loopback is the only interface restaked nodes listen on.
const loopback = "127.0.0.1"

// homeConfig derives the CometBFT config for a home from its options.
func homeConfig(o HomeOptions) (*cfg.Config, error) {
	if !validPort(o.P2PPort) || !validPort(o.RPCPort) || o.P2PPort == o.RPCPort {
		return nil, fmt.Errorf("node: invalid ports p2p=%d rpc=%d", o.P2PPort, o.RPCPort)
	}
	home, err := filepath.Abs(o.Home)
	if err != nil {
		return nil, err
	}
	conf := cfg.DefaultConfig().SetRoot(home)
	conf.Moniker = o.Moniker
	if conf.Moniker == "" {
		conf.Moniker = filepath.Base(home)
	}
	// pebbledb in cometbft-db v0.14 needs the "pebbledb" build tag, so keep
	// the backend that every build supports.
	conf.DBBackend = "goleveldb"

	conf.RPC.ListenAddress = tcpAddr(o.RPCPort)
	conf.RPC.PprofListenAddress = ""
	conf.P2P.ListenAddress = tcpAddr(o.P2PPort)
	conf.P2P.PersistentPeers = strings.Join(o.Persistent, ",")
	// All peers share 127.0.0.1: accept non-routable and duplicate IPs.
	conf.P2P.AddrBookStrict = false
	conf.P2P.AllowDuplicateIP = true
	// Peers come from the persistent list, so peer exchange adds nothing.
	// With PEX off the address book has no background saver, which makes
	// Stop synchronous (no file write after it returns).
	conf.P2P.PexReactor = false

	conf.Consensus.CreateEmptyBlocks = true
	conf.Consensus.CreateEmptyBlocksInterval = 0
	if o.TimeoutCommit > 0 {
		conf.Consensus.TimeoutCommit = o.TimeoutCommit
	}
	conf.TxIndex.Indexer = "kv" // serves /tx lookups over RPC

	// The application serves its own metrics.
	conf.Instrumentation.Prometheus = false
	conf.Instrumentation.PrometheusListenAddr = loopback + ":26660"

	if err := conf.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("node: config: %w", err)
	}
	return conf, nil
}

// writeConfig renders config.toml. cfg.WriteConfigFile exits the process on
// I/O errors, so the file is created first to surface them as values.
func writeConfig(conf *cfg.Config) error {
	path := configFile(conf.RootDir)
	if err := os.MkdirAll(filepath.Dir(path), cfg.DefaultDirPerm); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	cfg.WriteConfigFile(path, conf)
	return nil
}

// loadConfig reads config.toml of a home the way the cometbft CLI does, but
// with a private viper instance so several nodes can share a process.
func loadConfig(home string) (*cfg.Config, error) {
	home, err := filepath.Abs(home)
	if err != nil {
		return nil, err
	}
	v := viper.New()
	v.SetConfigFile(configFile(home))
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("node: read config: %w", err)
	}
	conf := cfg.DefaultConfig()
	if err := v.Unmarshal(conf); err != nil {
		return nil, fmt.Errorf("node: decode config: %w", err)
	}
	conf.SetRoot(home)
	if err := conf.ValidateBasic(); err != nil {
		return nil, fmt.Errorf("node: config: %w", err)
	}
	return conf, nil
}

// httpAddr turns a "tcp://host:port" listen address into an HTTP URL.
func httpAddr(laddr string) (string, error) {
	u, err := url.Parse(laddr)
	if err != nil {
		return "", fmt.Errorf("node: rpc laddr %q: %w", laddr, err)
	}
	if u.Host == "" {
		return "", fmt.Errorf("node: rpc laddr %q has no host", laddr)
	}
	return "http://" + u.Host, nil
}

func configFile(home string) string { return filepath.Join(home, "config", "config.toml") }

func tcpAddr(port int) string { return fmt.Sprintf("tcp://%s:%d", loopback, port) }

func validPort(p int) bool { return p > 0 && p < 65536 }
