package orders

import (
	"fmt"
	"regexp"
)

// Client id rules of the venues vigil trades on (venues.md): Binance
// newClientOrderId ^[.A-Z:/a-z0-9_-]{1,36}$, OKX clOrdId up to 32
// letters and digits, Bybit orderLinkId up to 36 characters.
var (
	binanceClientID = regexp.MustCompile(`^[.A-Z:/a-z0-9_-]{1,36}$`)
	okxClientID     = regexp.MustCompile(`^[A-Za-z0-9]{1,32}$`)
)

const bybitMaxClientID = 36

// ValidClientID reports whether every supported venue accepts id, so an
// intent can be sent to any account with the same id.
func ValidClientID(id string) error {
	switch {
	case !binanceClientID.MatchString(id):
		return fmt.Errorf("client id %q: Binance accepts 1-36 of [.A-Za-z0-9:/_-]", id)
	case !okxClientID.MatchString(id):
		return fmt.Errorf("client id %q: OKX accepts 1-32 letters and digits", id)
	case len(id) > bybitMaxClientID:
		return fmt.Errorf("client id %q: Bybit accepts at most %d characters", id, bybitMaxClientID)
	}
	return nil
}
