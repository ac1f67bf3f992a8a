package bybit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// TestStream runs auth, subscribe, a heartbeat, a wallet push and order
// pushes against a loopback WebSocket server that checks the auth
// signature.
func TestStream(t *testing.T) {
	signer, _ := NewSigner(testKey, secret(testSecret))
	pinged := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.CloseNow()
		ctx := r.Context()
		var auth struct {
			Op   string            `json:"op"`
			Args []json.RawMessage `json:"args"`
		}
		_, b, err := conn.Read(ctx)
		if err != nil || json.Unmarshal(b, &auth) != nil || auth.Op != "auth" || len(auth.Args) != 3 {
			t.Errorf("auth message %s %v", b, err)
			return
		}
		var key, sig string
		var expires int64
		json.Unmarshal(auth.Args[0], &key)
		json.Unmarshal(auth.Args[1], &expires) // a number, as pybit sends it
		json.Unmarshal(auth.Args[2], &sig)
		if _, want := signer.SignWS(expires); key != testKey || sig != want {
			t.Errorf("auth key %q sig %q, want %q", key, sig, want)
		}
		conn.Write(ctx, websocket.MessageText, []byte(`{"success":true,"ret_msg":"","op":"auth","conn_id":"c1"}`))
		_, b, _ = conn.Read(ctx)
		if !strings.Contains(string(b), `"op":"subscribe","args":["order","wallet"]`) {
			t.Errorf("subscribe %s", b)
		}
		conn.Write(ctx, websocket.MessageText, []byte(`{"success":true,"ret_msg":"","op":"subscribe","conn_id":"c1"}`))
		push := func(status, cum, val string) {
			conn.Write(ctx, websocket.MessageText, []byte(`{"id":"x","topic":"order","creationTime":1700000000000,"data":[{"category":"spot","orderId":"111","orderLinkId":"vg1","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","price":"100","qty":"2","orderStatus":"`+status+`","timeInForce":"GTC","cumExecQty":"`+cum+`","cumExecValue":"`+val+`","avgPrice":"100","rejectReason":"EC_NoError","createdTime":"1700000000000","updatedTime":"1700000000500"}]}`))
		}
		conn.Write(ctx, websocket.MessageText, []byte(`{"id":"w","topic":"wallet","creationTime":1700000000100,"data":[{"accountType":"UNIFIED","coin":[{"coin":"USDT","equity":"1000","walletBalance":"1000","locked":"200","free":""}]}]}`))
		push("New", "0", "0")
		push("PartiallyFilled", "0.5", "50")
		push("Filled", "2", "200")
		push("Filled", "2", "200") // the duplicate Bybit may send
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			if strings.Contains(string(b), `"op":"ping"`) {
				conn.Write(ctx, websocket.MessageText, []byte(`{"success":true,"ret_msg":"pong","op":"ping"}`))
				close(pinged)
			}
		}
	}))
	defer srv.Close()
	c := newTestClient(t, func(http.ResponseWriter, *http.Request) {})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.wsURL = "ws" + strings.TrimPrefix(srv.URL, "http")
	s, err := NewStreamer(c, wsconn.WithHeartbeat(10*time.Millisecond, 5*time.Second), wsconn.WithHTTPClient(srv.Client())).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []exchange.OrderEvent
	var wallet []exchange.StreamEvent
	for len(got) < 4 {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				t.Fatalf("stream ended: %v", s.Err())
			}
			if ev.Order != nil {
				got = append(got, *ev.Order)
			} else {
				wallet = append(wallet, ev)
			}
		case <-ctx.Done():
			t.Fatal("timed out waiting for events")
		}
	}
	if len(wallet) != 1 || len(wallet[0].Balances) != 1 || wallet[0].Time.UnixMilli() != 1700000000100 || wallet[0].Account != "bybit-test" {
		t.Fatalf("wallet events %+v", wallet)
	}
	if b := wallet[0].Balances[0]; b.Asset != "USDT" || b.Free.String() != "800" || b.Locked.String() != "200" {
		t.Errorf("wallet balance %+v", b)
	}
	kinds := []exchange.EventKind{exchange.EventAck, exchange.EventFill, exchange.EventFill, exchange.EventAck}
	qty := []string{"0", "0.5", "1.5", "0"}
	for i, ev := range got {
		if ev.Kind != kinds[i] || ev.LastQty.String() != qty[i] || ev.Account != "bybit-test" || ev.Order.ClientID != "vg1" {
			t.Errorf("event %d: %s last %s, want %s %s", i, ev.Kind, ev.LastQty, kinds[i], qty[i])
		}
	}
	if got[2].Order.Status != exchange.StatusFilled || got[1].LastPrice.String() != "100" {
		t.Errorf("fill %+v", got[2])
	}
	select {
	case <-pinged:
	case <-ctx.Done():
		t.Fatal("no ping")
	}
	if err := s.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	if s.Err() != nil {
		t.Errorf("closed stream error %v", s.Err())
	}
}
