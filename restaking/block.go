package restaking

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/tx"
)

// sampleInterval_s: ststake's value in the stake history is sampled once
// per this much block time (it moves with the pool's daily compounding)
// and in every block with a primary slash.
const sampleInterval_s = 86_400

var keySample = []byte("rs/sample_s")

// BeginBlock emits the reward programs' share of (t_prev, t] at the stake
// and commission in force over that interval, then applies the commission
// and allocation changes due by this block's time (before any transaction
// sees the block), revalues what primary slashes of this block changed
// (slashed: the validators staking just slashed) and samples ststake's
// value. A block with none of these costs a few seeks.
func BeginBlock(ctx state.Ctx, p params.Params, slashed []account.Address) error {
	if err := emitPrograms(ctx); err != nil { // for (t_prev, t]: at the stake and rates before this block's changes
		return err
	}
	if err := applyDueCommissions(ctx); err != nil {
		return err
	}
	if err := applyDueAllocations(ctx); err != nil {
		return err
	}
	for _, op := range slashed {
		if err := revalueNative(ctx, p, op); err != nil {
			return err
		}
	}
	_, sampled := ctx.KV.Get(keySample)
	last, err := state.LoadU64(ctx.KV, keySample)
	if err != nil {
		return err
	}
	if len(slashed) == 0 && sampled && timePos(ctx.Time_s)/sampleInterval_s == last/sampleInterval_s {
		return nil
	}
	return sampleLiquid(ctx)
}

func sampleLiquid(ctx state.Ctx) error {
	r, err := liquid.Rate(ctx.KV)
	if err != nil {
		return err
	}
	recordValue(ctx, liquid.Denom, r)
	ctx.KV.Set(keySample, state.U64(timePos(ctx.Time_s)))
	return nil
}

// AfterPrimarySlash records, after validator op was slashed by the primary
// layer outside BeginBlock (simulator events), what BeginBlock records for
// the validators it reports slashed.
func AfterPrimarySlash(ctx state.Ctx, p params.Params, op account.Address) error {
	if err := revalueNative(ctx, p, op); err != nil {
		return err
	}
	return sampleLiquid(ctx)
}

// revalueNative records operator op's lower native factor in the stake
// history (the factor itself is read live from the delegation: nothing to
// update).
func revalueNative(ctx state.Ctx, p params.Params, op account.Address) error {
	o, found, err := loadRecord[Operator](ctx.KV, operatorKey(op))
	if err != nil || !found || !o.Validator {
		return err
	}
	vv, err := vaultOf(ctx.KV, op, p.NativeDenom)
	if err != nil {
		return err
	}
	writeVaultCheckpoint(ctx, vv)
	return reweigh(ctx, vv)
}

// Route executes a restaking message; handled is false for other modules' messages.
func Route(ctx state.Ctx, p params.Params, signer account.Address, m *tx.Msg) (handled bool, err error) {
	switch v := m.GetSum().(type) {
	case *tx.Msg_RegisterAsset:
		return true, HandleRegisterAsset(ctx, signer, v.RegisterAsset)
	case *tx.Msg_SetPrice:
		return true, HandleSetPrice(ctx, signer, v.SetPrice)
	case *tx.Msg_RegisterOperator:
		return true, HandleRegisterOperator(ctx, p, signer, v.RegisterOperator)
	case *tx.Msg_UpdateOperator:
		return true, HandleUpdateOperator(ctx, p, signer, v.UpdateOperator)
	case *tx.Msg_RegisterService:
		return true, HandleRegisterService(ctx, p, signer, v.RegisterService)
	case *tx.Msg_UpdateService:
		return true, HandleUpdateService(ctx, p, signer, v.UpdateService)
	case *tx.Msg_AllowOperator:
		return true, HandleAllowOperator(ctx, signer, v.AllowOperator)
	case *tx.Msg_DisallowOperator:
		return true, HandleDisallowOperator(ctx, p, signer, v.DisallowOperator)
	case *tx.Msg_OptIn:
		return true, HandleOptIn(ctx, p, signer, v.OptIn)
	case *tx.Msg_OptOut:
		return true, HandleOptOut(ctx, p, signer, v.OptOut)
	case *tx.Msg_Deposit:
		return true, HandleDeposit(ctx, p, signer, v.Deposit)
	case *tx.Msg_QueueWithdrawal:
		return true, HandleQueueWithdrawal(ctx, p, signer, v.QueueWithdrawal)
	case *tx.Msg_CompleteWithdrawal:
		return true, HandleCompleteWithdrawal(ctx, p, signer, v.CompleteWithdrawal)
	case *tx.Msg_Allocate:
		return true, HandleAllocate(ctx, p, signer, v.Allocate)
	case *tx.Msg_Slash:
		return true, HandleSlash(ctx, p, signer, v.Slash)
	case *tx.Msg_VetoSlash:
		return true, HandleVetoSlash(ctx, signer, v.VetoSlash)
	case *tx.Msg_ExecuteSlash:
		return true, HandleExecuteSlash(ctx, p, signer, v.ExecuteSlash)
	case *tx.Msg_ClaimRedistribution:
		return true, HandleClaimRedistribution(ctx, signer, v.ClaimRedistribution)
	case *tx.Msg_SetOperatorCommission:
		return true, HandleSetOperatorCommission(ctx, p, signer, v.SetOperatorCommission)
	case *tx.Msg_CreateRewardProgram:
		return true, HandleCreateRewardProgram(ctx, p, signer, v.CreateRewardProgram)
	case *tx.Msg_CancelRewardProgram:
		return true, HandleCancelRewardProgram(ctx, signer, v.CancelRewardProgram)
	}
	return false, nil
}

// IsModuleAccount reports whether a is an account this module controls
// (sends to them are refused: their balances are tracked exactly).
func IsModuleAccount(r interface{ Get([]byte) ([]byte, bool) }, a account.Address) bool {
	if a == VaultAccount || a == Escrow || a == RewardsAccount {
		return true
	}
	_, ok := r.Get(state.Key(prefixNativeAcct, a[:]))
	return ok
}
