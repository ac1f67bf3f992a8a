package venuetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// firstSignedAtSkew: with the fake's clock off by the offsets of issue 11
// (behind by more than a 1 s future limit, ahead by more than a 5 s
// receive window and by more than a ±30 s one), a fresh client's first
// signed request, and a fresh client's first stream login with each key
// scheme, are accepted with no SyncClock beforehand: not one timestamp
// refusal.
func (h Harness) firstSignedAtSkew(t *testing.T) {
	for _, skew := range []time.Duration{-1800 * time.Millisecond, 12 * time.Second, 35 * time.Second} {
		t.Run(skew.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := h.begin(t, Setup{Skew: skew})
				ctx := context.Background()
				if _, err := e.open().Balances(ctx); err != nil {
					t.Fatal(err)
				}
				if n := e.clockRefusals(0); n != 0 {
					t.Errorf("%d timestamp refusals (%s) on the first signed request", n, h.ClockCode)
				}
				for _, sc := range h.Schemes {
					st, err := e.openWith(sc).Stream(ctx)
					if err != nil {
						t.Fatalf("%s: first stream login: %v", sc, err)
					}
					_ = st.Close()
				}
				e.allAccepted(0)
			})
		})
	}
}

// timestampRefusal: the client measured the fake's clock, then the fake's
// clock stepped 45 s either way (as when NTP steps one side): the next
// signed request is refused for its stamp; the client measures again and
// retries once, and that retry and everything after it is accepted.
func (h Harness) timestampRefusal(t *testing.T) {
	for _, skew := range []time.Duration{45 * time.Second, -45 * time.Second} {
		t.Run(skew.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := h.begin(t, Setup{})
				c := e.open()
				ctx := context.Background()
				e.sync(ctx, c)
				e.f.Sim().SetSkew(skew)
				if h.NoStampWindow != "" || skew > 0 && skew < h.TokenLife {
					// The client's stamps now lag the venue's clock by
					// less than a token lives: nothing is refused.
					e.noStampWindow(ctx, c)
					return
				}
				from := len(e.log())
				if _, err := c.Balances(ctx); err != nil {
					t.Fatalf("not recovered: %v", err)
				}
				reqs := e.log()[from:]
				bal := path(h.Ops.Balances)
				if len(reqs) == 0 || reqs[0].Code != h.ClockCode || reqs[0].Path != bal {
					t.Fatalf("requests %+v, want the first refused with %s", reqs, h.ClockCode)
				}
				if last := reqs[len(reqs)-1]; !last.Accepted || last.Path != bal {
					t.Fatalf("retry %+v", last)
				}
				if n := e.count(from, h.Ops.Balances); n != 2 {
					t.Errorf("%d balance requests, want the refused one and one retry", n)
				}
				e.allAccepted(from + 1)
				if off := c.Clock().Offset; (off - skew).Abs() > 50*time.Millisecond {
					t.Errorf("estimated offset %v, want %v", off, skew)
				}
				n := len(e.log())
				req := e.limitBuy(e.restingPrice())
				if _, err := c.Place(ctx, req); err != nil {
					t.Fatal(err)
				}
				if _, err := c.Cancel(ctx, exchange.OrderRef{Symbol: h.Symbol, ClientID: req.ClientID}); err != nil {
					t.Fatal(err)
				}
				e.allAccepted(n)
			})
		})
	}
}

// rateLimit: a rate-limit answer (another program used the budget) comes
// back as a *RateLimitError with the time it ends; until then the client
// holds the account and the fake sees nothing; after it, it is served.
func (h Harness) rateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := h.begin(t, Setup{})
		c := e.open()
		ctx := context.Background()
		e.sync(ctx, c)
		e.f.Sim().Faults().Add(sim.Fault{Op: h.Ops.Balances, Kind: sim.FaultRateLimit, Times: 1})
		rl := e.limited(ctx, c)
		if rl.Banned {
			t.Fatalf("a rate limit read as a ban: %v", rl)
		}
		// Every venue's window is a minute at most: a longer hold is not
		// the venue's time but a guess.
		if d := time.Until(rl.RetryAt); d > time.Minute {
			t.Errorf("held for %v", d)
		}
		e.heldUntil(ctx, c, rl.RetryAt)
		if _, err := c.Balances(ctx); err != nil {
			t.Fatalf("after the hold: %v", err)
		}
	})
}

