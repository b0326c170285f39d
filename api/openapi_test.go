package api

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/restaking"
	"github.com/restaked/restaked/riskview"
)

type openAPIDoc struct {
	OpenAPI    string                               `yaml:"openapi"`
	Paths      map[string]map[string]map[string]any `yaml:"paths"`
	Components struct {
		Schemas map[string]struct {
			Required   []string       `yaml:"required"`
			Properties map[string]any `yaml:"properties"`
		} `yaml:"schemas"`
	} `yaml:"components"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := yaml.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIDescribesEveryRoute keeps the document and the mux in step.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	s := New(nil, nil, nil)
	patterns := []string{"GET /openapi.yaml", "GET /metrics"}
	for p := range s.jsonRoutes() {
		patterns = append(patterns, p)
	}
	described := 0
	for _, p := range patterns {
		method, path, _ := strings.Cut(p, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("openapi.yaml does not describe %s", p)
		}
	}
	for _, ops := range doc.Paths {
		described += len(ops)
	}
	if described != len(patterns) {
		t.Errorf("openapi.yaml describes %d operations, the server has %d", described, len(patterns))
	}
}

// TestOpenAPISchemasMatchTypes checks that each schema lists exactly the
// JSON fields of the Go type it documents.
func TestOpenAPISchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	types := map[string]any{
		"Error": errorBody{}, "Coin": Coin{}, "Status": Status{}, "Account": Account{}, "Balances": Balances{},
		"Supply": Supply{}, "Invariants": Invariants{}, "ParamsResponse": Params{}, "Params": params.Params{}, "Validator": Validator{},
		"Validators": Validators{}, "ValidatorResponse": ValidatorResponse{}, "Delegation": Delegation{},
		"Delegations": Delegations{}, "Unbonding": Unbonding{}, "Unbondings": Unbondings{},
		"RewardStream": RewardStream{}, "Rewards": Rewards{}, "BroadcastRequest": BroadcastRequest{},
		"BroadcastResult": BroadcastResult{}, "Tx": Tx{}, "Event": Event{},
		"LiquidPool": LiquidPool{}, "LiquidClaim": LiquidClaim{}, "LiquidClaims": LiquidClaims{},
		"Operator": Operator{}, "OperatorChange": OperatorChange{}, "Operators": Operators{}, "AssetStake": AssetStake{},
		"Allocation": Allocation{}, "PendingAllocation": PendingAllocation{}, "OperatorResponse": OperatorResponse{},
		"SlashConfig": SlashConfig{}, "Service": Service{}, "Services": Services{}, "ServiceResponse": ServiceResponse{},
		"StakeEntry": StakeEntry{}, "ServiceStake": ServiceStake{}, "Position": Position{}, "Positions": Positions{},
		"Withdrawal": Withdrawal{}, "Withdrawals": Withdrawals{}, "WithdrawalResponse": WithdrawalResponse{},
		"SlashTake": SlashTake{}, "Slash": Slash{}, "Slashes": Slashes{}, "SlashResponse": SlashResponse{},
		"Asset": Asset{}, "Assets": Assets{}, "Program": Program{}, "Programs": Programs{}, "ProgramResponse": ProgramResponse{},
		"RiskExposure": RiskExposure{}, "Exposure": restaking.Exposure{}, "HoldingExposure": restaking.HoldingExposure{},
		"DelegationExposure": restaking.DelegationExposure{}, "PositionExposure": restaking.PositionExposure{},
		"ServiceLoss": restaking.ServiceLoss{}, "ServiceExposure": restaking.ServiceExposure{}, "RiskPreview": riskview.Preview{},
		"DecChange": riskview.DecChange{}, "Change": riskview.Change{},
		"Check": riskview.Check{}, "Binding": riskview.Binding{}, "AttackReport": riskview.AttackReport{},
		"ServicesReport": riskview.ServicesReport{}, "SecurityChange": riskview.SecurityChange{}, "Security": riskview.Security{},
		"CascadeView": riskview.CascadeView{}, "RoundView": riskview.RoundView{},
	}
	for name, v := range types {
		schema, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s missing", name)
			continue
		}
		var props []string
		for p := range schema.Properties {
			props = append(props, p)
		}
		sort.Strings(props)
		fields, required := jsonFields(reflect.TypeOf(v))
		if !slices.Equal(props, fields) {
			t.Errorf("schema %s has %v, type has %v", name, props, fields)
		}
		for _, r := range required {
			if name != "Params" && !slices.Contains(schema.Required, r) {
				t.Errorf("schema %s: %s is always present but not required", name, r)
			}
		}
	}
}

// jsonFields lists a struct's JSON names, and those without omitempty.
func jsonFields(t reflect.Type) (all, always []string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		all = append(all, name)
		if !strings.Contains(opts, "omitempty") {
			always = append(always, name)
		}
	}
	sort.Strings(all)
	return all, always
}
