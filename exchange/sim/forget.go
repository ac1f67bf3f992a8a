package sim

import "github.com/shopspring/decimal"

// Forget drops every order of the account, open or final, as a testnet
// reset (or a venue archiving old orders) does: queries by either id answer
// not found, the book no longer holds them, and what the open ones locked is
// free again. Nothing is pushed on the streams: a reset tells no one. It
// returns how many orders were forgotten.
func (x *Exchange) Forget(account string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	a, ok := x.accounts[account]
	if !ok {
		return 0
	}
	n := len(a.orders)
	for _, o := range a.orders {
		if !o.o.Status.Open() {
			continue
		}
		x.unlockLocked(a, o.lockAsset, o.locked)
		o.locked = decimal.Zero
		if m, ok := x.markets[o.o.Symbol]; ok {
			x.dropOpenLocked(m, o)
		}
	}
	a.orders = nil
	a.byID = map[uint64]*order{}
	a.byCID = map[string][]*order{}
	return n
}
