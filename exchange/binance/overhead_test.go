package binance

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
)

// cannedTransport answers in memory: GET /api/v3/time with the local time
// and anything else with benchAccountJSON and the headers a loopback reply
// carries. It lets the Overhead benchmarks measure what each side of the
// round-trip pair spends of its own, without the scheduler noise of a socket
// round trip, which on a shared machine is larger than the difference
// between them.
type cannedTransport struct{ header http.Header }

func newCannedTransport() *cannedTransport {
	return &cannedTransport{header: http.Header{
		"Content-Type":         {"application/json"},
		"X-Mbx-Used-Weight-1m": {"20"},
		"Date":                 {"Mon, 23 Nov 2026 02:40:00 GMT"},
		"Content-Length":       {strconv.Itoa(len(benchAccountJSON))},
	}}
}

func (t *cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body := benchAccountJSON
	if r.URL.Path == "/api/v3/time" {
		body = `{"serverTime":` + strconv.FormatInt(time.Now().UnixMilli(), 10) + `}`
	}
	return &http.Response{StatusCode: http.StatusOK, Header: t.header.Clone(), ContentLength: int64(len(body)),
		Body: io.NopCloser(bytes.NewReader([]byte(body))), Request: r}, nil
}

// BenchmarkOverheadSigned is the client's own work per Balances call: what
// BenchmarkSignedRoundTrip adds on top of the transport and the venue.
func BenchmarkOverheadSigned(b *testing.B) {
	c, err := New(WithBaseURL("http://127.0.0.1:1"), WithAPIKey(docAPIKey), WithSecret(crypto.NewSecret([]byte(docSecret))),
		WithHTTPClient(&http.Client{Transport: newCannedTransport()}),
		WithLimits(exchange.Limit{Name: "weight/1m", Kind: exchange.LimitWeight, Limit: 1 << 30, Window: time.Minute}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Balances(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOverheadRaw is rawGet's own work, the same way.
func BenchmarkOverheadRaw(b *testing.B) {
	hc := &http.Client{Transport: newCannedTransport()}
	url := "http://127.0.0.1:1/api/v3/account?omitZeroBalances=true&recvWindow=5000&timestamp=1700000000000&signature=fa23120bf7c1810b46f48fa6095d936a5e1382590a1e5fbac572c942bb67cdf3"
	b.ReportAllocs()
	for b.Loop() {
		rawGet(b, hc, url, nil)
	}
}
