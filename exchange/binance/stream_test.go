package binance_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
)

// pipeNet is an in-memory network: net.Pipe connections handed to an
// http.Server through a listener. Unlike loopback sockets it runs inside a
// synctest bubble, so heartbeats and backoff run on virtual time.
type pipeNet struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeNet() *pipeNet { return &pipeNet{conns: make(chan net.Conn), done: make(chan struct{})} }

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}

func (p *pipeNet) Close() error {
	p.once.Do(func() { close(p.done) })
	return nil
}

func (p *pipeNet) Addr() net.Addr { return pipeAddr{} }

func (p *pipeNet) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	a, b := bufferedPipe()
	select {
	case p.conns <- b:
		return a, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.done:
		return nil, net.ErrClosed
	}
}

// bufferedPipe is net.Pipe with unbounded buffers in both directions.
// net.Pipe's writes wait for the reader, which a WebSocket cannot live
// with: each side's reader answers pings by writing, so two writers can
// wait on each other's readers forever. Kernel buffers prevent that on
// real sockets; these buffers do here.
func bufferedPipe() (net.Conn, net.Conn) {
	ab, ba := newHalf(), newHalf()
	return &pipeConn{r: ba, w: ab}, &pipeConn{r: ab, w: ba}
}

type half struct {
	mu     sync.Mutex
	buf    []byte
	closed bool
	ready  chan struct{}
}

func newHalf() *half { return &half{ready: make(chan struct{}, 1)} }

func (h *half) signal() {
	select {
	case h.ready <- struct{}{}:
	default:
	}
}

func (h *half) read(b []byte) (int, error) {
	for {
		h.mu.Lock()
		if len(h.buf) > 0 {
			n := copy(b, h.buf)
			h.buf = h.buf[n:]
			more := len(h.buf) > 0
			h.mu.Unlock()
			if more {
				h.signal()
			}
			return n, nil
		}
		if h.closed {
			h.mu.Unlock()
			return 0, io.EOF
		}
		h.mu.Unlock()
		<-h.ready
	}
}

func (h *half) write(b []byte) (int, error) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return 0, io.ErrClosedPipe
	}
	h.buf = append(h.buf, b...)
	h.mu.Unlock()
	h.signal()
	return len(b), nil
}

func (h *half) close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.signal()
}

type pipeConn struct{ r, w *half }

func (c *pipeConn) Read(b []byte) (int, error)       { return c.r.read(b) }
func (c *pipeConn) Write(b []byte) (int, error)      { return c.w.write(b) }
func (c *pipeConn) Close() error                     { c.r.close(); c.w.close(); return nil }
func (c *pipeConn) LocalAddr() net.Addr              { return pipeAddr{} }
func (c *pipeConn) RemoteAddr() net.Addr             { return pipeAddr{} }
func (c *pipeConn) SetDeadline(time.Time) error      { return nil }
func (c *pipeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *pipeConn) SetWriteDeadline(time.Time) error { return nil }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "127.0.0.1:1" }

const account = "acct"

// streamEnv is a fake Binance on an in-memory network, one client on it,
// its streamer with short thresholds, and a supervisor feeding a keeper.
type streamEnv struct {
	t      *testing.T
	srv    *binancetest.Server
	client *binance.Client
	sup    *exchange.Supervisor
	state  *exchange.OrderState

	mu       sync.Mutex
	statuses []exchange.StreamStatus
	logs     []string
	trades   map[string]int // trade id → times delivered through OnOrder
	events   int

	stop func()
}

type envOpts struct {
	scheme     exchange.Scheme
	auditEvery time.Duration
}

