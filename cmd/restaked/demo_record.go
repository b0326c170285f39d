package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/restaked/restaked/coin"
	"github.com/restaked/restaked/restaking"
)

// demoRecord is config/demo.json in a demo devnet's home: the network's
// layout with every address, written with the genesis and marked seeded
// once the seeding transactions have committed. Later runs print the
// summary from it; scripts and tests read addresses from it.
type demoRecord struct {
	Seeded       bool                 `json:"seeded"`
	SeededHeight int64                `json:"seeded_height,omitempty"`
	VaultAccount string               `json:"vault_account"` // holds restaked ststake and usdc
	Restaked     string               `json:"restaked"`      // every deposit, summed per denom
	Operators    []demoOperatorRecord `json:"operators"`
	Services     []demoServiceRecord  `json:"services"`
	Stakers      []demoStakerRecord   `json:"stakers"`
}

type demoOperatorRecord struct {
	Name            string            `json:"name"`
	Address         string            `json:"address"`
	Moniker         string            `json:"moniker"`
	Degree          string            `json:"degree"`
	AllocationDelay string            `json:"allocation_delay"`
	NativeAccount   string            `json:"native_account"`  // delegates its natively restaked stake
	NativeRestaked  string            `json:"native_restaked"` // stake deposited with it, base units
	Allocations     []demoAllocRecord `json:"allocations"`
}

type demoAllocRecord struct {
	Service   string `json:"service"`
	Asset     string `json:"asset"`
	Magnitude string `json:"magnitude"`
}

type demoServiceRecord struct {
	Name        string   `json:"name"`
	About       string   `json:"about"`
	Admin       string   `json:"admin"`
	Slasher     string   `json:"slasher"`
	Resolver    string   `json:"resolver,omitempty"`
	VetoWindow  string   `json:"veto_window,omitempty"`
	Destination string   `json:"destination"` // "burn" or the recipient
	Policy      string   `json:"policy"`
	Allowlist   []string `json:"allowlist,omitempty"`
	Assets      []string `json:"assets"`
	MaxSlash    string   `json:"max_slash_fraction"`
	PfC         string   `json:"pfc"`
	Threshold   string   `json:"threshold"`
	Program     string   `json:"reward_program,omitempty"` // funded at seeding, e.g. "3000000000stake over 30d"
}

type demoStakerRecord struct {
	Name     string              `json:"name"`
	Address  string              `json:"address"`
	Kind     string              `json:"kind"`
	Liquid   string              `json:"liquid_staked,omitempty"`
	Deposits []demoDepositRecord `json:"deposits"`
}

type demoDepositRecord struct {
	Operator string `json:"operator"`
	Amount   string `json:"amount"`
}

func demoRecordPath(home string) string { return filepath.Join(home, "config", "demo.json") }

// newDemoRecord describes the demo network the tables define.
func newDemoRecord() (demoRecord, error) {
	r := demoRecord{VaultAccount: restaking.VaultAccount.String()}
	stakers := demoStakerRows()
	total, err := sumDeposits(stakers, func(coinWithOp) bool { return true })
	if err != nil {
		return r, err
	}
	r.Restaked = total.String()
	for _, s := range stakers {
		r.Stakers = append(r.Stakers, stakerRecord(s))
	}
	for _, o := range demoOperators {
		rec, err := operatorRecord(o, stakers)
		if err != nil {
			return r, err
		}
		r.Operators = append(r.Operators, rec)
	}
	for _, s := range demoServices {
		r.Services = append(r.Services, serviceRecord(s))
	}
	return r, nil
}

// sumDeposits adds up the deposits that match, per denom.
func sumDeposits(stakers []demoStaker, match func(coinWithOp) bool) (coin.Coins, error) {
	var total coin.Coins
	for _, s := range stakers {
		for _, d := range s.deposits {
			if !match(d) {
				continue
			}
			var err error
			if total, err = total.Add(coin.Coins{d.coin}); err != nil {
				return nil, err
			}
		}
	}
	return total, nil
}

func stakerRecord(s demoStaker) demoStakerRecord {
	rec := demoStakerRecord{Name: s.name, Address: devnetAddr(s.name).String(), Kind: s.profile.kind}
	if !s.liquid.IsZero() {
		rec.Liquid = coin.New("stake", s.liquid).String()
	}
	for _, d := range s.deposits {
		rec.Deposits = append(rec.Deposits, demoDepositRecord{d.operator, d.coin.String()})
	}
	return rec
}

func operatorRecord(o demoOperator, stakers []demoStaker) (demoOperatorRecord, error) {
	addr := devnetAddr(o.name)
	rec := demoOperatorRecord{Name: o.name, Address: addr.String(), Moniker: o.moniker, Degree: o.degree,
		AllocationDelay: o.allocationDelay, NativeAccount: restaking.NativeAccount(addr).String()}
	sum, err := sumDeposits(stakers, func(d coinWithOp) bool { return d.operator == o.name && d.coin.Denom == "stake" })
	if err != nil {
		return rec, err
	}
	rec.NativeRestaked = sum.AmountOf("stake").String()
	for _, j := range o.joins {
		for _, a := range j.allocs {
			rec.Allocations = append(rec.Allocations, demoAllocRecord{j.service, a.asset, a.magnitude})
		}
	}
	return rec, nil
}

