package rest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
)

// testVenue is a venue of the test's own: a JSON envelope {"code","data"},
// usage in an X-Used header, and an error table by code.
type testVenue struct {
	budget   *exchange.Budget
	observed atomic.Int64
}

func (v *testVenue) Observe(_ *Request, h http.Header, _ time.Time) {
	if n, err := strconv.Atoi(h.Get("X-Used")); err == nil {
		v.observed.Store(int64(n))
	}
}

func (v *testVenue) Unwrap(rep *Reply) ([]byte, *Refusal) {
	var env struct {
		Code *int            `json:"code"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(rep.Body, &env); err != nil || env.Code == nil {
		return nil, rep.NotJSON("Test", err)
	}
	if *env.Code == 0 && rep.OK() {
		return env.Data, nil
	}
	ref := rep.Refuse(strconv.Itoa(*env.Code), "refused")
	switch *env.Code {
	case 1: // stamp outside the window
		ref.Kind, ref.Class = exchange.KindClock, StampRefused
	case 2: // stamp unreadable: no retry helps
		ref.Kind = exchange.KindClock
	case 3:
		ref.Class, ref.RetryAt = Throttled, time.Now().Add(time.Hour)
	case 4:
		ref.Class = Banned
	case 5:
		ref.Kind, ref.Class = exchange.KindUnknownStatus, Ambiguous
	default:
		ref.Kind = exchange.KindBadRequest
	}
	return nil, ref
}

// seen is one request as the server received it.
type seen struct {
	method, uri, body string
	header            http.Header
}

type server struct {
	*httptest.Server
	mu    sync.Mutex
	seen  []seen
	reply func(n int, r *http.Request) (int, string)
}

func newServer(t *testing.T, reply func(n int, r *http.Request) (int, string)) *server {
	s := &server{reply: reply}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		if r.URL.Path == "/time" {
			s.mu.Unlock()
			fmt.Fprintf(w, `{"code":0,"data":%d}`, time.Now().UnixMilli())
			return
		}
		s.seen = append(s.seen, seen{r.Method, r.RequestURI, string(b), r.Header.Clone()})
		n := len(s.seen)
		s.mu.Unlock()
		w.Header().Set("X-Used", strconv.Itoa(n))
		status, body := s.reply(n, r)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.seen...)
}

// newPath is a path to s with signer (nil: public only) and a clock when
// clocked, probing s's /time.
func newPath(t *testing.T, s *server, signer Signer, clocked bool, hc *http.Client) (*Path, *testVenue) {
	t.Helper()
	v := &testVenue{}
	cfg := Config{Venue: "test", BaseURL: s.URL + "/", HTTP: hc, Signer: signer, Replies: v,
		Header: http.Header{"x-api-key": {"k1"}}}
	if clocked {
		cfg.Clock = exchange.NewClock(exchange.ClockConfig{Account: "a", AheadLimit: time.Second, BehindLimit: 5 * time.Second})
		var p *Path
		cfg.ServerTime = func(ctx context.Context) (time.Time, error) {
			var ms int64
			err := p.Do(ctx, &Request{Method: http.MethodGet, Path: "/time"}, &ms)
			return time.UnixMilli(ms), err
		}
		cfg.Sync = func(ctx context.Context) error { return cfg.Clock.Sync(ctx, 2, cfg.ServerTime) }
		v.budget = exchange.NewBudget("a", cfg.Clock.ServerNow, exchange.Limit{Name: "raw/1m", Kind: exchange.LimitRaw, Limit: 1000, Window: time.Minute})
		cfg.Budget = v.budget
		pp, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		p = pp
		return p, v
	}
	v.budget = exchange.NewBudget("a", time.Now, exchange.Limit{Name: "raw/1m", Kind: exchange.LimitRaw, Limit: 1000, Window: time.Minute})
	cfg.Budget = v.budget
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, v
}

// hmacSigner signs stamp + method + path?query + body into headers, like
// the venues that sign a prehash.
type hmacSigner struct{ mac *MAC }

func (s hmacSigner) Sign(w *Wire) error {
	// Nanoseconds, so that two stamps taken a re-sync apart always differ.
	ts := strconv.FormatInt(w.Stamp.UnixNano(), 10)
	w.SetHeader("X-Stamp", ts)
	w.SetHeader("X-Sign", string(s.mac.AppendSum(nil, func(b []byte) []byte {
		b = append(b, ts...)
		b = append(b, w.Method...)
		b = append(b, w.Path...)
		if len(w.Query) > 0 {
			b = append(append(b, '?'), w.Query...)
		}
		return append(b, w.Body...)
	}, hex.AppendEncode)))
	w.Prehash = []byte(ts + w.Method + w.Path)
	return nil
}

func newHMAC(t *testing.T) hmacSigner {
	m, err := NewMAC(sha256.New, crypto.NewSecret([]byte("secret")))
	if err != nil {
		t.Fatal(err)
	}
	return hmacSigner{m}
}

func ok(data string) string { return `{"code":0,"data":` + data + `}` }

// What the server receives is what was signed: path, query and body as
// built, the signature over them, the static headers and the signer's.
func TestSignedBytesAreSentBytes(t *testing.T) {
	s := newServer(t, func(int, *http.Request) (int, string) { return 200, ok(`{"x":1}`) })
	sig := newHMAC(t)
	p, v := newPath(t, s, sig, true, nil)
	var q Params
	q.Add("sym", "BTC USDT")
	q.Add("list", "a,b")
	var out struct{ X int }
	if err := p.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/q", Query: q, Signed: true}, &out); err != nil || out.X != 1 {
		t.Fatalf("out %+v err %v", out, err)
	}
	body := []byte(`{"a":"b"}`)
	if err := p.Do(context.Background(), &Request{Method: http.MethodPost, Path: "/o", Body: body, Kind: JSON, Signed: true}, nil); err != nil {
		t.Fatal(err)
	}
	got := s.requests()
	if len(got) != 2 {
		t.Fatalf("%d requests", len(got))
	}
	if got[0].uri != "/q?sym=BTC%20USDT&list=a%2Cb" || got[1].uri != "/o" || got[1].body != string(body) {
		t.Fatalf("sent %+v", got)
	}
	for _, g := range got {
		ts := g.header.Get("X-Stamp")
		path, query, _ := strings.Cut(g.uri, "?")
		want := sig.mac.AppendSum(nil, func(b []byte) []byte {
			b = append(append(append(b, ts...), g.method...), path...)
			if query != "" {
				b = append(append(b, '?'), query...)
			}
			return append(b, g.body...)
		}, hex.AppendEncode)
		if g.header.Get("X-Sign") != string(want) || g.header.Get("X-Api-Key") != "k1" {
			t.Errorf("%s: headers %v", g.uri, g.header)
		}
	}
	if ct := got[1].header.Get("Content-Type"); ct != "application/json" || got[0].header.Get("Content-Type") != "" {
		t.Errorf("content types %q %q", got[0].header.Get("Content-Type"), ct)
	}
	if v.observed.Load() != 2 {
		t.Errorf("rate header read %d", v.observed.Load())
	}
}

// A refused stamp is retried once, after a re-sync, with a fresh stamp; a
// second refusal stands; an unreadable stamp is not retried.
func TestStampRefusalRetriesOnce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		replies  []string
		wantN    int
		wantErr  bool
		wantKind exchange.Kind
	}{
		{"recovered", []string{`{"code":1}`, ok(`1`)}, 2, false, 0},
		{"refused twice", []string{`{"code":1}`, `{"code":1}`}, 2, true, exchange.KindClock},
		{"unreadable stamp", []string{`{"code":2}`, ok(`1`)}, 1, true, exchange.KindClock},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(n int, _ *http.Request) (int, string) {
				body := tc.replies[min(n, len(tc.replies))-1]
				if strings.HasPrefix(body, `{"code":0`) {
					return 200, body
				}
				return 400, body
			})
			p, _ := newPath(t, s, newHMAC(t), true, nil)
			err := p.Do(context.Background(), &Request{Method: http.MethodPost, Path: "/o", Body: []byte(`{}`), Kind: JSON, Signed: true, Op: "place"}, nil)
			if got := len(s.requests()); got != tc.wantN {
				t.Errorf("%d requests, want %d", got, tc.wantN)
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v", err)
			}
			var ce *exchange.ClockError
			if tc.wantErr && (!errors.As(err, &ce) || exchange.IsAmbiguous(err)) {
				t.Fatalf("err %v is not a plain clock error", err)
			}
			if r := s.requests(); tc.wantN == 2 && r[0].header.Get("X-Sign") == r[1].header.Get("X-Sign") && r[0].header.Get("X-Stamp") == r[1].header.Get("X-Stamp") {
				t.Errorf("the retry was not re-stamped")
			}
		})
	}
}

// A rate refusal holds the whole account: the next request is refused
// locally and never sent. A ban says so.
func TestThrottleHoldsAccount(t *testing.T) {
	for _, code := range []int{3, 4} {
		s := newServer(t, func(int, *http.Request) (int, string) { return 429, fmt.Sprintf(`{"code":%d}`, code) })
		p, _ := newPath(t, s, nil, false, nil)
		err := p.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/a"}, nil)
		var rl *exchange.RateLimitError
		if !errors.As(err, &rl) || rl.Banned != (code == 4) || rl.RetryAt.Before(time.Now()) {
			t.Fatalf("code %d: err %v", code, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		err = p.Do(ctx, &Request{Method: http.MethodGet, Path: "/a"}, nil)
		cancel()
		var ll *exchange.LocalLimitError
		if !errors.As(err, &ll) || len(s.requests()) != 1 {
			t.Fatalf("code %d: second request: %v, %d sent", code, err, len(s.requests()))
		}
	}
}

// After an order change, a failure that may follow its arrival is
// ambiguous; before sending, or for a read, it is not.
func TestAmbiguity(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		op     string
		ambig  bool
		kind   exchange.Kind
	}{
		{"unknown status, place", 200, `{"code":5}`, "place", true, exchange.KindUnknownStatus},
		{"unknown status, read", 200, `{"code":5}`, "", false, exchange.KindUnknownStatus},
		{"5xx page, cancel", 502, `<html>bad gateway</html>`, "cancel", true, exchange.KindUnknownStatus},
		{"unreadable 200, place", 200, `{"code":0,"data":"x"}`, "place", true, exchange.KindOther},
		{"refused, place", 400, `{"code":9}`, "place", false, exchange.KindBadRequest},
		{"proxy page, read", 404, `not found`, "", false, exchange.KindOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(int, *http.Request) (int, string) { return tc.status, tc.body })
			p, _ := newPath(t, s, nil, false, nil)
			var out struct{ X int }
			err := p.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/a", Op: tc.op}, &out)
			if err == nil || exchange.IsAmbiguous(err) != tc.ambig || exchange.KindOf(err) != tc.kind {
				t.Fatalf("err %v (ambiguous %v, kind %v)", err, exchange.IsAmbiguous(err), exchange.KindOf(err))
			}
			if !strings.Contains(err.Error(), "/a") && exchange.KindOf(err) == exchange.KindOther {
				t.Errorf("err %v does not name the endpoint", err)
			}
		})
	}
}

// A transport failure quotes no query (it may carry a signature) and is
// ambiguous after an order change.
func TestTransportErrorRedacted(t *testing.T) {
	s := newServer(t, nil)
	s.Close()
	p, _ := newPath(t, s, newHMAC(t), false, nil)
	var q Params
	q.Add("signature", "secret-ish")
	err := p.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/a", Query: q, Signed: true, Op: "cancel"}, nil)
	if err == nil || !exchange.IsAmbiguous(err) || strings.Contains(err.Error(), "secret-ish") {
		t.Fatalf("err %v", err)
	}
}

// No redirect is followed, on the direct transport path or through an
// http.Client with a Timeout.
func TestRedirectRefused(t *testing.T) {
	for _, hc := range []*http.Client{nil, {Timeout: time.Minute}} {
		var leaked atomic.Bool
		other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { leaked.Store(true) }))
		s := newServer(t, func(int, *http.Request) (int, string) { return 200, "" })
		s.Config.Handler = http.RedirectHandler(other.URL+"/x", http.StatusTemporaryRedirect)
		p, _ := newPath(t, s, newHMAC(t), false, hc)
		err := p.Do(context.Background(), &Request{Method: http.MethodPost, Path: "/o", Body: []byte(`{}`), Kind: JSON, Signed: true}, nil)
		var re *exchange.RedirectError
		if !errors.As(err, &re) || leaked.Load() {
			t.Fatalf("err %v, leaked %v", err, leaked.Load())
		}
		other.Close()
	}
}

// The signer hook fits venues unlike the first three: a nonce of its own
// in the body and a signature header (a nonce venue), a fresh token per
// request that names method, host and path (a JWT venue), and a JSON body
// rebuilt around its own signature with no clock at all (a venue with no
// time endpoint).
func TestSignerShapes(t *testing.T) {
	var nonce atomic.Int64
	nonceSigner := signerFunc(func(w *Wire) error {
		n := nonce.Add(1)
		q := ParamsOf(w.Body)
		q.AddInt("nonce", n)
		w.Body = q.Bytes()
		w.SetHeader("API-Sign", fmt.Sprintf("sig(%s%s)", w.Path, w.Body))
		return nil
	})
	tokenSigner := signerFunc(func(w *Wire) error {
		w.SetHeader("Authorization", "Bearer "+w.Method+" "+w.Host+w.Path+" "+strconv.FormatInt(w.Stamp.Unix(), 10))
		return nil
	})
	bodySigner := signerFunc(func(w *Wire) error {
		w.Body = fmt.Appendf(nil, `{"action":%s,"nonce":%d,"signature":"sig"}`, w.Body, w.Stamp.UnixMilli())
		return nil
	})
	for _, tc := range []struct {
		name  string
		s     Signer
		r     Request
		check func(t *testing.T, got seen, host string)
	}{
		{"nonce", nonceSigner, Request{Method: http.MethodPost, Path: "/0/private/Balance", Body: []byte("a=1"), Kind: Form, Signed: true},
			func(t *testing.T, got seen, _ string) {
				if got.body != "a=1&nonce=1" || got.header.Get("API-Sign") != "sig(/0/private/Balancea=1&nonce=1)" {
					t.Errorf("sent %q %v", got.body, got.header)
				}
			}},
		{"token", tokenSigner, Request{Method: http.MethodGet, Path: "/api/v3/brokerage/accounts", Signed: true},
			func(t *testing.T, got seen, host string) {
				if a := got.header.Get("Authorization"); !strings.HasPrefix(a, "Bearer GET "+host+"/api/v3/brokerage/accounts ") {
					t.Errorf("Authorization %q", a)
				}
			}},
		{"json body", bodySigner, Request{Method: http.MethodPost, Path: "/exchange", Body: []byte(`{"type":"order"}`), Kind: JSON, Signed: true},
			func(t *testing.T, got seen, _ string) {
				if !strings.HasPrefix(got.body, `{"action":{"type":"order"},"nonce":`) || got.header.Get("Content-Type") != "application/json" {
					t.Errorf("sent %q", got.body)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(int, *http.Request) (int, string) { return 200, ok(`{}`) })
			p, _ := newPath(t, s, tc.s, false, nil)
			r := tc.r
			body := bytes.Clone(r.Body)
			if err := p.Do(context.Background(), &r, nil); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(r.Body, body) {
				t.Errorf("the signer wrote into the request's body: %q", r.Body)
			}
			tc.check(t, s.requests()[0], strings.TrimPrefix(s.URL, "http://"))
		})
	}
}

type signerFunc func(w *Wire) error

func (f signerFunc) Sign(w *Wire) error { return f(w) }

// A signed request waits for the clock's first sample; when the probe
// fails nothing is sent.
func TestClockReadyBeforeFirstSignature(t *testing.T) {
	s := newServer(t, func(int, *http.Request) (int, string) { return 200, ok(`1`) })
	p, _ := newPath(t, s, newHMAC(t), true, nil)
	if snap := p.cfg.Clock.Snapshot(); snap.Samples != 0 {
		t.Fatalf("clock already sampled: %+v", snap)
	}
	if err := p.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/a", Signed: true}, nil); err != nil {
		t.Fatal(err)
	}
	if snap := p.cfg.Clock.Snapshot(); snap.Samples == 0 {
		t.Fatal("signed without a clock sample")
	}
	dead := newServer(t, func(int, *http.Request) (int, string) { return 200, ok(`1`) })
	dead.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/time" {
			w.WriteHeader(503)
			return
		}
		t.Errorf("sent %s before the clock had a sample", r.URL.Path)
	})
	p, _ = newPath(t, dead, newHMAC(t), true, nil)
	var cu *exchange.ClockUnknownError
	if err := p.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/a", Signed: true}, nil); !errors.As(err, &cu) {
		t.Fatalf("err %v", err)
	}
}

// A signed request without a key is refused before anything is sent.
func TestNoKey(t *testing.T) {
	s := newServer(t, func(int, *http.Request) (int, string) { return 200, ok(`1`) })
	p, _ := newPath(t, s, nil, false, nil)
	if err := p.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/a", Signed: true}, nil); err == nil || len(s.requests()) != 0 {
		t.Fatalf("err %v, %d sent", err, len(s.requests()))
	}
}
