package okxtest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
)

type wsClient struct {
	t *testing.T
	c *websocket.Conn
}

func (f *fixture) dial(ctx context.Context) *wsClient {
	f.t.Helper()
	c, _, err := websocket.Dial(ctx, f.srv.WSURL, &websocket.DialOptions{HTTPClient: f.http})
	must(f.t, err)
	f.t.Cleanup(func() { c.CloseNow() })
	return &wsClient{t: f.t, c: c}
}

func (w *wsClient) send(ctx context.Context, s string) {
	w.t.Helper()
	must(w.t, w.c.Write(ctx, websocket.MessageText, []byte(s)))
}

func (w *wsClient) recv(ctx context.Context) map[string]any {
	w.t.Helper()
	_, b, err := w.c.Read(ctx)
	must(w.t, err)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		w.t.Fatalf("not JSON: %s", b)
	}
	return m
}

func loginMsg(key, secret, pass string, ts time.Time) string {
	stamp := fmt.Sprint(ts.Unix())
	return fmt.Sprintf(`{"op":"login","args":[{"apiKey":%q,"passphrase":%q,"timestamp":%q,"sign":%q}]}`,
		key, pass, stamp, okSign(secret, stamp+"GET/users/self/verify"))
}

func TestWSLoginSubscribePush(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	w := f.dial(ctx)

	w.send(ctx, `{"op":"subscribe","args":[{"channel":"orders","instType":"SPOT"}]}`)
	if m := w.recv(ctx); m["event"] != "error" || m["code"] != "60011" {
		t.Errorf("subscribe before login: %v", m)
	}
	w.send(ctx, loginMsg(testKey, "wrong", testPass, f.clock.Now()))
	if m := w.recv(ctx); m["code"] != "60007" {
		t.Errorf("bad sign: %v", m)
	}
	w.send(ctx, loginMsg(testKey, testSecret, testPass, f.clock.Now().Add(-31*time.Second)))
	if m := w.recv(ctx); m["code"] != "60006" {
		t.Errorf("stale login: %v", m)
	}
	w.send(ctx, loginMsg(testKey, testSecret, testPass, f.clock.Now()))
	if m := w.recv(ctx); m["event"] != "login" || m["code"] != "0" {
		t.Fatalf("login: %v", m)
	}
	w.send(ctx, "ping")
	if _, b, err := w.c.Read(ctx); err != nil || string(b) != "pong" {
		t.Fatalf("pong: %q %v", b, err)
	}
	w.send(ctx, `{"op":"subscribe","args":[{"channel":"orders","instType":"SPOT"}]}`)
	if m := w.recv(ctx); m["event"] != "subscribe" {
		t.Fatalf("subscribe: %v", m)
	}

	r := f.signed("POST", "/api/v5/trade/order", `{"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"limit","px":"64000","sz":"0.5","clOrdId":"ws1"}`)
	expectCode(t, r, 200, "0", "")
	push := w.recv(ctx)
	arg := push["arg"].(map[string]any)
	d := push["data"].([]any)[0].(map[string]any)
	if arg["channel"] != "orders" || arg["uid"] != f.srv.UID(DefaultAccount) || d["clOrdId"] != "ws1" || d["state"] != "live" {
		t.Errorf("ack push %v", push)
	}
	// It was marketable (price 65000): the fill follows.
	d = w.recv(ctx)["data"].([]any)[0].(map[string]any)
	if d["state"] != "filled" || d["fillSz"] != "0.5" || d["fillPx"] != "65000" || d["execType"] != "T" || d["accFillSz"] != "0.5" {
		t.Errorf("fill push %v", d)
	}
}

func TestWSIdleAndDrop(t *testing.T) {
	f := newFixture(t, WithIdleTimeout(150*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	w := f.dial(ctx)
	// Nothing sent: the server closes the connection on its own.
	if _, _, err := w.c.Read(ctx); err == nil || ctx.Err() != nil {
		t.Fatalf("idle connection not closed: %v", err)
	}

	w2 := f.dial(ctx)
	w2.send(ctx, "ping")
	if _, b, _ := w2.c.Read(ctx); string(b) != "pong" {
		t.Fatalf("pong %q", b)
	}
	f.srv.SetStreamFault(StreamNoPong, 0)
	w2.send(ctx, "ping")
	f.srv.SetStreamFault(StreamDrop, 0)
	if _, b, err := w2.c.Read(ctx); err == nil {
		t.Errorf("read after drop gave %q", b)
	}
}
