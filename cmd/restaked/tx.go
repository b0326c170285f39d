package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/api"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/keyring"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/tx"
)

func init() { extraCommands = append(extraCommands, txCmd) }

// txFlags are shared by every tx subcommand.
type txFlags struct {
	api      string
	from     string
	fee      string
	home     string
	backend  string
	chainID  string
	sequence uint64
	seqSet   bool // --sequence given: 0 is a valid sequence, so presence matters
	memo     string
	yes      bool
	wait     bool
	output   string
}

// msgBuilder turns the command's arguments into messages signed by signer.
type msgBuilder func(signer string) ([]proto.Message, error)

func txCmd() *cobra.Command {
	f := &txFlags{}
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Sign transactions with a keyring key and broadcast them through the API",
		Long: `Sign transactions with a keyring key and broadcast them through the API.

The chain id, the account sequence and the fee are asked from the API unless
given with --chain-id, --sequence and --fee. The file keyring backend reads
the passphrase from ` + passphraseEnv + ` if set, otherwise from standard input.`,
	}
	pf := cmd.PersistentFlags()
	addAPIFlag(cmd, &f.api)
	pf.StringVar(&f.from, "from", "", "name of the keyring key that signs")
	pf.StringVar(&f.fee, "fee", "", "fee in the native denom, e.g. 10stake (default: the chain's minimum fee)")
	pf.StringVar(&f.home, "home", defaultHome(), "home directory holding the keyring (and config/priv_validator_key.json)")
	pf.StringVar(&f.backend, "keyring-backend", keyring.BackendFile, "keyring backend: file (encrypted) or test (unencrypted)")
	pf.StringVar(&f.chainID, "chain-id", "", "chain id to sign for (default: the API's chain)")
	pf.Uint64Var(&f.sequence, "sequence", 0, "account sequence to sign with (default: the account's next sequence)")
	pf.StringVar(&f.memo, "memo", "", "note stored with the transaction (at most 256 bytes)")
	pf.BoolVarP(&f.yes, "yes", "y", false, "broadcast without asking for confirmation")
	pf.BoolVar(&f.wait, "wait", false, "wait until the transaction is in a block (at most 30s) and show its result")
	pf.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	cmd.AddCommand(txBankCmd(f), txStakingCmd(f), txDistributionCmd(f), txParamsCmd(f), txLiquidCmd(f),
		txOperatorCmd(f), txServiceCmd(f), txRestakeCmd(f))
	return cmd
}

func txBankCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "bank", Short: "Move tokens"}
	cmd.AddCommand(&cobra.Command{
		Use:   "send FROM_KEY TO_ADDRESS AMOUNT",
		Short: "Send coins, e.g. send alice rst1... 100stake",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.from != "" && f.from != args[0] {
				return fmt.Errorf("--from %q and FROM_KEY %q disagree; give the key once", f.from, args[0])
			}
			return f.run(cmd, args[0], func(signer string) ([]proto.Message, error) {
				to, err := parseAddress("recipient", args[1])
				if err != nil {
					return nil, err
				}
				amt, err := parseCoins(args[2])
				if err != nil {
					return nil, err
				}
				return msgs(&tx.MsgSend{From: signer, To: to, Amount: amt}), nil
			})
		},
	})
	return cmd
}

func txStakingCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "staking", Short: "Validators and delegations (primary proof-of-stake)"}
	cmd.AddCommand(createValidatorCmd(f), editValidatorCmd(f),
		delegationCmd(f, "delegate", "Delegate tokens to a validator", newDelegate),
		delegationCmd(f, "undelegate", "Start unbonding tokens from a validator", newUndelegate),
		&cobra.Command{
			Use: "unjail", Short: "Unjail the validator operated by --from", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
					return msgs(&tx.MsgUnjail{Validator: signer}), nil
				})
			},
		})
	return cmd
}

