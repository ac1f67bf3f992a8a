package binancetest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vigil-trade/vigil/exchange/sim"
)

// These tests call the handler directly, so the fake's timers and the sim's
// default clock (time.Now) run on the bubble's fake time.

func TestLatencyLegsUnderSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New()
		defer s.Close()
		s.Sim().SetLatency(sim.LatencyConfig{Request: sim.Leg{Mean: 30 * time.Millisecond}, Response: sim.Leg{Mean: 20 * time.Millisecond}})
		start := time.Now()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v3/time", nil))
		if el := time.Since(start); el != 50*time.Millisecond {
			t.Errorf("round trip %v, want 50ms", el)
		}
		// The server reads its clock after the request leg.
		want := fmt.Sprintf(`{"serverTime":%d}`, start.Add(30*time.Millisecond).UnixMilli())
		if rec.Body.String() != want {
			t.Errorf("body %s, want %s", rec.Body, want)
		}
	})
}

func TestSlowAndHangUnderSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New()
		s.Sim().Faults().Add(sim.Fault{Kind: sim.FaultSlow, Op: "GET /api/v3/ping", Delay: 3 * time.Second, Times: 1})
		start := time.Now()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v3/ping", nil))
		if el := time.Since(start); el != 3*time.Second || rec.Code != 200 {
			t.Errorf("slow: %v %d", el, rec.Code)
		}

		// A hang ends with the client's context...
		s.Sim().Faults().Add(sim.Fault{Kind: sim.FaultHang, Op: "GET /api/v3/ping"})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start = time.Now()
		rec = httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v3/ping", nil).WithContext(ctx))
		if el := time.Since(start); el != 10*time.Second {
			t.Errorf("hang lasted %v, want the client's 10s", el)
		}
		// ...or with the server.
		var wg sync.WaitGroup
		wg.Go(func() {
			s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v3/ping", nil))
		})
		synctest.Wait()
		s.Close()
		wg.Wait()
	})
}

func TestClockDriftSeenByTimestampCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := New()
		defer s.Close()
		s.AddHMACKey(testKey, testSecret, TradePerms(DefaultAccount))
		s.Sim().SetDrift(-time.Minute) // the server loses a minute an hour
		get := func() *httptest.ResponseRecorder {
			p := fmt.Sprintf("timestamp=%d", time.Now().UnixMilli())
			req := httptest.NewRequest("GET", "/api/v3/account?"+p+"&signature="+hmacHex(testSecret, p), nil)
			req.Header.Set("X-MBX-APIKEY", testKey)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			return rec
		}
		if rec := get(); rec.Code != http.StatusOK {
			t.Fatalf("in sync: %d %s", rec.Code, rec.Body)
		}
		time.Sleep(time.Minute) // server now 1 s behind: our stamps are 1000 ms ahead
		rec := get()
		if rec.Code != 400 || rec.Body.String() != `{"code":-1021,"msg":"Timestamp for this request was 1000ms ahead of the server's time."}` {
			t.Errorf("after drift: %d %s", rec.Code, rec.Body)
		}
	})
}

// TestConcurrentClients races 80 orders at the 50-per-10s limit: exactly 50
// get through, whatever the interleaving.
func TestConcurrentClients(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10 {
				p := fmt.Sprintf("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&newClientOrderId=c%d-%d", g, i)
				r, err := f.raw(context.Background(), "POST", "/api/v3/order", "", signBody(f, p), map[string]string{"X-MBX-APIKEY": testKey})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				codes[r.code]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if codes[0] != 50 || codes[-1015] != 30 {
		t.Errorf("outcomes by code %v, want 50 accepted and 30 -1015", codes)
	}
	if n := len(f.srv.Sim().OpenOrders(DefaultAccount, "BTCUSDT")); n != 50 {
		t.Errorf("%d open orders, want 50", n)
	}
}
