package sim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// StreamFault is a misbehaviour of a fake venue's private WebSocket.
type StreamFault int

const (
	// StreamDrop closes every open connection at once without a close
	// frame, like a network cut (one-shot).
	StreamDrop StreamFault = iota + 1
	// StreamNoPong stops answering the client's pings while pushes keep
	// flowing (until cleared).
	StreamNoPong
	// StreamSilent withholds pushes (they are lost, not queued) while the
	// connection and pongs stay healthy (until cleared).
	StreamSilent
	// StreamDelay delivers pushes late by the given delay (until cleared).
	StreamDelay
	// StreamExpire ends every session the way the venue does (its notice,
	// then a normal close), as at a maximum connection age or a service
	// upgrade (one-shot).
	StreamExpire
	// StreamNotice announces a planned disconnect on every open connection
	// (the venue's notice, WSServe.Notice), keeps serving them for the
	// given delay, then closes those still open normally, as before a
	// service upgrade (one-shot). A venue with no such notice just closes
	// them after the delay.
	StreamNotice
)

// WSHub is the venue-neutral half of a fake private WebSocket: the open
// connections, the stream faults, and the fan-out of the simulated
// exchange's events through those faults. A fake keeps only its venue's
// message shapes. The zero value is ready to use.
type WSHub struct {
	mu      sync.Mutex
	conns   map[*WSConn]bool
	nconns  int
	history []WSConnEvent
	noPong  bool
	silent  bool
	delay   time.Duration

	// A silence is a span of each account's event sequence, so an event
	// made while silent is lost even if its connection's forwarder reaches
	// it after ClearFaults: (silentAfter, resumeAfter], open-ended while
	// silent. xs are the exchanges Forward has seen.
	xs                       map[*Exchange]bool
	silentAfter, resumeAfter map[seqKey]uint64
}

type seqKey struct {
	x       *Exchange
	account string
}

// seqs is the latest event sequence number of every account of every
// exchange forwarded so far; h.mu must not be held (each exchange takes
// its own lock).
func (h *WSHub) seqs() map[seqKey]uint64 {
	h.mu.Lock()
	xs := make([]*Exchange, 0, len(h.xs))
	for x := range h.xs {
		xs = append(xs, x)
	}
	h.mu.Unlock()
	m := map[seqKey]uint64{}
	for _, x := range xs {
		for _, a := range x.Accounts() {
			m[seqKey{x, a}] = x.Seq(a)
		}
	}
	return m
}

// SetFault applies a fault: one-shot faults act on the connections open
// now; the others last until ClearFaults.
func (h *WSHub) SetFault(f StreamFault, delay time.Duration) {
	var seqs map[seqKey]uint64
	if f == StreamSilent {
		seqs = h.seqs()
	}
	h.mu.Lock()
	conns := make([]*WSConn, 0, len(h.conns))
	expires := make([]func(*WSConn), 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
		expires = append(expires, c.expire) // OnExpire writes it under h.mu
	}
	// In the order they opened, so a notice fault is deterministic.
	sort.Slice(conns, func(i, j int) bool { return conns[i].n < conns[j].n })
	for i, c := range conns {
		expires[i] = c.expire
	}
	switch f {
	case StreamNoPong:
		h.noPong = true
	case StreamSilent:
		h.silent = true
		h.silentAfter, h.resumeAfter = seqs, nil
	case StreamDelay:
		h.delay = delay
	}
	h.mu.Unlock()
	for i, c := range conns {
		switch f {
		case StreamDrop:
			c.Drop()
		case StreamExpire:
			// A close handshake waits for the client to read the frame.
			go expires[i](c)
		case StreamNotice:
			go func() {
				if c.notice != nil {
					c.notice(c)
				}
				if c.sleep(delay) {
					c.CloseNormal("service upgrade")
				}
			}()
		}
	}
}

// ClearFaults ends lasting faults.
func (h *WSHub) ClearFaults() {
	seqs := h.seqs()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.silent {
		h.resumeAfter = seqs
	}
	h.noPong, h.silent, h.delay = false, false, 0
}

// Conns is how many connections are open.
func (h *WSHub) Conns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// AnswerPings says whether a venue's ping handler should answer.
func (h *WSHub) AnswerPings() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.noPong
}

// pushFaults says whether e, from x, was made while the stream was silent,
// and how late pushes are to be.
func (h *WSHub) pushFaults(x *Exchange, e Event) (silenced bool, delay time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.silentAfter != nil || h.silent {
		k := seqKey{x, e.Account}
		silenced = e.Seq > h.silentAfter[k] && (h.silent || e.Seq <= h.resumeAfter[k])
	}
	return silenced, h.delay
}

