package state

import "github.com/restaked/restaked/account"

// ParseAddr reads a bech32 address field, rejecting it with rule bad-address.
func ParseAddr(field, s string) (account.Address, error) {
	a, err := account.Parse(s)
	if err != nil {
		return a, Reject("bad-address", "%s: %v", field, err)
	}
	return a, nil
}

// Owner parses the address field that names whose funds or role a message
// uses, and enforces SPEC §12: only that account's key may sign for it.
// action completes "only X may ..." in the error.
func Owner(field, s string, signer account.Address, action string) (account.Address, error) {
	a, err := ParseAddr(field, s)
	if err != nil {
		return a, err
	}
	if a != signer {
		return a, Reject("wrong-signer", "only %s may %s (signed by %s)", a, action, signer)
	}
	return a, nil
}
