package binance

import (
	"context"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// BalancesAsOf is Balances with the account's updateTime, so a snapshot
// can be ordered against outboundAccountPosition events (whose u is the
// same clock): an event older than the snapshot is not applied over it.
func (c *Client) BalancesAsOf(ctx context.Context) ([]exchange.Balance, time.Time, error) {
	var p params
	p.add("omitZeroBalances", "true")
	sent := c.clock.ServerNow()
	var out struct {
		accountResp
		UpdateTime int64 `json:"updateTime"`
	}
	if err := c.do(ctx, &call{ep: epAccount, p: p, out: &out, ec: c.errCtx()}); err != nil {
		return nil, time.Time{}, err
	}
	bals := make([]exchange.Balance, 0, len(out.Balances))
	for _, b := range out.Balances {
		if b.Free.IsZero() && b.Locked.IsZero() {
			continue
		}
		bals = append(bals, exchange.Balance{Asset: b.Asset, Free: b.Free, Locked: b.Locked})
	}
	at := time.UnixMilli(out.UpdateTime)
	if out.UpdateTime <= 0 {
		// Without it, the estimated server time at sending is a lower
		// bound of the snapshot's time.
		at = sent
	}
	return bals, at, nil
}

var _ exchange.BalancesAsOf = (*Client)(nil)
