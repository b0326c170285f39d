package main

import (
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/restaked/restaked/api"
	"github.com/restaked/restaked/num"
)

// restakingQueries are the `restaked query` commands for restaking
// (SPEC §6), each one API route. Lists are paged like the API: --limit,
// and --after or --before with the cursor the previous page printed.
func restakingQueries(f *queryFlags) []*cobra.Command {
	return []*cobra.Command{
		pagedQuery(f, "operators", "List restaking operators by address", "/v1/operators", "after", "address", printOperators),
		queryAddr(f, "operator", "Show an operator, its stake and its allocations", "/v1/operators/%s", printOperator),
		pagedQuery(f, "services", "List restaking services by name", "/v1/services", "after", "name", printServices),
		queryName(f, "service", "Show a service", "/v1/services/%s", printService),
		serviceStakeQuery(f),
		queryAddr(f, "positions", "List a staker's restaking positions", "/v1/positions/%s", printPositions),
		withdrawalsQuery(f),
		queryID(f, "withdrawal", "Show a restaking withdrawal", "/v1/withdrawal/%d", printWithdrawal),
		slashesQuery(f),
		queryID(f, "slash", "Show a slash request and what it took", "/v1/slashes/%d", printSlash),
		queryNoArg(f, "assets", "List restakable assets and their value in native units", "/v1/assets", printAssets),
		programsQuery(f),
		queryID(f, "program", "Show a service reward program, its schedule and books", "/v1/programs/%d", printProgram),
	}
}

// pageFlags adds --limit and the cursor flag to a list query.
func pageFlags(cmd *cobra.Command, cursor, what string) (*int, *string) {
	limit := cmd.Flags().Int("limit", 0, fmt.Sprintf("most entries to show (default %d, at most %d)", api.DefaultPageLimit, api.MaxPageLimit))
	value := cmd.Flags().String(cursor, "", "show the page after this "+what+" (printed at the end of the previous page)")
	return limit, value
}

// pageQuery is path with the page parameters that were given.
func pageQuery(path string, limit int, kv ...string) string {
	q := url.Values{}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func pagedQuery[T any](f *queryFlags, use, short, path, cursor, what string, p printer[T]) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs}
	limit, value := pageFlags(cmd, cursor, what)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return runQuery(cmd, f, pageQuery(path, *limit, cursor, *value), p)
	}
	return cmd
}

func queryName[T any](f *queryFlags, use, short, path string, p printer[T]) *cobra.Command {
	return &cobra.Command{
		Use: use + " NAME", Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runQuery(cmd, f, fmt.Sprintf(path, url.PathEscape(args[0])), p)
		},
	}
}

func queryID[T any](f *queryFlags, use, short, path string, p printer[T]) *cobra.Command {
	return &cobra.Command{
		Use: use + " ID", Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			return runQuery(cmd, f, fmt.Sprintf(path, id), p)
		},
	}
}

func serviceStakeQuery(f *queryFlags) *cobra.Command {
	var height int64
	cmd := &cobra.Command{
		Use:   "service-stake NAME",
		Short: "Show a service's operators and the stake it could slash at a height (default: the last block)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h := ""
			if height != 0 {
				h = strconv.FormatInt(height, 10)
			}
			return runQuery(cmd, f, pageQuery("/v1/services/"+url.PathEscape(args[0])+"/stake", 0, "height", h), printServiceStake)
		},
	}
	cmd.Flags().Int64Var(&height, "height", 0, "block height to read the stake history at")
	return cmd
}

func withdrawalsQuery(f *queryFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "withdrawals ADDRESS", Short: "List a staker's restaking withdrawals, newest first", Args: cobra.ExactArgs(1)}
	limit, before := pageFlags(cmd, "before", "id")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return runQuery(cmd, f, pageQuery("/v1/withdrawals/"+url.PathEscape(args[0]), *limit, "before", *before), printWithdrawals)
	}
	return cmd
}

func slashesQuery(f *queryFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "slashes", Short: "List slashes, newest first (all, or one operator's)", Args: cobra.NoArgs}
	limit, before := pageFlags(cmd, "before", "id")
	op := cmd.Flags().String("operator", "", "only this operator's slashes")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return runQuery(cmd, f, pageQuery("/v1/slashes", *limit, "operator", *op, "before", *before), printSlashes)
	}
	return cmd
}

// printNext tells how to get the next page, if there is one.
func printNext(w io.Writer, flag, next string) error {
	if next == "" {
		return nil
	}
	_, err := fmt.Fprintf(w, "more: repeat with --%s %s\n", flag, next)
	return err
}

func duration(secs uint64) string { return num.FormatDuration(secs) }

