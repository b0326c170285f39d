package restaking

import (
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// vaultView is one (operator, asset) vault with what converting its units
// to asset amounts needs (doc.go: units, tokens and the native factor l).
type vaultView struct {
	op     account.Address
	asset  Asset
	v      Vault
	tokens num.Int // asset amount backing Units: the native account's delegation, else Units
	pulled bool    // its reward streams were collected in this operation (nothing emits mid-block)
}

func loadVault(r store.Reader, op account.Address, a Asset) (vaultView, error) {
	vv := vaultView{op: op, asset: a, v: newVault()}
	if _, err := state.Load(r, vaultKey(op, a.Denom), &vv.v); err != nil {
		return vv, err
	}
	if err := vv.refreshTokens(r); err != nil {
		return vv, err
	}
	return vv, vv.check()
}

// vaultOf loads the (op, denom) vault, the asset included.
func vaultOf(r store.Reader, op account.Address, denom string) (vaultView, error) {
	a, err := loadAsset(r, denom)
	if err != nil {
		return vaultView{op: op}, err
	}
	return loadVault(r, op, a)
}

func (vv *vaultView) refreshTokens(r store.Reader) error {
	if vv.asset.Kind != KindNative {
		vv.tokens = vv.v.Units
		return nil
	}
	t, err := staking.DelegatorTokens(r, NativeAccount(vv.op), vv.op)
	vv.tokens = t
	return err
}

// check asserts the vault's own bounds where it is read and written.
func (vv vaultView) check() error {
	if vv.v.MaxMag.GT(num.OneDec()) {
		return fmt.Errorf("%w: vault %s/%s maxMagnitude %s above 1", state.ErrCorrupt, vv.op, vv.asset.Denom, vv.v.MaxMag)
	}
	if vv.v.Queued.GT(vv.v.Units) || vv.active().GT(vv.activeBacking()) {
		return fmt.Errorf("%w: vault %s/%s: active %s and queued %s units exceed its units %s", state.ErrCorrupt, vv.op, vv.asset.Denom, vv.active(), vv.v.Queued, vv.v.Units)
	}
	return nil
}

// save writes the vault and its stake-history checkpoint at this height.
func (vv *vaultView) save(ctx state.Ctx) error {
	if err := vv.check(); err != nil {
		return err
	}
	state.Put(ctx.KV, vaultKey(vv.op, vv.asset.Denom), &vv.v)
	if err := vv.refreshTokens(ctx.KV); err != nil {
		return err
	}
	writeVaultCheckpoint(ctx, *vv)
	return reweigh(ctx, *vv)
}

// active is the operator's delegated units, floor(Σσ · maxMagnitude)
// (rounding: down — it is what positions can withdraw).
func (vv vaultView) active() num.Int {
	u, _ := unitsOf(vv.v.Scaled, vv.v.MaxMag, false) // ≤ Scaled / 1e18: no overflow
	return u
}

// activeBacking is the units backing the positions (the rest backs the queue).
func (vv vaultView) activeBacking() num.Int { return vv.v.Units.SubSat(vv.v.Queued) }

// toTokens converts units to the asset: units · tokens / Units
// (rounding: down — paid out). The native factor l is tokens / Units.
func (vv vaultView) toTokens(units num.Int) (num.Int, error) {
	if vv.asset.Kind != KindNative || vv.v.Units.IsZero() {
		return units, nil
	}
	return units.MulDivDown(vv.tokens, vv.v.Units)
}

// toTokensUp is toTokens rounded up (amounts slashed), at most tokens.
func (vv vaultView) toTokensUp(units num.Int) (num.Int, error) {
	if vv.asset.Kind != KindNative || vv.v.Units.IsZero() {
		return units, nil
	}
	t, err := units.MulDivUp(vv.tokens, vv.v.Units)
	return t.Min(vv.tokens), err
}

// unitsIn is the units a deposit of amount buys (rounding: down).
func (vv vaultView) unitsIn(amount num.Int) (num.Int, error) {
	if vv.asset.Kind != KindNative || vv.v.Units.IsZero() {
		return amount, nil
	}
	if vv.tokens.IsZero() {
		return num.Int{}, state.Reject("fully-slashed", "operator %s's native stake was slashed to zero and accepts no deposits", vv.op)
	}
	return amount.MulDivDown(vv.v.Units, vv.tokens)
}

// unitsOut is the units a withdrawal of amount costs (rounding: up).
func (vv vaultView) unitsOut(amount num.Int) (num.Int, error) {
	if vv.asset.Kind != KindNative || vv.v.Units.IsZero() || vv.tokens.IsZero() {
		return amount, nil
	}
	return amount.MulDivUp(vv.v.Units, vv.tokens)
}

// Scaled shares carry 18 extra decimals (one unit at maxMagnitude 1 is
// 1e18 shares), so dividing by a magnitude loses at most 1e-18 unit.
var shareScale = mustMul(num.WAD(), num.WAD())

func mustMul(a, b num.Int) num.Int {
	x, err := a.Mul(b)
	if err != nil {
		panic(err) // constants
	}
	return x
}

// scaledOf is σ for units at the current maxMagnitude, units·1e36 / maxMag
// (rounding: down for deposits, up for withdrawals).
func scaledOf(units num.Int, mag num.Dec, up bool) (num.Int, error) {
	if mag.IsZero() {
		return num.Int{}, state.Reject("fully-slashed", "the operator was fully slashed in this asset")
	}
	if up {
		return units.MulDivUp(shareScale, mag.Raw())
	}
	return units.MulDivDown(shareScale, mag.Raw())
}

// unitsOf is what σ is worth in units at magnitude mag, σ·mag / 1e36
// (rounding: down when paid or counted as stake, up when slashed).
func unitsOf(scaled num.Int, mag num.Dec, up bool) (num.Int, error) {
	if up {
		return scaled.MulDivUp(mag.Raw(), shareScale)
	}
	return scaled.MulDivDown(mag.Raw(), shareScale)
}

// withdrawable is what σ scaled shares are worth now in the asset: s·k·m·l.
func (vv vaultView) withdrawable(scaled num.Int) (num.Int, error) {
	u, err := unitsOf(scaled, vv.v.MaxMag, false) // rounding: down
	if err != nil {
		return u, err
	}
	return vv.toTokens(u)
}

// allocatedUnits is the units allocated to a service with magnitude m:
// active · min(m, maxMag) / maxMag (rounding: down).
func (vv vaultView) allocatedUnits(m num.Dec) (num.Int, error) {
	if vv.v.MaxMag.IsZero() {
		return num.Int{}, nil
	}
	eff := m
	if eff.GT(vv.v.MaxMag) {
		eff = vv.v.MaxMag
	}
	return vv.active().MulDivDown(eff.Raw(), vv.v.MaxMag.Raw())
}
