package coinbasetest

import (
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// Kit is this fake for venue-neutral tests. Its keys are ES256 CDP keys:
// the secret is the PEM block, as `vigil keys add` stores it.
func Kit() simhttp.Kit {
	return simhttp.Kit{Venue: "coinbase", Symbol: BTC,
		Place: "POST " + Prefix + "/orders", Cancel: "POST " + Prefix + "/orders/batch_cancel", Start: startKit}
}

func startKit(cfg simhttp.KitConfig) *simhttp.KitFake {
	opts := []Option{WithSim(cfg.Sim), WithClientIP(cfg.ClientIP)}
	if cfg.Unlimited {
		opts = append(opts, Unlimited())
	}
	s := New(opts...)
	return &simhttp.KitFake{
		Handler: s, WSPath: WSPath, Sim: s.Sim(), Close: s.Close,
		AddKey: func(account string) (string, string, map[string]string) {
			name, secret, err := KeyFor("kit "+account, exchange.SchemeES256)
			if err == nil {
				err = s.AddKey(name, exchange.SchemeES256, secret, Perms{Account: account})
			}
			if err != nil {
				panic(err) // KeyFor makes keys AddKey reads
			}
			return name, secret, nil
		},
		Orders: func(account string) []exchange.Order {
			return simhttp.Reported(s.Sim(), account, func(o exchange.Order) exchange.OrderStatus { return kitStatuses[StatusName(o)](o) })
		},
		Accepted: func(op string) int {
			return s.CountAccepted(op, func(r simhttp.Record[string]) bool { return r.Status == 200 && r.Code == "" })
		},
	}
}

// kitStatuses reads back what StatusName writes, as the client does.
var kitStatuses = map[string]func(exchange.Order) exchange.OrderStatus{
	"OPEN": func(o exchange.Order) exchange.OrderStatus {
		if o.Filled.IsPositive() {
			return exchange.StatusPartiallyFilled
		}
		return exchange.StatusNew
	},
	"FILLED":    func(exchange.Order) exchange.OrderStatus { return exchange.StatusFilled },
	"CANCELLED": func(exchange.Order) exchange.OrderStatus { return exchange.StatusCanceled },
	"EXPIRED":   func(exchange.Order) exchange.OrderStatus { return exchange.StatusExpired },
	"FAILED":    func(exchange.Order) exchange.OrderStatus { return exchange.StatusRejected },
	"PENDING":   func(exchange.Order) exchange.OrderStatus { return exchange.StatusNew },
}
