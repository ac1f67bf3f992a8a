package okxtest

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange/sim/simtest"
)

// okSign is the tests' own signer, written from the OKX docs and
// independent of exchange/okx.
func okSign(secret, prehash string) string {
	return base64.StdEncoding.EncodeToString(simtest.HMACSHA256(secret, prehash))
}

const (
	testKey    = "5f0a4c2e-1b2d-4e6f-8a9b-0c1d2e3f4a5b"
	testSecret = "A1B2C3D4E5F60718293A4B5C6D7E8F90"
	testPass   = "demo-Pass#1"
)

var testStart = simtest.Start

type fixture struct {
	t     *testing.T
	srv   *Server
	clock *simtest.Clock
	http  *http.Client
}

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	x, clk := simtest.Exchange(t, DefaultSymbols(), DefaultAccount, "USDT", "100000", "BTC", "2")
	srv := NewServer(append([]Option{WithSim(x)}, opts...)...)
	t.Cleanup(srv.Close)
	srv.AddKey(testKey, testSecret, testPass, TradePerms(DefaultAccount))
	return &fixture{t: t, srv: srv, clock: clk, http: srv.Client()}
}

var must = simtest.Must

type resp struct {
	status int
	body   []byte
	code   string
	msg    string
	data   []map[string]any
}

func (f *fixture) raw(method, pathQuery, body string, hdr map[string]string) resp {
	f.t.Helper()
	if body != "" {
		hdr = maps.Clone(hdr)
		if hdr == nil {
			hdr = map[string]string{}
		}
		hdr["Content-Type"] = "application/json"
	}
	r := simtest.MustDo(f.t, f.http, method, f.srv.URL+pathQuery, body, hdr)
	b := r.Body
	out := resp{status: r.Status, body: b}
	var env struct {
		Code string           `json:"code"`
		Msg  string           `json:"msg"`
		Data []map[string]any `json:"data"`
	}
	if json.Unmarshal(b, &env) == nil {
		out.code, out.msg, out.data = env.Code, env.Msg, env.Data
	}
	return out
}

// headers signs method+pathQuery+body at ts with the given credentials.
func headers(key, secret, pass string, ts time.Time, method, pathQuery, body string) map[string]string {
	stamp := ts.UTC().Format(isoMillis)
	return map[string]string{
		"OK-ACCESS-KEY": key, "OK-ACCESS-PASSPHRASE": pass, "OK-ACCESS-TIMESTAMP": stamp,
		"OK-ACCESS-SIGN": okSign(secret, stamp+method+pathQuery+body), "x-simulated-trading": "1",
	}
}

func (f *fixture) signed(method, pathQuery, body string) resp {
	f.t.Helper()
	return f.raw(method, pathQuery, body, headers(testKey, testSecret, testPass, f.clock.Now(), method, pathQuery, body))
}

func expectCode(t *testing.T, r resp, status int, code, msg string) {
	t.Helper()
	if r.status != status || r.code != code || (msg != "" && r.msg != msg) {
		t.Errorf("got %d %s %q, want %d %s %q (body %s)", r.status, r.code, r.msg, status, code, msg, r.body)
	}
}

// sCode is the first order result's code and message.
func sCode(t *testing.T, r resp) (string, string) {
	t.Helper()
	if len(r.data) == 0 {
		t.Fatalf("no data: %s", r.body)
	}
	c, _ := r.data[0]["sCode"].(string)
	m, _ := r.data[0]["sMsg"].(string)
	return c, m
}
