package bybit_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/bybit"
	"github.com/vigil-trade/vigil/exchange/bybit/bybittest"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

// sortingProxy re-encodes the query with its keys sorted, as some gateways
// do: the venue then signs other bytes than we did.
type sortingProxy struct{ next http.RoundTripper }

func (p sortingProxy) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.RawQuery != "" {
		v, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.URL.RawQuery = v.Encode()
	}
	return p.next.RoundTrip(r)
}

// headerTap shows each reply's headers to tap.
type headerTap struct {
	next http.RoundTripper
	tap  func(http.Header)
}

func (h headerTap) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := h.next.RoundTrip(r)
	if err == nil {
		h.tap(resp.Header)
	}
	return resp, err
}

// TestKeyAudit reads query-api for the kinds of key a user may bring.
func TestKeyAudit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := bybittest.New()
		ctx := context.Background()
		now := srv.Sim().Now()

		// Unbound, created 80 days ago: Bybit expires it after 90.
		created := now.Add(-80 * 24 * time.Hour)
		srv.AddKey(keyID, keySecret, bybittest.Perms{Created: created, Note: "cockpit"})
		c := openClient(t, venuetest.InMemory(srv.Handler(), nil))
		ki, err := c.KeyInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		expires := created.Add(90 * 24 * time.Hour)
		notes := strings.Join(ki.Notes, "\n")
		if ki.Read != exchange.TriYes || ki.Trade != exchange.TriYes || ki.Withdraw != exchange.TriNo ||
			ki.IPBound != exchange.TriNo || len(ki.IPs) != 0 || !ki.Created.Equal(created) || !ki.Expires.Equal(expires) ||
			ki.AccountUID != strconv.FormatInt(srv.UID(bybittest.DefaultAccount), 10) {
			t.Fatalf("unbound key %+v", ki)
		}
		if !strings.Contains(notes, "key expires "+expires.UTC().Format("2006-01-02")+" (in 10 days)") ||
			!strings.Contains(notes, "not bound to an IP") || !strings.Contains(notes, `"cockpit"`) {
			t.Fatalf("notes %q", notes)
		}

		// Read-only, IP-bound, no expiry: it may not trade.
		srv.AddKey(keyID, keySecret, bybittest.Perms{ReadOnly: true, IPs: []string{"127.0.0.1", "10.0.0.7"}, Created: now})
		ki, err = c.KeyInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ki.Trade != exchange.TriNo || ki.IPBound != exchange.TriYes || len(ki.IPs) != 2 || !ki.Expires.IsZero() {
			t.Fatalf("read-only key %+v", ki)
		}
		_, err = c.Place(ctx, venuetest.LimitBuy("BTCUSDT", decimal.RequireFromString("30000")))
		var ae *exchange.APIError
		if !errors.As(err, &ae) || ae.Code != "10005" || ae.Kind != exchange.KindPermission || exchange.IsAmbiguous(err) {
			t.Fatalf("place with a read-only key: %v", err)
		}

		// Withdrawal enabled: the red flag must show.
		srv.AddKey(keyID, keySecret, bybittest.Perms{Withdraw: true, IPs: []string{"127.0.0.1"}, Created: now})
		if ki, err = c.KeyInfo(ctx); err != nil || ki.Withdraw != exchange.TriYes || ki.Trade != exchange.TriYes {
			t.Fatalf("withdraw key %+v %v", ki, err)
		}

		// Past its expiry the key is refused.
		srv.AddKey(keyID, keySecret, bybittest.Perms{Created: now.Add(-91 * 24 * time.Hour), Expires: now.Add(-time.Hour)})
		if _, err = c.KeyInfo(ctx); exchange.KindOf(err) != exchange.KindAuth || !strings.Contains(exchange.AdviceOf(err), "expired") {
			t.Fatalf("expired key: %v", err)
		}
	})
}

