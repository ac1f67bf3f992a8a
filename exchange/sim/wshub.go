package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
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
)

// WSHub is the venue-neutral half of a fake private WebSocket: the open
// connections, the stream faults, and the fan-out of the simulated
// exchange's events through those faults. A fake keeps only its venue's
// message shapes. The zero value is ready to use.
type WSHub struct {
	mu     sync.Mutex
	conns  map[*WSConn]bool
	noPong bool
	silent bool
	delay  time.Duration

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
}

// Serve upgrades r and serves the connection until it ends.
func (h *WSHub) Serve(w http.ResponseWriter, r *http.Request, cfg WSServe) {
	c, err := websocket.Accept(w, r, cfg.Accept)
	if err != nil {
		return
	}
	wc := &WSConn{hub: h, c: c, expire: cfg.Expire}
	if wc.expire == nil {
		wc.expire = func(c *WSConn) { c.CloseNormal("session expired") }
	}
	wc.ctx, wc.cancel = context.WithCancel(context.Background())
	h.mu.Lock()
	if h.conns == nil {
		h.conns = map[*WSConn]bool{}
	}
	h.conns[wc] = true
	h.mu.Unlock()
	defer func() {
		wc.cancel()
		h.mu.Lock()
		delete(h.conns, wc)
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
	wc.cancel()
	wc.c.CloseNow()
}

// CloseNormal closes the connection with a close frame.
func (wc *WSConn) CloseNormal(reason string) {
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
