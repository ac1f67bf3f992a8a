package demo

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// Every demo account has a private stream the feed will supervise, and
// DropStreams cuts each of them.
func TestEveryVenueStreamsAndDrops(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	d, err := Start(ctx, WithoutOrders())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	venues := map[string]bool{}
	var streams []exchange.Stream
	for _, v := range d.Venues() {
		s, ok := v.(exchange.Streamer)
		if !ok {
			t.Errorf("%s (%s) has no private stream: the cockpit would poll it", v.Info().Name, v.Info().Venue)
			continue
		}
		st, err := s.Stream(ctx)
		if err != nil {
			t.Fatalf("%s: %v", v.Info().Name, err)
		}
		defer st.Close()
		streams = append(streams, st)
		venues[v.Info().Venue] = true
	}
	for _, want := range []string{"binance", "okx", "bybit"} {
		if !venues[want] {
			t.Errorf("no %s stream among %v", want, venues)
		}
	}
	d.DropStreams()
	for i, st := range streams {
	drain: // the drop closes Events
		for {
			select {
			case _, ok := <-st.Events():
				if !ok {
					break drain
				}
			case <-ctx.Done():
				t.Fatalf("stream %d still open after the drop", i)
			}
		}
		if st.Err() == nil {
			t.Errorf("stream %d ended without a reason", i)
		}
	}
}
