// Package chain is the deterministic state machine: it executes blocks of
// transactions against a store, routes messages to their modules, runs the
// per-block hooks and computes the app hash. It does no I/O: the node feeds
// it blocks through ABCI, the simulator and tests feed it directly.
package chain

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

// Header is what consensus tells the state machine about a block.
type Header struct {
	Height           int64
	Time_s           int64
	ProposerConsAddr []byte
	Votes            []staking.Vote // nil when there is no commit info (simulator)
	Evidence         []staking.Evidence
}

// TxResult is the outcome of one transaction.
type TxResult struct {
	Code   uint32 // 0 ok, 1 rejected by a rule, 2 undecodable, 3 internal error
	Rule   string
	Log    string
	Events []state.Event
	Fee    coin.Coin
}

// Result codes.
const (
	CodeOK       = 0
	CodeRejected = 1
	CodeDecode   = 2
	CodeInternal = 3
)

// BlockResult is what a finished block returns to consensus.
type BlockResult struct {
	Txs              []TxResult
	ValidatorUpdates []staking.ValidatorUpdate
	Events           []state.Event
	AppHash          []byte
}

// Chain executes blocks on top of a committed base store.
type Chain struct {
	ChainID   string
	base      store.Base
	genesis   *store.Overlay // genesis writes not yet committed (before block 1)
	block     *store.Overlay
	params    params.Params
	paramsRaw []byte
	hdr       Header
	events    []state.Event
	inBlock   bool
	meta      store.Meta // last committed
	pending   []byte     // app hash of the finished, uncommitted block

	// VerifySignatures can be turned off only by benchmarks measuring execution alone.
	VerifySignatures bool
	// SigCache, if set, lets blocks skip signatures CheckTx already verified.
	SigCache *tx.SigCache
	// Invariants run after every block when CheckInvariants is set (tests, simulator).
	Invariants      state.Registry
	CheckInvariants bool
}

var lastTimeKey = []byte("chain/last_time")

// New opens a chain on base, resuming from its last committed block.
func New(chainID string, base store.Base) (*Chain, error) {
	m, err := base.LastMeta()
	if err != nil {
		return nil, err
	}
	c := &Chain{ChainID: chainID, base: base, meta: m, VerifySignatures: true}
	c.block = store.NewOverlay(base)
	c.Invariants.Register(state.Invariant{Name: "bank-supply", Check: bank.SupplyInvariant})
	for _, inv := range staking.Invariants() {
		c.Invariants.Register(inv)
	}
	for _, inv := range restaking.Invariants() {
		c.Invariants.Register(inv)
	}
	for _, inv := range liquid.Invariants() {
		c.Invariants.Register(inv)
	}
	return c, nil
}

// Height is the last committed height (0 before the first block).
func (c *Chain) Height() int64 { return c.meta.Height }

// AppHash is the last committed app hash.
func (c *Chain) AppHash() []byte { return c.meta.AppHash }

// Committed reads the last committed state.
func (c *Chain) Committed() store.Reader { return c.base }

// InitChain writes genesis and returns the initial validator set and app hash.
func (c *Chain) InitChain(g Genesis, time_s int64) ([]staking.ValidatorUpdate, []byte, error) {
	if c.meta.Height != 0 || c.genesis != nil {
		return nil, nil, fmt.Errorf("init chain: chain already initialised (height %d)", c.meta.Height)
	}
	if g.ChainID != c.ChainID {
		return nil, nil, fmt.Errorf("init chain: genesis is for %q, node runs %q", g.ChainID, c.ChainID)
	}
	if err := g.Validate(); err != nil {
		return nil, nil, err
	}
	c.genesis = store.NewOverlay(c.base)
	ctx := state.NewCtx(c.genesis, 0, time_s, c.ChainID, &c.events)
	if err := g.apply(ctx); err != nil {
		c.genesis = nil
		return nil, nil, err
	}
	c.genesis.Set(lastTimeKey, state.U64(uint64(time_s)))
	set, err := staking.ActiveSet(c.genesis)
	if err != nil {
		return nil, nil, err
	}
	if c.CheckInvariants {
		if err := c.Invariants.CheckAll(c.genesis); err != nil {
			return nil, nil, fmt.Errorf("genesis: %w", err)
		}
	}
	c.meta.AppHash = hashWrites(nil, 0, c.genesis)
	c.block = store.NewOverlay(c.genesis)
	c.events = nil
	return set, c.meta.AppHash, nil
}

