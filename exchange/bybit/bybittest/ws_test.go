package bybittest

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

// wsClient speaks Bybit's auth over a raw connection, without deadlines.
type wsClient struct {
	ws  *simtest.WS
	t   *testing.T
	ctx context.Context
	c   *websocket.Conn
}

func (f *fixture) dial(t *testing.T) *wsClient {
	t.Helper()
	ctx := context.Background()
	ws := simtest.Dial(ctx, t, f.http, f.srv.WSURL)
	return &wsClient{ws: ws, t: t, ctx: ctx, c: ws.C}
}

func (w *wsClient) send(s string) { w.t.Helper(); w.ws.Send(w.ctx, s) }

func (w *wsClient) recv() map[string]any { w.t.Helper(); return w.ws.Recv(w.ctx) }

func (w *wsClient) auth(secret string, expires int64) map[string]any {
	w.t.Helper()
	w.send(fmt.Sprintf(`{"op":"auth","args":[%q,%d,%q]}`, testKey, expires, bySign(secret, fmt.Sprint("GET/realtime", expires))))
	return w.recv()
}

// login authenticates and subscribes to topics.
func (w *wsClient) login(topics string) {
	w.t.Helper()
	if m := w.auth(testSecret, testStart+10000); m["success"] != true {
		w.t.Fatalf("auth %v", m)
	}
	w.send(`{"op":"subscribe","args":[` + topics + `]}`)
	if m := w.recv(); m["success"] != true {
		w.t.Fatalf("subscribe %v", m)
	}
}

func TestWSAuthSubscribePush(t *testing.T) {
	f := newFixture(t)
	w := f.dial(t)
	w.send(`{"op":"subscribe","args":["order"]}`)
	if m := w.recv(); m["success"] != false {
		t.Errorf("subscribe before auth %v", m)
	}
	if m := w.auth("wrong", testStart+10000); m["success"] != false || m["op"] != "auth" {
		t.Errorf("bad auth %v", m)
	}
	if m := w.auth(testSecret, testStart-1); m["success"] != false {
		t.Errorf("expired auth %v", m)
	}
	w.send(`{"op":"ping","req_id":"p0"}`)
	if m := w.recv(); m["op"] != "pong" || m["req_id"] != "p0" {
		t.Errorf("pong before auth %v", m)
	}
	w.send(`{"op":"subscribe","args":["position"]}`)
	if m := w.recv(); m["success"] != false {
		t.Errorf("unknown topic %v", m)
	}
	w.login(`"order","wallet"`)

	expect(t, f.post("/v5/order/create", `{"category":"spot","symbol":"BTCUSDT","side":"Sell","orderType":"Limit","qty":"0.5","price":"70000","orderLinkId":"ws-1"}`), 200, 0, "OK")
	// Placing locks 0.5 BTC: the order push and a wallet push, in the
	// order the venue made them.
	seen := map[string]map[string]any{}
	for len(seen) < 2 {
		m := w.recv()
		seen[m["topic"].(string)] = m
	}
	d := seen["order"]["data"].([]any)[0].(map[string]any)
	if d["orderLinkId"] != "ws-1" || d["orderStatus"] != "New" || d["category"] != "spot" {
		t.Errorf("order push %v", seen["order"])
	}
	acct := seen["wallet"]["data"].([]any)[0].(map[string]any)
	coins := acct["coin"].([]any)
	btc := coins[0].(map[string]any)
	if acct["accountType"] != "UNIFIED" || len(coins) != 1 || btc["coin"] != "BTC" || btc["walletBalance"] != "2" || btc["locked"] != "0.5" {
		t.Errorf("wallet push %v", seen["wallet"])
	}
	if ct, ok := seen["wallet"]["creationTime"].(float64); !ok || int64(ct) != testStart {
		t.Errorf("creationTime %v", seen["wallet"]["creationTime"])
	}
}

// newMemFixture is newFixture on an in-memory network, for a synctest
// bubble: synctest.Wait then means every push in flight has been handled.
func newMemFixture(t *testing.T) *fixture {
	t.Helper()
	x, clk := exchangeForTest(t)
	srv := New(WithSim(x), WithClientIP(func(*http.Request) string { return "127.0.0.1" }))
	srv.URL, srv.WSURL = "http://bybit.fake", "ws://bybit.fake"+WSPath
	mem := sim.NewMemNet(srv.Handler())
	t.Cleanup(mem.Close)
	t.Cleanup(srv.Close)
	srv.AddKey(testKey, testSecret, TradePerms(DefaultAccount))
	return &fixture{t: t, srv: srv, clock: clk, http: mem.Client()}
}

func TestWSFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newMemFixture(t)
		w := f.dial(t)
		w.login(`"order"`)
		place := func(id string) {
			t.Helper()
			expect(t, f.post("/v5/order/create", `{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.01","price":"60000","orderLinkId":"`+id+`"}`), 200, 0, "OK")
			synctest.Wait()
		}
		ping := func(id string) map[string]any {
			t.Helper()
			w.send(`{"op":"ping","req_id":"` + id + `"}`)
			return w.recv()
		}
		linkID := func(m map[string]any) any { return m["data"].([]any)[0].(map[string]any)["orderLinkId"] }

		// Silent: the order is placed, its push is lost, pongs still come.
		f.srv.SetStreamFault(sim.StreamSilent, 0)
		place("lost")
		if m := ping("p1"); m["op"] != "pong" || m["req_id"] != "p1" {
			t.Fatalf("silent stream: %v (a push leaked, or no pong)", m)
		}
		f.srv.ClearStreamFaults()
		place("after")
		if m := w.recv(); linkID(m) != "after" {
			t.Fatalf("after silence %v", m)
		}

		// Delay: the push still comes, late.
		f.srv.SetStreamFault(sim.StreamDelay, 2*time.Second)
		start := time.Now()
		place("late")
		if m := w.recv(); linkID(m) != "late" || time.Since(start) != 2*time.Second {
			t.Fatalf("delayed push %v after %v", m, time.Since(start))
		}
		f.srv.ClearStreamFaults()

		// No pong: the ping is swallowed, the next message is the next push.
		f.srv.SetStreamFault(sim.StreamNoPong, 0)
		w.send(`{"op":"ping","req_id":"p2"}`)
		place("nopong")
		if m := w.recv(); m["topic"] != "order" {
			t.Fatalf("no-pong: got %v", m)
		}
		f.srv.ClearStreamFaults()

		// Expire: a normal close.
		if n := f.srv.StreamConns(); n != 1 {
			t.Fatalf("%d connections", n)
		}
		f.srv.SetStreamFault(sim.StreamExpire, 0)
		_, _, err := w.c.Read(w.ctx)
		if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			t.Fatalf("expire: %v", err)
		}

		// Drop: no close frame.
		w2 := f.dial(t)
		w2.login(`"wallet"`)
		f.srv.SetStreamFault(sim.StreamDrop, 0)
		_, _, err = w2.c.Read(w2.ctx)
		if err == nil || websocket.CloseStatus(err) != -1 {
			t.Fatalf("drop: %v", err)
		}
		synctest.Wait()
		if n := f.srv.StreamConns(); n != 0 {
			t.Errorf("%d connections after drop", n)
		}

		// A connection that sends nothing closes after max_active_time.
		w3 := f.dial(t)
		start = time.Now()
		if _, _, err := w3.c.Read(w3.ctx); err == nil || time.Since(start) != 10*time.Minute {
			t.Errorf("idle close after %v: %v", time.Since(start), err)
		}
	})
}
