package chain

import (
	"encoding/json"
	"fmt"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/bank"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/liquid"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
)

// Genesis is the chain's initial state: the app_state of CometBFT's genesis.json.
type Genesis struct {
	ChainID    string             `json:"chain_id"`
	Params     params.Params      `json:"params"`
	Accounts   []GenesisAccount   `json:"accounts"`
	Validators []GenesisValidator `json:"validators"`
}

// GenesisAccount funds one address.
type GenesisAccount struct {
	Address account.Address `json:"address"`
	Coins   string          `json:"coins"`
}

// GenesisValidator creates a validator at genesis from its operator's funds.
type GenesisValidator struct {
	Operator       account.Address `json:"operator"`
	ConsPubKey     []byte          `json:"cons_pub_key"` // ed25519, base64 in JSON
	SelfDelegation num.Int         `json:"self_delegation"`
	Commission     num.Dec         `json:"commission"`
	Moniker        string          `json:"moniker"`
}

// ParseGenesis decodes and validates genesis JSON.
func ParseGenesis(bz []byte) (Genesis, error) {
	var g Genesis
	if err := json.Unmarshal(bz, &g); err != nil {
		return g, fmt.Errorf("genesis: %w", err)
	}
	return g, g.Validate()
}

// Validate checks the genesis before anything is written.
func (g Genesis) Validate() error {
	if g.ChainID == "" {
		return fmt.Errorf("genesis: chain_id is empty")
	}
	if err := g.Params.Validate(); err != nil {
		return fmt.Errorf("genesis params: %w", err)
	}
	seen := map[account.Address]bool{}
	for _, a := range g.Accounts {
		if seen[a.Address] {
			return fmt.Errorf("genesis: account %s listed twice", a.Address)
		}
		seen[a.Address] = true
		cs, err := coin.Parse(a.Coins)
		if err != nil {
			return fmt.Errorf("genesis account %s: %w", a.Address, err)
		}
		if !cs.AmountOf(liquid.Denom).IsZero() {
			return fmt.Errorf("genesis account %s: %s is only minted by the liquid-staking pool", a.Address, liquid.Denom)
		}
	}
	return nil
}

func (g Genesis) apply(ctx state.Ctx) error {
	if err := params.Store(ctx.KV, g.Params); err != nil {
		return err
	}
	for _, a := range g.Accounts {
		coins, err := coin.Parse(a.Coins)
		if err != nil {
			return err
		}
		if err := bank.GenesisBalances(ctx.KV, a.Address, coins); err != nil {
			return fmt.Errorf("genesis account %s: %w", a.Address, err)
		}
	}
	vals := make([]staking.GenesisValidator, len(g.Validators))
	for i, v := range g.Validators {
		vals[i] = staking.GenesisValidator{Operator: v.Operator, ConsPubKey: v.ConsPubKey,
			SelfDelegation: v.SelfDelegation, Commission: v.Commission, Moniker: v.Moniker}
	}
	if err := staking.InitGenesis(ctx, g.Params, vals); err != nil {
		return err
	}
	return restaking.InitGenesis(ctx, g.Params)
}
