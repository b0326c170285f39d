package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/keyring"
	"github.com/restaked/restaked/node"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
)

// namedCoins is a genesis account named after its devnet key.
type namedCoins = struct{ name, coins string }

// devnetAccounts are the demo keys of `restaked devnet`, funded at genesis.
// Their keys are derived from public names: never use them outside a devnet.
var devnetAccounts = []namedCoins{
	{"validator", "1000000000000000stake"},
	{"alice", "100000000000stake,1000000000usdc"},
	{"bob", "100000000000stake,1000000000usdc"},
	{"carol", "100000000000stake"},
	{"dave", "100000000000stake"},
}

// devnetMinFee is the devnet's minimum fee per message, in stake.
const devnetMinFee = 10

type devnetFlags struct {
	home, apiAddr, logLevel string
	p2p, rpc                int
	reset, demo             bool
	blockTime               time.Duration
}

func devnetCmd() *cobra.Command {
	var f devnetFlags
	cmd := &cobra.Command{
		Use:   "devnet",
		Short: "Start a one-validator development chain with funded demo keys",
		Long: "Creates (first run) and starts a local one-validator chain in --home, with demo keys in\n" +
			"an unencrypted test keyring, CometBFT RPC, the HTTP API and metrics on 127.0.0.1.\n\n" +
			"With --demo, a new devnet also gets a demo restaking network: validators that are\n" +
			"operators, services with different terms and 40 stakers with liquid and native\n" +
			"positions, seeded by transactions once the node runs (delays are minutes long).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDevnet(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.home, "home", defaultDevnetHome(), "devnet home folder")
	fl.BoolVar(&f.reset, "reset", false, "wipe the home folder and start from genesis")
	fl.BoolVar(&f.demo, "demo", false, "seed a demo restaking network (operators, services, stakers) on a new devnet")
	fl.StringVar(&f.apiAddr, "api-addr", "127.0.0.1:1317", "HTTP API listen address")
	fl.IntVar(&f.p2p, "p2p-port", 26656, "CometBFT P2P port on 127.0.0.1")
	fl.IntVar(&f.rpc, "rpc-port", 26657, "CometBFT RPC port on 127.0.0.1")
	fl.DurationVar(&f.blockTime, "block-time", 500*time.Millisecond, "pause after each commit (fast blocks)")
	fl.StringVar(&f.logLevel, "log-level", "warn", "debug, info, warn or error")
	return cmd
}

func defaultDevnetHome() string {
	h, err := os.UserHomeDir()
	if err != nil {
		return ".restaked-devnet"
	}
	return filepath.Join(h, ".restaked-devnet")
}

func runDevnet(cmd *cobra.Command, f devnetFlags) error {
	if f.reset {
		if err := os.RemoveAll(f.home); err != nil {
			return fmt.Errorf("reset %s: %w", f.home, err)
		}
	}
	if _, err := os.Stat(appConfigPath(f.home)); os.IsNotExist(err) {
		setup := setupDevnet
		if f.demo {
			setup = setupDemoDevnet
		}
		if err := setup(f); err != nil {
			return fmt.Errorf("create devnet in %s: %w", f.home, err)
		}
	}
	// Ports may differ from the first run's: rewrite the config, keep keys and data.
	if _, err := node.InitHome(node.HomeOptions{Home: f.home, ChainID: devnetChainID, Moniker: "devnet",
		P2PPort: f.p2p, RPCPort: f.rpc, TimeoutCommit: f.blockTime, AppState: mustReadAppState(f.home)}); err != nil {
		return err
	}
	if err := writeAppConfig(f.home, appConfig{ChainID: devnetChainID, APIAddr: f.apiAddr}); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	ready := func(context.Context) { printDevnetBanner(out, f) }
	if f.demo {
		ready = func(ctx context.Context) {
			printDevnetBanner(out, f)
			go runDemo(ctx, out, f)
		}
	}
	return runNode(cmd.Context(), f.home, f.apiAddr, newLogger(f.logLevel), ready)
}

const devnetChainID = "restaked-devnet"

// mustReadAppState returns the existing genesis app_state so that
// rewriting the config keeps the chain's genesis.
func mustReadAppState(home string) json.RawMessage {
	bz, err := os.ReadFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		return nil
	}
	var doc struct {
		AppState json.RawMessage `json:"app_state"`
	}
	if json.Unmarshal(bz, &doc) != nil {
		return nil
	}
	return doc.AppState
}

func devnetKey(name string) ed25519.PrivateKey { return keyring.DeterministicKey("devnet/" + name) }

func setupDevnet(f devnetFlags) error {
	funded, err := importDevnetKeys(f.home, devnetAccounts)
	if err != nil {
		return err
	}
	op := funded[0].Address
	fee := func(p *params.Params) { p.MinFee = num.NewInt(devnetMinFee) }
	return setupHome(f.home, devnetChainID, "devnet", f.apiAddr, f.p2p, f.rpc, f.blockTime, op, funded, fee)
}

// importDevnetKeys puts the named demo keys into the home's test keyring
// and returns them as genesis accounts.
func importDevnetKeys(home string, accounts []namedCoins) ([]fundedKey, error) {
	kr, err := keyring.Open(home, keyring.BackendTest, nil)
	if err != nil {
		return nil, err
	}
	var funded []fundedKey
	for _, a := range accounts {
		info, err := kr.Import(a.name, hex.EncodeToString(devnetKey(a.name).Seed()))
		if err != nil {
			return nil, err
		}
		addr, err := account.Parse(info.Address)
		if err != nil {
			return nil, err
		}
		funded = append(funded, fundedKey{Name: a.name, Address: addr, Coins: a.coins})
	}
	return funded, nil
}

func printDevnetBanner(w io.Writer, f devnetFlags) {
	fmt.Fprintf(w, "\nrestaked devnet is running (chain id %s)\n", devnetChainID)
	fmt.Fprintf(w, "  home:          %s\n", f.home)
	fmt.Fprintf(w, "  HTTP API:      http://%s/v1/status   (OpenAPI: /openapi.yaml, metrics: /metrics)\n", f.apiAddr)
	fmt.Fprintf(w, "  CometBFT RPC:  http://127.0.0.1:%d\n", f.rpc)
	fmt.Fprintf(w, "  min fee:       %dstake per message\n\n", devnetMinFee)
	fmt.Fprintln(w, "Demo keys (unencrypted test keyring; for this devnet only):")
	for _, a := range devnetAccounts {
		addr := account.FromPubKey(devnetKey(a.name).Public().(ed25519.PublicKey))
		fmt.Fprintf(w, "  %-10s %s  %s\n", a.name, addr, a.coins)
	}
	fmt.Fprintf(w, "\nTry:\n  restaked tx bank send alice %s 1000stake --home %s --keyring-backend test --api http://%s --wait\n",
		account.FromPubKey(devnetKey("bob").Public().(ed25519.PublicKey)), f.home, f.apiAddr)
	fmt.Fprintf(w, "  restaked query balances %s --api http://%s\n\nPress Ctrl-C to stop.\n",
		account.FromPubKey(devnetKey("bob").Public().(ed25519.PublicKey)), f.apiAddr)
}
