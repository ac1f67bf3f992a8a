package okx

import "github.com/vigil-trade/vigil/exchange"

// ClientIDPolicy is the venue's rule for the client order id, clOrdId: up to 32 letters and digits (venues.md §3.4), the narrowest of the
// first three venues and what vigil's zero policy was sized for.
var ClientIDPolicy = exchange.ClientIDPolicy{Field: "clOrdId", MaxLen: 32}
