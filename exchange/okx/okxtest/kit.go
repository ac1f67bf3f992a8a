package okxtest

import (
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// Kit is this fake for venue-neutral tests: demo trading, keys with an API
// passphrase (the vault's "passphrase" field).
func Kit() simhttp.Kit {
	return simhttp.Kit{Venue: "okx", Symbol: "BTC-USDT",
		Place: "POST /api/v5/trade/order", Cancel: "POST /api/v5/trade/cancel-order", Start: startKit}
}

func startKit(cfg simhttp.KitConfig) *simhttp.KitFake {
	opts := []Option{WithSim(cfg.Sim), WithClientIP(cfg.ClientIP)}
	if cfg.Unlimited {
		opts = append(opts, WithLimits(Limits{Window: DefaultLimits().Window}))
	}
	s := New(opts...)
	return &simhttp.KitFake{
		Handler: s, WSPath: WSPath, Sim: s.Sim(), Close: s.Close,
		AddKey: func(account string) (string, string, map[string]string) {
			id := simhttp.KitKey(account, 32)
			id = id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
			secret, pass := simhttp.KitKey(account+" secret", 32), simhttp.KitKey(account+" passphrase", 16)
			s.AddKey(id, secret, pass, TradePerms(account))
			return id, secret, map[string]string{"passphrase": pass}
		},
		Orders: func(account string) []exchange.Order {
			return simhttp.Reported(s.Sim(), account, func(o exchange.Order) exchange.OrderStatus { return kitStates[stateOf(o.Status)] })
		},
		Accepted: func(op string) int {
			return s.CountAccepted(op, func(r simhttp.Record[string]) bool { return r.Status == 200 && r.Code == "0" })
		},
	}
}

// kitStates reads back what stateOf writes.
var kitStates = map[string]exchange.OrderStatus{
	"live": exchange.StatusNew, "partially_filled": exchange.StatusPartiallyFilled,
	"filled": exchange.StatusFilled, "canceled": exchange.StatusCanceled,
}