// TestWrongSecret: Bybit answers 10004 and echoes the string it signed. With
// a wrong secret the strings agree, and the advice says so beside both.
func TestWrongSecret(t *testing.T) {
	srv := newFake(t)
	wrong := strings.ToLower(keySecret)
	c := openClient(t, venuetest.InMemory(srv.Handler(), nil), bybit.WithKey(keyID, secret(wrong)))
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := c.Balances(ctx)
	var ae *exchange.APIError
	if !errors.As(err, &ae) || ae.Code != "10004" || ae.Kind != exchange.KindSignature {
		t.Fatalf("err %v", err)
	}
	adv := ae.Advice()
	if !strings.HasPrefix(adv, `venue signed: "`) || !strings.Contains(adv, `we signed: "`) || !strings.Contains(adv, "identical") ||
		!strings.Contains(adv, "secret") || strings.Count(adv, "5000accountType=UNIFIED") != 2 {
		t.Fatalf("advice %q", adv)
	}
	if strings.Contains(adv, keyID) || strings.Contains(adv+err.Error(), wrong) || strings.Contains(adv+err.Error(), keySecret) {
		t.Fatalf("advice leaks the key or a secret: %q", adv)
	}
}

// TestRewrittenRequest: a proxy that re-sorts the query makes Bybit sign
// other bytes than we did; the advice shows both strings and marks the first
// byte that differs.
func TestRewrittenRequest(t *testing.T) {
	srv := newFake(t)
	c := openClient(t, venuetest.InMemory(srv.Handler(), sortingProxy{next: venuetest.Direct{Handler: srv.Handler()}}))
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := c.OpenOrders(ctx, "BTCUSDT") // category=spot&symbol=…&openOnly=0&limit=50
	var ae *exchange.APIError
	if !errors.As(err, &ae) || ae.Code != "10004" || ae.Kind != exchange.KindSignature {
		t.Fatalf("err %v", err)
	}
	at := len("1700000000000") + len(keyID) + len("5000") + len("category=spot&")
	adv := ae.Advice()
	if want := fmt.Sprintf("first difference at byte %d ('l' vs 's')", at); !strings.Contains(adv, want) {
		t.Fatalf("advice %q, want %q", adv, want)
	}
	if !strings.Contains(adv, `venue signed: "`) || !strings.Contains(adv, "category=spot&limit=50") ||
		!strings.Contains(adv, `we signed: "`) || !strings.Contains(adv, "category=spot&symbol=BTCUSDT") || strings.Contains(adv, keyID) {
		t.Fatalf("advice %q", adv)
	}
}

// TestClockErrorAdvice: when re-syncing cannot help (the venue's time
// endpoint and its auth check disagree), the 10002 surfaces as a
// *ClockError whose advice says which side of the window the stamp fell.
func TestClockErrorAdvice(t *testing.T) {
	for _, tc := range []struct {
		skew  time.Duration
		ahead bool
		words string
	}{
		{-2 * time.Second, true, "ahead of Bybit's clock"},
		{6 * time.Second, false, "beyond the 5000 ms recvWindow"},
	} {
		synctest.Test(t, func(t *testing.T) {
			srv := newFake(t)
			jumpy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v5/market/time" {
					srv.Sim().SetSkew(0)
				} else {
					srv.Sim().SetSkew(tc.skew)
				}
				srv.Handler().ServeHTTP(w, r)
			})
			c := openClient(t, venuetest.InMemory(srv.Handler(), venuetest.Direct{Handler: jumpy}))
			_, err := c.Balances(context.Background())
			var ce *exchange.ClockError
			if !errors.As(err, &ce) || ce.Code != "10002" || ce.Kind != exchange.KindClock || ce.Ahead != tc.ahead {
				t.Fatalf("skew %v: want a 10002 ClockError, got %v", tc.skew, err)
			}
			if !strings.Contains(ce.Advice(), tc.words) {
				t.Fatalf("advice %q", ce.Advice())
			}
			n := 0
			for _, r := range srv.Requests() {
				if r.Path == "/v5/account/wallet-balance" {
					n++
				}
			}
			if n != 2 {
				t.Fatalf("%d balance requests, want the first and one retry", n)
			}
		})
	}
}

func bucket(snap exchange.BudgetSnapshot, name string) (exchange.Bucket, bool) {
	for _, b := range snap.Buckets {
		if b.Name == name {
			return b, true
		}
	}
	return exchange.Bucket{}, false
}

