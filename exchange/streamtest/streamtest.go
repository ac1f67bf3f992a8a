// Package streamtest runs a venue's real client and private stream under
// an exchange.Supervisor against a fake venue over exchange/sim, injects
// stream faults while trading, and checks the supervisor's kept orders and
// balances against the simulated exchange's own books. It is venue-neutral:
// each venue's tests bring their client, streamer and fake.
//
// The Env's checks run on virtual time: call them inside a testing/synctest
// bubble, with the fake on an in-memory network (sim.MemNet).
package streamtest

import (
	"context"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// Config wires an Env. Account, Venue and Streamer are required.
type Config struct {
	Account  string
	Venue    exchange.Venue
	Streamer exchange.Streamer
	// AuditEvery defaults to 3 s, AuditGrace is 500 ms; backoff is capped
	// at 1 s so a run of faults stays short on virtual time.
	AuditEvery time.Duration
}

// Env is a running supervisor and what it reported.
type Env struct {
	t     *testing.T
	cfg   Config
	sup   *exchange.Supervisor
	state *exchange.OrderState

	mu       sync.Mutex
	statuses []exchange.StreamStatus
	logs     []string
	trades   map[string]int // trade id → times delivered through OnOrder
	events   []exchange.StreamEvent
}

// Start runs a supervisor until the test ends.
func Start(t *testing.T, cfg Config) *Env {
	t.Helper()
	if cfg.AuditEvery == 0 {
		cfg.AuditEvery = 3 * time.Second
	}
	e := &Env{t: t, cfg: cfg, state: exchange.NewOrderState(), trades: map[string]int{}}
	e.sup = exchange.NewSupervisor(exchange.SupervisorConfig{
		Account:        cfg.Account,
		Venue:          cfg.Venue,
		Streamer:       cfg.Streamer,
		State:          e.state,
		Backoff:        &exchange.Backoff{Base: 50 * time.Millisecond, Cap: time.Second, Reset: 5 * time.Second, Rand: mrand.New(mrand.NewPCG(7, 7)).Float64},
		ConnectTimeout: 2 * time.Second,
		CallTimeout:    2 * time.Second,
		AuditEvery:     cfg.AuditEvery,
		AuditGrace:     500 * time.Millisecond,
		OnOrder: func(ev exchange.OrderEvent) {
			if ev.Kind == exchange.EventFill && ev.TradeID != "" {
				e.mu.Lock()
				e.trades[ev.TradeID]++
				e.mu.Unlock()
			}
		},
		OnStatus: func(s exchange.StreamStatus) {
			e.mu.Lock()
			defer e.mu.Unlock()
			if n := len(e.statuses); n == 0 || e.statuses[n-1].State != s.State {
				e.statuses = append(e.statuses, s)
			}
		},
		OnEvent: func(ev exchange.StreamEvent) {
			e.mu.Lock()
			e.events = append(e.events, ev)
			e.mu.Unlock()
		},
		OnLog: func(_ slog.Level, text string, err error) {
			if err != nil {
				text += ": " + err.Error()
			}
			e.mu.Lock()
			e.logs = append(e.logs, text)
			e.mu.Unlock()
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.sup.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return e
}

// State is the supervisor's keeper.
func (e *Env) State() *exchange.OrderState { return e.state }

// Status is the last state reported.
func (e *Env) Status() exchange.StreamStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.statuses) == 0 {
		return exchange.StreamStatus{}
	}
	return e.statuses[len(e.statuses)-1]
}

// Statuses are the state changes reported, oldest first.
func (e *Env) Statuses() []exchange.StreamStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]exchange.StreamStatus(nil), e.statuses...)
}

// Logs are the supervisor's log lines, with their errors.
func (e *Env) Logs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.logs...)
}

// Logged says whether a log line contains s.
func (e *Env) Logged(s string) bool {
	return strings.Contains(strings.Join(e.Logs(), "\n"), s)
}

