package orders

import "fmt"

// Client id rules of the venues vigil trades on (venues.md): Binance
// newClientOrderId ^[.A-Z:/a-z0-9_-]{1,36}$, OKX clOrdId up to 32 letters
// and digits, Bybit orderLinkId up to 36 characters. Their intersection is
// 1-32 ASCII letters and digits.
const maxClientID = 32

// ValidClientID reports whether every supported venue accepts id, so an
// intent can be sent to any account with the same id.
func ValidClientID(id string) error {
	if len(id) == 0 || len(id) > maxClientID {
		return fmt.Errorf("client id %q: venues accept 1-%d characters (OKX's limit)", id, maxClientID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return fmt.Errorf("client id %q: only letters and digits are accepted everywhere (OKX)", id)
		}
	}
	return nil
}
