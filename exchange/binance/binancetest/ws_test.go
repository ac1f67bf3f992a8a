package binancetest

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// wsClient is a minimal WebSocket API client for the fake's own tests.
type wsClient struct {
	t     *testing.T
	c     *websocket.Conn
	ctx   context.Context
	msgs  chan map[string]json.RawMessage
	err   chan error
	pings chan struct{}
	next  int
}

func dialWS(t *testing.T, f *fixture) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	w := &wsClient{t: t, ctx: ctx, msgs: make(chan map[string]json.RawMessage, 100), err: make(chan error, 1), pings: make(chan struct{}, 100)}
	c, _, err := websocket.Dial(ctx, f.srv.WSURL, &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			select {
			case w.pings <- struct{}{}:
			default:
			}
			return true
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	w.c = c
	go func() {
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				w.err <- err
				close(w.msgs)
				return
			}
			var m map[string]json.RawMessage
			if json.Unmarshal(b, &m) != nil {
				m = map[string]json.RawMessage{"garbage": json.RawMessage(`true`)}
			}
			w.msgs <- m
		}
	}()
	return w
}

func (w *wsClient) send(method string, params map[string]any) {
	w.t.Helper()
	w.next++
	b, _ := json.Marshal(map[string]any{"id": fmt.Sprint("r", w.next), "method": method, "params": params})
	if err := w.c.Write(w.ctx, websocket.MessageText, b); err != nil {
		w.t.Fatal(err)
	}
}

func (w *wsClient) recv() map[string]json.RawMessage {
	w.t.Helper()
	select {
	case m, ok := <-w.msgs:
		if !ok {
			w.t.Fatalf("connection closed: %v", <-w.err)
		}
		return m
	case <-w.ctx.Done():
		w.t.Fatal("timed out waiting for a message")
	}
	return nil
}

// call sends a request and returns its reply, skipping stream events.
func (w *wsClient) call(method string, params map[string]any) (status int, result json.RawMessage, code int) {
	w.t.Helper()
	w.send(method, params)
	for {
		m := w.recv()
		if _, isEvent := m["event"]; isEvent {
			continue
		}
		_ = json.Unmarshal(m["status"], &status)
		var e struct{ Code int }
		_ = json.Unmarshal(m["error"], &e)
		return status, m["result"], e.Code
	}
}

// event waits for the next stream event of type typ.
func (w *wsClient) event(typ string) map[string]json.RawMessage {
	w.t.Helper()
	for {
		m := w.recv()
		raw, ok := m["event"]
		if !ok {
			continue
		}
		var ev map[string]json.RawMessage
		_ = json.Unmarshal(raw, &ev)
		var e string
		_ = json.Unmarshal(ev["e"], &e)
		if e == typ {
			return ev
		}
	}
}

func str(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(raw)
	}
	return s
}

// wsSign signs WebSocket API params: sorted, name=value, not percent-encoded.
func wsPayload(params map[string]any) string {
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprint(n, "=", params[n])
	}
	return strings.Join(parts, "&")
}

