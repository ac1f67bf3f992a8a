package bybit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
)

type vector struct {
	Venue     string            `json:"venue"`
	Name      string            `json:"name"`
	KeyID     string            `json:"key_id"`
	Secret    string            `json:"secret"`
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	QuerySent string            `json:"query_sent"`
	BodySent  string            `json:"body_sent"`
	Headers   map[string]string `json:"headers"`
}

// loadVectors reads the shared vectors when present and the testdata copy
// otherwise; when both exist they must be identical.
func loadVectors(t *testing.T) []vector {
	t.Helper()
	local, err := os.ReadFile("testdata/signing.json")
	if err != nil {
		t.Fatalf("testdata copy: %v", err)
	}
	raw := local
	if shared, err := os.ReadFile("../../../shared/vectors/signing.json"); err == nil {
		if !bytes.Equal(shared, local) {
			t.Fatalf("testdata/signing.json differs from ../../../shared/vectors/signing.json: refresh the copy")
		}
		raw = shared
	}
	var f struct {
		Vectors []vector `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	var out []vector
	for _, v := range f.Vectors {
		if v.Venue == "bybit" {
			out = append(out, v)
		}
	}
	if len(out) < 4 {
		t.Fatalf("found %d bybit vectors, want at least 4", len(out))
	}
	return out
}

func secret(s string) crypto.Secret { return crypto.NewSecret([]byte(s)) }

// TestVectors rebuilds every Bybit vector from decomposed inputs with the
// client's builder, sends it to a loopback server and compares what arrived.
func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			type got struct {
				uri    string
				body   []byte
				header http.Header
			}
			ch := make(chan got, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				ch <- got{r.RequestURI, b, r.Header.Clone()}
				io.WriteString(w, `{"retCode":0,"retMsg":"OK","result":{},"time":1}`)
			}))
			defer srv.Close()
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
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			g := <-ch
			wantURI := v.Path
			if v.QuerySent != "" {
				wantURI += "?" + v.QuerySent
			}
			if g.uri != wantURI {
				t.Errorf("request line %q, want %q", g.uri, wantURI)
			}
			if string(g.body) != v.BodySent {
				t.Errorf("body on the wire %q, want %q", g.body, v.BodySent)
			}
			for k, want := range v.Headers {
				if got := g.header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if g.header.Get(HeaderSignType) != "2" {
				t.Errorf("%s = %q", HeaderSignType, g.header.Get(HeaderSignType))
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
