// Package auth holds per-account sequence numbers (replay protection) and
// the transaction admission checks that run before any message: signature,
// chain id, sequence and fee.
package auth

import (
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

var seqPrefix = []byte("auth/seq/")

// FeeCollector receives fees; they are paid out with the next block's rewards.
var FeeCollector = account.Module("fee_collector")

// Sequence returns the next sequence number the account must use.
func Sequence(r store.Reader, a account.Address) (uint64, error) {
	bz, ok := r.Get(state.Key(seqPrefix, a[:]))
	if !ok {
		return 0, nil
	}
	v, ok := state.ReadU64(bz)
	if !ok {
		return 0, fmt.Errorf("%w: sequence of %s", state.ErrCorrupt, a)
	}
	return v, nil
}

func setSequence(kv store.KV, a account.Address, seq uint64) {
	kv.Set(state.Key(seqPrefix, a[:]), state.U64(seq))
}

// Admit checks a decoded transaction against state and, if it passes,
// charges the fee and bumps the sequence in kv. verifySig may be false only
// where the signature was already verified (CheckTx cache, benchmarks).
func Admit(kv store.KV, d *tx.Decoded, chainID, nativeDenom string, minFee num.Int, verifySig bool) (coin.Coin, error) {
	if d.Body.ChainId != chainID {
		return coin.Coin{}, state.Reject("wrong-chain", "tx is for chain %q, this is %q", d.Body.ChainId, chainID)
	}
	if verifySig {
		if err := d.VerifySignature(chainID); err != nil {
			return coin.Coin{}, state.Reject("bad-signature", "%v", err)
		}
	}
	want, err := Sequence(kv, d.Signer)
	if err != nil {
		return coin.Coin{}, err
	}
	if d.Body.Sequence != want {
		return coin.Coin{}, state.Reject("wrong-sequence", "account %s expects sequence %d, tx has %d", d.Signer, want, d.Body.Sequence)
	}
	// The minimum is per message, so a batch pays for each thing it asks.
	required, err := minFee.Mul(num.NewInt(uint64(len(d.Body.Msgs))))
	if err != nil {
		return coin.Coin{}, state.Reject("bad-fee", "minimum fee overflows")
	}
	fee, err := parseFee(d.Body.Fee, nativeDenom, required)
	if err != nil {
		return coin.Coin{}, err
	}
	if err := bank.SendOne(kv, d.Signer, FeeCollector, fee.Denom, fee.Amount); err != nil {
		return coin.Coin{}, state.Reject("insufficient-fee-funds", "cannot pay fee %s: %v", fee, err)
	}
	setSequence(kv, d.Signer, want+1)
	return fee, nil
}

func parseFee(s, nativeDenom string, minFee num.Int) (coin.Coin, error) {
	fee := coin.New(nativeDenom, num.Int{})
	if s != "" {
		c, err := coin.ParseCoin(s)
		if err != nil {
			return fee, state.Reject("bad-fee", "fee %q: %v", s, err)
		}
		if c.Denom != nativeDenom {
			return fee, state.Reject("bad-fee", "fee must be paid in %s, got %s", nativeDenom, c.Denom)
		}
		fee = c
	}
	if fee.Amount.LT(minFee) {
		return fee, state.Reject("insufficient-fee", "fee %s is below the minimum %s%s (min_fee per message)", fee, minFee, nativeDenom)
	}
	return fee, nil
}
