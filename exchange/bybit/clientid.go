package bybit

import "github.com/vigil-trade/vigil/exchange"

// ClientIDPolicy is the venue's rule for the client order id, orderLinkId: up to 36 characters of [A-Za-z0-9_-] (venues.md §2.4), unique
// per account.
var ClientIDPolicy = exchange.ClientIDPolicy{Field: "orderLinkId", MaxLen: 36, Extra: "_-"}
