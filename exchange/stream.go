package exchange

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// StreamEvent is one message of a venue's private stream: an order change,
// or balances that changed (each asset as it now stands; assets not listed
// did not change).
type StreamEvent struct {
	Account  string
	Order    *OrderEvent
	Balances []Balance
	// Positions, when not nil, is the account's whole set of open
	// positions as now pushed (a venue that pushes changes one by one
	// collects them into the whole set first); empty and non-nil: none.
	Positions []Position
	Time      time.Time // the venue's event time
	// Snapshot marks the state a venue pushes on subscribing (OKX's first
	// account push) rather than a change. A connection that replaces a
	// live one skips it: the old connection already delivered that state,
	// and applying it again could undo a later change made in the same
	// millisecond.
	Snapshot bool
}

// Stream is one connected, authenticated, subscribed private stream. The
// venue implementation answers the server's pings, sends its own and checks
// its subscription is still alive; when any of that fails, or the venue
// ends the stream, Events is closed and Err says why. It never reconnects:
// that is the Supervisor's job.
type Stream interface {
	Events() <-chan StreamEvent
	Err() error
	Close() error
}

// Streamer is implemented by venues with a private stream.
type Streamer interface {
	// Stream connects, authenticates and subscribes. ctx bounds only the
	// connecting; the stream lives until it fails or is closed.
	Stream(ctx context.Context) (Stream, error)
}

// ErrGoingAway marks a venue's notice that it will close a connection
// soon (Binance serverShutdown, OKX 64008).
var ErrGoingAway = errors.New("the venue will close the connection soon")

// GoingAway is implemented by streams whose venue announces a planned
// disconnect. GoingAway's channel is closed on the notice and Notice then
// says what the venue said (an error wrapping ErrGoingAway); the stream
// keeps delivering until the venue closes it or Close is called, so the
// supervisor can open, log in and subscribe a new connection first and
// close this one after it (make before break).
type GoingAway interface {
	GoingAway() <-chan struct{}
	Notice() error
}

// BalancesPolled is implemented by streams that may carry no balances:
// BalancesPolled says true when the venue pushes none (Coinbase Advanced
// Trade has no balance channel). A Streamer whose every stream pushes
// none implements it too, so the balances pane can say so before a
// stream is up. The supervisor then polls them: each
// audit applies the balances REST lists instead of holding a difference
// against the stream, which would otherwise be declared silent at every
// trade.
type BalancesPolled interface {
	BalancesPolled() bool
}

func pollsBalances(st Stream) bool {
	p, ok := st.(BalancesPolled)
	return ok && p.BalancesPolled()
}

// BalancesAsOf is implemented by venues that can say at which venue time a
// REST balance snapshot is valid, so it can be ordered exactly against
// stream events. Without it the supervisor stamps a snapshot with the
// estimated server time at which it was asked for.
type BalancesAsOf interface {
	BalancesAsOf(ctx context.Context) ([]Balance, time.Time, error)
}

// ErrStreamSilent ends a stream that looked healthy (pings answered,
// subscription listed) while REST showed changes it never delivered.
var ErrStreamSilent = errors.New("stream silent: the venue changed state without telling the stream")

// StreamState is where a supervised stream is in its life.
type StreamState string

const (
	StreamConnecting   StreamState = "connecting"
	StreamLive         StreamState = "live"
	StreamReconnecting StreamState = "reconnecting"
	StreamDown         StreamState = "down" // still retrying, but for a while now
)

// StreamStatus is a supervised stream's state, for the cockpit.
type StreamStatus struct {
	Account   string
	State     StreamState
	Since     time.Time // live: since when; otherwise down since when
	Attempt   int       // failed attempts since the stream was last healthy
	RetryAt   time.Time // next attempt, when waiting
	LastEvent time.Time // local time of the last event received
	Err       string    // why it is not live
	// Drops counts the times the stream was lost after being live, since
	// the supervisor started. A reader that sees only some statuses (a
	// bridge that keeps the latest per flush) still counts every drop:
	// a quick reconnect can go live again within one flush.
	Drops int
}

