package okx_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/okx"
	"github.com/vigil-trade/vigil/exchange/okx/okxtest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

// TestWrongCredentials: a wrong passphrase and a wrong secret are refused
// with OKX's codes and come back as the right kind with advice, without the
// secret or passphrase in the text.
func TestWrongCredentials(t *testing.T) {
	for _, tc := range []struct {
		name       string
		sec, pass  string
		code       string
		kind       exchange.Kind
		adviceWord string
	}{
		{"passphrase", keySecret, "Vigil#Pass/2", "50105", exchange.KindAuth, "passphrase"},
		{"secret", strings.ToLower(keySecret), passphrase, "50113", exchange.KindSignature, "secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t)
			c := openClient(t, venuetest.InMemory(srv.Handler(), nil), okx.WithKey(keyID, secret(tc.sec), secret(tc.pass)))
			ctx := context.Background()
			if err := c.SyncClock(ctx); err != nil {
				t.Fatal(err)
			}
			_, err := c.Balances(ctx)
			var ae *exchange.APIError
			if !errors.As(err, &ae) || ae.Code != tc.code || ae.Kind != tc.kind || ae.HTTPStatus != http.StatusUnauthorized {
				t.Fatalf("err %v (%+v)", err, ae)
			}
			if !strings.Contains(ae.Advice(), tc.adviceWord) {
				t.Fatalf("advice %q", ae.Advice())
			}
			if text := err.Error() + ae.Advice(); strings.Contains(text, tc.sec) || strings.Contains(text, tc.pass) {
				t.Fatal("a credential leaked into the error")
			}
			reqs := srv.Requests()
			if last := reqs[len(reqs)-1]; last.Code != tc.code || last.Path != "/api/v5/account/balance" {
				t.Fatalf("fake saw %+v", last)
			}
		})
	}
}

// TestClockErrorAdvice: when the re-sync cannot help (the venue's clock
// keeps jumping), the 50102 surfaces as a *ClockError with advice.
func TestClockErrorAdvice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t)
		ctx := context.Background()
		// The venue's time endpoint and its auth check disagree by a
		// minute: syncing cannot fix it.
		jumpy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/v5/public/time" {
				srv.Sim().SetSkew(0)
			} else {
				srv.Sim().SetSkew(time.Minute)
			}
			srv.Handler().ServeHTTP(w, r)
		})
		c2 := openClient(t, venuetest.InMemory(srv.Handler(), venuetest.Direct{Handler: jumpy}))
		_, err := c2.Balances(ctx)
		var ce *exchange.ClockError
		if !errors.As(err, &ce) || ce.Code != "50102" || exchange.KindOf(err) != exchange.KindClock {
			t.Fatalf("want a 50102 ClockError, got %v", err)
		}
		if !strings.Contains(ce.Advice(), "±30 s") || !strings.Contains(ce.Advice(), "behind OKX's clock") {
			t.Fatalf("advice %q", ce.Advice())
		}
		// One refusal, one re-sync, one retry: no loop.
		n := 0
		for _, r := range srv.Requests() {
			if r.Path == "/api/v5/account/balance" {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d balance requests, want the first and one retry", n)
		}
	})
}

// TestBurstNeverHitsLimit: sixty callers ask for the ticker (20 per 2 s per
// IP on OKX) as fast as they are let through, for ten virtual seconds: three
// times the limit in every window. OKX sends no usage headers, so the
// client's own per-endpoint count must keep every request inside the fake's
// rolling window: not one 50011. Order placement on one instrument gets the
// same treatment at three times its 60 per 2 s.
func TestBurstNeverHitsLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t)
		if err := srv.Sim().Deposit(okxtest.DefaultAccount, "USDT", decimal.NewFromInt(1_000_000)); err != nil {
			t.Fatal(err)
		}
		c := openClient(t, venuetest.InMemory(srv.Handler(), nil))
		ctx := context.Background()
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		// Start off a 2 s boundary so fixed and rolling windows differ.
		time.Sleep(1300 * time.Millisecond)

		const callers = 60
		end := time.Now().Add(10 * time.Second)
		var mu sync.Mutex
		var served int
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for time.Now().Before(end) {
					if _, err := c.LastPrice(ctx, "BTC-USDT"); err != nil {
						t.Errorf("poll: %v", err)
						return
					}
					mu.Lock()
					if time.Now().Before(end) {
						served++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if n := srv.CountRateLimited(); n != 0 {
			t.Fatalf("the fake served %d × 50011 to the ticker burst", n)
		}
		// At most 20 in any 2 s, and the budget should use most of that.
		if served > 20*5 || served < 60 {
			t.Fatalf("served %d tickers in 10 s", served)
		}

		ords := 180
		for i := range ords {
			wg.Go(func() {
				req := venuetest.LimitBuy("BTC-USDT", decimal.RequireFromString(strconv.Itoa(30000+i)))
				if _, err := c.Place(ctx, req); err != nil {
					t.Errorf("place %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if n := srv.CountRateLimited(); n != 0 {
			t.Fatalf("the fake served %d × 50011 to the order burst", n)
		}
		if open, err := c.OpenOrders(ctx, "BTC-USDT"); err != nil || len(open) != 100 && len(open) != ords {
			t.Fatalf("open orders %d %v", len(open), err)
		}
	})
}

// TestBudgetPriorityFromContext: the cockpit marks its pollers Background
// through the context; they must leave the reserve of a bucket to orders
// and interactive calls.
func TestBudgetPriorityFromContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t)
		c := openClient(t, venuetest.InMemory(srv.Handler(), nil))
		ctx := context.Background()
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		bg := exchange.WithPriority(ctx, exchange.Background)
		var done sync.WaitGroup
		var mu sync.Mutex
		served := 0
		for range 20 {
			done.Go(func() {
				if _, err := c.LastPrice(bg, "BTC-USDT"); err != nil {
					t.Error(err)
				}
				mu.Lock()
				served++
				mu.Unlock()
			})
		}
		synctest.Wait()
		mu.Lock()
		bgServed := served
		mu.Unlock()
		// ticker: 20 per 2 s, of which Background may use all but the
		// reserve of 5.
		if bgServed != 15 {
			t.Errorf("background callers got %d of 20 ticker slots at once, want 15", bgServed)
		}
		// An interactive caller (the default for the ticker) still finds
		// room while the background ones wait.
		got := make(chan error, 1)
		go func() {
			_, err := c.LastPrice(ctx, "BTC-USDT")
			got <- err
		}()
		synctest.Wait()
		select {
		case err := <-got:
			if err != nil {
				t.Error(err)
			}
		default:
			t.Error("an interactive call waited behind background pollers")
			<-got
		}
		done.Wait()
		if n := srv.CountRateLimited(); n != 0 {
			t.Fatalf("%d × 50011", n)
		}
	})
}

// newFake is a demo-trading fake with a trading key and 10,000 USDT.
func newFake(t *testing.T, opts ...okxtest.Option) *okxtest.Server {
	t.Helper()
	srv := okxtest.New(opts...)
	srv.AddKey(keyID, keySecret, passphrase, okxtest.Perms{Trade: true, IPs: []string{"127.0.0.1"}, Label: "vigil"})
	fund(t, srv)
	return srv
}