// Reconnects counts the times the stream went from live to not.
func (e *Env) Reconnects() int {
	n := 0
	for _, s := range e.Statuses() {
		if s.State == exchange.StreamReconnecting || s.State == exchange.StreamDown {
			n++
		}
	}
	return n
}

// WaitLive advances (virtual) time until the supervisor reports live.
func (e *Env) WaitLive(limit time.Duration) {
	e.t.Helper()
	start := time.Now()
	for e.Status().State != exchange.StreamLive {
		if time.Since(start) > limit {
			e.t.Fatalf("not live after %v; logs: %q", limit, e.Logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Track is what the cockpit does with a placement's or cancel's answer.
func (e *Env) Track(o exchange.Order, kind exchange.EventKind) {
	o.Account = e.cfg.Account
	e.state.Apply(exchange.OrderEvent{Account: e.cfg.Account, Kind: kind, Order: o, Time: o.Updated})
}

// CheckTruth compares the keeper with simAccount's books on x: every order's
// state and fills, every non-zero balance, and no trade delivered twice.
func (e *Env) CheckTruth(x *sim.Exchange, simAccount string) {
	e.t.Helper()
	acct := e.cfg.Account
	for _, want := range x.Orders(simAccount) {
		got, ok := e.state.Order(acct, exchange.OrderRef{OrderID: want.OrderID})
		if !ok {
			e.t.Errorf("order %s (%s) unknown to the keeper", want.OrderID, want.Status)
			continue
		}
		if got.Status != want.Status || !got.Filled.Equal(want.Filled) || !got.QuoteFilled.Equal(want.QuoteFilled) {
			e.t.Errorf("order %s: kept %s filled %s quote %s; venue %s filled %s quote %s",
				want.OrderID, got.Status, got.Filled, got.QuoteFilled, want.Status, want.Filled, want.QuoteFilled)
		}
	}
	if n, m := len(e.state.Orders(acct)), len(x.Orders(simAccount)); n != m {
		e.t.Errorf("keeper has %d orders, venue %d", n, m)
	}
	var want []exchange.Balance
	for _, b := range x.Balances(simAccount) {
		if !b.Total().IsZero() {
			want = append(want, b)
		}
	}
	got := e.state.Balances(acct)
	if len(got) != len(want) {
		e.t.Errorf("balances: kept %v, venue %v", got, want)
	}
	for i := range min(len(got), len(want)) {
		if got[i].Asset != want[i].Asset || !got[i].Free.Equal(want[i].Free) || !got[i].Locked.Equal(want[i].Locked) {
			e.t.Errorf("balance %s: kept %s/%s, venue %s %s/%s", got[i].Asset, got[i].Free, got[i].Locked, want[i].Asset, want[i].Free, want[i].Locked)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for id, n := range e.trades {
		if n > 1 {
			e.t.Errorf("trade %s delivered %d times", id, n)
		}
	}
}

// Faults is a fake venue's stream fault switch.
type Faults interface {
	SetStreamFault(f sim.StreamFault, delay time.Duration)
	ClearStreamFaults()
}

// Run is one trading run under faults.
type Run struct {
	Sim        *sim.Exchange
	SimAccount string
	Symbol     string
	Faults     Faults
	// Count faults are injected, of every kind, while placing, cancelling
	// and moving the price so resting orders fill.
	Count int
	Seed  uint64
}

var faultNames = map[sim.StreamFault]string{
	sim.StreamDrop: "drop", sim.StreamExpire: "expire", sim.StreamNoPong: "no-pong",
	sim.StreamSilent: "silent", sim.StreamDelay: "delay",
}

// RunFaults trades through r.Count random stream faults, lets the last one
// heal, and checks the keeper against the venue's books. Call it inside a
// synctest bubble with the venue on an in-memory network.
func (e *Env) RunFaults(r Run) {
	e.t.Helper()
	ctx := context.Background()
	x := r.Sim
	rnd := mrand.New(mrand.NewPCG(r.Seed, 42))
	base, _ := x.Price(r.Symbol)
	rules, _ := x.Symbol(r.Symbol)
	qty := rules.MinQty.Mul(decimal.NewFromInt(20))
	kinds := []sim.StreamFault{sim.StreamDrop, sim.StreamExpire, sim.StreamNoPong, sim.StreamSilent, sim.StreamDelay}
	count := map[string]int{}
	var lastingUntil time.Time
	lasting := false
	for n := 0; n < r.Count; {
		switch k := rnd.IntN(10); {
		case k < 4: // a limit buy or sell near the price; some cross at once
			side, off := exchange.Buy, int64(rnd.IntN(200)-150)
			if rnd.IntN(2) == 0 {
				side, off = exchange.Sell, -off
			}
			p, _ := x.Price(r.Symbol)
			o, err := e.cfg.Venue.Place(ctx, exchange.OrderRequest{
				Symbol: r.Symbol, Side: side, Type: exchange.LimitOrder, TIF: exchange.GTC,
				Qty: qty.Mul(decimal.NewFromInt(int64(1 + rnd.IntN(5)))), Price: p.Add(decimal.NewFromInt(off)),
				ClientID: exchange.NewClientID(time.Now()),
			})
			if err == nil {
				e.Track(o, exchange.EventAck)
			}
		case k < 6: // cancel a random open order
			open := x.OpenOrders(r.SimAccount, r.Symbol)
			if len(open) > 0 {
				o := open[rnd.IntN(len(open))]
				if c, err := e.cfg.Venue.Cancel(ctx, exchange.OrderRef{Symbol: o.Symbol, OrderID: o.OrderID}); err == nil {
					e.Track(c, exchange.EventCancel)
				}
			}
		default: // move the price: resting orders it crosses fill
			x.SetPrice(r.Symbol, base.Add(decimal.NewFromInt(int64(rnd.IntN(300)-150))))
		}
		now := time.Now()
		if lasting && now.After(lastingUntil) {
			r.Faults.ClearStreamFaults()
			lasting = false
		}
		if !lasting && rnd.IntN(3) == 0 {
			f := kinds[rnd.IntN(len(kinds))]
			r.Faults.SetStreamFault(f, time.Duration(50+rnd.IntN(1500))*time.Millisecond)
			count[faultNames[f]]++
			n++
			if f != sim.StreamDrop && f != sim.StreamExpire {
				lasting, lastingUntil = true, now.Add(time.Duration(200+rnd.IntN(3000))*time.Millisecond)
			}
		}
		time.Sleep(time.Duration(20+rnd.IntN(300)) * time.Millisecond)
	}
	r.Faults.ClearStreamFaults()
	// Quiet: long enough for the last fault's detection (audit + grace),
	// a backoff at its cap and a resync.
	time.Sleep(2*e.cfg.AuditEvery + 4*time.Second)
	e.WaitLive(10 * time.Second)
	synctest.Wait()
	for _, k := range faultNames {
		if count[k] == 0 {
			e.t.Errorf("no %s fault injected", k)
		}
	}
	e.CheckTruth(x, r.SimAccount)
	if n := e.Reconnects(); n < r.Count/4 {
		e.t.Errorf("only %d reconnects for %d faults", n, r.Count)
	}
	fills := 0
	for _, o := range x.Orders(r.SimAccount) {
		if o.Filled.IsPositive() {
			fills++
		}
	}
	if fills < r.Count/10 {
		e.t.Errorf("only %d orders filled: the run did not exercise fills", fills)
	}
	e.t.Logf("faults %v, %d reconnects, %d orders (%d with fills)", count, e.Reconnects(), len(x.Orders(r.SimAccount)), fills)
}

// ExpectNoPongDetected stops the fake's pongs and expects a reconnect
// within bound (the streamer's ping period plus its pong wait), then a
// live stream again once the fault clears.
func (e *Env) ExpectNoPongDetected(f Faults, bound time.Duration) {
	e.t.Helper()
	f.SetStreamFault(sim.StreamNoPong, 0)
	start := time.Now()
	for e.Reconnects() == 0 {
		if time.Since(start) > bound+time.Second {
			e.t.Fatalf("no-pong not detected in %v: %q", time.Since(start), e.Logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// When the supervisor saw the stream die, not when this loop looked:
	// at the same virtual instant either may run first.
	var down time.Time
	for _, st := range e.Statuses() {
		if st.State == exchange.StreamReconnecting || st.State == exchange.StreamDown {
			down = st.Since
			break
		}
	}
	if took := down.Sub(start); took > bound {
		e.t.Errorf("detected after %v, bound %v", took, bound)
	}
	f.ClearStreamFaults()
	e.WaitLive(5 * time.Second)
	if !e.Logged("no pong") {
		e.t.Errorf("logs do not say why: %q", e.Logs())
	}
}

// ExpectSilentDetected rests a buy below the price, silences the stream,
// moves the price through the order, and expects the supervisor's audit
// to declare the stream silent and the resync to find the fill within
// AuditEvery + AuditGrace + 1 s. The Env's AuditEvery must be short.
func (e *Env) ExpectSilentDetected(x *sim.Exchange, simAccount, symbol string, f Faults) {
	e.t.Helper()
	const grace = 500 * time.Millisecond
	every := e.cfg.AuditEvery
	rules, _ := x.Symbol(symbol)
	x.SetPrice(symbol, decimal.NewFromInt(50000))
	o, err := e.cfg.Venue.Place(context.Background(), exchange.OrderRequest{
		Symbol: symbol, Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: rules.MinQty.Mul(decimal.NewFromInt(100)), Price: decimal.NewFromInt(49900), ClientID: exchange.NewClientID(time.Now()),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	acct := e.cfg.Account
	time.Sleep(100 * time.Millisecond)
	synctest.Wait()
	if k, _ := e.state.Order(acct, exchange.OrderRef{OrderID: o.OrderID}); k.Status != exchange.StatusNew {
		e.t.Fatalf("ack not streamed: %+v", k)
	}
	f.SetStreamFault(sim.StreamSilent, 0)
	x.SetPrice(symbol, decimal.NewFromInt(49800)) // fills the order; the push is swallowed
	filledAt := time.Now()
	for {
		k, _ := e.state.Order(acct, exchange.OrderRef{OrderID: o.OrderID})
		if k.Status == exchange.StatusFilled {
			break
		}
		if time.Since(filledAt) > every+grace+2*time.Second {
			e.t.Fatalf("silent stream not recovered after %v; logs %q", time.Since(filledAt), e.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if took := time.Since(filledAt); took > every+grace+time.Second {
		e.t.Errorf("recovered after %v, bound %v", took, every+grace+time.Second)
	}
	if !e.Logged(exchange.ErrStreamSilent.Error()) {
		e.t.Errorf("no silent verdict logged: %q", e.Logs())
	}
	f.ClearStreamFaults()
	time.Sleep(2 * time.Second)
	synctest.Wait()
	e.CheckTruth(x, simAccount)
}

// ExpectReconnect applies a one-shot fault and expects exactly one
// reconnect, at once, then a live stream and log lines containing each
// of logs.
func (e *Env) ExpectReconnect(f Faults, fault sim.StreamFault, logs ...string) {
	e.t.Helper()
	f.SetStreamFault(fault, 0)
	time.Sleep(5 * time.Millisecond)
	synctest.Wait()
	if n := e.Reconnects(); n != 1 {
		e.t.Errorf("reconnects %d after %s, want 1", n, faultNames[fault])
	}
	e.WaitLive(5 * time.Second)
	for _, l := range append(logs, "stream down") {
		if !e.Logged(l) {
			e.t.Errorf("no log line says %q: %q", l, e.Logs())
		}
	}
}

// Events are the stream events the supervisor applied, in order.
func (e *Env) Events() []exchange.StreamEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]exchange.StreamEvent(nil), e.events...)
}

// Handover is a fake that can announce a planned disconnect
// (sim.StreamNotice) and shows its connections' history.
type Handover interface {
	Faults
	StreamHistory() []sim.WSConnEvent
}

// noticeGrace is how long the fake keeps a connection after its notice:
// far longer than the supervisor's HandoverLinger, so the client, not the
// venue, must close it.
const noticeGrace = 10 * time.Second

// ExpectHandover trades before a venue's notice of a planned disconnect,
// while the old and the new connection are both open, and after the old
// one closed, and expects make before break: the new connection was
// subscribed before the old one closed; the client closed the old one with
// a close frame; at no moment was no subscribed connection open; the
// supervisor stayed live; and the events it applied are the venue's own,
// each once, in order.
func (e *Env) ExpectHandover(f Handover, x *sim.Exchange, simAccount, symbol string) {
	e.t.Helper()
	ctx := context.Background()
	truth, stop := x.Subscribe(simAccount)
	defer stop()
	mark, hist := len(e.Events()), len(f.StreamHistory())
	statuses := len(e.Statuses())
	old := 0
	for _, h := range f.StreamHistory() {
		if h.Change == sim.WSSubscribed {
			old = h.Conn
		}
	}
	x.SetPrice(symbol, decimal.NewFromInt(50000))
	qty := decimal.RequireFromString("0.001")
	place := func(price int64) exchange.Order {
		e.t.Helper()
		o, err := e.cfg.Venue.Place(ctx, exchange.OrderRequest{Symbol: symbol, Side: exchange.Buy, Type: exchange.LimitOrder,
			TIF: exchange.GTC, Qty: qty, Price: decimal.NewFromInt(price), ClientID: exchange.NewClientID(time.Now())})
		if err != nil {
			e.t.Fatal(err)
		}
		e.Track(o, exchange.EventAck)
		return o
	}
	// waitFor advances virtual time until the fake's history shows cond.
	waitFor := func(what string, cond func(sim.WSConnEvent) bool) {
		e.t.Helper()
		start := time.Now()
		for {
			for _, h := range f.StreamHistory()[hist:] {
				if cond(h) {
					return
				}
			}
			if time.Since(start) > noticeGrace {
				e.t.Fatalf("%s: not seen in %v; history %+v; logs %q", what, noticeGrace, f.StreamHistory()[hist:], e.Logs())
			}
			time.Sleep(time.Millisecond)
		}
	}

	a := place(49000) // before the notice
	time.Sleep(100 * time.Millisecond)
	f.SetStreamFault(sim.StreamNotice, noticeGrace)
	b := place(48900) // while the new connection logs in
	waitFor("the new connection subscribed", func(h sim.WSConnEvent) bool { return h.Conn != old && h.Change == sim.WSSubscribed })
	c := place(48800) // both connections open
	if _, err := e.cfg.Venue.Cancel(ctx, exchange.OrderRef{Symbol: symbol, OrderID: b.OrderID}); err != nil {
		e.t.Fatal(err)
	}
	waitFor("the old connection closed", func(h sim.WSConnEvent) bool {
		return h.Conn == old && h.Change != sim.WSOpened && h.Change != sim.WSSubscribed
	})
	// After: a cancel, and a fill on the new connection.
	if _, err := e.cfg.Venue.Cancel(ctx, exchange.OrderRef{Symbol: symbol, OrderID: a.OrderID}); err != nil {
		e.t.Fatal(err)
	}
	x.SetPrice(symbol, decimal.NewFromInt(48700))
	time.Sleep(2 * time.Second)
	synctest.Wait()

	// (1), (2), (4): as the venue saw the connections.
	steps := f.StreamHistory()[hist:]
	subscribed, closed := -1, -1
	for i, h := range steps {
		switch {
		case h.Conn != old && h.Change == sim.WSSubscribed && subscribed < 0:
			subscribed = i
		case h.Conn == old && closed < 0 && h.Change != sim.WSSubscribed:
			closed = i
			if h.Change != sim.WSClientClosed || h.Code != websocket.StatusNormalClosure && h.Code != websocket.StatusGoingAway {
				e.t.Errorf("old connection %d %s (code %d), want closed by the client with a close frame", old, h.Change, h.Code)
			}
		}
		if h.Live == 0 {
			e.t.Errorf("no subscribed connection open after step %+v", h)
		}
	}
	if subscribed < 0 || closed < 0 || subscribed > closed {
		e.t.Errorf("the new connection was not subscribed before the old one closed: %+v", steps)
	}
	for _, st := range e.Statuses()[statuses:] {
		if st.State != exchange.StreamLive {
			e.t.Errorf("supervisor went %s during the handover", st.State)
		}
	}
	if e.Reconnects() != 0 || !e.Logged("moved to a new connection") {
		e.t.Errorf("not a handover: %d reconnects; logs %q", e.Reconnects(), e.Logs())
	}

	// (3): the venue's events, each once, in order.
	var want []string
	for done := false; !done; {
		select {
		case ev, ok := <-truth:
			if !ok {
				e.t.Fatal("the venue's own event feed fell behind")
			}
			if k := simKey(ev); k != "" {
				want = append(want, k)
			}
		default:
			done = true
		}
	}
	var got []string
	for _, ev := range e.Events()[mark:] {
		got = append(got, eventKey(ev))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		e.t.Errorf("events applied across the handover:\n%s\nvenue's events:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	e.t.Logf("%d events across the handover:\n%s", len(got), strings.Join(got, "\n"))
	if k, _ := e.state.Order(e.cfg.Account, exchange.OrderRef{OrderID: c.OrderID}); k.Status != exchange.StatusFilled {
		e.t.Errorf("order filled after the handover kept as %s", k.Status)
	}
	e.CheckTruth(x, simAccount)
}

// simKey names a venue event the way eventKey names the streamed one; ""
// for events a private stream does not carry (rejected placements).
func simKey(ev sim.Event) string {
	switch ev.Type {
	case sim.OrderChanged:
		if ev.OrderID == 0 || ev.Order.Kind == exchange.EventReject {
			return ""
		}
		o := ev.Order.Order
		return fmt.Sprintf("order %s %s filled %s", o.OrderID, o.Status, o.Filled)
	case sim.BalanceChanged:
		if len(ev.Balances) == 0 {
			return ""
		}
		return balancesKey(ev.Balances)
	}
	return ""
}

func eventKey(ev exchange.StreamEvent) string {
	if ev.Order != nil {
		o := ev.Order.Order
		return fmt.Sprintf("order %s %s filled %s", o.OrderID, o.Status, o.Filled)
	}
	return balancesKey(ev.Balances)
}

func balancesKey(bals []exchange.Balance) string {
	parts := make([]string, 0, len(bals))
	for _, b := range bals {
		parts = append(parts, fmt.Sprintf("%s %s/%s", b.Asset, b.Free, b.Locked))
	}
	sort.Strings(parts)
	return "balances " + strings.Join(parts, ", ")
}

// Reader reads a bare stream (no supervisor) in a test, keeping the last
// balance seen per asset.
type Reader struct {
	t       *testing.T
	ctx     context.Context
	s       exchange.Stream
	account string
	bals    map[string]exchange.Balance
}

// NewReader reads s, whose events must all carry account and a time.
func NewReader(t *testing.T, ctx context.Context, s exchange.Stream, account string) *Reader {
	return &Reader{t: t, ctx: ctx, s: s, account: account, bals: map[string]exchange.Balance{}}
}

// Live measures v's clock, opens its private stream (ctx bounds that and
// every read), and reads it until the test ends. The events must all
// carry account.
func Live(t *testing.T, ctx context.Context, v interface {
	exchange.Venue
	exchange.Streamer
}, account string) *Reader {
	t.Helper()
	if err := v.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := v.Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return NewReader(t, ctx, s, account)
}

// Balance is the last streamed balance of asset.
func (r *Reader) Balance(asset string) exchange.Balance { return r.bals[asset] }

func (r *Reader) next() exchange.StreamEvent {
	r.t.Helper()
	select {
	case ev, ok := <-r.s.Events():
		if !ok {
			r.t.Fatalf("stream ended: %v", r.s.Err())
		}
		if ev.Time.IsZero() || ev.Account != r.account {
			r.t.Errorf("event without time or account: %+v", ev)
		}
		for _, b := range ev.Balances {
			r.bals[b.Asset] = b
		}
		return ev
	case <-r.ctx.Done():
		r.t.Fatal("timed out waiting for a stream event")
	}
	return exchange.StreamEvent{}
}

// Order returns the next order event, keeping the balances seen on the way.
func (r *Reader) Order() exchange.OrderEvent {
	r.t.Helper()
	for {
		if ev := r.next(); ev.Order != nil {
			return *ev.Order
		}
	}
}

// BalancesMatch reads events until the balances streamed equal simAccount's
// on x.
func (r *Reader) BalancesMatch(x *sim.Exchange, simAccount string) {
	r.t.Helper()
	for {
		match := true
		for _, b := range x.Balances(simAccount) {
			got := r.bals[b.Asset]
			match = match && got.Free.Equal(b.Free) && got.Locked.Equal(b.Locked)
		}
		if match {
			return
		}
		r.next()
	}
}

// Lifecycle places a resting limit buy of 0.001 base at price on symbol
// through v, cancels it, then buys 0.001 at market, and expects on r, in
// order: the ack with the quote it locks, the cancel with the lock
// released, the fills (with a trade id when withTradeIDs), each change of
// balance as the venue's books have it. It runs on real time: r's
// context bounds it.
func (r *Reader) Lifecycle(v exchange.Venue, x *sim.Exchange, simAccount, symbol string, price decimal.Decimal, withTradeIDs bool) {
	r.t.Helper()
	ctx, t := r.ctx, r.t
	rules, _ := x.Symbol(symbol)
	qty := decimal.RequireFromString("0.001")
	req := exchange.OrderRequest{Symbol: symbol, Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: qty, Price: price, ClientID: exchange.NewClientID(time.Now())}
	o, err := v.Place(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	ev := r.Order()
	if ev.Kind != exchange.EventAck || ev.Order.ClientID != req.ClientID || ev.Order.OrderID != o.OrderID ||
		ev.Order.Status != exchange.StatusNew || !ev.Order.Price.Equal(req.Price) {
		t.Fatalf("ack %+v", ev)
	}
	r.BalancesMatch(x, simAccount)
	if got := r.Balance(rules.Quote).Locked; !got.Equal(qty.Mul(price)) {
		t.Errorf("%s locked by the order: %s, want %s", rules.Quote, got, qty.Mul(price))
	}
	if _, err := v.Cancel(ctx, exchange.OrderRef{Symbol: symbol, ClientID: req.ClientID}); err != nil {
		t.Fatal(err)
	}
	ev = r.Order()
	if ev.Kind != exchange.EventCancel || ev.Order.Status != exchange.StatusCanceled || ev.Order.ClientID != req.ClientID {
		t.Fatalf("cancel %+v", ev)
	}
	r.BalancesMatch(x, simAccount)
	// A marketable order fills: each fill carries its size and price.
	mkt := exchange.OrderRequest{Symbol: symbol, Side: exchange.Buy, Type: exchange.MarketOrder,
		Qty: qty, ClientID: exchange.NewClientID(time.Now())}
	if _, err := v.Place(ctx, mkt); err != nil {
		t.Fatal(err)
	}
	filled := decimal.Zero
	for filled.LessThan(mkt.Qty) {
		ev = r.Order()
		if ev.Kind == exchange.EventFill {
			if !ev.LastQty.IsPositive() || !ev.LastPrice.IsPositive() || withTradeIDs && ev.TradeID == "" {
				t.Fatalf("fill %+v", ev)
			}
			filled = filled.Add(ev.LastQty)
		}
	}
	if ev.Order.Status != exchange.StatusFilled || !filled.Equal(mkt.Qty) {
		t.Errorf("fills of %s leave the order %s", filled, ev.Order.Status)
	}
	r.BalancesMatch(x, simAccount)
	if r.Balance(rules.Base).Free.IsZero() {
		t.Errorf("%s bought: %+v", rules.Base, r.Balance(rules.Base))
	}
	if err := r.s.Err(); err != nil {
		t.Fatalf("stream error %v", err)
	}
}