// ResyncReport is what one REST reconciliation changed.
type ResyncReport struct {
	Orders    int  // orders whose kept state changed
	Fills     int  // orders whose filled quantity grew: fills the stream did not deliver
	Balances  bool // balances changed
	OpenCount int  // open orders the venue listed
}

func (r ResyncReport) String() string {
	plural := func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	s := plural(r.Orders, "order updated", "orders updated") + ", " + plural(r.Fills, "fill recovered", "fills recovered")
	if r.Balances {
		s += ", balances updated"
	}
	return s
}

// SupervisorConfig wires a Supervisor. Venue, Streamer and Account are
// required; zero durations take the defaults.
type SupervisorConfig struct {
	Account  string
	Venue    Venue
	Streamer Streamer
	State    *OrderState // nil: a new one
	Backoff  *Backoff    // nil: exponential with full jitter, cap 30 s, reset after 1 min healthy
	Now      func() time.Time

	// ConnectTimeout bounds one connect (dial, auth, subscribe); default 15 s.
	ConnectTimeout time.Duration
	// CallTimeout bounds each REST call of a resync or audit; default 10 s.
	CallTimeout time.Duration
	// AuditEvery is how often a live stream is compared with REST (open
	// orders and balances); default 30 s. A stream that keeps answering
	// pings but drops events is declared dead when a difference found by
	// an audit is still there AuditGrace later with nothing new applied for
	// it, so a missed event is noticed within AuditEvery + AuditGrace (plus
	// two REST round trips): 35 s by default.
	AuditEvery time.Duration
	AuditGrace time.Duration // default 5 s
	// DownAfter failed attempts in a row turn "reconnecting" into "down";
	// default 5.
	DownAfter int
	// HandoverLinger is how long a connection the venue said it will close
	// is kept after its replacement is live, for events already on their
	// way over it (the venue's own close ends it sooner); it also bounds
	// how long the replacement's first events wait to be told apart from
	// copies of what the old one delivered. Default 1 s.
	HandoverLinger time.Duration

	// Callbacks, called from the supervisor's goroutine, in order. They must
	// not block for long (hand over to a queue, like feed's bridge).
	OnOrder func(OrderEvent) // a change the keeper accepted; Order is the merged state
	// OnBalances hears every non-zero balance after a change, and after an
	// audit that found them current (a quiet account's balances are fresh,
	// not stale, while its stream is healthy).
	OnBalances func(bals []Balance, at time.Time)
	// OnPositions hears each whole set of positions the stream pushes.
	OnPositions func(pos []Position, at time.Time)
	OnStatus    func(StreamStatus)                             // state changes and event arrivals
	OnLog       func(level slog.Level, text string, err error) // gaps, failures
	// OnEvent hears every stream event applied, once each and in the
	// venue's order, also across a handover between two connections.
	OnEvent func(StreamEvent)
}

// Supervisor keeps one account's private stream alive: it connects,
// reconciles over REST before trusting the stream, applies events through
// the OrderState, audits a live stream against REST, and reconnects with
// exponential backoff and full jitter whenever the stream dies or goes
// silent.
type Supervisor struct {
	cfg   SupervisorConfig
	state *OrderState
	bo    *Backoff

	mu        sync.Mutex
	lastEvent time.Time
	cur       StreamStatus
	drops     int
}

// NewSupervisor applies defaults; Run starts it.
func NewSupervisor(cfg SupervisorConfig) *Supervisor {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.ConnectTimeout, 15*time.Second)
	def(&cfg.CallTimeout, 10*time.Second)
	def(&cfg.AuditEvery, 30*time.Second)
	def(&cfg.AuditGrace, 5*time.Second)
	def(&cfg.HandoverLinger, time.Second)
	if cfg.DownAfter <= 0 {
		cfg.DownAfter = 5
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.State == nil {
		cfg.State = NewOrderState()
	}
	if cfg.Backoff == nil {
		cfg.Backoff = &Backoff{}
	}
	if cfg.OnOrder == nil {
		cfg.OnOrder = func(OrderEvent) {}
	}
	if cfg.OnBalances == nil {
		cfg.OnBalances = func([]Balance, time.Time) {}
	}
	if cfg.OnPositions == nil {
		cfg.OnPositions = func([]Position, time.Time) {}
	}
	if cfg.OnStatus == nil {
		cfg.OnStatus = func(StreamStatus) {}
	}
	if cfg.OnEvent == nil {
		cfg.OnEvent = func(StreamEvent) {}
	}
	if cfg.OnLog == nil {
		cfg.OnLog = func(slog.Level, string, error) {}
	}
	return &Supervisor{cfg: cfg, state: cfg.State, bo: cfg.Backoff}
}

