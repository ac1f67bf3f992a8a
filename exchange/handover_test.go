package exchange_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
)

// scriptStream is a connection the test drives: events it sends are
// delivered in order; a notice is announced by closing away.
type scriptStream struct {
	ch     chan exchange.StreamEvent
	away   chan struct{}
	closed chan struct{}
	once   sync.Once
}

func newScript(queued ...exchange.StreamEvent) *scriptStream {
	s := &scriptStream{ch: make(chan exchange.StreamEvent, len(queued)), away: make(chan struct{}), closed: make(chan struct{})}
	for _, ev := range queued {
		s.ch <- ev
	}
	return s
}

func (s *scriptStream) Events() <-chan exchange.StreamEvent { return s.ch }
func (s *scriptStream) Err() error                          { return nil }
func (s *scriptStream) Close() error                        { s.once.Do(func() { close(s.closed) }); return nil }
func (s *scriptStream) GoingAway() <-chan struct{}          { return s.away }
func (s *scriptStream) Notice() error                       { return fmt.Errorf("test notice: %w", exchange.ErrGoingAway) }

// scriptStreamer hands out its streams in order.
type scriptStreamer struct {
	mu      sync.Mutex
	streams []*scriptStream
}

func (f *scriptStreamer) Stream(context.Context) (exchange.Stream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.streams) == 0 {
		return nil, fmt.Errorf("no more streams")
	}
	s := f.streams[0]
	f.streams = f.streams[1:]
	return s, nil
}

func balanceEv(at time.Time, free, locked string) exchange.StreamEvent {
	return exchange.StreamEvent{Account: "a", Time: at, Balances: []exchange.Balance{{Asset: "USDT", Free: dec(free), Locked: dec(locked)}}}
}

func orderEv(at time.Time, id string, st exchange.OrderStatus) exchange.StreamEvent {
	o := ord(id, st, "0")
	o.Updated = at
	return exchange.StreamEvent{Account: "a", Time: at, Order: &exchange.OrderEvent{Account: "a", Kind: exchange.EventAck, Order: o, Time: at}}
}

func evKey(ev exchange.StreamEvent) string {
	if ev.Order != nil {
		return ev.Order.Order.OrderID + " " + string(ev.Order.Order.Status)
	}
	return ev.Balances[0].Free.String() + "/" + ev.Balances[0].Locked.String()
}

// handover runs a supervisor over old then new: before is sent on old
// before its notice, overlap after it (while new, already holding its
// queued events, is live), and returns the events applied and the states
// reported after the first live.
func handover(t *testing.T, old, new *scriptStream, before, overlap []exchange.StreamEvent) (applied []string, states []exchange.StreamState) {
	t.Helper()
	v := feedtest.New(exchange.AccountInfo{Name: "a"}, nil)
	var mu sync.Mutex
	sup := exchange.NewSupervisor(exchange.SupervisorConfig{
		Account: "a", Venue: v, Streamer: &scriptStreamer{streams: []*scriptStream{old, new}},
		AuditEvery: time.Hour,
		OnEvent: func(ev exchange.StreamEvent) {
			mu.Lock()
			applied = append(applied, evKey(ev))
			mu.Unlock()
		},
		OnStatus: func(s exchange.StreamStatus) {
			mu.Lock()
			if n := len(states); n == 0 || states[n-1] != s.State {
				states = append(states, s.State)
			}
			mu.Unlock()
		},
		OnLog: func(slog.Level, string, error) {},
	})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { sup.Run(ctx) })
	synctest.Wait()
	if st := sup.Status(); st.State != exchange.StreamLive {
		t.Fatalf("not live: %+v", st)
	}
	for _, ev := range before {
		old.ch <- ev
	}
	close(old.away)
	synctest.Wait() // the replacement is live
	for _, ev := range overlap {
		old.ch <- ev
	}
	select {
	case <-old.closed:
		t.Fatal("old connection closed before the linger")
	default:
	}
	time.Sleep(2 * time.Second)
	synctest.Wait()
	select {
	case <-old.closed:
	default:
		t.Error("old connection not closed after its replacement went live")
	}
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return applied, states
}

// TestHandoverAppliesEachEventOnce: the replacement's copies of what the
// old connection delivered during the overlap, and its subscribe snapshot,
// are not applied again; what only it carries is.
func TestHandoverAppliesEachEventOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.UnixMilli(1_700_000_000_000)
		a, b, c := orderEv(t0, "1", exchange.StatusNew), orderEv(t0.Add(time.Millisecond), "2", exchange.StatusNew), orderEv(t0.Add(2*time.Millisecond), "1", exchange.StatusCanceled)
		x, y := balanceEv(t0, "90", "10"), balanceEv(t0.Add(time.Millisecond), "80", "20")
		snap := balanceEv(t0, "90", "10")
		snap.Snapshot = true
		old := newScript()
		new := newScript(snap, b, y, c)
		applied, states := handover(t, old, new, []exchange.StreamEvent{a, x}, []exchange.StreamEvent{b, y})
		want := []string{"1 NEW", "90/10", "2 NEW", "80/20", "1 CANCELED"}
		if strings.Join(applied, ", ") != strings.Join(want, ", ") {
			t.Errorf("applied %q, want %q", applied, want)
		}
		if len(states) != 2 || states[1] != exchange.StreamLive {
			t.Errorf("states %v: the handover is not seamless", states)
		}
	})
}

// TestHandoverSameMillisecond: balances that go X, Y, X within one
// millisecond (a lock and its release) are told apart by their order, not
// by their content: the replacement's Y is a copy, its X is not.
func TestHandoverSameMillisecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		t0 := time.UnixMilli(1_700_000_000_000)
		x, y := balanceEv(t0, "100", "0"), balanceEv(t0, "90", "10")
		old := newScript()
		new := newScript(y, x)
		applied, _ := handover(t, old, new, nil, []exchange.StreamEvent{x, y})
		want := []string{"100/0", "90/10", "100/0"}
		if strings.Join(applied, ", ") != strings.Join(want, ", ") {
			t.Errorf("applied %q, want %q", applied, want)
		}
	})
}
