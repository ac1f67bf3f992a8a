package sim

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Leg is the delay of one direction of a round trip: Mean ± Jitter,
// uniformly.
type Leg struct {
	Mean   time.Duration
	Jitter time.Duration
}

// LatencyConfig sets both legs separately, so a clock estimator can be tested
// against an asymmetric path (its midpoint assumption is then wrong by half
// the difference).
type LatencyConfig struct {
	Request  Leg // client to server: before the server reads its clock
	Response Leg // server to client: after
}

type latency struct {
	mu   sync.Mutex
	rnd  *rand.Rand
	conf LatencyConfig
}

func (l *latency) init(seed uint64) { l.rnd = rand.New(rand.NewPCG(seed, 0x1a7e0002)) }

func (l *latency) draw(g Leg) time.Duration {
	d := g.Mean
	if g.Jitter > 0 {
		d += time.Duration(l.rnd.Int64N(int64(2*g.Jitter)+1)) - g.Jitter
	}
	return max(d, 0)
}

// SetLatency sets the delays Latency hands out; the zero config means none.
func (x *Exchange) SetLatency(c LatencyConfig) {
	x.lat.mu.Lock()
	defer x.lat.mu.Unlock()
	x.lat.conf = c
}

// Latency draws the delays for one round trip: a fake sleeps request before
// handling (and reading the server clock) and response before answering.
func (x *Exchange) Latency() (request, response time.Duration) {
	x.lat.mu.Lock()
	defer x.lat.mu.Unlock()
	return x.lat.draw(x.lat.conf.Request), x.lat.draw(x.lat.conf.Response)
}
