package restaking

import (
	"strconv"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
	"github.com/restaked/restaked/tx"
)

func u64s(v uint64) string { return strconv.FormatUint(v, 10) }
func i64s(v int64) string  { return strconv.FormatInt(v, 10) }

// loadService returns the service in force at now_s.
func loadService(r store.Reader, name string, now_s int64) (Service, error) {
	s, found, err := loadRecord[Service](r, serviceKey(name))
	if err != nil {
		return s, err
	}
	if !found {
		return s, state.Reject("unknown-service", "no service named %q", name)
	}
	return s.current(now_s), nil
}

func saveService(kv store.KV, s *Service) { state.Put(kv, serviceKey(s.Name), s) }

// loadAdmin loads a service and checks that signer is its admin.
func loadAdmin(ctx state.Ctx, field, admin, name string, signer account.Address) (Service, error) {
	a, err := state.Owner(field, admin, signer, "act as this service's admin")
	if err != nil {
		return Service{}, err
	}
	s, err := loadService(ctx.KV, name, ctx.Time_s)
	if err != nil {
		return s, err
	}
	if s.Admin != a {
		return s, state.Reject("not-admin", "only service %s's admin %s may change it (signed by %s)", name, s.Admin, signer)
	}
	return s, nil
}

// HandleRegisterService registers a service administered by the signer.
func HandleRegisterService(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgRegisterService) error {
	admin, err := state.Owner("admin", m.GetAdmin(), signer, "register a service it administers")
	if err != nil {
		return err
	}
	if err := checkName(m.GetName()); err != nil {
		return err
	}
	if _, found, err := loadRecord[Service](ctx.KV, serviceKey(m.GetName())); err != nil || found {
		if err == nil {
			err = state.Reject("service-exists", "a service named %q exists", m.GetName())
		}
		return err
	}
	s := Service{Name: m.GetName(), Admin: admin, Registered_s: ctx.Time_s}
	if err := parseServiceFields(ctx.KV, p, &s, m); err != nil {
		return err
	}
	saveService(ctx.KV, &s)
	recordTerms(ctx, &s)
	ctx.Emit("register_service", "name", s.Name, "admin", admin.String(), "slasher", s.Slasher.String())
	return nil
}

func parseServiceFields(r store.Reader, p params.Params, s *Service, m *tx.MsgRegisterService) error {
	var err error
	cfg := SlashConfig{MaxSlash: num.OneDec()}
	if cfg.Slasher, err = state.ParseAddr("slasher", m.GetSlasher()); err != nil {
		return err
	}
	if err := parseVeto(p, &cfg, m.GetResolver(), m.GetVetoWindow()); err != nil {
		return err
	}
	if cfg.MaxSlash, err = parseFraction("max_slash_fraction", m.GetMaxSlashFraction(), cfg.MaxSlash, false); err != nil {
		return err
	}
	if cfg.Destination, err = parseDestination(r, m.GetDestination()); err != nil {
		return err
	}
	s.SlashConfig = cfg
	if s.Assets, err = parseAssets(r, nil, m.GetAssets()); err != nil {
		return err
	}
	return parseTerms(s, m.GetPolicy(), m.GetMinOperatorStake(), m.GetMaxOperatorDegree(), m.GetPfc(), m.GetThreshold(), m.GetMetadata())
}

// parseVeto: a resolver needs a veto window of 1s..max_veto_window.
func parseVeto(p params.Params, cfg *SlashConfig, resolver, window string) error {
	var err error
	if resolver == "" || resolver == "none" {
		if window != "" && resolver == "" {
			return state.Reject("bad-veto", "veto_window needs a resolver")
		}
		cfg.Resolver, cfg.VetoWindow_s = account.Address{}, 0
		return nil
	}
	if cfg.Resolver, err = state.ParseAddr("resolver", resolver); err != nil {
		return err
	}
	if cfg.VetoWindow_s, err = parseDuration("veto_window", window, cfg.VetoWindow_s); err != nil {
		return err
	}
	if cfg.VetoWindow_s == 0 || cfg.VetoWindow_s > p.MaxVetoWindow_s {
		return state.Reject("bad-veto", "veto_window must be from 1s to max_veto_window (%ds)", p.MaxVetoWindow_s)
	}
	return nil
}

func parseDestination(r store.Reader, s string) (account.Address, error) {
	if s == "" || s == "burn" {
		return account.Address{}, nil
	}
	a, err := state.ParseAddr("destination", s)
	if err != nil {
		return a, err
	}
	return a, checkNotProtocol(r, "destination", a)
}

// parseAssets appends the listed assets to have, each registered and new.
func parseAssets(r store.Reader, have []string, list []string) ([]string, error) {
	out := append([]string(nil), have...)
	for _, d := range list {
		if _, err := loadAsset(r, d); err != nil {
			return nil, err
		}
		for _, x := range out {
			if x == d {
				return nil, state.Reject("duplicate-asset", "asset %s listed twice", d)
			}
		}
		out = append(out, d)
	}
	if len(out) == 0 || len(out) > MaxAssetsPerService {
		return nil, state.Reject("bad-assets", "a service accepts 1..%d assets", MaxAssetsPerService)
	}
	return out, nil
}

