package main

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/tx"
)

// Restaking transactions (SPEC §6): `tx operator ...` for operators,
// `tx service ...` for services, `tx restake ...` for stakers. Arguments
// are checked here as far as their syntax goes, so a typo fails before
// anything is signed; the chain checks everything that depends on state.

// argsTx is a command whose positional arguments map to one message
// signed by --from.
func argsTx(f *txFlags, use, short string, nargs int, build func(signer string, args []string) (proto.Message, error)) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(nargs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				m, err := build(signer, args)
				if err != nil {
					return nil, err
				}
				return msgs(m), nil
			})
		},
	}
}

func txOperatorCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "operator", Short: "Restaking operators: register, opt in to services, allocate stake"}
	cmd.AddCommand(registerOperatorCmd(f), updateOperatorCmd(f),
		argsTx(f, "opt-in SERVICE", "Opt the --from operator in to a service", 1, func(signer string, a []string) (proto.Message, error) {
			name, err := parseServiceName(a[0])
			return &tx.MsgOptIn{Operator: signer, Service: name}, err
		}),
		argsTx(f, "opt-out SERVICE", "Opt out of a service (its allocations drop after deallocation_delay, slashable until then)", 1,
			func(signer string, a []string) (proto.Message, error) {
				name, err := parseServiceName(a[0])
				return &tx.MsgOptOut{Operator: signer, Service: name}, err
			}),
		argsTx(f, "allocate SERVICE ASSET MAGNITUDE", "Set the fraction (0..1) of the operator's stake in ASSET that SERVICE may slash", 3,
			func(signer string, a []string) (proto.Message, error) {
				name, err := parseServiceName(a[0])
				if err != nil {
					return nil, err
				}
				if err := parseDenom("asset", a[1]); err != nil {
					return nil, err
				}
				mag, err := parseFraction("magnitude", a[2], true)
				return &tx.MsgAllocate{Operator: signer, Service: name, Asset: a[1], Magnitude: mag}, err
			}),
		argsTx(f, "commission SERVICE RATE", "Set the operator's commission (0..1) on SERVICE's rewards; it takes effect after commission_change_delay", 2,
			func(signer string, a []string) (proto.Message, error) {
				name, err := parseServiceName(a[0])
				if err != nil {
					return nil, err
				}
				rate, err := parseFraction("rate", a[1], true)
				return &tx.MsgSetOperatorCommission{Operator: signer, Service: name, Rate: rate}, err
			}),
	)
	return cmd
}

