package orders

import (
	"context"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/store"
)

// queryCounter counts the queries a desk makes through a venue.
type queryCounter struct {
	exchange.Venue
	n atomic.Int64
}

func (q *queryCounter) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	q.n.Add(1)
	return q.Venue.Query(ctx, ref)
}

// forgetfulBinance is binancetest on loopback with the real client, after n
// resting orders placed through a desk were lost by a testnet reset: the
// journal holds them acknowledged (NEW, with venue ids), the venue answers
// "order does not exist" for each. From here on the venue is 25 ms away
// each way, as a testnet is from a VPS.
func forgetfulBinance(tb testing.TB, n int, dir string) (*store.Journal, *binance.Client) {
	tb.Helper()
	limits := binancetest.DefaultRateLimits()
	// The place side is setup, not under test; the weight budget (which
	// paces the queries reconciliation makes) stays as Binance's.
	limits.OrdersPer10s, limits.OrdersPerDay = 1e6, 1e6
	srv := binancetest.NewServer(binancetest.WithRateLimits(limits))
	tb.Cleanup(srv.Close)
	srv.AddHMACKey(testKey, testSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	if err := srv.Sim().Deposit(binancetest.DefaultAccount, "USDT", decimal.NewFromInt(1_000_000)); err != nil {
		tb.Fatal(err)
	}
	c, err := binance.New(binance.WithBaseURL(srv.URL), binance.WithAPIKey(testKey),
		binance.WithAccount(exchange.AccountInfo{Name: acct, Venue: "binance", Network: exchange.Testnet}),
		binance.WithSecret(crypto.NewSecret([]byte(testSecret))))
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	if err := c.SyncClock(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Rules(ctx, "BTCUSDT"); err != nil {
		tb.Fatal(err)
	}
	j, err := store.Open(filepath.Join(dir, store.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	d := NewDesk(j, map[string]exchange.Venue{acct: c})
	if _, err := d.Reconcile(ctx, acct); err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		req := exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000")}
		if o, err := d.Place(ctx, acct, req); err != nil || o.Status != exchange.StatusNew {
			tb.Fatalf("place %d: %s %v", i, o.Status, err)
		}
	}
	if got := srv.Sim().Forget(binancetest.DefaultAccount); got != n {
		tb.Fatalf("the reset forgot %d orders, want %d", got, n)
	}
	srv.Sim().SetLatency(sim.LatencyConfig{Request: sim.Leg{Mean: 25 * time.Millisecond}, Response: sim.Leg{Mean: 25 * time.Millisecond}})
	return j, c
}

// BenchmarkReconcileForgotten is `vigil order list` the first time after a
// testnet reset: a fresh desk with the default grace reconciles n
// acknowledged orders the venue no longer knows.
func BenchmarkReconcileForgotten(b *testing.B) {
	for _, n := range []int{100} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var queries int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				j, c := forgetfulBinance(b, n, b.TempDir())
				v := &queryCounter{Venue: c}
				d := NewDesk(j, map[string]exchange.Venue{acct: v})
				b.StartTimer()
				r, err := d.ReconcileReadOnly(context.Background(), acct)
				b.StopTimer()
				if err != nil || r.Checked != n {
					b.Fatalf("reconcile: %v, checked %d of %d", err, r.Checked, n)
				}
				queries += v.n.Load()
				j.Close()
			}
			b.ReportMetric(float64(queries)/float64(b.N)/float64(n), "queries/order")
		})
	}
}
