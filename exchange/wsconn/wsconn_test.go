package wsconn_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// venue is a fake venue speaking a toy protocol, one word a message:
//
//	client "login <n> <secret>"  → "push:a", "ok <n>" (or "refused <n>"), "push:b"
//	client "sub"                 → "subbed", "subbed" (two channels)
//	client "ping"                → "pong" while pongs
//	client "check <n>"           → "ok <n>" while subscribed
//	client "beat-ok"             → counted (an answer to our "beat")
//	server "push:<x>", "notice", "beat" (wants "beat-ok"), "nosub" (an error without id)
type venue struct {
	pongs      atomic.Bool
	pingFrames atomic.Bool // answer ping frames
	subscribed atomic.Bool
	beats      atomic.Int32
	send       chan string // server-initiated messages
}

func newVenue() *venue {
	v := &venue{send: make(chan string, 8)}
	v.pongs.Store(true)
	v.pingFrames.Store(true)
	v.subscribed.Store(true)
	return v
}

func (v *venue) client(t *testing.T) *http.Client {
	mem := sim.NewMemNet(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
			OnPingReceived: func(context.Context, []byte) bool { return v.pingFrames.Load() },
		})
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		write := func(s string) { _ = c.Write(ctx, websocket.MessageText, []byte(s)) }
		go func() {
			for {
				select {
				case s := <-v.send:
					write(s)
				case <-ctx.Done():
					return
				}
			}
		}()
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				return
			}
			f := strings.Fields(string(b))
			switch f[0] {
			case "login":
				write("push:a")
				if f[2] == "right" {
					write("ok " + f[1])
				} else {
					write("refused " + f[1])
				}
				write("push:b")
			case "sub":
				write("subbed")
				write("subbed")
			case "ping":
				if v.pongs.Load() {
					write("pong")
				}
			case "check":
				if v.subscribed.Load() {
					write("ok " + f[1])
				} else {
					write("gone " + f[1])
				}
			case "beat-ok":
				v.beats.Add(1)
			}
		}
	}))
	t.Cleanup(mem.Close)
	return mem.Client()
}

var errRefused = errors.New("refused")

func decode(b []byte) (wsconn.Frame, []exchange.StreamEvent, error) {
	f := strings.Fields(string(b))
	switch {
	case len(f) == 0:
		return wsconn.Frame{}, nil, errors.New("empty message")
	case f[0] == "pong":
		return wsconn.Frame{Kind: wsconn.Pong}, nil, nil
	case strings.HasPrefix(f[0], "push:"):
		return wsconn.Frame{}, []exchange.StreamEvent{{Account: f[0][5:]}}, nil
	case f[0] == "ok":
		return wsconn.Frame{Kind: wsconn.Reply, ID: f[1]}, nil, nil
	case f[0] == "refused":
		return wsconn.Frame{Kind: wsconn.Reply, ID: f[1], Refusal: errRefused}, nil, nil
	case f[0] == "gone":
		return wsconn.Frame{Kind: wsconn.Reply, ID: f[1], Body: []byte("gone")}, nil, nil
	case f[0] == "subbed":
		return wsconn.Frame{Kind: wsconn.Reply, Op: "sub"}, nil, nil
	case f[0] == "nosub":
		return wsconn.Frame{Kind: wsconn.Reply, Refusal: errors.New("subscription dropped")}, nil, nil
	case f[0] == "notice":
		return wsconn.Frame{}, nil, fmt.Errorf("closing soon: %w", exchange.ErrGoingAway)
	case f[0] == "beat":
		return wsconn.Frame{Answer: []byte("beat-ok")}, nil, nil
	}
	return wsconn.Frame{}, nil, nil
}

type setup struct {
	secret    string
	pingFrame bool
	check     bool
	refused   *error
}

func protocol(hc *http.Client, o setup) wsconn.Protocol {
	p := wsconn.Protocol{
		Name:     "test stream",
		Settings: wsconn.Settings{URL: "ws://fake/ws", HTTPClient: hc, PingEvery: time.Second, PongWait: 500 * time.Millisecond, CheckEvery: 3 * time.Second},
		Login: []wsconn.Request{{Op: "login", Msg: func(id int64) (any, error) {
			return []byte(fmt.Sprintf("login %d %s", id, o.secret)), nil
		}}},
		LoginRefused: func(err error) {
			if o.refused != nil {
				*o.refused = err
			}
		},
		Subscribe: []wsconn.Request{{Op: "sub", Answers: 2, Msg: func(int64) (any, error) { return []byte("sub"), nil }}},
		Decode:    decode,
	}
	if !o.pingFrame {
		p.Heartbeat.Ping = []byte("ping")
	}
	if o.check {
		p.Heartbeat.Check = &wsconn.Request{Op: "check",
			Msg: func(id int64) (any, error) { return []byte(fmt.Sprintf("check %d", id)), nil },
			Result: func(f wsconn.Frame) error {
				if string(f.Body) == "gone" {
					return errors.New("subscription gone")
				}
				return nil
			}}
	}
	return p
}

func open(t *testing.T, v *venue, o setup) *wsconn.Stream {
	t.Helper()
	if o.secret == "" {
		o.secret = "right"
	}
	s, err := wsconn.Open(context.Background(), protocol(v.client(t), o))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Pushes around the handshake's replies are kept, in order; pongs keep the
// stream alive; Close ends it without an error.
func TestHandshakeKeepsPushes(t *testing.T) {
	for _, frame := range []bool{false, true} {
		t.Run(fmt.Sprintf("ping frame %v", frame), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := open(t, newVenue(), setup{pingFrame: frame})
				for _, want := range []string{"a", "b"} {
					if ev := <-s.Events(); ev.Account != want {
						t.Fatalf("event %q, want %q", ev.Account, want)
					}
				}
				time.Sleep(10 * time.Second) // ten pings answered
				if err := s.Err(); err != nil {
					t.Fatalf("healthy stream failed: %v", err)
				}
				s.Close()
				if _, ok := <-s.Events(); ok || s.Err() != nil {
					t.Fatalf("after Close: open %v, err %v", ok, s.Err())
				}
			})
		})
	}
}

