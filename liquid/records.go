package liquid

import (
	"github.com/restaked/restaked/account"
	"github.com/restaked/restaked/num"
	"github.com/restaked/restaked/state"
	"github.com/restaked/restaked/store"
)

// poolState is the pool's own bookkeeping (everything else is read from
// bank and staking).
type poolState struct {
	Supply         num.Int // ststake minted and not burned
	Burned         num.Int // Σ Burned of unpaid claims (still counted in the rate's shares)
	Owed           num.Int // Σ Amount of unpaid claims
	NextClaim      uint64  // last claim id issued (ids start at 1)
	LastCompound_s int64
	Harvested_h    int64   // last height whose rewards were harvested (block.go)
	FeesPaid       num.Int // Σ lst_fee paid to FeeAccount
	Unpaid         uint64  // claims not paid yet
	NextDue_s      int64   // earliest completion among them (valid when Unpaid > 0)
}

// Version 2 added Burned and Harvested_h; a version 1 record is refused as
// corrupt rather than read with the old meaning of the rate.
const poolVersion, claimVersion = 2, 1

func (p *poolState) MarshalRecord() []byte {
	w := state.NewWriter(poolVersion, 96)
	w.Int(p.Supply)
	w.Int(p.Burned)
	w.Int(p.Owed)
	w.Uvarint(p.NextClaim)
	w.Varint(p.LastCompound_s)
	w.Varint(p.Harvested_h)
	w.Int(p.FeesPaid)
	w.Uvarint(p.Unpaid)
	w.Varint(p.NextDue_s)
	return w.Out()
}

func (p *poolState) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, poolVersion)
	p.Supply, p.Burned, p.Owed, p.NextClaim = r.Int(), r.Int(), r.Int(), r.Uvarint()
	p.LastCompound_s, p.Harvested_h, p.FeesPaid = r.Varint(), r.Varint(), r.Int()
	p.Unpaid, p.NextDue_s = r.Uvarint(), r.Varint()
	return r.Done()
}

func loadPool(r store.Reader) (poolState, error) {
	var p poolState
	_, err := state.Load(r, keyPool, &p)
	return p, err
}

func savePool(kv store.KV, p poolState) { state.Put(kv, keyPool, &p) }

// Claim is an unstake claim.
type Claim struct {
	ID            uint64          `json:"id"`
	Owner         account.Address `json:"owner"`
	Burned        num.Int         `json:"burned"`          // ststake burned at request (b)
	Amount        num.Int         `json:"amount"`          // b × r at request: the most it pays
	RateAtRequest num.Dec         `json:"rate_at_request"` // display only (rounding: down)
	Created_s     int64           `json:"created_s"`
	Completion_s  int64           `json:"completion_s"`
	Paid          bool            `json:"paid"`
	PaidAmount    num.Int         `json:"paid_amount"`
	Paid_s        int64           `json:"paid_s"`
}

func (c *Claim) MarshalRecord() []byte {
	w := state.NewWriter(claimVersion, 128)
	w.Uvarint(c.ID)
	w.Fixed(c.Owner[:])
	w.Int(c.Burned)
	w.Int(c.Amount)
	w.Dec(c.RateAtRequest)
	w.Varint(c.Created_s)
	w.Varint(c.Completion_s)
	w.Bool(c.Paid)
	w.Int(c.PaidAmount)
	w.Varint(c.Paid_s)
	return w.Out()
}

func (c *Claim) UnmarshalRecord(b []byte) error {
	r := state.NewReader(b, claimVersion)
	c.ID = r.Uvarint()
	r.Fixed(c.Owner[:])
	c.Burned, c.Amount, c.RateAtRequest = r.Int(), r.Int(), r.Dec()
	c.Created_s, c.Completion_s = r.Varint(), r.Varint()
	c.Paid, c.PaidAmount, c.Paid_s = r.Bool(), r.Int(), r.Varint()
	return r.Done()
}

func loadClaim(r store.Reader, id uint64) (Claim, bool, error) {
	var c Claim
	found, err := state.Load(r, claimKey(id), &c)
	return c, found, err
}
