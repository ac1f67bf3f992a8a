package bybittest

import (
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// Kit is this fake for venue-neutral tests: the testnet, HMAC keys.
func Kit() simhttp.Kit {
	return simhttp.Kit{Venue: "bybit", Symbol: "BTCUSDT",
		Place: "POST /v5/order/create", Cancel: "POST /v5/order/cancel", Start: startKit}
}

func startKit(cfg simhttp.KitConfig) *simhttp.KitFake {
	opts := []Option{WithSim(cfg.Sim), WithClientIP(cfg.ClientIP)}
	if cfg.Unlimited {
		const n = 1_000_000
		opts = append(opts, WithLimits(Limits{Window: DefaultLimits().Window,
			Create: n, Cancel: n, Realtime: n, History: n, WalletBalance: n, QueryAPI: n}))
	}
	s := New(opts...)
	return &simhttp.KitFake{
		Handler: s, WSPath: WSPath, Sim: s.Sim(), Close: s.Close,
		AddKey: func(account string) (string, string, map[string]string) {
			id, secret := simhttp.KitKey(account, 18), simhttp.KitKey(account+" secret", 36)
			s.AddKey(id, secret, TradePerms(account))
			return id, secret, nil
		},
		Orders: func(account string) []exchange.Order {
			return simhttp.Reported(s.Sim(), account, func(o exchange.Order) exchange.OrderStatus { return kitStatuses[statusOf(o)] })
		},
		Accepted: func(op string) int {
			return s.CountAccepted(op, func(r simhttp.Record[int]) bool { return r.Status == 200 && r.Code == 0 })
		},
	}
}

// kitStatuses reads back what statusOf writes.
var kitStatuses = map[string]exchange.OrderStatus{
	"New": exchange.StatusNew, "PartiallyFilled": exchange.StatusPartiallyFilled,
	"Filled": exchange.StatusFilled, "Rejected": exchange.StatusRejected,
	"PartiallyFilledCanceled": exchange.StatusCanceled, "Cancelled": exchange.StatusCanceled,
}