func (h *WSHub) track(x *Exchange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.xs == nil {
		h.xs = map[*Exchange]bool{}
	}
	h.xs[x] = true
}

// WSServe is how one fake serves its private WebSocket.
type WSServe struct {
	// Closed is closed when the fake shuts down; its connections drop.
	Closed <-chan struct{}
	// Idle closes a connection that sends no message for this long (OKX:
	// 30 s); zero never does.
	Idle time.Duration
	// Accept tunes the handshake (the library's defaults when nil).
	Accept *websocket.AcceptOptions
	// Open is called once per connection before its first message is read
	// and returns the handler of its messages; the venue keeps its own
	// per-connection state in that closure.
	Open func(c *WSConn) (handle func(msg []byte))
	// Expire ends a session the venue's way under StreamExpire; nil closes
	// it normally.
	Expire func(c *WSConn)
	// Notice sends the venue's notice of a planned disconnect under
	// StreamNotice; nil: the venue sends none.
	Notice func(c *WSConn)
}

// WSConnChange is a step in a connection's life, as the venue sees it.
type WSConnChange string

const (
	WSOpened     WSConnChange = "opened"
	WSSubscribed WSConnChange = "subscribed" // its first Forward
	// WSClientClosed: the client ended it with a close frame.
	WSClientClosed WSConnChange = "closed by the client"
	// WSClientDropped: the socket ended without the client's close frame.
	WSClientDropped WSConnChange = "dropped by the client"
	// WSServerClosed: the venue ended it (a fault, an idle timeout, a
	// notice's grace running out).
	WSServerClosed WSConnChange = "closed by the venue"
)

// WSConnEvent is one step of one connection.
type WSConnEvent struct {
	Conn   int // numbered from 1 in the order connections opened
	Change WSConnChange
	Code   websocket.StatusCode // the client's close frame's code
	Live   int                  // subscribed connections open after the change
	Time   time.Time
}

// History is every connection's steps so far, in order.
func (h *WSHub) History() []WSConnEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.history)
}

// record notes a step of c; h.mu held.
func (h *WSHub) record(c *WSConn, ch WSConnChange, code websocket.StatusCode) {
	live := 0
	for o := range h.conns {
		if o.subscribed {
			live++
		}
	}
	h.history = append(h.history, WSConnEvent{Conn: c.n, Change: ch, Code: code, Live: live, Time: time.Now()})
}

// Serve upgrades r and serves the connection until it ends.
func (h *WSHub) Serve(w http.ResponseWriter, r *http.Request, cfg WSServe) {
	c, err := websocket.Accept(w, r, cfg.Accept)
	if err != nil {
		return
	}
	wc := &WSConn{hub: h, c: c, expire: cfg.Expire, notice: cfg.Notice}
	if wc.expire == nil {
		wc.expire = func(c *WSConn) { c.CloseNormal("session expired") }
	}
	wc.ctx, wc.cancel = context.WithCancel(context.Background())
	h.mu.Lock()
	if h.conns == nil {
		h.conns = map[*WSConn]bool{}
	}
	h.conns[wc] = true
	h.nconns++
	wc.n = h.nconns
	h.record(wc, WSOpened, 0)
	h.mu.Unlock()
	var readErr error
	defer func() {
		byServer := wc.ctx.Err() != nil
		wc.cancel()
		h.mu.Lock()
		delete(h.conns, wc)
		code := websocket.CloseStatus(readErr)
		switch {
		case byServer || wc.serverEnded.Load() || errors.Is(readErr, context.DeadlineExceeded):
			h.record(wc, WSServerClosed, 0)
		case code != -1:
			h.record(wc, WSClientClosed, code)
		default:
			h.record(wc, WSClientDropped, 0)
		}
		h.mu.Unlock()
		c.CloseNow()
	}()
	go func() {
		select {
		case <-cfg.Closed:
			wc.Drop()
		case <-wc.ctx.Done():
		}
	}()
	handle := cfg.Open(wc)
	for {
		ctx, cancel := wc.ctx, context.CancelFunc(func() {})
		if cfg.Idle > 0 {
			ctx, cancel = context.WithTimeout(wc.ctx, cfg.Idle)
		}
		_, data, err := c.Read(ctx)
		cancel()
		if err != nil {
			readErr = err
			return
		}
		handle(data)
	}
}

