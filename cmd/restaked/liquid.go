package main

import (
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/restaked/restaked/api"
	"github.com/restaked/restaked/tx"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
)

// txLiquidCmd is `restaked tx liquid stake|unstake AMOUNT --from KEY`.
func txLiquidCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "liquid", Short: "Liquid staking: stake for ststake, unstake through a claim"}
	cmd.AddCommand(
		liquidCmd(f, "stake", "Deposit AMOUNT (e.g. 1000stake) into the pool for ststake", func(signer, amt string) proto.Message {
			return &tx.MsgLiquidStake{From: signer, Amount: amt}
		}),
		liquidCmd(f, "unstake", "Burn AMOUNT (e.g. 1000ststake) and open a claim paid after the unbonding period", func(signer, amt string) proto.Message {
			return &tx.MsgLiquidUnstake{From: signer, Amount: amt}
		}),
	)
	return cmd
}

func liquidCmd(f *txFlags, use, short string, build func(signer, amt string) proto.Message) *cobra.Command {
	return &cobra.Command{
		Use: use + " AMOUNT", Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				amt, err := parseCoin(args[0])
				if err != nil {
					return nil, err
				}
				return msgs(build(signer, amt)), nil
			})
		},
	}
}

// queryLiquidCmd is `restaked query liquid` (the pool) and
// `restaked query liquid claims ADDRESS [--before ID] [--limit N]`.
func queryLiquidCmd(f *queryFlags) *cobra.Command {
	cmd := queryNoArg(f, "liquid", "Show the liquid-staking pool: rate, supply and balance sheet", "/v1/liquid", printLiquidPool)
	claims := &cobra.Command{
		Use: "claims ADDRESS", Short: "List an address's unstake claims, newest first, one page at a time", Args: cobra.ExactArgs(1),
	}
	limit, before := pageFlags(claims, "before", "claim id")
	claims.RunE = func(cmd *cobra.Command, args []string) error {
		path := pageQuery("/v1/liquid/claims/"+url.PathEscape(args[0]), *limit, "before", *before)
		return runQuery(cmd, f, path, printLiquidClaims)
	}
	cmd.AddCommand(claims)
	return cmd
}

func printLiquidPool(w io.Writer, p api.LiquidPool) error {
	return fields(w, "height", p.Height, "pool", p.Pool, "rate", p.Rate+" stake per "+p.Denom,
		"supply", p.Supply+p.Denom, "burned by unpaid claims", p.Burned+p.Denom, "assets", p.Assets,
		"delegated", p.Delegated, "unbonding", p.Unbonding,
		"idle", p.Idle, "pending (net of fee)", p.Pending, "owed to claims", p.Owed,
		"fees paid", p.FeesPaid, "fee account", p.FeeAccount, "claims opened", p.Claims)
}

func printLiquidClaims(w io.Writer, c api.LiquidClaims) error {
	if len(c.Claims) == 0 {
		_, err := fmt.Fprintf(w, "%s has no liquid staking claims\n", c.Owner)
		return err
	}
	rows := make([]string, len(c.Claims))
	for i, x := range c.Claims {
		state := "pending"
		if x.Paid {
			state = "paid " + x.PaidAmount + " " + x.PaidAt
		}
		rows[i] = strconv.FormatUint(x.ID, 10) + "\t" + x.Burned + "\t" + x.Amount + "\t" + x.RateAtRequest + "\t" + x.CompletesAt + "\t" + state
	}
	if err := table(w, "ID\tBURNED\tUP TO\tRATE\tCOMPLETES\tSTATE", rows); err != nil {
		return err
	}
	return printNext(w, "before", c.Next)
}
