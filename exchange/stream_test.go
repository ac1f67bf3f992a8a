package exchange_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ord(id string, st exchange.OrderStatus, filled string) exchange.Order {
	return exchange.Order{Account: "a", Symbol: "BTCUSDT", Side: exchange.Buy, Qty: dec("1"), Price: dec("100"),
		OrderID: id, ClientID: "c" + id, Status: st, Filled: dec(filled), QuoteFilled: dec(filled).Mul(dec("100"))}
}

func TestOrderStateReplayAndOverlap(t *testing.T) {
	s := exchange.NewOrderState()
	fill := func(filled, trade string, st exchange.OrderStatus) exchange.OrderEvent {
		return exchange.OrderEvent{Account: "a", Kind: exchange.EventFill, Order: ord("1", st, filled), LastQty: dec("0.5"), TradeID: trade}
	}
	if c := s.Apply(exchange.OrderEvent{Account: "a", Kind: exchange.EventAck, Order: ord("1", exchange.StatusNew, "0")}); !c.New {
		t.Fatal("ack not new")
	}
	c := s.Apply(fill("0.5", "7", exchange.StatusPartiallyFilled))
	if !c.Changed() || !c.Added.Equal(dec("0.5")) {
		t.Fatalf("first fill: %+v", c)
	}
	// The same trade again (a replay after reconnect): no change, flagged.
	if c := s.Apply(fill("0.5", "7", exchange.StatusPartiallyFilled)); c.Changed() || !c.Duplicate || !c.Added.IsZero() {
		t.Errorf("replayed trade: %+v", c)
	}
	// A REST snapshot already showing the second fill, then the stream's
	// event for it: counted once.
	if c := s.Apply(exchange.OrderEvent{Account: "a", Kind: exchange.EventSnapshot, Order: ord("1", exchange.StatusFilled, "1")}); !c.Added.Equal(dec("0.5")) {
		t.Errorf("snapshot fill: %+v", c)
	}
	if c := s.Apply(fill("1", "8", exchange.StatusFilled)); c.Changed() || !c.Added.IsZero() {
		t.Errorf("stream fill after snapshot: %+v", c)
	}
	// An older state never reverses a newer one.
	if c := s.Apply(exchange.OrderEvent{Account: "a", Kind: exchange.EventAck, Order: ord("1", exchange.StatusNew, "0")}); c.Changed() {
		t.Errorf("old ack moved the order: %+v", c)
	}
	got, _ := s.Order("a", exchange.OrderRef{ClientID: "c1"})
	if got.Status != exchange.StatusFilled || !got.Filled.Equal(dec("1")) || !got.QuoteFilled.Equal(dec("100")) {
		t.Errorf("final %+v", got)
	}
}

// TestOrderStateAnyOrder applies a life cycle's reports in every order of
// a shuffled replay with duplicates: the end state is always the last one.
func TestOrderStateAnyOrder(t *testing.T) {
	life := []exchange.OrderEvent{
		{Kind: exchange.EventAck, Order: ord("9", exchange.StatusNew, "0")},
		{Kind: exchange.EventFill, Order: ord("9", exchange.StatusPartiallyFilled, "0.25"), TradeID: "1"},
		{Kind: exchange.EventFill, Order: ord("9", exchange.StatusPartiallyFilled, "0.5"), TradeID: "2"},
		{Kind: exchange.EventSnapshot, Order: ord("9", exchange.StatusPartiallyFilled, "0.5")},
		{Kind: exchange.EventCancel, Order: ord("9", exchange.StatusCanceled, "0.5")},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		s := exchange.NewOrderState()
		evs := append([]exchange.OrderEvent(nil), life...)
		evs = append(evs, life[r.IntN(len(life))], life[r.IntN(len(life))])
		r.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
		var added decimal.Decimal
		for _, e := range evs {
			e.Account = "a"
			added = added.Add(s.Apply(e).Added)
		}
		got, _ := s.Order("a", exchange.OrderRef{OrderID: "9"})
		if got.Status != exchange.StatusCanceled || !got.Filled.Equal(dec("0.5")) || !added.Equal(dec("0.5")) {
			t.Fatalf("order %v: %s filled %s, added %s", evs, got.Status, got.Filled, added)
		}
	}
}