// newAssets drops from list the assets s already accepts (adding is
// idempotent; removing is not possible: stakers chose the service for them).
func newAssets(s Service, list []string) []string {
	var out []string
	for _, d := range list {
		if !s.accepts(d) {
			out = append(out, d)
		}
	}
	return out
}

// parseTerms sets the fields that apply at once (empty: unchanged).
func parseTerms(s *Service, policy, minStake, maxDegree, pfc, threshold, metadata string) error {
	var err error
	switch policy {
	case "":
	case "open":
		s.Allowlist = false
	case "allowlist":
		s.Allowlist = true
	default:
		return state.Reject("bad-policy", "policy must be open or allowlist, not %q", policy)
	}
	if s.MinOperatorStake, err = parseAmountField("min_operator_stake", minStake, s.MinOperatorStake); err != nil {
		return err
	}
	if maxDegree != "" {
		if maxDegree == "0" {
			s.MaxOperatorDegree = 0
		} else if s.MaxOperatorDegree, err = parseDegree("max_operator_degree", maxDegree, 0); err != nil {
			return err
		}
	}
	if s.PfC, err = parseAmountField("pfc", pfc, s.PfC); err != nil {
		return err
	}
	if s.Threshold, err = parseFraction("threshold", threshold, s.Threshold, false); err != nil {
		return err
	}
	if s.Threshold.IsZero() {
		return state.Reject("bad-fraction", "threshold must be in (0, 1]")
	}
	if metadata != "" {
		if err := checkText("metadata", metadata, MaxMetadataLen); err != nil {
			return err
		}
		s.Metadata = metadata
	}
	return nil
}

// HandleUpdateService changes a service (admin only). Slasher, resolver,
// veto window, destination and a raised max_slash_fraction take effect
// after service_config_delay, so operators and stakers see them coming
// (operators can start deallocating; with the default delays, leaving
// entirely takes longer); the rest (terms that only narrow who may join,
// risk declarations, assets added) apply at once.
func HandleUpdateService(ctx state.Ctx, p params.Params, signer account.Address, m *tx.MsgUpdateService) error {
	s, err := loadAdmin(ctx, "admin", m.GetAdmin(), m.GetName(), signer)
	if err != nil {
		return err
	}
	if err := scheduleSlashConfig(ctx, p, &s, m); err != nil {
		return err
	}
	if add := newAssets(s, m.GetAddAssets()); len(add) > 0 {
		if s.Assets, err = parseAssets(ctx.KV, s.Assets, add); err != nil {
			return err
		}
	}
	pi0, a0 := s.PfC, s.Threshold
	if err := parseTerms(&s, m.GetPolicy(), m.GetMinOperatorStake(), m.GetMaxOperatorDegree(), m.GetPfc(), m.GetThreshold(), m.GetMetadata()); err != nil {
		return err
	}
	if err := guardServiceUpdate(ctx.KV, p, s.Name, pi0, s.PfC, a0, s.Threshold); err != nil {
		return err
	}
	if m.GetNewAdmin() != "" {
		if s.Admin, err = state.ParseAddr("new_admin", m.GetNewAdmin()); err != nil {
			return err
		}
		if err := checkNotProtocol(ctx.KV, "new_admin", s.Admin); err != nil {
			return err
		}
	}
	saveService(ctx.KV, &s)
	if !s.PfC.Eq(pi0) || !s.Threshold.Eq(a0) {
		recordTerms(ctx, &s)
	}
	ctx.Emit("update_service", "name", s.Name)
	return nil
}

// scheduleSlashConfig applies lowering max_slash_fraction at once and
// queues every other slash-config change (merged into a pending one).
func scheduleSlashConfig(ctx state.Ctx, p params.Params, s *Service, m *tx.MsgUpdateService) error {
	next := s.SlashConfig
	if s.Pending != nil {
		next = *s.Pending
	}
	var err error
	delayed := false
	if m.GetSlasher() != "" {
		if next.Slasher, err = state.ParseAddr("slasher", m.GetSlasher()); err != nil {
			return err
		}
		delayed = true
	}
	if m.GetResolver() != "" || m.GetVetoWindow() != "" {
		res := m.GetResolver()
		if res == "" {
			res = next.Resolver.String()
			if next.Resolver.IsZero() {
				return state.Reject("bad-veto", "veto_window needs a resolver")
			}
		}
		if err := parseVeto(p, &next, res, m.GetVetoWindow()); err != nil {
			return err
		}
		delayed = true
	}
	if m.GetDestination() != "" {
		if next.Destination, err = parseDestination(ctx.KV, m.GetDestination()); err != nil {
			return err
		}
		delayed = true
	}
	if m.GetMaxSlashFraction() != "" {
		f, err := parseFraction("max_slash_fraction", m.GetMaxSlashFraction(), next.MaxSlash, false)
		if err != nil {
			return err
		}
		next.MaxSlash = f
		if f.LTE(s.MaxSlash) && !delayed && s.Pending == nil {
			s.MaxSlash = f // lowering protects stakers: at once
			return nil
		}
		delayed = true
	}
	if delayed {
		s.Pending, s.PendingEffective_s = &next, num.AddTime(ctx.Time_s, p.ServiceConfigDelay_s)
	}
	return nil
}
