package feed

import (
	"errors"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/views"
)

// signatureRefused puts a refused signature in Events, once until a
// signed call succeeds again. The Keys and Balances panes say the call
// failed; the why (what vigil signed, what was sent, the causes that fit,
// in the error's advice) belongs where the trader reads what happened.
func (p *poller) signatureRefused(err error) {
	if err == nil {
		p.sigShown.Store(false)
		return
	}
	var ae *exchange.APIError
	if !errors.As(err, &ae) || ae.Kind != exchange.KindSignature || p.sigShown.Swap(true) {
		return
	}
	p.log(views.LevelError, "signature refused", err)
}
