package sim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/params"
	"github.com/restaked/restaked/staking"
	"github.com/restaked/restaked/state"
	"gopkg.in/yaml.v3"
)

// doubleSign injects duplicate-vote evidence, as consensus would.
type doubleSign struct {
	val    *acct
	height int64 // infraction height; 0 = the current block (the chain judges the rest)
}

func decodeDoubleSign(b *book, body *yaml.Node, what string) (action, error) {
	f := newFields(b, body, what)
	d := doubleSign{val: f.account("validator"), height: f.height("height")}
	if err := f.done(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d doubleSign) run(s *Sim) (string, error) {
	h := d.height
	if h == 0 {
		h = s.height
	}
	return s.slashEvent(d.val, func(ctx state.Ctx, p params.Params) error {
		return staking.SlashDoubleSign(ctx, p, d.val.addr, h)
	})
}

// downtime injects a liveness fault, as the missed-blocks window would.
type downtime struct{ val *acct }

func decodeDowntime(b *book, body *yaml.Node, what string) (action, error) {
	f := newFields(b, body, what)
	d := downtime{val: f.account("validator")}
	if err := f.done(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d downtime) run(s *Sim) (string, error) {
	return s.slashEvent(d.val, func(ctx state.Ctx, p params.Params) error {
		return staking.SlashDowntime(ctx, p, d.val.addr)
	})
}

// advance ends the current block and moves on by a number of blocks.
type advance struct{ blocks int64 }

func decodeAdvance(b *book, body *yaml.Node, what string) (action, error) {
	v, ok := scalar(body)
	if !ok {
		return nil, fmt.Errorf("%s: want \"N blocks\" or a duration like 30d", what)
	}
	n, err := advanceBlocks(v, b.blockTime_s)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	return advance{blocks: n}, nil
}

func (a advance) run(s *Sim) (string, error) {
	if err := s.advance(a.blocks); err != nil {
		return "", err
	}
	return fmt.Sprintf("now in block %d at %s", s.height, formatTime(s.time_s)), nil
}

// advanceBlocks reads "N blocks" or a duration with a unit ("30d"); a
// duration is ceil(duration / block time) blocks. Bare numbers are refused
// as ambiguous.
func advanceBlocks(v string, blockTime_s int64) (int64, error) {
	v = strings.TrimSpace(v)
	n, err := blocksOrDuration(v, blockTime_s)
	if err != nil {
		return 0, err
	}
	if n < 1 || n > MaxBlocksPerAdvance {
		return 0, fmt.Errorf("%q is %d blocks; advance 1..%d blocks at a time", v, n, MaxBlocksPerAdvance)
	}
	return n, nil
}

func blocksOrDuration(v string, blockTime_s int64) (int64, error) {
	if count, unit, ok := strings.Cut(v, " "); ok {
		unit = strings.TrimSpace(unit)
		n, err := strconv.ParseUint(count, 10, 63)
		if err != nil || (unit != "blocks" && unit != "block") {
			return 0, fmt.Errorf("want \"N blocks\" or a duration like 30d, got %q", v)
		}
		return int64(n), nil
	}
	if v == "" || v[len(v)-1] >= '0' && v[len(v)-1] <= '9' {
		return 0, fmt.Errorf("want \"N blocks\" or a duration with a unit like 30d, got %q", v)
	}
	d, err := num.ParseDuration(v)
	if err != nil {
		return 0, err
	}
	return ceilDiv(int64(d), blockTime_s), nil
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
