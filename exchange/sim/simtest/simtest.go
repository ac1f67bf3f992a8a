// Package simtest is what the venue fakes' own tests share: a clock that
// moves only when told, a funded simulated exchange on it, raw HTTP calls
// and a raw WebSocket client. A fake's tests keep only its wire format:
// how to sign, which headers, what the bodies say.
package simtest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// Start is the fakes' tests' first instant, 2023-11-14T22:13:20Z: the
// published signing vectors' first timestamp.
var Start = time.UnixMilli(1_700_000_000_000).UTC()

// Clock is a base clock for sim.WithClock that moves only when told.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Exchange is a simulated exchange on a Clock stopped at Start, listing
// symbols, with account holding funds: asset and amount pairs ("USDT",
// "100000", ...).
func Exchange(t testing.TB, symbols []sim.SymbolSpec, account string, funds ...string) (*sim.Exchange, *Clock) {
	t.Helper()
	clk := NewClock(Start)
	x := sim.New(sim.WithClock(clk.Now))
	Must(t, x.AddSymbols(symbols...))
	x.AddAccount(account)
	for i := 0; i+1 < len(funds); i += 2 {
		Must(t, x.Deposit(account, funds[i], decimal.RequireFromString(funds[i+1])))
	}
	return x, clk
}

// Must fails t on err.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Response is an answer as received.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode reads the body as JSON into v, numbers as json.Number.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(r.Body)))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Do sends exactly body (none when "") to url with the headers given and
// reads the whole answer.
func Do(ctx context.Context, hc *http.Client, method, url, body string, hdr map[string]string) (Response, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return Response{}, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := hc.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return Response{}, err
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// MustDo is Do that fails t on a transport error.
func MustDo(t testing.TB, hc *http.Client, method, url, body string, hdr map[string]string) Response {
	t.Helper()
	r, err := Do(context.Background(), hc, method, url, body, hdr)
	Must(t, err)
	return r
}

// WS is a raw WebSocket client of a fake.
type WS struct {
	t testing.TB
	C *websocket.Conn
}

// Dial connects to url through hc, closing the connection when the test
// ends.
func Dial(ctx context.Context, t testing.TB, hc *http.Client, url string) *WS {
	t.Helper()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	Must(t, err)
	t.Cleanup(func() { c.CloseNow() })
	return &WS{t: t, C: c}
}

// Send writes s as one text message.
func (w *WS) Send(ctx context.Context, s string) {
	w.t.Helper()
	Must(w.t, w.C.Write(ctx, websocket.MessageText, []byte(s)))
}

// Read is the next message as sent.
func (w *WS) Read(ctx context.Context) []byte {
	w.t.Helper()
	_, b, err := w.C.Read(ctx)
	Must(w.t, err)
	return b
}

// Recv is the next message as a JSON object.
func (w *WS) Recv(ctx context.Context) map[string]any {
	w.t.Helper()
	b := w.Read(ctx)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		w.t.Fatalf("not a JSON object: %s", b)
	}
	return m
}

// HMACSHA256 is HMAC-SHA256 of payload under secret: the MAC the three
// HMAC venues sign with, each encoding it its own way. The fakes' tests
// sign with it, independently of the venue clients.
func HMACSHA256(secret, payload string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// CheckKit fails t unless kit's fake serves its place and cancel
// operations (an unsigned call is refused, not unknown: no 404), lists its
// symbol, and takes no unsigned order.
func CheckKit(t *testing.T, kit simhttp.Kit) {
	t.Helper()
	f := kit.Start(simhttp.KitConfig{})
	defer f.Close()
	if _, ok := f.Sim.Symbol(kit.Symbol); !ok {
		t.Errorf("%s: symbol %s not listed", kit.Venue, kit.Symbol)
	}
	f.AddKey("kit")
	srv := httptest.NewServer(f.Handler)
	defer srv.Close()
	for _, op := range []string{kit.Place, kit.Cancel} {
		method, path, _ := strings.Cut(op, " ")
		r := MustDo(t, srv.Client(), method, srv.URL+path, "", nil)
		if r.Status == http.StatusNotFound {
			t.Errorf("%s: %s not served: %d %s", kit.Venue, op, r.Status, r.Body)
		}
		if n := f.Accepted(op); n != 0 {
			t.Errorf("%s: %d unsigned %s accepted", kit.Venue, n, op)
		}
	}
	if n := len(f.Orders("kit")); n != 0 {
		t.Errorf("%s: %d orders from unsigned calls", kit.Venue, n)
	}
}
