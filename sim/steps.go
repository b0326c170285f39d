package sim

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// action is a decoded step, ready to run against the simulator. It returns
// a one-line result for the report.
type action interface {
	run(s *Sim) (string, error)
}

// stepClass says where a step may appear: transactions under
// expect_error's `tx`, events under its `event`, control steps only alone.
type stepClass int

const (
	classControl stepClass = iota
	classTx
	classEvent
)

// stepKind decodes the body of one step into an action.
type stepKind struct {
	decode func(b *book, body *yaml.Node, what string) (action, error)
	class  stepClass
}

// stepKinds is the step table: one entry per step name. It is only ever
// looked up by name, never ranged over where order matters. Filled in init
// because expect_error decodes its inner step through the table.
var stepKinds map[string]stepKind

func init() {
	stepKinds = map[string]stepKind{
		// transactions (txsteps.go)
		"send":             txKind(buildSend),
		"create_validator": txKind(buildCreateValidator),
		"edit_validator":   txKind(buildEditValidator),
		"delegate":         txKind(buildDelegate),
		"undelegate":       txKind(buildUndelegate),
		"unjail":           txKind(buildUnjail),
		"claim_rewards":    txKind(buildClaimRewards),
		"set_params":       txKind(buildSetParams),
		"liquid_stake":     txKind(buildLiquidStake),
		"liquid_unstake":   txKind(buildLiquidUnstake),
		// restaking (restaking_steps.go)
		"register_asset":          txKind(buildRegisterAsset),
		"set_price":               txKind(buildSetPrice),
		"register_operator":       txKind(buildRegisterOperator),
		"update_operator":         txKind(buildUpdateOperator),
		"register_service":        txKind(buildRegisterService),
		"update_service":          txKind(buildUpdateService),
		"allow_operator":          txKind(buildAllowOperator),
		"disallow_operator":       txKind(buildDisallowOperator),
		"opt_in":                  txKind(buildOptIn),
		"opt_out":                 txKind(buildOptOut),
		"deposit":                 txKind(buildDeposit),
		"queue_withdrawal":        txKind(buildQueueWithdrawal),
		"complete_withdrawal":     txKind(buildCompleteWithdrawal),
		"allocate":                txKind(buildAllocate),
		"set_operator_commission": txKind(buildSetOperatorCommission),
		"slash":                   txKind(buildSlash),
		"veto_slash":              txKind(buildVetoSlash),
		"execute_slash":           txKind(buildExecuteSlash),
		"claim_redistribution":    txKind(buildClaimRedistribution),
		// service reward programs (rewards_steps.go)
		"create_reward_program": timedTxKind(buildCreateRewardProgram, programStartAt),
		"cancel_reward_program": txKind(buildCancelRewardProgram),
		// events consensus would deliver (events.go)
		"double_sign": {decode: decodeDoubleSign, class: classEvent},
		"downtime":    {decode: decodeDowntime, class: classEvent},
		// simulator control (events.go, expect.go)
		"advance":      {decode: decodeAdvance},
		"expect":       {decode: decodeExpect},
		"expect_error": {decode: decodeExpectError},
	}
}

// plannedSteps are SPEC §10 steps whose modules have not landed yet; they
// get a clearer error than a typo would. Every SPEC §10 step exists now.
var plannedSteps = []string{}

// lookupStep finds a step kind by name with a helpful error.
func lookupStep(name string) (stepKind, error) {
	if k, ok := stepKinds[name]; ok {
		return k, nil
	}
	if contains(plannedSteps, name) {
		return stepKind{}, fmt.Errorf("step %q %s", name, notAvailableYetLabel)
	}
	return stepKind{}, fmt.Errorf("unknown step %q (steps: %s)", name, strings.Join(stepNames(), ", "))
}

func stepNames() []string {
	out := make([]string, 0, len(stepKinds))
	for n := range stepKinds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// decodeSteps decodes the steps sequence in file order.
func decodeSteps(sc *Scenario, n *yaml.Node) ([]Step, error) {
	if n == nil {
		return nil, nil
	}
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("steps: want a list of steps (- send: {...})")
	}
	if len(n.Content) > MaxSteps {
		return nil, fmt.Errorf("steps: more than %d steps", MaxSteps)
	}
	out := make([]Step, 0, len(n.Content))
	for i, item := range n.Content {
		st, err := decodeStep(sc.book, item)
		if err != nil {
			return nil, fmt.Errorf("step %d (line %d): %w", i+1, item.Line, err)
		}
		st.Index = i + 1
		out = append(out, st)
	}
	return out, nil
}

// decodeStep decodes `- name: body`.
func decodeStep(b *book, item *yaml.Node) (Step, error) {
	name, body, err := single(item)
	if err != nil {
		return Step{}, err
	}
	k, err := lookupStep(name)
	if err != nil {
		return Step{}, err
	}
	act, err := k.decode(b, body, name)
	if err != nil {
		return Step{}, err
	}
	return Step{Line: item.Line, Name: name, Text: flowText(name, body), act: act}, nil
}

// single reads a mapping with exactly one key, the form of every step.
func single(item *yaml.Node) (string, *yaml.Node, error) {
	ps, err := pairs(item, "step")
	if err != nil {
		return "", nil, err
	}
	if len(ps) != 1 {
		return "", nil, fmt.Errorf("a step has exactly one name, got %d keys", len(ps))
	}
	return ps[0].key, ps[0].val, nil
}