func newStreamEnv(t *testing.T, o envOpts) *streamEnv {
	t.Helper()
	pn := newPipeNet()
	srv := binancetest.New(binancetest.WithClientIP(func(*http.Request) string { return "127.0.0.1" }), binancetest.WithPingInterval(2*time.Second))
	hs := &http.Server{Handler: srv.Handler()}
	var wg sync.WaitGroup
	wg.Go(func() { _ = hs.Serve(pn) })
	tr := &http.Transport{DialContext: pn.dial}
	hc := &http.Client{Transport: tr}
	x := srv.Sim()
	for asset, amt := range map[string]string{"USDT": "100000", "BTC": "2"} {
		if err := x.Deposit(account, asset, decimal.RequireFromString(amt)); err != nil {
			t.Fatal(err)
		}
	}
	opts := []binance.Option{
		binance.WithBaseURL("http://fake.binance"),
		binance.WithAccount(exchange.AccountInfo{Name: account, Network: exchange.Testnet, Scheme: o.scheme}),
		binance.WithHTTPClient(hc),
	}
	switch o.scheme {
	case exchange.SchemeEd25519:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		srv.AddEd25519Key(strings.Repeat("E", 64), pub, binancetest.TradePerms(account))
		opts = append(opts, binance.WithAPIKey(strings.Repeat("E", 64)), binance.WithScheme(exchange.SchemeEd25519),
			binance.WithSecret(crypto.NewSecret(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))))
	default:
		srv.AddHMACKey(strings.Repeat("H", 64), strings.Repeat("s", 64), binancetest.TradePerms(account))
		opts = append(opts, binance.WithAPIKey(strings.Repeat("H", 64)), binance.WithSecret(crypto.NewSecret([]byte(strings.Repeat("s", 64)))))
	}
	c, err := binance.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	e := &streamEnv{t: t, srv: srv, client: c, state: exchange.NewOrderState(), trades: map[string]int{}}
	audit := o.auditEvery
	if audit == 0 {
		audit = 3 * time.Second
	}
	e.sup = exchange.NewSupervisor(exchange.SupervisorConfig{
		Account: account,
		Venue:   c,
		Streamer: binance.NewStreamer(c,
			binance.WithStreamURL("ws://fake.binance/ws-api/v3"),
			binance.WithStreamHTTPClient(hc),
			binance.WithHeartbeat(time.Second, time.Second, 2*time.Second)),
		State:          e.state,
		Backoff:        &exchange.Backoff{Base: 50 * time.Millisecond, Cap: time.Second, Reset: 5 * time.Second, Rand: mrand.New(mrand.NewPCG(7, 7)).Float64},
		ConnectTimeout: 2 * time.Second,
		CallTimeout:    2 * time.Second,
		AuditEvery:     audit,
		AuditGrace:     500 * time.Millisecond,
		OnOrder: func(ev exchange.OrderEvent) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.events++
			if ev.Kind == exchange.EventFill && ev.TradeID != "" {
				e.trades[ev.TradeID]++
			}
		},
		OnStatus: func(s exchange.StreamStatus) {
			e.mu.Lock()
			defer e.mu.Unlock()
			if n := len(e.statuses); n == 0 || e.statuses[n-1].State != s.State {
				e.statuses = append(e.statuses, s)
			}
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
	wg.Go(func() { e.sup.Run(ctx) })
	e.stop = func() {
		cancel()
		srv.Close()
		_ = hs.Close()
		_ = pn.Close()
		wg.Wait()
		tr.CloseIdleConnections()
	}
	return e
}

func (e *streamEnv) state0() exchange.StreamState {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.statuses) == 0 {
		return ""
	}
	return e.statuses[len(e.statuses)-1].State
}

func (e *streamEnv) reconnects() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, s := range e.statuses {
		if s.State == exchange.StreamReconnecting || s.State == exchange.StreamDown {
			n++
		}
	}
	return n
}

