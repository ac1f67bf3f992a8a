package okx_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/okx"
	"github.com/vigil-trade/vigil/exchange/okx/okxtest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// skews are the venue clock offsets of issue 11; 35 s is beyond OKX's
// ±30 s window.
var skews = []time.Duration{-1800 * time.Millisecond, 12 * time.Second, 35 * time.Second}

func skewedFake(t *testing.T, skew time.Duration) *okxtest.Server {
	t.Helper()
	srv := okxtest.NewServer()
	t.Cleanup(srv.Close)
	srv.Sim().SetSkew(skew)
	srv.AddKey(keyID, keySecret, passphrase, okxtest.TradePerms(okxtest.DefaultAccount))
	fund(t, srv)
	return srv
}

func clockRefusals(srv *okxtest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Code == "50102" {
			n++
		}
	}
	return n
}

// TestFirstSignedRequestAtSkew: with the fake's clock off by each of the
// issue's offsets, a fresh client's first signed request and first stream
// login are accepted without any SyncClock beforehand.
func TestFirstSignedRequestAtSkew(t *testing.T) {
	for _, skew := range skews {
		t.Run(skew.String(), func(t *testing.T) {
			srv := skewedFake(t, skew)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := loopbackClient(t, srv).Balances(ctx); err != nil {
				t.Fatal(err)
			}
			if n := clockRefusals(srv); n != 0 {
				t.Errorf("%d 50102 refusals on the first signed request", n)
			}
			st, err := loopbackClient(t, srv).Stream(ctx)
			if err != nil {
				t.Fatalf("first stream login: %v", err)
			}
			_ = st.Close()
		})
	}
}

// TestNothingSignedBeforeClockSample: the first signed request waits for
// a time probe; when the probe fails, neither it nor a stream login is sent.
func TestNothingSignedBeforeClockSample(t *testing.T) {
	srv := skewedFake(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := loopbackClient(t, srv).Balances(ctx); err != nil {
		t.Fatal(err)
	}
	if reqs := srv.Requests(); len(reqs) < 2 || reqs[0].Path != "/api/v5/public/time" {
		t.Fatalf("requests %+v, want the time probe first", reqs)
	}

	srv.Sim().Faults().Add(sim.Fault{Kind: sim.Fault5xx, Op: "GET /api/v5/public/time"})
	c := loopbackClient(t, srv)
	before := len(srv.Requests())
	_, err := c.Balances(ctx)
	var ue *exchange.ClockUnknownError
	if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "clock of okx unknown: ") {
		t.Fatalf("err %v, want clock of okx unknown", err)
	}
	for _, r := range srv.Requests()[before:] {
		if r.Path != "/api/v5/public/time" {
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
	srv := skewedFake(t, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := loopbackClient(t, srv, okx.WithAccount(exchange.AccountInfo{Name: "okx-demo", Network: exchange.Testnet}))
	if err := c.SyncClock(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Sim().SetSkew(35 * time.Second)
	_, err := c.Stream(ctx)
	if exchange.KindOf(err) != exchange.KindClock || !strings.Contains(exchange.AdviceOf(err), "before the next login") {
		t.Fatalf("login on a stale estimate: %v (advice %q)", err, exchange.AdviceOf(err))
	}
	st, err := c.Stream(ctx)
	if err != nil {
		t.Fatalf("second login: %v", err)
	}
	_ = st.Close()
}
