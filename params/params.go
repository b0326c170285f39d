// Package params holds the chain's governable parameters (SPEC §9): their
// genesis defaults, validation, and the name=value form used by set_params,
// scenario files and the CLI.
package params

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// Params are stored as one record; durations are seconds.
type Params struct {
	NativeDenom              string          `json:"native_denom"`
	Authority                account.Address `json:"authority"`
	MinFee                   num.Int         `json:"min_fee"` // per message, native denom
	UnbondingPeriod_s        uint64          `json:"unbonding_period_s"`
	MaxValidators            uint64          `json:"max_validators"`
	PowerReduction           num.Int         `json:"power_reduction"`
	MaxCommissionChangeDaily num.Dec         `json:"max_commission_change_daily"`
	DoubleSignSlashFraction  num.Dec         `json:"double_sign_slash_fraction"`
	DowntimeSlashFraction    num.Dec         `json:"downtime_slash_fraction"`
	DowntimeWindow           uint64          `json:"downtime_window"` // blocks
	DowntimeMinSigned        num.Dec         `json:"downtime_min_signed"`
	DowntimeJail_s           uint64          `json:"downtime_jail_s"`
	Inflation                num.Dec         `json:"inflation"`
	// Restaking and liquid staking (SPEC §5–§8).
	WithdrawalDelay_s       uint64  `json:"withdrawal_delay_s"`
	DeallocationDelay_s     uint64  `json:"deallocation_delay_s"`
	AllocationConfigDelay_s uint64  `json:"allocation_config_delay_s"`
	MinAllocationDelay_s    uint64  `json:"min_allocation_delay_s"`
	MaxSlashFraction        num.Dec `json:"max_slash_fraction"`
	ServiceConfigDelay_s    uint64  `json:"service_config_delay_s"`
	CommissionChangeDelay_s uint64  `json:"commission_change_delay_s"`
	SlashResolutionDelay_s  uint64  `json:"slash_resolution_delay_s"`
	MaxVetoWindow_s         uint64  `json:"max_veto_window_s"`
	MaxRestakingDegree      uint64  `json:"max_restaking_degree"`
	LSTFee                  num.Dec `json:"lst_fee"`
	MinSecuritySlack        num.Dec `json:"min_security_slack"`
	// Paused lists modules whose entry messages are refused (sorted).
	Paused []string `json:"paused,omitempty"`
}

// PausableModules are the modules the authority may pause. A pause stops
// new stake or risk from entering the module; exits, slashing, claims and
// configuration stay open, so a pause never traps funds or shields an
// offender.
var PausableModules = []string{"bank", "liquid", "restaking", "staking"}

// IsPaused reports whether module's entry messages are refused.
func (p Params) IsPaused(module string) bool { return slices.Contains(p.Paused, module) }

// MaxDegree bounds max_restaking_degree and every operator's degree.
const MaxDegree = 1000

// setPaused parses "liquid,restaking" ("" or "none": nothing paused).
func setPaused(p *Params, v string) error {
	p.Paused = nil
	if v == "" || v == "none" {
		return nil
	}
	seen := map[string]bool{}
	for _, m := range strings.Split(v, ",") {
		m = strings.TrimSpace(m)
		if !slices.Contains(PausableModules, m) {
			return fmt.Errorf("%q is not a pausable module (%s)", m, strings.Join(PausableModules, ", "))
		}
		if !seen[m] {
			seen[m] = true
			p.Paused = append(p.Paused, m)
		}
	}
	sort.Strings(p.Paused)
	return nil
}

const day = 86400

// DefaultMinFee is the genesis minimum fee per message, in base units of the
// native denom: every transaction pays for what it asks the chain to do.
const DefaultMinFee = 10

// Default returns the genesis defaults of SPEC §9.
func Default() Params {
	return Params{
		NativeDenom:              "stake",
		MinFee:                   num.NewInt(DefaultMinFee),
		PowerReduction:           num.NewInt(1),
		UnbondingPeriod_s:        21 * day,
		MaxValidators:            100,
		MaxCommissionChangeDaily: num.MustDec("0.01"),
		DoubleSignSlashFraction:  num.MustDec("0.05"),
		DowntimeSlashFraction:    num.MustDec("0.0001"),
		DowntimeWindow:           10000,
		DowntimeMinSigned:        num.MustDec("0.05"),
		DowntimeJail_s:           600,
		Inflation:                num.MustDec("0.07"),
		WithdrawalDelay_s:        14 * day,
		DeallocationDelay_s:      14 * day,
		AllocationConfigDelay_s:  17 * day,
		MaxSlashFraction:         num.OneDec(),
		ServiceConfigDelay_s:     7 * day,
		CommissionChangeDelay_s:  7 * day,
		SlashResolutionDelay_s:   7 * day,
		MaxVetoWindow_s:          7 * day,
		MaxRestakingDegree:       1,
		LSTFee:                   num.MustDec("0.10"),
	}
}

