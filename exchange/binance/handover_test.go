package binance_test

import (
	"testing"

	"github.com/vigil-trade/vigil/exchange"
)

// TestServerShutdownHandover: on serverShutdown the supervisor opens, logs
// in and subscribes a new connection while the old one keeps delivering,
// then closes the old one itself with a close frame; no event is lost or
// applied twice across the switch.
func TestServerShutdownHandover(t *testing.T) { streamSuite(exchange.SchemeHMAC).PlannedClose(t) }
