package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/restaked/restaked/api"
	"github.com/restaked/restaked/num"
)

func init() { extraCommands = append(extraCommands, queryCmd) }

// queryFlags are shared by every query subcommand.
type queryFlags struct {
	api    string
	output string
}

func queryCmd() *cobra.Command {
	f := &queryFlags{}
	cmd := &cobra.Command{
		Use:     "query",
		Aliases: []string{"q"},
		Short:   "Read chain state through the restaked HTTP API",
	}
	addAPIFlag(cmd, &f.api)
	cmd.PersistentFlags().StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	cmd.AddCommand(
		queryNoArg(f, "status", "Show the chain id, height and node versions", "/v1/status", printStatus),
		queryAddr(f, "account", "Show an account's balances and sequence", "/v1/accounts/%s", printAccount),
		queryAddr(f, "balances", "Show an account's balances", "/v1/accounts/%s/balances", printBalances),
		queryNoArg(f, "supply", "Show the total supply of every denom", "/v1/supply", printSupply),
		queryNoArg(f, "params", "Show the chain parameters", "/v1/params", printParams),
		queryNoArg(f, "validators", "List validators", "/v1/validators", printValidators),
		queryAddr(f, "validator", "Show one validator by operator address", "/v1/validators/%s", printValidator),
		queryAddr(f, "delegations", "List a delegator's delegations", "/v1/delegations/%s", printDelegations),
		queryAddr(f, "unbondings", "List a delegator's unbonding entries", "/v1/unbondings/%s", printUnbondings),
		queryAddr(f, "rewards", "Show an account's pending rewards per stream", "/v1/rewards/%s", printRewards),
		queryLiquidCmd(f),
		queryTx(f),
	)
	cmd.AddCommand(restakingQueries(f)...)
	return cmd
}

// printer renders an API answer as text; T is the answer's type.
type printer[T any] func(w io.Writer, v T) error

func queryNoArg[T any](f *queryFlags, use, short, path string, p printer[T]) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runQuery(cmd, f, path, p) },
	}
}

func queryAddr[T any](f *queryFlags, use, short, path string, p printer[T]) *cobra.Command {
	return &cobra.Command{
		Use: use + " ADDRESS", Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runQuery(cmd, f, fmt.Sprintf(path, url.PathEscape(args[0])), p)
		},
	}
}

func queryTx(f *queryFlags) *cobra.Command {
	return &cobra.Command{
		Use: "tx HASH", Short: "Show a committed transaction, its result and messages", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runQuery(cmd, f, "/v1/txs/"+url.PathEscape(args[0]), printTx)
		},
	}
}

// runQuery fetches path and prints it. JSON output is the API's answer as
// sent, so fields this CLI does not know yet still show.
func runQuery[T any](cmd *cobra.Command, f *queryFlags, path string, p printer[T]) error {
	if err := checkOutput(f.output); err != nil {
		return err
	}
	cmd.SilenceUsage = true
	c, err := newAPIClient(f.api)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := c.get(cmdContext(cmd), path, &raw); err != nil {
		return err
	}
	if f.output == "json" {
		return printRawJSON(cmd.OutOrStdout(), raw)
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("the API sent an answer this client does not understand: %v", err)
	}
	return p(cmd.OutOrStdout(), v)
}

func checkOutput(o string) error {
	if o != "text" && o != "json" {
		return fmt.Errorf("unknown output format %q (use text or json)", o)
	}
	return nil
}

func printRawJSON(w io.Writer, raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

func cmdContext(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// fields prints aligned "name: value" lines.
func fields(w io.Writer, kv ...any) error {
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(tw, "%v:\t%v\n", kv[i], kv[i+1])
	}
	return tw.Flush()
}

// table prints a header and rows, tab-separated cells aligned.
func table(w io.Writer, header string, rows []string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		fmt.Fprintln(tw, r)
	}
	return tw.Flush()
}

func coinsText(cs []api.Coin) string {
	if len(cs) == 0 {
		return "none"
	}
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Amount + c.Denom
	}
	return strings.Join(parts, ",")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func printStatus(w io.Writer, s api.Status) error {
	kv := []any{"chain id", s.ChainID, "height", s.Height, "app hash", orNone(s.AppHash),
		"block time", orNone(s.LatestBlockTime), "catching up", s.CatchingUp,
		"version", s.NodeVersion, "cometbft", s.CometBFTVersion}
	if s.RPCError != "" {
		kv = append(kv, "node", "unreachable: "+s.RPCError)
	}
	return fields(w, kv...)
}

func printAccount(w io.Writer, a api.Account) error {
	return fields(w, "address", a.Address, "balances", coinsText(a.Balances), "sequence", a.Sequence, "height", a.Height)
}

func printBalances(w io.Writer, b api.Balances) error {
	if len(b.Balances) == 0 {
		_, err := fmt.Fprintf(w, "%s has no balances\n", b.Address)
		return err
	}
	rows := make([]string, len(b.Balances))
	for i, c := range b.Balances {
		rows[i] = c.Denom + "\t" + c.Amount
	}
	return table(w, "DENOM\tAMOUNT", rows)
}