// limited expects a Balances call refused for the rate and the account
// held for it.
func (e *env) limited(ctx context.Context, c Client) *exchange.RateLimitError {
	e.t.Helper()
	_, err := c.Balances(ctx)
	var rl *exchange.RateLimitError
	if !errors.As(err, &rl) || rl.Kind != exchange.KindRateLimit {
		e.t.Fatalf("want a *RateLimitError, got %v", err)
	}
	if !rl.RetryAt.After(time.Now()) {
		e.t.Fatalf("RetryAt %v is not ahead", rl.RetryAt)
	}
	if !c.Budget().Banned(time.Now()) {
		e.t.Fatalf("the budget does not show the hold: %+v", c.Budget())
	}
	return rl
}

// heldUntil polls in the background every second until just before until:
// each call is refused locally and nothing reaches the fake. Then it
// waits until just after.
func (e *env) heldUntil(ctx context.Context, c Client, until time.Time) {
	e.t.Helper()
	seen := len(e.log())
	bg := exchange.WithPriority(ctx, exchange.Background)
	for time.Now().Before(until.Add(-time.Second)) {
		_, err := c.Balances(bg)
		var ll *exchange.LocalLimitError
		if !errors.As(err, &ll) {
			e.t.Fatalf("during the hold: %v, want a *LocalLimitError", err)
		}
		if n := len(e.log()); n != seen {
			e.t.Fatalf("%d requests reached the fake during the hold", n-seen)
		}
		time.Sleep(time.Second)
	}
	time.Sleep(time.Until(until) + time.Millisecond)
	if n := len(e.log()); n != seen {
		e.t.Fatalf("%d requests reached the fake during the hold", n-seen)
	}
}

// ban: banned for ignoring a limit (another program on the same IP), the
// client sends nothing at all, not even an order, until the ban ends. A
// venue without bans (Harness.NoBan) holds the account after every one of
// a run of rate-limit refusals instead, and never calls one a ban.
func (h Harness) ban(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := h.begin(t, Setup{})
		c := e.open()
		ctx := context.Background()
		e.sync(ctx, c)
		if _, err := c.Rules(ctx, h.Symbol); err != nil {
			t.Fatal(err)
		}
		switch {
		case e.f.Ban != nil && h.NoBan != "":
			t.Fatalf("the fake bans, yet the harness says %q", h.NoBan)
		case e.f.Ban == nil && h.NoBan == "":
			t.Fatal("the fake has no ban and the harness does not say why (NoBan)")
		case e.f.Ban == nil:
			e.f.Sim().Faults().Add(sim.Fault{Op: h.Ops.Balances, Kind: sim.FaultRateLimit, Times: 3})
			for range 3 {
				rl := e.limited(ctx, c)
				if rl.Banned {
					t.Fatalf("%q, yet a refusal reads as a ban: %v", h.NoBan, rl)
				}
				e.heldUntil(ctx, c, rl.RetryAt)
			}
			if _, err := c.Balances(ctx); err != nil {
				t.Fatalf("after the refusals: %v", err)
			}
			return
		}
		e.f.Ban()
		rl := e.limited(ctx, c)
		if !rl.Banned {
			t.Fatalf("want a ban, got %v", rl)
		}
		seen := len(e.log())
		for time.Now().Before(rl.RetryAt.Add(-time.Second)) {
			_, e1 := c.LastPrice(exchange.WithPriority(ctx, exchange.Background), h.Symbol)
			_, e2 := c.Balances(ctx)
			_, e3 := c.Place(ctx, e.limitBuy(e.restingPrice()))
			for _, err := range []error{e1, e2, e3} {
				var ll *exchange.LocalLimitError
				if !errors.As(err, &ll) {
					t.Fatalf("during the ban: %v, want a *LocalLimitError", err)
				}
			}
			if n := len(e.log()); n != seen {
				t.Fatalf("%d requests reached the fake during the ban", n-seen)
			}
			time.Sleep(5 * time.Second)
		}
		time.Sleep(time.Until(rl.RetryAt) + time.Second)
		if _, err := c.LastPrice(ctx, h.Symbol); err != nil {
			t.Fatalf("after the ban: %v", err)
		}
		e.allAccepted(seen)
	})
}

