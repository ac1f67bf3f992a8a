package bybit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/rest/resttest"
)

func secret(s string) crypto.Secret { return crypto.NewSecret([]byte(s)) }

// TestVectors rebuilds every Bybit vector from decomposed inputs with the
// client's builder, sends it to a loopback server and compares what arrived.
func TestVectors(t *testing.T) {
	for _, v := range resttest.Load(t).Of(t, "bybit", 4) {
		t.Run(v.Name, func(t *testing.T) {
			srv := resttest.NewVenue(t, `{"retCode":0,"retMsg":"OK","result":{},"time":1}`)
			rw := v.Headers[HeaderRecvWindow]
			c, err := New(WithBaseURL(srv.URL), WithKey(v.KeyID, secret(v.Secret)), WithRecvWindow(msDuration(t, rw)))
			if err != nil {
				t.Fatal(err)
			}
			r := &request{method: v.Method, path: v.Path, query: newQuery(), signed: true}
			if v.QuerySent != "" {
				for _, kv := range strings.Split(v.QuerySent, "&") {
					k, val, _ := strings.Cut(kv, "=")
					dk, _ := url.QueryUnescape(k)
					dv, _ := url.QueryUnescape(val)
					r.query.Add(dk, dv)
				}
			}
			if r.query.String() != v.QuerySent {
				t.Fatalf("query built %q, vector sent %q", r.query, v.QuerySent)
			}
			if v.BodySent != "" {
				dec := json.NewDecoder(strings.NewReader(v.BodySent))
				dec.DisallowUnknownFields()
				var cb createBody
				if err := dec.Decode(&cb); err != nil {
					t.Fatal(err)
				}
				if r.body, err = marshal(cb); err != nil {
					t.Fatal(err)
				}
				if string(r.body) != v.BodySent {
					t.Fatalf("body built\n%s\nvector sent\n%s", r.body, v.BodySent)
				}
			}
			ms, err := strconv.ParseInt(v.Headers[HeaderTimestamp], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			req, err := c.path.Build(context.Background(), c.restRequest(r), time.UnixMilli(ms))
			if err != nil {
				t.Fatal(err)
			}
			header := srv.Check(t, v, req)
			if header.Get(HeaderSignType) != "2" {
				t.Errorf("%s = %q", HeaderSignType, header.Get(HeaderSignType))
			}
		})
	}
}

func msDuration(t *testing.T, ms string) time.Duration {
	t.Helper()
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		t.Fatalf("recv window %q", ms)
	}
	return time.Duration(n) * time.Millisecond
}

// TestDerivedCrossChecks reproduces venues.md "Derived cross-checks" for
// Bybit (python and ccxt agree), including the doc's POST body with a space,
// which signs differently.
func TestDerivedCrossChecks(t *testing.T) {
	s, err := NewSigner("XXXXXXXXXX", secret("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ ts, payload, want string }{
		{"1658384314791", "category=option&symbol=BTC-29JUL22-25000-C", "dbf1ad442dbf4fcc499455ce59c117a079c36dd60c96c220a3560ba7047fd810"},
		{"1658385579423", `{"category":"option"}`, "03e435372ead974820df7edc9dcc3e26e0f15e0ac40bbfa1aac3dfc41c88ca81"},
		{"1658385579423", `{"category": "option"}`, "fa56f203be64bed4cc9e4b7f8ba536226636d04685e8733a7df4faa04a2c3ab3"},
	} {
		if got := s.Sign(tc.ts, "5000", []byte(tc.payload)); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.ts, tc.payload, got, tc.want)
		}
	}
	// The guide's prehash layout, literally.
	if got := string(s.AppendPrehash(nil, "1658384314791", "5000", []byte("category=option&symbol=BTC-29JUL22-25000-C"))); got != "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C" {
		t.Errorf("prehash %q", got)
	}
}

func TestSignWS(t *testing.T) {
	s, err := NewSigner("k", secret("oracleBybitSecret0123456789abcdefghij"))
	if err != nil {
		t.Fatal(err)
	}
	exp, sig := s.SignWS(1700000005000)
	mac := hmac.New(sha256.New, []byte("oracleBybitSecret0123456789abcdefghij"))
	mac.Write([]byte("GET/realtime1700000005000"))
	if want := hex.EncodeToString(mac.Sum(nil)); exp != "1700000005000" || sig != want {
		t.Errorf("ws auth %s %s, want %s", exp, sig, want)
	}
}

func TestSignerSurvivesWipe(t *testing.T) {
	sec := secret("oracleBybitSecret0123456789abcdefghij")
	s, err := NewSigner("k", sec)
	if err != nil {
		t.Fatal(err)
	}
	before := s.Sign("1", "5000", []byte("a=b"))
	sec.Wipe()
	// Two collections empty a sync.Pool (primary and victim caches), so
	// the next signature needs a freshly built MAC state.
	runtime.GC()
	runtime.GC()
	if after := s.Sign("1", "5000", []byte("a=b")); after != before {
		t.Fatal("signature changed after Wipe")
	}
	if _, err := NewSigner("k", crypto.Secret{}); err != ErrNoSecret {
		t.Errorf("no secret: %v", err)
	}
}

var benchBody = []byte(`{"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001","price":"43000.5","timeInForce":"GTC","orderLinkId":"vg0lz3x9k2abcdefghijklm"}`)

// BenchmarkSign is the signer as the client calls it.
func BenchmarkSign(b *testing.B) {
	s, err := NewSigner("oracleBybitKey01", secret("oracleBybitSecret0123456789abcdefghij"))
	if err != nil {
		b.Fatal(err)
	}
	var dst [64]byte
	b.ReportAllocs()
	for b.Loop() {
		s.AppendSign(dst[:0], "1700000000002", "5000", benchBody)
	}
}

// BenchmarkRawHMAC is the floor: a keyed HMAC reused over the same prehash
// bytes, already concatenated, with no encoding.
func BenchmarkRawHMAC(b *testing.B) {
	msg := []byte("1700000000002oracleBybitKey015000" + string(benchBody))
	mac := hmac.New(sha256.New, []byte("oracleBybitSecret0123456789abcdefghij"))
	var sum [sha256.Size]byte
	b.ReportAllocs()
	for b.Loop() {
		mac.Reset()
		mac.Write(msg)
		mac.Sum(sum[:0])
	}
}