// State is the keeper the supervisor applies to.
func (s *Supervisor) State() *OrderState { return s.state }

// Run supervises until ctx ends.
func (s *Supervisor) Run(ctx context.Context) {
	var (
		downSince time.Time // zero: never connected yet
		upSince   time.Time
		lastErr   string
		opened    Stream // a replacement already connected when its predecessor died first
	)
	s.status(StreamStatus{State: StreamConnecting, Since: s.cfg.Now()})
	for ctx.Err() == nil {
		st, rep, err := s.connect(ctx, opened)
		opened = nil
		if err == nil {
			now := s.cfg.Now()
			if downSince.IsZero() {
				s.cfg.OnLog(slog.LevelInfo, "stream live; snapshot: "+rep.String(), nil)
			} else {
				s.cfg.OnLog(slog.LevelInfo, fmt.Sprintf("stream down %s–%s; resynced: %s",
					downSince.Format("15:04:05"), now.Format("15:04:05"), rep), nil)
			}
			upSince, lastErr = now, ""
			s.status(StreamStatus{State: StreamLive, Since: upSince})
			var ov *overlap
			for {
				r := s.serve(ctx, st, ov)
				if !r.seamless {
					err, opened = r.err, r.next
					break
				}
				// The old connection stayed up until its replacement was
				// live: no gap, so no resync and no change of state.
				_ = st.Close()
				st, ov = r.next, &overlap{tail: r.tail}
				s.cfg.OnLog(slog.LevelInfo, "stream moved to a new connection before the venue closed the old one", nil)
			}
			_ = st.Close()
			if ctx.Err() != nil {
				if opened != nil {
					_ = opened.Close()
				}
				return
			}
			now = s.cfg.Now()
			downSince = now
			s.mu.Lock()
			s.drops++
			s.mu.Unlock()
			s.bo.Healthy(upSince, now)
			s.cfg.OnLog(slog.LevelWarn, "stream lost", err)
		} else {
			if ctx.Err() != nil {
				return
			}
			if downSince.IsZero() {
				downSince = s.cfg.Now()
			}
			if e := err.Error(); e != lastErr {
				lastErr = e
				s.cfg.OnLog(slog.LevelWarn, "stream connect failed", err)
			}
		}
		if opened != nil {
			// The venue closed the old connection before the new one was
			// live: resync over the new one at once.
			s.status(StreamStatus{State: StreamReconnecting, Since: downSince, Err: errText(err)})
			continue
		}
		delay := s.bo.Next()
		attempt := s.bo.Attempt()
		state := StreamReconnecting
		if attempt >= s.cfg.DownAfter {
			state = StreamDown
		}
		retry := s.cfg.Now().Add(delay)
		s.status(StreamStatus{State: state, Since: downSince, Attempt: attempt, RetryAt: retry, Err: errText(err)})
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (s *Supervisor) status(st StreamStatus) {
	st.Account = s.cfg.Account
	s.mu.Lock()
	st.LastEvent = s.lastEvent
	st.Drops = s.drops
	s.cur = st
	s.mu.Unlock()
	s.cfg.OnStatus(st)
}

// Status is the stream's current state.
func (s *Supervisor) Status() StreamStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// connect opens the stream (unless st is one already open) and reconciles
// over REST before trusting it. Events arriving meanwhile are held and
// applied after the snapshot; the keeper's monotone merge makes the overlap
// harmless.
func (s *Supervisor) connect(ctx context.Context, st Stream) (Stream, ResyncReport, error) {
	if st == nil {
		cctx, cancel := context.WithTimeout(ctx, s.cfg.ConnectTimeout)
		var err error
		st, err = s.cfg.Streamer.Stream(cctx)
		cancel()
		if err != nil {
			return nil, ResyncReport{}, err
		}
	}
	type result struct {
		rep ResyncReport
		err error
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan result, 1)
	go func() {
		rep, err := s.Reconcile(rctx)
		done <- result{rep, err}
	}()
	var held []StreamEvent
	events := st.Events()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				stop()
				<-done
				err := st.Err()
				if err == nil {
					err = errors.New("stream ended during resync")
				}
				return nil, ResyncReport{}, err
			}
			held = append(held, ev)
		case r := <-done:
			if r.err != nil {
				_ = st.Close()
				return nil, ResyncReport{}, fmt.Errorf("resync: %w", r.err)
			}
			for _, ev := range held {
				s.handle(ev)
			}
			return st, r.rep, nil
		}
	}
}

