package apitest

import (
	"crypto/ed25519"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/tx"
)

// Restaking is a chain whose restaking state was built by real
// transactions, for tests that read it back:
//
//	block 2: Alice liquid-stakes 10000stake, sends Bob 1000stake, registers
//	         usdc at price 0.5, registers service "oracle" (slasher Alice,
//	         assets stake and ststake, pfc 5000, threshold 0.5) and service
//	         "bridge" (slasher Alice, resolver Bob with a 1d veto window,
//	         slashes redistributed to Bob, allowlist, max slash 0.5, ststake
//	         only); Val registers as an operator running its validator
//	         (allocation delay 0) and Alice allows it on bridge.
//	block 3: Val opts in to both; Alice deposits 10000ststake and
//	         4000stake with Val.
//	block 4: Val allocates oracle stake 1 and ststake 0.5, bridge ststake 0.5
//	         (in force at once: allocation delay 0).
//	block 5: Alice slashes Val's stake 0.2 for oracle (executed at once,
//	         burned: slash #1). Only native stake: burning ststake would
//	         leave the liquid pool counting tokens that no longer exist.
//	block 6: Alice requests a 0.1 slash for bridge (pending its veto
//	         window: slash #2), queues a withdrawal of 1000ststake
//	         (withdrawal #1); Val schedules allocation delay 1d and lowers
//	         bridge to 0.3 (pending deallocation_delay).
type Restaking struct {
	*Chain
	AllocHeight int64 // block 4
	SlashHeight int64 // block 5
	seqs        map[account.Address]uint64
}

// Service names and the reason of slash #1 in the Restaking chain.
const (
	Oracle      = "oracle"
	Bridge      = "bridge"
	SlashReason = "equivocation"
)

// NewRestaking builds the Restaking chain; every transaction must succeed.
func NewRestaking(t testing.TB) *Restaking {
	t.Helper()
	c := &Restaking{Chain: NewChain(t), seqs: map[account.Address]uint64{}}
	c.Block(t)
	alice, bob, val := Addr(Alice).String(), Addr(Bob).String(), Addr(Val).String()
	c.MustBlock(t,
		c.Tx(t, Alice, &tx.MsgLiquidStake{From: alice, Amount: "10000stake"}),
		c.Tx(t, Alice, &tx.MsgSend{From: alice, To: bob, Amount: "1000stake"}),
		c.Tx(t, Alice, &tx.MsgRegisterAsset{Authority: alice, Denom: "usdc", Price: "0.5"}),
		c.Tx(t, Alice, &tx.MsgRegisterService{Admin: alice, Name: Oracle, Slasher: alice,
			Assets: []string{"stake", "ststake"}, Pfc: "5000", Threshold: "0.5", Metadata: "price oracle"}),
		c.Tx(t, Alice, &tx.MsgRegisterService{Admin: alice, Name: Bridge, Slasher: alice, Resolver: bob, VetoWindow: "1d",
			Assets: []string{"ststake"}, MaxSlashFraction: "0.5", Destination: bob, Policy: "allowlist", Pfc: "2000", Threshold: "0.67"}),
		c.Tx(t, Val, &tx.MsgRegisterOperator{Operator: val, Validator: val, Metadata: "val operator"}),
		c.Tx(t, Alice, &tx.MsgAllowOperator{Admin: alice, Service: Bridge, Operator: val}),
	)
	c.MustBlock(t,
		c.Tx(t, Val, &tx.MsgOptIn{Operator: val, Service: Oracle}),
		c.Tx(t, Val, &tx.MsgOptIn{Operator: val, Service: Bridge}),
		c.Tx(t, Alice, &tx.MsgDeposit{Staker: alice, Operator: val, Amount: "10000ststake"}),
		c.Tx(t, Alice, &tx.MsgDeposit{Staker: alice, Operator: val, Amount: "4000stake"}),
	)
	c.MustBlock(t,
		c.Tx(t, Val, &tx.MsgAllocate{Operator: val, Service: Oracle, Asset: "stake", Magnitude: "1"}),
		c.Tx(t, Val, &tx.MsgAllocate{Operator: val, Service: Oracle, Asset: "ststake", Magnitude: "0.5"}),
		c.Tx(t, Val, &tx.MsgAllocate{Operator: val, Service: Bridge, Asset: "ststake", Magnitude: "0.5"}),
	)
	c.AllocHeight = c.Height
	c.MustBlock(t, c.Tx(t, Alice, &tx.MsgSlash{Slasher: alice, Service: Oracle, Operator: val, Fraction: "0.2",
		Assets: []string{"stake"}, Reason: SlashReason}))
	c.SlashHeight = c.Height
	c.MustBlock(t,
		c.Tx(t, Alice, &tx.MsgSlash{Slasher: alice, Service: Bridge, Operator: val, Fraction: "0.1"}),
		c.Tx(t, Alice, &tx.MsgQueueWithdrawal{Staker: alice, Operator: val, Amount: "1000ststake"}),
		c.Tx(t, Val, &tx.MsgUpdateOperator{Operator: val, AllocationDelay: "1d"}),
		c.Tx(t, Val, &tx.MsgAllocate{Operator: val, Service: Bridge, Asset: "ststake", Magnitude: "0.3"}),
	)
	return c
}

// Tx signs msgs from key with its next sequence (counted by c, so one
// block may hold several txs of the same signer).
func (c *Restaking) Tx(t testing.TB, key ed25519.PrivateKey, msgs ...proto.Message) []byte {
	t.Helper()
	a := Addr(key)
	raw := Sign(t, key, c.seqs[a], msgs...)
	c.seqs[a]++
	return raw
}

// MustBlock is Block that fails the test if any tx failed.
func (c *Chain) MustBlock(t testing.TB, txs ...[]byte) {
	t.Helper()
	for i, r := range c.Block(t, txs...) {
		if r.Code != 0 {
			t.Fatalf("block %d, tx %d: code %d: %s", c.Height, i, r.Code, r.Log)
		}
	}
}

// Advance moves the clock so the next block comes d (plus the usual five
// seconds) after the last: delays of days pass in one block.
func (c *Chain) Advance(d time.Duration) { c.Time = c.Time.Add(d) }
