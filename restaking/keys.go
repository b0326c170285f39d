package restaking

import (
	"fmt"
	"slices"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/auth"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
)

// Module accounts. VaultAccount holds every deposited non-native asset (each
// (operator, asset) vault's Units are its share of it); Escrow holds
// redistributed slashes until their recipient claims them. Natively
// restaked stake is delegated by one account per operator, NativeAccount.
var (
	VaultAccount = account.Module("restaking_vault")
	Escrow       = account.Module("restaking_escrow")
)

// protocolAccounts are the module accounts outside restaking: no key
// controls them and their balances are tracked exactly.
var protocolAccounts = []account.Address{auth.FeeCollector, staking.BondedPool, staking.UnbondingPool,
	staking.RewardsPool, liquid.Pool, liquid.FeeAccount}

// checkNotProtocol refuses a module account where an account that acts or
// receives is expected (a service admin, a slash recipient): funds sent
// there would be stuck or would break a pool's books.
func checkNotProtocol(r interface{ Get([]byte) ([]byte, bool) }, field string, a account.Address) error {
	if IsModuleAccount(r, a) || slices.Contains(protocolAccounts, a) {
		return state.Reject("module-account", "%s %s is a module account", field, a)
	}
	return nil
}

// NativeAccount is the delegator of operator op's natively restaked stake.
func NativeAccount(op account.Address) account.Address {
	return account.Module("restaking_native/" + op.String())
}

// Bounds that keep every loop and record small.
const (
	MaxNameLen                = 64
	MaxMetadataLen            = 512
	MaxReasonLen              = 256
	MaxAssetsPerService       = 8
	MaxAssets                 = 64        // registered assets
	MaxServicesPerOperator    = 64        // services an operator is opted in to (or still slashable by)
	MaxOperatorsPerService    = 1024      // membership records of a service, past and present
	MaxAllocationsPerVault    = 64        // services one (operator, asset) allocates to
	MaxPositionsPerStaker     = 256       // positions (and native reward records) of one staker: bounds claim_rewards
	MaxAllocationsPerBlock    = 256       // pending allocation changes applied per BeginBlock
	MaxPendingPerService      = 8         // slash requests waiting for their veto window, per (service, operator)
	MaxMagRewrite             = 256       // magnitude checkpoints a late-executed slash may rewrite
	MaxProgramsPerService     = 16        // live reward programs of one service
	MaxRewardDenomsPerService = 8         // denoms a service has ever paid rewards in
	MaxEmissionsPerBlock      = 128       // programs emitting (or starting) in one block; the rest catch up at their next turn
	MaxVaultsListed           = 1_000_000 // vaults a what-if preview compares
	MaxStreamServices         = 128       // services with reward streams in one vault before new allocations are refused
	MaxStreamsPerVault        = (MaxStreamServices + MaxAllocationsPerVault) * MaxRewardDenomsPerService
)

var (
	prefixAsset         = []byte("rs/asset/")   // denom → Asset
	prefixOperator      = []byte("rs/op/")      // op → Operator
	prefixService       = []byte("rs/svc/")     // name → Service
	prefixMember        = []byte("rs/mem/")     // svc ‖ op → Membership
	prefixOpService     = []byte("rs/opsvc/")   // op ‖ svc → (index: services of an operator)
	prefixVault         = []byte("rs/vault/")   // op ‖ asset → Vault
	prefixAlloc         = []byte("rs/alloc/")   // op ‖ asset ‖ svc → Allocation
	prefixAllocQueue    = []byte("rs/allocq/")  // effective_s ‖ op ‖ asset ‖ svc → (pending change due)
	prefixPosition      = []byte("rs/pos/")     // staker ‖ op ‖ asset → Position
	prefixWithdrawal    = []byte("rs/wd/")      // id → Withdrawal
	prefixWdByStaker    = []byte("rs/wdby/")    // staker ‖ id → (index)
	prefixCumQueued     = []byte("rs/cumq/")    // op ‖ asset ‖ time_s → Σ scaled shares ever queued
	prefixMagHist       = []byte("rs/magh/")    // op ‖ asset ‖ time_s → maxMagnitude after changes at that time
	prefixVaultHist     = []byte("rs/vh/")      // op ‖ asset ‖ height → vault checkpoint
	prefixAllocHist     = []byte("rs/ah/")      // svc ‖ op ‖ asset ‖ height → magnitude
	prefixMemberHist    = []byte("rs/mh/")      // svc ‖ op ‖ height → member flag
	prefixValueHist     = []byte("rs/valh/")    // denom ‖ height → value in native units
	prefixTermsHist     = []byte("rs/th/")      // svc ‖ height → ServiceTerms (pfc, threshold) after that height
	prefixNativeAcct    = []byte("rs/native/")  // native account → operator (reverse index)
	prefixSlash         = []byte("rs/slash/")   // id → Slash
	prefixSlashByOp     = []byte("rs/slashop/") // op ‖ id → (index: per-position slashed status)
	prefixNativeRewards = []byte("rs/nrw/")     // op → native pass-through accumulator
	prefixPosRewards    = []byte("rs/prw/")     // staker ‖ op → native rewards of a position
	prefixCommission    = []byte("rs/comm/")    // op ‖ svc → Commission
	prefixPendingCount  = []byte("rs/pendn/")   // svc ‖ op → requests of svc pending on op
	prefixPending       = []byte("rs/pend/")    // op ‖ requested_s ‖ id → (slash requests waiting for their veto window)
	prefixProgram       = []byte("rs/prog/")    // id → Program
	prefixLiveProgram   = []byte("rs/live/")    // id → (index: programs still emitting)
	prefixProgramBySvc  = []byte("rs/progsvc/") // svc ‖ id → (index)
	prefixLiveBySvc     = []byte("rs/livesvc/") // svc ‖ id → (index: a service's live programs)
	prefixStartByHeight = []byte("rs/progqh/")  // start height ‖ id → (programs waiting for their start height)
	prefixStartByTime   = []byte("rs/progqt/")  // start_s ‖ id → (programs waiting for their start time)
	prefixStreamDenom   = []byte("rs/sden/")    // svc ‖ denom → (denoms a service has ever paid rewards in)
	prefixSvcWeight     = []byte("rs/sw/")      // svc ‖ asset → U: Σ operator weights
	prefixSvcAcc        = []byte("rs/sacc/")    // svc ‖ asset ‖ denom → serviceAcc
	prefixWeight        = []byte("rs/w/")       // op ‖ asset ‖ svc → weight (effective allocated amount)
	prefixStreamSet     = []byte("rs/vs/")      // op ‖ asset → streamSet: the vault's allocStream per (svc, denom), sorted
	prefixPosStreams    = []byte("rs/pst/")     // staker ‖ op ‖ asset → posStreams: the position's posStream per (svc, denom), sorted
	prefixCommQueue     = []byte("rs/commq/")   // effective_s ‖ op ‖ svc → (commission change due)
	prefixStreamPaid    = []byte("rs/paid/")    // svc ‖ denom → Σ claimed from the stream
	prefixNativeBasis   = []byte("rs/nbasis/")  // op → native delegation tokens the weights were last computed at
	keyNextProgram      = []byte("rs/seq/program")
	keyEmitCursor       = []byte("rs/emitcursor")
	keyNextWd           = []byte("rs/seq/withdrawal")
	keyNextSlash        = []byte("rs/seq/slash")
)