// served is how serving one connection ended.
type served struct {
	err error
	// next is a replacement opened after the venue's notice; nil if none
	// is live. With seamless, the old connection stayed up until next was
	// live and was then closed by us; tail is what it delivered since next
	// began to connect. Without seamless, next (if any) needs a resync.
	next     Stream
	seamless bool
	tail     []StreamEvent
}

type dialed struct {
	st  Stream
	err error
}

// maxTail bounds the events remembered from a connection being replaced;
// an overlap longer than this is far beyond any venue's switch-over.
const maxTail = 4096

// serve applies events until the stream ends, ctx ends, an audit finds
// the stream silent, or a replacement opened after the venue's notice
// takes over. ov, when st replaced a connection, drops st's copies of
// events the old connection delivered.
func (s *Supervisor) serve(ctx context.Context, st Stream, ov *overlap) (r served) {
	audits := time.NewTicker(s.cfg.AuditEvery)
	defer audits.Stop()
	verdict := make(chan error, 1)
	auditing := false
	actx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stop()

	var (
		notice    <-chan struct{}
		dialing   <-chan dialed // a replacement connecting
		endDial   context.CancelFunc
		next      Stream // the replacement, live
		recording bool
		tail      []StreamEvent
		linger    *time.Timer
		lingerC   <-chan time.Time
		settle    *time.Timer
		settleC   <-chan time.Time
	)
	if g, ok := st.(GoingAway); ok {
		notice = g.GoingAway()
	}
	defer func() {
		if linger != nil {
			linger.Stop()
		}
		if settle != nil {
			settle.Stop()
		}
		if dialing != nil {
			endDial()
			if d := <-dialing; d.err == nil {
				_ = d.st.Close()
			}
		}
		if next != nil && r.next != next {
			_ = next.Close()
		}
	}()
	apply := func(evs ...StreamEvent) {
		for _, ev := range evs {
			s.handle(ev)
			if recording {
				if len(tail) == maxTail {
					tail = append(tail[:0], tail[1:]...)
				}
				tail = append(tail, ev)
			}
		}
	}
	// ended is st's end, with a replacement still connecting waited for.
	// Ended by the venue, even after the replacement went live, it is no
	// seamless handover: the venue may have stopped sending on it before
	// the replacement was subscribed, so the replacement is resynced.
	ended := func(err error) served {
		if ov != nil {
			apply(ov.flush()...)
		}
		if next != nil {
			n := next
			next = nil
			return served{err: err, next: n}
		}
		if dialing != nil {
			var d dialed
			select {
			case d = <-dialing:
			case <-ctx.Done():
				return served{err: ctx.Err()}
			}
			dialing = nil
			endDial()
			if d.err == nil {
				return served{err: err, next: d.st}
			}
		}
		return served{err: err}
	}
	for {
		select {
		case <-ctx.Done():
			return served{err: ctx.Err()}
		case ev, ok := <-st.Events():
			if !ok {
				err := st.Err()
				if err == nil {
					err = errors.New("stream closed")
				}
				return ended(err)
			}
			if ov == nil {
				apply(ev)
				break
			}
			apply(ov.admit(ev)...)
			switch {
			case ov.settled():
				if settle != nil {
					settle.Stop()
				}
				ov, settleC = nil, nil
			case settleC == nil:
				settle = time.NewTimer(s.cfg.HandoverLinger)
				settleC = settle.C
			}
		case <-settleC:
			apply(ov.flush()...)
			ov, settleC = nil, nil
		case <-notice:
			notice = nil
			s.cfg.OnLog(slog.LevelInfo, "the venue will close the stream soon; opening a new connection first", st.(GoingAway).Notice())
			recording = true
			dialing, endDial = s.dial(ctx)
		case d := <-dialing:
			dialing = nil
			endDial()
			if d.err != nil {
				s.cfg.OnLog(slog.LevelWarn, "could not open a new connection before the venue closes the old one", d.err)
				break
			}
			next = d.st
			linger = time.NewTimer(s.cfg.HandoverLinger)
			lingerC = linger.C
		case <-lingerC:
			// The replacement is live: close the old connection ourselves,
			// with a close frame, before the venue cuts it.
			_ = st.Close()
			if ov != nil {
				apply(ov.flush()...)
			}
			return served{next: next, seamless: true, tail: tail}
		case <-audits.C:
			if !auditing {
				auditing = true
				polled := pollsBalances(st)
				wg.Go(func() { verdict <- s.audit(actx, polled) })
			}
		case err := <-verdict:
			auditing = false
			if err != nil {
				if next != nil {
					// The old connection was silent: the new one is up,
					// but what was missed needs a resync.
					n := next
					next = nil
					return served{err: err, next: n}
				}
				return served{err: err}
			}
		}
	}
}

