package binance_test

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// skews are the venue clock offsets of issue 11: behind by more than the
// 1 s Binance allows ahead, and ahead by more than recvWindow (and, at
// 35 s, by more than OKX's ±30 s).
var skews = []time.Duration{-1800 * time.Millisecond, 12 * time.Second, 35 * time.Second}

func freshClient(t *testing.T, srv *binancetest.Server, scheme exchange.Scheme, opts ...binance.Option) *binance.Client {
	t.Helper()
	key, sec := hmacKey, hmacSecret
	if scheme == exchange.SchemeEd25519 {
		key, sec = edKey, edPEM
	}
	base := []binance.Option{
		binance.WithBaseURL(srv.URL), binance.WithAPIKey(key), binance.WithScheme(scheme),
		binance.WithSecret(crypto.NewSecret([]byte(sec))),
		binance.WithAccount(exchange.AccountInfo{Name: "first", Network: exchange.Testnet}),
	}
	c, err := binance.New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func edPublic(t *testing.T) ed25519.PublicKey {
	t.Helper()
	block, _ := pem.Decode([]byte(edPEM))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(ed25519.PrivateKey).Public().(ed25519.PublicKey)
}

func clockRefusals(srv *binancetest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Code == -1021 {
			n++
		}
	}
	return n
}

// TestFirstSignedRequestAtSkew: with the fake's clock off by each of the
// issue's offsets, a fresh client's first signed request and first stream
// login (both key types: Ed25519 logs on with session.logon, HMAC signs
// the subscribe) are accepted without any SyncClock beforehand.
func TestFirstSignedRequestAtSkew(t *testing.T) {
	for _, skew := range skews {
		t.Run(skew.String(), func(t *testing.T) {
			srv := binancetest.NewServer()
			defer srv.Close()
			srv.Sim().SetSkew(skew)
			srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
			srv.AddEd25519Key(edKey, edPublic(t), binancetest.TradePerms(binancetest.DefaultAccount))
			fund(t, srv)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			if _, err := freshClient(t, srv, exchange.SchemeHMAC).Balances(ctx); err != nil {
				t.Fatal(err)
			}
			if n := clockRefusals(srv); n != 0 {
				t.Errorf("%d -1021 refusals on the first signed request", n)
			}
			for _, scheme := range []exchange.Scheme{exchange.SchemeHMAC, exchange.SchemeEd25519} {
				st, err := freshClient(t, srv, scheme).Stream(ctx)
				if err != nil {
					t.Fatalf("%s: first stream login: %v", scheme, err)
				}
				_ = st.Close()
			}
		})
	}
}

// signedTap fails the test when a signed request leaves before the
// client's clock has a sample.
type signedTap struct {
	t      *testing.T
	c      atomic.Pointer[binance.Client]
	signed atomic.Int32
}

func (s *signedTap) RoundTrip(r *http.Request) (*http.Response, error) {
	q := r.URL.RawQuery
	if r.GetBody != nil {
		if b, err := r.GetBody(); err == nil {
			body, _ := io.ReadAll(b)
			q += "&" + string(body)
		}
	}
	if v, _ := url.ParseQuery(q); v.Get("signature") != "" {
		s.signed.Add(1)
		if c := s.c.Load(); c != nil && c.Clock().Samples == 0 {
			s.t.Errorf("%s %s signed and sent before the clock had a sample", r.Method, r.URL.Path)
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestNothingSignedBeforeClockSample: even with the venue's clock exactly
// on time, the first signed request waits for a time probe; when the probe
// fails, the signed request is not sent and says why.
func TestNothingSignedBeforeClockSample(t *testing.T) {
	srv := binancetest.NewServer()
	defer srv.Close()
	srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	fund(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	tap := &signedTap{t: t}
	c := freshClient(t, srv, exchange.SchemeHMAC, binance.WithHTTPClient(&http.Client{Transport: tap}))
	tap.c.Store(c)
	if _, err := c.Balances(ctx); err != nil {
		t.Fatal(err)
	}
	if tap.signed.Load() == 0 {
		t.Fatal("no signed request seen")
	}

	srv.Sim().Faults().Add(sim.Fault{Kind: sim.Fault5xx, Op: "GET /api/v3/time"})
	c = freshClient(t, srv, exchange.SchemeHMAC)
	before := len(srv.Requests())
	_, err := c.Balances(ctx)
	var ue *exchange.ClockUnknownError
	if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "clock of binance unknown: ") {
		t.Fatalf("err %v, want clock of binance unknown", err)
	}
	for _, r := range srv.Requests()[before:] {
		if r.Path != "/api/v3/time" {
			t.Errorf("%s %s sent although the clock is unknown", r.Method, r.Path)
		}
	}
	if _, err := c.Stream(ctx); !errors.As(err, &ue) {
		t.Fatalf("stream with an unknown clock: %v", err)
	}
}

// TestStreamLoginRefusedForClockMeasuresAgain: a login refused for its
// timestamp (the venue's clock stepped after the client measured it) makes
// the next login wait for a fresh sample, so it is accepted.
func TestStreamLoginRefusedForClockMeasuresAgain(t *testing.T) {
	srv := binancetest.NewServer()
	defer srv.Close()
	srv.AddHMACKey(hmacKey, hmacSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := freshClient(t, srv, exchange.SchemeHMAC)
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Sim().SetSkew(12 * time.Second)
	_, err := c.Stream(ctx)
	var ae *exchange.APIError
	if !errors.As(err, &ae) || ae.Kind != exchange.KindClock || !strings.Contains(ae.Advice(), "before the next login") {
		t.Fatalf("login on a stale estimate: %v (%+v)", err, ae)
	}
	st, err := c.Stream(ctx)
	if err != nil {
		t.Fatalf("second login: %v", err)
	}
	_ = st.Close()
}
