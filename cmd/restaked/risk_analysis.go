package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/restaked/restaked/risk"
	"github.com/restaked/restaked/riskview"
)

// riskAnalysisCmds are the shock analyses: worst-case loss and cascades.
func riskAnalysisCmds(f *riskFlags) []*cobra.Command {
	return []*cobra.Command{riskWorstLossCmd(f), riskCascadeCmd(f)}
}

func riskWorstLossCmd(f *riskFlags) *cobra.Command {
	var psi string
	cmd := &cobra.Command{
		Use: "worst-loss", Short: "R_ψ: the most stake a shock of ψ of it, then profitable attacks, can cost (exact on small networks)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := riskview.ParsePsi(psi, true)
			if err != nil {
				return err
			}
			var nodes int64 // risk's own bounds unless --max-nodes is given
			if cmd.Flags().Changed("max-nodes") {
				nodes = f.maxNodes
			}
			return networkReport(f, func(n *risk.Network) (risk.WorstLossReport, error) { return riskview.WorstLossOf(n, p, nodes) }, printWorstLoss)(cmd, args)
		},
	}
	cmd.Flags().StringVar(&psi, "psi", "", "shock: the fraction of total stake removed (required)")
	return cmd
}

func riskCascadeCmd(f *riskFlags) *cobra.Command {
	var slashes, byzantine []string
	cmd := &cobra.Command{
		Use: "cascade", Short: "Play a shock (slashed operators, Byzantine services), then the most profitable attack, round by round", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sh, err := riskview.ParseShock(slashes, byzantine)
			if err != nil {
				return err
			}
			return networkReport(f, func(n *risk.Network) (riskview.CascadeView, error) { return riskview.CascadeOf(n, sh, f.maxNodes) }, printCascade)(cmd, args)
		},
	}
	cmd.Flags().StringArrayVar(&slashes, "slash", nil, "OPERATOR=FRACTION: slash that fraction of the operator's stake (repeatable)")
	cmd.Flags().StringArrayVar(&byzantine, "byzantine", nil, "SERVICE: the service turns Byzantine and slashes all its allocations (repeatable)")
	return cmd
}

func printWorstLoss(w io.Writer, r risk.WorstLossReport) error {
	kind := "exact"
	if !r.Exact {
		kind = "lower bound (a loss the shock below does cause)"
	}
	kv := []any{"ψ", risk.DecimalFloor(r.Psi), "loss (of total stake)", risk.DecimalFloor(r.Loss) + ", " + kind}
	if r.UpperBound != nil {
		kv = append(kv, "proven upper bound (1+1/γ*)·ψ", risk.DecimalCeil(r.UpperBound))
	}
	kv = append(kv, "shock (operators removed)", listOrNone(r.Shock))
	if err := fields(w, kv...); err != nil {
		return err
	}
	for i, a := range r.Attacks {
		fmt.Fprintf(w, "attack %d: services %s by operators %s, profit %s, stake lost %s\n", i+1,
			listOrNone(a.Services), listOrNone(a.Operators), risk.DecimalFloor(a.Attack.Profit), risk.DecimalFloor(a.StakeLost))
	}
	return nil
}

func printCascade(w io.Writer, c riskview.CascadeView) error {
	if err := fields(w, "initial stake", c.InitialStake, "lost to the shock", c.ShockLoss,
		"unsecured by the shock", listOrNone(c.ShockUnsecured)); err != nil {
		return err
	}
	rows := make([]string, 0, len(c.Rounds))
	for _, r := range c.Rounds {
		rows = append(rows, strings.Join([]string{fmt.Sprint(r.Round), listOrNone(r.Services), listOrNone(r.Operators), r.Profit, r.StakeLost, r.CumulativeLoss}, "\t"))
	}
	if len(rows) > 0 {
		if err := table(w, "ROUND\tSERVICES CORRUPTED\tBY OPERATORS\tPROFIT\tSTAKE LOST\tTOTAL LOSS", rows); err != nil {
			return err
		}
	}
	return fields(w, "total loss (of initial stake)", c.Loss, "stopped", c.Stopped, "standing", listOrNone(c.Standing))
}

func listOrNone(s []string) string { return orNone(strings.Join(s, ", ")) }
