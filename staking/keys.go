// Package staking is the primary proof-of-stake layer (SPEC §4): validators,
// share-based delegations, unbonding with lazy slashing, reward-per-share
// accumulators, downtime tracking and the CometBFT validator set.
//
// It is a pure deterministic library: the only clock is the block time in
// state.Ctx, all amounts are integers, every rounding site is marked
// "rounding:" and every loop has a bound. Slashing never iterates delegators
// or unbonding entries, and per-block work is O(active validators).
package staking

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
)

// Module accounts. BondedPool holds the tokens of every validator, bonded
// or not (status only decides voting power, not where tokens sit), so the
// pool invariant is one exact sum. UnbondingPool holds unbonding entries;
// RewardsPool holds minted rewards and fees until they are claimed.
var (
	BondedPool    = account.Module("staking_bonded")
	UnbondingPool = account.Module("staking_unbonding")
	RewardsPool   = account.Module("staking_rewards")
)

// Limits that keep every loop and every record bounded.
const (
	MaxMonikerLen            = 64
	MaxUnbondingsPerPair     = 32     // live entries per (delegator, validator)
	MaxDelegationsPerAccount = 1_000  // distinct validators one account delegates to (bounds claim_rewards work per message)
	MaxMaturePerBlock        = 1000   // unbonding entries paid per EndBlock
	maxVotesPerBlock         = 10_000 // params cap max_validators at 10000
	maxEvidencePerBlock      = 1000
	maxSegments              = 1 << 16 // slash segments per validator (see unbonding.go)

	secondsPerYear             = 31_536_000
	maxInflationDt_s           = 86_400 // a stalled chain does not mint a burst
	commissionChangeInterval_s = 86_400
	maxTotalPower              = int64(1)<<60 - 1 // CometBFT MaxTotalVotingPower
)

// State key layout (all under "staking/"; fixed-width parts, so prefixes
// never collide and iteration order is numeric):
//
//	staking/val/   op(20)                        → Validator (JSON)
//	staking/cons/  consAddr(20)                  → op(20)
//	staking/rank/  ^tokens(32) op(20)            → {} non-jailed validators with tokens > 0, tokens desc
//	staking/rwd/   op(20)                        → reward-per-share acc(32) ‖ commission owed(32)
//	staking/del/   delegator(20) op(20)          → delegation (JSON)
//	staking/ndel/  delegator(20)                 → u64 number of delegations
//	staking/ubh/   op(20)                        → unbonding head (JSON)
//	staking/ubd/   op(20) index(8)               → unbonding entry (JSON)
//	staking/ubq/   completion_s(8) id(8)         → op(20) index(8), the maturity queue
//	staking/ubdel/ delegator(20) op(20) id(8)    → index(8)
//	staking/seg/   op(20) start index(8)         → slash factor (WAD, 32 bytes)
//	staking/thist/ op(20) height(8)              → tokens(32) ‖ unbonded(32) ‖ time_s(8) ‖ next lot(8), token history (thist.go)
//	staking/loth/  op(20)                        → lot head: next lot index, exemption events (lots.go)
//	staking/lotf/  op(20) position(8)            → Fenwick node of raw lot amounts (32 bytes, lots.go)
//	staking/sign/  op(20)                        → active since(8) ‖ window(8) ‖ missed(8)
//	staking/miss/  op(20) word(8)                → u64 missed-block bitmap word
//	staking/set                                  → last validator set sent to consensus (JSON)
//	staking/dirty                                → present when the set may have changed
//	staking/dust                                 → undistributed rewards in RewardsPool
//	staking/denom                                → native denom fixed at genesis (read by queries and invariants)
//	staking/seq/ubd                              → next unbonding id
var (
	prefixValidator  = []byte("staking/val/")
	prefixConsIndex  = []byte("staking/cons/")
	prefixRank       = []byte("staking/rank/")
	prefixReward     = []byte("staking/rwd/")
	prefixDelegation = []byte("staking/del/")
	prefixDelCount   = []byte("staking/ndel/")
	prefixUbdHead    = []byte("staking/ubh/")
	prefixUbdEntry   = []byte("staking/ubd/")
	prefixUbdQueue   = []byte("staking/ubq/")
	prefixUbdByDel   = []byte("staking/ubdel/")
	prefixSegment    = []byte("staking/seg/")
	prefixTokenHist  = []byte("staking/thist/")
	prefixLotHead    = []byte("staking/loth/")
	prefixLotTree    = []byte("staking/lotf/")
	prefixSignInfo   = []byte("staking/sign/")
	prefixMissed     = []byte("staking/miss/")
	keyActiveSet     = []byte("staking/set")
	keyDirty         = []byte("staking/dirty")
	keyDust          = []byte("staking/dust")
	keyDenom         = []byte("staking/denom")
	keyNextUbdID     = []byte("staking/seq/ubd")
)

func validatorKey(op account.Address) []byte { return state.Key(prefixValidator, op[:]) }
func consKey(consAddr []byte) []byte         { return state.Key(prefixConsIndex, consAddr) }
func rewardKey(op account.Address) []byte    { return state.Key(prefixReward, op[:]) }
func delCountKey(d account.Address) []byte   { return state.Key(prefixDelCount, d[:]) }
func ubdHeadKey(op account.Address) []byte   { return state.Key(prefixUbdHead, op[:]) }
func signInfoKey(op account.Address) []byte  { return state.Key(prefixSignInfo, op[:]) }

func rankKey(tokens num.Int, op account.Address) []byte {
	inv := tokens.Bytes32()
	for i := range inv {
		inv[i] = ^inv[i] // ascending keys = descending tokens
	}
	return state.Key(prefixRank, inv[:], op[:])
}

// parseRankKey is the inverse of rankKey.
func parseRankKey(k []byte) (num.Int, account.Address, bool) {
	var op account.Address
	body := k[len(prefixRank):]
	if len(body) != 52 {
		return num.Int{}, op, false
	}
	var raw [32]byte
	for i := range raw {
		raw[i] = ^body[i]
	}
	tokens, err := num.IntFromBytes(raw[:])
	copy(op[:], body[32:])
	return tokens, op, err == nil
}

func delegationKey(d, op account.Address) []byte { return state.Key(prefixDelegation, d[:], op[:]) }

func ubdEntryKey(op account.Address, index uint64) []byte {
	return state.Key(prefixUbdEntry, op[:], state.U64(index))
}

func ubdQueueKey(completion_s int64, id uint64) []byte {
	return state.Key(prefixUbdQueue, state.U64(uint64(completion_s)), state.U64(id))
}

func ubdByDelKey(d, op account.Address, id uint64) []byte {
	return state.Key(prefixUbdByDel, d[:], op[:], state.U64(id))
}

func segmentPrefix(op account.Address) []byte { return state.Key(prefixSegment, op[:]) }

func segmentKey(op account.Address, start uint64) []byte {
	return state.Key(prefixSegment, op[:], state.U64(start))
}

func missedKey(op account.Address, word uint64) []byte {
	return state.Key(prefixMissed, op[:], state.U64(word))
}

// present is the value of index keys whose information is all in the key.
var present = []byte{1}