// WSConn is one connection of a fake's private WebSocket.
type WSConn struct {
	hub    *WSHub
	c      *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	expire func(*WSConn)
	notice func(*WSConn)
	n      int

	serverEnded atomic.Bool // Drop or CloseNormal began the end
	subscribed  bool        // under hub.mu
}

// OnExpire sets how this connection ends under StreamExpire, over
// WSServe.Expire (for a venue whose notice needs the connection's own
// state, such as its subscriptions).
func (wc *WSConn) OnExpire(f func()) {
	wc.hub.mu.Lock()
	defer wc.hub.mu.Unlock()
	wc.expire = func(*WSConn) { f() }
}

// Ping sends a protocol ping and waits for the pong.
func (wc *WSConn) Ping(ctx context.Context) error { return wc.c.Ping(ctx) }

// Hub is the hub the connection belongs to.
func (wc *WSConn) Hub() *WSHub { return wc.hub }

// Context ends when the connection does.
func (wc *WSConn) Context() context.Context { return wc.ctx }

// Drop closes the connection without a close frame.
func (wc *WSConn) Drop() {
	wc.serverEnded.Store(true)
	wc.cancel()
	wc.c.CloseNow()
}

// CloseNormal closes the connection with a close frame.
func (wc *WSConn) CloseNormal(reason string) {
	wc.serverEnded.Store(true)
	_ = wc.c.Close(websocket.StatusNormalClosure, reason)
	wc.cancel()
}

// WriteRaw sends one text message; a connection that cannot take it
// within 10 s is dropped.
func (wc *WSConn) WriteRaw(b []byte) {
	ctx, cancel := context.WithTimeout(wc.ctx, 10*time.Second)
	defer cancel()
	if err := wc.c.Write(ctx, websocket.MessageText, b); err != nil {
		wc.Drop()
	}
}

// Write sends v as JSON.
func (wc *WSConn) Write(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only the fakes' own types are written
	}
	wc.WriteRaw(b)
}

// Forward subscribes to account's events on x at once (so a client that
// acts on a subscription's confirmation sees the push for it) and hands
// each to push, through the hub's faults: under StreamSilent events are
// lost, under StreamDelay late. The subscription ends with the connection
// or cancel. When x ends it because this connection fell a full buffer
// behind, the connection is dropped: the client must resync after any gap,
// as after a real disconnect.
func (wc *WSConn) Forward(x *Exchange, account string, push func(Event)) (cancel func()) {
	wc.hub.track(x)
	events, unsubscribe := x.Subscribe(account)
	wc.hub.mu.Lock()
	if !wc.subscribed {
		wc.subscribed = true
		wc.hub.record(wc, WSSubscribed, 0)
	}
	wc.hub.mu.Unlock()
	var once sync.Once
	stopped := make(chan struct{})
	stop := func() { once.Do(func() { close(stopped); unsubscribe() }) }
	go func() {
		defer stop()
		for {
			select {
			case <-wc.ctx.Done():
				return
			case <-stopped:
				return
			case e, ok := <-events:
				if !ok {
					select {
					case <-stopped:
					default:
						wc.Drop()
					}
					return
				}
				silenced, delay := wc.hub.pushFaults(x, e)
				if silenced {
					continue
				}
				if delay > 0 && !wc.sleep(delay) {
					return
				}
				push(e)
			}
		}
	}()
	return stop
}

func (wc *WSConn) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-wc.ctx.Done():
		return false
	}
}

// Subs is one connection's subscriptions, T being how its venue names one
// (a topic, a channel with its arguments). Safe for concurrent use; the
// zero value is ready.
type Subs[T comparable] struct {
	mu      sync.Mutex
	list    []T
	forward bool
}

// Change subscribes to ts, or unsubscribes from them, and reports whether
// this is the connection's first subscription: the caller then Forwards
// the exchange's events, before confirming, so a client that places an
// order as soon as it reads the confirmation sees its push.
func (s *Subs[T]) Change(subscribe bool, ts ...T) (first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range ts {
		switch {
		case !subscribe:
			s.list = slices.DeleteFunc(s.list, func(u T) bool { return u == t })
		case !slices.Contains(s.list, t):
			s.list = append(s.list, t)
		}
	}
	if subscribe && !s.forward {
		s.forward = true
		return true
	}
	return false
}

// List is the subscriptions now, in the order they were made.
func (s *Subs[T]) List() []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.list)
}
