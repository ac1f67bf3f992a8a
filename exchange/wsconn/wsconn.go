// Package wsconn runs one private-stream WebSocket for venues whose
// heartbeat is an application message (OKX's text "ping", Bybit's
// {"op":"ping"}): it reads every message in one goroutine that never waits
// on the consumer, so pongs keep being read while events queue; routes the
// handshake's replies to the venue code that waits for them; pings on a
// schedule and declares the connection dead when a pong does not come back
// in time; and hands decoded events out in order as an exchange.Stream.
//
// What the messages mean stays with the venue: it supplies the ping, how to
// recognise a pong, and a decoder from a message to events.
package wsconn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-trade/vigil/exchange"
)

// readLimit caps one message: a full balance push of a large account is
// the biggest thing a private stream sends; the library's 32 KiB is too
// small for it.
const readLimit = 1 << 20

// Kind says what a message is, as the venue's Classify decides.
type Kind int

const (
	// Push carries events (possibly none: a push the cockpit does not use).
	Push Kind = iota
	// Reply answers a request (login, subscribe): during the handshake it
	// goes to Await; afterwards to Config.Late.
	Reply
	// Pong answers our ping.
	Pong
)

// Config is one venue's conventions.
type Config struct {
	// Name prefixes errors ("okx stream").
	Name string
	// PingEvery is how often the ping is sent, busy or not; PongWait how
	// long its pong may take before the connection is declared dead. A
	// connection that sends nothing at all is therefore dead within
	// PingEvery + PongWait.
	PingEvery time.Duration
	PongWait  time.Duration
	// Ping is the venue's heartbeat message, sent as a text frame.
	Ping []byte
	// Classify decodes one message. For a Push it returns the events; an
	// error ends the stream with that error.
	Classify func(msg []byte) (Kind, []exchange.StreamEvent, error)
	// Late sees replies that arrive after the handshake (a venue's error
	// or notice event); an error ends the stream, except one wrapping
	// exchange.ErrGoingAway: the venue's notice of a planned disconnect,
	// after which the stream keeps delivering (exchange.GoingAway). Nil
	// ignores them.
	Late func(msg []byte) error
}

// Stream is a connected WebSocket being read. It implements
// exchange.Stream once the venue's handshake has succeeded and Live was
// called.
type Stream struct {
	cfg  Config
	conn *websocket.Conn

	ctx    context.Context
	cancel context.CancelFunc
	events chan exchange.StreamEvent
	pongs  chan struct{}
	wg     sync.WaitGroup

	mu      sync.Mutex
	err     error
	closing bool          // Close was called: the consumer wants nothing more
	closed  chan struct{} // closed by Close
	away    chan struct{} // closed on the venue's going-away notice
	notice  error
	live    bool
	replies [][]byte
	queue   []exchange.StreamEvent
	ended   bool
	wake    chan struct{} // the pump: queue grew or the reader ended
	replied chan struct{} // Await: replies grew or the reader ended
}

// Dial connects to url through hc (nil: http.DefaultClient; Go's transport
// speaks HTTP/1.1 for an upgrade whatever it would otherwise negotiate)
// and starts reading. Nothing is sent: the venue logs in and subscribes
// with Send and Await, then calls Live.
func Dial(ctx context.Context, url string, hc *http.Client, cfg Config) (*Stream, error) {
	if cfg.PingEvery <= 0 || cfg.PongWait <= 0 || cfg.Classify == nil || len(cfg.Ping) == 0 {
		return nil, errors.New("wsconn: Config needs PingEvery, PongWait, Ping and Classify")
	}
	// A followed redirect would take the login that comes next to
	// whatever host it names.
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: exchange.RefuseRedirects(cfg.Name, hc)})
	if err != nil {
		return nil, fmt.Errorf("%s: dial: %w", cfg.Name, err)
	}
	conn.SetReadLimit(readLimit)
	rctx, cancel := context.WithCancel(context.Background())
	s := &Stream{
		cfg: cfg, conn: conn, ctx: rctx, cancel: cancel,
		events:  make(chan exchange.StreamEvent),
		pongs:   make(chan struct{}, 1),
		wake:    make(chan struct{}, 1),
		replied: make(chan struct{}, 1),
		closed:  make(chan struct{}),
		away:    make(chan struct{}),
	}
	s.wg.Go(s.read)
	s.wg.Go(s.pump)
	return s, nil
}

