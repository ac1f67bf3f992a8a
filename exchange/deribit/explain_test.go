package deribit

import (
	"testing"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/rest/resttest"
)

func TestRefusedSignatureExplained(t *testing.T) {
	resttest.RefusedSignature(t, Descriptor, func(v exchange.Venue) *rest.MAC { return v.(*Client).signer.mac })
}
