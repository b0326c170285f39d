package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/restaked/restaked/api"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/risk"
	"github.com/restaked/restaked/riskview"
)

func init() { extraCommands = append(extraCommands, riskCmd) }

// riskFlags are shared by every risk subcommand. Reports over the network
// (services, check, attack, worst-loss, cascade, export-lp) read it from
// --network FILE or from the node's /v1/risk/network and run here, with
// the same functions the API runs; exposure and previews need the live
// state and ask the API.
type riskFlags struct {
	queryFlags
	network  string
	height   int64
	maxNodes int64
}

func riskCmd() *cobra.Command {
	f := &riskFlags{}
	cmd := &cobra.Command{
		Use:   "risk",
		Short: "Risk engine: exposure, service security, exact attack search, cascades, previews (SPEC §8)",
	}
	addAPIFlag(cmd, &f.api)
	cmd.PersistentFlags().StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	cmd.PersistentFlags().StringVar(&f.network, "network", "", "read the network from this JSON file instead of the node")
	cmd.PersistentFlags().Int64Var(&f.height, "height", 0, "the node's network at this past block (from the stake history; default: now)")
	cmd.PersistentFlags().Int64Var(&f.maxNodes, "max-nodes", risk.DefaultMaxNodes, "node bound of each exact attack search (attack, cascade: past it an error, never a guess; worst-loss: past it a lower bound)")
	cmd.AddCommand(riskExportCmd(f), riskExposureCmd(f), riskServicesCmd(f), riskCheckCmd(f), riskAttackCmd(f),
		riskPreviewSlashCmd(f), riskStressCmd(f), riskGenCmd(f), riskExportLPCmd(f))
	cmd.AddCommand(riskAnalysisCmds(f)...)
	return cmd
}

// liveOnly refuses --network and --height for questions only the live
// state answers (exposure, previews).
func (f *riskFlags) liveOnly() error {
	if f.network != "" || f.height != 0 {
		return fmt.Errorf("this question needs the live state: --network and --height do not apply")
	}
	return nil
}

// loadNetwork reads --network or asks the node for its network.
func (f *riskFlags) loadNetwork(cmd *cobra.Command) (*risk.Network, error) {
	cmd.SilenceUsage = true
	var raw []byte
	if f.network != "" && f.height != 0 {
		return nil, fmt.Errorf("--height reads the node's history; it does not apply to --network")
	}
	if f.network != "" {
		b, err := readBounded(f.network)
		if err != nil {
			return nil, err
		}
		raw = b
	} else {
		c, err := newAPIClient(f.api)
		if err != nil {
			return nil, err
		}
		var m json.RawMessage
		path := "/v1/risk/network"
		if f.height != 0 {
			path += fmt.Sprintf("?height=%d", f.height)
		}
		if err := c.get(cmdContext(cmd), path, &m); err != nil {
			return nil, err
		}
		raw = m
	}
	return risk.ParseNetwork(raw)
}

// maxNetworkFile bounds what --network reads (a 100,000-operator network
// with a million allocations is well under it).
const maxNetworkFile = 512 << 20

func readBounded(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxNetworkFile+1))
	if err == nil && len(b) > maxNetworkFile {
		err = fmt.Errorf("%s is larger than %d bytes", path, maxNetworkFile)
	}
	return b, err
}

// emit prints v as JSON or through its text printer.
func emit[T any](cmd *cobra.Command, f *riskFlags, v T, p printer[T]) error {
	if err := checkOutput(f.output); err != nil {
		return err
	}
	if f.output == "json" {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return printRawJSON(cmd.OutOrStdout(), b)
	}
	return p(cmd.OutOrStdout(), v)
}

// networkReport runs fn on the network and prints its report.
func networkReport[T any](f *riskFlags, fn func(n *risk.Network) (T, error), p printer[T]) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		if err := checkOutput(f.output); err != nil {
			return err
		}
		n, err := f.loadNetwork(cmd)
		if err != nil {
			return err
		}
		v, err := fn(n)
		if err != nil {
			return err
		}
		return emit(cmd, f, v, p)
	}
}

func riskExportCmd(f *riskFlags) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use: "export", Short: "Write the live chain's network (operators, services, allocations) as a network file", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.network != "" {
				return fmt.Errorf("export reads the node; --network does not apply")
			}
			n, err := f.loadNetwork(cmd)
			if err != nil {
				return err
			}
			return writeJSONFile(cmd, out, n)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write to this file instead of standard output")
	return cmd
}

