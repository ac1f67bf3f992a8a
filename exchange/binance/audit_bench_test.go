package binance

import (
	"context"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/audit"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
)

// BenchmarkSignedRoundTripAudit is BenchmarkSignedRoundTrip with the audit
// trail off and on, on the same fake: the trail's cost on a request is the
// gap between the two (issue 19's budget: at most 5%). The trail writes to
// a real directory, its writer goroutine beside the requests as in use.
func BenchmarkSignedRoundTripAudit(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			opts := []Option{WithBaseURL(benchFake(b).URL), WithAPIKey(docAPIKey), WithSecret(crypto.NewSecret([]byte(docSecret))),
				WithLimits(exchange.Limit{Name: "weight/1m", Kind: exchange.LimitWeight, Limit: 1 << 30, Window: time.Minute})}
			var tr *audit.Trail
			if on {
				var err error
				if tr, err = audit.Open(b.TempDir(), audit.Options{}); err != nil {
					b.Fatal(err)
				}
				opts = append(opts, WithObserver(tr.Observer(exchange.AccountInfo{Name: "bench", Venue: venueName, ClientID: ClientIDPolicy})))
			}
			c, err := New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if err := c.SyncClock(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Balances(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if tr != nil {
				if err := tr.Close(); err != nil {
					b.Fatal(err)
				}
				if tr.Written() == 0 || tr.Lost() != 0 {
					b.Fatalf("trail wrote %d, lost %d", tr.Written(), tr.Lost())
				}
			}
		})
	}
}
