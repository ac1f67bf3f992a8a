package feed

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/views"
)

// Options tune the pollers. Zero fields take the defaults.
type Options struct {
	ClockEvery    time.Duration // scheduled clock re-sync (default 45s)
	ClockCheck    time.Duration // how often the clock loop looks at its snapshot (default 1s)
	SnapshotEvery time.Duration // clock and budget snapshots looked at, and pushed if changed (default 1s)
	BalancesEvery time.Duration // default 10s
	OrdersEvery   time.Duration // open orders of venues without a private stream (default 5s)
	// StreamAuditEvery is how often a venue's live private stream is
	// compared with REST open orders and balances (default 30s): the
	// safety net that replaces the OrdersEvery and BalancesEvery polls for
	// venues with a stream, and what finds a stream gone silent.
	StreamAuditEvery time.Duration
	// NoStream polls every venue, even those with a private stream.
	NoStream bool
	KeyEvery time.Duration // key audit (default 10m)
	Timeout  time.Duration // per request (default 10s)
	// OnOrder, when set, hears every order change the feed reports (from
	// a stream or a poll) on the reporting goroutine, after the panes were
	// sent it; the order desk's journal follows fills and cancels with it.
	// It must not block for long.
	OnOrder    func(account string, o exchange.Order)
	FlushEvery time.Duration // bridge state flush (default DefaultFlushEvery)
	Now        func() time.Time
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ClockEvery, 45*time.Second)
	def(&o.ClockCheck, time.Second)
	def(&o.SnapshotEvery, time.Second)
	def(&o.BalancesEvery, 10*time.Second)
	def(&o.OrdersEvery, 5*time.Second)
	def(&o.StreamAuditEvery, 30*time.Second)
	def(&o.KeyEvery, 10*time.Minute)
	def(&o.Timeout, 10*time.Second)
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Started is the first event of every account generation: the root model
// learns the generation from it, and that older results are now stale.
type Started struct {
	Account string
	Gen     uint64
}

// Feed runs the pollers of every account and owns the bridge.
type Feed struct {
	ctx    context.Context
	opts   Options
	bridge *Bridge
	wg     sync.WaitGroup

	mu       sync.Mutex
	accounts map[string]*account
	names    []string
}

type account struct {
	v      exchange.Venue
	state  *exchange.OrderState // what the stream and its resyncs taught us; lives across generations
	gen    uint64
	cancel context.CancelFunc
	resync chan struct{}
}

// Start launches the bridge (delivering to sink, typically Program.Send) and
// one set of pollers per venue. Everything stops when ctx ends; Wait waits.
func Start(ctx context.Context, venues []exchange.Venue, sink func(tea.Msg), opts Options) *Feed {
	opts = opts.withDefaults()
	f := &Feed{
		ctx:      ctx,
		opts:     opts,
		bridge:   NewBridge(sink, opts.FlushEvery),
		accounts: make(map[string]*account),
	}
	f.wg.Go(func() { f.bridge.Run(ctx) })
	for _, v := range venues {
		name := v.Info().Name
		a := &account{v: v, state: exchange.NewOrderState()}
		f.accounts[name] = a
		f.names = append(f.names, name)
		f.mu.Lock()
		f.startLocked(name, a)
		f.mu.Unlock()
	}
	f.wg.Go(func() { f.snapshotLoop(ctx) })
	return f
}

// Bridge is the feed's bridge, for other producers of events (a stream hub).
func (f *Feed) Bridge() *Bridge { return f.bridge }

// Wait blocks until every poller and the bridge have stopped.
func (f *Feed) Wait() { f.wg.Wait() }

// Resync asks account's clock loop to sync now; "" means every account.
// It never blocks: a request already pending absorbs this one.
func (f *Feed) Resync(accountName string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, a := range f.accounts {
		if accountName != "" && name != accountName {
			continue
		}
		select {
		case a.resync <- struct{}{}:
		default:
		}
	}
}

// Restart abandons account's pollers, requests in flight included, and
// starts a new generation: whatever the old one still produces is dropped.
func (f *Feed) Restart(accountName string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.accounts[accountName]; ok {
		a.cancel()
		f.startLocked(accountName, a)
	}
}

func (f *Feed) startLocked(name string, a *account) {
	a.gen++
	ctx, cancel := context.WithCancel(f.ctx)
	a.cancel = cancel
	a.resync = make(chan struct{}, 1)
	f.bridge.SetGen(name, a.gen)
	f.bridge.Event(name, a.gen, Started{Account: name, Gen: a.gen})
	p := &poller{
		name:   name,
		gen:    a.gen,
		v:      a.v,
		opts:   f.opts,
		bridge: f.bridge,
		resync: a.resync,
	}
	f.wg.Go(func() { p.clockLoop(ctx) })
	f.wg.Go(func() { p.keyLoop(ctx) })
	if r, ok := a.v.(exchange.PositionsReader); ok {
		// Polled whether or not a stream pushes them: a stream's pushes
		// come only on change, and the poll is what marks them fresh; at
		// the stream audit's pace when a stream pushes them.
		every := f.opts.BalancesEvery
		if _, streams := a.v.(exchange.Streamer); streams && !f.opts.NoStream {
			every = f.opts.StreamAuditEvery
		}
		f.wg.Go(func() { p.positionsLoop(ctx, r, every) })
	}
	if s, ok := a.v.(exchange.Streamer); ok && !f.opts.NoStream {
		f.wg.Go(func() { p.streamLoop(ctx, s, a.state) })
		return
	}
	f.bridge.State(KindStream, name, a.gen, views.StreamMsg{Account: name, State: "off"})
	f.wg.Go(func() { p.balancesLoop(ctx) })
	f.wg.Go(func() { p.ordersLoop(ctx) })
}