// BeginBlock starts block h: loads params and runs the staking, then the
// liquid-staking hooks.
func (c *Chain) BeginBlock(h Header) error {
	if c.inBlock || c.pending != nil {
		return errors.New("begin block: previous block not finished")
	}
	if h.Height != c.meta.Height+1 {
		return fmt.Errorf("begin block: height %d, expected %d", h.Height, c.meta.Height+1)
	}
	p, err := c.loadParams()
	if err != nil {
		return err
	}
	prev := lastTime(c.block)
	c.params, c.hdr, c.inBlock, c.events = p, h, true, nil
	c.block.Set(lastTimeKey, state.U64(uint64(h.Time_s)))
	info := staking.BlockInfo{PrevTime_s: prev, ProposerConsAddr: h.ProposerConsAddr, Votes: h.Votes, Evidence: h.Evidence}
	ctx := c.ctx(c.block, &c.events)
	slashed, err := staking.BeginBlock(ctx, p, info)
	if err != nil {
		return err
	}
	if err := liquid.BeginBlock(ctx, p); err != nil { // compounds the rewards staking just distributed
		return err
	}
	return restaking.BeginBlock(ctx, p, slashed)
}

// loadParams decodes the params record only when its bytes changed, which
// keeps empty blocks cheap.
func (c *Chain) loadParams() (params.Params, error) {
	raw, _ := c.block.Get(params.Key)
	if c.paramsRaw != nil && bytes.Equal(raw, c.paramsRaw) {
		return c.params, nil
	}
	p, err := params.Load(c.block)
	if err != nil {
		return p, err
	}
	c.paramsRaw = raw
	return p, nil
}

func (c *Chain) ctx(kv store.KV, sink *[]state.Event) state.Ctx {
	return state.NewCtx(kv, c.hdr.Height, c.hdr.Time_s, c.ChainID, sink)
}

// Params returns the parameters in force for the current block.
func (c *Chain) Params() params.Params { return c.params }

// DeliverTx executes one transaction in the current block. Fee and sequence
// stick even when a message fails; everything else the tx did is reverted.
func (c *Chain) DeliverTx(raw []byte) TxResult {
	if !c.inBlock {
		return TxResult{Code: CodeInternal, Log: "no block in progress"}
	}
	d, err := tx.Decode(raw)
	if err != nil {
		return TxResult{Code: CodeDecode, Rule: "decode", Log: err.Error()}
	}
	verify := c.VerifySignatures
	if verify && c.SigCache != nil && c.SigCache.Has(tx.Key(raw)) {
		verify = false
	}
	return c.execute(c.block, d, verify, true)
}

// execute admits d into o (fee, sequence) and runs its messages through an
// undo journal that is kept only if every message succeeds. With
// keepFailed false (CheckTx) a failing message also drops the admission.
func (c *Chain) execute(o *store.Overlay, d *tx.Decoded, verify, keepFailed bool) TxResult {
	if !keepFailed {
		buf := store.NewOverlay(o)
		r := c.execute(buf, d, verify, true)
		if r.Code == CodeOK {
			buf.WriteTo(o)
		}
		return r
	}
	// Admission writes nothing when it fails, so it goes straight into o.
	fee, err := auth.Admit(o, d, c.ChainID, c.params.NativeDenom, c.params.MinFee, verify)
	if err != nil {
		return rejected(err)
	}
	var evs []state.Event
	j := o.Journal()
	if err := c.runMsgs(c.ctx(j, &evs), d); err != nil {
		j.Revert()
		r := rejected(err)
		r.Fee = fee
		return r
	}
	j.Keep()
	return TxResult{Code: CodeOK, Events: evs, Fee: fee}
}

func rejected(err error) TxResult {
	code := uint32(CodeRejected)
	rule := state.RuleOf(err)
	if rule == "" {
		code, rule = CodeInternal, "internal"
	}
	return TxResult{Code: code, Rule: rule, Log: err.Error()}
}

func (c *Chain) runMsgs(ctx state.Ctx, d *tx.Decoded) (err error) {
	defer func() {
		// A panic here is a bug, never an accepted input: fail the tx, keep the node.
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error executing message: %v", r)
		}
	}()
	for i, m := range d.Body.Msgs {
		if err := c.route(ctx, d.Signer, m); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
	}
	return nil
}

