package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/chain"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
	"google.golang.org/protobuf/proto"
)

// Sim is a running scenario: the chain and the block in progress.
type Sim struct {
	c           *chain.Chain
	book        *book
	blockTime_s int64
	height      int64 // block in progress, or the last one finished
	time_s      int64
	inBlock     bool
}

// rejection is a transaction or event the chain refused by one of its
// rules: the only failure expect_error accepts.
type rejection struct{ log string }

func (r *rejection) Error() string { return "rejected: " + r.log }

// Options tune a run.
type Options struct {
	// OnStep, if set, sees each step's result as soon as it has run.
	OnStep func(StepResult)
	// invariants are checked after every block on top of the chain's own
	// (tests use it to break one on purpose).
	invariants []state.Invariant
	// base is the committed store (nil: in memory; tests run on Pebble too).
	base store.Base
}

// Run executes the scenario and reports every step and the final state.
func Run(sc *Scenario, opt Options) *Report {
	rep := &Report{OK: true, Steps: []StepResult{}}
	s, err := start(sc, opt)
	if err != nil {
		rep.fail(err.Error())
		return rep
	}
	for i := range sc.Steps {
		r := s.step(&sc.Steps[i])
		rep.Steps = append(rep.Steps, r)
		if opt.OnStep != nil {
			opt.OnStep(r)
		}
		if r.Error != "" {
			rep.fail(fmt.Sprintf("step %d (%s) in block %d: %s", r.Index, r.Step, r.Block, r.Error))
			break
		}
	}
	if rep.OK {
		if err := s.end(); err != nil {
			rep.fail(s.book.rename(err.Error()))
		}
	}
	rep.Final = s.final()
	return rep
}

// step runs one step; a panic below is reported as the step's error so a
// bad scenario never takes the process down.
func (s *Sim) step(st *Step) (r StepResult) {
	r = StepResult{Index: st.Index, Step: st.Text, Block: s.height}
	defer func() {
		if p := recover(); p != nil {
			r.Result, r.Error = "", fmt.Sprintf("internal error (panic): %v", p)
		}
	}()
	out, err := st.act.run(s)
	if err != nil {
		r.Error = s.book.rename(err.Error())
		return r
	}
	r.Result = s.book.rename(out)
	return r
}

// start writes genesis and begins block 1.
func start(sc *Scenario, opt Options) (*Sim, error) {
	base := opt.base
	if base == nil {
		base = store.NewMemBase()
	}
	c, err := chain.New(ChainID, base)
	if err != nil {
		return nil, err
	}
	c.CheckInvariants = true
	for _, inv := range opt.invariants {
		c.Invariants.Register(inv)
	}
	g, err := genesis(sc)
	if err != nil {
		return nil, err
	}
	if _, _, err := c.InitChain(g, GenesisTime_s); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	s := &Sim{c: c, book: sc.book, blockTime_s: sc.BlockTime_s, time_s: GenesisTime_s}
	return s, s.begin()
}

// genesis holds exactly the listed balances; params are the defaults with
// the scenario's authority, then the file's overrides in order.
func genesis(sc *Scenario) (chain.Genesis, error) {
	p := params.Default()
	p.Authority = sc.book.authority().addr
	p.MinFee = num.Int{} // SPEC §10: no fee unless the scenario sets min_fee
	for _, o := range sc.Params {
		if err := p.Set(o.Name, o.Value); err != nil {
			return chain.Genesis{}, fmt.Errorf("params: %w", err)
		}
	}
	g := chain.Genesis{ChainID: ChainID, Params: p}
	for _, a := range sc.book.order {
		if !a.coins.IsZero() {
			g.Accounts = append(g.Accounts, chain.GenesisAccount{Address: a.addr, Coins: a.coins.String()})
		}
	}
	return g, nil
}

func (s *Sim) begin() error {
	h := s.height + 1
	t := GenesisTime_s + h*s.blockTime_s
	if err := s.c.BeginBlock(chain.Header{Height: h, Time_s: t}); err != nil {
		return fmt.Errorf("begin block %d: %w", h, err)
	}
	s.height, s.time_s, s.inBlock = h, t, true
	return nil
}