// Send writes one JSON message (HTML characters unescaped: a passphrase is
// sent as typed).
func (s *Stream) Send(ctx context.Context, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return s.SendRaw(ctx, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// SendRaw writes one text message as is.
func (s *Stream) SendRaw(ctx context.Context, b []byte) error {
	if err := s.conn.Write(ctx, websocket.MessageText, b); err != nil {
		if e := s.Err(); e != nil {
			return e
		}
		return fmt.Errorf("%s: write: %w", s.cfg.Name, err)
	}
	return nil
}

// Await reads replies in arrival order until match says the awaited one
// has come (done) or refuses (err). Replies match does not want are
// discarded.
func (s *Stream) Await(ctx context.Context, match func(reply []byte) (done bool, err error)) error {
	for {
		s.mu.Lock()
		var r []byte
		if len(s.replies) > 0 {
			r = s.replies[0]
			s.replies = s.replies[1:]
		}
		ended := s.ended
		s.mu.Unlock()
		if r != nil {
			done, err := match(r)
			if err != nil || done {
				return err
			}
			continue
		}
		if ended {
			if err := s.Err(); err != nil {
				return err
			}
			return fmt.Errorf("%s: connection closed during the handshake", s.cfg.Name)
		}
		select {
		case <-s.replied:
		case <-ctx.Done():
			return fmt.Errorf("%s: no answer: %w", s.cfg.Name, ctx.Err())
		}
	}
}

// Live ends the handshake: later replies go to Config.Late, and the
// heartbeat starts.
func (s *Stream) Live() {
	s.mu.Lock()
	s.live = true
	s.replies = nil
	s.mu.Unlock()
	s.wg.Go(s.heartbeat)
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

// Fail ends the stream for a reason; the first reason sticks. After Close
// there is nothing to report.
func (s *Stream) Fail(err error) {
	s.mu.Lock()
	if s.err == nil && s.ctx.Err() == nil && !s.closing {
		s.err = err
	}
	s.mu.Unlock()
	s.cancel()
	s.conn.CloseNow()
}

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

// read is the connection's only reader; it never blocks on anyone.
func (s *Stream) read() {
	defer func() {
		s.mu.Lock()
		s.ended = true
		s.mu.Unlock()
		poke(s.wake)
		poke(s.replied)
	}()
	for {
		_, b, err := s.conn.Read(s.ctx)
		if err != nil {
			if s.ctx.Err() == nil {
				s.Fail(fmt.Errorf("%s: connection lost: %w", s.cfg.Name, err))
			}
			return
		}
		if err := s.dispatch(b); err != nil {
			s.Fail(err)
			return
		}
	}
}

func (s *Stream) dispatch(b []byte) error {
	kind, evs, err := s.cfg.Classify(b)
	if err != nil {
		return err
	}
	switch kind {
	case Pong:
		poke(s.pongs)
	case Reply:
		s.mu.Lock()
		live := s.live
		if !live {
			s.replies = append(s.replies, b)
		}
		s.mu.Unlock()
		if !live {
			poke(s.replied)
		} else if s.cfg.Late != nil {
			err := s.cfg.Late(b)
			if errors.Is(err, exchange.ErrGoingAway) {
				s.goingAway(err)
				return nil
			}
			return err
		}
	case Push:
		if len(evs) == 0 {
			return nil
		}
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
			ended := s.ended
			s.mu.Unlock()
			if ended {
				return
			}
			<-s.wake
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

// heartbeat pings every PingEvery and waits PongWait for the pong: a
// socket can look open long after its far end is gone, and only a reply
// proves it is not.
func (s *Stream) heartbeat() {
	t := time.NewTimer(s.cfg.PingEvery)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		select { // a late pong from an earlier ping does not count
		case <-s.pongs:
		default:
		}
		wctx, cancel := context.WithTimeout(s.ctx, s.cfg.PongWait)
		err := s.conn.Write(wctx, websocket.MessageText, s.cfg.Ping)
		cancel()
		if err != nil {
			if s.ctx.Err() == nil {
				s.Fail(fmt.Errorf("%s: ping: %w", s.cfg.Name, err))
			}
			return
		}
		wait := time.NewTimer(s.cfg.PongWait)
		select {
		case <-s.ctx.Done():
			wait.Stop()
			return
		case <-s.pongs:
			wait.Stop()
		case <-wait.C:
			s.Fail(fmt.Errorf("%s: %w within %v", s.cfg.Name, ErrNoPong, s.cfg.PongWait))
			return
		}
		t.Reset(s.cfg.PingEvery)
	}
}

// ErrNoPong ends a stream whose ping went unanswered.
var ErrNoPong = errors.New("no pong")

var (
	_ exchange.Stream    = (*Stream)(nil)
	_ exchange.GoingAway = (*Stream)(nil)
)

// Settings are what a venue's streamer lets its caller tune.
type Settings struct {
	// HTTPClient carries the WebSocket handshake (an in-memory network in
	// tests); venues default it to their REST client's.
	HTTPClient *http.Client
	PingEvery  time.Duration
	PongWait   time.Duration
}

// Option tunes Settings.
type Option func(*Settings)

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

// WithHTTPClient sets the client the handshake goes through.
func WithHTTPClient(hc *http.Client) Option { return func(s *Settings) { s.HTTPClient = hc } }

// Apply returns def with opts applied.
func Apply(def Settings, opts ...Option) Settings {
	for _, o := range opts {
		o(&def)
	}
	return def
}
