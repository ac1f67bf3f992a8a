// Package simhttp is the venue-neutral half of a fake venue over
// exchange/sim: the HTTP front (latency, the scheduled faults: 5xx, rate
// limit, drop after accept, slow, hang, garbage; the request log), the key
// store, the private WebSocket's hub, shutdown and the loopback listener,
// all held by Fake, which a venue's Server embeds. A fake
// (exchange/<venue>/<venue>test) supplies only its venue's side through
// Config: which operations exist, how it answers them (its JSON, error
// bodies, signatures, limits) and how its edge answers when things break.
// Each fake also exports a Kit, for tests that range over every venue.
package simhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/exchange/sim"
)

// maxBody caps what is read of a request body, well above what any venue
// accepts.
const maxBody = 1 << 20

// Reply is a response built before it is written, so faults can replace or
// withhold it after the operation ran. C is the venue's error code type.
type Reply[C comparable] struct {
	Status int
	Header http.Header
	Body   []byte
	// Code is the venue's code for the request log; the zero value when
	// the answer carries none.
	Code C
}

// NewReply returns an empty reply with a header map to fill.
func NewReply[C comparable]() *Reply[C] { return &Reply[C]{Header: http.Header{}} }

// SetJSON makes v, as JSON, the answer with status; venues differ in the
// Content-Type they declare.
func (r *Reply[C]) SetJSON(status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // fakes marshal only their own wire types: a bug in the fake
	}
	r.Status, r.Body = status, b
	r.Header.Set("Content-Type", contentType)
}

// Call is one request that reached an operation the fake serves.
type Call struct {
	R *http.Request
	// Op is "METHOD /path", also the operation name faults match.
	Op string
	// Now is the server clock when the request arrived, or after a slow
	// fault's delay.
	Now  time.Time
	IP   string
	Body []byte // as received, at most 1 MiB
	// Fault is the fault the request drew, if Faulted.
	Fault   sim.Fault
	Faulted bool
}

// Limited reports a FaultRateLimit: the fake answers with its venue's
// rate-limit refusal instead of running the operation.
func (c *Call) Limited() bool { return c.Faulted && c.Fault.Kind == sim.FaultRateLimit }

// Skips reports whether the operation must not run: a rate-limit fault, or
// a 5xx that happens before the operation (Fault.Apply unset). The front
// replaces the answer to the latter with Config.ServerError.
func (c *Call) Skips() bool {
	return c.Limited() || c.Faulted && c.Fault.Kind == sim.Fault5xx && !c.Fault.Apply
}

// Record is one request the front saw: only what tests assert on, never
// parameters, headers or signatures.
type Record[C comparable] struct {
	Time   time.Time // server clock on arrival
	Method string
	Path   string
	IP     string
	Status int // 0: no answer (hang, drop)
	Code   C
	Fault  sim.FaultKind
}

// Config is a venue's side of the front.
type Config[C comparable] struct {
	Sim *sim.Exchange
	// ClientIP says who is calling; nil: RemoteIP.
	ClientIP func(*http.Request) string
	// Serves reports whether op ("METHOD /path") is an operation of the
	// venue; other requests get NotFound.
	Serves   func(op string) bool
	NotFound func() *Reply[C]
	// Handle answers a served request. It sees the fault the request drew
	// (Call.Limited, Call.Skips) and must not run a skipped operation.
	Handle func(c *Call) *Reply[C]
	// ServerError is the venue edge's answer to a Fault5xx of the given
	// status (0: the venue's default); handled is what Handle answered.
	ServerError func(status int, handled *Reply[C]) *Reply[C]
	// Stands reports an answer that outranks the request's fault, e.g. a
	// rate-limit refusal from a gate that comes before where faults act;
	// nil: none does.
	Stands func(*Reply[C]) bool
	// GarbledCode and DroppedCode are logged for garbled and dropped
	// answers.
	GarbledCode, DroppedCode C
	// GarbleStub is what a body too short to cut in half garbles into.
	GarbleStub string
	// OpOf names a request's operation from its method, path and body,
	// for a venue whose operations share one path and differ by body
	// (every Hyperliquid read is POST /info {"type":…}): faults match
	// the name, and the log records its path part; nil: "METHOD /path".
	OpOf func(method, path string, body []byte) string
	// ClockDate sets the Date header from the server clock, for venues
	// whose error bodies carry no time (net/http's own Date reads this
	// machine's clock, not the sim's).
	ClockDate bool

	// For Fake.Init: Symbols are listed on the fresh exchange made when
	// Sim is nil; ServeWS answers WSPath, the front every other path.
	Symbols func() []sim.SymbolSpec
	WSPath  string
	ServeWS http.HandlerFunc
}

// Front serves a venue's REST operations. It is an http.Handler; a fake
// mounts it behind its own routing (WebSocket paths, for instance).
type Front[C comparable] struct {
	cfg    Config[C]
	closed chan struct{}
	once   sync.Once
	ts     *httptest.Server

	mu  sync.Mutex
	log []Record[C]
}

// New returns a front; cfg.Sim, Serves, NotFound, Handle and ServerError
// are required.
func New[C comparable](cfg Config[C]) *Front[C] {
	if cfg.ClientIP == nil {
		cfg.ClientIP = RemoteIP
	}
	return &Front[C]{cfg: cfg, closed: make(chan struct{})}
}

// Done is closed by Close: hanging requests and sleeps end, and fakes close
// their WebSockets.
func (f *Front[C]) Done() <-chan struct{} { return f.closed }