func printOperators(w io.Writer, o api.Operators) error {
	if len(o.Operators) == 0 {
		_, err := fmt.Fprintln(w, "no operators")
		return err
	}
	rows := make([]string, len(o.Operators))
	for i, x := range o.Operators {
		rows[i] = strings.Join([]string{x.Address, strconv.FormatBool(x.Validator), strconv.FormatUint(x.Degree, 10),
			duration(x.AllocationDelay_s), strconv.FormatUint(uint64(x.Services), 10), x.Commission}, "\t")
	}
	if err := table(w, "OPERATOR\tVALIDATOR\tDEGREE\tALLOCATION DELAY\tSERVICES\tCOMMISSION", rows); err != nil {
		return err
	}
	return printNext(w, "after", o.Next)
}

func printOperator(w io.Writer, r api.OperatorResponse) error {
	o := r.Operator
	kv := []any{"operator", o.Address, "validator", o.Validator, "degree", o.Degree,
		"allocation delay", duration(o.AllocationDelay_s), "commission", o.Commission, "services", o.Services,
		"registered", o.RegisteredAt, "metadata", orNone(o.Metadata)}
	if p := o.Pending; p != nil {
		kv = append(kv, "pending change", fmt.Sprintf("allocation delay %s, degree %d from %s", duration(p.AllocationDelay_s), p.Degree, p.EffectiveAt))
	}
	if err := fields(w, kv...); err != nil {
		return err
	}
	stake := make([]string, len(r.Stake))
	for i, s := range r.Stake {
		stake[i] = s.Asset + "\t" + s.Amount + "\t" + s.Value
	}
	if err := section(w, "no stake deposited", "ASSET\tSTAKE\tVALUE", stake); err != nil {
		return err
	}
	allocs := make([]string, len(r.Allocations))
	for i, a := range r.Allocations {
		pending := "-"
		if a.Pending != nil {
			pending = a.Pending.Magnitude + " from " + a.Pending.EffectiveAt
		}
		allocs[i] = strings.Join([]string{a.Service, a.Asset, a.Magnitude, a.EffectiveMagnitude, a.Stake, pending}, "\t")
	}
	return section(w, "no allocations", "SERVICE\tASSET\tMAGNITUDE\tEFFECTIVE\tSLASHABLE\tPENDING", allocs)
}

// section prints a blank line, then the table, or none when there are no rows.
func section(w io.Writer, none, header string, rows []string) error {
	fmt.Fprintln(w)
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, none)
		return err
	}
	return table(w, header, rows)
}

func printServices(w io.Writer, s api.Services) error {
	if len(s.Services) == 0 {
		_, err := fmt.Fprintln(w, "no services")
		return err
	}
	rows := make([]string, len(s.Services))
	for i, x := range s.Services {
		rows[i] = strings.Join([]string{x.Name, strings.Join(x.Assets, ","), x.Policy, x.Slasher, orNone(x.Resolver),
			x.Destination, strconv.FormatUint(uint64(x.Members), 10)}, "\t")
	}
	if err := table(w, "NAME\tASSETS\tPOLICY\tSLASHER\tRESOLVER\tDESTINATION\tMEMBERS", rows); err != nil {
		return err
	}
	return printNext(w, "after", s.Next)
}

func printService(w io.Writer, r api.ServiceResponse) error {
	s := r.Service
	kv := []any{"name", s.Name, "admin", s.Admin, "assets", strings.Join(s.Assets, ","), "policy", s.Policy,
		"slasher", s.Slasher, "resolver", orNone(s.Resolver), "veto window", duration(s.VetoWindow_s),
		"destination", s.Destination, "max slash fraction", s.MaxSlashFraction,
		"min operator stake", s.MinOperatorStake, "max operator degree", degreeCap(s.MaxOperatorDegree),
		"pfc", s.PfC, "threshold", s.Threshold, "members", s.Members, "registered", s.RegisteredAt,
		"metadata", orNone(s.Metadata)}
	if p := s.Pending; p != nil {
		kv = append(kv, "pending from "+p.EffectiveAt, fmt.Sprintf("slasher %s, resolver %s, veto window %s, destination %s, max slash fraction %s",
			p.Slasher, orNone(p.Resolver), duration(p.VetoWindow_s), p.Destination, p.MaxSlashFraction))
	}
	return fields(w, kv...)
}

func degreeCap(d uint64) string {
	if d == 0 {
		return "no cap"
	}
	return strconv.FormatUint(d, 10)
}

func printServiceStake(w io.Writer, s api.ServiceStake) error {
	if err := fields(w, "service", s.Service, "at height", s.AtHeight, "total value", s.Total,
		"operators opted in", len(s.Operators)); err != nil {
		return err
	}
	rows := make([]string, len(s.Stake))
	for i, e := range s.Stake {
		rows[i] = strings.Join([]string{e.Operator, e.Asset, e.Magnitude, e.Amount, e.Value}, "\t")
	}
	return section(w, "no stake allocated", "OPERATOR\tASSET\tMAGNITUDE\tAMOUNT\tVALUE", rows)
}

