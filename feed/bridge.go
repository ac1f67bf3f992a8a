// Package feed brings venue data to the cockpit: per-account pollers and the
// one bridge that hands their results to the program.
package feed

import (
	"context"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Envelope is what the bridge hands to the program: one message about one
// account, stamped with the generation of the poller that produced it. The
// root model unwraps it and drops generations older than the newest it saw.
type Envelope struct {
	Account string
	Gen     uint64
	Msg     tea.Msg
}

// Batch is one flush of state snapshots, oldest first, handed to the
// program as one message: one Update and one frame for every account's
// news of that flush, not one per snapshot.
type Batch []Envelope

// Kind names a class of state snapshot; the bridge keeps only the latest
// snapshot per (kind, account).
type Kind string

const (
	KindClock     Kind = "clock"
	KindBudget    Kind = "budget"
	KindBalances  Kind = "balances"
	KindPositions Kind = "positions"
	KindKey       Kind = "key"
	KindQuote     Kind = "quote"
	KindStream    Kind = "stream"
)

type stateKey struct {
	kind    Kind
	account string
}

// DefaultFlushEvery paces state delivery: ten frames a second is faster than
// anyone reads a number and slow enough that a busy venue cannot flood Update.
const DefaultFlushEvery = 100 * time.Millisecond

// Bridge is the single goroutine that calls the program's Send. Send blocks
// until Update takes the message, so producers never call it themselves:
// they enqueue here and return at once.
//
// Events (order events, log lines, errors) are delivered in the order they
// were enqueued and never dropped; the queue is unbounded because dropping a
// fill to save memory is the worse failure. State (clock, budgets, balances,
// quotes) is coalesced: at most one snapshot per (kind, account) per flush,
// carrying the latest, and each flush is one Batch delivery.
type Bridge struct {
	sink  func(tea.Msg)
	every time.Duration

	mu     sync.Mutex
	events []Envelope
	state  map[stateKey]Envelope
	order  []stateKey // first-enqueue order of pending state, for a stable flush
	gens   map[string]uint64
	wake   chan struct{}
}

// NewBridge returns a bridge delivering to sink (typically Program.Send).
// flushEvery <= 0 means DefaultFlushEvery.
func NewBridge(sink func(tea.Msg), flushEvery time.Duration) *Bridge {
	if flushEvery <= 0 {
		flushEvery = DefaultFlushEvery
	}
	return &Bridge{
		sink:  sink,
		every: flushEvery,
		state: make(map[stateKey]Envelope),
		gens:  make(map[string]uint64),
		wake:  make(chan struct{}, 1),
	}
}

// SetGen records that account's current generation is gen: anything older,
// queued or arriving later, is dropped. Generations only move forward.
func (b *Bridge) SetGen(account string, gen uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if gen <= b.gens[account] {
		return
	}
	b.gens[account] = gen
	kept := b.events[:0]
	for _, e := range b.events {
		if e.Account != account || e.Gen >= gen {
			kept = append(kept, e)
		}
	}
	clear(b.events[len(kept):])
	b.events = kept
	for k, e := range b.state {
		if k.account == account && e.Gen < gen {
			delete(b.state, k)
		}
	}
}

func (b *Bridge) stale(account string, gen uint64) bool { return gen < b.gens[account] }

// Event queues msg for in-order delivery.
func (b *Bridge) Event(account string, gen uint64, msg tea.Msg) {
	b.mu.Lock()
	if b.stale(account, gen) {
		b.mu.Unlock()
		return
	}
	b.events = append(b.events, Envelope{Account: account, Gen: gen, Msg: msg})
	b.mu.Unlock()
	b.poke()
}

// EventCurrent queues msg stamped with account's current generation, for
// producers outside the pollers (the order desk, reconciliation) whose
// news stays true across a poller restart.
func (b *Bridge) EventCurrent(account string, msg tea.Msg) {
	b.mu.Lock()
	gen := b.gens[account]
	b.mu.Unlock()
	b.Event(account, gen, msg)
}

// State replaces the pending snapshot of (kind, account) with msg.
func (b *Bridge) State(kind Kind, account string, gen uint64, msg tea.Msg) {
	b.mu.Lock()
	if b.stale(account, gen) {
		b.mu.Unlock()
		return
	}
	k := stateKey{kind, account}
	if _, ok := b.state[k]; !ok {
		b.order = append(b.order, k)
	}
	b.state[k] = Envelope{Account: account, Gen: gen, Msg: msg}
	b.mu.Unlock()
	b.poke()
}

func (b *Bridge) poke() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends. Call it once, in its own goroutine.
func (b *Bridge) Run(ctx context.Context) {
	var (
		timer     *time.Timer
		timerC    <-chan time.Time
		lastFlush time.Time
	)
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		// Events first, one at a time, so a slow consumer holds back only
		// the bridge and producers keep enqueueing.
		for {
			e, ok := b.nextEvent()
			if !ok {
				break
			}
			if ctx.Err() != nil {
				return
			}
			b.sink(e)
		}
		if b.hasState() && timerC == nil {
			wait := b.every - time.Since(lastFlush)
			if wait <= 0 {
				b.flush(ctx)
				lastFlush = time.Now()
				continue
			}
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			timerC = timer.C
		}
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		case <-timerC:
			timerC = nil
			b.flush(ctx)
			lastFlush = time.Now()
		}
	}
}

func (b *Bridge) nextEvent() (Envelope, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.events) == 0 {
		return Envelope{}, false
	}
	e := b.events[0]
	b.events[0] = Envelope{}
	b.events = b.events[1:]
	if len(b.events) == 0 {
		b.events = nil // let the backing array go after a burst
	}
	return e, true
}

func (b *Bridge) hasState() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.state) > 0
}

func (b *Bridge) flush(ctx context.Context) {
	b.mu.Lock()
	batch := make([]Envelope, 0, len(b.state))
	for _, k := range b.order {
		if e, ok := b.state[k]; ok {
			batch = append(batch, e)
		}
	}
	clear(b.state)
	b.order = b.order[:0]
	b.mu.Unlock()
	if len(batch) == 0 || ctx.Err() != nil {
		return
	}
	b.sink(Batch(batch))
}
