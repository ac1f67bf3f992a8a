package binance

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
)

// hangingTransport answers /api/v3/time at once and holds every other
// request until its context ends; with stall it sends the headers and
// stalls in the body instead. It counts CloseIdleConnections calls.
type hangingTransport struct {
	stall  bool
	closed atomic.Int32
}

func (h *hangingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/api/v3/time" {
		return timeReply(), nil
	}
	if h.stall {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: stallBody{r.Context()}}, nil
	}
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// timeReply answers the clock probe a client sends before its first
// signed request, with this machine's time.
func timeReply() *http.Response {
	body := `{"serverTime":` + strconv.FormatInt(time.Now().UnixMilli(), 10) + `}`
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
}

func (h *hangingTransport) CloseIdleConnections() { h.closed.Add(1) }

type stallBody struct{ ctx context.Context }

func (b stallBody) Read([]byte) (int, error) { <-b.ctx.Done(); return 0, b.ctx.Err() }
func (b stallBody) Close() error             { return nil }

func hangingClient(t *testing.T, rt http.RoundTripper, opts ...Option) *Client {
	t.Helper()
	c, err := New(append([]Option{WithBaseURL("http://binance.invalid"), WithAPIKey(docAPIKey),
		WithSecret(crypto.NewSecret([]byte(docSecret))), WithHTTPClient(&http.Client{Transport: rt})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A venue that never answers cannot hang a caller that set no deadline:
// the request fails at the default timeout, as a deadline error.
func TestRequestWithoutDeadlineIsCutOff(t *testing.T) {
	for _, stall := range []bool{false, true} {
		name := "no headers"
		if stall {
			name = "stalled body"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := hangingClient(t, &hangingTransport{stall: stall})
				start := time.Now()
				_, err := c.Balances(context.Background())
				took := time.Since(start)
				if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no reply within 30s") {
					t.Fatalf("err %v", err)
				}
				if took < defaultRequestTimeout || took > defaultRequestTimeout+time.Second {
					t.Fatalf("cut off after %v, want %v", took, defaultRequestTimeout)
				}
			})
		})
	}
}

// Requests in flight together are each cut off at their own start plus the
// limit, not all at once, and a caller's own deadline is left alone.
func TestRequestTimeoutIsPerRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := hangingClient(t, &hangingTransport{}, WithRequestTimeout(10*time.Second))
		start := time.Now()
		var mu sync.Mutex
		ended := map[string]time.Duration{}
		var wg sync.WaitGroup
		run := func(name string, ctx context.Context, after time.Duration) {
			wg.Go(func() {
				time.Sleep(after)
				_, err := c.Balances(ctx)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%s: err %v", name, err)
				}
				mu.Lock()
				ended[name] = time.Since(start)
				mu.Unlock()
			})
		}
		own, cancel := context.WithTimeout(context.Background(), 25*time.Second)
		defer cancel()
		run("first", context.Background(), 0)
		run("second", context.Background(), 4*time.Second)
		run("own deadline", own, 0)
		wg.Wait()
		for name, want := range map[string]time.Duration{"first": 10 * time.Second, "second": 14 * time.Second, "own deadline": 25 * time.Second} {
			if got := ended[name]; got != want {
				t.Errorf("%s ended after %v, want %v", name, got, want)
			}
		}
	})
}

// Once the account goes quiet the idle keep-alive connections are closed,
// as the transport's IdleConnTimeout did, and no timer or goroutine is left
// behind (synctest.Test would not return otherwise).
func TestQuietClientClosesIdleConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &hangingTransport{}
		c := hangingClient(t, rt)
		for range 3 {
			if err := c.SyncClock(context.Background()); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Second)
		}
		if n := rt.closed.Load(); n != 0 {
			t.Fatalf("closed idle connections %d times while in use", n)
		}
		time.Sleep(2 * defaultRequestTimeout)
		if n := rt.closed.Load(); n != 1 {
			t.Fatalf("closed idle connections %d times after going quiet, want 1", n)
		}
	})
}

