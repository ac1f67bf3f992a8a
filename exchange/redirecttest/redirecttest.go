// Package redirecttest checks the redirect policy every venue client must
// keep (see exchange.RefuseRedirects): a configured URL that answers with a
// redirect gets an error, and the host it points at gets nothing at all.
package redirecttest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// Codes are the redirects net/http would follow by default.
var Codes = []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect}

// Pair is a configured host that redirects to a second one, which records
// whatever reaches it.
type Pair struct {
	Front *httptest.Server // the URL a client is configured with
	Other *httptest.Server // where Front's redirects point

	mu   sync.Mutex
	seen []string
}

// New starts the pair on loopback. Front answers requests for which
// redirect is true with code pointing at Other (same path and query), and
// hands the rest to next, e.g. a fake venue serving time and rules, so a
// client gets as far as its signed requests.
func New(t testing.TB, code int, next http.Handler, redirect func(*http.Request) bool) *Pair {
	t.Helper()
	p := &Pair{}
	p.Other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var hdr []string
		for k := range r.Header {
			hdr = append(hdr, k)
		}
		p.mu.Lock()
		p.seen = append(p.seen, r.Method+" "+r.URL.Path+" headers "+strings.Join(hdr, ",")+" body "+string(body))
		p.mu.Unlock()
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(p.Other.Close)
	p.Front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if redirect(r) {
			http.Redirect(w, r, p.Other.URL+r.URL.RequestURI(), code)
			return
		}
		next.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Front.Close)
	return p
}

// WSURL is Front's URL with the ws scheme.
func (p *Pair) WSURL() string { return "ws" + strings.TrimPrefix(p.Front.URL, "http") }

// Refused fails t unless err is the refusal of a redirect from Front to
// Other, carrying advice about the configured URL, and Other has received
// nothing.
func (p *Pair) Refused(t testing.TB, what string, err error) {
	t.Helper()
	var re *exchange.RedirectError
	switch {
	case err == nil:
		t.Errorf("%s: no error from a redirecting host", what)
	case !errors.As(err, &re):
		t.Errorf("%s: error %v is not an *exchange.RedirectError", what, err)
	default:
		if re.To != p.Other.URL || re.From != p.Front.URL {
			t.Errorf("%s: refusal names %s → %s, want %s → %s", what, re.From, re.To, p.Front.URL, p.Other.URL)
		}
		if a := exchange.AdviceOf(err); !strings.Contains(a, "rest_url") {
			t.Errorf("%s: advice %q does not point at the configured URL", what, a)
		}
		if !strings.Contains(err.Error(), "never follows redirects") {
			t.Errorf("%s: error %q does not say redirects are refused", what, err)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.seen) > 0 {
		t.Errorf("%s: the redirect target received %d request(s): %q", what, len(p.seen), p.seen)
	}
}

// RefusedSigned checks v, built on p.Front, the way every venue test
// does: its clock syncs (that request is not signed and does not
// redirect), then a signed read and a signed order are both refused and
// reach nothing past the redirect.
func (p *Pair) RefusedSigned(t testing.TB, v exchange.Venue, symbol string) {
	t.Helper()
	ctx := context.Background()
	if err := v.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := v.Balances(ctx)
	p.Refused(t, "balances", err)
	_, err = v.Place(ctx, exchange.OrderRequest{
		Symbol: symbol, Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		// An id the venue's policy makes: a venue that takes only its own
		// form must still get as far as sending.
		Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("50000"), ClientID: v.Info().ClientID.New(time.Now()),
	})
	p.Refused(t, "place", err)
}
