package binance

import "github.com/vigil-trade/vigil/exchange"

// ClientIDPolicy is the venue's rule for the client order id, newClientOrderId: ^[.A-Z:/a-z0-9_-]{1,36}$ (venues.md §1), kept unique among
// open orders only: vigil never reuses one, so the base36 id it makes fits.
var ClientIDPolicy = exchange.ClientIDPolicy{Field: "newClientOrderId", MaxLen: 36, Extra: ".:/_-"}
