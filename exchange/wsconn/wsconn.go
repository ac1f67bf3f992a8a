// Package wsconn is the one private-stream loop every venue runs on: it
// waits for the venue clock, dials (refusing redirects), logs in,
// subscribes, keeps the connection proven alive, answers the venue's own
// heartbeats, hands decoded events out in order as an exchange.Stream, and
// turns the venue's notice of a planned close into exchange.GoingAway so
// the supervisor can hand over make-before-break. Reconnecting with
// backoff is the supervisor's (exchange.Supervisor): a Stream is one
// connection.
//
// What the messages say stays with the venue, as a Protocol: the URL, the
// login (signed when sent), the subscriptions, the heartbeat's form, and
// a decoder from a message to a Frame and events. The shapes it has to
// fit: a signed login message (OKX, Bybit, Binance's session.logon,
// Deribit's public/auth), a login folded into a signed subscribe (Binance
// HMAC), a REST-issued token in every subscribe (Kraken: fetched in
// Prepare), a fresh JWT per subscribe (Coinbase: built in Msg at sending),
// no login at all (Hyperliquid); replies matched by echoed id (Binance,
// Deribit's JSON-RPC, Kraken's req_id) or by op in order (OKX, Bybit);
// pings as text messages or as WebSocket ping frames; heartbeats the venue
// sends and wants answered (Deribit's test_request, via Frame.Answer).
package wsconn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-trade/vigil/exchange"
)

// readLimit caps one message: a full balance push of a large account is
// the biggest thing a private stream sends; the library's 32 KiB is too
// small for it.
const readLimit = 1 << 20

// Kind says what a message is, as the venue's decoder decides.
type Kind int

const (
	// Push carries events (possibly none: a push the cockpit does not use).
	Push Kind = iota
	// Reply answers a request (login, subscribe, a check).
	Reply
	// Pong answers our ping.
	Pong
)

// Frame is what one message is, beyond the events it carries.
type Frame struct {
	Kind Kind
	// ID is the request id a Reply echoes, as text; "" when the venue
	// echoes none.
	ID string
	// Op is what a Reply without an id answers (OKX "login", Bybit
	// "auth"): it is matched against Request.Op, in the order sent.
	Op string
	// Refusal is a Reply that refuses the request: it fails the request
	// it answers; one that answers nothing awaited (no id: OKX's error
	// event, Bybit's success:false) ends the stream.
	Refusal error
	// Body is what Request.Result reads (Binance's result object); the
	// whole message when the decoder leaves it empty.
	Body []byte
	// Answer is sent back at once: a heartbeat the venue sends and
	// expects answered (Deribit's test_request → public/test).
	Answer []byte
}

// Request is one message of the handshake (or a check) and the answers
// that complete it.
type Request struct {
	// Op names the request in errors, and is what an answer without an
	// id must say (Frame.Op).
	Op string
	// Msg builds the message when it is sent, so a stamp, a signature or
	// a token is fresh; id is the request's id on this connection for
	// venues whose answers echo one. A []byte is sent as is; anything else
	// as JSON, HTML characters unescaped (a passphrase is sent as typed).
	Msg func(id int64) (any, error)
	// Answers is how many replies complete it (OKX confirms each channel
	// of one subscribe); 0 means 1.
	Answers int
	// Result reads the last answer (Binance's subscriptionId); its error
	// fails the request.
	Result func(Frame) error
}

// Heartbeat is how a connection is proven alive.
type Heartbeat struct {
	// Ping is the venue's ping, a text message whose answer the decoder
	// calls Pong (OKX "ping", Bybit {"op":"ping"}, Kraken and Hyperliquid
	// {"method":"ping"}); nil sends a WebSocket ping frame, whose pong the
	// library reads (Binance, Coinbase). Either goes out every PingEvery
	// and must be answered within PongWait.
	Ping []byte
	// Check, every CheckEvery, asks the venue whether the subscription
	// still stands (Binance's session.subscriptions): a connection can
	// keep answering pings after the venue dropped what it streams. Its
	// error ends the stream.
	Check *Request
}