// Validate checks ranges; every error names the parameter.
func (p Params) Validate() error {
	if err := coin.ValidateDenom(p.NativeDenom); err != nil {
		return fmt.Errorf("native_denom: %v", err)
	}
	for _, f := range []struct {
		name string
		d    num.Dec
	}{{"double_sign_slash_fraction", p.DoubleSignSlashFraction}, {"downtime_slash_fraction", p.DowntimeSlashFraction},
		{"downtime_min_signed", p.DowntimeMinSigned}, {"max_commission_change_daily", p.MaxCommissionChangeDaily},
		{"max_slash_fraction", p.MaxSlashFraction}, {"lst_fee", p.LSTFee}, {"inflation", p.Inflation}} {
		if !f.d.LTEOne() {
			return fmt.Errorf("%s must be between 0 and 1, got %s", f.name, f.d)
		}
	}
	switch {
	case p.PowerReduction.IsZero():
		return fmt.Errorf("power_reduction must be at least 1")
	case p.MaxValidators == 0 || p.MaxValidators > 10000:
		return fmt.Errorf("max_validators must be 1..10000, got %d", p.MaxValidators)
	case p.DowntimeWindow == 0 || p.DowntimeWindow > 1_000_000:
		return fmt.Errorf("downtime_window must be 1..1000000 blocks, got %d", p.DowntimeWindow)
	case p.MaxRestakingDegree == 0 || p.MaxRestakingDegree > MaxDegree:
		return fmt.Errorf("max_restaking_degree must be 1..%d, got %d", MaxDegree, p.MaxRestakingDegree)
	case p.UnbondingPeriod_s == 0:
		return fmt.Errorf("unbonding_period must be positive")
	}
	for _, m := range p.Paused {
		if !slices.Contains(PausableModules, m) {
			return fmt.Errorf("paused: %q is not a pausable module", m)
		}
	}
	return nil
}

// Key is where the params record lives.
var Key = []byte("params")

// Load reads the current parameters.
func Load(r store.Reader) (Params, error) {
	var p Params
	found, err := state.Load(r, Key, &p)
	if err != nil {
		return p, err
	}
	if !found {
		return p, fmt.Errorf("%w: params missing", state.ErrCorrupt)
	}
	return p, nil
}

// Store validates and writes parameters.
func Store(kv store.KV, p Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	state.Put(kv, Key, p)
	return nil
}

type setter func(p *Params, v string) error

func durationField(f func(p *Params) *uint64) setter {
	return func(p *Params, v string) error {
		d, err := num.ParseDuration(v)
		if err == nil {
			*f(p) = d
		}
		return err
	}
}

func decField(f func(p *Params) *num.Dec) setter {
	return func(p *Params, v string) error {
		d, err := num.ParseDec(v)
		if err == nil {
			*f(p) = d
		}
		return err
	}
}

func intField(f func(p *Params) *num.Int) setter {
	return func(p *Params, v string) error {
		d, err := num.ParseInt(v)
		if err == nil {
			*f(p) = d
		}
		return err
	}
}

func uintField(f func(p *Params) *uint64) setter {
	return func(p *Params, v string) error {
		d, err := strconv.ParseUint(v, 10, 64)
		if err == nil {
			*f(p) = d
		}
		return err
	}
}

var setters = map[string]setter{
	"native_denom": func(p *Params, v string) error { p.NativeDenom = v; return nil },
	"authority": func(p *Params, v string) error {
		a, err := account.Parse(v)
		p.Authority = a
		return err
	},
	"min_fee":                     intField(func(p *Params) *num.Int { return &p.MinFee }),
	"power_reduction":             intField(func(p *Params) *num.Int { return &p.PowerReduction }),
	"unbonding_period":            durationField(func(p *Params) *uint64 { return &p.UnbondingPeriod_s }),
	"max_validators":              uintField(func(p *Params) *uint64 { return &p.MaxValidators }),
	"max_commission_change_daily": decField(func(p *Params) *num.Dec { return &p.MaxCommissionChangeDaily }),
	"double_sign_slash_fraction":  decField(func(p *Params) *num.Dec { return &p.DoubleSignSlashFraction }),
	"downtime_slash_fraction":     decField(func(p *Params) *num.Dec { return &p.DowntimeSlashFraction }),
	"downtime_window":             uintField(func(p *Params) *uint64 { return &p.DowntimeWindow }),
	"downtime_min_signed":         decField(func(p *Params) *num.Dec { return &p.DowntimeMinSigned }),
	"downtime_jail":               durationField(func(p *Params) *uint64 { return &p.DowntimeJail_s }),
	"inflation":                   decField(func(p *Params) *num.Dec { return &p.Inflation }),
	"withdrawal_delay":            durationField(func(p *Params) *uint64 { return &p.WithdrawalDelay_s }),
	"deallocation_delay":          durationField(func(p *Params) *uint64 { return &p.DeallocationDelay_s }),
	"allocation_config_delay":     durationField(func(p *Params) *uint64 { return &p.AllocationConfigDelay_s }),
	"min_allocation_delay":        durationField(func(p *Params) *uint64 { return &p.MinAllocationDelay_s }),
	"max_slash_fraction":          decField(func(p *Params) *num.Dec { return &p.MaxSlashFraction }),
	"service_config_delay":        durationField(func(p *Params) *uint64 { return &p.ServiceConfigDelay_s }),
	"commission_change_delay":     durationField(func(p *Params) *uint64 { return &p.CommissionChangeDelay_s }),
	"slash_resolution_delay":      durationField(func(p *Params) *uint64 { return &p.SlashResolutionDelay_s }),
	"max_veto_window":             durationField(func(p *Params) *uint64 { return &p.MaxVetoWindow_s }),
	"max_restaking_degree":        uintField(func(p *Params) *uint64 { return &p.MaxRestakingDegree }),
	"lst_fee":                     decField(func(p *Params) *num.Dec { return &p.LSTFee }),
	"min_security_slack":          decField(func(p *Params) *num.Dec { return &p.MinSecuritySlack }),
	"paused":                      setPaused,
}

// Names lists every settable parameter name, sorted.
func Names() []string {
	out := make([]string, 0, len(setters))
	for n := range setters {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Set changes one parameter by name; the caller validates the whole set after.
func (p *Params) Set(name, value string) error {
	s, ok := setters[name]
	if !ok {
		return fmt.Errorf("unknown parameter %q", name)
	}
	if err := s(p, value); err != nil {
		return fmt.Errorf("parameter %s: %v", name, err)
	}
	return nil
}
