package orders

import (
	"fmt"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// CheckClientID checks a caller's id for an intent to info's account
// against that venue's rule (AccountInfo.ClientID). An intent goes to one
// account, so no other venue's rule matters: a 0x-hex cloid need not be
// letters and digits, a 36-character id need not fit a 32-character limit.
func CheckClientID(info exchange.AccountInfo, id string) error {
	if err := info.ClientID.Check(id); err != nil {
		return fmt.Errorf("%s: %w: nothing sent", info.Name, err)
	}
	return nil
}

// NewClientID makes the id for a new intent to info's account, in its
// venue's form: unique across restarts (a millisecond timestamp and random
// bits), so an order found under it was sent by that intent.
func NewClientID(info exchange.AccountInfo, now time.Time) string {
	return info.ClientID.New(now)
}

// ValidClientID checks id against the default policy, the one of an
// account whose venue states no rule: 1-32 letters and digits.
func ValidClientID(id string) error { return exchange.ClientIDPolicy{}.Check(id) }
