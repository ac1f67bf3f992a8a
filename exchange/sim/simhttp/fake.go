package simhttp

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/vigil-trade/vigil/exchange/sim"
)

// Fake is the venue-neutral half of a fake venue's server: the simulated
// exchange, the REST front, the private WebSocket's hub and the loopback
// listener. A venue's Server embeds it and keeps only its wire format (its
// JSON, error bodies, signatures and limits); the methods here are that
// Server's own to its callers.
type Fake[C comparable] struct {
	// URL is the base URL of the listening server ("" until Listen); WSURL
	// is its WebSocket's.
	URL   string
	WSURL string

	front   *Front[C]
	hub     sim.WSHub
	wsPath  string
	serveWS http.HandlerFunc
	conns   atomic.Uint64
}

// Init builds the front over cfg: nil cfg.Sim is a fresh exchange listing
// cfg.Symbols, nil cfg.ClientIP is RemoteIP.
func (f *Fake[C]) Init(cfg Config[C]) {
	if cfg.Sim == nil {
		cfg.Sim = sim.New()
		if err := cfg.Sim.AddSymbols(cfg.Symbols()...); err != nil {
			panic(err) // a venue's default symbols are static
		}
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = RemoteIP
	}
	f.front = New(cfg)
	f.wsPath, f.serveWS = cfg.WSPath, cfg.ServeWS
}

// Listen starts the fake on a loopback port and sets URL and WSURL.
func (f *Fake[C]) Listen() {
	f.URL = f.front.Listen(f)
	f.WSURL = WSURL(f.URL, f.wsPath)
}

// Listening is s once it listens on a loopback port: a venue's NewServer.
func Listening[S interface{ Listen() }](s S) S {
	s.Listen()
	return s
}

func (f *Fake[C]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == f.wsPath && f.serveWS != nil {
		f.serveWS(w, r)
		return
	}
	f.front.ServeHTTP(w, r)
}

// Handler is the fake as an http.Handler.
func (f *Fake[C]) Handler() http.Handler { return f }

// Sim is the simulated exchange behind the fake.
func (f *Fake[C]) Sim() *sim.Exchange { return f.front.cfg.Sim }

// Client is an HTTP client for the listening server (nil before Listen).
func (f *Fake[C]) Client() *http.Client { return f.front.Client() }

// Close releases hanging requests, closes WebSockets and stops the
// listener, if any.
func (f *Fake[C]) Close() { f.front.Close() }

// Done is closed by Close.
func (f *Fake[C]) Done() <-chan struct{} { return f.front.Done() }

// ClientIP is the caller of r as the fake sees it.
func (f *Fake[C]) ClientIP(r *http.Request) string { return f.front.cfg.ClientIP(r) }

// Sleep waits d unless ctx or the fake ends first, and reports whether it
// waited the whole time.
func (f *Fake[C]) Sleep(ctx context.Context, d time.Duration) bool { return f.front.Sleep(ctx, d) }

// Log is every REST request seen so far, oldest first.
func (f *Fake[C]) Log() []Record[C] { return f.front.Log() }

// CountLog is how many logged requests match.
func (f *Fake[C]) CountLog(match func(Record[C]) bool) int { return f.front.Count(match) }

// Hub is the private WebSocket's hub.
func (f *Fake[C]) Hub() *sim.WSHub { return &f.hub }

// NextConn numbers WebSocket connections from 1, for the ids venues give
// them.
func (f *Fake[C]) NextConn() uint64 { return f.conns.Add(1) }

// ServeWS serves one WebSocket connection through the hub, ending it when
// the fake closes.
func (f *Fake[C]) ServeWS(w http.ResponseWriter, r *http.Request, cfg sim.WSServe) {
	cfg.Closed = f.Done()
	f.hub.Serve(w, r, cfg)
}

// SetStreamFault applies a fault to the private WebSocket: sim.StreamDrop,
// sim.StreamExpire and sim.StreamNotice act on the connections open now
// (each venue ends them its own way: see its package); the others last
// until ClearStreamFaults.
func (f *Fake[C]) SetStreamFault(fault sim.StreamFault, delay time.Duration) {
	f.hub.SetFault(fault, delay)
}

// ClearStreamFaults ends lasting stream faults.
func (f *Fake[C]) ClearStreamFaults() { f.hub.ClearFaults() }

// StreamConns is how many private WebSocket connections are open.
func (f *Fake[C]) StreamConns() int { return f.hub.Conns() }

// StreamHistory is every private WebSocket connection's steps so far.
func (f *Fake[C]) StreamHistory() []sim.WSConnEvent { return f.hub.History() }