func createValidatorCmd(f *txFlags) *cobra.Command {
	var amount, commission, moniker, consKey string
	cmd := &cobra.Command{
		Use:   "create-validator",
		Short: "Register the --from account as a validator with a self-delegation",
		Long: `Register the --from account as a validator with a self-delegation.

Without --cons-pubkey the consensus key is read from
<home>/config/priv_validator_key.json, the key of the node in --home.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				amt, err := parseCoin(amount)
				if err != nil {
					return nil, err
				}
				if err := checkCommission(commission); err != nil {
					return nil, err
				}
				pub, err := consPubKey(consKey, f.home)
				if err != nil {
					return nil, err
				}
				return msgs(&tx.MsgCreateValidator{Operator: signer, ConsPubKey: pub,
					SelfDelegation: amt, Commission: commission, Moniker: moniker}), nil
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&amount, "amount", "", "self-delegation, e.g. 100stake (required)")
	fl.StringVar(&commission, "commission", "0.05", "commission rate as a decimal between 0 and 1")
	fl.StringVar(&moniker, "moniker", "", "display name")
	fl.StringVar(&consKey, "cons-pubkey", "", "ed25519 consensus public key, base64 (default: from --home)")
	cmd.MarkFlagRequired("amount")
	return cmd
}

func editValidatorCmd(f *txFlags) *cobra.Command {
	var commission, moniker string
	cmd := &cobra.Command{
		Use:   "edit-validator",
		Short: "Change the commission or moniker of the validator operated by --from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				if commission == "" && moniker == "" {
					return nil, errors.New("nothing to change: give --commission, --moniker or both")
				}
				if commission != "" {
					if err := checkCommission(commission); err != nil {
						return nil, err
					}
				}
				return msgs(&tx.MsgEditValidator{Operator: signer, Commission: commission, Moniker: moniker}), nil
			})
		},
	}
	cmd.Flags().StringVar(&commission, "commission", "", "new commission rate as a decimal between 0 and 1")
	cmd.Flags().StringVar(&moniker, "moniker", "", "new display name")
	return cmd
}

func newDelegate(signer, val, amt string) proto.Message {
	return &tx.MsgDelegate{Delegator: signer, Validator: val, Amount: amt}
}

func newUndelegate(signer, val, amt string) proto.Message {
	return &tx.MsgUndelegate{Delegator: signer, Validator: val, Amount: amt}
}

func delegationCmd(f *txFlags, use, short string, build func(signer, val, amt string) proto.Message) *cobra.Command {
	return &cobra.Command{
		Use: use + " VALIDATOR AMOUNT", Short: short + " (VALIDATOR is its operator address)", Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				val, err := parseAddress("validator", args[0])
				if err != nil {
					return nil, err
				}
				amt, err := parseCoin(args[1])
				if err != nil {
					return nil, err
				}
				return msgs(build(signer, val, amt)), nil
			})
		},
	}
}

func txDistributionCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "distribution", Short: "Rewards"}
	cmd.AddCommand(&cobra.Command{
		Use: "claim", Short: "Claim every pending reward of the --from account", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				return msgs(&tx.MsgClaimRewards{Account: signer}), nil
			})
		},
	})
	return cmd
}

func txParamsCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "params", Short: "Chain parameters and restakable assets (authority only)"}
	cmd.AddCommand(assetCmds(f)...)
	cmd.AddCommand(&cobra.Command{
		Use:   "set NAME=VALUE...",
		Short: "Change parameters, e.g. set min_fee=10 unbonding_period=14d (signed by the authority)",
		Long:  "Change parameters; only the authority may. Names: " + strings.Join(params.Names(), ", ") + ".",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.runFrom(cmd, func(signer string) ([]proto.Message, error) {
				ps, err := parseParams(args)
				if err != nil {
					return nil, err
				}
				return msgs(&tx.MsgSetParams{Authority: signer, Params: ps}), nil
			})
		},
	})
	return cmd
}

// parseParams checks names and value syntax here, so typos fail before
// anything is signed; ranges are checked by the chain.
func parseParams(args []string) ([]*tx.Param, error) {
	trial := params.Default()
	out := make([]*tx.Param, 0, len(args))
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("%q is not NAME=VALUE", a)
		}
		if !slices.Contains(params.Names(), name) {
			return nil, fmt.Errorf("unknown parameter %q (known: %s)", name, strings.Join(params.Names(), ", "))
		}
		if err := trial.Set(name, value); err != nil {
			return nil, err
		}
		out = append(out, &tx.Param{Name: name, Value: value})
	}
	return out, nil
}

func msgs(m ...proto.Message) []proto.Message { return m }

func parseAddress(what, s string) (string, error) {
	a, err := account.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%s %q is not a valid address (want rst1...)", what, s)
	}
	return a.String(), nil
}

func parseCoins(s string) (string, error) {
	cs, err := coin.Parse(s)
	if err != nil || cs.IsZero() {
		return "", fmt.Errorf("amount %q is not valid: want a positive amount with its denom, like 100stake", s)
	}
	return cs.String(), nil
}

// parseCoin reads one positive amount, as staking messages take.
func parseCoin(s string) (string, error) {
	c, err := coin.ParseCoin(s)
	if err != nil || c.Amount.IsZero() {
		return "", fmt.Errorf("amount %q is not valid: want a positive amount with its denom, like 100stake", s)
	}
	return c.String(), nil
}

func checkCommission(s string) error {
	d, err := num.ParseDec(s)
	if err != nil || !d.LTEOne() {
		return fmt.Errorf("commission %q is not valid: want a decimal between 0 and 1, like 0.05", s)
	}
	return nil
}

// consPubKey decodes --cons-pubkey, or reads the node's key from home.
func consPubKey(b64, home string) ([]byte, error) {
	if b64 == "" {
		return nodeConsPubKey(home)
	}
	pub, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("--cons-pubkey must be a %d-byte ed25519 public key in base64", ed25519.PublicKeySize)
	}
	return pub, nil
}

func nodeConsPubKey(home string) ([]byte, error) {
	path := filepath.Join(home, "config", "priv_validator_key.json")
	bz, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("no --cons-pubkey given and no node key at %s (pass --cons-pubkey or --home)", path)
	}
	// Only the public half is decoded; the private key stays untouched.
	var f struct {
		PubKey struct {
			Type  string `json:"type"`
			Value []byte `json:"value"`
		} `json:"pub_key"`
	}
	if err := json.Unmarshal(bz, &f); err != nil || len(f.PubKey.Value) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%s does not hold an ed25519 pub_key", path)
	}
	if f.PubKey.Type != "" && f.PubKey.Type != "tendermint/PubKeyEd25519" {
		return nil, fmt.Errorf("%s holds a %s key; validators need ed25519", path, f.PubKey.Type)
	}
	return f.PubKey.Value, nil
}

// runFrom runs a tx signed by the --from key.
func (f *txFlags) runFrom(cmd *cobra.Command, build msgBuilder) error {
	if f.from == "" {
		return errors.New("--from is required: the name of the keyring key that signs")
	}
	return f.run(cmd, f.from, build)
}

// run builds, signs, confirms, broadcasts and reports one transaction.
func (f *txFlags) run(cmd *cobra.Command, key string, build msgBuilder) error {
	if err := checkOutput(f.output); err != nil {
		return err
	}
	cmd.SilenceUsage = true // from here on, errors are not about the command line
	f.seqSet = cmd.Flags().Changed("sequence")
	p := newPrompter(cmd)
	kr, err := keyring.Open(f.home, f.backend, p.passphrase)
	if err != nil {
		return err
	}
	info, err := kr.Get(key)
	if errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("%w in %s (list keys with: restaked keys list --home %s --keyring-backend %s)", err, kr.Dir(), f.home, f.backend)
	}
	if err != nil {
		return err
	}
	ms, err := build(info.Address)
	if err != nil {
		return err
	}
	c, err := newAPIClient(f.api)
	if err != nil {
		return err
	}
	ctx := cmdContext(cmd)
	body, err := f.body(ctx, c, info.Address, ms)
	if err != nil {
		return err
	}
	if err := f.confirm(p, key, info.Address, body); err != nil {
		return err
	}
	priv, _, err := kr.Signer(key)
	if err != nil {
		return err
	}
	raw, err := tx.Sign(priv, body)
	clear(priv)
	if err != nil {
		return err
	}
	return f.broadcast(ctx, cmd.OutOrStdout(), c, raw)
}

// body fills chain id, sequence and fee, asking the API for what the flags leave out.
func (f *txFlags) body(ctx context.Context, c *apiClient, signer string, ms []proto.Message) (*tx.Body, error) {
	b, err := tx.NewBody(f.chainID, f.sequence, f.fee, ms...)
	if err != nil {
		return nil, err
	}
	b.Memo = f.memo
	if err := f.fillChainID(ctx, c, b); err != nil {
		return nil, err
	}
	if err := f.fillSequence(ctx, c, b, signer); err != nil {
		return nil, err
	}
	return b, f.fillFee(ctx, c, b)
}

func (f *txFlags) fillChainID(ctx context.Context, c *apiClient, b *tx.Body) error {
	if b.ChainId != "" {
		return nil
	}
	var st api.Status
	if err := c.get(ctx, "/v1/status", &st); err != nil {
		return fmt.Errorf("finding the chain id: %w", err)
	}
	b.ChainId = st.ChainID
	return nil
}

func (f *txFlags) fillSequence(ctx context.Context, c *apiClient, b *tx.Body, signer string) error {
	if f.seqSet {
		return nil
	}
	var acc api.Account
	if err := c.get(ctx, "/v1/accounts/"+signer, &acc); err != nil {
		return fmt.Errorf("finding the sequence of %s: %w", signer, err)
	}
	b.Sequence = acc.Sequence
	return nil
}

func (f *txFlags) fillFee(ctx context.Context, c *apiClient, b *tx.Body) error {
	if b.Fee != "" {
		if _, err := coin.ParseCoin(b.Fee); err != nil {
			return fmt.Errorf("--fee %q is not valid: want an amount with its denom, like 10stake", b.Fee)
		}
		return nil
	}
	var p api.Params
	if err := c.get(ctx, "/v1/params", &p); err != nil {
		return fmt.Errorf("finding the minimum fee: %w", err)
	}
	b.Fee = p.Params.MinFee.String() + p.Params.NativeDenom
	return nil
}

// confirm shows what is about to be signed and asks, unless --yes.
func (f *txFlags) confirm(p *prompter, key, signer string, b *tx.Body) error {
	if f.yes {
		return nil
	}
	fmt.Fprintf(p.out, "chain:    %s\nsigner:   %s (key %s)\nsequence: %d\nfee:      %s\n", b.ChainId, signer, key, b.Sequence, b.Fee)
	for i, m := range b.Msgs {
		bz, _ := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
		fmt.Fprintf(p.out, "message %d: %s\n", i, bz)
	}
	answer, _ := p.line("Sign and broadcast? [y/N]: ")
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return errors.New("transaction cancelled (pass --yes to skip the question)")
	}
	return nil
}

func (f *txFlags) broadcast(ctx context.Context, w io.Writer, c *apiClient, raw []byte) error {
	path := "/v1/txs"
	if f.wait {
		path += "?commit=true"
	}
	var res api.BroadcastResult
	if err := c.post(ctx, path, api.BroadcastRequest{Tx: base64.StdEncoding.EncodeToString(raw)}, &res); err != nil {
		return fmt.Errorf("broadcast: %w", err)
	}
	if err := f.printResult(w, res); err != nil {
		return err
	}
	return resultError(res, f.wait)
}

func (f *txFlags) printResult(w io.Writer, res api.BroadcastResult) error {
	if f.output == "json" {
		return writeJSONTo(w, res)
	}
	kv := []any{"hash", res.Hash, "code", res.Code}
	if res.Committed {
		kv = append(kv, "height", res.Height)
	}
	if res.Log != "" {
		kv = append(kv, "log", res.Log)
	}
	return fields(w, kv...)
}

// resultError turns a failed or unconfirmed result into the command's error.
func resultError(res api.BroadcastResult, waited bool) error {
	if res.Code != 0 {
		where := "refused by the mempool"
		if res.Committed {
			where = fmt.Sprintf("failed in block %d", res.Height)
		}
		return fmt.Errorf("transaction %s %s: rule %s: %s", res.Hash, where, orNone(res.Rule), res.Log)
	}
	if waited && !res.Committed {
		return fmt.Errorf("transaction %s was accepted but is not in a block yet; check later with: restaked query tx %s", res.Hash, res.Hash)
	}
	return nil
}

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