// Protocol is one venue's private stream, for one connection.
type Protocol struct {
	// Name prefixes errors ("okx stream").
	Name string
	Settings
	// Prepare runs before dialing: it holds until the venue's clock has a
	// sample (exchange.Clock.Ready), since the login is stamped as soon as
	// the socket is up, and fetches what a connection needs first (a
	// Kraken WebSocket token). Nothing is dialed when it fails.
	Prepare func(ctx context.Context) error
	// Login authenticates the connection, in order; none for a venue
	// whose subscriptions are unsigned (Hyperliquid).
	Login []Request
	// LoginRefused hears a refused login before it is returned: a
	// refusal for the timestamp makes the venue measure its clock again.
	LoginRefused func(error)
	// Subscribe asks for the private channels, in order.
	Subscribe []Request
	Heartbeat Heartbeat
	// PollBalances says the venue pushes no balances (Coinbase): the
	// supervisor polls them over REST (exchange.BalancesPolled).
	PollBalances bool
	// Decode reads one message: what it is and the events it carries. An
	// error wrapping exchange.ErrGoingAway is the venue's notice of a
	// planned close (the stream keeps delivering; exchange.GoingAway);
	// any other error ends the stream.
	Decode func(msg []byte) (Frame, []exchange.StreamEvent, error)
}

// Settings are what a venue's streamer lets its caller tune.
type Settings struct {
	URL string
	// HTTPClient carries the WebSocket handshake (an in-memory network in
	// tests); venues default it to their REST client's. Go's transport
	// speaks HTTP/1.1 for an upgrade whatever it would otherwise
	// negotiate.
	HTTPClient *http.Client
	// PingEvery is how often the ping goes out, busy or not; PongWait how
	// long its pong, or a request's answer, may take. A connection whose
	// far end is gone is dead within PingEvery + PongWait.
	PingEvery time.Duration
	PongWait  time.Duration
	// CheckEvery is how often Heartbeat.Check runs (a venue with one
	// supplies its default).
	CheckEvery time.Duration
}

// Option tunes Settings.
type Option func(*Settings)

// WithURL sets the stream's URL; default: the venue client's.
func WithURL(u string) Option { return func(s *Settings) { s.URL = u } }

// WithHTTPClient sets the client the handshake goes through.
func WithHTTPClient(hc *http.Client) Option { return func(s *Settings) { s.HTTPClient = hc } }

// WithHeartbeat sets how often the ping is sent and how long its pong may
// take; zero keeps the venue's default.
func WithHeartbeat(pingEvery, pongWait time.Duration) Option {
	return func(s *Settings) {
		if pingEvery > 0 {
			s.PingEvery = pingEvery
		}
		if pongWait > 0 {
			s.PongWait = pongWait
		}
	}
}

// WithCheckEvery sets how often a venue with a subscription check runs
// it; zero keeps the default.
func WithCheckEvery(d time.Duration) Option {
	return func(s *Settings) {
		if d > 0 {
			s.CheckEvery = d
		}
	}
}

// Apply returns def with opts applied.
func Apply(def Settings, opts ...Option) Settings {
	for _, o := range opts {
		o(&def)
	}
	return def
}

// Streamer is a venue's exchange.Streamer: tuned Settings, and the
// venue's protocol built afresh for each connection, so its closures may
// share that connection's state (a decoder's fills so far, the
// subscription id a check looks for, a token Prepare fetched and Msg
// sends).
type Streamer struct {
	settings Settings
	protocol func(Settings) Protocol
}

// NewStreamer applies opts to the venue's defaults.
func NewStreamer(def Settings, protocol func(Settings) Protocol, opts ...Option) *Streamer {
	return &Streamer{settings: Apply(def, opts...), protocol: protocol}
}

// Stream implements exchange.Streamer.
func (s *Streamer) Stream(ctx context.Context) (exchange.Stream, error) {
	st, err := Open(ctx, s.protocol(s.settings))
	if err != nil {
		return nil, err
	}
	return st, nil
}

