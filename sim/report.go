package sim

import (
	"fmt"
	"io"
	"sort"
)

// Report is the outcome of a run; its JSON form is what --json prints.
type Report struct {
	OK    bool         `json:"ok"`
	Error string       `json:"error,omitempty"` // the failure, naming the step or block
	Steps []StepResult `json:"steps"`
	Final *Final       `json:"final,omitempty"`
}

// StepResult is one step's outcome: Result on success, Error on failure.
type StepResult struct {
	Index  int    `json:"index"`
	Step   string `json:"step"`
	Block  int64  `json:"block"`
	Result string `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Final is the state after the last step. AppHash is set only when the
// last block was finished (the run passed).
type Final struct {
	Height   int64                        `json:"height"`
	Time     string                       `json:"time"`
	AppHash  string                       `json:"app_hash,omitempty"`
	Balances map[string]map[string]string `json:"balances"` // account -> denom -> amount
}

func (r *Report) fail(msg string) {
	r.OK, r.Error = false, msg
}

// Err is nil when the run passed, else the failure.
func (r *Report) Err() error {
	if r.OK {
		return nil
	}
	return fmt.Errorf("scenario failed: %s", r.Error)
}

// WriteStep prints one step as a line (or two when it failed).
func WriteStep(w io.Writer, r StepResult) {
	if r.Error != "" {
		fmt.Fprintf(w, "%4d  block %-8d %s\n      FAIL: %s\n", r.Index, r.Block, r.Step, r.Error)
		return
	}
	fmt.Fprintf(w, "%4d  block %-8d %s\n      %s\n", r.Index, r.Block, r.Step, r.Result)
}

// WriteSummary prints the final state and the verdict.
func WriteSummary(w io.Writer, r *Report) {
	if f := r.Final; f != nil {
		fmt.Fprintf(w, "final: block %d at %s", f.Height, f.Time)
		if f.AppHash != "" {
			fmt.Fprintf(w, ", app hash %s", f.AppHash)
		}
		fmt.Fprintln(w)
		for _, name := range sortedKeys(f.Balances) {
			fmt.Fprintf(w, "  %-12s %s\n", name, coinsText(f.Balances[name]))
		}
	}
	if r.OK {
		fmt.Fprintf(w, "PASS (%d steps)\n", len(r.Steps))
		return
	}
	fmt.Fprintf(w, "FAIL: %s\n", r.Error)
}

func coinsText(m map[string]string) string {
	if len(m) == 0 {
		return "(none)"
	}
	s := ""
	for i, d := range sortedKeys(m) {
		if i > 0 {
			s += ","
		}
		s += m[d] + d
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
