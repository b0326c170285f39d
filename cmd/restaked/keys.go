package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"golang.org/x/term"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/restaked/restaked/keyring"
)

// passphraseEnv lets scripts and devnets supply the keyring passphrase
// without a terminal.
const passphraseEnv = "RESTAKED_KEYRING_PASSPHRASE"

// keysFlags holds the flags shared by every keys subcommand.
type keysFlags struct {
	home    string
	backend string
	output  string
}

// keyJSON is the -o json form of a key.
type keyJSON struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	PubKey  string `json:"pubkey"`
	Seed    string `json:"seed,omitempty"`
}

func keysCmd() *cobra.Command {
	f := &keysFlags{}
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage account keys in the local keyring",
		Long: `Manage ed25519 account keys stored under <home>/keyring-<backend>.

The file backend encrypts every key with a passphrase, read from
` + passphraseEnv + ` if set, otherwise from standard input.
The test backend stores keys unencrypted; use it only for devnets and tests.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.home, "home", defaultHome(), "home directory holding the keyring")
	pf.StringVar(&f.backend, "keyring-backend", keyring.BackendFile, "keyring backend: file (encrypted) or test (unencrypted)")
	pf.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	cmd.AddCommand(
		keysAddCmd(f), keysListCmd(f), keysShowCmd(f),
		keysDeleteCmd(f), keysExportCmd(f), keysImportCmd(f),
	)
	return cmd
}

func defaultHome() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ".restaked"
	}
	return filepath.Join(home, ".restaked")
}

func keysAddCmd(f *keysFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "add NAME",
		Short: "Create a new random key and print its seed for backup",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, _, err := f.open(cmd)
			if err != nil {
				return err
			}
			info, seed, err := kr.Add(args[0])
			if err != nil {
				return err
			}
			f.warnTest(cmd)
			if f.output == "json" {
				return writeJSON(cmd, toJSON(info, seed))
			}
			out := cmd.OutOrStdout()
			writeKey(out, info)
			fmt.Fprintf(out, "\nseed:    %s\n", seed)
			fmt.Fprintln(out, "Write the seed down and keep it secret: it is the only way to recover this key.")
			return nil
		},
	}
}

func keysListCmd(f *keysFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List all keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kr, _, err := f.open(cmd)
			if err != nil {
				return err
			}
			infos, err := kr.List()
			if err != nil {
				return err
			}
			if f.output == "json" {
				list := make([]keyJSON, 0, len(infos))
				for _, info := range infos {
					list = append(list, toJSON(info, ""))
				}
				return writeJSON(cmd, list)
			}
			if len(infos) == 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "no keys in %s\n", kr.Dir())
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tADDRESS")
			for _, info := range infos {
				fmt.Fprintf(tw, "%s\t%s\n", info.Name, info.Address)
			}
			return tw.Flush()
		},
	}
}

func keysShowCmd(f *keysFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show a key's address and public key",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, _, err := f.open(cmd)
			if err != nil {
				return err
			}
			info, err := kr.Get(args[0])
			if err != nil {
				return err
			}
			if f.output == "json" {
				return writeJSON(cmd, toJSON(info, ""))
			}
			writeKey(cmd.OutOrStdout(), info)
			return nil
		},
	}
}

func keysDeleteCmd(f *keysFlags) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a key (it can only be restored from its seed)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, p, err := f.open(cmd)
			if err != nil {
				return err
			}
			info, err := kr.Get(args[0])
			if err != nil && !errors.Is(err, keyring.ErrCorrupt) {
				return err // a damaged key may still be deleted
			}
			if !yes {
				answer, _ := p.line(fmt.Sprintf("Delete key %q (%s)? It can only be restored from its seed. [y/N]: ", args[0], info.Address))
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					return errors.New("deletion cancelled (pass --yes to skip the question)")
				}
			}
			if err := kr.Delete(args[0]); err != nil {
				return err
			}
			if f.output == "json" {
				return writeJSON(cmd, map[string]string{"deleted": args[0]})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted key %s\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking for confirmation")
	return cmd
}

func keysExportCmd(f *keysFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "export NAME",
		Short: "Print a key's seed in hex (anyone holding it controls the account)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, _, err := f.open(cmd)
			if err != nil {
				return err
			}
			info, err := kr.Get(args[0])
			if err != nil {
				return err
			}
			seed, err := kr.Export(args[0])
			if err != nil {
				return err
			}
			if f.output == "json" {
				return writeJSON(cmd, toJSON(info, seed))
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "Keep this seed secret: anyone holding it controls the account.")
			fmt.Fprintln(cmd.OutOrStdout(), seed)
			return nil
		},
	}
}

func keysImportCmd(f *keysFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "import NAME SEEDHEX",
		Short: "Import a key from its 32-byte seed in hex",
		Long: `Import a key from its 32-byte seed in hex, as printed by add or export.
Pass - as SEEDHEX to read the seed from standard input and keep it out of
shell history.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kr, p, err := f.open(cmd)
			if err != nil {
				return err
			}
			seed := args[1]
			if seed == "-" {
				if seed, err = p.line("Enter the seed (hex): "); err != nil {
					return errors.New("no seed given on standard input")
				}
			}
			info, err := kr.Import(args[0], seed)
			if err != nil {
				return err
			}
			f.warnTest(cmd)
			if f.output == "json" {
				return writeJSON(cmd, toJSON(info, ""))
			}
			writeKey(cmd.OutOrStdout(), info)
			return nil
		},
	}
}