// Listen starts a loopback server for h (the fake, which routes to the
// front) and returns its base URL.
func (f *Front[C]) Listen(h http.Handler) string {
	f.ts = httptest.NewServer(h)
	return f.ts.URL
}

// Client is an HTTP client for the listening server (nil before Listen).
func (f *Front[C]) Client() *http.Client {
	if f.ts == nil {
		return nil
	}
	return f.ts.Client()
}

// Close releases hanging requests and stops the listener, if any.
func (f *Front[C]) Close() {
	f.once.Do(func() { close(f.closed) })
	if f.ts != nil {
		f.ts.CloseClientConnections()
		f.ts.Close()
	}
}

// Log returns every request seen so far, oldest first.
func (f *Front[C]) Log() []Record[C] {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Record[C](nil), f.log...)
}

// Count is how many logged requests match.
func (f *Front[C]) Count(match func(Record[C]) bool) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.log {
		if match(r) {
			n++
		}
	}
	return n
}

func (f *Front[C]) record(rec Record[C]) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, rec)
}

func (f *Front[C]) finish(rec Record[C], rp *Reply[C]) {
	rec.Status, rec.Code = rp.Status, rp.Code
	f.record(rec)
}

func (f *Front[C]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	reqDelay, respDelay := f.cfg.Sim.Latency()
	if !f.Sleep(ctx, reqDelay) {
		return
	}
	c := &Call{R: r, Op: r.Method + " " + r.URL.Path, Now: f.cfg.Sim.Now(), IP: f.cfg.ClientIP(r)}
	rec := Record[C]{Time: c.Now, Method: r.Method, Path: r.URL.Path, IP: c.IP}
	var body []byte
	if f.cfg.OpOf != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return
		}
		body = b
		c.Op = f.cfg.OpOf(r.Method, r.URL.Path, body)
		rec.Path = strings.TrimPrefix(c.Op, r.Method+" ")
	}
	if !f.cfg.Serves(c.Op) {
		rp := f.cfg.NotFound()
		f.finish(rec, rp)
		f.write(ctx, w, rp, respDelay)
		return
	}
	if f.cfg.OpOf == nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return
		}
		body = b
	}
	c.Body = body

	c.Fault, c.Faulted = f.cfg.Sim.Faults().Take(c.Op)
	if c.Faulted {
		rec.Fault = c.Fault.Kind
		switch c.Fault.Kind {
		case sim.FaultHang:
			f.record(rec)
			select {
			case <-ctx.Done():
			case <-f.closed:
			}
			return
		case sim.FaultSlow:
			if !f.Sleep(ctx, c.Fault.Delay) {
				return
			}
			c.Now = f.cfg.Sim.Now()
		}
	}

	rp := f.cfg.Handle(c)
	if c.Faulted && (f.cfg.Stands == nil || !f.cfg.Stands(rp)) {
		switch c.Fault.Kind {
		case sim.Fault5xx:
			rp = f.cfg.ServerError(c.Fault.Status, rp)
		case sim.FaultGarbage:
			rp.Status = http.StatusOK
			rp.Body = Garble(rp.Body, f.cfg.GarbleStub)
			rp.Code = f.cfg.GarbledCode
		case sim.FaultDropAfterAccept:
			f.finish(rec, &Reply[C]{Code: f.cfg.DroppedCode})
			Drop(w)
			return
		}
	}
	f.finish(rec, rp)
	f.write(ctx, w, rp, respDelay)
}

func (f *Front[C]) write(ctx context.Context, w http.ResponseWriter, rp *Reply[C], delay time.Duration) {
	if !f.Sleep(ctx, delay) {
		return
	}
	maps.Copy(w.Header(), rp.Header)
	if f.cfg.ClockDate {
		w.Header().Set("Date", f.cfg.Sim.Now().UTC().Format(http.TimeFormat))
	}
	w.WriteHeader(rp.Status)
	_, _ = w.Write(rp.Body)
}

// Sleep waits d unless ctx or the front ends first, and reports whether it
// waited the whole time.
func (f *Front[C]) Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-f.closed:
		return false
	}
}

// Drop closes the connection without a reply: the client sees a reset or an
// unexpected EOF after the operation has happened.
func Drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// Garble cuts a body in half, the way a broken proxy would; a body too
// short to cut becomes stub.
func Garble(b []byte, stub string) []byte {
	b = bytes.TrimSpace(b)
	if len(b) < 4 {
		return []byte(stub)
	}
	return b[:len(b)/2]
}

// RemoteIP is the caller's address from the connection, loopback as
// 127.0.0.1 whichever family it came in on.
func RemoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return "127.0.0.1"
	}
	return host
}

// FirstValues is each query parameter of r once, as venues that ignore
// repeats read them: the first value wins.
func FirstValues(r *http.Request) map[string]string {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

// WSURL is the WebSocket URL of path on the server at base ("http://…").
func WSURL(base, path string) string { return "ws" + strings.TrimPrefix(base, "http") + path }

// Text is a reply with a fixed body, such as a venue's 404 page.
func Text[C comparable](status int, contentType, body string) *Reply[C] {
	rp := NewReply[C]()
	rp.Status, rp.Body = status, []byte(body)
	rp.Header.Set("Content-Type", contentType)
	return rp
}

// EdgePage is the HTML error page an nginx edge serves with status when the
// backend behind it fails.
func EdgePage[C comparable](status int) *Reply[C] {
	line := strconv.Itoa(status) + " " + http.StatusText(status)
	return Text[C](status, "text/html", "<html>\r\n<head><title>"+line+"</title></head>\r\n<body>\r\n<center><h1>"+line+"</h1></center>\r\n</body>\r\n</html>\r\n")
}
