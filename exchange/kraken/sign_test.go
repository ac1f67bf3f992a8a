package kraken_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange/kraken"
)

type vectorFile struct {
	Published []json.RawMessage `json:"published"`
	Vectors   []json.RawMessage `json:"vectors"`
}

type published struct {
	Venue             string `json:"venue"`
	Name              string `json:"name"`
	Secret            string `json:"secret"`
	Nonce             any    `json:"nonce"`
	Path              string `json:"path"`
	BodySent          string `json:"body_sent"`
	ExpectedSignature string `json:"expected_signature"`
}

type vector struct {
	Venue    string            `json:"venue"`
	Name     string            `json:"name"`
	KeyID    string            `json:"key_id"`
	Secret   string            `json:"secret"`
	Method   string            `json:"method"`
	Path     string            `json:"path"`
	BodySent string            `json:"body_sent"`
	Headers  map[string]string `json:"headers"`
}

// kraken decodes the Kraken entries of raw (other venues' have other
// shapes).
func krakenOf[T any](t *testing.T, raw []json.RawMessage) []T {
	t.Helper()
	var out []T
	for _, r := range raw {
		var v struct{ Venue string }
		if json.Unmarshal(r, &v) != nil || v.Venue != "kraken" {
			continue
		}
		var x T
		if err := json.Unmarshal(r, &x); err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

func loadVectors(t *testing.T) vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/signing.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// nonceOf is the nonce a vector's body carries, form or JSON.
func nonceOf(t *testing.T, body string) string {
	t.Helper()
	if strings.HasPrefix(body, "{") {
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatal(err)
		}
		return m["nonce"].(string)
	}
	for _, kv := range strings.Split(body, "&") {
		if v, ok := strings.CutPrefix(kv, "nonce="); ok {
			return v
		}
	}
	t.Fatalf("no nonce in %q", body)
	return ""
}

// TestVectors: the signer reproduces Kraken's published example and every
// provided vector byte for byte.
func TestVectors(t *testing.T) {
	v := loadVectors(t)
	n := 0
	for _, p := range krakenOf[published](t, v.Published) {
		if p.Venue != "kraken" {
			continue
		}
		n++
		s, err := kraken.NewSigner("k", secret(p.Secret))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Sign(p.Path, fmt.Sprint(p.Nonce), []byte(p.BodySent)); got != p.ExpectedSignature {
			t.Errorf("%s: %s, want %s", p.Name, got, p.ExpectedSignature)
		}
	}
	for _, vec := range krakenOf[vector](t, v.Vectors) {
		if vec.Venue != "kraken" {
			continue
		}
		n++
		s, err := kraken.NewSigner(vec.KeyID, secret(vec.Secret))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.Sign(vec.Path, nonceOf(t, vec.BodySent), []byte(vec.BodySent)), vec.Headers["API-Sign"]; got != want {
			t.Errorf("%s: %s, want %s", vec.Name, got, want)
		}
	}
	if n < 6 {
		t.Fatalf("%d Kraken vectors, want the published one and five more", n)
	}
}

// TestWireMatchesVector: the request path sends the nonce-only body of the
// Balance vector, and its API-Sign is the vector's formula over the path
// sent (BalanceEx), computed here independently of the signer.
func TestWireMatchesVector(t *testing.T) {
	v := loadVectors(t)
	for _, vec := range krakenOf[vector](t, v.Vectors) {
		if vec.Name != "balance-nonce-only" {
			continue
		}
		var got struct {
			body, path string
			hdr        http.Header
		}
		srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/0/public/Time" {
				io.WriteString(w, `{"error":[],"result":{"unixtime":1700000000}}`)
				return
			}
			b, _ := io.ReadAll(r.Body)
			got.body, got.hdr, got.path = string(b), r.Header.Clone(), r.URL.Path
			io.WriteString(w, `{"error":[],"result":{}}`)
		})
		nonce, _ := strconv.ParseInt(nonceOf(t, vec.BodySent), 10, 64)
		now := func() time.Time { return time.UnixMilli(nonce) }
		c, err := kraken.New(kraken.WithBaseURL("http://venue.fake"), kraken.WithNetwork("testnet"), kraken.WithNonceDir(""),
			kraken.WithHTTPClient(&http.Client{Transport: handlerTransport{srv}}), kraken.WithNow(now),
			kraken.WithKey(vec.KeyID, secret(vec.Secret)))
		if err != nil {
			t.Fatal(err)
		}
		// The clock estimate puts the stamp a little behind: the floor
		// lifts the nonce to the vector's.
		if err := c.Nonces().Above(uint64(nonce) - 1); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Balances(context.Background()); err != nil {
			t.Fatal(err)
		}
		if want := independentSign(t, vec.Secret, got.path, nonceOf(t, vec.BodySent), vec.BodySent); got.body != vec.BodySent || got.hdr.Get("API-Sign") != want || got.hdr.Get("API-Key") != vec.KeyID {
			t.Errorf("sent %q to %s, API-Key %q API-Sign %q\nwant %q %q", got.body, got.path, got.hdr.Get("API-Key"), got.hdr.Get("API-Sign"), vec.BodySent, want)
		}
		if independentSign(t, vec.Secret, vec.Path, nonceOf(t, vec.BodySent), vec.BodySent) != vec.Headers["API-Sign"] {
			t.Error("the independent signer does not reproduce the vector")
		}
		return
	}
	t.Fatal("no balance-nonce-only vector")
}

type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := &recorder{header: http.Header{}, status: 200}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	ht.h.ServeHTTP(rec, r)
	return &http.Response{StatusCode: rec.status, Header: rec.header, Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())), Request: r}, nil
}

type recorder struct {
	header http.Header
	body   bytes.Buffer
	status int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(s int)           { r.status = s }

func independentSign(t *testing.T, secretB64, path, nonce, body string) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(secretB64)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(nonce + body))
	m := hmac.New(sha512.New, key)
	m.Write([]byte(path))
	m.Write(sum[:])
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