func writeJSONFile(cmd *cobra.Command, path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "" {
		_, err = cmd.OutOrStdout().Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func riskExposureCmd(f *riskFlags) *cobra.Command {
	return &cobra.Command{
		Use: "exposure ADDRESS", Short: "Show what can take an account's money: holdings, positions, operators, services", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.liveOnly(); err != nil {
				return err
			}
			return runQuery(cmd, &f.queryFlags, "/v1/risk/exposure/"+url.PathEscape(args[0]), printExposure)
		},
	}
}

func riskServicesCmd(f *riskFlags) *cobra.Command {
	return &cobra.Command{
		Use: "services", Short: "Per service: stake, cost of corruption (fractional and exact), CoC/PfC, concentration", Args: cobra.NoArgs,
		RunE: networkReport(f, riskview.ServicesOf, printServicesReport),
	}
}

func riskCheckCmd(f *riskFlags) *cobra.Command {
	var psi string
	cmd := &cobra.Command{
		Use: "check", Short: "Certified slack γ*: secure when ≥ 0, and the loss bound (1+1/γ*)·ψ", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := riskview.ParsePsi(psi, false)
			if err != nil {
				return err
			}
			return networkReport(f, func(n *risk.Network) (riskview.Check, error) { return riskview.CheckOf(n, p) }, printCheck)(cmd, args)
		},
	}
	cmd.Flags().StringVar(&psi, "psi", "", "shock as a fraction of total stake, for the loss bound")
	return cmd
}

func riskAttackCmd(f *riskFlags) *cobra.Command {
	return &cobra.Command{
		Use: "attack", Short: "The most profitable attack (services, operators, profit) or proof that none exists, exactly", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return networkReport(f, func(n *risk.Network) (riskview.AttackReport, error) { return riskview.AttackOf(n, f.maxNodes) }, printAttack)(cmd, args)
		},
	}
}

func riskPreviewSlashCmd(f *riskFlags) *cobra.Command {
	return previewCmd(f, "preview-slash", "What if a service slashed an operator now: LST rate, vaults, positions, security (nothing is written)",
		"/v1/risk/preview-slash", [][2]string{{"service", "the service (name)"}, {"operator", "the operator (address)"},
			{"fraction", "fraction of the operator's allocation to the service"}})
}

func riskStressCmd(f *riskFlags) *cobra.Command {
	return previewCmd(f, "stress", "What if a validator were slashed by a fraction now: LST rate, vaults, positions, security",
		"/v1/risk/stress", [][2]string{{"validator", "the validator (operator address)"}, {"fraction", "fraction of its bonded stake"}})
}

// previewCmd is a what-if command: each required flag (name, help) is a
// query parameter of path, and --account adds that account's positions.
func previewCmd(f *riskFlags, use, short, path string, flags [][2]string) *cobra.Command {
	vals := make([]string, len(flags))
	var acct string
	cmd := &cobra.Command{
		Use: use, Short: short, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.liveOnly(); err != nil {
				return err
			}
			q := url.Values{}
			for i, fl := range flags {
				q.Set(fl[0], vals[i])
			}
			if acct != "" {
				q.Set("account", acct)
			}
			return runQuery(cmd, &f.queryFlags, path+"?"+q.Encode(), printPreview)
		},
	}
	for i, fl := range flags {
		cmd.Flags().StringVar(&vals[i], fl[0], "", fl[1])
		_ = cmd.MarkFlagRequired(fl[0])
	}
	cmd.Flags().StringVar(&acct, "account", "", "also show this account's positions")
	return cmd
}

func riskGenCmd(f *riskFlags) *cobra.Command {
	var opt risk.GenOptions
	var out string
	cmd := &cobra.Command{
		Use: "gen", Short: "Write a realistic synthetic network (heavy-tailed stake, services over 3–4 orders of magnitude of pfc)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SilenceUsage = true
			n, err := risk.Generate(opt)
			if err != nil {
				return err
			}
			return writeJSONFile(cmd, out, n)
		},
	}
	cmd.Flags().IntVar(&opt.Operators, "operators", 2000, "number of operators")
	cmd.Flags().IntVar(&opt.Services, "services", 50, "number of services")
	cmd.Flags().Int64Var(&opt.Seed, "seed", 1, "random seed (the same seed gives the same network)")
	cmd.Flags().StringVar(&opt.Variant, "variant", "unique", "restaking variant: unique, elastic or full")
	cmd.Flags().StringVar(&out, "out", "", "write to this file instead of standard output")
	return cmd
}