// intercontinental is a round trip of 300 ms. The budget stamps a charge
// as if it reached the venue a guard (100 ms on a 1 s window) after it was
// sent and takes a venue count as a guard old; only with a round trip longer
// than two guards is the request just answered inside the span the count is
// compared over (see the report on exchange.Budget's rolling Observe).
var intercontinental = sim.LatencyConfig{Request: sim.Leg{Mean: 150 * time.Millisecond}, Response: sim.Leg{Mean: 150 * time.Millisecond}}

// TestLimitHeadersReachBudget: the X-Bapi-Limit headers set the bucket's
// limit (here not the documented default, so it can only come from the
// venue) and its use.
func TestLimitHeadersReachBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limits := bybittest.DefaultLimits()
		limits.WalletBalance = 7
		srv := newFake(t, bybittest.WithLimits(limits))
		srv.Sim().SetLatency(intercontinental)
		var mu sync.Mutex
		venueUsed := -1 // X-Bapi-Limit minus X-Bapi-Limit-Status of the last reply to c
		c := openClient(t, venuetest.InMemory(srv.Handler(), headerTap{next: venuetest.Direct{Handler: srv.Handler()}, tap: func(h http.Header) {
			lim, err1 := strconv.Atoi(h.Get("X-Bapi-Limit"))
			left, err2 := strconv.Atoi(h.Get("X-Bapi-Limit-Status"))
			if err1 == nil && err2 == nil {
				mu.Lock()
				venueUsed = lim - left
				mu.Unlock()
			}
		}}))
		ctx := context.Background()
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if _, err := c.Balances(ctx); err != nil {
				t.Fatal(err)
			}
		}
		b, ok := bucket(c.Budget(), "wallet-balance/1s")
		if !ok || b.Limit != 7 || b.Used != 3 || b.Window != time.Second {
			t.Fatalf("wallet bucket %+v in %+v", b, c.Budget().Buckets)
		}
		// Another program on the key: the venue's count rises past ours.
		other := openClient(t, venuetest.InMemory(srv.Handler(), nil))
		if _, err := other.Balances(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Balances(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		want := venueUsed
		mu.Unlock()
		if b, _ := bucket(c.Budget(), "wallet-balance/1s"); b.Used != want || want < 2 {
			t.Fatalf("after another program's request: %+v, venue counts %d", b, want)
		}
		// The rolling second passes and the venue's count with it.
		time.Sleep(2 * time.Second)
		if _, err := c.Balances(ctx); err != nil {
			t.Fatal(err)
		}
		if b, _ := bucket(c.Budget(), "wallet-balance/1s"); b.Used != 1 {
			t.Fatalf("after the window: %+v", b)
		}
	})
}

// TestRateLimitSetsRetryAt: another program on the same key used up
// wallet-balance's second; the venue's 10006 carries the reset stamp, which
// becomes RetryAt, and the account is held locally until then.
func TestRateLimitSetsRetryAt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limits := bybittest.DefaultLimits()
		limits.WalletBalance = 5
		srv := newFake(t, bybittest.WithLimits(limits))
		ctx := context.Background()
		c := openClient(t, venuetest.InMemory(srv.Handler(), nil))
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		t0 := srv.Sim().Now()
		for range 5 { // other programs on the same key
			if _, err := openClient(t, venuetest.InMemory(srv.Handler(), nil)).Balances(ctx); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(300 * time.Millisecond)
		_, err := c.Balances(ctx)
		var rl *exchange.RateLimitError
		if !errors.As(err, &rl) || rl.Code != "10006" || rl.Kind != exchange.KindRateLimit || rl.Banned {
			t.Fatalf("want a 10006 RateLimitError, got %v", err)
		}
		if want := t0.Add(time.Second); !rl.RetryAt.Equal(want.Truncate(time.Millisecond)) {
			t.Fatalf("RetryAt %v, want the venue's reset %v", rl.RetryAt, want)
		}
		if srv.CountRateLimited() != 1 {
			t.Fatalf("%d × 10006", srv.CountRateLimited())
		}
		snap := c.Budget()
		if !snap.Banned(time.Now()) || !snap.BannedUntil.Equal(rl.RetryAt) {
			t.Fatalf("budget %+v", snap)
		}
		if b, ok := bucket(snap, "wallet-balance/1s"); !ok || b.Limit != 5 || b.Used < 5 {
			t.Fatalf("bucket after 10006 %+v", b)
		}
		seen := len(srv.Requests())
		var ll *exchange.LocalLimitError
		if _, err := c.Balances(exchange.WithPriority(ctx, exchange.Background)); !errors.As(err, &ll) {
			t.Fatalf("during the hold: %v", err)
		}
		if len(srv.Requests()) != seen {
			t.Fatal("a request reached the fake during the hold")
		}
		time.Sleep(time.Until(rl.RetryAt) + time.Millisecond)
		if _, err := c.Balances(ctx); err != nil {
			t.Fatalf("after the hold: %v", err)
		}
	})
}