// Track tells account's stream keeper about an order the cockpit placed or
// cancelled, from the venue's answer. An order that is placed and filled
// while the stream is down is invisible to the open-orders snapshot; once
// tracked, the resync after the gap asks the venue about it.
func (f *Feed) Track(accountName string, o exchange.Order) {
	f.mu.Lock()
	a, ok := f.accounts[accountName]
	f.mu.Unlock()
	if !ok || o.OrderID == "" && o.ClientID == "" {
		return
	}
	o.Account = accountName
	a.state.Apply(exchange.OrderEvent{Account: accountName, Kind: exchange.EventSnapshot, Order: o, Time: o.Updated})
}

// poller is one generation of one account. Each concern runs in its own
// goroutine so a hung balances call cannot hold back the clock, and each
// request has its own deadline so a hung venue shows up as an error.
type poller struct {
	name   string
	gen    uint64
	v      exchange.Venue
	opts   Options
	bridge *Bridge
	resync chan struct{}
	// sigShown: a refused signature is in Events already (see
	// signatureRefused).
	sigShown atomic.Bool
}

func (p *poller) call(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx = exchange.WithPriority(ctx, exchange.Background)
	return context.WithTimeout(ctx, p.opts.Timeout)
}

func (p *poller) log(level views.Level, text string, err error) {
	m := views.LogMsg{Time: p.opts.Now(), Level: level, Account: p.name, Text: text}
	if err != nil {
		m.Text = text + ": " + exchange.Humanize(err) // plain words, the raw chain after them
		m.Advice = exchange.AdviceOf(err)
	}
	p.bridge.Event(p.name, p.gen, m)
}

// order reports an order change to the panes, then to OnOrder.
func (p *poller) order(ev exchange.OrderEvent) {
	p.bridge.Event(p.name, p.gen, views.OrderEventMsg{Event: ev})
	if p.opts.OnOrder != nil {
		p.opts.OnOrder(p.name, ev.Order)
	}
}

// every runs fn at once and then every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *poller) clockLoop(ctx context.Context) {
	t := time.NewTicker(p.opts.ClockCheck)
	defer t.Stop()
	var lastErr string
	// A venue that is down is asked again after a growing, jittered wait,
	// not at every check: each check would otherwise be another sync
	// (several requests) a second, from every vigil on the key.
	retry := exchange.Backoff{Base: 2 * p.opts.ClockCheck, Cap: p.opts.ClockEvery}
	var retryAt time.Time
	doSync := func() {
		cctx, cancel := p.call(ctx)
		err := p.v.SyncClock(cctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			retryAt = p.opts.Now().Add(max(p.opts.ClockCheck, retry.Next()))
		} else {
			retry.Clear()
			retryAt = time.Time{}
		}
		s := p.v.Clock()
		s.Account = p.name
		if err != nil && s.Err == "" {
			// A venue whose estimator did not record the failure (it hung
			// before reaching it) must still show it.
			s.Err = describe(err)
		}
		p.bridge.State(KindClock, p.name, p.gen, views.ClockMsg{Snapshot: s})
		// A sync that lost some samples (a 5xx, a slow answer) succeeds but
		// records why in the snapshot: that reaches Events too. Once per
		// cause, not per sync: the count of failed samples may move while
		// the cause stays.
		text := s.Err
		if err != nil {
			text = describe(err)
		}
		if e := syncCause(text); e != lastErr {
			had := lastErr != ""
			lastErr = e
			switch {
			case err != nil:
				p.log(views.LevelWarn, "clock sync failed", err)
			case text != "":
				p.log(views.LevelWarn, "clock sync: "+text, nil)
			case had:
				p.log(views.LevelInfo, "clock sync recovered: every sample answered", nil)
			}
		}
	}
	doSync()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.resync:
			doSync()
		case <-t.C:
			s := p.v.Clock()
			now := p.opts.Now()
			if now.Before(retryAt) {
				continue
			}
			if !s.Synced || s.LastSync.IsZero() || now.Sub(s.LastSync) >= p.opts.ClockEvery {
				doSync()
			}
		}
	}
}