var _ exchange.Streamer = (*Streamer)(nil)

// Open prepares, dials, logs in and subscribes; ctx bounds only that.
// The stream lives until it fails or is closed.
func Open(ctx context.Context, p Protocol) (*Stream, error) {
	if p.PingEvery <= 0 || p.PongWait <= 0 || p.Decode == nil || p.Heartbeat.Check != nil && p.CheckEvery <= 0 {
		return nil, errors.New("wsconn: Protocol needs PingEvery, PongWait, Decode (and CheckEvery with a Check)")
	}
	if p.Prepare != nil {
		if err := p.Prepare(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	s, err := dial(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, r := range p.Login {
		if err := s.Call(ctx, r); err != nil {
			_ = s.Close()
			if p.LoginRefused != nil {
				p.LoginRefused(err)
			}
			return nil, err
		}
	}
	for _, r := range p.Subscribe {
		if err := s.Call(ctx, r); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	s.wg.Go(s.heartbeat)
	return s, nil
}

// Stream is one connected WebSocket being read. It implements
// exchange.Stream and exchange.GoingAway.
type Stream struct {
	p    Protocol
	conn *websocket.Conn

	ctx    context.Context
	cancel context.CancelFunc
	events chan exchange.StreamEvent
	pongs  chan struct{}
	ended  chan struct{} // closed when the reader stops
	wg     sync.WaitGroup

	mu      sync.Mutex
	err     error
	closing bool          // Close was called: the consumer wants nothing more
	closed  chan struct{} // closed by Close
	away    chan struct{} // closed on the venue's going-away notice
	notice  error
	nextID  int64
	calls   []*call // in the order sent
	queue   []exchange.StreamEvent
	wake    chan struct{} // the pump: queue grew or the reader ended
}

// call is a request awaiting its answers.
type call struct {
	id, op  string
	left    int
	answers chan Frame // buffered for every answer: the reader never waits
}

func dial(ctx context.Context, p Protocol) (*Stream, error) {
	// A followed redirect would take the login that comes next to
	// whatever host it names.
	conn, _, err := websocket.Dial(ctx, p.URL, &websocket.DialOptions{HTTPClient: exchange.RefuseRedirects(p.Name, p.HTTPClient)})
	if err != nil {
		return nil, fmt.Errorf("%s: dial: %w", p.Name, withoutQuery(err))
	}
	conn.SetReadLimit(readLimit)
	rctx, cancel := context.WithCancel(context.Background())
	s := &Stream{
		p: p, conn: conn, ctx: rctx, cancel: cancel,
		events: make(chan exchange.StreamEvent),
		pongs:  make(chan struct{}, 1),
		ended:  make(chan struct{}),
		wake:   make(chan struct{}, 1),
		closed: make(chan struct{}),
		away:   make(chan struct{}),
	}
	s.wg.Go(s.read)
	s.wg.Go(s.pump)
	return s, nil
}

// withoutQuery keeps a URL's query (a listen key, a token) out of an
// error that may be logged.
func withoutQuery(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) || !strings.Contains(ue.URL, "?") {
		return err
	}
	u, _, _ := strings.Cut(ue.URL, "?")
	return &url.Error{Op: ue.Op, URL: u, Err: ue.Err}
}

// Call sends r and waits for its answers; the error names the stream and
// r.Op.
func (s *Stream) Call(ctx context.Context, r Request) error {
	n := max(r.Answers, 1)
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	c := &call{id: strconv.FormatInt(id, 10), op: r.Op, left: n, answers: make(chan Frame, n)}
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	defer s.forget(c)
	fail := func(err error) error { return fmt.Errorf("%s: %s: %w", s.p.Name, r.Op, err) }
	msg, err := r.Msg(id)
	if err != nil {
		return fail(err)
	}
	if err := s.send(ctx, msg); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		var f Frame
		select {
		case f = <-c.answers:
		case <-ctx.Done():
			return fail(fmt.Errorf("no answer: %w", ctx.Err()))
		case <-s.ended:
			select {
			case f = <-c.answers:
			default:
				if err := s.Err(); err != nil {
					return err
				}
				return fail(errors.New("connection closed before the answer"))
			}
		}
		if f.Refusal != nil {
			return fail(f.Refusal)
		}
		if i == n-1 && r.Result != nil {
			if err := r.Result(f); err != nil {
				return fail(err)
			}
		}
	}
	return nil
}

func (s *Stream) forget(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.calls {
		if x == c {
			s.calls = append(s.calls[:i], s.calls[i+1:]...)
			return
		}
	}
}

// answer hands f to the call it answers; false when it answers none.
func (s *Stream) answer(f Frame) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, c := range s.calls {
		var match bool
		switch {
		case f.ID != "":
			match = f.ID == c.id
		case f.Op != "":
			match = f.Op == c.op
		default:
			match = f.Refusal != nil // refuses whatever was asked first
		}
		if !match {
			continue
		}
		c.answers <- f
		if c.left--; c.left == 0 {
			s.calls = append(s.calls[:i], s.calls[i+1:]...)
		}
		return true
	}
	return false
}

// send writes one message: []byte as is, anything else as JSON.
func (s *Stream) send(ctx context.Context, msg any) error {
	b, ok := msg.([]byte)
	if !ok {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(msg); err != nil {
			return fmt.Errorf("%s: %w", s.p.Name, err)
		}
		b = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	if err := s.conn.Write(ctx, websocket.MessageText, b); err != nil {
		if e := s.Err(); e != nil {
			return e
		}
		return fmt.Errorf("%s: write: %w", s.p.Name, err)
	}
	return nil
}

// Events implements exchange.Stream.
func (s *Stream) Events() <-chan exchange.StreamEvent { return s.events }

// Err implements exchange.Stream: why the stream ended; nil while it runs
// and after Close.
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close implements exchange.Stream: it ends the stream with a close frame
// and waits for its goroutines.
func (s *Stream) Close() error {
	s.mu.Lock()
	first := !s.closing
	s.closing = true
	s.mu.Unlock()
	if first {
		close(s.closed)
	}
	// The close frame goes first: cancelling the reader's context makes
	// the library drop the socket without one. The far end may be gone
	// already: nothing useful to report.
	_ = s.conn.Close(websocket.StatusNormalClosure, "")
	s.cancel()
	s.wg.Wait()
	return nil
}

// fail ends the stream for a reason; the first reason sticks. After Close
// there is nothing to report.
func (s *Stream) fail(err error) {
	s.mu.Lock()
	if s.err == nil && s.ctx.Err() == nil && !s.closing {
		s.err = err
	}
	s.mu.Unlock()
	s.cancel()
	s.conn.CloseNow()
}

// BalancesPolled implements exchange.BalancesPolled.
func (s *Stream) BalancesPolled() bool { return s.p.PollBalances }

// GoingAway implements exchange.GoingAway.
func (s *Stream) GoingAway() <-chan struct{} { return s.away }

// Notice implements exchange.GoingAway: the venue's notice, once given.
func (s *Stream) Notice() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notice
}

func (s *Stream) goingAway(notice error) {
	s.mu.Lock()
	first := s.notice == nil
	if first {
		s.notice = notice
	}
	s.mu.Unlock()
	if first {
		close(s.away)
	}
}

func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// read is the connection's only reader; it never blocks on anyone, so
// pongs keep being read while events queue.
func (s *Stream) read() {
	defer func() {
		close(s.ended)
		poke(s.wake)
	}()
	for {
		_, b, err := s.conn.Read(s.ctx)
		if err != nil {
			if s.ctx.Err() == nil {
				s.fail(fmt.Errorf("%s: connection lost: %w", s.p.Name, err))
			}
			return
		}
		if err := s.dispatch(b); err != nil {
			s.fail(fmt.Errorf("%s: %w", s.p.Name, err))
			return
		}
	}
}

func (s *Stream) dispatch(b []byte) error {
	f, evs, err := s.p.Decode(b)
	if errors.Is(err, exchange.ErrGoingAway) {
		s.goingAway(fmt.Errorf("%s: %w", s.p.Name, err))
		return nil
	}
	if err != nil {
		return err
	}
	if len(f.Answer) > 0 {
		s.wg.Go(func() {
			ctx, cancel := context.WithTimeout(s.ctx, s.p.PongWait)
			defer cancel()
			if err := s.conn.Write(ctx, websocket.MessageText, f.Answer); err != nil && s.ctx.Err() == nil {
				s.fail(fmt.Errorf("%s: answering the venue's heartbeat: %w", s.p.Name, err))
			}
		})
	}
	switch f.Kind {
	case Pong:
		poke(s.pongs)
	case Reply:
		if f.Body == nil {
			f.Body = b
		}
		if !s.answer(f) && f.Refusal != nil && f.ID == "" {
			return f.Refusal
		}
	}
	if len(evs) > 0 {
		s.mu.Lock()
		s.queue = append(s.queue, evs...)
		s.mu.Unlock()
		poke(s.wake)
	}
	return nil
}

// pump hands queued events to the consumer in order and closes Events
// once the reader has stopped and the queue is empty.
func (s *Stream) pump() {
	defer close(s.events)
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.mu.Unlock()
			select {
			case <-s.ended:
				s.mu.Lock()
				empty := len(s.queue) == 0
				s.mu.Unlock()
				if empty {
					return
				}
			case <-s.wake:
			}
			continue
		}
		ev := s.queue[0]
		s.queue[0] = exchange.StreamEvent{}
		s.queue = s.queue[1:]
		s.mu.Unlock()
		select {
		case s.events <- ev:
		case <-s.closed:
			// A failed stream still hands over what it read (each event
			// is true); a closed one's consumer wants nothing more.
			return
		}
	}
}

