package binance

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
)

// Every request carries exactly its own headers: the key, and the form
// content type on a POST; a client whose http.Client has a Jar sends the
// jar's cookie too (the request path gives it a header map per request).
func TestRequestHeaders(t *testing.T) {
	type seen struct {
		method, key, ctype, cookie string
	}
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v3/time" { // the clock probe before the first signed request
			fmt.Fprintf(w, `{"serverTime":%d}`, time.Now().UnixMilli())
			return
		}
		mu.Lock()
		got = append(got, seen{r.Method, r.Header.Get("X-MBX-APIKEY"), r.Header.Get("Content-Type"), r.Header.Get("Cookie")})
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "waf", Value: "1", Path: "/"})
		w.Write([]byte(`{"balances":[],"orderId":1,"symbol":"BTCUSDT","status":"CANCELED","clientOrderId":"x"}`))
	}))
	defer srv.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		hc   *http.Client
	}{
		{"default transport", nil},
		{"jar", &http.Client{Jar: jar}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got = nil
			opts := []Option{WithBaseURL(srv.URL), WithAPIKey(docAPIKey), WithSecret(crypto.NewSecret([]byte(docSecret)))}
			if tc.hc != nil {
				opts = append(opts, WithHTTPClient(tc.hc))
			}
			c, err := New(opts...)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			// The first reply sets the cookie the jar sends on all others.
			if _, err := c.Balances(ctx); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					if _, err := c.Balances(ctx); err != nil {
						t.Error(err)
					}
					// A form body: POST, as orders are sent.
					cl := &call{ep: endpoint{method: http.MethodPost, path: "/api/v3/order/test", signed: true, weight: 1}, p: accountParams()}
					if err := c.do(ctx, cl); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if len(got) != 9 {
				t.Fatalf("%d requests", len(got))
			}
			for i, s := range got {
				wantType := ""
				if s.method == http.MethodPost {
					wantType = "application/x-www-form-urlencoded"
				}
				if s.key != docAPIKey || s.ctype != wantType {
					t.Errorf("request %d: %+v", i, s)
				}
				if tc.hc != nil && i > 0 && s.cookie != "waf=1" {
					t.Errorf("request %d: jar cookie not sent: %+v", i, s)
				}
			}
		})
	}
}