// A redirect is not followed: it would carry the API key and the signed
// query to wherever it points.
func TestRedirectIsNotFollowed(t *testing.T) {
	var leaked atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(true)
	}))
	defer elsewhere.Close()
	venue := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/steal", http.StatusFound)
	}))
	defer venue.Close()
	c, err := New(WithBaseURL(venue.URL), WithAPIKey(docAPIKey), WithSecret(crypto.NewSecret([]byte(docSecret))))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Balances(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 302") {
		t.Fatalf("err %v", err)
	}
	if leaked.Load() {
		t.Fatal("followed the redirect")
	}
}

// The budget is reconciled from the headers of the buckets it keeps,
// including ones exchangeInfo adds later.
func TestObserveReadsCounterHeaders(t *testing.T) {
	rt := rtFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/api/v3/time" {
			return timeReply(), nil
		}
		body := `{"balances":[]}`
		if r.URL.Path == "/api/v3/exchangeInfo" {
			body = `{"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000},
				{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":100},
				{"rateLimitType":"ORDERS","interval":"MINUTE","intervalNum":5,"limit":900}],"symbols":[]}`
		}
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body)), Header: http.Header{
			"X-Mbx-Used-Weight-1m":  {" 700 "},
			"X-Mbx-Order-Count-10s": {"3"},
			"X-Mbx-Order-Count-5m":  {"42"},
			"X-Mbx-Used-Weight":     {"999"}, // no interval: no bucket
		}}, nil
	})
	c := hangingClient(t, rt)
	used := func() map[string]int {
		m := map[string]int{}
		for _, b := range c.Budget().Buckets {
			m[b.Name] = b.Used
		}
		return m
	}
	if _, err := c.Balances(context.Background()); err != nil {
		t.Fatal(err)
	}
	if u := used(); u["weight/1m"] != 700 || u["orders/10s"] != 3 || len(u) != 4 {
		t.Fatalf("after one reply: %v", u)
	}
	if _, err := c.Symbols(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Balances(context.Background()); err != nil {
		t.Fatal(err)
	}
	if u := used(); u["orders/5m"] != 42 || u["weight/1m"] < 700 || len(u) != 3 { // our own charges since add to 700
		t.Fatalf("after exchangeInfo: %v", u)
	}
}

func TestCounterHeadersAreCanonical(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range *c.counters.Load() {
		if ct.header != textproto.CanonicalMIMEHeaderKey(ct.header) {
			t.Errorf("%q is not canonical", ct.header)
		}
	}
}

func TestBaseURL(t *testing.T) {
	for _, bad := range []string{"binance.com", "ftp://binance.com", "http://", "http://h/?q=1", "http://h/#f", "http://a b"} {
		if _, err := New(WithBaseURL(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	var got string
	c, err := New(WithBaseURL("http://proxy.local:8080/binance/"), WithAPIKey(docAPIKey), WithSecret(crypto.NewSecret([]byte(docSecret))),
		WithHTTPClient(&http.Client{Transport: rtFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Path == "/binance/api/v3/time" {
				return timeReply(), nil
			}
			got = r.URL.String()
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(`{"balances":[]}`))}, nil
		})}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Balances(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "http://proxy.local:8080/binance/api/v3/account?omitZeroBalances=true&recvWindow=5000&timestamp=") ||
		!strings.Contains(got, "&signature=") {
		t.Fatalf("sent %s", got)
	}
}

// The signed GET path reuses its buffers: what it allocates beyond the
// transport is the request, its query string, the guard's context and the
// decoded balances.
func TestBalancesAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	rt := rtFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/api/v3/time" { // the one probe before the first signature
			body := `{"serverTime":` + strconv.FormatInt(time.Now().UnixMilli(), 10) + `}`
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body))}, nil
		}
		return &http.Response{StatusCode: 200, ContentLength: int64(len(benchAccountJSON)),
			Header: http.Header{"X-Mbx-Used-Weight-1m": {"20"}},
			Body:   io.NopCloser(strings.NewReader(benchAccountJSON))}, nil
	})
	c := hangingClient(t, rt, WithLimits(exchange.Limit{Name: "weight/1m", Kind: exchange.LimitWeight, Limit: 1 << 30, Window: time.Minute}))
	ctx := context.Background()
	if _, err := c.Balances(ctx); err != nil { // takes the clock's first sample
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(200, func() {
		if _, err := c.Balances(ctx); err != nil {
			t.Fatal(err)
		}
	})
	// The response and reader above cost 3; the rest is the client's.
	if n > 24 {
		t.Errorf("Balances allocates %v times per call", n)
	}
}