func serviceRecord(s demoService) demoServiceRecord {
	rec := demoServiceRecord{Name: s.name, About: s.about, Admin: devnetAddr(s.name + "-admin").String(),
		Slasher: devnetAddr(s.name + "-slasher").String(), Destination: "burn", Policy: "open",
		Allowlist: s.allowlist, Assets: s.assets, MaxSlash: s.maxSlash, PfC: s.pfc, Threshold: s.threshold}
	if s.program != nil {
		rec.Program = s.program.coin().String() + " over " + demoProgramDuration
	}
	if s.veto != "" {
		rec.Resolver, rec.VetoWindow = devnetAddr(s.name+"-council").String(), s.veto
	}
	if s.redistribute {
		rec.Destination = devnetAddr(s.name + "-treasury").String()
	}
	if s.allowlist != nil {
		rec.Policy = "allowlist"
	}
	return rec
}

func writeDemoRecord(home string, r demoRecord) error {
	bz, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(demoRecordPath(home), append(bz, '\n'), 0o644)
}

// readDemoRecord reads the record; found is false in a devnet created
// without --demo.
func readDemoRecord(home string) (r demoRecord, found bool, err error) {
	bz, err := os.ReadFile(demoRecordPath(home))
	if os.IsNotExist(err) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	if err := json.Unmarshal(bz, &r); err != nil {
		return r, true, fmt.Errorf("read %s: %w", demoRecordPath(home), err)
	}
	return r, true, nil
}

// printDemoSummary shows what the demo network holds and how to look at it.
func printDemoSummary(w io.Writer, r demoRecord, home, apiAddr string) {
	fmt.Fprintf(w, "\nDemo restaking network (seeded at height %d; layout in %s):\n", r.SeededHeight, demoRecordPath(home))
	fmt.Fprintln(w, "\nOperators (each runs a validator; allocations take effect after its allocation delay):")
	for _, o := range r.Operators {
		fmt.Fprintf(w, "  %-10s %s  degree %s, allocation delay %s, %sstake restaked natively\n",
			o.Name, o.Address, o.Degree, o.AllocationDelay, o.NativeRestaked)
		fmt.Fprintf(w, "  %-10s allocates %s\n", "", allocSummary(o.Allocations))
	}
	fmt.Fprintln(w, "\nServices:")
	for _, s := range r.Services {
		fmt.Fprintf(w, "  %-10s %-26s assets %-19s %s, %s, max slash %s, pfc %s, threshold %s\n",
			s.Name, s.About, strings.Join(s.Assets, ","), vetoSummary(s), destSummary(s), s.MaxSlash, s.PfC, s.Threshold)
		if s.Program != "" {
			fmt.Fprintf(w, "  %-10s pays a reward program of %s to its operators and stakers\n", "", s.Program)
		}
	}
	if n := len(r.Stakers); n > 0 { // config/demo.json may have been edited
		fmt.Fprintf(w, "\nStakers: %s..%s (%d), %s deposited at seeding.\n", r.Stakers[0].Name, r.Stakers[n-1].Name, n, r.Restaked)
	}
	printDemoQueries(w, r, home, apiAddr)
}

// allocSummary groups allocations by service: "oracle (ststake 0.6, stake 0.6), ...".
func allocSummary(as []demoAllocRecord) string {
	var parts []string
	for i, a := range as {
		switch {
		case i == 0 || as[i-1].Service != a.Service:
			parts = append(parts, a.Service+" ("+a.Asset+" "+a.Magnitude)
		default:
			parts[len(parts)-1] += ", " + a.Asset + " " + a.Magnitude
		}
	}
	return strings.Join(parts, "), ") + ")"
}

func vetoSummary(s demoServiceRecord) string {
	if s.Resolver == "" {
		return s.Policy + ", slashes at once"
	}
	return s.Policy + ", veto window " + s.VetoWindow
}

func destSummary(s demoServiceRecord) string {
	if s.Destination == "burn" {
		return "burns"
	}
	return "redistributes to " + s.Name + "-treasury"
}

func printDemoQueries(w io.Writer, r demoRecord, home, apiAddr string) {
	api := localURL(apiAddr)
	fmt.Fprintln(w, "\nLook at it:")
	fmt.Fprintf(w, "  restaked query operators --api %s   # stake, allocations, commissions\n", api)
	fmt.Fprintf(w, "  restaked query services --api %s    # terms of every service\n", api)
	fmt.Fprintf(w, "  restaked query programs --api %s     # service reward programs\n", api)
	for _, s := range r.Stakers[:min(1, len(r.Stakers))] {
		fmt.Fprintf(w, "  restaked query positions %s --api %s   # %s's positions\n", s.Address, api, s.Name)
		fmt.Fprintf(w, "  restaked query rewards %s --api %s     # its reward streams and their APR\n", s.Address, api)
	}
	fmt.Fprintf(w, "  curl %s/v1/accounts/%s/balances   # restaked ststake and usdc\n", api, r.VaultAccount)
	for _, o := range r.Operators[min(1, len(r.Operators)):min(2, len(r.Operators))] {
		fmt.Fprintf(w, "  curl %s/v1/delegations/%s   # stake natively restaked with %s\n", api, o.NativeAccount, o.Name)
	}
	fmt.Fprintf(w, "  curl %s/v1/invariants\n", api)
	fmt.Fprintf(w, "  restaked keys list --home %s --keyring-backend test   # every demo key (operators, services, stakers)\n\n", home)
}
