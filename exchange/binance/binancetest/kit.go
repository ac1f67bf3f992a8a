package binancetest

import (
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// Kit is this fake for venue-neutral tests: the testnet, HMAC keys.
func Kit() simhttp.Kit {
	return simhttp.Kit{Venue: "binance", Symbol: "BTCUSDT",
		Place: "POST /api/v3/order", Cancel: "DELETE /api/v3/order", Start: startKit}
}

func startKit(cfg simhttp.KitConfig) *simhttp.KitFake {
	opts := []Option{WithSim(cfg.Sim), WithClientIP(cfg.ClientIP)}
	if cfg.Unlimited {
		l := DefaultRateLimits()
		l.OrdersPer10s, l.OrdersPerDay, l.WeightPerMinute, l.RawPer5m = 1e6, 1e6, 1e6, 1e6
		opts = append(opts, WithRateLimits(l))
	}
	s := New(opts...)
	return &simhttp.KitFake{
		Handler: s, WSPath: WSPath, Sim: s.Sim(), Close: s.Close,
		AddKey: func(account string) (string, string, map[string]string) {
			id, secret := simhttp.KitKey(account, 64), simhttp.KitKey(account+" secret", 64)
			s.AddHMACKey(id, secret, TradePerms(account))
			return id, secret, nil
		},
		// Binance's statuses are the sim's.
		Orders: s.Sim().Orders,
		Accepted: func(op string) int {
			return s.CountAccepted(op, func(r simhttp.Record[int]) bool { return r.Status >= 200 && r.Status < 300 })
		},
	}
}