// clockFirst: the first signed request waits for a time probe even with
// the clocks agreeing; when the probe fails, neither a signed request nor
// a stream login is sent, and the error says the venue's clock is unknown.
func (h Harness) clockFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := h.begin(t, Setup{})
		ctx := context.Background()
		if _, err := e.open().Balances(ctx); err != nil {
			t.Fatal(err)
		}
		if reqs := e.log(); len(reqs) < 2 || reqs[0].Path != path(h.Ops.Time) {
			t.Fatalf("requests %+v, want the time probe first", reqs)
		}

		e.f.Sim().Faults().Add(sim.Fault{Kind: sim.Fault5xx, Op: h.Ops.Time})
		c := e.open()
		from := len(e.log())
		_, err := c.Balances(ctx)
		var ue *exchange.ClockUnknownError
		if want := "clock of " + c.Info().Venue + " unknown: "; !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("err %v, want %q", err, want)
		}
		if _, err := c.Stream(ctx); !errors.As(err, &ue) {
			t.Fatalf("stream with an unknown clock: %v", err)
		}
		for _, r := range e.log()[from:] {
			if r.Path != path(h.Ops.Time) {
				t.Errorf("%s %s sent although the clock is unknown", r.Method, r.Path)
			}
		}
	})
}

// streamLoginClock: a stream login refused for its stamp (the fake's clock
// stepped 35 s after the client measured it) says so, and makes the next
// login wait for a fresh sample, which is then accepted.
func (h Harness) streamLoginClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := h.begin(t, Setup{})
		c := e.open()
		ctx := context.Background()
		e.sync(ctx, c)
		step := 35 * time.Second
		if h.TokenLife > step {
			// A token stamped that far behind is still valid: a clock
			// stepped behind puts the login's stamp in the venue's future.
			step = -step
		}
		e.f.Sim().SetSkew(step)
		if h.NoStampWindow != "" {
			st, err := c.Stream(ctx)
			if err != nil {
				t.Fatalf("%q, yet the login after a clock step failed: %v", h.NoStampWindow, err)
			}
			_ = st.Close()
			e.allAccepted(0)
			return
		}
		_, err := c.Stream(ctx)
		if exchange.KindOf(err) != exchange.KindClock || !strings.Contains(exchange.AdviceOf(err), "before the next login") {
			t.Fatalf("login on a stale estimate: %v (advice %q)", err, exchange.AdviceOf(err))
		}
		st, err := c.Stream(ctx)
		if err != nil {
			t.Fatalf("second login: %v", err)
		}
		_ = st.Close()
	})
}

// noStampWindow: with the venue's clock stepped after the client measured
// it, a venue that checks no request time (Harness.NoStampWindow) refuses
// nothing: not the next request, nor any after the client measures the
// step (a nonce taken from the new estimate must still exceed the last).
func (e *env) noStampWindow(ctx context.Context, c Client) {
	e.t.Helper()
	from := len(e.log())
	if _, err := c.Balances(ctx); err != nil {
		e.t.Fatal(err)
	}
	e.sync(ctx, c)
	if _, err := c.Balances(ctx); err != nil {
		e.t.Fatal(err)
	}
	req := e.limitBuy(e.restingPrice())
	if _, err := c.Place(ctx, req); err != nil {
		e.t.Fatal(err)
	}
	if _, err := c.Cancel(ctx, exchange.OrderRef{Symbol: e.h.Symbol, ClientID: req.ClientID}); err != nil {
		e.t.Fatal(err)
	}
	if n := e.clockRefusals(from); n != 0 {
		e.t.Errorf("%d refusals (%s) after the clock step", n, e.h.ClockCode)
	}
	e.allAccepted(from)
}