func riskExportLPCmd(f *riskFlags) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use: "export-lp", Short: "Write the attack search as a MILP in CPLEX LP format (cross-check with any solver)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := f.loadNetwork(cmd)
			if err != nil {
				return err
			}
			g, err := risk.Compile(n)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if out != "" {
				fh, err := os.Create(out)
				if err != nil {
					return err
				}
				defer fh.Close()
				w = fh
			}
			return risk.WriteLP(w, g)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write to this file instead of standard output")
	return cmd
}

func printExposure(w io.Writer, r api.RiskExposure) error {
	e := r.Exposure
	if err := fields(w, "account", e.Account, "height", r.Height, "positions value", e.Value,
		"worst case (every service slashes fully)", e.WorstCase, "effective restaking degree", e.Degree); err != nil {
		return err
	}
	var rows []string
	for _, h := range e.Holdings {
		risk := "none (unstaked)"
		if h.Liquid {
			risk = "liquid pool validators (rate)"
		}
		rows = append(rows, strings.Join([]string{"holding", h.Denom, "", h.Amount.String(), h.Value.String(), risk}, "\t"))
	}
	for _, d := range e.Delegations {
		rows = append(rows, strings.Join([]string{"delegation", "stake", d.Validator.String(), d.Tokens.String(), d.Tokens.String(), "validator slashing"}, "\t"))
	}
	for _, p := range e.Positions {
		rows = exposureRows(rows, "position", p)
	}
	for _, x := range e.Withdrawals {
		rows = exposureRows(rows, fmt.Sprintf("withdrawal #%d", x.ID), x.Exposure)
	}
	if err := table(w, "LAYER\tWHAT\tOPERATOR/VALIDATOR\tAMOUNT / MAX LOSS\tVALUE\tRISK", rows); err != nil {
		return err
	}
	if e.Truncated {
		_, err := fmt.Fprintf(w, "only the newest %d withdrawals were looked at\n", restaking.MaxExposureWithdrawals)
		return err
	}
	return nil
}

func exposureRows(rows []string, layer string, p restaking.PositionExposure) []string {
	rows = append(rows, strings.Join([]string{layer, p.Asset, p.Operator.String(), p.Amount.String(), p.Value.String(),
		fmt.Sprintf("worst case %s (degree %s)", p.WorstCaseValue, p.Degree)}, "\t"))
	for _, s := range p.Services {
		rows = append(rows, strings.Join([]string{"  service", s.Service, "", s.MaxLoss.String(), s.MaxLossValue.String(),
			fmt.Sprintf("%s of it, ≤ %s per request", s.Fraction, s.MaxSlash)}, "\t"))
	}
	return rows
}

func printServicesReport(w io.Writer, r riskview.ServicesReport) error {
	rows := make([]string, 0, len(r.Services))
	for _, s := range r.Services {
		exact := "search bound hit"
		if s.CoCExact != nil {
			exact = risk.DecimalFloor(s.CoCExact)
		}
		ratio := "∞"
		if s.RatioFractional != nil {
			ratio = risk.DecimalFloor(s.RatioFractional)
		}
		top := ""
		for _, t := range s.Top {
			top += fmt.Sprintf("%d:%s ", t.K, shortDec(t.Share))
		}
		rows = append(rows, strings.Join([]string{s.ID, risk.DecimalFloor(s.Stake), fmt.Sprint(s.Operators), risk.DecimalFloor(s.PfC),
			risk.DecimalFloor(s.Threshold), risk.DecimalFloor(s.CoCFractional), exact, shortDec(ratioOr(s.RatioFractional)), ratio,
			strings.TrimSpace(top), shortDec(s.HHI), fmt.Sprint(s.Nakamoto)}, "\t"))
	}
	if err := table(w, "SERVICE\tSTAKE\tOPS\tPFC\tα\tCOC (FRACTIONAL)\tCOC (EXACT)\tCOC/PFC\t\tTOP-K SHARE\tHHI\tNAKAMOTO", rows); err != nil {
		return err
	}
	if len(r.Unsecured) > 0 {
		_, err := fmt.Fprintf(w, "unsecured (no stake): %s\n", strings.Join(r.Unsecured, ", "))
		return err
	}
	return nil
}

