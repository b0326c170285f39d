package staking

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// The active set: the top MaxValidators non-jailed validators by tokens
// (ties by operator address bytes) with power = tokens / PowerReduction ≥ 1,
// read off the rank index in order, so recomputing costs O(MaxValidators).
// EndBlock recomputes only when a token or jail change marked it dirty or
// the params it was built with changed.

// ValidatorUpdate is a CometBFT validator power change (0 removes).
type ValidatorUpdate struct {
	ConsPubKey []byte `json:"cons_pub_key"`
	Power      int64  `json:"power"`
}

type setMember struct {
	Operator   account.Address
	ConsPubKey []byte
	ConsAddr   []byte
	Power      int64
}

// activeSet is the set last sent to consensus, in rank order. It is read
// every block, so it has a compact binary encoding:
//
//	max validators(8) ‖ power reduction(32) ‖ count(4) ‖
//	count × [operator(20) ‖ power(8) ‖ cons addr(20) ‖ key length(1) ‖ key]
type activeSet struct {
	MaxValidators  uint64
	PowerReduction num.Int
	Members        []setMember
}

func loadSet(r store.Reader) (activeSet, error) {
	bz, ok := r.Get(keyActiveSet)
	if !ok {
		return activeSet{}, nil
	}
	s, ok := decodeSet(bz)
	if !ok {
		return s, fmt.Errorf("%w: active set record", state.ErrCorrupt)
	}
	return s, nil
}

func encodeSet(s activeSet) []byte {
	pr := s.PowerReduction.Bytes32()
	out := binary.BigEndian.AppendUint64(nil, s.MaxValidators)
	out = append(out, pr[:]...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(s.Members)))
	for _, m := range s.Members {
		out = append(out, m.Operator[:]...)
		out = binary.BigEndian.AppendUint64(out, uint64(m.Power))
		out = append(out, m.ConsAddr...)
		out = append(out, byte(len(m.ConsPubKey)))
		out = append(out, m.ConsPubKey...)
	}
	return out
}

func decodeSet(bz []byte) (activeSet, bool) {
	var s activeSet
	if len(bz) < 44 {
		return s, false
	}
	s.MaxValidators = binary.BigEndian.Uint64(bz)
	s.PowerReduction, _ = num.IntFromBytes(bz[8:40])
	count := binary.BigEndian.Uint32(bz[40:44])
	rest := bz[44:]
	for i := uint32(0); i < count; i++ {
		if len(rest) < 49 || len(rest) < 49+int(rest[48]) {
			return s, false
		}
		var m setMember
		copy(m.Operator[:], rest)
		m.Power = int64(binary.BigEndian.Uint64(rest[20:]))
		m.ConsAddr = append([]byte(nil), rest[28:48]...)
		m.ConsPubKey = append([]byte(nil), rest[49:49+int(rest[48])]...)
		s.Members = append(s.Members, m)
		rest = rest[49+int(rest[48]):]
	}
	return s, len(rest) == 0
}

// ActiveSet is the validator set last sent to consensus, by tokens desc.
func ActiveSet(r store.Reader) ([]ValidatorUpdate, error) {
	s, err := loadSet(r)
	if err != nil {
		return nil, err
	}
	out := make([]ValidatorUpdate, len(s.Members))
	for i, m := range s.Members {
		out[i] = ValidatorUpdate{ConsPubKey: append([]byte(nil), m.ConsPubKey...), Power: m.Power}
	}
	return out, nil
}

// ActiveOperators lists the operators of the validator set last sent to
// consensus, by tokens desc: the bonded validators, read from one record,
// so its cost is bounded by max_validators however many validators exist.
// A member jailed during the current block stays listed until EndBlock
// recomputes the set.
func ActiveOperators(r store.Reader) ([]account.Address, error) {
	s, err := loadSet(r)
	if err != nil {
		return nil, err
	}
	out := make([]account.Address, len(s.Members))
	for i, m := range s.Members {
		out[i] = m.Operator
	}
	return out, nil
}

// computeSet selects the active set from the rank index.
func computeSet(r store.Reader, p params.Params) (activeSet, error) {
	set := activeSet{MaxValidators: p.MaxValidators, PowerReduction: p.PowerReduction}
	ops, powers, err := selectSet(r, p.MaxValidators, p.PowerReduction)
	if err != nil {
		return set, err
	}
	for i, op := range ops {
		v, err := mustValidator(r, op)
		if err != nil {
			return set, err
		}
		set.Members = append(set.Members, setMember{Operator: op, ConsPubKey: v.ConsPubKey, ConsAddr: v.ConsAddress(), Power: powers[i]})
	}
	return set, nil
}