func (c *Chain) route(ctx state.Ctx, signer account.Address, m *tx.Msg) error {
	p := c.params
	if mod := entryModule(m); mod != "" && p.IsPaused(mod) {
		return state.Reject("module-paused", "the %s module is paused by the authority: %s is refused (exits, slashing and claims stay open)", mod, msgName(m))
	}
	switch v := m.GetSum().(type) {
	case *tx.Msg_CreateValidator:
		return staking.HandleCreateValidator(ctx, p, signer, v.CreateValidator)
	case *tx.Msg_EditValidator:
		return staking.HandleEditValidator(ctx, p, signer, v.EditValidator)
	case *tx.Msg_Delegate:
		return staking.HandleDelegate(ctx, p, signer, v.Delegate)
	case *tx.Msg_Undelegate:
		return staking.HandleUndelegate(ctx, p, signer, v.Undelegate)
	case *tx.Msg_Unjail:
		return staking.HandleUnjail(ctx, p, signer, v.Unjail)
	case *tx.Msg_ClaimRewards:
		if err := staking.HandleClaimRewards(ctx, p, signer, v.ClaimRewards); err != nil {
			return err
		}
		if _, err := restaking.ClaimNative(ctx, p, signer); err != nil { // signer is the account (checked above)
			return err
		}
		_, err := restaking.ClaimService(ctx, signer)
		return err
	case *tx.Msg_SetParams:
		return handleSetParams(ctx, p, signer, v.SetParams)
	case *tx.Msg_Send:
		return bank.HandleSend(ctx, signer, v.Send, func(a account.Address) bool { return isModuleAccount(ctx.KV, a) })
	case *tx.Msg_LiquidStake:
		return liquid.HandleLiquidStake(ctx, p, signer, v.LiquidStake)
	case *tx.Msg_LiquidUnstake:
		return liquid.HandleLiquidUnstake(ctx, p, signer, v.LiquidUnstake)
	}
	if handled, err := restaking.Route(ctx, p, signer, m); handled {
		return err
	}
	return state.Reject("unknown-message", "message type %T is not handled", m.GetSum())
}

// entryModule is the module a message brings new stake or risk into, or
// "" for exits, slashing, claims and configuration (never paused).
// Allocation increases are checked by restaking itself.
func entryModule(m *tx.Msg) string {
	switch m.GetSum().(type) {
	case *tx.Msg_Send:
		return "bank"
	case *tx.Msg_CreateValidator, *tx.Msg_Delegate:
		return "staking"
	case *tx.Msg_LiquidStake:
		return "liquid"
	case *tx.Msg_Deposit, *tx.Msg_RegisterOperator, *tx.Msg_RegisterService, *tx.Msg_OptIn:
		return "restaking"
	}
	return ""
}

func msgName(m *tx.Msg) string {
	r := m.ProtoReflect()
	if f := r.WhichOneof(r.Descriptor().Oneofs().ByName("sum")); f != nil {
		return string(f.Name())
	}
	return "message"
}

// moduleAccounts hold pooled or escrowed funds that their module tracks
// exactly; no key controls them and sends to them are refused (restaking
// answers for its own, per operator). The liquid pool and its fee account
// are left open on purpose: the pool counts any stake it holds as assets
// (a send is a donation to ststake holders, priced against the
// first-depositor attack by its virtual shares) and the fee account is
// only ever checked to hold at least the fees paid.
var moduleAccounts = []account.Address{auth.FeeCollector, staking.BondedPool, staking.UnbondingPool, staking.RewardsPool}

func isModuleAccount(r store.Reader, a account.Address) bool {
	for _, m := range moduleAccounts {
		if a == m {
			return true
		}
	}
	return restaking.IsModuleAccount(r, a)
}

// MaxParamsPerMsg bounds one set_params message.
const MaxParamsPerMsg = 64

func handleSetParams(ctx state.Ctx, _ params.Params, signer account.Address, m *tx.MsgSetParams) error {
	// The stored record, not the block's snapshot: an earlier set_params in
	// this block (or this tx) must neither be undone nor keep its old authority.
	p, err := params.Load(ctx.KV)
	if err != nil {
		return err
	}
	a, err := state.Owner("authority", m.Authority, signer, "sign for it")
	if err != nil {
		return err
	}
	if a != p.Authority || p.Authority.IsZero() {
		return state.Reject("not-authority", "only the authority %s may change params (signed by %s)", p.Authority, signer)
	}
	if len(m.Params) == 0 || len(m.Params) > MaxParamsPerMsg {
		return state.Reject("bad-params", "set 1..%d params per message", MaxParamsPerMsg)
	}
	next := p
	for _, kv := range m.Params {
		if kv.Name == "native_denom" {
			return state.Reject("bad-params", "native_denom is fixed at genesis: pools and balances are held in it")
		}
		if err := next.Set(kv.Name, kv.Value); err != nil {
			return state.Reject("bad-params", "%v", err)
		}
	}
	if err := next.Validate(); err != nil {
		return state.Reject("bad-params", "%v", err)
	}
	if err := staking.CheckParams(ctx.KV, next); err != nil {
		return err
	}
	if err := params.Store(ctx.KV, next); err != nil {
		return state.Reject("bad-params", "%v", err)
	}
	ctx.Emit("set_params", "count", fmt.Sprint(len(m.Params)))
	return nil
}