// addrPart splits an address off the front of a key's rest, reporting a
// key too short to hold one as corrupt state (never a slice panic).
func addrPart(k, rest []byte) (account.Address, []byte, error) {
	var a account.Address
	if len(rest) < len(a) {
		return a, nil, fmt.Errorf("%w: key %q", state.ErrCorrupt, k)
	}
	copy(a[:], rest)
	return a, rest[len(a):], nil
}

// Variable-length parts (denoms, service names) are length-prefixed so
// keys of different owners never collide and prefixes iterate exactly.
func lp(s string) []byte { return state.LenPrefix(s) }

func assetKey(denom string) []byte          { return state.Key(prefixAsset, []byte(denom)) }
func operatorKey(op account.Address) []byte { return state.Key(prefixOperator, op[:]) }
func serviceKey(name string) []byte         { return state.Key(prefixService, []byte(name)) }
func memberKey(svc string, op account.Address) []byte {
	return state.Key(prefixMember, lp(svc), op[:])
}
func opServiceKey(op account.Address, svc string) []byte {
	return state.Key(prefixOpService, op[:], []byte(svc))
}
func vaultKey(op account.Address, asset string) []byte {
	return state.Key(prefixVault, op[:], []byte(asset))
}
func allocPrefix(op account.Address, asset string) []byte {
	return state.Key(prefixAlloc, op[:], lp(asset))
}
func allocKey(op account.Address, asset, svc string) []byte {
	return state.Key(allocPrefix(op, asset), []byte(svc))
}
func allocQueueKey(t int64, op account.Address, asset, svc string) []byte {
	return state.Key(prefixAllocQueue, state.U64(uint64(t)), op[:], lp(asset), []byte(svc))
}
func positionPrefix(staker account.Address) []byte { return state.Key(prefixPosition, staker[:]) }
func positionKey(staker, op account.Address, asset string) []byte {
	return state.Key(prefixPosition, staker[:], op[:], []byte(asset))
}
func withdrawalKey(id uint64) []byte { return state.Key(prefixWithdrawal, state.U64(id)) }
func wdByStakerKey(staker account.Address, id uint64) []byte {
	return state.Key(prefixWdByStaker, staker[:], state.U64(id))
}
func vaultSeries(prefix []byte, op account.Address, asset string) []byte {
	return state.Key(prefix, op[:], lp(asset))
}
func allocSeries(svc string, op account.Address, asset string) []byte {
	return state.Key(prefixAllocHist, lp(svc), op[:], lp(asset))
}
func memberSeries(svc string, op account.Address) []byte {
	return state.Key(prefixMemberHist, lp(svc), op[:])
}
func slashKey(id uint64) []byte { return state.Key(prefixSlash, state.U64(id)) }
func pendingKey(op account.Address, t int64, id uint64) []byte {
	return state.Key(prefixPending, op[:], state.U64(timePos(t)), state.U64(id))
}
func slashByOpKey(op account.Address, id uint64) []byte {
	return state.Key(prefixSlashByOp, op[:], state.U64(id))
}
