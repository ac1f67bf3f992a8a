package coinbase

import (
	"testing"

	"github.com/vigil-trade/vigil/exchange/rest/resttest"
)

func TestSignerSelfTest(t *testing.T) { resttest.SelfTest(t, venueName, Descriptor) }
