package apitest

import (
	"testing"
	"time"

	"github.com/restaked/restaked/tx"
)

// Rewards is the Restaking chain with service reward programs on top, for
// tests that read programs and reward streams back:
//
//	block 7:  Val sets its commission on oracle to 0.1 (in force after
//	          commission_change_delay, 7d).
//	block 8:  eight days later: Alice (admin of both services) funds
//	          program 1 (oracle, 1000stake over 50s) and program 2
//	          (bridge, 6000stake over 1h).
//	blocks 9..19: program 1 emits everything and ends.
//	block 20: Alice cancels program 2.
type Rewards struct {
	*Restaking
}

// Program amounts and durations in the Rewards chain.
const (
	OracleProgram    = "1000stake"
	OracleDuration_s = 50
	BridgeProgram    = "6000stake"
)

// NewRewards builds the Rewards chain; every transaction must succeed.
func NewRewards(t testing.TB) *Rewards {
	t.Helper()
	c := &Rewards{NewRestaking(t)}
	alice, val := Addr(Alice).String(), Addr(Val).String()
	c.MustBlock(t, c.Tx(t, Val, &tx.MsgSetOperatorCommission{Operator: val, Service: Oracle, Rate: "0.1"}))
	c.Advance(8 * 24 * time.Hour)
	c.MustBlock(t,
		c.Tx(t, Alice, &tx.MsgCreateRewardProgram{Admin: alice, Service: Oracle, Amount: OracleProgram, Duration: "50s"}),
		c.Tx(t, Alice, &tx.MsgCreateRewardProgram{Admin: alice, Service: Bridge, Amount: BridgeProgram, Duration: "1h"}))
	for range 11 {
		c.Block(t)
	}
	c.MustBlock(t, c.Tx(t, Alice, &tx.MsgCancelRewardProgram{Admin: alice, Id: 2}))
	return c
}