// TestBudgetPriorityFromContext: query-api allows 10 a second; pollers
// marked Background through the context leave the reserve to a caller that
// needs the key now.
func TestBudgetPriorityFromContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t)
		c := openClient(t, venuetest.InMemory(srv.Handler(), nil))
		ctx := context.Background()
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		srv.Sim().SetLatency(intercontinental)
		bg := exchange.WithPriority(ctx, exchange.Background)
		var wg sync.WaitGroup
		var mu sync.Mutex
		served := 0
		for range 10 {
			wg.Go(func() {
				if _, err := c.KeyInfo(bg); err != nil {
					t.Error(err)
				}
				mu.Lock()
				served++
				mu.Unlock()
			})
		}
		// The first wave is answered after 300 ms; the rest wait for the
		// window, which frees at 1.1 s.
		time.Sleep(500 * time.Millisecond)
		mu.Lock()
		if served != 5 {
			t.Errorf("background callers got %d of 10 query-api slots at once, want 5", served)
		}
		mu.Unlock()
		got := make(chan error, 1)
		go func() {
			_, err := c.KeyInfo(exchange.WithPriority(ctx, exchange.Trading))
			got <- err
		}()
		time.Sleep(400 * time.Millisecond)
		select {
		case err := <-got:
			if err != nil {
				t.Error(err)
			}
		default:
			t.Error("a trading-priority call waited behind background pollers")
			<-got
		}
		wg.Wait()
		if n := srv.CountRateLimited(); n != 0 {
			t.Fatalf("%d × 10006", n)
		}
		assertAllAccepted(t, srv, 0)
	})
}

// TestBurstNeverHitsLimit: sixty callers place orders on one symbol as fast
// as they are let through for five virtual seconds (three times the 20 a
// second the fake allows): the budget, reconciled with the headers, keeps
// every one inside the venue's rolling second.
func TestBurstNeverHitsLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newFake(t)
		if err := srv.Sim().Deposit(bybittest.DefaultAccount, "USDT", decimal.NewFromInt(1_000_000)); err != nil {
			t.Fatal(err)
		}
		c := openClient(t, venuetest.InMemory(srv.Handler(), nil))
		ctx := context.Background()
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // off a second boundary
		end := time.Now().Add(5 * time.Second)
		var wg sync.WaitGroup
		var mu sync.Mutex
		placed := 0
		for i := range 60 {
			wg.Go(func() {
				for n := 0; time.Now().Before(end); n++ {
					req := venuetest.LimitBuy("BTCUSDT", decimal.RequireFromString(strconv.Itoa(20000+i*100+n)))
					if _, err := c.Place(ctx, req); err != nil {
						t.Errorf("place: %v", err)
						return
					}
					mu.Lock()
					placed++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if n := srv.CountRateLimited(); n != 0 {
			t.Fatalf("the fake served %d × 10006", n)
		}
		if placed < 60 {
			t.Fatalf("placed %d", placed)
		}
	})
}

func newFake(t *testing.T, opts ...bybittest.Option) *bybittest.Server {
	t.Helper()
	srv := bybittest.New(opts...)
	srv.AddKey(keyID, keySecret, bybittest.TradePerms(bybittest.DefaultAccount))
	fund(t, srv)
	return srv
}