// A pong that does not come back within PongWait ends the stream, whether
// the ping is the venue's message or a WebSocket ping frame.
func TestNoPongEndsStream(t *testing.T) {
	for _, frame := range []bool{false, true} {
		t.Run(fmt.Sprintf("ping frame %v", frame), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				v := newVenue()
				v.pongs.Store(false)
				v.pingFrames.Store(false)
				s := open(t, v, setup{pingFrame: frame})
				start := time.Now()
				for range s.Events() {
				}
				if took := time.Since(start); took != 1500*time.Millisecond {
					t.Errorf("declared dead after %v, want ping 1 s + wait 500 ms", took)
				}
				if !errors.Is(s.Err(), wsconn.ErrNoPong) {
					t.Errorf("err %v", s.Err())
				}
			})
		})
	}
}

// A refused login is returned, named, to the caller and to LoginRefused
// (which makes the venue measure its clock again).
func TestLoginRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var heard error
		s, err := wsconn.Open(context.Background(), protocol(newVenue().client(t), setup{secret: "wrong", refused: &heard}))
		if err == nil {
			s.Close()
			t.Fatal("refused login accepted")
		}
		if !errors.Is(err, errRefused) || !strings.HasPrefix(err.Error(), "test stream: login: ") || heard != err {
			t.Fatalf("err %v, LoginRefused heard %v", err, heard)
		}
	})
}

// Nothing is dialed when Prepare fails (a clock without a sample).
func TestPrepareFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := protocol(nil, setup{secret: "right"})
		p.URL = "ws://127.0.0.1:1/unreachable"
		unknown := errors.New("clock unknown")
		p.Prepare = func(context.Context) error { return unknown }
		if _, err := wsconn.Open(context.Background(), p); !errors.Is(err, unknown) {
			t.Fatalf("err %v", err)
		}
	})
}

// The venue's check runs every CheckEvery; an answer that says the
// subscription is gone ends the stream.
func TestCheckEndsStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := newVenue()
		s := open(t, v, setup{check: true})
		time.Sleep(7 * time.Second) // two checks passed
		if err := s.Err(); err != nil {
			t.Fatalf("healthy stream failed: %v", err)
		}
		v.subscribed.Store(false)
		start := time.Now()
		for range s.Events() {
		}
		if took := time.Since(start); took != 2*time.Second {
			t.Errorf("ended after %v, want at the next check", took)
		}
		if err := s.Err(); err == nil || !strings.Contains(err.Error(), "check: subscription gone") {
			t.Errorf("err %v", err)
		}
	})
}

// A notice of a planned close keeps the stream delivering and says so
// through GoingAway; a refusal that answers nothing ends the stream.
func TestNoticeAndLateRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := newVenue()
		s := open(t, v, setup{})
		<-s.Events()
		<-s.Events()
		v.send <- "notice"
		<-s.GoingAway()
		if !errors.Is(s.Notice(), exchange.ErrGoingAway) {
			t.Errorf("notice %v", s.Notice())
		}
		v.send <- "push:c"
		if ev := <-s.Events(); ev.Account != "c" {
			t.Fatalf("after the notice: %+v", ev)
		}
		v.send <- "nosub"
		if _, ok := <-s.Events(); ok {
			t.Fatal("stream kept going after an error")
		}
		if err := s.Err(); err == nil || !strings.Contains(err.Error(), "subscription dropped") {
			t.Errorf("err %v", err)
		}
	})
}

// A heartbeat the venue sends and wants answered is answered at once.
func TestAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := newVenue()
		s := open(t, v, setup{})
		for range 3 {
			v.send <- "beat"
		}
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if n := v.beats.Load(); n != 3 {
			t.Errorf("%d answers, want 3", n)
		}
		if err := s.Err(); err != nil {
			t.Errorf("err %v", err)
		}
	})
}

// A Streamer builds the protocol afresh for each connection: what Prepare
// fetches (a token over REST) is what that connection's messages send,
// and no login is needed where the subscription itself carries it.
func TestPreparedPerConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hc := newVenue().client(t)
		tokens := []string{"wrong", "right"}
		st := wsconn.NewStreamer(wsconn.Settings{URL: "ws://fake/ws", HTTPClient: hc, PingEvery: time.Second, PongWait: time.Second},
			func(set wsconn.Settings) wsconn.Protocol {
				var token string
				p := protocol(nil, setup{})
				p.Settings, p.Login = set, nil
				p.Prepare = func(context.Context) error {
					token, tokens = tokens[0], tokens[1:]
					return nil
				}
				p.Subscribe = []wsconn.Request{{Op: "login", Msg: func(id int64) (any, error) {
					return []byte(fmt.Sprintf("login %d %s", id, token)), nil
				}}}
				return p
			})
		if s, err := st.Stream(context.Background()); !errors.Is(err, errRefused) {
			if err == nil {
				s.Close()
			}
			t.Fatalf("first connection with the first token: %v", err)
		}
		s, err := st.Stream(context.Background())
		if err != nil {
			t.Fatalf("second connection with the second token: %v", err)
		}
		s.Close()
	})
}
