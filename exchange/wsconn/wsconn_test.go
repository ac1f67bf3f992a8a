package wsconn_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// server answers "hello" with a push, then "ok"; answers "ping" with
// "pong" while pong is true.
func server(t *testing.T, pong func() bool) *http.Client {
	mem := sim.NewMemNet(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			_, b, err := c.Read(r.Context())
			if err != nil {
				return
			}
			switch string(b) {
			case "hello":
				c.Write(r.Context(), websocket.MessageText, []byte("push:1"))
				c.Write(r.Context(), websocket.MessageText, []byte("ok"))
				c.Write(r.Context(), websocket.MessageText, []byte("push:2"))
			case "ping":
				if pong() {
					c.Write(r.Context(), websocket.MessageText, []byte("pong"))
				}
			}
		}
	}))
	t.Cleanup(mem.Close)
	return mem.Client()
}

func config() wsconn.Config {
	return wsconn.Config{
		Name: "test stream", PingEvery: time.Second, PongWait: 500 * time.Millisecond, Ping: []byte("ping"),
		Classify: func(b []byte) (wsconn.Kind, []exchange.StreamEvent, error) {
			s := string(b)
			switch {
			case s == "pong":
				return wsconn.Pong, nil, nil
			case strings.HasPrefix(s, "push:"):
				return wsconn.Push, []exchange.StreamEvent{{Account: s[5:]}}, nil
			}
			return wsconn.Reply, nil, nil
		},
	}
}

func open(t *testing.T, hc *http.Client) *wsconn.Stream {
	t.Helper()
	ctx := context.Background()
	s, err := wsconn.Dial(ctx, "ws://fake/ws", hc, config())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SendRaw(ctx, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	err = s.Await(ctx, func(b []byte) (bool, error) { return string(b) == "ok", nil })
	if err != nil {
		t.Fatal(err)
	}
	s.Live()
	return s
}

// Pushes around the handshake's reply are kept, in order; pongs keep the
// stream alive; Close ends it without an error.
func TestHandshakeKeepsPushes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := open(t, server(t, func() bool { return true }))
		for _, want := range []string{"1", "2"} {
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
}

// A pong that does not come back within PongWait ends the stream.
func TestNoPongEndsStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var answer bool
		s := open(t, server(t, func() bool { return answer }))
		defer s.Close()
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
}

// A refusal during the handshake is the caller's error.
func TestAwaitRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s, err := wsconn.Dial(ctx, "ws://fake/ws", server(t, func() bool { return true }), config())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		refused := errors.New("refused")
		if err := s.SendRaw(ctx, []byte("hello")); err != nil {
			t.Fatal(err)
		}
		if err := s.Await(ctx, func([]byte) (bool, error) { return false, refused }); err != refused {
			t.Fatalf("err %v", err)
		}
	})
}
