package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/restaked/restaked/sim"
)

func init() { extraCommands = append(extraCommands, simCmd) }

func simCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run scenario files against the state machine (no consensus, no wall clock)",
	}
	cmd.AddCommand(simRunCmd())
	return cmd
}

func simRunCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a YAML scenario and check its expectations",
		Long: `Run a YAML scenario (see examples/scenarios) block by block against the
state machine, checking invariants after every block. FILE "-" reads
standard input. The exit code is non-zero if any step fails.`,
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true, // a failing scenario is not a usage mistake
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := loadSimScenario(cmd, args[0])
			if err != nil {
				return failSimLoad(cmd.OutOrStdout(), asJSON, err)
			}
			return runSimScenario(cmd.OutOrStdout(), sc, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print every step's result and the final state as JSON")
	return cmd
}

func loadSimScenario(cmd *cobra.Command, path string) (*sim.Scenario, error) {
	if path == "-" {
		return sim.LoadReader(cmd.InOrStdin())
	}
	return sim.LoadFile(path)
}

// failSimLoad reports a file that does not load; in JSON mode as a report too.
func failSimLoad(w io.Writer, asJSON bool, err error) error {
	if asJSON {
		if werr := writeSimJSON(w, &sim.Report{Error: err.Error(), Steps: []sim.StepResult{}}); werr != nil {
			return werr
		}
	}
	return err
}

func runSimScenario(w io.Writer, sc *sim.Scenario, asJSON bool) error {
	opt := sim.Options{}
	if !asJSON {
		opt.OnStep = func(r sim.StepResult) { sim.WriteStep(w, r) }
	}
	rep := sim.Run(sc, opt)
	if asJSON {
		if err := writeSimJSON(w, rep); err != nil {
			return err
		}
	} else {
		sim.WriteSummary(w, rep)
	}
	return rep.Err()
}

func writeSimJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // results contain "->", keep them readable
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
