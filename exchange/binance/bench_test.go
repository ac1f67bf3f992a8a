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

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
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

// benchFake is the fake venue on loopback, as the issue asks: it parses,
// charges weight, checks the key, the timestamp and the signature, and
// answers GET /api/v3/account from the sim's ledger for an account holding
// two assets, as in use. Its limits are raised so that the benchmarks
// measure the request path, not a 429.
func benchFake(b *testing.B) *binancetest.Server {
	l := binancetest.DefaultRateLimits()
	l.WeightPerMinute, l.RawPer5m = 1<<30, 1<<30
	srv := binancetest.NewServer(binancetest.WithRateLimits(l))
	b.Cleanup(srv.Close)
	srv.AddHMACKey(docAPIKey, docSecret, binancetest.TradePerms("bench"))
	for asset, amount := range map[string]string{"BTC": "1", "USDT": "10000"} {
		if err := srv.Sim().Deposit("bench", asset, decimal.RequireFromString(amount)); err != nil {
			b.Fatal(err)
		}
	}
	return srv
}

// benchClient is a client as the cockpit builds one, its clock synced so
// that stamping reads the estimator's window as in use.
func benchClient(b *testing.B, base string) *Client {
	c, err := New(WithBaseURL(base), WithAPIKey(docAPIKey), WithSecret(crypto.NewSecret([]byte(docSecret))),
		// The benchmark measures the client, not the venue's limits.
		WithLimits(exchange.Limit{Name: "weight/1m", Kind: exchange.LimitWeight, Limit: 1 << 30, Window: time.Minute}))
	if err != nil {
		b.Fatal(err)
	}
	if err := c.SyncClock(context.Background()); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkSignedRoundTrip is the whole client path against the fake over
// loopback: budget, stamp, sign, send, reconcile, decode the balances. Its
// ctx has no deadline, so the client's own request timeout is armed as it
// is for such callers. Target: at most 1.10× BenchmarkRawRoundTrip.
func BenchmarkSignedRoundTrip(b *testing.B) {
	c := benchClient(b, benchFake(b).URL)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		bal, err := c.Balances(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(bal) != 2 {
			b.Fatalf("balances %v", bal)
		}
	}
}

// BenchmarkRawRoundTrip is the floor: a bare keep-alive net/http GET of the
// same signed request to the same fake, so the fake does the same work
// (signature check included) and sends the same reply; the body is read to
// EOF and dropped. A signed query goes stale after recvWindow, so the URL is
// re-signed once a second; that is a few µs per ~10,000 requests, which
// leaves the floor a bare GET.
func BenchmarkRawRoundTrip(b *testing.B) {
	srv := benchFake(b)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	u := &rawURL{base: srv.URL + "/api/v3/account?"}
	b.ReportAllocs()
	for b.Loop() {
		rawGet(b, hc, u.get(), nil)
	}
}

// BenchmarkRawRoundTripDecode adds the JSON decoding every caller needs
// (encoding/json, as a caller without a hand-written decoder has it), to
// show how much of the gap is decoding rather than signing or budgeting.
func BenchmarkRawRoundTripDecode(b *testing.B) {
	srv := benchFake(b)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	u := &rawURL{base: srv.URL + "/api/v3/account?"}
	b.ReportAllocs()
	for b.Loop() {
		var out accountResp
		rawGet(b, hc, u.get(), &out)
	}
}

// rawURL is the raw benchmarks' signed account URL, re-stamped once its
// timestamp is a second old (the fake allows recvWindow, 5 s, behind).
type rawURL struct {
	base string
	url  string
	at   time.Time
	n    int
}

func (u *rawURL) get() string {
	// Reading the time is itself not free; looking every 256 requests is
	// often enough at tens of µs per request.
	if u.n++; u.url != "" && u.n&255 != 0 {
		return u.url
	}
	if now := time.Now(); u.url == "" || now.Sub(u.at) > time.Second {
		q := fmt.Sprintf("omitZeroBalances=true&recvWindow=5000&timestamp=%d", now.UnixMilli())
		mac := hmac.New(sha256.New, []byte(docSecret))
		mac.Write([]byte(q))
		u.url, u.at = u.base+q+"&signature="+hex.EncodeToString(mac.Sum(nil)), now
	}
	return u.url
}

// minimalServer is a loopback handler that answers every path with the same
// fixed reply and checks nothing. Against it the round trip is as short as
// net/http allows, so the client's own cost is as large a share as it can
// be: the Minimal pair is a harsher test of the client than the issue's.
func minimalServer(b *testing.B) *httptest.Server {
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

// BenchmarkSignedRoundTripMinimal is BenchmarkSignedRoundTrip against
// minimalServer.
func BenchmarkSignedRoundTripMinimal(b *testing.B) {
	c := benchClient(b, minimalServer(b).URL)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Balances(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawRoundTripMinimal is BenchmarkRawRoundTrip against
// minimalServer: the same path, query length and API key header, so the
// same reply.
func BenchmarkRawRoundTripMinimal(b *testing.B) {
	srv := minimalServer(b)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	url := srv.URL + "/api/v3/account?omitZeroBalances=true&recvWindow=5000&timestamp=1700000000000&signature=fa23120bf7c1810b46f48fa6095d936a5e1382590a1e5fbac572c942bb67cdf3"
	b.ReportAllocs()
	for b.Loop() {
		rawGet(b, hc, url, nil)
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
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("HTTP %d: %s", resp.StatusCode, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			b.Fatal(err)
		}
	}
}
