package okx

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

// TestStream runs login, subscribe, the text ping, order pushes and an
// account push against a loopback WebSocket server that checks the login
// signature.
func TestStream(t *testing.T) {
	signer, _ := NewSigner("key-1", secret(testSecret), secret("pass/1"))
	pinged := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.CloseNow()
		ctx := r.Context()
		var login struct {
			Op   string       `json:"op"`
			Args []wsLoginArg `json:"args"`
		}
		_, b, err := conn.Read(ctx)
		if err != nil || json.Unmarshal(b, &login) != nil || login.Op != "login" || len(login.Args) != 1 {
			t.Errorf("login %s %v", b, err)
			return
		}
		a := login.Args[0]
		var unix int64
		json.Unmarshal([]byte(a.Timestamp), &unix)
		if _, want := signer.SignWSLogin(unix); a.Sign != want || a.APIKey != "key-1" || a.Passphrase != "pass/1" {
			t.Errorf("login args %+v, want sign %s", a, want)
		}
		conn.Write(ctx, websocket.MessageText, []byte(`{"event":"login","code":"0","msg":"","connId":"a4d3ae55"}`))
		_, b, _ = conn.Read(ctx)
		if string(b) != `{"op":"subscribe","args":[{"channel":"orders","instType":"SPOT"},{"channel":"account"}]}` {
			t.Errorf("subscribe %s", b)
		}
		// A push may come between the two confirmations; it is kept.
		conn.Write(ctx, websocket.MessageText, []byte(`{"event":"subscribe","arg":{"channel":"orders","instType":"SPOT"},"connId":"a4d3ae55"}`))
		conn.Write(ctx, websocket.MessageText, []byte(`{"arg":{"channel":"account","uid":"77"},"eventType":"snapshot","curPage":1,"lastPage":true,"data":[{"totalEq":"41624.32","uTime":"1699999999000","details":[
			{"ccy":"USDT","availBal":"4834.3","frozenBal":"165.7","cashBal":"5000","uTime":"1699999998000"},
			{"ccy":"BTC","availBal":"","frozenBal":"0.25","cashBal":"1","uTime":"1699999999500"}]}]}`))
		conn.Write(ctx, websocket.MessageText, []byte(`{"event":"subscribe","arg":{"channel":"account"},"connId":"a4d3ae55"}`))
		conn.Write(ctx, websocket.MessageText, []byte(`{"arg":{"channel":"orders","instType":"SPOT","uid":"77"},"data":[
			{"instId":"BTC-USDT","ordId":"680800019749904384","clOrdId":"vg1","side":"buy","ordType":"limit","px":"40000","sz":"0.01","state":"live","accFillSz":"0","fillSz":"0","avgPx":"","cTime":"1700000000000","uTime":"1700000000000"},
			{"instId":"BTC-USDT","ordId":"680800019749904384","clOrdId":"vg1","side":"buy","ordType":"limit","px":"40000","sz":"0.01","state":"partially_filled","accFillSz":"0.004","fillSz":"0.004","fillPx":"39999.9","tradeId":"t9","fillTime":"1700000000700","avgPx":"39999.9","cTime":"1700000000000","uTime":"1700000000701"},
			{"instId":"BTC-USDT","ordId":"680800019749904384","clOrdId":"vg1","side":"buy","ordType":"limit","px":"40000","sz":"0.01","state":"canceled","accFillSz":"0.004","fillSz":"0","avgPx":"39999.9","cTime":"1700000000000","uTime":"1700000000900"}]}`))
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			if string(b) == "ping" {
				conn.Write(ctx, websocket.MessageText, []byte("pong"))
				close(pinged)
			}
		}
	}))
	defer srv.Close()
	c := newTestClient(t, exchange.Testnet, func(http.ResponseWriter, *http.Request) {})
	c.wsURL = "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := NewStreamer(c, wsconn.WithHeartbeat(10*time.Millisecond, 5*time.Second), wsconn.WithHTTPClient(srv.Client())).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var bals *exchange.StreamEvent
	var got []exchange.OrderEvent
	for len(got) < 3 {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				t.Fatalf("stream ended: %v", s.Err())
			}
			switch {
			case ev.Order != nil:
				got = append(got, *ev.Order)
			case bals == nil:
				bals = &ev
			default:
				t.Errorf("second balance event %+v", ev)
			}
		case <-ctx.Done():
			t.Fatal("timed out waiting for events")
		}
	}
	if bals == nil || len(bals.Balances) != 2 || bals.Account != "okx-demo" || bals.Time.UnixMilli() != 1699999999500 {
		t.Fatalf("balances %+v", bals)
	}
	if b := bals.Balances[0]; b.Asset != "USDT" || b.Free.String() != "4834.3" || b.Locked.String() != "165.7" {
		t.Errorf("USDT %+v", b)
	}
	if b := bals.Balances[1]; b.Asset != "BTC" || b.Free.String() != "0.75" || b.Locked.String() != "0.25" {
		t.Errorf("BTC without availBal %+v", b)
	}
	if got[0].Kind != exchange.EventAck || got[1].Kind != exchange.EventFill || got[2].Kind != exchange.EventCancel {
		t.Errorf("kinds %s %s %s", got[0].Kind, got[1].Kind, got[2].Kind)
	}
	f := got[1]
	if f.LastQty.String() != "0.004" || f.LastPrice.String() != "39999.9" || f.TradeID != "t9" || f.Time.UnixMilli() != 1700000000700 ||
		f.Order.Status != exchange.StatusPartiallyFilled || f.Account != "okx-demo" {
		t.Errorf("fill %+v", f)
	}
	select {
	case <-pinged:
	case <-ctx.Done():
		t.Fatal("no ping")
	}
	s.Close()
	if s.Err() != nil {
		t.Errorf("closed stream error %v", s.Err())
	}
}

func TestStreamLoginRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer conn.CloseNow()
		conn.Read(r.Context())
		conn.Write(r.Context(), websocket.MessageText, []byte(`{"event":"error","code":"60009","msg":"Login failed."}`))
		conn.Read(r.Context())
	}))
	defer srv.Close()
	c := newTestClient(t, exchange.Testnet, func(http.ResponseWriter, *http.Request) {})
	c.wsURL = "ws" + strings.TrimPrefix(srv.URL, "http")
	_, err := c.Stream(context.Background())
	if exchange.KindOf(err) != exchange.KindAuth || !strings.Contains(exchange.AdviceOf(err), "wspap") {
		t.Fatalf("err %v advice %q", err, exchange.AdviceOf(err))
	}
}