// dial opens a replacement connection in the background.
func (s *Supervisor) dial(ctx context.Context) (<-chan dialed, context.CancelFunc) {
	dctx, cancel := context.WithTimeout(ctx, s.cfg.ConnectTimeout)
	ch := make(chan dialed, 1)
	go func() {
		defer cancel()
		st, err := s.cfg.Streamer.Stream(dctx)
		ch <- dialed{st, err}
	}()
	return ch, cancel
}

// overlap drops a replacement connection's copies of events the old one
// already delivered. The two connections carry the same ordered feed, so
// the copies are the old connection's last events, arriving first on the
// new one: the longest suffix of tail that the new connection begins with.
type overlap struct {
	tail []StreamEvent // what the old connection delivered since the new one began to connect
	buf  []StreamEvent // the new connection's events while undecided
	done bool
}

// admit takes the new connection's next event and returns the events to
// apply now (none while it may still be a copy).
func (o *overlap) admit(ev StreamEvent) []StreamEvent {
	if o.done {
		return []StreamEvent{ev}
	}
	if ev.Snapshot {
		return nil
	}
	o.buf = append(o.buf, ev)
	k, sure := o.match(false)
	if !sure {
		return nil
	}
	return o.decide(k)
}

// settled says whether admit passes events straight through.
func (o *overlap) settled() bool { return o.done }

// flush decides with what has arrived: the replacement's first events are
// copies only as far as they match.
func (o *overlap) flush() []StreamEvent {
	if o.done {
		return nil
	}
	k, _ := o.match(true)
	return o.decide(k)
}

func (o *overlap) decide(k int) []StreamEvent {
	out := o.buf[k:]
	o.tail, o.buf, o.done = nil, nil, true
	return out
}

// match finds the longest suffix of tail that buf is consistent with. A
// suffix longer than buf, matched as far as buf goes, leaves the decision
// open (sure false) unless final.
func (o *overlap) match(final bool) (k int, sure bool) {
	for k := len(o.tail); k > 0; k-- {
		n := min(k, len(o.buf))
		if final && k > len(o.buf) {
			continue
		}
		from := len(o.tail) - k
		same := true
		for i := range n {
			if !sameEvent(o.tail[from+i], o.buf[i]) {
				same = false
				break
			}
		}
		if same {
			return k, k <= len(o.buf)
		}
	}
	return 0, true
}

