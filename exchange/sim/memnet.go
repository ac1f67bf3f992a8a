package sim

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// MemNet serves an http.Handler (a fake venue, REST and WebSocket) on an
// in-memory network. Unlike loopback sockets it works inside a
// testing/synctest bubble, so heartbeats, silence thresholds and backoff
// run on virtual time. Build it inside the bubble.
type MemNet struct {
	srv   *http.Server
	tr    *http.Transport
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup
}

// NewMemNet starts serving h.
func NewMemNet(h http.Handler) *MemNet {
	m := &MemNet{srv: &http.Server{Handler: h}, conns: make(chan net.Conn), done: make(chan struct{})}
	m.tr = &http.Transport{DialContext: m.dial}
	m.wg.Go(func() { _ = m.srv.Serve(memListener{m}) })
	return m
}

// Client reaches the handler; any host name will do.
func (m *MemNet) Client() *http.Client { return &http.Client{Transport: m.tr} }

// Close stops the server and its connections.
func (m *MemNet) Close() {
	m.once.Do(func() { close(m.done) })
	_ = m.srv.Close()
	m.tr.CloseIdleConnections()
	m.wg.Wait()
}

func (m *MemNet) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	a, b := bufferedPipe()
	select {
	case m.conns <- b:
		return a, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-m.done:
		return nil, net.ErrClosed
	}
}

type memListener struct{ m *MemNet }

func (l memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.m.conns:
		return c, nil
	case <-l.m.done:
		return nil, net.ErrClosed
	}
}

func (l memListener) Close() error {
	l.m.once.Do(func() { close(l.m.done) })
	return nil
}

func (memListener) Addr() net.Addr { return memAddr{} }

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
	mu       sync.Mutex
	buf      []byte
	closed   bool
	deadline time.Time
	timer    *time.Timer
	ready    chan struct{}
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
		if !h.deadline.IsZero() && !time.Now().Before(h.deadline) {
			h.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
		h.mu.Unlock()
		<-h.ready
	}
}

// setDeadline matters: net/http interrupts a pending background read by
// setting a deadline in the past before it hijacks a connection for a
// WebSocket or finishes a request.
func (h *half) setDeadline(t time.Time) {
	h.mu.Lock()
	h.deadline = t
	if h.timer != nil {
		h.timer.Stop()
		h.timer = nil
	}
	if d := time.Until(t); !t.IsZero() && d > 0 {
		h.timer = time.AfterFunc(d, h.signal)
	}
	h.mu.Unlock()
	h.signal()
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
	if h.timer != nil {
		h.timer.Stop()
		h.timer = nil
	}
	h.mu.Unlock()
	h.signal()
}

type pipeConn struct{ r, w *half }

func (c *pipeConn) Read(b []byte) (int, error)        { return c.r.read(b) }
func (c *pipeConn) Write(b []byte) (int, error)       { return c.w.write(b) }
func (c *pipeConn) Close() error                      { c.r.close(); c.w.close(); return nil }
func (c *pipeConn) LocalAddr() net.Addr               { return memAddr{} }
func (c *pipeConn) RemoteAddr() net.Addr              { return memAddr{} }
func (c *pipeConn) SetDeadline(t time.Time) error     { c.r.setDeadline(t); return nil }
func (c *pipeConn) SetReadDeadline(t time.Time) error { c.r.setDeadline(t); return nil }

// SetWriteDeadline is a no-op: writes never wait.
func (c *pipeConn) SetWriteDeadline(time.Time) error { return nil }

// memAddr is loopback, so fakes that check a key's bound IPs see
// 127.0.0.1.
type memAddr struct{}

func (memAddr) Network() string { return "pipe" }
func (memAddr) String() string  { return "127.0.0.1:1" }