func registerOperatorCmd(f *txFlags) *cobra.Command {
	var validator bool
	var delay, degree, commission, metadata string
	cmd := &cobra.Command{
		Use:   "register",
		Short: "Register the --from account as a restaking operator",
		Long: `Register the --from account as a restaking operator.

With --validator the operator links the validator it runs (the one whose
operator address is the --from account): native stake deposited with the
operator is delegated to that validator.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				m := &tx.MsgRegisterOperator{Operator: signer, Metadata: metadata}
				if validator {
					m.Validator = signer
				}
				var err error
				if m.AllocationDelay, err = parseDurationArg("--allocation-delay", delay); err != nil {
					return nil, err
				}
				if m.Degree, err = parseDegreeArg("--degree", degree); err != nil {
					return nil, err
				}
				if commission != "" {
					if m.Commission, err = parseFraction("commission", commission, true); err != nil {
						return nil, err
					}
				}
				return msgs(m), nil
			})
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&validator, "validator", false, "link the validator the --from account runs")
	fl.StringVar(&delay, "allocation-delay", "", "wait before an allocation increase takes effect, e.g. 1d (default: min_allocation_delay)")
	fl.StringVar(&degree, "degree", "", "restaking degree L, an integer of at least 1 (default 1)")
	fl.StringVar(&commission, "commission", "", "default commission on service rewards, a decimal from 0 to 1 (default 0)")
	fl.StringVar(&metadata, "metadata", "", "description, e.g. a URL")
	return cmd
}

func updateOperatorCmd(f *txFlags) *cobra.Command {
	var delay, degree, metadata string
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Change the --from operator (allocation delay and degree after allocation_config_delay)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				if delay == "" && degree == "" && metadata == "" {
					return nil, errors.New("nothing to change: give --allocation-delay, --degree or --metadata")
				}
				m := &tx.MsgUpdateOperator{Operator: signer, Metadata: metadata}
				var err error
				if m.AllocationDelay, err = parseDurationArg("--allocation-delay", delay); err != nil {
					return nil, err
				}
				m.Degree, err = parseDegreeArg("--degree", degree)
				return msgs(m), err
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&delay, "allocation-delay", "", "new allocation delay, e.g. 2d")
	fl.StringVar(&degree, "degree", "", "new restaking degree")
	fl.StringVar(&metadata, "metadata", "", "new description")
	return cmd
}

// serviceFlags are the terms register and update share.
type serviceFlags struct {
	slasher, resolver, vetoWindow, maxSlash, destination, policy string
	minStake, maxDegree, pfc, threshold, metadata                string
	assets                                                       []string
}

func (s *serviceFlags) add(cmd *cobra.Command, assetsFlag, assetsHelp string) {
	fl := cmd.Flags()
	fl.StringVar(&s.slasher, "slasher", "", "address that may request slashes")
	fl.StringVar(&s.resolver, "resolver", "", "address that may veto slashes within --veto-window")
	fl.StringVar(&s.vetoWindow, "veto-window", "", "how long a slash waits for a veto, e.g. 2d")
	fl.StringSliceVar(&s.assets, assetsFlag, nil, assetsHelp)
	fl.StringVar(&s.maxSlash, "max-slash-fraction", "", "largest fraction one slash may take (default 1)")
	fl.StringVar(&s.destination, "destination", "", "where slashed funds go: burn (default) or a recipient address")
	fl.StringVar(&s.policy, "policy", "", "who may opt in: open (default) or allowlist")
	fl.StringVar(&s.minStake, "min-operator-stake", "", "stake, in native units, an operator needs to opt in")
	fl.StringVar(&s.maxDegree, "max-operator-degree", "", "highest restaking degree of an operator that may opt in (0: no cap)")
	fl.StringVar(&s.pfc, "pfc", "", "declared profit from corruption, in native units")
	fl.StringVar(&s.threshold, "threshold", "", "corruption threshold: the stake fraction that can corrupt the service, in (0, 1]")
	fl.StringVar(&s.metadata, "metadata", "", "description, e.g. a URL")
}

// check validates the syntax of every term given; empty ones stay empty
// (unchanged on update, the default on register).
func (s *serviceFlags) check(update bool) error {
	checks := []struct {
		flag, v string
		fn      func(string, string) error
	}{
		{"--slasher", s.slasher, checkAddress},
		{"--resolver", s.resolver, func(f, v string) error {
			if update && v == "none" {
				return nil // removes the resolver
			}
			return checkAddress(f, v)
		}},
		{"--veto-window", s.vetoWindow, func(f, v string) error { _, err := parseDurationArg(f, v); return err }},
		{"--max-slash-fraction", s.maxSlash, func(f, v string) error { _, err := parseFraction(f, v, false); return err }},
		{"--destination", s.destination, func(f, v string) error {
			if v == "burn" {
				return nil
			}
			return checkAddress(f, v)
		}},
		{"--policy", s.policy, func(f, v string) error {
			if v != "open" && v != "allowlist" {
				return fmt.Errorf("%s %q is not valid: want open or allowlist", f, v)
			}
			return nil
		}},
		{"--min-operator-stake", s.minStake, checkInteger},
		{"--max-operator-degree", s.maxDegree, checkInteger},
		{"--pfc", s.pfc, checkInteger},
		{"--threshold", s.threshold, func(f, v string) error { _, err := parseFraction(f, v, false); return err }},
	}
	for _, c := range checks {
		if c.v == "" {
			continue
		}
		if err := c.fn(c.flag, c.v); err != nil {
			return err
		}
	}
	for _, a := range s.assets {
		if err := parseDenom("asset", a); err != nil {
			return err
		}
	}
	if !update && s.resolver != "" && s.vetoWindow == "" {
		return errors.New("--resolver needs --veto-window: how long a slash waits for a veto")
	}
	if s.vetoWindow != "" && s.resolver == "" && !update {
		return errors.New("--veto-window needs --resolver: the address that may veto")
	}
	return nil
}

func txServiceCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "service", Short: "Restaking services: register, admit operators, slash, fund reward programs"}
	cmd.AddCommand(registerServiceCmd(f), updateServiceCmd(f), txProgramCmd(f),
		argsTx(f, "allow NAME OPERATOR", "Allow an operator to opt in to an allowlist service (its admin signs)", 2,
			func(signer string, a []string) (proto.Message, error) {
				name, op, err := serviceAndOperator(a)
				return &tx.MsgAllowOperator{Admin: signer, Service: name, Operator: op}, err
			}),
		argsTx(f, "disallow NAME OPERATOR", "Withdraw an operator's permission (an opted-in operator is opted out)", 2,
			func(signer string, a []string) (proto.Message, error) {
				name, op, err := serviceAndOperator(a)
				return &tx.MsgDisallowOperator{Admin: signer, Service: name, Operator: op}, err
			}),
		slashCmd(f),
		idTx(f, "veto ID", "Veto a pending slash within its window (the service's resolver signs)", func(signer string, id uint64) proto.Message {
			return &tx.MsgVetoSlash{Resolver: signer, Id: id}
		}),
		idTx(f, "execute-slash ID", "Execute a pending slash once its veto window has passed (anyone may)", func(signer string, id uint64) proto.Message {
			return &tx.MsgExecuteSlash{Signer: signer, Id: id}
		}),
		idTx(f, "claim-redistribution ID", "Take the escrowed funds of a redistributed slash (its recipient signs)", func(signer string, id uint64) proto.Message {
			return &tx.MsgClaimRedistribution{Recipient: signer, Id: id}
		}),
	)
	return cmd
}

func registerServiceCmd(f *txFlags) *cobra.Command {
	s := &serviceFlags{}
	cmd := &cobra.Command{
		Use:   "register NAME",
		Short: "Register a service administered by the --from account",
		Long: `Register a service administered by the --from account.

NAME is 1 to 64 characters of a-z, 0-9, '-' and '_'. Slashes are requested
by --slasher; with --resolver they wait --veto-window, during which the
resolver may veto them. Slashed funds are burned, or escrowed for the
--destination address.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				name, err := parseServiceName(args[0])
				if err != nil {
					return nil, err
				}
				if err := s.check(false); err != nil {
					return nil, err
				}
				return msgs(&tx.MsgRegisterService{Admin: signer, Name: name, Slasher: s.slasher, Resolver: s.resolver,
					VetoWindow: s.vetoWindow, Assets: s.assets, MaxSlashFraction: s.maxSlash, Destination: s.destination,
					Policy: s.policy, MinOperatorStake: s.minStake, MaxOperatorDegree: s.maxDegree, Pfc: s.pfc,
					Threshold: s.threshold, Metadata: s.metadata}), nil
			})
		},
	}
	s.add(cmd, "assets", "restakable assets the service accepts, e.g. stake,ststake")
	for _, req := range []string{"slasher", "assets", "pfc", "threshold"} {
		cmd.MarkFlagRequired(req)
	}
	return cmd
}

