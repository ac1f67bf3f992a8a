package krakentest

import "time"

// decay is a counter that each action raises and that falls at rate per
// second, as Kraken counts calls per key and order actions per pair.
type decay struct {
	level float64
	at    time.Time
}

// take adds n if that keeps the counter at or below max.
func (d *decay) take(now time.Time, n, max, rate float64) bool {
	if !d.at.IsZero() {
		d.level = max0(d.level - now.Sub(d.at).Seconds()*rate)
	}
	d.at = now
	if d.level+n > max {
		return false
	}
	d.level += n
	return true
}

func max0(x float64) float64 {
	if x < 0 {
		return 0
	}
	return x
}

type tierLimits struct {
	calls, callDecay, orders, orderDecay float64
	maxRateCount                         int
}

var tiers = map[string]tierLimits{
	"starter":      {calls: 15, callDecay: 1.0 / 3, orders: 60, orderDecay: 1, maxRateCount: 60},
	"intermediate": {calls: 20, callDecay: 0.5, orders: 125, orderDecay: 2.34, maxRateCount: 125},
	"pro":          {calls: 20, callDecay: 1, orders: 180, orderDecay: 3.75, maxRateCount: 180},
	"unlimited":    {calls: 1e9, callDecay: 1e9, orders: 1e9, orderDecay: 1e9, maxRateCount: 180},
}

// pairLevel is account's trading counter on pair now.
func (s *Server) pairLevel(account, pair string) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.pairs[account+"|"+pair]
	if d == nil {
		return 0
	}
	d.take(s.sim.Now(), 0, 1e18, s.limits().orderDecay)
	return d.level
}

func (s *Server) limits() tierLimits {
	if l, ok := tiers[s.tier]; ok {
		return l
	}
	return tiers["intermediate"]
}

// cancelPenalty is the trading counter's charge for cancelling an order
// aged age.
func cancelPenalty(age time.Duration) float64 {
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