func TestBalancesNewestWins(t *testing.T) {
	s := exchange.NewOrderState()
	t1 := time.Unix(100, 0)
	b := func(asset, free string) exchange.Balance { return exchange.Balance{Asset: asset, Free: dec(free)} }
	s.ApplyBalances("a", []exchange.Balance{b("USDT", "10"), b("BTC", "1")}, t1, true)
	// A stream event older than the snapshot is not applied over it.
	if s.ApplyBalances("a", []exchange.Balance{b("USDT", "5")}, t1.Add(-time.Second), false) {
		t.Error("older event applied")
	}
	s.ApplyBalances("a", []exchange.Balance{b("USDT", "7")}, t1.Add(time.Second), false)
	// A full snapshot leaving BTC out means BTC is zero now.
	s.ApplyBalances("a", []exchange.Balance{b("USDT", "7")}, t1.Add(2*time.Second), true)
	got := s.Balances("a")
	if len(got) != 1 || got[0].Asset != "USDT" || !got[0].Free.Equal(dec("7")) {
		t.Errorf("balances %v", got)
	}
}

// flakyStreamer fails while fail() says so; otherwise it hands out streams
// the test can end.
type flakyStreamer struct {
	mu      sync.Mutex
	fail    bool
	current *chanStream
	calls   []time.Time
}

type chanStream struct {
	ch   chan exchange.StreamEvent
	once sync.Once
}

func (c *chanStream) Events() <-chan exchange.StreamEvent { return c.ch }
func (c *chanStream) Err() error                          { return errors.New("ended by the test") }
func (c *chanStream) Close() error                        { c.once.Do(func() { close(c.ch) }); return nil }

func (f *flakyStreamer) Stream(ctx context.Context) (exchange.Stream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, time.Now())
	if f.fail {
		return nil, errors.New("refused")
	}
	s := &chanStream{ch: make(chan exchange.StreamEvent)}
	f.current = s
	return s, nil
}

func (f *flakyStreamer) set(fail bool) {
	f.mu.Lock()
	f.fail = fail
	f.mu.Unlock()
}

// TestSupervisorBackoff: failed connects are spaced by delays that grow,
// are jittered and capped; after a healthy period the count starts over.
func TestSupervisorBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const base, limit = 100 * time.Millisecond, 800 * time.Millisecond
		v := feedtest.New(exchange.AccountInfo{Name: "a"}, nil)
		fs := &flakyStreamer{fail: true}
		var mu sync.Mutex
		var statuses []exchange.StreamStatus
		sup := exchange.NewSupervisor(exchange.SupervisorConfig{
			Account: "a", Venue: v, Streamer: fs,
			Backoff:    &exchange.Backoff{Base: base, Cap: limit, Reset: 5 * time.Second, Rand: rand.New(rand.NewPCG(3, 4)).Float64},
			AuditEvery: time.Hour,
			OnStatus: func(s exchange.StreamStatus) {
				mu.Lock()
				statuses = append(statuses, s)
				mu.Unlock()
			},
			OnLog: func(slog.Level, string, error) {},
		})
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { sup.Run(ctx) })
		time.Sleep(20 * time.Second)
		fs.mu.Lock()
		calls := append([]time.Time(nil), fs.calls...)
		fs.mu.Unlock()
		if len(calls) < 12 {
			t.Fatalf("%d attempts in 20 s", len(calls))
		}
		var gaps []time.Duration
		distinct := map[time.Duration]bool{}
		for i := 1; i < len(calls); i++ {
			g := calls[i].Sub(calls[i-1])
			ceiling := limit
			if i < 8 {
				ceiling = min(limit, base<<(i-1))
			}
			if g > ceiling {
				t.Errorf("gap %d = %v above its ceiling %v", i, g, ceiling)
			}
			gaps = append(gaps, g)
			distinct[g] = true
		}
		if len(distinct) < len(gaps)/2 {
			t.Errorf("gaps not jittered: %v", gaps)
		}
		var late time.Duration
		for _, g := range gaps[4:] {
			late = max(late, g)
		}
		if late <= base {
			t.Errorf("delays did not grow past the base: %v", gaps)
		}
		mu.Lock()
		last := statuses[len(statuses)-1]
		mu.Unlock()
		if last.State != exchange.StreamDown || last.Attempt < 5 {
			t.Errorf("after many failures: %+v", last)
		}

		// Healthy for longer than Reset, then dropped: attempts start over.
		fs.set(false)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if st := sup.Status(); st.State != exchange.StreamLive {
			t.Fatalf("not live: %+v", st)
		}
		time.Sleep(6 * time.Second)
		fs.set(true)
		fs.mu.Lock()
		_ = fs.current.Close()
		fs.mu.Unlock()
		synctest.Wait()
		if st := sup.Status(); st.State != exchange.StreamReconnecting || st.Attempt != 1 || time.Until(st.RetryAt) > base {
			t.Errorf("after a healthy period: %+v (retry in %v)", st, time.Until(st.RetryAt))
		}
		cancel()
		wg.Wait()
	})
}

