package krakentest

import (
	"crypto/sha512"
	"encoding/base64"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// Kit is this fake for venue-neutral tests.
func Kit() simhttp.Kit {
	return simhttp.Kit{Venue: "kraken", Symbol: "XBTUSDT",
		Place: "POST /0/private/AddOrder", Cancel: "POST /0/private/CancelOrder", Start: startKit}
}

// KitSecret is a base64 secret derived from seed, as Kraken's look (64
// bytes), the same on every run: not a secret.
func KitSecret(seed string) string {
	sum := sha512.Sum512([]byte(seed))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func startKit(cfg simhttp.KitConfig) *simhttp.KitFake {
	opts := []Option{WithSim(cfg.Sim), WithClientIP(cfg.ClientIP)}
	if cfg.Unlimited {
		opts = append(opts, WithTier("unlimited"))
	}
	s := New(opts...)
	return &simhttp.KitFake{
		Handler: s, WSPath: WSPath, Sim: s.Sim(), Close: s.Close,
		AddKey: func(account string) (string, string, map[string]string) {
			id, secret := simhttp.KitKey(account, 56), KitSecret(account+" secret")
			if err := s.AddKey(id, secret, TradePerms(account)); err != nil {
				panic(err) // KitSecret is base64
			}
			return id, secret, nil
		},
		Orders: func(account string) []exchange.Order {
			return simhttp.Reported(s.Sim(), account, func(o exchange.Order) exchange.OrderStatus { return kitStatuses[statusOf(o)](o) })
		},
		Accepted: func(op string) int {
			return s.CountAccepted(op, func(r simhttp.Record[string]) bool { return r.Status == 200 && r.Code == "" })
		},
	}
}

// kitStatuses reads back what statusOf writes, as the client does.
var kitStatuses = map[string]func(exchange.Order) exchange.OrderStatus{
	"open": func(o exchange.Order) exchange.OrderStatus {
		if o.Filled.IsPositive() {
			return exchange.StatusPartiallyFilled
		}
		return exchange.StatusNew
	},
	"closed":   func(exchange.Order) exchange.OrderStatus { return exchange.StatusFilled },
	"canceled": func(exchange.Order) exchange.OrderStatus { return exchange.StatusCanceled },
	"expired":  func(exchange.Order) exchange.OrderStatus { return exchange.StatusExpired },
}
