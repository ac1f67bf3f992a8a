package binance_test

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

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

func clientFor(t *testing.T, srv *binancetest.Server, net exchange.Network, rt http.RoundTripper, opts ...binance.Option) *binance.Client {
	t.Helper()
	if rt == nil {
		rt = venuetest.Direct{Handler: srv.Handler()}
	}
	base := []binance.Option{
		binance.WithBaseURL("http://binance.fake"),
		binance.WithAccount(exchange.AccountInfo{Name: "acct", Venue: "binance", Network: net}),
		binance.WithAPIKey(hmacKey),
		binance.WithScheme(exchange.SchemeHMAC),
		binance.WithSecret(crypto.NewSecret([]byte(hmacSecret))),
		binance.WithHTTPClient(&http.Client{Transport: rt}),
	}
	c, err := binance.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var assertAllAccepted = venuetest.AcceptedFrom[*binancetest.Server](request)

func TestKeyAuditTestnet(t *testing.T) {
	srv := binancetest.New()
	srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	c := clientFor(t, srv, exchange.Testnet, nil)
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	ki, err := c.KeyInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ki.Read != exchange.TriYes || ki.Trade != exchange.TriYes || ki.IPBound != exchange.TriUnknown || !ki.Expires.IsZero() {
		t.Fatalf("key info %+v", ki)
	}
	if !strings.Contains(ki.Source, "order/test") || !strings.Contains(strings.Join(ki.Notes, "\n"), "IP binding cannot be read") {
		t.Fatalf("source %q notes %q", ki.Source, ki.Notes)
	}
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/sapi") {
			t.Fatal("testnet audit called /sapi")
		}
		if r.Path == "/api/v3/order" {
			t.Fatal("the probe must use order/test, never a real order")
		}
	}
	assertAllAccepted(t, srv, 0)

	ro := binancetest.New()
	ro.AddHMACKey(hmacKey, hmacSecret, binancetest.Perms{Read: true})
	c = clientFor(t, ro, exchange.Testnet, nil)
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	ki, err = c.KeyInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ki.Read != exchange.TriYes || ki.Trade != exchange.TriNo {
		t.Fatalf("read-only key: %+v", ki)
	}
}

func TestKeyAuditMainnet(t *testing.T) {
	srv := binancetest.New(binancetest.WithMode(binancetest.Mainnet))
	created := time.UnixMilli(1700000000000)
	expires := time.UnixMilli(1800000000000)
	srv.AddHMACKey(hmacKey, hmacSecret, binancetest.Perms{Read: true, Trade: true, Withdraw: true,
		IPRestrict: true, IPs: []string{"127.0.0.1"}, Created: created, TradingAuthorityExpiration: expires})
	c := clientFor(t, srv, exchange.Mainnet, nil)
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	ki, err := c.KeyInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ki.Read != exchange.TriYes || ki.Trade != exchange.TriYes || ki.Withdraw != exchange.TriYes || ki.IPBound != exchange.TriYes {
		t.Fatalf("key info %+v", ki)
	}
	if !ki.Created.Equal(created) || !ki.Expires.Equal(expires) || !strings.Contains(ki.Source, "apiRestrictions") {
		t.Fatalf("created %v expires %v source %q", ki.Created, ki.Expires, ki.Source)
	}
	assertAllAccepted(t, srv, 0)
}

func TestWrongSecretIsSignatureError(t *testing.T) {
	srv := binancetest.New()
	srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	c := clientFor(t, srv, exchange.Testnet, nil, binance.WithSecret(crypto.NewSecret([]byte(strings.ToLower(hmacSecret)))))
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := c.Balances(ctx)
	var ae *exchange.APIError
	if !errors.As(err, &ae) || ae.Kind != exchange.KindSignature || ae.Code != "-1022" {
		t.Fatalf("err %v", err)
	}
	if adv := ae.Advice(); !strings.Contains(adv, "secret") || !strings.Contains(adv, "HMAC") {
		t.Fatalf("advice %q", adv)
	}
	if strings.Contains(err.Error()+ae.Advice(), strings.ToLower(hmacSecret)) {
		t.Fatal("the secret leaked into the error")
	}
}

// TestBackgroundOverloadNeverHitsLimit: ten pollers asking for ten times the
// weight the fake allows (120/min) for five virtual minutes. The local budget
// must hold them back so not one 429 or 418 is served, yet use at least 90%
// of the allowed weight in every full minute.
func TestBackgroundOverloadNeverHitsLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		limits := binancetest.DefaultRateLimits()
		limits.WeightPerMinute = 120
		srv := binancetest.New(binancetest.WithRateLimits(limits))
		srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))

		var mu sync.Mutex
		perMinute := map[int64]int{} // venue minute → highest used weight it reported
		rt := venuetest.Direct{Handler: srv.Handler(), OnReply: func(_ *http.Request, resp *http.Response) {
			used, err := strconv.Atoi(resp.Header.Get("X-Mbx-Used-Weight-1m"))
			if err != nil {
				return
			}
			m := srv.Sim().Now().UnixMilli() / 60_000
			mu.Lock()
			perMinute[m] = max(perMinute[m], used)
			mu.Unlock()
		}}
		c := clientFor(t, srv, exchange.Testnet, rt)
		ctx, cancel := context.WithCancel(exchange.WithPriority(context.Background(), exchange.Background))
		if err := c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Symbols(ctx); err != nil { // learns 120/min from exchangeInfo
			t.Fatal(err)
		}
		first := srv.Sim().Now().UnixMilli() / 60_000

		const pollers, runFor = 10, 5 * time.Minute
		// Each poller asks for LastPrice (weight 2) every second:
		// 10 × 60 × 2 = 1200 weight a minute, ten times the limit.
		var wg sync.WaitGroup
		var served, refused int
		for range pollers {
			wg.Go(func() {
				tick := time.NewTicker(time.Second)
				defer tick.Stop()
				for {
					select {
					case <-ctx.Done():
						return
					case <-tick.C:
					}
					_, err := c.LastPrice(ctx, "BTCUSDT")
					mu.Lock()
					if err == nil {
						served++
					} else if ctx.Err() == nil {
						refused++
						t.Errorf("poll: %v", err)
					}
					mu.Unlock()
				}
			})
		}
		<-time.After(runFor) // virtual time inside the bubble
		cancel()
		wg.Wait()

		if n429, n418 := srv.Count429(), srv.Count418(); n429 != 0 || n418 != 0 {
			t.Fatalf("fake served %d × 429 and %d × 418", n429, n418)
		}
		last := srv.Sim().Now().UnixMilli() / 60_000
		full := 0
		for m := first + 1; m < last; m++ {
			full++
			if used := perMinute[m]; used*10 < 120*9 {
				t.Errorf("minute %d used %d of 120 weight (< 90%%)", m-first, used)
			}
		}
		if full < 3 {
			t.Fatalf("only %d full minutes observed", full)
		}
		t.Logf("served %d polls; weight per minute %v", served, perMinute)
	})
}
