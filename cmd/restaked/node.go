package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	rpclocal "github.com/cometbft/cometbft/rpc/client/local"
	"github.com/spf13/cobra"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/api"
	"github.com/restaked/restaked/app"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/keyring"
	"github.com/restaked/restaked/node"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
)

func init() {
	extraCommands = append(extraCommands, initCmd, startCmd, devnetCmd, testnetCmd)
}

// appConfig is restaked's own per-home settings, next to CometBFT's config.toml.
type appConfig struct {
	ChainID string `json:"chain_id"`
	APIAddr string `json:"api_addr"`
}

func appConfigPath(home string) string { return filepath.Join(home, "config", "restaked.json") }

func writeAppConfig(home string, c appConfig) error {
	bz, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(appConfigPath(home), append(bz, '\n'), 0o644)
}

func readAppConfig(home string) (appConfig, error) {
	var c appConfig
	bz, err := os.ReadFile(appConfigPath(home))
	if err != nil {
		return c, fmt.Errorf("%s is not an initialised node home (run `restaked init` or `restaked devnet`): %w", home, err)
	}
	if err := json.Unmarshal(bz, &c); err != nil {
		return c, fmt.Errorf("read %s: %w", appConfigPath(home), err)
	}
	return c, nil
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// ---- genesis building ----

// fundedKey is a genesis account backed by a key in the home's keyring.
type fundedKey struct {
	Name    string
	Address account.Address
	Coins   string
}

// buildGenesis makes app_state: funded accounts and one genesis validator
// per (operator, consensus key) pair.
func buildGenesis(chainID string, authority account.Address, accounts []fundedKey, vals []chain.GenesisValidator, mut func(*params.Params)) (json.RawMessage, error) {
	p := params.Default()
	p.Authority = authority
	if mut != nil {
		mut(&p)
	}
	g := chain.Genesis{ChainID: chainID, Params: p, Validators: vals}
	for _, a := range accounts {
		g.Accounts = append(g.Accounts, chain.GenesisAccount{Address: a.Address, Coins: a.Coins})
	}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return json.MarshalIndent(g, "", "  ")
}

func genesisValidator(op account.Address, cons []byte, self string, moniker string) chain.GenesisValidator {
	return chain.GenesisValidator{Operator: op, ConsPubKey: cons, SelfDelegation: num.MustInt(self),
		Commission: num.MustDec("0.05"), Moniker: moniker}
}

// ---- init ----

func initCmd() *cobra.Command {
	var home, chainID, moniker, backend, apiAddr string
	var p2p, rpc int
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a one-validator node home with a fresh validator key and genesis",
		Long: "Creates HOME with CometBFT config, keys and a genesis in which a new key named\n" +
			"\"validator\" is funded and is the only validator. For several validators use `restaked testnet`.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := os.Stat(appConfigPath(home)); err == nil {
				return fmt.Errorf("%s is already initialised", home)
			}
			p := newPrompter(cmd)
			kr, err := keyring.Open(home, backend, p.passphrase)
			if err != nil {
				return err
			}
			info, seed, err := kr.Add("validator")
			if err != nil {
				return err
			}
			op, err := account.Parse(info.Address)
			if err != nil {
				return err
			}
			if err := setupHome(home, chainID, moniker, apiAddr, p2p, rpc, 0, op,
				[]fundedKey{{Name: "validator", Address: op, Coins: "1000000000000000stake"}}, nil); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "initialised %s (chain %s)\nvalidator key: %s\nseed (back it up): %s\nstart with: restaked start --home %s\n",
				home, chainID, info.Address, seed, home)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&home, "home", defaultHome(), "node home folder")
	f.StringVar(&chainID, "chain-id", "restaked-1", "chain id")
	f.StringVar(&moniker, "moniker", "node", "validator moniker")
	f.StringVar(&backend, "keyring-backend", keyring.BackendFile, "keyring backend: file (encrypted) or test (unencrypted)")
	f.StringVar(&apiAddr, "api-addr", "127.0.0.1:1317", "HTTP API listen address")
	f.IntVar(&p2p, "p2p-port", 26656, "CometBFT P2P port on 127.0.0.1")
	f.IntVar(&rpc, "rpc-port", 26657, "CometBFT RPC port on 127.0.0.1")
	return cmd
}

// setupHome writes the CometBFT home, then the genesis with the node's own
// consensus key as the validator of operator op, followed by any extra
// genesis validators (the demo devnet's, which no node runs).
func setupHome(home, chainID, moniker, apiAddr string, p2p, rpc int, commit time.Duration, op account.Address, accounts []fundedKey, mut func(*params.Params), extra ...chain.GenesisValidator) error {
	vk, err := node.InitHome(node.HomeOptions{Home: home, ChainID: chainID, Moniker: moniker, P2PPort: p2p, RPCPort: rpc, TimeoutCommit: commit})
	if err != nil {
		return err
	}
	self := "100000000000000"
	vals := append([]chain.GenesisValidator{genesisValidator(op, vk.ConsPubKey, self, moniker)}, extra...)
	state, err := buildGenesis(chainID, op, accounts, vals, mut)
	if err != nil {
		return err
	}
	if err := node.WriteGenesis(home, node.Genesis{ChainID: chainID, Time: time.Now().UTC(), AppState: state}); err != nil {
		return err
	}
	return writeAppConfig(home, appConfig{ChainID: chainID, APIAddr: apiAddr})
}

// ---- start ----

func startCmd() *cobra.Command {
	var home, apiAddr, logLevel string
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run a node from its home folder (CometBFT, the state machine and the HTTP API)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runNode(cmd.Context(), home, apiAddr, newLogger(logLevel), nil)
		},
	}
	cmd.Flags().StringVar(&home, "home", defaultHome(), "node home folder")
	cmd.Flags().StringVar(&apiAddr, "api-addr", "", "HTTP API listen address (default from config/restaked.json)")
	cmd.Flags().StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	return cmd
}

// runNode runs until SIGINT/SIGTERM or ctx ends. ready, if set, runs once
// the API is started, with a context that ends when the node shuts down.
func runNode(ctx context.Context, home, apiAddr string, log *slog.Logger, ready func(context.Context)) error {
	conf, err := readAppConfig(home)
	if err != nil {
		return err
	}
	if apiAddr == "" {
		apiAddr = conf.APIAddr
	}
	a, err := app.Open(filepath.Join(home, "data", "state"), conf.ChainID, log)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := node.Start(home, a, log)
	if err != nil {
		return err
	}
	defer n.Stop()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := api.New(a, rpclocal.New(n.Comet()), log)
	if err := a.RegisterMetrics(srv.Registry()); err != nil {
		return err
	}
	apiErr := make(chan error, 1)
	go func() { apiErr <- srv.ListenAndServe(ctx, apiAddr) }()
	log.Info("restaked node running", "home", home, "chain_id", conf.ChainID, "rpc", n.RPCAddr(), "api", "http://"+apiAddr)
	if ready != nil {
		ready(ctx)
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case <-n.Done():
		return errors.New("consensus stopped unexpectedly")
	case err := <-apiErr:
		if err != nil {
			return fmt.Errorf("HTTP API: %w", err)
		}
	}
	return nil
}