// waitLive advances virtual time until the supervisor reports live.
func (e *streamEnv) waitLive(limit time.Duration) {
	e.t.Helper()
	start := time.Now()
	for e.state0() != exchange.StreamLive {
		if time.Since(start) > limit {
			e.t.Fatalf("not live after %v; logs: %q", limit, e.logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// track is what the cockpit does with a placement's or cancel's answer.
func (e *streamEnv) track(o exchange.Order, kind exchange.EventKind) {
	o.Account = account
	e.state.Apply(exchange.OrderEvent{Account: account, Kind: kind, Order: o, Time: o.Updated})
}

// checkTruth compares the keeper with the fake venue's own books.
func (e *streamEnv) checkTruth() {
	e.t.Helper()
	x := e.srv.Sim()
	for _, want := range x.Orders(account) {
		got, ok := e.state.Order(account, exchange.OrderRef{OrderID: want.OrderID})
		if !ok {
			e.t.Errorf("order %s (%s) unknown to the keeper", want.OrderID, want.Status)
			continue
		}
		if got.Status != want.Status || !got.Filled.Equal(want.Filled) || !got.QuoteFilled.Equal(want.QuoteFilled) {
			e.t.Errorf("order %s: kept %s filled %s quote %s; venue %s filled %s quote %s",
				want.OrderID, got.Status, got.Filled, got.QuoteFilled, want.Status, want.Filled, want.QuoteFilled)
		}
	}
	if n, m := len(e.state.Orders(account)), len(x.Orders(account)); n != m {
		e.t.Errorf("keeper has %d orders, venue %d", n, m)
	}
	var want []exchange.Balance
	for _, b := range x.Balances(account) {
		if !b.Total().IsZero() {
			want = append(want, b)
		}
	}
	got := e.state.Balances(account)
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

var faultNames = map[binancetest.StreamFault]string{
	binancetest.StreamDrop: "drop", binancetest.StreamExpire: "expire", binancetest.StreamNoPong: "no-pong",
	binancetest.StreamSilent: "silent", binancetest.StreamDelay: "delay",
}

// TestStreamSurvivesFaults trades (places, cancels, fills by moving the
// price) through 100 random stream faults of every kind and then checks the
// keeper's blotter and balances against the fake venue's own books.
func TestStreamSurvivesFaults(t *testing.T) {
	for _, scheme := range []exchange.Scheme{exchange.SchemeHMAC, exchange.SchemeEd25519} {
		t.Run(string(scheme), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { runFaults(t, scheme, 100) })
		})
	}
}

func runFaults(t *testing.T, scheme exchange.Scheme, faults int) {
	e := newStreamEnv(t, envOpts{scheme: scheme})
	defer e.stop()
	e.waitLive(5 * time.Second)
	ctx := context.Background()
	x := e.srv.Sim()
	rnd := mrand.New(mrand.NewPCG(uint64(len(scheme)), 42))
	base := decimal.NewFromInt(50000)
	x.SetPrice("BTCUSDT", base)
	kinds := []binancetest.StreamFault{binancetest.StreamDrop, binancetest.StreamExpire, binancetest.StreamNoPong, binancetest.StreamSilent, binancetest.StreamDelay}
	count := map[string]int{}
	var lastingUntil time.Time
	lasting := false
	n := 0
	for i := 0; n < faults; i++ {
		switch r := rnd.IntN(10); {
		case r < 4: // a limit buy or sell near the price; some cross at once
			side, off := exchange.Buy, int64(rnd.IntN(200)-150)
			if rnd.IntN(2) == 0 {
				side, off = exchange.Sell, -off
			}
			p, _ := x.Price("BTCUSDT")
			o, err := e.client.Place(ctx, exchange.OrderRequest{
				Symbol: "BTCUSDT", Side: side, Type: exchange.LimitOrder, TIF: exchange.GTC,
				Qty: decimal.New(int64(1+rnd.IntN(5)), -3), Price: p.Add(decimal.NewFromInt(off)),
				ClientID: exchange.NewClientID(time.Now()),
			})
			if err == nil {
				e.track(o, exchange.EventAck)
			}
		case r < 6: // cancel a random open order
			open := x.OpenOrders(account, "BTCUSDT")
			if len(open) > 0 {
				o := open[rnd.IntN(len(open))]
				if c, err := e.client.Cancel(ctx, exchange.OrderRef{Symbol: o.Symbol, OrderID: o.OrderID}); err == nil {
					e.track(c, exchange.EventCancel)
				}
			}
		default: // move the price: resting orders it crosses fill
			x.SetPrice("BTCUSDT", base.Add(decimal.NewFromInt(int64(rnd.IntN(300)-150))))
		}
		now := time.Now()
		if lasting && now.After(lastingUntil) {
			e.srv.ClearStreamFaults()
			lasting = false
		}
		if !lasting && rnd.IntN(3) == 0 {
			k := kinds[rnd.IntN(len(kinds))]
			d := time.Duration(50+rnd.IntN(1500)) * time.Millisecond
			e.srv.SetStreamFault(k, d)
			count[faultNames[k]]++
			n++
			if k != binancetest.StreamDrop && k != binancetest.StreamExpire {
				lasting, lastingUntil = true, now.Add(time.Duration(200+rnd.IntN(3000))*time.Millisecond)
			}
		}
		time.Sleep(time.Duration(20+rnd.IntN(300)) * time.Millisecond)
	}
	e.srv.ClearStreamFaults()
	// Quiet: long enough for the last fault's detection (audit + grace),
	// a backoff at its cap and a resync.
	time.Sleep(10 * time.Second)
	e.waitLive(10 * time.Second)
	synctest.Wait()
	for _, k := range faultNames {
		if count[k] == 0 {
			t.Errorf("no %s fault injected", k)
		}
	}
	e.checkTruth()
	if r := e.reconnects(); r < faults/4 {
		t.Errorf("only %d reconnects for %d faults", r, faults)
	}
	fills := 0
	for _, o := range x.Orders(account) {
		if o.Filled.IsPositive() {
			fills++
		}
	}
	if fills < 10 {
		t.Errorf("only %d orders filled: the run did not exercise fills", fills)
	}
	t.Logf("%s: faults %v, %d reconnects, %d orders (%d with fills), %d log lines", scheme, count, e.reconnects(), len(x.Orders(account)), fills, len(e.logs))
	for _, l := range e.logs {
		if strings.HasPrefix(l, "stream down") {
			t.Logf("e.g. %q", l)
			break
		}
	}
}

// TestSilentStreamDetected: a stream that answers pings and subscription
// checks but delivers nothing is declared dead within AuditEvery +
// AuditGrace of the first event it swallows, and the resync recovers it.
func TestSilentStreamDetected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const every, grace = 3 * time.Second, 500 * time.Millisecond
		e := newStreamEnv(t, envOpts{scheme: exchange.SchemeHMAC, auditEvery: every})
		defer e.stop()
		e.waitLive(5 * time.Second)
		x := e.srv.Sim()
		x.SetPrice("BTCUSDT", decimal.NewFromInt(50000))
		o, err := e.client.Place(context.Background(), exchange.OrderRequest{
			Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.RequireFromString("0.01"), Price: decimal.NewFromInt(49900), ClientID: "silent-1",
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if k, _ := e.state.Order(account, exchange.OrderRef{OrderID: o.OrderID}); k.Status != exchange.StatusNew {
			t.Fatalf("ack not streamed: %+v", k)
		}
		e.srv.SetStreamFault(binancetest.StreamSilent, 0)
		x.SetPrice("BTCUSDT", decimal.NewFromInt(49800)) // fills the order; the event is swallowed
		filledAt := time.Now()
		for {
			k, _ := e.state.Order(account, exchange.OrderRef{OrderID: o.OrderID})
			if k.Status == exchange.StatusFilled {
				break
			}
			if time.Since(filledAt) > every+grace+2*time.Second {
				t.Fatalf("silent stream not recovered after %v; logs %q", time.Since(filledAt), e.logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
		took := time.Since(filledAt)
		// The documented bound: AuditEvery + AuditGrace, plus REST round
		// trips and a reconnect backoff (≤ 1 s cap here).
		if took > every+grace+time.Second {
			t.Errorf("recovered after %v, bound %v", took, every+grace+time.Second)
		}
		e.mu.Lock()
		silent := false
		for _, l := range e.logs {
			silent = silent || strings.Contains(l, exchange.ErrStreamSilent.Error())
		}
		e.mu.Unlock()
		if !silent {
			t.Errorf("no silent verdict logged: %q", e.logs)
		}
		e.srv.ClearStreamFaults()
		time.Sleep(2 * time.Second)
		synctest.Wait()
		e.checkTruth()
		t.Logf("silent stream recovered %v after the swallowed fill", took)
	})
}

// TestNoPongDetected: a connection whose pongs stop is dropped within
// PingEvery + PongWait and re-established.
func TestNoPongDetected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newStreamEnv(t, envOpts{scheme: exchange.SchemeEd25519, auditEvery: time.Hour})
		defer e.stop()
		e.waitLive(5 * time.Second)
		e.srv.SetStreamFault(binancetest.StreamNoPong, 0)
		start := time.Now()
		for e.reconnects() == 0 {
			if time.Since(start) > 3*time.Second {
				t.Fatalf("no-pong not detected in %v: %q", time.Since(start), e.logs)
			}
			time.Sleep(10 * time.Millisecond)
		}
		e.mu.Lock()
		var down time.Time
		for _, s := range e.statuses {
			if s.State == exchange.StreamReconnecting {
				down = s.Since
				break
			}
		}
		e.mu.Unlock()
		// PingEvery 1 s + PongWait 1 s.
		if took := down.Sub(start); took > 2*time.Second {
			t.Errorf("detected after %v, bound 2s", took)
		}
		e.srv.ClearStreamFaults()
		e.waitLive(5 * time.Second)
		e.mu.Lock()
		defer e.mu.Unlock()
		if !strings.Contains(strings.Join(e.logs, "\n"), "no pong") {
			t.Errorf("logs do not say why: %q", e.logs)
		}
	})
}

// TestExpireReconnects: eventStreamTerminated ends the stream at once.
func TestExpireReconnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newStreamEnv(t, envOpts{scheme: exchange.SchemeHMAC, auditEvery: time.Hour})
		defer e.stop()
		e.waitLive(5 * time.Second)
		e.srv.SetStreamFault(binancetest.StreamExpire, 0)
		time.Sleep(5 * time.Millisecond)
		synctest.Wait()
		if e.reconnects() != 1 {
			t.Errorf("reconnects %d after expiry, want 1", e.reconnects())
		}
		e.waitLive(5 * time.Second)
		e.mu.Lock()
		defer e.mu.Unlock()
		joined := strings.Join(e.logs, "\n")
		if !strings.Contains(joined, "eventStreamTerminated") || !strings.Contains(joined, "stream down") {
			t.Errorf("logs: %q", e.logs)
		}
	})
}

// TestBadKeyStaysDown: a key the venue no longer knows keeps failing; after
// DownAfter attempts the state is down, with the reason.
func TestBadKeyStaysDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newStreamEnv(t, envOpts{scheme: exchange.SchemeHMAC})
		defer e.stop()
		e.waitLive(5 * time.Second)
		e.srv.RemoveKey(strings.Repeat("H", 64))
		e.srv.SetStreamFault(binancetest.StreamDrop, 0)
		time.Sleep(20 * time.Second)
		synctest.Wait()
		if st := e.state0(); st != exchange.StreamDown {
			t.Errorf("state %q after 20 s of refused logins, want down", st)
		}
		e.mu.Lock()
		last := e.statuses[len(e.statuses)-1]
		e.mu.Unlock()
		if last.Attempt < 5 || last.Err == "" {
			t.Errorf("status %+v", last)
		}
	})
}