// selectSet reads the top maxValidators with power ≥ 1 off the rank index.
func selectSet(r store.Reader, maxValidators uint64, powerReduction num.Int) ([]account.Address, []int64, error) {
	if powerReduction.IsZero() {
		return nil, nil, fmt.Errorf("power_reduction is zero")
	}
	var ops []account.Address
	var raw []num.Int
	var bad error
	store.IteratePrefix(r, prefixRank, false, func(k, _ []byte) bool {
		if uint64(len(ops)) >= maxValidators {
			return false
		}
		tokens, op, ok := parseRankKey(k)
		if !ok {
			bad = fmt.Errorf("%w: rank key %q", state.ErrCorrupt, k)
			return false
		}
		power, _ := tokens.QuoDown(powerReduction)
		if power.IsZero() {
			return false // tokens descend: nobody after this has power either
		}
		ops, raw = append(ops, op), append(raw, power)
		return true
	})
	return ops, clampPowers(raw), bad
}

// diffSets lists the power changes from old to next (0 = removed), sorted
// by consensus key bytes.
func diffSets(old, next activeSet) []ValidatorUpdate {
	prev := make(map[string]int64, len(old.Members)) // lookup only; output order comes from the slices
	for _, m := range old.Members {
		prev[string(m.ConsPubKey)] = m.Power
	}
	var out []ValidatorUpdate
	kept := make(map[string]bool, len(next.Members))
	for _, m := range next.Members {
		kept[string(m.ConsPubKey)] = true
		if p, ok := prev[string(m.ConsPubKey)]; !ok || p != m.Power {
			out = append(out, ValidatorUpdate{ConsPubKey: m.ConsPubKey, Power: m.Power})
		}
	}
	for _, m := range old.Members {
		if !kept[string(m.ConsPubKey)] {
			out = append(out, ValidatorUpdate{ConsPubKey: m.ConsPubKey, Power: 0})
		}
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].ConsPubKey, out[j].ConsPubKey) < 0 })
	return out
}

// updateSet recomputes the set if needed, stores it, updates the members'
// status and returns the changes.
func updateSet(ctx state.Ctx, p params.Params, force bool) ([]ValidatorUpdate, error) {
	old, err := loadSet(ctx.KV)
	if err != nil {
		return nil, err
	}
	_, dirty := ctx.KV.Get(keyDirty)
	same := old.MaxValidators == p.MaxValidators && old.PowerReduction.Eq(p.PowerReduction)
	if !force && !dirty && same {
		return nil, nil
	}
	next, err := computeSet(ctx.KV, p)
	if err != nil {
		return nil, err
	}
	if err := applyStatus(ctx, p, old, next); err != nil {
		return nil, err
	}
	ctx.KV.Set(keyActiveSet, encodeSet(next))
	ctx.KV.Delete(keyDirty)
	return diffSets(old, next), nil
}

// applyStatus marks members that left unbonded and members that joined
// bonded, starting a fresh signing window for the newcomers.
func applyStatus(ctx state.Ctx, p params.Params, old, next activeSet) error {
	in := make(map[account.Address]bool, len(next.Members)) // lookup only
	for _, m := range next.Members {
		in[m.Operator] = true
	}
	for _, m := range old.Members {
		if !in[m.Operator] {
			if err := setStatus(ctx, p, m.Operator, StatusUnbonded); err != nil {
				return err
			}
		}
	}
	for _, m := range next.Members {
		if err := setStatus(ctx, p, m.Operator, StatusBonded); err != nil {
			return err
		}
	}
	return nil
}

func setStatus(ctx state.Ctx, p params.Params, op account.Address, s Status) error {
	v, err := mustValidator(ctx.KV, op)
	if err != nil || v.Status == s {
		return err
	}
	v.Status = s
	if err := saveValidator(ctx.KV, &v); err != nil {
		return err
	}
	if s == StatusBonded {
		resetSigning(ctx.KV, op, ctx.Height+1, p.DowntimeWindow)
	}
	return nil
}

// CheckParams rejects parameters under which the current validators would
// leave no one in the consensus set (CometBFT halts on an empty set), such
// as a power_reduction above every validator's tokens.
func CheckParams(r store.Reader, p params.Params) error {
	old, err := loadSet(r)
	if err != nil || len(old.Members) == 0 {
		return err
	}
	next, err := computeSet(r, p)
	if err != nil {
		return err
	}
	if len(next.Members) == 0 {
		return state.Reject("empty-validator-set", "with power_reduction %s and max_validators %d no validator would have voting power", p.PowerReduction, p.MaxValidators)
	}
	return nil
}
