package staking

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Status is a validator's membership of the consensus set.
type Status string

const (
	StatusBonded   Status = "bonded"   // in the set last sent to consensus
	StatusUnbonded Status = "unbonded" // not in it (tokens stay delegated and slashable)
)

// Validator is the stored validator record.
type Validator struct {
	Operator            account.Address `json:"operator"`
	ConsPubKey          []byte          `json:"cons_pub_key"`
	Moniker             string          `json:"moniker"`
	Tokens              num.Int         `json:"tokens"`
	DelegatorShares     num.Int         `json:"delegator_shares"`
	Commission          num.Dec         `json:"commission"`
	CommissionChanged_s int64           `json:"commission_changed_s"`
	Jailed              bool            `json:"jailed"`
	JailedUntil_s       int64           `json:"jailed_until_s"`
	Tombstoned          bool            `json:"tombstoned"`
	Status              Status          `json:"status"`
	CreatedHeight       int64           `json:"created_height"`

	rankKey []byte // rank index key as loaded, so saves can move it
	econ    econ   // shares and rate as loaded, so saves update the reward record only on change
}

// econ is the part of a validator that reward crediting needs.
type econ struct {
	shares num.Int
	rate   num.Dec
}

// ConsAddress is the CometBFT address of the consensus key: sha256(pubkey)[:20].
func (v Validator) ConsAddress() []byte { return consAddress(v.ConsPubKey) }

func consAddress(pub []byte) []byte {
	sum := sha256.Sum256(pub)
	return sum[:20]
}

// currentRankKey is nil for validators that cannot be in the set.
func (v Validator) currentRankKey() []byte {
	if v.Jailed || v.Tokens.IsZero() {
		return nil
	}
	return rankKey(v.Tokens, v.Operator)
}

func loadValidator(r store.Reader, op account.Address) (Validator, bool, error) {
	var v Validator
	found, err := state.Load(r, validatorKey(op), &v)
	if err != nil || !found {
		return Validator{}, found, err
	}
	v.markLoaded()
	return v, true, nil
}

// markLoaded remembers what saveValidator must compare against.
func (v *Validator) markLoaded() {
	v.rankKey = v.currentRankKey()
	v.econ = econ{shares: v.DelegatorShares, rate: v.Commission}
}

// mustValidator loads a validator a message names.
func mustValidator(r store.Reader, op account.Address) (Validator, error) {
	v, found, err := loadValidator(r, op)
	if err == nil && !found {
		err = state.Reject("unknown-validator", "no validator with operator %s", op)
	}
	return v, err
}

// saveValidator writes v, moves its rank index entry (a moved entry marks
// the active set dirty for EndBlock) and mirrors shares and commission into
// the reward record, which is all BeginBlock reads per validator.
func saveValidator(kv store.KV, v *Validator) error {
	if now := (econ{shares: v.DelegatorShares, rate: v.Commission}); !now.shares.Eq(v.econ.shares) || !now.rate.Eq(v.econ.rate) {
		rw, err := loadReward(kv, v.Operator)
		if err != nil {
			return err
		}
		rw.Shares, rw.Rate = now.shares, now.rate
		saveReward(kv, v.Operator, rw)
		v.econ = now
	}
	next := v.currentRankKey()
	if !bytes.Equal(next, v.rankKey) {
		if v.rankKey != nil {
			kv.Delete(v.rankKey)
		}
		if next != nil {
			kv.Set(next, present)
		}
		kv.Set(keyDirty, present)
		v.rankKey = next
	}
	state.Put(kv, validatorKey(v.Operator), v)
	return nil
}

// operatorByCons resolves a consensus address through the reverse index.
func operatorByCons(r store.Reader, consAddr []byte) (account.Address, bool) {
	var op account.Address
	if len(consAddr) != 20 {
		return op, false
	}
	bz, ok := r.Get(consKey(consAddr))
	if !ok || len(bz) != 20 {
		return op, false
	}
	copy(op[:], bz)
	return op, true
}

// rewardState is a validator's reward accumulator and unpaid commission,
// plus a mirror of its shares and commission rate (kept by saveValidator)
// so crediting a block reward reads one small record.
type rewardState struct {
	Acc    num.Int // reward per share × 1e27, only grows
	Owed   num.Int // commission accrued, not yet claimed
	Shares num.Int // = Validator.DelegatorShares
	Rate   num.Dec // = Validator.Commission
}

func loadReward(r store.Reader, op account.Address) (rewardState, error) {
	bz, ok := r.Get(rewardKey(op))
	if !ok {
		return rewardState{}, nil
	}
	if len(bz) != 128 {
		return rewardState{}, fmt.Errorf("%w: reward record of %s", state.ErrCorrupt, op)
	}
	var f [4]num.Int
	for i := range f {
		f[i], _ = num.IntFromBytes(bz[32*i : 32*i+32])
	}
	return rewardState{Acc: f[0], Owed: f[1], Shares: f[2], Rate: num.DecFromRaw(f[3])}, nil
}

