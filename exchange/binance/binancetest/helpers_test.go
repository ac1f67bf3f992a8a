package binancetest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// testClock is a settable base clock for the sim.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// The fake's own tests sign with this tiny signer, written from the Binance
// docs and independent of exchange/binance.
func hmacHex(secret, payload string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(payload))
	return hex.EncodeToString(m.Sum(nil))
}

const (
	testKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	testSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	testStart  = int64(1_700_000_000_000)
)

type fixture struct {
	t     *testing.T
	srv   *Server
	clock *testClock
	http  *http.Client
}

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	clk := &testClock{t: time.UnixMilli(testStart)}
	x := sim.New(sim.WithClock(clk.Now))
	must(t, x.AddSymbols(DefaultSymbols()...))
	srv := NewServer(append([]Option{WithSim(x)}, opts...)...)
	t.Cleanup(srv.Close)
	srv.AddHMACKey(testKey, testSecret, TradePerms(DefaultAccount))
	for asset, amt := range map[string]string{"USDT": "100000", "BTC": "2", "LTC": "100"} {
		if err := x.Deposit(DefaultAccount, asset, decimal.RequireFromString(amt)); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{t: t, srv: srv, clock: clk, http: srv.front.Client()}
}

type resp struct {
	status int
	header http.Header
	body   []byte
	code   int
	msg    string
}

func (r resp) decode(t *testing.T, v any) {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(r.body)))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// raw sends exactly query and body (no signing).
func (f *fixture) raw(ctx context.Context, method, path, query, body string, hdr map[string]string) (resp, error) {
	u := f.srv.URL + path
	if query != "" {
		u += "?" + query
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return resp{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := f.http.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	out := resp{status: res.StatusCode, header: res.Header, body: b}
	var e struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	if json.Unmarshal(b, &e) == nil {
		out.code, out.msg = e.Code, e.Msg
	}
	return out, nil
}

func (f *fixture) mustRaw(method, path, query, body string, hdr map[string]string) resp {
	f.t.Helper()
	r, err := f.raw(context.Background(), method, path, query, body, hdr)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// signed stamps params with the fixture clock, signs query+body with the key
// and sends; inBody moves the parameters into a form body.
func (f *fixture) signed(method, path, params string, inBody bool) resp {
	f.t.Helper()
	return f.signedAs(testKey, testSecret, method, path, params, inBody, f.clock.Now().UnixMilli())
}

func (f *fixture) signedAs(key, secret, method, path, params string, inBody bool, ts int64) resp {
	f.t.Helper()
	p := params
	if p != "" {
		p += "&"
	}
	p += "timestamp=" + strconv.FormatInt(ts, 10)
	p += "&signature=" + hmacHex(secret, p)
	if inBody {
		return f.mustRaw(method, path, "", p, map[string]string{"X-MBX-APIKEY": key})
	}
	return f.mustRaw(method, path, p, "", map[string]string{"X-MBX-APIKEY": key})
}

func expectErr(t *testing.T, r resp, status, code int, msg string) {
	t.Helper()
	if r.status != status || r.code != code || (msg != "" && r.msg != msg) {
		t.Errorf("got %d %d %q, want %d %d %q", r.status, r.code, r.msg, status, code, msg)
	}
}

func expectOK(t *testing.T, r resp) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d body %s", r.status, r.body)
	}
}

func encodeB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