// keyLoop audits the key every KeyEvery. A failed audit (a timeout, a 5xx)
// is tried again within seconds, backing off, so one bad answer does not
// leave the key marked "audit failed" for the whole period.
func (p *poller) keyLoop(ctx context.Context) {
	retry := exchange.Backoff{Base: 5 * time.Second, Cap: p.opts.KeyEvery}
	for {
		cctx, cancel := p.call(ctx)
		info, err := p.v.KeyInfo(cctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		p.signatureRefused(err)
		wait := p.opts.KeyEvery
		if err != nil {
			err = errors.New(describe(err))
			wait = max(time.Second, retry.Next())
		} else {
			retry.Clear()
		}
		p.bridge.State(KindKey, p.name, p.gen, views.KeyInfoMsg{Account: p.name, Info: info, Err: err})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (p *poller) balancesLoop(ctx context.Context) {
	every(ctx, p.opts.BalancesEvery, func() {
		cctx, cancel := p.call(ctx)
		bals, err := p.v.Balances(cctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		p.signatureRefused(err)
		if err != nil {
			err = errors.New(describe(err))
		}
		p.bridge.State(KindBalances, p.name, p.gen, views.BalancesMsg{
			Account: p.name, Balances: bals, At: p.opts.Now(), Every: p.opts.BalancesEvery, Err: err,
		})
	})
}

func (p *poller) positionsLoop(ctx context.Context, r exchange.PositionsReader, period time.Duration) {
	every(ctx, period, func() {
		cctx, cancel := p.call(ctx)
		pos, err := r.Positions(cctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		p.signatureRefused(err)
		if err != nil {
			err = errors.New(describe(err))
		}
		if pos == nil && err == nil {
			pos = []exchange.Position{} // none, which is news, not "no data"
		}
		p.bridge.State(KindPositions, p.name, p.gen, views.PositionsMsg{
			Account: p.name, Positions: pos, At: p.opts.Now(), Every: period, Err: err,
		})
	})
}

// ordersLoop polls open orders and reports what changed as events. An order
// that left the open set is asked for once, so a fill or cancel made
// elsewhere reaches the blotter with its final state.
func (p *poller) ordersLoop(ctx context.Context) {
	known := map[string]exchange.Order{}
	var lastErr string
	every(ctx, p.opts.OrdersEvery, func() {
		cctx, cancel := p.call(ctx)
		open, err := p.v.OpenOrders(cctx, "")
		cancel()
		if ctx.Err() != nil {
			return
		}
		if e := errText(err); e != lastErr {
			lastErr = e
			if err != nil {
				p.log(views.LevelWarn, "open orders poll failed", err)
			}
		}
		if err != nil {
			return
		}
		seen := make(map[string]bool, len(open))
		for _, o := range open {
			o.Account = p.name
			id := orderKey(o)
			seen[id] = true
			if prev, ok := known[id]; ok && sameState(prev, o) {
				continue
			}
			known[id] = o
			p.order(exchange.OrderEvent{Account: p.name, Kind: exchange.EventSnapshot, Order: o, Time: o.Updated})
		}
		for id, prev := range known {
			if seen[id] {
				continue
			}
			delete(known, id)
			cctx, cancel := p.call(ctx)
			o, err := p.v.Query(cctx, exchange.OrderRef{Symbol: prev.Symbol, ClientID: prev.ClientID, OrderID: prev.OrderID})
			cancel()
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				if !errors.Is(err, exchange.ErrOrderNotFound) {
					p.log(views.LevelWarn, fmt.Sprintf("order %s left the book; query failed", prev.ClientID), err)
				}
				continue
			}
			o.Account = p.name
			p.order(exchange.OrderEvent{Account: p.name, Kind: kindOf(o.Status), Order: o, Time: o.Updated})
		}
	})
}

func orderKey(o exchange.Order) string {
	if o.ClientID != "" {
		return "c:" + o.ClientID
	}
	return "o:" + o.OrderID
}

func sameState(a, b exchange.Order) bool {
	return a.Status == b.Status && a.Filled.Equal(b.Filled) && a.Updated.Equal(b.Updated)
}

// kindOf names the event a REST observation of an order amounts to.
func kindOf(s exchange.OrderStatus) exchange.EventKind {
	switch s {
	case exchange.StatusNew:
		return exchange.EventAck
	case exchange.StatusPartiallyFilled, exchange.StatusFilled:
		return exchange.EventFill
	case exchange.StatusCanceled:
		return exchange.EventCancel
	case exchange.StatusRejected:
		return exchange.EventReject
	case exchange.StatusExpired:
		return exchange.EventExpire
	}
	return exchange.EventSnapshot
}

// KindOf is kindOf for the root model, which reports place and cancel
// results the same way.
func KindOf(s exchange.OrderStatus) exchange.EventKind { return kindOf(s) }

// partialSync is how exchange.Clock.Sync words a batch that lost some
// samples: "3 of 8 samples failed: …".
var partialSync = regexp.MustCompile(`^\d+ of \d+ samples failed: `)

// syncCause is a clock sync error without the count of failed samples.
func syncCause(text string) string { return partialSync.ReplaceAllString(text, "") }

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// describe makes a deadline readable: "timed out" says more to a trader than
// "context deadline exceeded".
func describe(err error) string {
	return exchange.Humanize(err) // "timed out (venue not answering)" for a deadline
}