// sameEvent says whether two connections' events are one venue event: the
// same venue facts, whatever the connection (not LastQty's derivation nor
// the account label).
func sameEvent(a, b StreamEvent) bool {
	if !a.Time.Equal(b.Time) || (a.Order == nil) != (b.Order == nil) || len(a.Balances) != len(b.Balances) {
		return false
	}
	for i := range a.Balances {
		x, y := a.Balances[i], b.Balances[i]
		if x.Asset != y.Asset || !x.Free.Equal(y.Free) || !x.Locked.Equal(y.Locked) {
			return false
		}
	}
	if a.Order == nil {
		return true
	}
	x, y := a.Order, b.Order
	return x.Kind == y.Kind && x.TradeID == y.TradeID && x.Time.Equal(y.Time) &&
		x.Order.OrderID == y.Order.OrderID && x.Order.ClientID == y.Order.ClientID &&
		x.Order.Status == y.Order.Status && x.Order.Filled.Equal(y.Order.Filled) &&
		x.Order.QuoteFilled.Equal(y.Order.QuoteFilled) && x.Order.Updated.Equal(y.Order.Updated) &&
		x.LastQty.Equal(y.LastQty) && x.LastPrice.Equal(y.LastPrice)
}

// handle applies one event and reports what changed.
func (s *Supervisor) handle(ev StreamEvent) {
	now := s.cfg.Now()
	s.mu.Lock()
	s.lastEvent = now
	s.cur.LastEvent = now
	cur := s.cur
	s.mu.Unlock()
	if ev.Order != nil {
		oe := *ev.Order
		if oe.Account == "" {
			oe.Account = s.cfg.Account
		}
		if c := s.state.Apply(oe); c.Changed() {
			oe.Order = c.Order
			s.cfg.OnOrder(oe)
		}
	}
	if ev.Balances != nil && s.state.ApplyBalances(s.cfg.Account, ev.Balances, ev.Time, false) {
		s.cfg.OnBalances(s.state.Balances(s.cfg.Account), now)
	}
	if ev.Positions != nil {
		s.cfg.OnPositions(ev.Positions, now)
	}
	s.cfg.OnEvent(ev)
	// Events held during a resync arrive before the state is live: the
	// status reported is whatever it is, only fresher.
	s.cfg.OnStatus(cur)
}

func (s *Supervisor) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(WithPriority(ctx, Background), s.cfg.CallTimeout)
}

// Reconcile takes a REST snapshot of open orders and balances, asks after
// every order kept as unsettled that the venue no longer lists as open, and
// applies all of it. Changes are reported through OnOrder and OnBalances.
func (s *Supervisor) Reconcile(ctx context.Context) (ResyncReport, error) {
	var rep ResyncReport
	name := s.cfg.Account
	cctx, cancel := s.call(ctx)
	open, err := s.cfg.Venue.OpenOrders(cctx, "")
	cancel()
	if err != nil {
		return rep, fmt.Errorf("open orders: %w", err)
	}
	rep.OpenCount = len(open)
	seen := make(map[string]bool, len(open))
	apply := func(kind EventKind, o Order) {
		o.Account = name
		c := s.state.Apply(OrderEvent{Account: name, Kind: kind, Order: o, Time: o.Updated})
		if !c.Changed() {
			return
		}
		rep.Orders++
		if c.Added.IsPositive() {
			rep.Fills++
		}
		s.cfg.OnOrder(OrderEvent{Account: name, Kind: kind, Order: c.Order, Time: o.Updated})
	}
	for _, o := range open {
		seen[o.OrderID] = true
		apply(EventSnapshot, o)
	}
	for _, o := range s.state.list(name, func(o Order) bool { return !o.Status.Final() }) {
		if seen[o.OrderID] || (o.OrderID == "" && o.ClientID == "") {
			continue
		}
		cctx, cancel := s.call(ctx)
		q, err := s.cfg.Venue.Query(cctx, OrderRef{Symbol: o.Symbol, ClientID: o.ClientID, OrderID: o.OrderID})
		cancel()
		if errors.Is(err, ErrOrderNotFound) {
			continue // never reached the venue; the journal's reconciler owns it
		}
		if err != nil {
			return rep, fmt.Errorf("query %s: %w", o.ClientID, err)
		}
		apply(settledKind(q.Status), q)
	}
	changed, err := s.pollBalances(ctx)
	if err != nil {
		return rep, fmt.Errorf("balances: %w", err)
	}
	rep.Balances = changed
	return rep, nil
}

// pollBalances applies a REST snapshot of the balances and reports a
// change.
func (s *Supervisor) pollBalances(ctx context.Context) (changed bool, err error) {
	bals, at, err := s.balances(ctx)
	if err != nil {
		return false, err
	}
	name := s.cfg.Account
	if !s.state.ApplyBalances(name, bals, at, true) {
		return false, nil
	}
	s.cfg.OnBalances(s.state.Balances(name), s.cfg.Now())
	return true, nil
}

