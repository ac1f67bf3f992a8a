package kraken

import (
	"fmt"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// Tier is a Kraken account's verification tier: it sets how fast the
// counters decay and how high the trading counter may go.
type Tier string

const (
	TierStarter      Tier = "starter"
	TierIntermediate Tier = "intermediate"
	TierPro          Tier = "pro"
)

// ParseTier reads a tier as a config spells it.
func ParseTier(s string) (Tier, error) {
	switch t := Tier(s); t {
	case TierStarter, TierIntermediate, TierPro:
		return t, nil
	case "":
		return TierIntermediate, nil
	}
	return "", fmt.Errorf("kraken: tier %q (allowed: starter, intermediate, pro)", s)
}

// tierLimits are Kraken's published figures (docs.kraken.com, Spot REST
// rate limits and Spot trading limits): the REST call counter (max, decay
// per second: Starter 15, −0.33/s, which the shared notes had dropped) and
// the per-pair trading counter (threshold, decay per second).
type tierLimits struct {
	calls      int
	callDecay  float64
	orders     int
	orderDecay float64
}

var tiers = map[Tier]tierLimits{
	TierStarter:      {calls: 15, callDecay: 1.0 / 3, orders: 60, orderDecay: 1},
	TierIntermediate: {calls: 20, callDecay: 0.5, orders: 125, orderDecay: 2.34},
	TierPro:          {calls: 20, callDecay: 1, orders: 180, orderDecay: 3.75},
}

// TierOfMaxRateCount is the tier whose trading threshold the stream's
// subscribe ack reports (maxratecount).
func TierOfMaxRateCount(n int) (Tier, bool) {
	for t, l := range tiers {
		if l.orders == n {
			return t, true
		}
	}
	return "", false
}

// callsName is the call counter's bucket: it names the tier counted with,
// marked '?' until Kraken has revealed it (the config's, or the default).
func callsName(t Tier, revealed bool) string {
	if revealed {
		return "calls:" + string(t)
	}
	return "calls:" + string(t) + "?"
}

func pairBucket(pair string) string { return "orders:" + pair }

// rates is the account's budget: the key's call counter, which every
// private call but order entry raises by one, and a trading counter per
// pair, added when a pair is first traded.
type rates struct {
	*exchange.Budget
	mu    sync.Mutex
	tier  Tier
	pairs map[string]bool
	now   func() time.Time
	// revealed says the tier came from the venue, not the config.
	revealed bool
}

func newRates(account string, now func() time.Time, tier Tier) *rates {
	if _, ok := tiers[tier]; !ok {
		tier = TierIntermediate
	}
	r := &rates{Budget: exchange.NewBudget(account, now), tier: tier, pairs: map[string]bool{}, now: now}
	r.AddLimit(r.callLimit())
	return r
}

func (r *rates) callLimit() exchange.Limit {
	l := tiers[r.tier]
	return exchange.Limit{Name: callsName(r.tier, r.revealed), Kind: exchange.LimitWeight, Limit: l.calls, Shape: exchange.ShapeDecay, Rate: l.callDecay}
}

func (r *rates) pairLimit(pair string) exchange.Limit {
	l := tiers[r.tier]
	return exchange.Limit{Name: pairBucket(pair), Kind: exchange.LimitOrders, Limit: l.orders, Shape: exchange.ShapeDecay, Rate: l.orderDecay, Scope: pair}
}

// Tier is the tier counted with, and whether the venue revealed it.
func (r *rates) Tier() (Tier, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tier, r.revealed
}

// reveal takes the tier the venue reported.
func (r *rates) reveal(t Tier) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.revealed && t == r.tier {
		return
	}
	r.revealed, r.tier = true, t
	limits := []exchange.Limit{r.callLimit()}
	for p := range r.pairs {
		limits = append(limits, r.pairLimit(p))
	}
	r.SetLimits(limits...)
}

// public costs nothing on the key's counter (public calls count per IP).
func (r *rates) public() exchange.Cost {
	return exchange.Cost{Priority: exchange.Background}
}

// private is one call on the key's counter.
func (r *rates) private(p exchange.Priority) exchange.Cost {
	return exchange.Cost{Weight: 1, Priority: p}
}

// trade is an order action on pair: n on the pair's trading counter and
// nothing on the call counter (AddOrder and CancelOrder do not count
// there).
func (r *rates) trade(pair string, n int) exchange.Cost {
	r.mu.Lock()
	if !r.pairs[pair] {
		r.pairs[pair] = true
		r.EnsureLimit(r.pairLimit(pair))
	}
	r.mu.Unlock()
	return exchange.Cost{Orders: n, Priority: exchange.Trading, Scope: pair}
}

// observePair takes the pair's trading counter as the stream reported it.
func (r *rates) observePair(pair string, level float64) {
	r.trade(pair, 0) // the bucket, if the pair was not traded here yet
	r.ObserveLevel(pairBucket(pair), level, r.now())
}

// cancelCost is Kraken's penalty for cancelling an order aged age: +8
// under 5 s down to +1 under 300 s, none after.
func cancelCost(age time.Duration) int {
	switch {
	case age < 5*time.Second:
		return 8
	case age < 10*time.Second:
		return 6
	case age < 15*time.Second:
		return 5
	case age < 45*time.Second:
		return 4
	case age < 90*time.Second:
		return 2
	case age < 300*time.Second:
		return 1
	}
	return 0
}

// refill is how long a full counter takes to fall by a few calls or
// orders: how long to hold the account after Kraken said it is full.
func (r *rates) refill(orders bool) time.Duration {
	r.mu.Lock()
	l := tiers[r.tier]
	r.mu.Unlock()
	decay := l.callDecay
	if orders {
		decay = l.orderDecay
	}
	return time.Duration(4 / decay * float64(time.Second))
}

// full tells the call counter Kraken says it is at its limit.
func (r *rates) full(orders bool) {
	if orders {
		return // the pair is not named in the refusal
	}
	r.mu.Lock()
	l, name := tiers[r.tier], callsName(r.tier, r.revealed)
	r.mu.Unlock()
	r.ObserveLevel(name, float64(l.calls), r.now())
}