// Inject runs fn inside the current block as one atomic unit (simulator
// events such as double_sign, which consensus would otherwise deliver).
func (c *Chain) Inject(fn func(ctx state.Ctx, p params.Params) error) error {
	if !c.inBlock {
		return errors.New("no block in progress")
	}
	buf := store.NewOverlay(c.block)
	var evs []state.Event
	if err := fn(c.ctx(buf, &evs), c.params); err != nil {
		return err
	}
	buf.WriteTo(c.block)
	c.events = append(c.events, evs...)
	return nil
}

// BlockState reads the state of the block in progress (simulator expectations).
func (c *Chain) BlockState() store.Reader { return c.block }

// EndBlock finishes the block: unbondings, validator set, liquid claims, app hash.
func (c *Chain) EndBlock() (BlockResult, error) {
	if !c.inBlock {
		return BlockResult{}, errors.New("end block: no block in progress")
	}
	ctx := c.ctx(c.block, &c.events)
	// Before staking recomputes the set, since paying claims may undelegate.
	// A claim maturing with its own unbonding is paid at the next block,
	// once staking has returned the stake.
	if err := liquid.EndBlock(ctx, c.params); err != nil {
		return BlockResult{}, err
	}
	updates, err := staking.EndBlock(ctx, c.params)
	if err != nil {
		return BlockResult{}, err
	}
	c.inBlock = false
	c.pending = hashWrites(c.meta.AppHash, c.hdr.Height, c.block)
	return BlockResult{ValidatorUpdates: updates, Events: c.events, AppHash: c.pending}, nil
}

// Commit persists the finished block atomically with its height and app
// hash, then (with CheckInvariants) checks every invariant on the result.
func (c *Chain) Commit() error {
	if c.pending == nil {
		return errors.New("commit: no finished block")
	}
	writes := c.block
	if c.genesis != nil {
		c.block.WriteTo(c.genesis)
		writes = c.genesis
	}
	m := store.Meta{Height: c.hdr.Height, AppHash: c.pending}
	if err := c.base.Commit(writes, m); err != nil {
		return err
	}
	c.meta, c.pending, c.genesis = m, nil, nil
	c.block = store.NewOverlay(c.base)
	if c.CheckInvariants {
		// On the committed state: one sorted store, no write buffers to merge.
		if err := c.Invariants.CheckAll(c.base); err != nil {
			return fmt.Errorf("after block %d: %w", m.Height, err)
		}
	}
	return nil
}

// hashWrites chains the block's sorted write set onto the previous app hash:
// H = sha256(domain ‖ prev ‖ height ‖ each (len key, key, op, len value, value)).
func hashWrites(prev []byte, height int64, w *store.Overlay) []byte {
	h := sha256.New()
	h.Write([]byte("restaked/apphash/v1"))
	h.Write(prev)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(height))
	h.Write(n[:])
	w.Writes(func(k, v []byte, deleted bool) bool {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(k)))
		h.Write(l[:])
		h.Write(k)
		op := []byte{1}
		if deleted {
			op[0] = 0
		}
		h.Write(op)
		binary.BigEndian.PutUint32(l[:], uint32(len(v)))
		h.Write(l[:])
		h.Write(v)
		return true
	})
	return h.Sum(nil)
}

// Check admits raw into the mempool state kv (signature, sequence, fee,
// and a trial run of its messages); nothing is kept if anything fails.
// It uses the parameters of the last block.
func (c *Chain) Check(kv *store.Overlay, raw []byte) TxResult {
	d, err := tx.Decode(raw)
	if err != nil {
		return TxResult{Code: CodeDecode, Rule: "decode", Log: err.Error()}
	}
	if c.params.NativeDenom == "" {
		p, err := params.Load(kv)
		if err != nil {
			return TxResult{Code: CodeInternal, Rule: "internal", Log: err.Error()}
		}
		c.params = p
	}
	saved := c.hdr
	c.hdr = Header{Height: c.meta.Height + 1, Time_s: lastTime(kv)}
	defer func() { c.hdr = saved }()
	r := c.execute(kv, d, true, false)
	if r.Code == CodeOK && c.SigCache != nil {
		c.SigCache.Add(tx.Key(raw))
	}
	return r
}

// LastBlockTime is the time of the last block whose writes r holds (0
// before genesis): reads of committed state take it as "now", the same
// clock the block that wrote the state ran on.
func LastBlockTime(r store.Reader) int64 { return lastTime(r) }

// lastTime is the previous block's time (0 before genesis wrote it).
func lastTime(r store.Reader) int64 {
	bz, _ := r.Get(lastTimeKey)
	v, _ := state.ReadU64(bz)
	return int64(v)
}