func settledKind(st OrderStatus) EventKind {
	switch st {
	case StatusPartiallyFilled, StatusFilled:
		return EventFill
	case StatusCanceled:
		return EventCancel
	case StatusRejected:
		return EventReject
	case StatusExpired:
		return EventExpire
	}
	return EventSnapshot
}

// balances is a REST snapshot and the venue time it is valid at.
func (s *Supervisor) balances(ctx context.Context) ([]Balance, time.Time, error) {
	cctx, cancel := s.call(ctx)
	defer cancel()
	if b, ok := s.cfg.Venue.(BalancesAsOf); ok {
		return b.BalancesAsOf(cctx)
	}
	// The request is answered after it is sent: the estimated server time
	// at sending is a lower bound of the snapshot's time.
	at := s.cfg.Now().Add(s.cfg.Venue.Clock().Offset)
	bals, err := s.cfg.Venue.Balances(cctx)
	return bals, at, err
}

// audit compares REST with the keeper. A difference is not a verdict by
// itself (the event may be in flight): it must still be there AuditGrace
// later, on a fresh snapshot, with the keeper unchanged for that item.
// With polled, the balances are applied from REST, not compared.
func (s *Supervisor) audit(ctx context.Context, polled bool) error {
	if polled {
		if _, err := s.pollBalances(ctx); err != nil {
			return nil // a failed audit says nothing about the stream
		}
	}
	first, err := s.differences(ctx, polled)
	if err != nil {
		return nil // a failed audit says nothing about the stream
	}
	if len(first) == 0 {
		s.cfg.OnBalances(s.state.Balances(s.cfg.Account), s.cfg.Now())
		return nil
	}
	t := time.NewTimer(s.cfg.AuditGrace)
	select {
	case <-ctx.Done():
		t.Stop()
		return nil
	case <-t.C:
	}
	second, err := s.differences(ctx, polled)
	if err != nil {
		return nil
	}
	var missed []string
	for k, v := range first {
		if w, ok := second[k]; ok && w == v {
			missed = append(missed, k)
		}
	}
	if len(missed) == 0 {
		return nil
	}
	sort.Strings(missed)
	return fmt.Errorf("%w (%s)", ErrStreamSilent, strings.Join(missed, ", "))
}

// differences maps each item where REST knows more than the keeper to the
// keeper's version of that item; balances only when the stream carries
// them (not polled).
func (s *Supervisor) differences(ctx context.Context, polled bool) (map[string]uint64, error) {
	name := s.cfg.Account
	out := map[string]uint64{}
	cctx, cancel := s.call(ctx)
	open, err := s.cfg.Venue.OpenOrders(cctx, "")
	cancel()
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(open))
	for _, o := range open {
		seen[o.OrderID] = true
		ref := OrderRef{OrderID: o.OrderID, ClientID: o.ClientID}
		k, ok := s.state.Order(name, ref)
		if !ok || k.Filled.LessThan(o.Filled) || k.Status.Rank() < o.Status.Rank() {
			out["order "+o.ClientID] = s.state.OrderVersion(name, ref)
		}
	}
	for _, k := range s.state.Open(name) {
		if k.Status.Open() && !seen[k.OrderID] {
			out["order "+k.ClientID] = s.state.OrderVersion(name, OrderRef{OrderID: k.OrderID, ClientID: k.ClientID})
		}
	}
	if polled {
		return out, nil
	}
	bals, at, err := s.balances(ctx)
	if err != nil {
		return nil, err
	}
	rest := map[string]Balance{}
	for _, b := range bals {
		rest[b.Asset] = b
	}
	for _, b := range s.state.Balances(name) {
		if _, ok := rest[b.Asset]; !ok {
			rest[b.Asset] = Balance{Asset: b.Asset}
		}
	}
	for asset, b := range rest {
		k, kat, ver := s.state.balance(name, asset)
		if kat.Before(at) && (!k.Free.Equal(b.Free) || !k.Locked.Equal(b.Locked)) {
			out["balance "+asset] = ver
		}
	}
	return out, nil
}
