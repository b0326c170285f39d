package sim

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/keyring"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"gopkg.in/yaml.v3"
)

// Bounds on a scenario file, so every loop over it is bounded.
const (
	MaxFileBytes         = 1 << 20
	MaxSteps             = 10_000
	MaxAccounts          = 1_000
	MaxParams            = 64
	MaxBlocksPerAdvance  = 10_000_000
	MaxBlockTime_s       = 86_400
	DefaultBlockTime_s   = 5
	maxNameLen           = 64
	maxHeight            = 1 << 40
	AuthorityName        = "authority"
	ChainID              = "restaked-sim"
	GenesisTime_s        = 1767225600 // 2026-01-01T00:00:00Z
	accountKeyPrefix     = "sim/"
	consensusKeyPrefix   = "sim-cons/"
	notAvailableYetLabel = "is not available yet"
)

// Scenario is a loaded, fully decoded scenario file.
type Scenario struct {
	BlockTime_s int64
	Params      []Param // genesis overrides, in file order
	book        *book
	Steps       []Step
}

// Param is one genesis override.
type Param struct{ Name, Value string }

// Step is one decoded step.
type Step struct {
	Index int    // 1-based, as users count
	Line  int    // line in the file
	Name  string // step name, e.g. "send"
	Text  string // one-line rendering for reports
	act   action
}

// Accounts lists the scenario's account names, sorted.
func (sc *Scenario) Accounts() []string {
	out := make([]string, len(sc.book.order))
	for i, a := range sc.book.order {
		out[i] = a.name
	}
	return out
}

// LoadFile reads and decodes a scenario file.
func LoadFile(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return LoadReader(f)
}

// LoadReader reads at most MaxFileBytes and decodes them.
func LoadReader(r io.Reader) (*Scenario, error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	return Load(src)
}

// Load decodes a scenario. Every step is decoded here, so a bad file
// fails before any block runs.
func Load(src []byte) (*Scenario, error) {
	if len(src) > MaxFileBytes {
		return nil, fmt.Errorf("scenario is larger than %d bytes", MaxFileBytes)
	}
	root, err := parseDocument(src)
	if err != nil {
		return nil, err
	}
	top, err := topLevel(root)
	if err != nil {
		return nil, err
	}
	return build(top)
}

// parseDocument parses exactly one YAML document.
func parseDocument(src []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("scenario is empty")
		}
		return nil, fmt.Errorf("scenario is not valid YAML: %v", err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("scenario must be a single YAML document")
	}
	if len(doc.Content) != 1 {
		return nil, errors.New("scenario is empty")
	}
	return doc.Content[0], nil
}

// sections are the top-level keys of a scenario file.
type sections struct {
	blockTime, params, accounts, steps *yaml.Node
}

func topLevel(root *yaml.Node) (sections, error) {
	var s sections
	ps, err := pairs(root, "scenario")
	if err != nil {
		return s, err
	}
	for _, p := range ps {
		switch p.key {
		case "block_time":
			s.blockTime = p.val
		case "params":
			s.params = p.val
		case "accounts":
			s.accounts = p.val
		case "steps":
			s.steps = p.val
		default:
			return s, fmt.Errorf("scenario: unknown top-level key %q (keys: accounts, block_time, params, steps)", p.key)
		}
	}
	return s, nil
}

func build(top sections) (*Scenario, error) {
	sc := &Scenario{BlockTime_s: DefaultBlockTime_s}
	var err error
	if top.blockTime != nil {
		if sc.BlockTime_s, err = blockTime(top.blockTime); err != nil {
			return nil, err
		}
	}
	if sc.Params, err = genesisParams(top.params); err != nil {
		return nil, err
	}
	if sc.book, err = accounts(top.accounts); err != nil {
		return nil, err
	}
	sc.book.blockTime_s = sc.BlockTime_s
	if sc.Steps, err = decodeSteps(sc, top.steps); err != nil {
		return nil, err
	}
	return sc, nil
}

func blockTime(n *yaml.Node) (int64, error) {
	v, ok := scalar(n)
	if !ok {
		return 0, errors.New("block_time: want a duration like 5s")
	}
	d, err := num.ParseDuration(v)
	if err != nil || d == 0 || d > MaxBlockTime_s {
		return 0, fmt.Errorf("block_time: want a duration from 1s to 1d, got %q", v)
	}
	return int64(d), nil
}