// TestQuietStreamKeepsBalancesFresh: a healthy stream with nothing to say
// still confirms the balances at each audit, so a quiet account's balances
// are not shown as stale; an audit that cannot reach REST confirms nothing.
func TestQuietStreamKeepsBalancesFresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := feedtest.New(exchange.AccountInfo{Name: "a"}, nil)
		var mu sync.Mutex
		var confirmed []time.Time
		sup := exchange.NewSupervisor(exchange.SupervisorConfig{
			Account: "a", Venue: v, Streamer: &flakyStreamer{},
			AuditEvery: 10 * time.Second,
			OnBalances: func(bals []exchange.Balance, at time.Time) {
				mu.Lock()
				defer mu.Unlock()
				if len(bals) == 2 {
					confirmed = append(confirmed, at)
				}
			},
			OnLog: func(slog.Level, string, error) {},
		})
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { sup.Run(ctx) })
		start := time.Now()
		time.Sleep(35 * time.Second)
		synctest.Wait()
		mu.Lock()
		got := slices.Clone(confirmed)
		mu.Unlock()
		// One report from the resync at connect, then one per audit.
		if len(got) != 4 || got[len(got)-1].Sub(start) < 30*time.Second {
			t.Fatalf("balances confirmed at %v (start %v)", got, start)
		}

		v.SetHang(true) // REST gone: the audits fail and say nothing
		time.Sleep(60 * time.Second)
		synctest.Wait()
		mu.Lock()
		n := len(confirmed)
		mu.Unlock()
		if n != len(got) {
			t.Fatalf("%d confirmations while REST was unreachable", n-len(got))
		}
		cancel()
		v.SetHang(false)
		wg.Wait()
	})
}

// movingVenue's balances change when the test says, with no event on any
// stream: a venue without a balance channel.
type movingVenue struct {
	*feedtest.Venue
	mu   sync.Mutex
	usdt string
}

func (v *movingVenue) Balances(context.Context) ([]exchange.Balance, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return []exchange.Balance{{Asset: "USDT", Free: dec(v.usdt)}}, nil
}

func (v *movingVenue) set(usdt string) {
	v.mu.Lock()
	v.usdt = usdt
	v.mu.Unlock()
}

// polledStream carries orders only: its venue pushes no balances.
type polledStream struct{ *chanStream }

func (polledStream) BalancesPolled() bool { return true }

type polledStreamer struct{ polled bool }

func (p polledStreamer) Stream(context.Context) (exchange.Stream, error) {
	c := &chanStream{ch: make(chan exchange.StreamEvent)}
	if p.polled {
		return polledStream{c}, nil
	}
	return c, nil
}

