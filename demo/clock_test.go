package demo

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// TestClockOffsetNothingRefused: with every fake's clock pushed off by the
// issue's offsets, the demo starts (its resting orders are the accounts'
// first signed requests), each account's first stream login is accepted,
// and no fake refused a single request for its timestamp.
func TestClockOffsetNothingRefused(t *testing.T) {
	for _, off := range []time.Duration{-1800 * time.Millisecond, 12 * time.Second, 35 * time.Second} {
		t.Run(off.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			d, err := Start(ctx, WithSeed(3), WithClockOffset("", off))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			for _, k := range d.kits {
				if got := k.Sim.Offset(); (got - k.Skew - off).Abs() > time.Millisecond {
					t.Errorf("%s: fake clock offset %v, want %v", k.venue, got, k.Skew+off)
				}
				for _, v := range k.venues {
					st, err := v.(exchange.Streamer).Stream(ctx)
					if err != nil {
						t.Errorf("%s: first stream login: %v", v.Info().Name, err)
						continue
					}
					_ = st.Close()
				}
				if n := k.Refusals(); n != 0 {
					t.Errorf("%s refused %d requests for their timestamp", k.venue, n)
				}
			}
		})
	}
}

// TestClockOffsetPerVenue: a venue's own offset wins over the one for
// every venue.
func TestClockOffsetPerVenue(t *testing.T) {
	var o options
	WithClockOffset("", 12*time.Second)(&o)
	WithClockOffset("okx", -1800*time.Millisecond)(&o)
	if o.clockOffset("okx") != -1800*time.Millisecond || o.clockOffset("bybit") != 12*time.Second {
		t.Fatalf("offsets %v", o.offsets)
	}
}