// genesisParams checks the overrides now (names, values, ranges), so a bad
// file fails before any block runs.
func genesisParams(n *yaml.Node) ([]Param, error) {
	if n == nil {
		return nil, nil
	}
	ps, err := pairs(n, "params")
	if err != nil {
		return nil, err
	}
	if len(ps) > MaxParams {
		return nil, fmt.Errorf("params: more than %d overrides", MaxParams)
	}
	out := make([]Param, 0, len(ps))
	trial := params.Default()
	for _, p := range ps {
		v, ok := scalar(p.val)
		if !ok {
			return nil, fmt.Errorf("params: %s needs a single value", p.key)
		}
		if err := trial.Set(p.key, v); err != nil {
			return nil, fmt.Errorf("params: %v", err)
		}
		out = append(out, Param{Name: p.key, Value: v})
	}
	if err := trial.Validate(); err != nil {
		return nil, fmt.Errorf("params: %v", err)
	}
	return out, nil
}

// acct is a named simulated account.
type acct struct {
	name  string
	key   ed25519.PrivateKey
	addr  account.Address
	coins coin.Coins
}

// consKey is the validator consensus key of the account.
func (a *acct) consKey() ed25519.PublicKey {
	return keyring.DeterministicKey(consensusKeyPrefix + a.name).Public().(ed25519.PublicKey)
}

// book is what step decoders see: the scenario's accounts (order is
// sorted by name) and the block time that turns durations into blocks.
type book struct {
	byName      map[string]*acct
	order       []*acct
	blockTime_s int64
	names       *strings.Replacer // bech32 address -> account name, for reports
}

func newAcct(name string, coins coin.Coins) *acct {
	k := keyring.DeterministicKey(accountKeyPrefix + name)
	return &acct{name: name, key: k, addr: account.FromPubKey(k.Public().(ed25519.PublicKey)), coins: coins}
}

func (b *book) get(name string) (*acct, error) {
	if a, ok := b.byName[name]; ok {
		return a, nil
	}
	if a := moduleAcct(name); a != nil {
		return a, nil
	}
	return nil, fmt.Errorf("unknown account %q (list it under accounts:, with \"\" for no funds)", name)
}

func (b *book) authority() *acct { return b.byName[AuthorityName] }

func accounts(n *yaml.Node) (*book, error) {
	b := &book{byName: map[string]*acct{}}
	var ps []pair
	if n != nil {
		var err error
		if ps, err = pairs(n, "accounts"); err != nil {
			return nil, err
		}
	}
	if len(ps) > MaxAccounts {
		return nil, fmt.Errorf("accounts: more than %d", MaxAccounts)
	}
	for _, p := range ps {
		a, err := accountEntry(p)
		if err != nil {
			return nil, err
		}
		b.byName[a.name] = a
	}
	if b.byName[AuthorityName] == nil {
		b.byName[AuthorityName] = newAcct(AuthorityName, nil)
	}
	for _, a := range b.byName {
		b.order = append(b.order, a)
	}
	sort.Slice(b.order, func(i, j int) bool { return b.order[i].name < b.order[j].name })
	b.names = renamer(b.order)
	return b, nil
}

// renamer replaces addresses with account names so reports read like the file.
func renamer(order []*acct) *strings.Replacer {
	oldnew := make([]string, 0, 2*len(order))
	for _, a := range order {
		oldnew = append(oldnew, a.addr.String(), a.name)
	}
	return strings.NewReplacer(oldnew...)
}

// rename writes account names for known addresses in s.
func (b *book) rename(s string) string { return b.names.Replace(s) }

func accountEntry(p pair) (*acct, error) {
	if err := validName(p.key); err != nil {
		return nil, fmt.Errorf("accounts: %v", err)
	}
	v, ok := scalar(p.val)
	if !ok && !isNull(p.val) {
		return nil, fmt.Errorf("accounts: %s needs a coin string like \"1000stake\"", p.key)
	}
	coins, err := coin.Parse(v)
	if err != nil {
		return nil, fmt.Errorf("accounts: %s: %v", p.key, err)
	}
	return newAcct(p.key, coins), nil
}

// validName: 1–64 characters from [a-zA-Z0-9_.-], so names print and key cleanly.
func validName(s string) error {
	if s == "" || len(s) > maxNameLen {
		return fmt.Errorf("account name %q must be 1..%d characters", s, maxNameLen)
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_.-", c)
		if !ok {
			return fmt.Errorf("account name %q: only letters, digits, '_', '.', '-'", s)
		}
	}
	return nil
}

// moduleAccts are module accounts a scenario may name without listing them
// (as a send's recipient or in a balance query); nobody can sign for them.
var moduleAccts = map[string]account.Address{
	"lst_pool":          liquid.Pool,
	"lst_fee":           liquid.FeeAccount,
	"restaking_vault":   restaking.VaultAccount,
	"restaking_escrow":  restaking.Escrow,
	"restaking_rewards": restaking.RewardsAccount,
}

func moduleAcct(name string) *acct {
	addr, ok := moduleAccts[name]
	if !ok {
		return nil
	}
	a := newAcct(name, nil) // its key is not the module's: a tx "from" it is rejected
	a.addr = addr
	return a
}
