package deribittest

import (
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// Kit is this fake for venue-neutral tests. The kit's symbol is settled
// in USDC: a key it adds comes with USDC to trade it.
func Kit() simhttp.Kit {
	return simhttp.Kit{Venue: "deribit", Symbol: "BTC_USDC-PERPETUAL",
		Place: "POST " + APIPath + "private/buy", Cancel: "POST " + APIPath + "private/cancel", Start: startKit}
}

// KitFunds is what a kit key's account starts with in USDC.
var KitFunds = decimal.NewFromInt(100_000_000)

func startKit(cfg simhttp.KitConfig) *simhttp.KitFake {
	opts := []Option{WithSim(cfg.Sim), WithClientIP(cfg.ClientIP)}
	if cfg.Unlimited {
		opts = append(opts, Unlimited())
	}
	s := New(opts...)
	return &simhttp.KitFake{
		Handler: s, WSPath: WSPath, Sim: s.Sim(), Close: s.Close,
		AddKey: func(account string) (string, string, map[string]string) {
			id, secret := simhttp.KitKey(account, 8), simhttp.KitKey(account+" secret", 43)
			s.AddKey(id, secret, TradePerms(account))
			if err := s.Sim().Deposit(account, "USDC", KitFunds); err != nil {
				panic(err) // a positive amount
			}
			return id, secret, nil
		},
		Orders: func(account string) []exchange.Order {
			os := s.orders(account)
			for i := range os {
				os[i].Status = statusOf(os[i])
			}
			return os
		},
		Accepted: func(op string) int {
			return s.CountAccepted(op, func(r simhttp.Record[int]) bool { return r.Status == 200 && r.Code == 0 })
		},
	}
}
