package kraken

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// holdBook keeps what open orders held per asset at the latest BalanceEx.
// The balances channel says an asset's new balance after each ledger
// entry but never what orders hold, so a balance from the stream is split
// into free and locked with the hold REST last reported.
type holdBook struct {
	mu   sync.Mutex
	held map[string]decimal.Decimal
}

func (h *holdBook) set(bals []exchange.Balance) {
	m := make(map[string]decimal.Decimal, len(bals))
	for _, b := range bals {
		m[b.Asset] = b.Locked
	}
	h.mu.Lock()
	h.held = m
	h.mu.Unlock()
}

// split is total as free and locked: the hold, capped at total, since an
// order that filled since the hold was read cannot hold more than is left.
func (h *holdBook) split(asset string, total decimal.Decimal) exchange.Balance {
	h.mu.Lock()
	held := h.held[asset]
	h.mu.Unlock()
	if held.GreaterThan(total) {
		held = total
	}
	if held.IsNegative() {
		held = decimal.Zero
	}
	return exchange.Balance{Asset: asset, Free: total.Sub(held), Locked: held}
}

// wireBalance is one entry of the balances channel: a snapshot lists an
// asset's wallets, an update is one ledger entry with the wallet's balance
// after it.
type wireBalance struct {
	Asset      string       `json:"asset"`
	Balance    *json.Number `json:"balance"`
	WalletType string       `json:"wallet_type"`
	Wallets    []struct {
		Type    string       `json:"type"`
		Balance *json.Number `json:"balance"`
	} `json:"wallets"`
	Timestamp string `json:"timestamp"`
}

// decodeBalances reads a balances message. Only the spot wallet counts:
// earn and other wallets are not tradable funds, as BalanceEx's staked
// codes (XBT.F) are skipped. Of several entries for one asset in one
// message, the last is the asset's balance now.
func (c *Client) decodeBalances(raw json.RawMessage, snapshot bool) ([]exchange.StreamEvent, error) {
	var list []wireBalance
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("balances: %w", err)
	}
	totals := map[string]decimal.Decimal{}
	var order []string
	var at time.Time
	for _, w := range list {
		if w.Asset == "" || strings.Contains(w.Asset, ".") {
			continue
		}
		var total decimal.Decimal
		switch {
		case snapshot && len(w.Wallets) > 0:
			for _, wl := range w.Wallets {
				if wl.Type != "spot" {
					continue
				}
				v, err := numDec("balances "+w.Asset, wl.Balance)
				if err != nil {
					return nil, err
				}
				total = total.Add(v)
			}
		case !snapshot && w.WalletType != "" && w.WalletType != "spot":
			continue
		default:
			if w.Balance == nil {
				return nil, fmt.Errorf("balances %s: no balance", w.Asset)
			}
			v, err := numDec("balances "+w.Asset, w.Balance)
			if err != nil {
				return nil, err
			}
			total = v
		}
		if total.IsNegative() {
			return nil, fmt.Errorf("balances %s: negative balance %s", w.Asset, total)
		}
		asset := Asset(w.Asset)
		if _, ok := totals[asset]; !ok {
			order = append(order, asset)
		}
		totals[asset] = total
		if ts, err := time.Parse(time.RFC3339Nano, w.Timestamp); err == nil && ts.After(at) {
			at = ts
		}
	}
	if len(order) == 0 {
		return nil, nil
	}
	if at.IsZero() && c.clock != nil {
		// A snapshot carries no time: it is the state as of now.
		at = c.clock.ServerNow()
	}
	bals := make([]exchange.Balance, 0, len(order))
	for _, a := range order {
		bals = append(bals, c.holds.split(a, totals[a]))
	}
	return []exchange.StreamEvent{{Account: c.info.Name, Balances: bals, Time: at, Snapshot: snapshot}}, nil
}