// end finishes the block in progress: EndBlock (invariants) and Commit.
func (s *Sim) end() error {
	if _, err := s.c.EndBlock(); err != nil {
		return namedBlock(s.height, err)
	}
	s.inBlock = false
	if err := s.c.Commit(); err != nil {
		return fmt.Errorf("commit block %d: %w", s.height, err)
	}
	return nil
}

// namedBlock makes sure an end-of-block error names the block once.
func namedBlock(h int64, err error) error {
	if strings.HasPrefix(err.Error(), fmt.Sprintf("block %d:", h)) {
		return err
	}
	return fmt.Errorf("block %d: %w", h, err)
}

// advance finishes the current block and begins the one n blocks later.
func (s *Sim) advance(n int64) error {
	for i := int64(0); i < n; i++ {
		if err := s.end(); err != nil {
			return err
		}
		if err := s.begin(); err != nil {
			return err
		}
	}
	return nil
}

// state is the state as of now inside the block in progress.
func (s *Sim) state() store.Reader { return s.c.BlockState() }

// deliver signs m as from and executes it in the current block.
func (s *Sim) deliver(from *acct, m proto.Message, fee string) error {
	raw, err := s.sign(from, m, fee)
	if err != nil {
		return err
	}
	res := s.c.DeliverTx(raw)
	switch res.Code {
	case chain.CodeOK:
		return nil
	case chain.CodeInternal:
		return fmt.Errorf("internal error: %s", res.Log)
	}
	return &rejection{log: res.Log}
}

// sign builds the signed tx with from's next sequence; the fee defaults to
// exactly the chain's min_fee (none when it is 0).
func (s *Sim) sign(from *acct, m proto.Message, fee string) ([]byte, error) {
	msg, err := tx.Wrap(m)
	if err != nil {
		return nil, err
	}
	seq, err := auth.Sequence(s.state(), from.addr)
	if err != nil {
		return nil, err
	}
	if fee == "" {
		fee = s.minFee()
	}
	return tx.Sign(from.key, &tx.Body{ChainId: ChainID, Sequence: seq, Fee: fee, Msgs: []*tx.Msg{msg}})
}

func (s *Sim) minFee() string {
	p := s.c.Params()
	if p.MinFee.IsZero() {
		return ""
	}
	return p.MinFee.String() + p.NativeDenom
}

// slashEvent injects the primary slash fn as consensus would and reports
// the validator's tokens before and after. As the chain does for the
// validators staking.BeginBlock reports slashed, restaking then records the
// lower native factor of the operator running the validator (its stake
// history) and ststake's lower value.
func (s *Sim) slashEvent(val *acct, fn func(state.Ctx, params.Params) error) (string, error) {
	before := s.tokens(val)
	err := s.c.Inject(func(ctx state.Ctx, p params.Params) error {
		if err := fn(ctx, p); err != nil {
			return err
		}
		return restaking.AfterPrimarySlash(ctx, p, val.addr)
	})
	if err != nil {
		if state.RuleOf(err) != "" {
			return "", &rejection{log: err.Error()}
		}
		return "", err
	}
	return fmt.Sprintf("%s tokens %s -> %s", val.name, before, s.tokens(val)), nil
}

func (s *Sim) tokens(val *acct) string {
	v, found, err := staking.GetValidator(s.state(), val.addr)
	if err != nil || !found {
		return "none"
	}
	return v.Tokens.String()
}

// final snapshots height, time, app hash and every named account's balances.
func (s *Sim) final() *Final {
	f := &Final{Height: s.height, Time: formatTime(s.time_s), Balances: map[string]map[string]string{}}
	if !s.inBlock {
		f.AppHash = fmt.Sprintf("%X", s.c.AppHash())
	}
	for _, a := range s.book.order {
		f.Balances[a.name] = balances(s.state(), a)
	}
	return f
}

func balances(r store.Reader, a *acct) map[string]string {
	out := map[string]string{}
	cs, err := bank.Balances(r, a.addr)
	if err != nil {
		out["error"] = err.Error()
		return out
	}
	for _, c := range cs {
		out[c.Denom] = c.Amount.String()
	}
	return out
}

// formatTime prints block time (unix seconds) as RFC 3339 UTC.
func formatTime(t_s int64) string { return time.Unix(t_s, 0).UTC().Format(time.RFC3339) }