func printSupply(w io.Writer, s api.Supply) error {
	rows := make([]string, len(s.Supply))
	for i, c := range s.Supply {
		rows[i] = c.Denom + "\t" + c.Amount
	}
	return table(w, "DENOM\tSUPPLY", rows)
}

// printParams lists every parameter as name and value, in the API's order;
// durations (names ending in _s) also show in the units set_params takes.
func printParams(w io.Writer, p struct {
	Params json.RawMessage `json:"params"`
}) error {
	dec := json.NewDecoder(bytes.NewReader(p.Params))
	dec.UseNumber()
	var kv []any
	if _, err := dec.Token(); err != nil { // opening brace
		return err
	}
	for dec.More() {
		name, err := dec.Token()
		if err != nil {
			return err
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return err
		}
		kv = append(kv, name, paramText(fmt.Sprint(name), v))
	}
	return fields(w, kv...)
}

func paramText(name string, v any) string {
	n, ok := v.(json.Number)
	if !ok || !strings.HasSuffix(name, "_s") {
		return fmt.Sprint(v)
	}
	secs, err := strconv.ParseUint(n.String(), 10, 64)
	if err != nil {
		return n.String()
	}
	return fmt.Sprintf("%d (%s)", secs, num.FormatDuration(secs))
}

func printTx(w io.Writer, t api.Tx) error {
	kv := []any{"hash", t.Hash, "height", t.Height, "code", t.Code}
	if t.Rule != "" {
		kv = append(kv, "rule", t.Rule)
	}
	kv = append(kv, "log", orNone(t.Log), "signer", orNone(t.Signer), "sequence", t.Sequence, "fee", orNone(t.Fee))
	if t.Memo != "" {
		kv = append(kv, "memo", t.Memo)
	}
	for i, m := range t.Messages {
		kv = append(kv, fmt.Sprintf("message %d", i), string(m))
	}
	for _, e := range t.Events {
		kv = append(kv, "event", eventText(e))
	}
	return fields(w, kv...)
}

func eventText(e api.Event) string {
	parts := make([]string, len(e.Attributes))
	for i, a := range e.Attributes {
		parts[i] = a.Key + "=" + a.Value
	}
	return e.Type + " " + strings.Join(parts, " ")
}

func printValidators(w io.Writer, v api.Validators) error {
	if len(v.Validators) == 0 {
		_, err := fmt.Fprintln(w, "no validators")
		return err
	}
	rows := make([]string, len(v.Validators))
	for i, x := range v.Validators {
		rows[i] = strings.Join([]string{x.Operator, x.Moniker, validatorState(x), x.Tokens,
			fmt.Sprint(x.VotingPower), x.Commission}, "\t")
	}
	return table(w, "OPERATOR\tMONIKER\tSTATUS\tTOKENS\tPOWER\tCOMMISSION", rows)
}

// validatorState is the status with jail and tombstone marks.
func validatorState(v api.Validator) string {
	switch {
	case v.Tombstoned:
		return v.Status + " (tombstoned)"
	case v.Jailed:
		return v.Status + " (jailed)"
	}
	return v.Status
}

func printValidator(w io.Writer, r api.ValidatorResponse) error {
	v := r.Validator
	kv := []any{"operator", v.Operator, "moniker", orNone(v.Moniker), "status", validatorState(v),
		"tokens", v.Tokens, "delegator shares", v.DelegatorShares, "voting power", v.VotingPower,
		"commission", v.Commission}
	if v.JailedUntil != "" {
		kv = append(kv, "jailed until", v.JailedUntil)
	}
	kv = append(kv, "cons pubkey", base64.StdEncoding.EncodeToString(v.ConsPubKey), "cons address", v.ConsAddress,
		"created at height", v.CreatedHeight)
	return fields(w, kv...)
}

func printDelegations(w io.Writer, d api.Delegations) error {
	if len(d.Delegations) == 0 {
		_, err := fmt.Fprintf(w, "%s has no delegations\n", d.Delegator)
		return err
	}
	rows := make([]string, len(d.Delegations))
	for i, x := range d.Delegations {
		rows[i] = x.Validator + "\t" + x.Tokens + "\t" + x.Shares
	}
	return table(w, "VALIDATOR\tTOKENS\tSHARES", rows)
}

func printUnbondings(w io.Writer, u api.Unbondings) error {
	if len(u.Unbondings) == 0 {
		_, err := fmt.Fprintf(w, "%s has no unbonding entries\n", u.Delegator)
		return err
	}
	rows := make([]string, len(u.Unbondings))
	for i, x := range u.Unbondings {
		rows[i] = strings.Join([]string{fmt.Sprint(x.ID), x.Validator, x.Balance, x.Value, x.CompletesAt}, "\t")
	}
	return table(w, "ID\tVALIDATOR\tREQUESTED\tPAYS\tCOMPLETES", rows)
}