func saveReward(kv store.KV, op account.Address, rw rewardState) {
	out := make([]byte, 0, 128)
	for _, x := range []num.Int{rw.Acc, rw.Owed, rw.Shares, rw.Rate.Raw()} {
		b := x.Bytes32()
		out = append(out, b[:]...)
	}
	kv.Set(rewardKey(op), out)
}

// delegation is a delegator's stake with one validator: its base shares,
// its lots (recent increases, see lots.go) and the accumulator value its
// rewards were last settled at. Its current shares are ownedShares.
type delegation struct {
	Shares         num.Int `json:"shares"` // base shares, as of event Seen
	RewardSnapshot num.Int `json:"reward_snapshot"`
	Seen           uint64  `json:"seen,omitempty"` // lot events already applied to Shares
	Lots           []lot   `json:"lots,omitempty"`
}

func loadDelegation(r store.Reader, d, op account.Address) (delegation, bool, error) {
	var del delegation
	found, err := state.Load(r, delegationKey(d, op), &del)
	return del, found, err
}

func loadU64(r store.Reader, key []byte) (uint64, error) { return state.LoadU64(r, key) }

// nativeDenom is the staking denom recorded at genesis (params otherwise),
// so read-only paths need not decode the whole params record.
func nativeDenom(r store.Reader) (string, error) {
	if bz, ok := r.Get(keyDenom); ok {
		return string(bz), nil
	}
	p, err := params.Load(r)
	return p.NativeDenom, err
}

// decodeJSON decodes a record met during iteration (binary or JSON).
func decodeJSON(k, v []byte, out any) error { return state.Decode(k, v, out) }

// Binary encodings of the hot records (state.Record): validators and
// delegations are decoded on every delegation message.
const (
	recordV1 = 1
	recordV2 = 2 // delegation with lots
)

// MarshalRecord implements state.Record.
func (v *Validator) MarshalRecord() []byte {
	w := state.NewWriter(recordV1, 160)
	w.Fixed(v.Operator[:])
	w.Bytes(v.ConsPubKey)
	w.String(v.Moniker)
	w.Int(v.Tokens)
	w.Int(v.DelegatorShares)
	w.Dec(v.Commission)
	w.Varint(v.CommissionChanged_s)
	w.Bool(v.Jailed)
	w.Varint(v.JailedUntil_s)
	w.Bool(v.Tombstoned)
	w.String(string(v.Status))
	w.Varint(v.CreatedHeight)
	return w.Out()
}

// UnmarshalRecord implements state.Record.
func (v *Validator) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, recordV1)
	r.Fixed(v.Operator[:])
	v.ConsPubKey = r.Bytes()
	v.Moniker = r.String()
	v.Tokens, v.DelegatorShares, v.Commission = r.Int(), r.Int(), r.Dec()
	v.CommissionChanged_s, v.Jailed, v.JailedUntil_s = r.Varint(), r.Bool(), r.Varint()
	v.Tombstoned, v.Status, v.CreatedHeight = r.Bool(), Status(r.String()), r.Varint()
	return r.Done()
}

// MarshalRecord implements state.Record.
func (d *delegation) MarshalRecord() []byte {
	if len(d.Lots) == 0 && d.Seen == 0 {
		w := state.NewWriter(recordV1, 72)
		w.Int(d.Shares)
		w.Int(d.RewardSnapshot)
		return w.Out()
	}
	w := state.NewWriter(recordV2, 72+56*len(d.Lots))
	w.Int(d.Shares)
	w.Int(d.RewardSnapshot)
	w.Uvarint(d.Seen)
	w.Uvarint(uint64(len(d.Lots)))
	for _, l := range d.Lots {
		w.Uvarint(l.Index)
		w.Varint(l.Height)
		w.Varint(l.Time_s)
		w.Int(l.Raw)
	}
	return w.Out()
}

// UnmarshalRecord implements state.Record.
func (d *delegation) UnmarshalRecord(b []byte) error {
	if len(b) == 0 || b[0] != recordV2 {
		r := state.NewReader(b, recordV1)
		d.Shares, d.RewardSnapshot, d.Seen, d.Lots = r.Int(), r.Int(), 0, nil
		return r.Done()
	}
	r := state.NewReader(b, recordV2)
	d.Shares, d.RewardSnapshot, d.Seen = r.Int(), r.Int(), r.Uvarint()
	n := r.Uvarint()
	if n > maxLots {
		return fmt.Errorf("%w: delegation with %d lots", state.ErrCorrupt, n)
	}
	d.Lots = make([]lot, 0, n)
	for i := uint64(0); i < n; i++ {
		d.Lots = append(d.Lots, lot{Index: r.Uvarint(), Height: r.Varint(), Time_s: r.Varint(), Raw: r.Int()})
	}
	return r.Done()
}
