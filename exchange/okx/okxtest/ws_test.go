package okxtest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simtest"
)

// wsClient speaks OKX's login and ping over a raw connection.
type wsClient struct {
	*simtest.WS
	t *testing.T
	c *websocket.Conn
}

func (f *fixture) dial(ctx context.Context) *wsClient {
	f.t.Helper()
	ws := simtest.Dial(ctx, f.t, f.http, f.srv.WSURL)
	return &wsClient{WS: ws, t: f.t, c: ws.C}
}

func (w *wsClient) send(ctx context.Context, s string) { w.t.Helper(); w.Send(ctx, s) }

func (w *wsClient) recv(ctx context.Context) map[string]any { w.t.Helper(); return w.Recv(ctx) }

// login logs in and subscribes to args (a JSON list's items).
func (w *wsClient) login(ctx context.Context, now time.Time, args string) {
	w.t.Helper()
	w.send(ctx, loginMsg(testKey, testSecret, testPass, now))
	if m := w.recv(ctx); m["event"] != "login" || m["code"] != "0" {
		w.t.Fatalf("login: %v", m)
	}
	w.send(ctx, `{"op":"subscribe","args":[`+args+`]}`)
}

func (w *wsClient) ping(ctx context.Context) string {
	w.t.Helper()
	w.send(ctx, "ping")
	_, b, err := w.c.Read(ctx)
	must(w.t, err)
	return string(b)
}

func loginMsg(key, secret, pass string, ts time.Time) string {
	stamp := fmt.Sprint(ts.Unix())
	return fmt.Sprintf(`{"op":"login","args":[{"apiKey":%q,"passphrase":%q,"timestamp":%q,"sign":%q}]}`,
		key, pass, stamp, okSign(secret, stamp+"GET/users/self/verify"))
}

func detail(m map[string]any) map[string]any {
	return m["data"].([]any)[0].(map[string]any)
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
	w.send(ctx, loginMsg(testKey, testSecret, "wrong", f.clock.Now()))
	if m := w.recv(ctx); m["code"] != "60024" {
		t.Errorf("bad passphrase: %v", m)
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
	w.send(ctx, `{"op":"subscribe","args":[{"channel":"balance_and_position"}]}`)
	if m := w.recv(ctx); m["event"] != "error" || m["code"] != "60018" {
		t.Errorf("unmodelled channel: %v", m)
	}
	w.send(ctx, `{"op":"subscribe","args":[{"channel":"orders","instType":"SPOT"},{"channel":"account"}]}`)
	if m := w.recv(ctx); m["event"] != "subscribe" || m["arg"].(map[string]any)["channel"] != "orders" {
		t.Fatalf("subscribe: %v", m)
	}
	if m := w.recv(ctx); m["event"] != "subscribe" || m["arg"].(map[string]any)["channel"] != "account" {
		t.Fatalf("subscribe: %v", m)
	}
	// The account channel starts with the whole account.
	snap := w.recv(ctx)
	if snap["eventType"] != "snapshot" || snap["arg"].(map[string]any)["uid"] != f.srv.UID(DefaultAccount) {
		t.Fatalf("account snapshot %v", snap)
	}
	if d := detail(snap)["details"].([]any); len(d) != 2 || d[0].(map[string]any)["ccy"] != "BTC" || d[1].(map[string]any)["availBal"] != "100000" {
		t.Errorf("snapshot details %v", d)
	}

	r := f.signed("POST", "/api/v5/trade/order", `{"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"limit","px":"64000","sz":"0.5","clOrdId":"ws1"}`)
	expectCode(t, r, 200, "0", "")
	// It was marketable (price 65000): ack, lock, fill, settlement, in
	// the order the venue made them.
	var orders, accounts []map[string]any
	for len(orders) < 2 || len(accounts) < 2 {
		m := w.recv(ctx)
		switch m["arg"].(map[string]any)["channel"] {
		case "orders":
			orders = append(orders, detail(m))
		case "account":
			accounts = append(accounts, m)
		}
	}
	if d := orders[0]; d["clOrdId"] != "ws1" || d["state"] != "live" {
		t.Errorf("ack push %v", d)
	}
	if d := orders[1]; d["state"] != "filled" || d["fillSz"] != "0.5" || d["fillPx"] != "65000" || d["execType"] != "T" || d["accFillSz"] != "0.5" {
		t.Errorf("fill push %v", d)
	}
	lock := detail(accounts[0])["details"].([]any)[0].(map[string]any)
	if accounts[0]["eventType"] != "event_update" || lock["ccy"] != "BTC" || lock["availBal"] != "1.5" || lock["frozenBal"] != "0.5" || lock["uTime"] != ms(testStart) {
		t.Errorf("lock push %v", accounts[0])
	}
	got := map[string]string{}
	for _, d := range detail(accounts[1])["details"].([]any) {
		d := d.(map[string]any)
		got[d["ccy"].(string)] = d["availBal"].(string) + "/" + d["frozenBal"].(string)
	}
	usdt := f.srv.Sim().Balance(DefaultAccount, "USDT")
	if got["BTC"] != "1.5/0" || got["USDT"] != usdt.Free.String()+"/0" {
		t.Errorf("settlement push %v, USDT %s", got, usdt.Free)
	}
}

// newMemFixture is newFixture on an in-memory network, for a synctest
// bubble: synctest.Wait then means every push in flight has been handled.
func newMemFixture(t *testing.T) *fixture {
	t.Helper()
	x, clk := simtest.Exchange(t, DefaultSymbols(), DefaultAccount, "USDT", "100000", "BTC", "2")
	srv := New(WithSim(x), WithClientIP(func(*http.Request) string { return "127.0.0.1" }))
	srv.URL, srv.WSURL = "http://okx.fake", "ws://okx.fake"+WSPath
	mem := sim.NewMemNet(srv.Handler())
	t.Cleanup(mem.Close)
	t.Cleanup(srv.Close)
	srv.AddKey(testKey, testSecret, testPass, TradePerms(DefaultAccount))
	return &fixture{t: t, srv: srv, clock: clk, http: mem.Client()}
}

func TestWSIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newMemFixture(t)
		ctx := context.Background()
		w := f.dial(ctx)
		w.send(ctx, "ping")
		if _, b, _ := w.c.Read(ctx); string(b) != "pong" {
			t.Fatalf("pong %q", b)
		}
		start := time.Now()
		// Nothing sent for 30 s: OKX closes the connection on its own.
		if _, _, err := w.c.Read(ctx); err == nil {
			t.Fatal("idle connection not closed")
		}
		if took := time.Since(start); took != 30*time.Second {
			t.Errorf("closed after %v of silence, want 30s", took)
		}
	})
}

func TestWSFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newMemFixture(t)
		ctx := context.Background()
		w := f.dial(ctx)
		w.login(ctx, f.clock.Now(), `{"channel":"orders","instType":"SPOT"}`)
		if m := w.recv(ctx); m["event"] != "subscribe" {
			t.Fatalf("subscribe %v", m)
		}
		place := func(id string) {
			t.Helper()
			expectCode(t, f.signed("POST", "/api/v5/trade/order", `{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"60000","sz":"0.01","clOrdId":"`+id+`"}`), 200, "0", "")
			synctest.Wait()
		}
		// Silent: the push is lost while pongs keep coming.
		f.srv.SetStreamFault(sim.StreamSilent, 0)
		place("lost")
		if b := w.ping(ctx); b != "pong" {
			t.Fatalf("silent stream sent %s", b)
		}
		f.srv.ClearStreamFaults()
		place("after")
		if d := detail(w.recv(ctx)); d["clOrdId"] != "after" {
			t.Fatalf("after silence %v", d)
		}
		// Delay: the push comes late, not lost.
		f.srv.SetStreamFault(sim.StreamDelay, 3*time.Second)
		start := time.Now()
		place("late")
		if d := detail(w.recv(ctx)); d["clOrdId"] != "late" || time.Since(start) != 3*time.Second {
			t.Fatalf("delayed push %v after %v", d["clOrdId"], time.Since(start))
		}
		f.srv.ClearStreamFaults()
		// No pong: the ping is swallowed; the next message is a push.
		f.srv.SetStreamFault(sim.StreamNoPong, 0)
		w.send(ctx, "ping")
		place("nopong")
		if d := detail(w.recv(ctx)); d["clOrdId"] != "nopong" {
			t.Fatalf("no-pong: %v", d)
		}
		f.srv.ClearStreamFaults()
		// Expire: OKX's notice, then a normal close.
		f.srv.SetStreamFault(sim.StreamExpire, 0)
		if m := w.recv(ctx); m["event"] != "notice" || m["code"] != "64008" {
			t.Fatalf("expire notice %v", m)
		}
		if _, _, err := w.c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			t.Fatalf("expire close: %v", err)
		}
		// Drop: no close frame.
		w2 := f.dial(ctx)
		if b := w2.ping(ctx); b != "pong" {
			t.Fatalf("pong %q", b)
		}
		f.srv.SetStreamFault(sim.StreamDrop, 0)
		if _, b, err := w2.c.Read(ctx); err == nil || websocket.CloseStatus(err) != -1 {
			t.Errorf("read after drop gave %q %v", b, err)
		}
		synctest.Wait()
		if n := f.srv.StreamConns(); n != 0 {
			t.Errorf("%d connections after drop", n)
		}
	})
}
