package sim

import (
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// FaultKind is a venue-neutral misbehaviour; each fake decides how its venue
// would show it on the wire.
type FaultKind int

const (
	// Fault5xx: a gateway or backend error; the operation's outcome is
	// unknown to the client (and applied when Fault.Apply is set).
	Fault5xx FaultKind = iota + 1
	// FaultRateLimit: refuse as over the rate limit, as if other clients on
	// the same IP had used the budget; fakes escalate repeats as the venue
	// does (a throttle first, then a ban for clients that keep sending).
	FaultRateLimit
	// FaultDropAfterAccept: apply the operation, then drop the connection
	// without answering.
	FaultDropAfterAccept
	// FaultSlow: answer normally after Fault.Delay.
	FaultSlow
	// FaultHang: never answer; the request ends only when the client gives
	// up (its context ends) or the server closes.
	FaultHang
	// FaultGarbage: answer 200 with a malformed body.
	FaultGarbage
)

func (k FaultKind) String() string {
	switch k {
	case Fault5xx:
		return "5xx"
	case FaultRateLimit:
		return "rate-limit"
	case FaultDropAfterAccept:
		return "drop-after-accept"
	case FaultSlow:
		return "slow"
	case FaultHang:
		return "hang"
	case FaultGarbage:
		return "garbage"
	}
	return "none"
}

// Fault is one scheduled misbehaviour.
type Fault struct {
	Kind FaultKind
	// Op matches operation names as the fake spells them (e.g.
	// "POST /api/v3/order"): "" or "*" matches all, a trailing "*" matches
	// a prefix, anything else matches exactly.
	Op string
	// Times is how often the fault fires before it is used up; 0: every
	// time until removed.
	Times int
	// Prob is the chance that a matching operation draws the fault; 0
	// means always.
	Prob float64 // ratio in [0, 1]
	// Delay for FaultSlow.
	Delay time.Duration
	// Status picks the flavour of a Fault5xx (e.g. 502 or 503); 0: the
	// fake's default.
	Status int
	// Apply makes a Fault5xx happen after the operation was applied, so
	// the client cannot tell from the answer whether it was.
	Apply bool
}

type faultRule struct {
	id   int
	f    Fault
	left int // for Times > 0
}

// Faults is a schedule of faults, safe for concurrent use. Fakes call Take
// once per request.
type Faults struct {
	mu     sync.Mutex
	rnd    *rand.Rand
	rules  []*faultRule
	nextID int
	taken  map[FaultKind]int
}

func newFaults(seed uint64) *Faults {
	return &Faults{rnd: rand.New(rand.NewPCG(seed, 0xfa017003)), taken: map[FaultKind]int{}}
}

// NewFaults returns an empty schedule (an Exchange has its own; this is for
// fakes that test faults alone).
func NewFaults(seed uint64) *Faults { return newFaults(seed) }

// Add schedules a fault and returns an id for Remove.
func (fs *Faults) Add(f Fault) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.nextID++
	fs.rules = append(fs.rules, &faultRule{id: fs.nextID, f: f, left: f.Times})
	return fs.nextID
}

// Remove unschedules a fault.
func (fs *Faults) Remove(id int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if r.id == id {
			fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			return
		}
	}
}

// Clear removes every scheduled fault.
func (fs *Faults) Clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = nil
}

// Pending is how many faults are still scheduled.
func (fs *Faults) Pending() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.rules)
}

// Take returns the fault that op suffers, if any: the first scheduled fault
// that matches op and wins its probability draw. A fault with Times left
// uses one up and is removed at zero. A probability draw that loses does not
// use anything up.
func (fs *Faults) Take(op string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if !matchOp(r.f.Op, op) {
			continue
		}
		if r.f.Prob > 0 && r.f.Prob < 1 && fs.rnd.Float64() >= r.f.Prob {
			continue
		}
		if r.f.Times > 0 {
			r.left--
			if r.left <= 0 {
				fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			}
		}
		fs.taken[r.f.Kind]++
		return r.f, true
	}
	return Fault{}, false
}

// Taken counts faults handed out so far, by kind.
func (fs *Faults) Taken(k FaultKind) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.taken[k]
}

func matchOp(pattern, op string) bool {
	switch {
	case pattern == "" || pattern == "*":
		return true
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(op, strings.TrimSuffix(pattern, "*"))
	}
	return pattern == op
}
