package krakentest

import (
	"testing"

	"github.com/vigil-trade/vigil/exchange/sim/simtest"
)

func TestKit(t *testing.T) { simtest.CheckKit(t, Kit()) }
