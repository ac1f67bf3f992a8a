package rest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
)

// canned answers every request in memory with the same small reply, so
// the Path benchmarks measure the path's own work and nothing else.
type canned struct{}

func (canned) RoundTrip(r *http.Request) (*http.Response, error) {
	const body = `{"code":0,"data":{"x":1}}`
	return &http.Response{StatusCode: 200, Header: http.Header{"X-Used": {"1"}}, ContentLength: int64(len(body)),
		Body: io.NopCloser(bytes.NewReader([]byte(body))), Request: r}, nil
}

// BenchmarkPathSigned is one signed GET through the path on an in-memory
// transport: budget, stamp, sign, send, rate header, decode. Compare with
// BenchmarkPathRaw for what the path costs a venue beyond a bare request.
func BenchmarkPathSigned(b *testing.B) {
	clock := exchange.NewClock(exchange.ClockConfig{Account: "a", AheadLimit: time.Second, BehindLimit: 5 * time.Second})
	clock.Add(time.Now(), time.Now(), time.Now())
	m, err := NewMAC(sha256.New, crypto.NewSecret([]byte("secret")))
	if err != nil {
		b.Fatal(err)
	}
	p, err := New(Config{Venue: "bench", BaseURL: "http://127.0.0.1:1", HTTP: &http.Client{Transport: canned{}},
		Header: http.Header{"X-Api-Key": {"k1"}}, Clock: clock, Signer: hmacSigner{m}, Replies: &testVenue{},
		Budget: exchange.NewBudget("a", time.Now, exchange.Limit{Name: "raw/1m", Kind: exchange.LimitRaw, Limit: 1 << 30, Window: time.Minute})})
	if err != nil {
		b.Fatal(err)
	}
	var q Params
	q.Add("symbol", "BTCUSDT")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var out struct{ X int }
		if err := p.Do(ctx, &Request{Method: http.MethodGet, Path: "/api/a", Query: q, Signed: true}, &out); err != nil || out.X != 1 {
			b.Fatal(out, err)
		}
	}
}

// BenchmarkPathRaw is the same GET by hand: a request, a header, the body
// read and decoded by encoding/json, no budget, stamp or signature.
func BenchmarkPathRaw(b *testing.B) {
	hc := &http.Client{Transport: canned{}}
	url := "http://127.0.0.1:1/api/a?symbol=BTCUSDT&ts=" + strconv.FormatInt(time.Now().UnixMilli(), 10)
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("X-Api-Key", "k1")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		var env struct {
			Code int
			Data struct{ X int }
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Data.X != 1 {
			b.Fatal(env, err)
		}
	}
}