func ratioOr(r *big.Rat) *big.Rat {
	if r == nil {
		return new(big.Rat)
	}
	return r
}

// shortDec prints a fraction with 4 decimals for tables (JSON is exact).
func shortDec(r *big.Rat) string {
	if r == nil {
		return "-"
	}
	return r.FloatString(4)
}

func printCheck(w io.Writer, c riskview.Check) error {
	verdict := "not certified (γ* < 0: run `restaked risk attack` for the exact verdict)"
	if c.Certified {
		verdict = "secure (certified: no attack is profitable)"
	}
	kv := []any{"γ*", orInf(c.GammaStar), "verdict", verdict}
	if c.Binding != nil {
		kv = append(kv, "binding", c.Binding.Kind+" "+c.Binding.ID)
	}
	if c.LossBoundFactor != nil {
		kv = append(kv, "loss bound factor 1+1/γ*", *c.LossBoundFactor)
	}
	switch {
	case c.LossBound != nil:
		kv = append(kv, "loss bound at ψ="+c.Psi, *c.LossBound+" of total stake")
	case c.Psi != "" && c.LossBoundFactor != nil && !c.BoundProven:
		kv = append(kv, "loss bound at ψ="+c.Psi, "not proven here (an operator restakes part of its stake elastically)")
	}
	if len(c.Unsecured) > 0 {
		kv = append(kv, "unsecured (no stake)", strings.Join(c.Unsecured, ", "))
	}
	return fields(w, kv...)
}

func orInf(s *string) string {
	if s == nil {
		return "+∞"
	}
	return *s
}

func printAttack(w io.Writer, a riskview.AttackReport) error {
	if a.Secure {
		return fields(w, "verdict", "secure: no attack is profitable", "proof", a.Proof, "nodes searched", a.Nodes, "γ*", orInf(a.GammaStar))
	}
	return fields(w, "verdict", "INSECURE: a profitable attack exists", "profit", a.Profit,
		"services", strings.Join(a.Services, ", "), "operators", strings.Join(a.Operators, ", "),
		"proof of optimality", a.Proof, "nodes searched", a.Nodes, "γ*", orInf(a.GammaStar))
}

func printPreview(w io.Writer, p riskview.Preview) error {
	if err := fields(w, "height", p.Height, "LST rate", p.LSTRate.Before.String()+" → "+p.LSTRate.After.String()); err != nil {
		return err
	}
	rows := make([]string, 0, len(p.Vaults))
	for _, v := range p.Vaults {
		rows = append(rows, strings.Join([]string{v.Operator.String(), v.Asset, v.Before.String() + " → " + v.After.String(),
			v.ValueBefore.String() + " → " + v.ValueAfter.String(), v.Factor.String()}, "\t"))
	}
	if err := table(w, "OPERATOR\tASSET\tSTAKE\tVALUE\tEVERY POSITION ×", rows); err != nil {
		return err
	}
	for _, x := range p.Positions {
		fmt.Fprintf(w, "your position %s/%s: %s → %s (value %s → %s)\n", x.Operator, x.Asset, x.Before, x.After, x.ValueBefore, x.ValueAfter)
	}
	if p.Security == nil {
		return nil
	}
	fmt.Fprintf(w, "γ*: %s → %s\n", orInf(p.Security.Before.Check.GammaStar), orInf(p.Security.After.Check.GammaStar))
	after := map[string]risk.ServiceReport{} // lookups by id only
	for _, s := range p.Security.After.Services {
		after[s.ID] = s
	}
	srows := make([]string, 0, len(p.Security.Before.Services))
	for _, b := range p.Security.Before.Services {
		stake, nakamoto := "0 (unsecured)", "-"
		if a, ok := after[b.ID]; ok {
			stake, nakamoto = risk.DecimalFloor(a.Stake), fmt.Sprint(a.Nakamoto)
		}
		srows = append(srows, strings.Join([]string{b.ID, risk.DecimalFloor(b.Stake) + " → " + stake, fmt.Sprint(b.Nakamoto) + " → " + nakamoto}, "\t"))
	}
	return table(w, "SERVICE\tSTAKE SECURING IT\tNAKAMOTO", srows)
}