func TestWSUserDataStream(t *testing.T) {
	f := newFixture(t)
	pub, priv, _ := ed25519.GenerateKey(nil)
	f.srv.AddEd25519Key("edKey", pub, TradePerms(DefaultAccount))
	w := dialWS(t, f)

	// HMAC keys may not log on; Ed25519 keys may.
	p := map[string]any{"apiKey": testKey, "timestamp": f.clock.Now().UnixMilli()}
	p["signature"] = hmacHex(testSecret, wsPayload(p))
	if st, _, code := w.call("session.logon", p); st != 400 || code != -4056 {
		t.Errorf("HMAC logon: %d %d", st, code)
	}
	if st, _, code := w.call("userDataStream.subscribe", nil); st != 401 || code != -2015 {
		t.Errorf("subscribe before logon: %d %d", st, code)
	}
	p = map[string]any{"apiKey": "edKey", "timestamp": f.clock.Now().UnixMilli()}
	p["signature"] = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(wsPayload(p))))
	st, res, _ := w.call("session.logon", p)
	if st != 200 || !strings.Contains(string(res), `"apiKey":"edKey"`) {
		t.Fatalf("logon: %d %s", st, res)
	}
	st, res, _ = w.call("userDataStream.subscribe", nil)
	if st != 200 || string(res) != `{"subscriptionId":0}` {
		t.Fatalf("subscribe: %d %s", st, res)
	}

	r := f.signed("POST", "/api/v3/order", "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=60000&newClientOrderId=ws-1", true)
	expectOK(t, r)
	ev := w.event("executionReport")
	if str(ev["i"]) != "9007199254740993" || str(ev["c"]) != "ws-1" || str(ev["x"]) != "NEW" || str(ev["X"]) != "NEW" ||
		str(ev["q"]) != "0.10000000" || str(ev["p"]) != "60000.00000000" || str(ev["w"]) != "true" {
		t.Errorf("NEW report: %v", ev)
	}
	pos := w.event("outboundAccountPosition")
	if !strings.Contains(string(pos["B"]), `{"a":"USDT","f":"94000.00000000","l":"6000.00000000"}`) {
		t.Errorf("position: %s", pos["B"])
	}
	f.srv.Sim().SetPrice("BTCUSDT", decimal.RequireFromString("59000"))
	ev = w.event("executionReport")
	if str(ev["x"]) != "TRADE" || str(ev["X"]) != "FILLED" || str(ev["l"]) != "0.10000000" || str(ev["L"]) != "60000.00000000" || str(ev["N"]) != "BTC" || str(ev["m"]) != "true" {
		t.Errorf("TRADE report: %v", ev)
	}

	expectOK(t, f.signed("POST", "/api/v3/order", "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&price=50000&newClientOrderId=ws-2", true))
	expectOK(t, f.signed("DELETE", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=ws-2", false))
	for {
		ev = w.event("executionReport")
		if str(ev["x"]) == "CANCELED" {
			break
		}
	}
	if str(ev["C"]) != "ws-2" || str(ev["c"]) == "ws-2" || str(ev["w"]) != "false" {
		t.Errorf("CANCELED report: c=%s C=%s", ev["c"], ev["C"])
	}

	// A second subscription by signature, for any key type.
	p = map[string]any{"apiKey": testKey, "timestamp": f.clock.Now().UnixMilli(), "recvWindow": 5000}
	p["signature"] = hmacHex(testSecret, wsPayload(p))
	st, res, _ = w.call("userDataStream.subscribe.signature", p)
	if st != 200 || string(res) != `{"subscriptionId":1}` {
		t.Errorf("subscribe.signature: %d %s", st, res)
	}
	p["signature"] = hmacHex("wrong", wsPayload(p))
	if st, _, code := w.call("userDataStream.subscribe.signature", p); st != 400 || code != -1022 {
		t.Errorf("bad signature: %d %d", st, code)
	}
	p = map[string]any{"apiKey": testKey, "timestamp": f.clock.Now().UnixMilli() + 1000}
	p["signature"] = hmacHex(testSecret, wsPayload(p))
	if st, _, code := w.call("userDataStream.subscribe.signature", p); st != 400 || code != -1021 {
		t.Errorf("stamp ahead: %d %d", st, code)
	}
	if st, res, _ := w.call("session.subscriptions", nil); st != 200 || string(res) != `[{"subscriptionId":0},{"subscriptionId":1}]` {
		t.Errorf("subscriptions: %d %s", st, res)
	}
	if st, _, _ := w.call("userDataStream.unsubscribe", map[string]any{"subscriptionId": 1}); st != 200 {
		t.Errorf("unsubscribe: %d", st)
	}
}

func subscribedClient(t *testing.T, f *fixture) *wsClient {
	t.Helper()
	w := dialWS(t, f)
	p := map[string]any{"apiKey": testKey, "timestamp": f.clock.Now().UnixMilli()}
	p["signature"] = hmacHex(testSecret, wsPayload(p))
	if st, _, code := w.call("userDataStream.subscribe.signature", p); st != 200 {
		t.Fatalf("subscribe: %d %d", st, code)
	}
	return w
}

func TestWSStreamFaults(t *testing.T) {
	f := newFixture(t)
	place := func(cid string) {
		t.Helper()
		_, _, err := f.srv.Sim().Place(DefaultAccount, exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("50000"), ClientID: cid})
		must(t, err)
	}

	t.Run("silent", func(t *testing.T) {
		w := subscribedClient(t, f)
		f.srv.SetStreamFault(StreamSilent, 0)
		place("silent-1")
		if st, _, _ := w.call("ping", nil); st != 200 {
			t.Errorf("requests are still answered while silent: %d", st)
		}
		f.srv.ClearStreamFaults()
		place("silent-2")
		if ev := w.event("executionReport"); str(ev["c"]) != "silent-2" {
			t.Errorf("first event after silence is for %s, want silent-2 (silent-1 lost)", ev["c"])
		}
	})

	t.Run("delay keeps order", func(t *testing.T) {
		w := subscribedClient(t, f)
		f.srv.SetStreamFault(StreamDelay, 5*time.Millisecond)
		defer f.srv.ClearStreamFaults()
		place("late-1")
		place("late-2")
		if a, b := w.event("executionReport"), w.event("executionReport"); str(a["c"]) != "late-1" || str(b["c"]) != "late-2" {
			t.Errorf("delayed events out of order: %s %s", a["c"], b["c"])
		}
	})

	t.Run("no pong", func(t *testing.T) {
		w := subscribedClient(t, f)
		f.srv.SetStreamFault(StreamNoPong, 0)
		defer f.srv.ClearStreamFaults()
		ctx, cancel := context.WithTimeout(w.ctx, 100*time.Millisecond)
		defer cancel()
		if err := w.c.Ping(ctx); err == nil {
			t.Error("server answered a ping under StreamNoPong")
		}
	})

	t.Run("expire", func(t *testing.T) {
		w := subscribedClient(t, f)
		f.srv.SetStreamFault(StreamExpire, 0)
		w.event("eventStreamTerminated")
		for range w.msgs {
		}
		if err := <-w.err; websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			t.Errorf("expire closed with %v", err)
		}
	})

	t.Run("drop", func(t *testing.T) {
		w := subscribedClient(t, f)
		f.srv.SetStreamFault(StreamDrop, 0)
		for range w.msgs {
		}
		if err := <-w.err; websocket.CloseStatus(err) != -1 {
			t.Errorf("drop sent a close frame: %v", err)
		}
	})

	t.Run("request faults", func(t *testing.T) {
		w := subscribedClient(t, f)
		f.srv.Sim().Faults().Add(sim.Fault{Kind: sim.Fault5xx, Op: "WS time", Times: 1})
		if st, _, code := w.call("time", nil); st != 503 || code != -1007 {
			t.Errorf("5xx: %d %d", st, code)
		}
		st, res, _ := w.call("time", nil)
		if st != 200 || string(res) != fmt.Sprintf(`{"serverTime":%d}`, f.clock.Now().UnixMilli()) {
			t.Errorf("time: %d %s", st, res)
		}
	})
}

func TestWSServerPings(t *testing.T) {
	f := newFixture(t, WithPingInterval(10*time.Millisecond))
	w := dialWS(t, f)
	for range 3 {
		select {
		case <-w.pings:
		case <-w.ctx.Done():
			t.Fatal("no server ping")
		}
	}
	if f.srv.StreamConns() != 1 {
		t.Errorf("%d connections", f.srv.StreamConns())
	}
}
