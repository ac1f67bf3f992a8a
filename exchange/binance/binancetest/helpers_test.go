package binancetest

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/vigil-trade/vigil/exchange/sim/simtest"
)

// The fake's own tests sign with this tiny signer, written from the Binance
// docs and independent of exchange/binance.
func hmacHex(secret, payload string) string {
	return hex.EncodeToString(simtest.HMACSHA256(secret, payload))
}

const (
	testKey    = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	testSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	testStart  = int64(1_700_000_000_000)
)

type fixture struct {
	t     *testing.T
	srv   *Server
	clock *simtest.Clock
	http  *http.Client
}

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	x, clk := simtest.Exchange(t, DefaultSymbols(), DefaultAccount, "USDT", "100000", "BTC", "2", "LTC", "100")
	srv := NewServer(append([]Option{WithSim(x)}, opts...)...)
	t.Cleanup(srv.Close)
	srv.AddHMACKey(testKey, testSecret, TradePerms(DefaultAccount))
	return &fixture{t: t, srv: srv, clock: clk, http: srv.Client()}
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
	simtest.Response{Body: r.body}.Decode(t, v)
}

// raw sends exactly query and body (no signing).
func (f *fixture) raw(ctx context.Context, method, path, query, body string, hdr map[string]string) (resp, error) {
	u := f.srv.URL + path
	if query != "" {
		u += "?" + query
	}
	if body != "" {
		// A header of the caller's own overrides the form's.
		h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		for k, v := range hdr {
			h[http.CanonicalHeaderKey(k)] = v
		}
		hdr = h
	}
	r, err := simtest.Do(ctx, f.http, method, u, body, hdr)
	if err != nil {
		return resp{}, err
	}
	b := r.Body
	out := resp{status: r.Status, header: r.Header, body: b}
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
