// Command restaked is the restaked node, wallet, simulator and risk engine in one binary.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/restaked/restaked/app"
)

func main() {
	if err := rootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "restaked",
		Short:         "restaked: a proof-of-stake chain with native restaking",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       app.Version,
	}
	root.AddCommand(keysCmd())
	for _, add := range extraCommands {
		root.AddCommand(add())
	}
	return root
}

// extraCommands lets each command file register itself from init, so the
// command trees (node, tx, query, sim, ...) stay in their own files.
var extraCommands []func() *cobra.Command