// TestPolledBalances: for a stream whose venue pushes no balances, each
// audit applies the REST balances (the balance pane follows within
// AuditEvery) and the stream is not declared silent for them; a stream
// that should carry them is.
func TestPolledBalances(t *testing.T) {
	for _, polled := range []bool{true, false} {
		t.Run(fmt.Sprintf("polled %v", polled), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				v := &movingVenue{Venue: feedtest.New(exchange.AccountInfo{Name: "a"}, nil), usdt: "100"}
				var mu sync.Mutex
				var seen []string
				var silent bool
				sup := exchange.NewSupervisor(exchange.SupervisorConfig{
					Account: "a", Venue: v, Streamer: polledStreamer{polled},
					AuditEvery: 10 * time.Second, AuditGrace: time.Second,
					OnBalances: func(bals []exchange.Balance, _ time.Time) {
						mu.Lock()
						defer mu.Unlock()
						if len(bals) == 1 && (len(seen) == 0 || seen[len(seen)-1] != bals[0].Free.String()) {
							seen = append(seen, bals[0].Free.String())
						}
					},
					OnLog: func(_ slog.Level, _ string, err error) {
						mu.Lock()
						defer mu.Unlock()
						silent = silent || errors.Is(err, exchange.ErrStreamSilent)
					},
				})
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				wg.Go(func() { sup.Run(ctx) })
				time.Sleep(time.Second)
				v.set("90") // a fill the stream does not tell of
				time.Sleep(12 * time.Second)
				synctest.Wait()
				mu.Lock()
				got, wasSilent := slices.Clone(seen), silent
				mu.Unlock()
				if polled && (!slices.Equal(got, []string{"100", "90"}) || wasSilent || sup.Status().State != exchange.StreamLive) {
					t.Errorf("polled: balances %v, declared silent %v, state %s", got, wasSilent, sup.Status().State)
				}
				if !polled && !wasSilent {
					t.Errorf("a stream that should carry balances and missed a change was not declared silent (balances %v)", got)
				}
				cancel()
				wg.Wait()
			})
		})
	}
}

// TestStreamedPositionsReachOnPositions: a stream event carrying the
// account's positions is handed on whole; an event without them (nil) is
// no news about positions, and an empty set is (everything closed).
func TestStreamedPositionsReachOnPositions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := feedtest.New(exchange.AccountInfo{Name: "a"}, nil)
		var mu sync.Mutex
		var heard [][]exchange.Position
		st := &flakyStreamer{}
		sup := exchange.NewSupervisor(exchange.SupervisorConfig{
			Account: "a", Venue: v, Streamer: st,
			OnPositions: func(pos []exchange.Position, _ time.Time) {
				mu.Lock()
				defer mu.Unlock()
				heard = append(heard, pos)
			},
			OnLog: func(slog.Level, string, error) {},
		})
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { sup.Run(ctx) })
		time.Sleep(time.Second)
		synctest.Wait()
		st.mu.Lock()
		cur := st.current
		st.mu.Unlock()
		long := exchange.Position{Symbol: "BTC-PERP", Size: dec("3")}
		cur.ch <- exchange.StreamEvent{Account: "a", Positions: []exchange.Position{long}}
		cur.ch <- exchange.StreamEvent{Account: "a", Balances: []exchange.Balance{{Asset: "BTC", Free: dec("1")}}}
		cur.ch <- exchange.StreamEvent{Account: "a", Positions: []exchange.Position{}}
		synctest.Wait()
		mu.Lock()
		got := slices.Clone(heard)
		mu.Unlock()
		if len(got) != 2 || len(got[0]) != 1 || !got[0][0].Size.Equal(dec("3")) || got[1] == nil || len(got[1]) != 0 {
			t.Fatalf("heard %v, want the long then an empty set", got)
		}
		cancel()
		wg.Wait()
	})
}

// TestSupervisorCountsDrops: every loss of a live stream is counted in
// the status, so a reader that misses the reconnecting status (it was
// back live within one flush) still learns of it.
func TestSupervisorCountsDrops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := feedtest.New(exchange.AccountInfo{Name: "a"}, nil)
		st := &flakyStreamer{}
		var mu sync.Mutex
		var last exchange.StreamStatus
		sup := exchange.NewSupervisor(exchange.SupervisorConfig{Account: "a", Venue: v, Streamer: st,
			OnStatus: func(s exchange.StreamStatus) { mu.Lock(); last = s; mu.Unlock() },
			OnLog:    func(slog.Level, string, error) {}})
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { sup.Run(ctx) })
		for want := range 3 {
			time.Sleep(time.Minute)
			synctest.Wait()
			mu.Lock()
			got := last
			mu.Unlock()
			if got.State != exchange.StreamLive || got.Drops != want {
				t.Fatalf("after %d drops: %+v", want, got)
			}
			st.mu.Lock()
			cur := st.current
			st.mu.Unlock()
			cur.Close()
		}
		cancel()
		wg.Wait()
	})
}