// heartbeat pings every PingEvery and waits PongWait for the pong, and
// runs the venue's check every CheckEvery: a socket can look open long
// after its far end is gone, and only an answer proves it is not.
func (s *Stream) heartbeat() {
	ping := time.NewTicker(s.p.PingEvery)
	defer ping.Stop()
	var check <-chan time.Time
	if s.p.Heartbeat.Check != nil {
		t := time.NewTicker(s.p.CheckEvery)
		defer t.Stop()
		check = t.C
	}
	for {
		var err error
		select {
		case <-s.ctx.Done():
			return
		case <-ping.C:
			err = s.ping()
		case <-check:
			ctx, cancel := context.WithTimeout(s.ctx, s.p.PongWait)
			err = s.Call(ctx, *s.p.Heartbeat.Check)
			cancel()
		}
		if err != nil {
			if s.ctx.Err() == nil {
				s.fail(err)
			}
			return
		}
	}
}

func (s *Stream) ping() error {
	wait := s.p.PongWait
	ctx, cancel := context.WithTimeout(s.ctx, wait)
	defer cancel()
	if s.p.Heartbeat.Ping == nil {
		if err := s.conn.Ping(ctx); err != nil {
			return fmt.Errorf("%s: %w within %v: %w", s.p.Name, ErrNoPong, wait, err)
		}
		return nil
	}
	select { // a late pong from an earlier ping does not count
	case <-s.pongs:
	default:
	}
	if err := s.conn.Write(ctx, websocket.MessageText, s.p.Heartbeat.Ping); err != nil {
		return fmt.Errorf("%s: ping: %w", s.p.Name, err)
	}
	select {
	case <-s.pongs:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w within %v", s.p.Name, ErrNoPong, wait)
	}
}

// ErrNoPong ends a stream whose ping went unanswered.
var ErrNoPong = errors.New("no pong")

var (
	_ exchange.Stream         = (*Stream)(nil)
	_ exchange.GoingAway      = (*Stream)(nil)
	_ exchange.BalancesPolled = (*Stream)(nil)
)
