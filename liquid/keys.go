package liquid

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
)

// Module accounts.
var (
	Pool       = account.Module("lst_pool") // holds and delegates the pooled stake
	FeeAccount = account.Module("lst_fee")  // receives lst_fee of the pool's rewards
)

// Denom is the liquid staking token.
const Denom = "ststake"

// Bounds.
const (
	// VirtualOffset is added to both the assets and the shares of the
	// deposit rate (virtual shares against the first-depositor inflation
	// attack; see doc.go).
	VirtualOffset = 1_000_000
	// CompoundInterval_s: the pool compounds once per this much block time
	// (a day). Pending rewards already count in the rate (net of lst_fee),
	// so the interval only delays rewards earning rewards; each compounding
	// adds a delegation lot and token checkpoint per validator, which a day
	// keeps to about unbonding_period / 1d of them.
	CompoundInterval_s = 86400
	// MaxClaimsPerBlock bounds the claims paid in one EndBlock.
	MaxClaimsPerBlock = 200
	// MaxUndelegationsPerUnstake bounds the validators one unstake undelegates from.
	MaxUndelegationsPerUnstake = 16
	// MaxClaimsListed bounds one page of an address's claims in a query;
	// DefaultClaimsListed is the page size when none is asked for.
	MaxClaimsListed     = 1000
	DefaultClaimsListed = 100
)

var (
	keyPool      = []byte("liquid/pool")
	keyRetry     = []byte("liquid/retry_s") // when a due claim waiting for liquidity is tried again
	prefixClaim  = []byte("liquid/claim/")
	prefixQueue  = []byte("liquid/queue/")
	prefixByUser = []byte("liquid/owner/")
)

func virtual() num.Int { return num.NewInt(VirtualOffset) }

func claimKey(id uint64) []byte { return state.Key(prefixClaim, state.U64(id)) }

func queueKey(completion_s int64, id uint64) []byte {
	return state.Key(prefixQueue, state.U64(uint64(completion_s)), state.U64(id))
}

func ownerKey(owner account.Address, id uint64) []byte {
	return state.Key(prefixByUser, owner[:], state.U64(id))
}