func updateServiceCmd(f *txFlags) *cobra.Command {
	s := &serviceFlags{}
	var newAdmin string
	cmd := &cobra.Command{
		Use:   "update NAME",
		Short: "Change a service (its admin signs); flags not given stay unchanged",
		Long: `Change a service (its admin signs); flags not given stay unchanged.

Changes of --slasher, --resolver (none removes it), --veto-window,
--destination and a raised --max-slash-fraction take effect after
service_config_delay, so stakers can leave first; the rest apply at once.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				name, err := parseServiceName(args[0])
				if err != nil {
					return nil, err
				}
				if !anyChanged(cmd, serviceFlagNames("add-assets", "new-admin")) {
					return nil, errors.New("nothing to change: give at least one flag, e.g. --threshold 0.6")
				}
				if err := s.check(true); err != nil {
					return nil, err
				}
				if newAdmin != "" {
					if err := checkAddress("--new-admin", newAdmin); err != nil {
						return nil, err
					}
				}
				return msgs(&tx.MsgUpdateService{Admin: signer, Name: name, Slasher: s.slasher, Resolver: s.resolver,
					VetoWindow: s.vetoWindow, AddAssets: s.assets, MaxSlashFraction: s.maxSlash, Destination: s.destination,
					Policy: s.policy, MinOperatorStake: s.minStake, MaxOperatorDegree: s.maxDegree, Pfc: s.pfc,
					Threshold: s.threshold, Metadata: s.metadata, NewAdmin: newAdmin}), nil
			})
		},
	}
	s.add(cmd, "add-assets", "assets to accept in addition, e.g. usdc")
	cmd.Flags().StringVar(&newAdmin, "new-admin", "", "hand the service over to this address")
	return cmd
}

func serviceFlagNames(extra ...string) []string {
	return append([]string{"slasher", "resolver", "veto-window", "max-slash-fraction", "destination", "policy",
		"min-operator-stake", "max-operator-degree", "pfc", "threshold", "metadata"}, extra...)
}

func anyChanged(cmd *cobra.Command, names []string) bool {
	for _, n := range names {
		if cmd.Flags().Changed(n) {
			return true
		}
	}
	return false
}

func slashCmd(f *txFlags) *cobra.Command {
	var assets []string
	var reason string
	cmd := &cobra.Command{
		Use:   "slash NAME OPERATOR FRACTION",
		Short: "Request a slash of FRACTION of an operator's allocation to the service (its slasher signs)",
		Long: `Request a slash of FRACTION (above 0, at most 1) of an operator's allocation
to the service; the service's slasher signs. Without a resolver the slash is
executed at once; with one it waits the veto window (see execute-slash).`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				name, op, err := serviceAndOperator(args[:2])
				if err != nil {
					return nil, err
				}
				frac, err := parseFraction("fraction", args[2], false)
				if err != nil {
					return nil, err
				}
				for _, a := range assets {
					if err := parseDenom("asset", a); err != nil {
						return nil, err
					}
				}
				return msgs(&tx.MsgSlash{Slasher: signer, Service: name, Operator: op, Fraction: frac, Assets: assets, Reason: reason}), nil
			})
		},
	}
	cmd.Flags().StringSliceVar(&assets, "assets", nil, "assets to slash (default: every asset of the service)")
	cmd.Flags().StringVar(&reason, "reason", "", "why, stored with the slash")
	return cmd
}

func idTx(f *txFlags, use, short string, build func(signer string, id uint64) proto.Message) *cobra.Command {
	return argsTx(f, use, short, 1, func(signer string, a []string) (proto.Message, error) {
		id, err := parseID(a[0])
		if err != nil {
			return nil, err
		}
		return build(signer, id), nil
	})
}

// txRestakeCmd is what stakers do: deposit with an operator, withdraw.
func txRestakeCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "restake", Short: "Restake with operators: deposit, withdraw after withdrawal_delay"}
	cmd.AddCommand(
		argsTx(f, "deposit OPERATOR AMOUNT", "Restake AMOUNT (e.g. 1000ststake or 1000stake) with an operator", 2,
			func(signer string, a []string) (proto.Message, error) {
				op, amt, err := operatorAndAmount(a)
				return &tx.MsgDeposit{Staker: signer, Operator: op, Amount: amt}, err
			}),
		argsTx(f, "withdraw OPERATOR AMOUNT", "Queue a withdrawal of AMOUNT (in withdrawable terms); complete it after withdrawal_delay", 2,
			func(signer string, a []string) (proto.Message, error) {
				op, amt, err := operatorAndAmount(a)
				return &tx.MsgQueueWithdrawal{Staker: signer, Operator: op, Amount: amt}, err
			}),
		idTx(f, "complete ID", "Complete a queued withdrawal once it is due (see query withdrawals)", func(signer string, id uint64) proto.Message {
			return &tx.MsgCompleteWithdrawal{Staker: signer, Id: id}
		}),
	)
	return cmd
}

// assetCmds are the authority's restaking commands, under `tx params`.
func assetCmds(f *txFlags) []*cobra.Command {
	build := func(register bool) func(signer string, a []string) (proto.Message, error) {
		return func(signer string, a []string) (proto.Message, error) {
			if err := parseDenom("denom", a[0]); err != nil {
				return nil, err
			}
			price, err := parsePrice(a[1])
			if err != nil {
				return nil, err
			}
			if register {
				return &tx.MsgRegisterAsset{Authority: signer, Denom: a[0], Price: price}, nil
			}
			return &tx.MsgSetPrice{Authority: signer, Denom: a[0], Price: price}, nil
		}
	}
	return []*cobra.Command{
		argsTx(f, "register-asset DENOM PRICE", "Make DENOM restakable, worth PRICE native units per base unit (signed by the authority)", 2, build(true)),
		argsTx(f, "set-price DENOM PRICE", "Change a registered asset's price in native units (signed by the authority)", 2, build(false)),
	}
}

func serviceAndOperator(a []string) (string, string, error) {
	name, err := parseServiceName(a[0])
	if err != nil {
		return "", "", err
	}
	op, err := parseAddress("operator", a[1])
	return name, op, err
}

func operatorAndAmount(a []string) (string, string, error) {
	op, err := parseAddress("operator", a[0])
	if err != nil {
		return "", "", err
	}
	amt, err := parseCoin(a[1])
	return op, amt, err
}

func parseServiceName(s string) (string, error) {
	if !restaking.ValidName(s) {
		return "", fmt.Errorf("service name %q is not valid: want 1 to %d characters of a-z, 0-9, '-' and '_'", s, restaking.MaxNameLen)
	}
	return s, nil
}

func parseDenom(what, s string) error {
	if err := coin.ValidateDenom(s); err != nil {
		return fmt.Errorf("%s %q is not valid: want a denom like stake or ststake", what, s)
	}
	return nil
}

// parseFraction reads a decimal from 0 (if zeroOK, else above 0) to 1.
func parseFraction(what, s string, zeroOK bool) (string, error) {
	d, err := num.ParseDec(s)
	if err != nil || !d.LTEOne() || (!zeroOK && d.IsZero()) {
		lo := "0"
		if !zeroOK {
			lo = "above 0"
		}
		return "", fmt.Errorf("%s %q is not valid: want a decimal from %s to 1, like 0.25", what, s, lo)
	}
	return d.String(), nil
}

func parsePrice(s string) (string, error) {
	d, err := num.ParseDec(s)
	if err != nil || d.IsZero() {
		return "", fmt.Errorf("price %q is not valid: want a positive decimal (native units per base unit), like 0.5", s)
	}
	return d.String(), nil
}

// parseDurationArg checks a duration flag; empty stays empty (the default).
func parseDurationArg(flag, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if _, err := num.ParseDuration(s); err != nil {
		return "", fmt.Errorf("%s %q is not valid: want a duration like 30s, 12h or 14d", flag, s)
	}
	return s, nil
}

func parseDegreeArg(flag, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	d, err := strconv.ParseUint(s, 10, 64)
	if err != nil || d == 0 || d > params.MaxDegree {
		return "", fmt.Errorf("%s %q is not valid: want an integer from 1 to %d", flag, s, params.MaxDegree)
	}
	return s, nil
}

func parseID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("id %q is not valid: want a positive integer", s)
	}
	return id, nil
}

func checkAddress(what, s string) error {
	_, err := parseAddress(what, s)
	return err
}

func checkInteger(flag, s string) error {
	if _, err := num.ParseInt(s); err != nil {
		return fmt.Errorf("%s %q is not valid: want a non-negative integer", flag, s)
	}
	return nil
}