func printPositions(w io.Writer, p api.Positions) error {
	if len(p.Positions) == 0 {
		_, err := fmt.Fprintf(w, "%s has no restaking positions\n", p.Staker)
		return err
	}
	rows := make([]string, len(p.Positions))
	for i, x := range p.Positions {
		rows[i] = strings.Join([]string{x.Operator, x.Asset, x.Deposited, x.Withdrawable, x.Slashed, x.Value}, "\t")
	}
	return table(w, "OPERATOR\tASSET\tDEPOSITED\tWITHDRAWABLE\tSLASHED\tVALUE", rows)
}

func withdrawalState(x api.Withdrawal) string {
	switch {
	case x.Completed:
		return "completed " + x.CompletedAt
	case x.Completable:
		return "completable"
	case x.HeldBySlash != 0:
		return fmt.Sprintf("due, held by slash #%d", x.HeldBySlash)
	}
	return "queued"
}

func printWithdrawals(w io.Writer, l api.Withdrawals) error {
	if len(l.Withdrawals) == 0 {
		_, err := fmt.Fprintf(w, "%s has no restaking withdrawals\n", l.Staker)
		return err
	}
	rows := make([]string, len(l.Withdrawals))
	for i, x := range l.Withdrawals {
		rows[i] = strings.Join([]string{strconv.FormatUint(x.ID, 10), x.Operator, x.Value + x.Asset, x.DueAt, withdrawalState(x)}, "\t")
	}
	if err := table(w, "ID\tOPERATOR\tPAYS\tDUE\tSTATE", rows); err != nil {
		return err
	}
	return printNext(w, "before", l.Next)
}

func printWithdrawal(w io.Writer, r api.WithdrawalResponse) error {
	x := r.Withdrawal
	return fields(w, "id", x.ID, "staker", x.Staker, "operator", x.Operator, "pays", x.Value+x.Asset,
		"principal", x.Principal+x.Asset, "scaled shares", x.ScaledShares, "started", x.StartedAt, "due", x.DueAt,
		"state", withdrawalState(x))
}

func takenText(ts []api.SlashTake) string {
	if len(ts) == 0 {
		return "nothing"
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.Amount + t.Asset
	}
	return strings.Join(parts, ",")
}

func printSlashes(w io.Writer, s api.Slashes) error {
	if len(s.Slashes) == 0 {
		_, err := fmt.Fprintln(w, "no slashes")
		return err
	}
	rows := make([]string, len(s.Slashes))
	for i, x := range s.Slashes {
		rows[i] = strings.Join([]string{strconv.FormatUint(x.ID, 10), x.Service, x.Operator, x.Fraction, x.Status, takenText(x.Taken)}, "\t")
	}
	if err := table(w, "ID\tSERVICE\tOPERATOR\tFRACTION\tSTATUS\tTAKEN", rows); err != nil {
		return err
	}
	return printNext(w, "before", s.Next)
}

func printSlash(w io.Writer, r api.SlashResponse) error {
	x := r.Slash
	kv := []any{"id", x.ID, "service", x.Service, "operator", x.Operator, "fraction", x.Fraction,
		"assets", strings.Join(x.Assets, ","), "reason", orNone(x.Reason), "status", x.Status,
		"requested", fmt.Sprintf("%s (height %d)", x.RequestedAt, x.RequestHeight), "executable from", x.ExecuteAfter}
	if x.ExecutedAt != "" {
		kv = append(kv, "executed", x.ExecutedAt, "taken", takenText(x.Taken), "destination", x.Destination)
	}
	if x.ReleaseAt != "" {
		kv = append(kv, "claimable from", x.ReleaseAt, "claimed", x.Claimed)
	}
	if err := fields(w, kv...); err != nil {
		return err
	}
	if len(x.Taken) == 0 {
		return nil
	}
	rows := make([]string, len(x.Taken))
	for i, t := range x.Taken {
		rows[i] = strings.Join([]string{t.Asset, t.Magnitude, t.MaxMagnitude, t.Amount, t.FromQueued}, "\t")
	}
	fmt.Fprintln(w)
	return table(w, "ASSET\tMAGNITUDE\tMAX MAGNITUDE AFTER\tAMOUNT\tUNITS FROM QUEUE", rows)
}

func printAssets(w io.Writer, a api.Assets) error {
	rows := make([]string, len(a.Assets))
	for i, x := range a.Assets {
		rows[i] = x.Denom + "\t" + x.Kind + "\t" + x.Value
	}
	return table(w, "DENOM\tKIND\tVALUE (NATIVE UNITS)", rows)
}
