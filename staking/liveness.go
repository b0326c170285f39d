package staking

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Downtime tracking. Each active validator has a missed-block bitmap over
// its last DowntimeWindow blocks, stored in 64-bit words; the bit for height
// h is (h − activeSince) mod window. Only words whose bit flips are written,
// and the sign-info record only when the missed count changes, so a block
// where everyone signs writes nothing.

// maxBitmapWords covers the largest window params allow (10^6 blocks).
const maxBitmapWords = 1_000_000/64 + 1

// signInfo is a validator's liveness window.
type signInfo struct {
	ActiveSince int64  // first height counted in the window
	Window      uint64 // window length the bitmap was built for
	Missed      uint64 // set bits in the bitmap
}

func loadSignInfo(r store.Reader, op account.Address) (signInfo, bool, error) {
	bz, ok := r.Get(signInfoKey(op))
	if !ok {
		return signInfo{}, false, nil
	}
	if len(bz) != 24 {
		return signInfo{}, true, fmt.Errorf("%w: sign info of %s", state.ErrCorrupt, op)
	}
	return signInfo{
		ActiveSince: int64(binary.BigEndian.Uint64(bz[0:])),
		Window:      binary.BigEndian.Uint64(bz[8:]),
		Missed:      binary.BigEndian.Uint64(bz[16:]),
	}, true, nil
}

func saveSignInfo(kv store.KV, op account.Address, si signInfo) {
	var b [24]byte
	binary.BigEndian.PutUint64(b[0:], uint64(si.ActiveSince))
	binary.BigEndian.PutUint64(b[8:], si.Window)
	binary.BigEndian.PutUint64(b[16:], si.Missed)
	kv.Set(signInfoKey(op), b[:])
}

// resetSigning clears the bitmap and starts a fresh window at height since.
func resetSigning(kv store.KV, op account.Address, since int64, window uint64) {
	var keys [][]byte
	store.IteratePrefix(kv, state.Key(prefixMissed, op[:]), false, func(k, _ []byte) bool {
		keys = append(keys, append([]byte(nil), k...))
		return len(keys) < maxBitmapWords
	})
	for _, k := range keys {
		kv.Delete(k)
	}
	saveSignInfo(kv, op, signInfo{ActiveSince: since, Window: window})
}

// trackVotes records the last commit's votes of the active set and slashes
// validators that missed too many blocks. Votes == nil (no commit info, as
// in the simulator) skips tracking.
func trackVotes(ctx state.Ctx, p params.Params, set activeSet, votes []Vote, slashed *[]account.Address) error {
	if votes == nil || len(set.Members) == 0 || p.DowntimeWindow == 0 {
		return nil
	}
	byCons := membersByConsAddr(set)
	for i, vote := range votes {
		if i >= maxVotesPerBlock {
			break
		}
		m, ok := findMember(byCons, vote.ConsAddr)
		if !ok {
			continue
		}
		hit, err := recordVote(ctx, p, m.Operator, !vote.Signed)
		if err != nil {
			return err
		}
		if hit {
			*slashed = append(*slashed, m.Operator)
		}
	}
	return nil
}

func membersByConsAddr(set activeSet) []setMember {
	out := append([]setMember(nil), set.Members...)
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].ConsAddr, out[j].ConsAddr) < 0 })
	return out
}

func findMember(sorted []setMember, consAddr []byte) (setMember, bool) {
	i := sort.Search(len(sorted), func(i int) bool { return bytes.Compare(sorted[i].ConsAddr, consAddr) >= 0 })
	if i < len(sorted) && bytes.Equal(sorted[i].ConsAddr, consAddr) {
		return sorted[i], true
	}
	return setMember{}, false
}

// recordVote sets this height's bit and slashes when the window is full
// and the missed count is above (1 − min_signed)·window.
// recordVote reports whether the vote got op slashed for downtime.
func recordVote(ctx state.Ctx, p params.Params, op account.Address, missed bool) (bool, error) {
	si, found, err := loadSignInfo(ctx.KV, op)
	if err != nil {
		return false, err
	}
	if !found || si.Window != p.DowntimeWindow {
		resetSigning(ctx.KV, op, ctx.Height, p.DowntimeWindow)
		si = signInfo{ActiveSince: ctx.Height, Window: p.DowntimeWindow}
	}
	if ctx.Height < si.ActiveSince {
		return false, nil
	}
	age := uint64(ctx.Height - si.ActiveSince)
	flipped, err := setMissedBit(ctx.KV, op, age%si.Window, missed)
	if err != nil {
		return false, err
	}
	if flipped {
		if missed {
			si.Missed++
		} else if si.Missed > 0 {
			si.Missed--
		}
		saveSignInfo(ctx.KV, op, si)
	}
	if age+1 >= si.Window && tooManyMissed(si.Missed, si.Window, p.DowntimeMinSigned) {
		return true, SlashDowntime(ctx, p, op)
	}
	return false, nil
}

// setMissedBit sets bit pos to missed and reports whether it changed.
func setMissedBit(kv store.KV, op account.Address, pos uint64, missed bool) (bool, error) {
	k := missedKey(op, pos/64)
	word, err := loadU64(kv, k)
	if err != nil {
		return false, err
	}
	bit := uint64(1) << (pos % 64)
	if (word&bit != 0) == missed {
		return false, nil
	}
	word ^= bit
	if word == 0 {
		kv.Delete(k)
	} else {
		kv.Set(k, state.U64(word))
	}
	return true, nil
}
