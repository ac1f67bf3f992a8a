package sim

import (
	"fmt"
	"sort"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

type holding struct {
	free, locked decimal.Decimal
}

type account struct {
	name    string
	bal     map[string]*holding
	orders  []*order          // creation order
	byID    map[uint64]*order // every order ever
	byCID   map[string][]*order
	seq     uint64
	subs    []*subscription
	changed map[string]bool // assets touched since the last balance event
}

func newAccount(name string) *account {
	return &account{
		name:    name,
		bal:     map[string]*holding{},
		byID:    map[uint64]*order{},
		byCID:   map[string][]*order{},
		changed: map[string]bool{},
	}
}

func (a *account) holding(asset string) *holding {
	h, ok := a.bal[asset]
	if !ok {
		h = &holding{}
		a.bal[asset] = h
	}
	return h
}

func (a *account) balance(asset string) exchange.Balance {
	h := a.holding(asset)
	return exchange.Balance{Asset: asset, Free: h.free, Locked: h.locked}
}

// Deposit credits an account from outside the exchange. Deposits are the only
// way money enters; Deposited tracks them for conservation checks.
func (x *Exchange) Deposit(account, asset string, amount decimal.Decimal) error {
	if !amount.IsPositive() {
		return fmt.Errorf("sim: deposit must be positive")
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	a := x.accountLocked(account)
	h := a.holding(asset)
	h.free = h.free.Add(amount)
	x.deposited[asset] = x.deposited[asset].Add(amount)
	a.changed[asset] = true
	x.emitBalancesLocked(a)
	return nil
}

// Balances returns an account's balances, sorted by asset, including zeros
// for assets it has held.
func (x *Exchange) Balances(account string) []exchange.Balance {
	x.mu.Lock()
	defer x.mu.Unlock()
	a, ok := x.accounts[account]
	if !ok {
		return nil
	}
	out := make([]exchange.Balance, 0, len(a.bal))
	for asset := range a.bal {
		out = append(out, a.balance(asset))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Asset < out[j].Asset })
	return out
}

// Balance returns one asset of one account (zero when never held).
func (x *Exchange) Balance(account, asset string) exchange.Balance {
	x.mu.Lock()
	defer x.mu.Unlock()
	a, ok := x.accounts[account]
	if !ok {
		return exchange.Balance{Asset: asset}
	}
	h, ok := a.bal[asset]
	if !ok {
		return exchange.Balance{Asset: asset}
	}
	return exchange.Balance{Asset: asset, Free: h.free, Locked: h.locked}
}

// Counterparty returns the synthetic counterparty's holdings of an asset. It
// starts at zero and goes negative when it has sold what it never had: the
// market outside the simulation.
func (x *Exchange) Counterparty(asset string) decimal.Decimal {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.counter[asset]
}

// Deposited is the total ever deposited of an asset.
func (x *Exchange) Deposited(asset string) decimal.Decimal {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.deposited[asset]
}

// Supply sums an asset over every account (free and locked) and the
// counterparty. Trading moves money and never creates it, so Supply always
// equals Deposited.
func (x *Exchange) Supply(asset string) decimal.Decimal {
	x.mu.Lock()
	defer x.mu.Unlock()
	sum := x.counter[asset]
	for _, a := range x.accounts {
		if h, ok := a.bal[asset]; ok {
			sum = sum.Add(h.free).Add(h.locked)
		}
	}
	return sum
}

func (x *Exchange) lockLocked(a *account, asset string, amt decimal.Decimal) bool {
	h := a.holding(asset)
	if h.free.LessThan(amt) {
		return false
	}
	h.free = h.free.Sub(amt)
	h.locked = h.locked.Add(amt)
	a.changed[asset] = true
	return true
}

func (x *Exchange) unlockLocked(a *account, asset string, amt decimal.Decimal) {
	if amt.IsZero() {
		return
	}
	h := a.holding(asset)
	h.locked = h.locked.Sub(amt)
	h.free = h.free.Add(amt)
	a.changed[asset] = true
}

// payLocked moves amt of asset from the account to the counterparty, out of
// locked funds when fromLocked, else out of free funds.
func (x *Exchange) payLocked(a *account, asset string, amt decimal.Decimal, fromLocked bool) {
	h := a.holding(asset)
	if fromLocked {
		h.locked = h.locked.Sub(amt)
	} else {
		h.free = h.free.Sub(amt)
	}
	x.counter[asset] = x.counter[asset].Add(amt)
	a.changed[asset] = true
}

// receiveLocked moves amt from the counterparty to the account's free funds.
func (x *Exchange) receiveLocked(a *account, asset string, amt decimal.Decimal) {
	h := a.holding(asset)
	h.free = h.free.Add(amt)
	x.counter[asset] = x.counter[asset].Sub(amt)
	a.changed[asset] = true
}
