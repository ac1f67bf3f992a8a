package hyperliquidtest

import (
	"slices"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// Kit is this fake for venue-neutral tests. Every action is a POST to
// /exchange, so Place and Cancel name the same request; Accepted counts
// the orders the fake accepted, for either.
func Kit() simhttp.Kit {
	return simhttp.Kit{Venue: "hyperliquid", Symbol: "BTC", Place: opExchange, Cancel: opExchange, Start: startKit}
}

// KitKey is a wallet key derived from seed, the same on every run: not a
// secret.
func KitKey(seed string) string { return "0x" + simhttp.KitKey(seed, 64) }

func startKit(cfg simhttp.KitConfig) *simhttp.KitFake {
	opts := []Option{WithSim(cfg.Sim), WithClientIP(cfg.ClientIP)}
	if cfg.Unlimited {
		opts = append(opts, Unlimited())
	}
	s := New(opts...)
	return &simhttp.KitFake{
		Handler: s, WSPath: WSPath, Sim: s.Sim(), Close: s.Close,
		// The key id is the account's address; the secret the key of an
		// agent the account approved. The account gets USDC too, as an
		// account must have deposited before it may act, and the
		// venue-neutral tests fund USDT.
		AddKey: func(account string) (string, string, map[string]string) {
			addr := Address(KitKey(account + " master"))
			s.AddAccount(account, addr)
			agent := KitKey(account + " agent")
			s.ApproveAgent(account, Address(agent), "kit", s.Sim().Now().AddDate(1, 0, 0))
			if err := s.Sim().Deposit(account, "USDC", decimal.NewFromInt(100_000_000)); err != nil {
				panic(err)
			}
			return addr, agent, nil
		},
		// An IOC that matched nothing is refused in the answer to its
		// order action, with no oid, so a journal may know it by its cloid
		// alone: the list leaves it out, as the venue's open and filled
		// orders do.
		Orders: func(account string) []exchange.Order {
			all := simhttp.Reported(s.Sim(), account, func(o exchange.Order) exchange.OrderStatus { return kitStatuses[statusOf(o)](o) })
			return slices.DeleteFunc(all, func(o exchange.Order) bool { return o.Status == exchange.StatusExpired && o.Filled.IsZero() })
		},
		Accepted: func(op string) int {
			if op != opExchange {
				return 0
			}
			return s.Placed()
		},
	}
}

// kitStatuses read back what statusOf writes, as the client does.
var kitStatuses = map[string]func(exchange.Order) exchange.OrderStatus{
	"open": func(o exchange.Order) exchange.OrderStatus {
		if o.Filled.IsPositive() {
			return exchange.StatusPartiallyFilled
		}
		return exchange.StatusNew
	},
	"filled": func(exchange.Order) exchange.OrderStatus { return exchange.StatusFilled },
	// Left out of the list (see Orders): the status the sim keeps.
	"iocCancelRejected": func(exchange.Order) exchange.OrderStatus { return exchange.StatusExpired },
	"canceled":          func(exchange.Order) exchange.OrderStatus { return exchange.StatusCanceled },
	"rejected":          func(exchange.Order) exchange.OrderStatus { return exchange.StatusRejected },
}
