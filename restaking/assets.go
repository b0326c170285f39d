package restaking

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

// InitGenesis registers the default assets: the native denom and ststake.
func InitGenesis(ctx state.Ctx, p params.Params) error {
	state.Put(ctx.KV, assetKey(p.NativeDenom), &Asset{Denom: p.NativeDenom, Kind: KindNative, Price: num.OneDec()})
	state.Put(ctx.KV, assetKey(liquid.Denom), &Asset{Denom: liquid.Denom, Kind: KindLiquid, Price: num.OneDec()})
	recordValue(ctx, liquid.Denom, num.OneDec())
	return nil
}

func loadAsset(r store.Reader, denom string) (Asset, error) {
	a, found, err := loadRecord[Asset](r, assetKey(denom))
	if err != nil {
		return a, err
	}
	if !found {
		return a, state.Reject("unknown-asset", "%q is not a restakable asset", denom)
	}
	return a, nil
}

// Assets lists the restakable assets by denom.
func Assets(r store.Reader) ([]Asset, error) {
	var out []Asset
	var err error
	store.IteratePrefix(r, prefixAsset, false, func(k, v []byte) bool {
		var a Asset
		if err = state.Decode(k, v, &a); err == nil {
			out = append(out, a)
		}
		return err == nil && len(out) < MaxAssets
	})
	return out, err
}

// AssetValue is the value of one base unit of the asset in native units
// now: 1 for the native denom, the liquid-staking rate for ststake, the
// authority's price otherwise.
func AssetValue(r store.Reader, a Asset) (num.Dec, error) {
	switch a.Kind {
	case KindNative:
		return num.OneDec(), nil
	case KindLiquid:
		return liquid.Rate(r)
	}
	return a.Price, nil
}

// nativeValue is amount of asset a in native units (rounding: down).
func nativeValue(r store.Reader, a Asset, amount num.Int) (num.Int, error) {
	v, err := AssetValue(r, a)
	if err != nil {
		return num.Int{}, err
	}
	return v.MulIntDown(amount)
}

func checkAuthority(r store.Reader, field, s string, signer account.Address) error {
	a, err := state.Owner(field, s, signer, "sign for it")
	if err != nil {
		return err
	}
	p, err := params.Load(r)
	if err != nil {
		return err
	}
	if p.Authority.IsZero() || a != p.Authority {
		return state.Reject("not-authority", "only the authority %s may change restaking assets and prices (signed by %s)", p.Authority, signer)
	}
	return nil
}

func parsePrice(s string) (num.Dec, error) {
	v, err := num.ParseDec(s)
	if err != nil || v.IsZero() {
		return v, state.Reject("bad-price", "price %q must be a positive decimal (native units per base unit)", s)
	}
	return v, nil
}

// HandleRegisterAsset makes a denom restakable (authority only).
func HandleRegisterAsset(ctx state.Ctx, signer account.Address, m *tx.MsgRegisterAsset) error {
	if err := checkAuthority(ctx.KV, "authority", m.GetAuthority(), signer); err != nil {
		return err
	}
	if err := coin.ValidateDenom(m.GetDenom()); err != nil {
		return state.Reject("bad-denom", "%v", err)
	}
	if _, found, err := loadRecord[Asset](ctx.KV, assetKey(m.GetDenom())); err != nil || found {
		if err == nil {
			err = state.Reject("asset-exists", "%s is already a restakable asset", m.GetDenom())
		}
		return err
	}
	list, err := Assets(ctx.KV)
	if err != nil {
		return err
	}
	if len(list) >= MaxAssets {
		return state.Reject("too-many-assets", "at most %d restakable assets", MaxAssets)
	}
	price, err := parsePrice(m.GetPrice())
	if err != nil {
		return err
	}
	state.Put(ctx.KV, assetKey(m.GetDenom()), &Asset{Denom: m.GetDenom(), Kind: KindPriced, Price: price})
	recordValue(ctx, m.GetDenom(), price)
	ctx.Emit("register_asset", "denom", m.GetDenom(), "price", price.String())
	return nil
}

// HandleSetPrice changes a priced asset's value (authority only).
func HandleSetPrice(ctx state.Ctx, signer account.Address, m *tx.MsgSetPrice) error {
	if err := checkAuthority(ctx.KV, "authority", m.GetAuthority(), signer); err != nil {
		return err
	}
	a, err := loadAsset(ctx.KV, m.GetDenom())
	if err != nil {
		return err
	}
	if a.Kind != KindPriced {
		return state.Reject("not-priced", "%s is valued by the protocol (%s), not by a price", a.Denom, a.Kind)
	}
	if a.Price, err = parsePrice(m.GetPrice()); err != nil {
		return err
	}
	state.Put(ctx.KV, assetKey(a.Denom), &a)
	recordValue(ctx, a.Denom, a.Price)
	ctx.Emit("set_price", "denom", a.Denom, "price", a.Price.String())
	return nil
}
