package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/keyring"
	"github.com/restaked/restaked/node"
)

type testnetFlags struct {
	dir, chainID string
	n, basePort  int
	commit       time.Duration
}

func testnetCmd() *cobra.Command {
	var f testnetFlags
	cmd := &cobra.Command{
		Use:   "testnet",
		Short: "Create homes for N validators wired to each other on 127.0.0.1",
		Long: "Writes DIR/node0..node{N-1}. Node i uses P2P port BASE+10i, CometBFT RPC BASE+10i+1 and\n" +
			"the HTTP API on BASE+10i+2. Each home's test keyring holds a funded key \"validator\"\n" +
			"(node0's is also the authority). Start each node with: restaked start --home DIR/nodeI",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := generateTestnet(f); err != nil {
				return err
			}
			for i := 0; i < f.n; i++ {
				fmt.Fprintf(cmd.OutOrStdout(), "restaked start --home %s\n", node.TestnetHome(f.dir, i))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.n, "validators", 4, "number of validators")
	fl.StringVar(&f.dir, "output", "./testnet", "output folder")
	fl.StringVar(&f.chainID, "chain-id", "restaked-testnet", "chain id")
	fl.IntVar(&f.basePort, "base-port", 26600, "first port (see the port scheme above)")
	fl.DurationVar(&f.commit, "block-time", time.Second, "pause after each commit")
	_ = cmd.MarkFlagRequired("output")
	return cmd
}

// testnetAPIAddr is node i's HTTP API address.
func testnetAPIAddr(basePort, i int) string { return fmt.Sprintf("127.0.0.1:%d", basePort+10*i+2) }

func generateTestnet(f testnetFlags) error {
	if f.n < 1 || f.n > 100 {
		return fmt.Errorf("--validators must be 1..100, got %d", f.n)
	}
	ops := make([]account.Address, f.n)
	for i := range ops {
		kr, err := keyring.Open(node.TestnetHome(f.dir, i), keyring.BackendTest, nil)
		if err != nil {
			return err
		}
		// Random keys: a testnet may be shared, unlike the devnet's public demo keys.
		info, _, err := kr.Add("validator")
		if err != nil {
			return err
		}
		if ops[i], err = account.Parse(info.Address); err != nil {
			return err
		}
	}
	appState := func(keys []node.ValidatorKey) (json.RawMessage, error) {
		var funded []fundedKey
		var vals []chain.GenesisValidator
		for i, k := range keys {
			funded = append(funded, fundedKey{Address: ops[i], Coins: "1000000000000000stake"})
			vals = append(vals, genesisValidator(ops[i], k.ConsPubKey, "100000000000000", fmt.Sprintf("node%d", i)))
		}
		return buildGenesis(f.chainID, ops[0], funded, vals, nil)
	}
	if _, err := node.GenerateTestnet(node.TestnetOptions{Dir: f.dir, N: f.n, ChainID: f.chainID, BasePort: f.basePort,
		TimeoutCommit: f.commit, AppState: appState}); err != nil {
		return err
	}
	for i := 0; i < f.n; i++ {
		if err := writeAppConfig(node.TestnetHome(f.dir, i), appConfig{ChainID: f.chainID, APIAddr: testnetAPIAddr(f.basePort, i)}); err != nil {
			return err
		}
	}
	return nil
}
