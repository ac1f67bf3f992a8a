// Package venuefuzz is what the venues' fuzz targets share, as
// exchange/streamtest is for their streams: replies served in memory, the
// order operations a reply is fed to, and the properties every decoded
// answer must have whatever the venue. Each venue keeps only its seeds,
// its paths and how its client is built.
package venuefuzz

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// Reply is one canned HTTP answer.
type Reply struct {
	Status int
	Body   []byte
}

// Routes answers by path, in memory; a path it does not know gets a 404
// with NotFound, the venue's own wording of it.
type Routes struct {
	Paths    map[string]Reply
	NotFound []byte
}

// NewRoutes serves fixed (the venue's time and rules, as its fake answers
// them) and each of paths with (status, body).
func NewRoutes(notFound string, fixed map[string]string, status int, body []byte, paths ...string) Routes {
	r := Routes{Paths: make(map[string]Reply, len(fixed)+len(paths)), NotFound: []byte(notFound)}
	for p, b := range fixed {
		r.Paths[p] = Reply{200, []byte(b)}
	}
	for _, p := range paths {
		r.Paths[p] = Reply{status, body}
	}
	return r
}

func (r Routes) RoundTrip(req *http.Request) (*http.Response, error) {
	rp, ok := r.Paths[req.URL.Path]
	if !ok {
		rp = Reply{http.StatusNotFound, r.NotFound}
	}
	return &http.Response{StatusCode: rp.Status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(rp.Body)), ContentLength: int64(len(rp.Body)), Request: req}, nil
}

// Ctx bounds one input's calls.
func Ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// GarbageAccepted fails when a reply that is not JSON decoded as a success.
func GarbageAccepted(t *testing.T, body []byte, err error) {
	t.Helper()
	if err == nil && !json.Valid(body) {
		t.Fatalf("reply %q is not JSON, yet decoded without error", body)
	}
}

// LimitBuy is the order every target places: small, resting, client id
// cap1 (the id the seeds carry).
func LimitBuy(symbol string) exchange.OrderRequest {
	return exchange.OrderRequest{Symbol: symbol, Side: exchange.Buy, Type: exchange.LimitOrder,
		TIF: exchange.GTC, Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("50000"), ClientID: "cap1"}
}

// OrderOp feeds one reply to place, query, cancel (whose read-back gets
// the same reply) or the open orders list, as op picks, and checks what
// came back: garbage is an error, and an accepted order is a whole one.
func OrderOp(t *testing.T, v exchange.Venue, symbol string, op uint8, body []byte) {
	t.Helper()
	ctx := Ctx(t)
	ref := exchange.OrderRef{Symbol: symbol, ClientID: "cap1"}
	var orders []exchange.Order
	var err error
	one := func(o exchange.Order, e error) { orders, err = append(orders, o), e }
	switch op % 4 {
	case 0:
		one(v.Place(ctx, LimitBuy(symbol)))
	case 1:
		one(v.Query(ctx, ref))
	case 2:
		one(v.Cancel(ctx, ref))
	case 3:
		orders, err = v.OpenOrders(ctx, symbol)
	}
	GarbageAccepted(t, body, err)
	if err != nil {
		return
	}
	for _, o := range orders {
		if err := exchange.CheckOrder(o); err != nil {
			t.Fatalf("accepted %+v: %v", o, err)
		}
	}
}

// ErrorReply checks a non-2xx answer: an error whatever the body says, and
// one whose text stays short whatever the body's size.
func ErrorReply(t *testing.T, status int, body []byte, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("HTTP %d %q decoded without error", status, body)
	}
	if n := len(err.Error()) + len(exchange.AdviceOf(err)); n > 4096 {
		t.Fatalf("HTTP %d: error and advice are %d bytes: a body is echoed whole", status, n)
	}
}

// ErrorStatus maps a fuzzed number onto 300..599, the answers that are
// not a success.
func ErrorStatus(n uint16) int { return 300 + int(n)%300 }

// ErrorCtx is a short wait for one error input: a rate-limit or clock
// refusal holds the client's next requests back, which is right but would
// stall the fuzzer.
func ErrorCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	t.Cleanup(cancel)
	return ctx
}
