package staking

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
)

// Vote is one validator's entry in the last commit.
type Vote struct {
	ConsAddr []byte // 20-byte CometBFT address = sha256(pubkey)[:20]
	Signed   bool
}

// Evidence is duplicate-vote misbehaviour reported by consensus.
type Evidence struct {
	ConsAddr []byte
	Height   int64
	Time_s   int64
}

// BlockInfo is what consensus tells BeginBlock about the block.
type BlockInfo struct {
	PrevTime_s       int64 // 0 at the first block
	ProposerConsAddr []byte
	Votes            []Vote // nil = no commit info (simulator): no downtime tracking
	Evidence         []Evidence
}

// InitGenesis creates the genesis validators (their operators' balances
// are already credited; each self-delegation moves into BondedPool) and
// stores the first active set, which ActiveSet then returns for InitChain.
func InitGenesis(ctx state.Ctx, p params.Params, vals []GenesisValidator) error {
	if err := p.Validate(); err != nil {
		return state.Reject("bad-params", "%v", err)
	}
	ctx.KV.Set(keyDenom, []byte(p.NativeDenom))
	for _, g := range vals {
		if err := createValidator(ctx, p, g); err != nil {
			return err
		}
	}
	_, err := updateSet(ctx, p, true)
	return err
}

// BeginBlock distributes the block's rewards to the set that was active,
// then applies misbehaviour evidence and downtime from the last commit. It
// returns the validators it slashed (restaking revalues their operators'
// native stake). No proposer bonus: the proposer earns by power like
// everyone else.
func BeginBlock(ctx state.Ctx, p params.Params, b BlockInfo) ([]account.Address, error) {
	set, err := loadSet(ctx.KV)
	if err != nil {
		return nil, err
	}
	if err := distributeRewards(ctx, p, b.PrevTime_s, set); err != nil {
		return nil, err
	}
	var slashed []account.Address
	if err := handleEvidence(ctx, p, b.Evidence, &slashed); err != nil {
		return nil, err
	}
	err = trackVotes(ctx, p, set, b.Votes, &slashed)
	return slashed, err
}

// EndBlock pays matured unbonding entries, recomputes the active set and
// returns the power changes against the set last sent to consensus.
func EndBlock(ctx state.Ctx, p params.Params) ([]ValidatorUpdate, error) {
	if err := matureUnbondings(ctx, p); err != nil {
		return nil, err
	}
	return updateSet(ctx, p, false)
}