// open checks the shared flags and opens the keyring. Usage is silenced from
// here on: later errors are about keys, not about how the command was typed.
func (f *keysFlags) open(cmd *cobra.Command) (*keyring.Keyring, *prompter, error) {
	if f.output != "text" && f.output != "json" {
		return nil, nil, fmt.Errorf("unknown output format %q (use text or json)", f.output)
	}
	cmd.SilenceUsage = true
	p := newPrompter(cmd)
	kr, err := keyring.Open(f.home, f.backend, p.passphrase)
	return kr, p, err
}

func (f *keysFlags) warnTest(cmd *cobra.Command) {
	if f.backend == keyring.BackendTest {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning: the test keyring backend stores keys unencrypted; use it only for devnets and tests")
	}
}

func toJSON(info keyring.Info, seed string) keyJSON {
	return keyJSON{Name: info.Name, Address: info.Address, PubKey: hex.EncodeToString(info.PubKey), Seed: seed}
}

func writeJSON(cmd *cobra.Command, v any) error {
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeKey(w io.Writer, info keyring.Info) {
	fmt.Fprintf(w, "name:    %s\naddress: %s\npubkey:  %x\n", info.Name, info.Address, []byte(info.PubKey))
}

// prompter reads answers line by line from one buffered reader, so several
// prompts in one command do not lose each other's input.
type prompter struct {
	in  *bufio.Reader
	out io.Writer
	tty bool // stdin is the process's terminal (not a test's reader)
}

func (p *prompter) line(prompt string) (string, error) {
	fmt.Fprint(p.out, prompt)
	s, err := p.in.ReadString('\n')
	if err != nil && (err != io.EOF || s == "") {
		fmt.Fprintln(p.out) // end the prompt line before any error message
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
}

// passphrase prefers the environment so devnets and scripts run unattended.
// Typed input is read as a plain line and is visible on a terminal.
// secret reads a line without echo when stdin is a terminal, and as a plain
// line otherwise (pipes and tests).
func (p *prompter) secret(prompt string) (string, error) {
	fd := int(os.Stdin.Fd())
	if p.tty && term.IsTerminal(fd) {
		fmt.Fprint(p.out, prompt)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(p.out)
		return string(b), err
	}
	return p.line(prompt)
}

func (p *prompter) passphrase(prompt string, confirm bool) (string, error) {
	if v, ok := os.LookupEnv(passphraseEnv); ok {
		return v, nil
	}
	pass, err := p.secret(prompt + ": ")
	if err != nil {
		return "", fmt.Errorf("no passphrase given (type it or set %s)", passphraseEnv)
	}
	if !confirm {
		return pass, nil
	}
	again, err := p.secret("Repeat the passphrase: ")
	if err != nil || again != pass {
		return "", errors.New("passphrases do not match")
	}
	return pass, nil
}

func newPrompter(cmd *cobra.Command) *prompter {
	in := cmd.InOrStdin()
	return &prompter{in: bufio.NewReader(in), out: cmd.ErrOrStderr(), tty: in == os.Stdin}
}
