package deribit

import (
	"encoding/json"
	"math"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// Deribit counts requests in credit pools per sub-account: each request
// spends credits, which refill at a steady rate up to a cap. Spending the
// last credit costs more than a refusal (10028 too_many_requests ends the
// session), so the pools are ShapeCredits buckets: Background callers
// (the cockpit's polls) stop at a quarter of the cap, Interactive ones at
// an eighth, and only orders and cancels go lower.
//
// Until get_account_summary reports the account's limits, the defaults
// are Deribit's published tier-free figures: non-matching-engine requests
// cost 500 credits from 50 000 refilled at 10 000/s (20 a second, bursts
// of 100); matching-engine requests (buy, sell, edit, cancel) 5 a second
// with bursts of 20.
const (
	creditsPerRequest = 500
	defaultRate       = 20
	defaultBurst      = 100
	defaultOrderRate  = 5
	defaultOrderBurst = 20

	bucketCredits  = "credits"
	bucketMatching = "matching engine"
)

type credits struct {
	*exchange.Budget
	mu       sync.Mutex
	reported bool
	now      func() time.Time
}

func newCredits(account string, now func() time.Time) *credits {
	c := &credits{Budget: exchange.NewBudget(account, now), now: now}
	c.SetLimits(creditLimit(defaultRate, defaultBurst), orderLimit(defaultOrderRate, defaultOrderBurst))
	return c
}

func creditLimit(rate, burst float64) exchange.Limit {
	return exchange.Limit{Name: bucketCredits, Kind: exchange.LimitWeight, Shape: exchange.ShapeCredits,
		Limit: int(burst * creditsPerRequest), Rate: rate * creditsPerRequest}
}

func orderLimit(rate, burst float64) exchange.Limit {
	return exchange.Limit{Name: bucketMatching, Kind: exchange.LimitOrders, Shape: exchange.ShapeCredits,
		Limit: int(burst), Rate: rate}
}

// request is one non-matching-engine request.
func (c *credits) request(p exchange.Priority) exchange.Cost {
	return exchange.Cost{Weight: creditsPerRequest, Priority: p}
}

// order is one matching-engine request (buy, sell, cancel).
func (c *credits) order() exchange.Cost {
	return exchange.Cost{Orders: 1, Priority: exchange.Trading}
}

// refill is how long until a spent pool has credits for a few requests
// again: how long to hold the account after a 10028.
func (c *credits) refill(matching bool) time.Duration {
	for _, b := range c.Snapshot().Buckets {
		if (b.Name == bucketMatching) != matching || b.Rate <= 0 {
			continue
		}
		per := float64(creditsPerRequest)
		if matching {
			per = 1
		}
		return time.Duration(math.Ceil(4 * per / b.Rate * float64(time.Second)))
	}
	return time.Second
}

// spent tells a pool Deribit says it is empty.
func (c *credits) spent(matching bool) {
	name := bucketCredits
	if matching {
		name = bucketMatching
	}
	for _, b := range c.Snapshot().Buckets {
		if b.Name == name {
			c.ObserveLevel(name, float64(b.Limit), c.now())
		}
	}
}

// rateBurst is one of the shapes a limits object gives a pool in.
type rateBurst struct {
	Rate  *float64 `json:"rate"`
	Burst *float64 `json:"burst"`
}

// report takes the limits get_account_summary reports. Their shape has
// changed over the API's versions, so each is read if it is there:
// {"non_matching_engine":{"rate":20,"burst":100},"matching_engine":{"rate":5,"burst":20}};
// the flat {"non_matching_engine":200,"non_matching_engine_burst":300};
// and matching_engine nested per kind of order
// ({"trading":{"total":{"rate":…,"burst":…}}}). What cannot be read keeps
// the figures counted with so far.
func (c *credits) report(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return false
	}
	pool := func(key string) (rate, burst float64, ok bool) {
		v, there := m[key]
		if !there {
			return 0, 0, false
		}
		var rb rateBurst
		if json.Unmarshal(v, &rb) == nil && rb.Rate != nil && rb.Burst != nil {
			return *rb.Rate, *rb.Burst, *rb.Rate > 0 && *rb.Burst > 0
		}
		var nested struct {
			Trading struct {
				Total rateBurst `json:"total"`
			} `json:"trading"`
		}
		if json.Unmarshal(v, &nested) == nil && nested.Trading.Total.Rate != nil && nested.Trading.Total.Burst != nil {
			r, b := *nested.Trading.Total.Rate, *nested.Trading.Total.Burst
			return r, b, r > 0 && b > 0
		}
		var flat float64
		if json.Unmarshal(v, &flat) == nil && flat > 0 {
			var b float64
			if bv, ok := m[key+"_burst"]; ok && json.Unmarshal(bv, &b) == nil && b > 0 {
				return flat, b, true
			}
		}
		return 0, 0, false
	}
	var limits []exchange.Limit
	if r, b, ok := pool("non_matching_engine"); ok {
		limits = append(limits, creditLimit(r, b))
	}
	if r, b, ok := pool("matching_engine"); ok {
		limits = append(limits, orderLimit(r, b))
	}
	for _, l := range limits {
		c.AddLimit(l)
	}
	if len(limits) > 0 {
		c.mu.Lock()
		c.reported = true
		c.mu.Unlock()
	}
	return len(limits) > 0
}

// Reported says whether the pools' sizes came from the venue.
func (c *credits) Reported() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reported
}
