package binance

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
)

var benchPayload = []byte("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559")

// BenchmarkSignHMAC is the signer as the client uses it: payload in a
// reused buffer, "&signature=<hex>" appended in place.
func BenchmarkSignHMAC(b *testing.B) {
	s, err := NewSigner(exchange.SchemeHMAC, crypto.NewSecret([]byte(docSecret)))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(benchPayload)))
	for b.Loop() {
		buf = append(buf[:0], benchPayload...)
		buf = s.AppendSignature(buf, buf)
	}
}

// BenchmarkRawHMAC is the floor: one keyed HMAC reused, hex into a fixed
// buffer.
func BenchmarkRawHMAC(b *testing.B) {
	mac := hmac.New(sha256.New, []byte(docSecret))
	var sum [sha256.Size]byte
	var out [2 * sha256.Size]byte
	b.ReportAllocs()
	b.SetBytes(int64(len(benchPayload)))
	for b.Loop() {
		mac.Reset()
		mac.Write(benchPayload)
		hex.Encode(out[:], mac.Sum(sum[:0]))
	}
}

func BenchmarkSignEd25519(b *testing.B) {
	s, err := NewSigner(exchange.SchemeEd25519, crypto.NewSecret([]byte(rfcEdPEM)))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = append(buf[:0], benchPayload...)
		buf = s.AppendSignature(buf, buf)
	}
}

const benchAccountJSON = `{"makerCommission":10,"canTrade":true,"canWithdraw":true,"canDeposit":true,"accountType":"SPOT","uid":354937868,
"balances":[{"asset":"BTC","free":"1.00000000","locked":"0.00000000"},{"asset":"USDT","free":"10000.00000000","locked":"0.00000000"}],"permissions":["SPOT"]}`

// benchServer is a loopback venue answering /api/v3/account, with the
// weight header Binance puts on every reply so reconciling is measured too.
// Both round-trip benchmarks get the same reply, byte for byte.
func benchServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-MBX-USED-WEIGHT-1M", "20")
		if r.URL.Path == "/api/v3/time" {
			fmt.Fprintf(w, `{"serverTime":%d}`, time.Now().UnixMilli())
			return
		}
		io.WriteString(w, benchAccountJSON)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkSignedRoundTrip is the whole client path over loopback: budget,
// stamp, sign, send, reconcile, decode. Its ctx has no deadline, so the
// client's own request timeout is armed as it is for such callers.
// Target: at most 1.10× BenchmarkRawRoundTrip.
func BenchmarkSignedRoundTrip(b *testing.B) {
	srv := benchServer(b)
	c, err := New(WithBaseURL(srv.URL), WithAPIKey(docAPIKey), WithSecret(crypto.NewSecret([]byte(docSecret))),
		// The benchmark measures the client, not the venue's limits.
		WithLimits(exchange.Limit{Name: "weight/1m", Kind: exchange.LimitWeight, Limit: 1 << 30, Window: time.Minute}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// A synced clock, as in use: stamping then reads the estimator's window.
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

// BenchmarkRawRoundTrip is the floor: a bare keep-alive net/http GET of the
// same path on the same server, with the same query length and API key
// header, so the same reply; the body is read to EOF and dropped.
func BenchmarkRawRoundTrip(b *testing.B) {
	srv := benchServer(b)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	url := srv.URL + "/api/v3/account?omitZeroBalances=true&recvWindow=5000&timestamp=1700000000000&signature=fa23120bf7c1810b46f48fa6095d936a5e1382590a1e5fbac572c942bb67cdf3"
	b.ReportAllocs()
	for b.Loop() {
		rawGet(b, hc, url, nil)
	}
}

// BenchmarkRawRoundTripDecode adds the JSON decoding every caller needs, to
// show how much of the gap is decoding rather than signing or budgeting.
func BenchmarkRawRoundTripDecode(b *testing.B) {
	srv := benchServer(b)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	url := srv.URL + "/api/v3/account?omitZeroBalances=true&recvWindow=5000&timestamp=1700000000000&signature=fa23120bf7c1810b46f48fa6095d936a5e1382590a1e5fbac572c942bb67cdf3"
	b.ReportAllocs()
	for b.Loop() {
		var out accountResp
		rawGet(b, hc, url, &out)
	}
}

func rawGet(b *testing.B, hc *http.Client, url string, out any) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("X-MBX-APIKEY", docAPIKey)
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			b.Fatal(err)
		}
	}
}
