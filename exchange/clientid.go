package exchange

import (
	"crypto/rand"
	"strings"
	"time"
)

const clientIDAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// NewClientID returns an order id that every venue vigil supports accepts
// (letters and digits only, 24 characters: within OKX's 32 alphanumerics,
// Bybit's 36 and Binance's pattern) and that is unique across restarts: a
// millisecond timestamp followed by 64 random bits.
func NewClientID(now time.Time) string {
	var sb strings.Builder
	sb.Grow(24)
	sb.WriteString("vg")
	ms := uint64(now.UnixMilli())
	var ts [9]byte
	for i := len(ts) - 1; i >= 0; i-- {
		ts[i] = clientIDAlphabet[ms%36]
		ms /= 36
	}
	sb.Write(ts[:])
	var rnd [13]byte
	_, _ = rand.Read(rnd[:])
	for _, b := range rnd {
		sb.WriteByte(clientIDAlphabet[int(b)%36])
	}
	return sb.String()
}
