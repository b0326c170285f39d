package main

import (
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/restaked/restaked/api"
	"github.com/restaked/restaked/tx"
)

// Service reward programs (SPEC §7): `tx service program create | cancel`
// for a service's admin, `query programs | program` for anyone.

func txProgramCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "program", Short: "Reward programs: pay a service's operators and stakers over time"}
	cmd.AddCommand(createProgramCmd(f),
		idTx(f, "cancel ID", "Cancel a reward program (its service's admin signs): the part not emitted yet comes back",
			func(signer string, id uint64) proto.Message { return &tx.MsgCancelRewardProgram{Admin: signer, Id: id} }))
	return cmd
}

func createProgramCmd(f *txFlags) *cobra.Command {
	var start string
	var startHeight int64
	cmd := &cobra.Command{
		Use:   "create SERVICE AMOUNT DURATION",
		Short: "Fund a reward program for SERVICE (its admin signs): AMOUNT is escrowed now and paid out over DURATION",
		Long: `Fund a reward program for SERVICE; the service's admin signs.

AMOUNT (one coin of any denom, e.g. 1000usdc) leaves the admin's balance at
once and is paid out evenly over DURATION (e.g. 30d), block by block, to
the service's operators in proportion to the value of the stake they
allocate to it; each operator takes its commission for the service and
the rest goes to its stakers by their shares. Emission nobody is eligible
for comes back when the program ends; cancel returns the part not emitted.`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				m, err := buildCreateProgram(signer, args, start, startHeight)
				return msgs(m), err
			})
		},
	}
	cmd.Flags().StringVar(&start, "start", "", "when emission starts: RFC 3339 (2026-03-01T00:00:00Z) or unix seconds (default: the block it lands in)")
	cmd.Flags().Int64Var(&startHeight, "start-height", 0, "or: emission starts from the time of the block at this height")
	cmd.MarkFlagsMutuallyExclusive("start", "start-height")
	return cmd
}

func buildCreateProgram(signer string, a []string, start string, startHeight int64) (*tx.MsgCreateRewardProgram, error) {
	name, err := parseServiceName(a[0])
	if err != nil {
		return nil, err
	}
	amount, err := parseCoin(a[1])
	if err != nil {
		return nil, err
	}
	if a[2] == "" {
		return nil, fmt.Errorf("duration is required: like 30s, 12h or 30d")
	}
	dur, err := parseDurationArg("duration", a[2])
	if err != nil {
		return nil, err
	}
	if startHeight < 0 {
		return nil, fmt.Errorf("--start-height %d is not valid: want a block height", startHeight)
	}
	at, err := parseStart(start)
	return &tx.MsgCreateRewardProgram{Admin: signer, Service: name, Amount: amount, Duration: dur, StartS: at,
		StartHeight: startHeight}, err
}

// parseStart reads --start: unix seconds or an RFC 3339 time; "" is 0
// (the block the program lands in). The chain judges whether it is past.
func parseStart(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("--start %q is not valid: want a positive unix time or an RFC 3339 time", s)
		}
		return n, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Unix() <= 0 {
		return 0, fmt.Errorf("--start %q is not valid: want an RFC 3339 time like 2026-03-01T00:00:00Z or unix seconds", s)
	}
	return t.Unix(), nil
}

func programsQuery(f *queryFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "programs", Short: "List service reward programs, newest first (all, or one service's)", Args: cobra.NoArgs}
	limit, before := pageFlags(cmd, "before", "id")
	svc := cmd.Flags().String("service", "", "only this service's programs")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if *svc != "" {
			if _, err := parseServiceName(*svc); err != nil {
				return err
			}
		}
		return runQuery(cmd, f, pageQuery("/v1/programs", *limit, "service", *svc, "before", *before), printPrograms)
	}
	return cmd
}

func printPrograms(w io.Writer, p api.Programs) error {
	if len(p.Programs) == 0 {
		_, err := fmt.Fprintln(w, "no reward programs")
		return err
	}
	rows := make([]string, len(p.Programs))
	for i, x := range p.Programs {
		rows[i] = strings.Join([]string{strconv.FormatUint(x.ID, 10), x.Service, x.Amount + x.Denom, programStart(x),
			dash(x.EndAt), x.Status, x.Credited, x.Refunded}, "\t")
	}
	if err := table(w, "ID\tSERVICE\tAMOUNT\tSTART\tEND\tSTATUS\tCREDITED\tREFUNDED", rows); err != nil {
		return err
	}
	return printNext(w, "before", p.Next)
}

func printProgram(w io.Writer, r api.ProgramResponse) error {
	x := r.Program
	kv := []any{"id", x.ID, "service", x.Service, "amount", x.Amount + x.Denom, "funder", x.Funder,
		"start", programStart(x), "end", dash(x.EndAt), "duration", duration(x.Duration_s), "created", x.CreatedAt, "status", x.Status}
	if x.ClosedAt != "" {
		kv = append(kv, "closed", x.ClosedAt)
	}
	kv = append(kv, "emitted", x.Emitted, "escrowed", x.Escrowed, "credited", x.Credited,
		"unassigned", x.Unassigned, "refunded", x.Refunded)
	return fields(w, kv...)
}

// programStart is the start time, or the height a program waits for.
func programStart(x api.Program) string {
	if x.StartHeight != 0 {
		return fmt.Sprintf("at height %d", x.StartHeight)
	}
	return x.StartAt
}

// printRewards shows each stream — primary staking, the native
// pass-through per operator, every service stream (per service, denom,
// role, operator and asset) — with its recent APR when known, then the
// total and the account's stake-weighted APR.
func printRewards(w io.Writer, r api.Rewards) error {
	rows := make([]string, len(r.Streams))
	for i, s := range r.Streams {
		kind, _, _ := strings.Cut(s.Stream, ":")
		rows[i] = strings.Join([]string{kind, dash(s.Service), dash(s.Role), dash(s.Operator), dash(s.Asset),
			pendingText(s), percent(s.APR)}, "\t")
	}
	if err := table(w, "STREAM\tSERVICE\tROLE\tOPERATOR\tASSET\tPENDING\tAPR", rows); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return fields(w, "total", coinsText(r.Total), "stake earning", orNone(r.Stake)+" (native units)", "apr", percent(r.APR))
}

// percent shows a decimal rate as a percentage with two decimals ("-"
// when unknown); display only.
func percent(rate string) string {
	r, ok := new(big.Rat).SetString(rate)
	if rate == "" || !ok {
		return "-"
	}
	return r.Mul(r, big.NewRat(100, 1)).FloatString(2) + "%"
}

// pendingText is a stream's pending coins; a one-denom stream with nothing
// pending shows 0 in its denom.
func pendingText(s api.RewardStream) string {
	if len(s.Pending) == 0 && s.Denom != "" {
		return "0" + s.Denom
	}
	return coinsText(s.Pending)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
