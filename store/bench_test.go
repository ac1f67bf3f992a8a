package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// The issue 12 benchmarks run against a journal of 100,000 orders written
// the way vigil writes them (one transaction per record), with what a
// trader's orders go through: acknowledged with a venue order id, then
// filled, or cancel requested and cancelled.

const benchOrders = 100_000

// benchOrderID is the venue order id of order i, shaped like Binance's.
func benchOrderID(i int) string { return fmt.Sprint(48_000_000_000 + 7*i) }

// writeBenchOrders journals n orders into j, without fsync (what is
// measured is the result, not the disk).
func writeBenchOrders(tb testing.TB, j *Journal, n int) {
	tb.Helper()
	j.db.NoSync = true
	defer func() { j.db.NoSync = false }()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	qty := decimal.RequireFromString("0.00012345")
	for i := range n {
		at := start.Add(time.Duration(i) * 37 * time.Second)
		id := exchange.NewClientID(at)
		in := Intent{
			Account: "main", ClientID: id, Created: at,
			Binding: Binding{Venue: "binance", Network: exchange.Testnet, Endpoint: "https://testnet.binance.vision"},
			Req: exchange.OrderRequest{
				Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
				Qty: qty, Price: decimal.New(int64(6_000_000+i%50_000), -2),
			},
		}
		if i%2 == 1 {
			in.Req.Side = exchange.Sell
		}
		if err := j.RecordIntent(in); err != nil {
			tb.Fatal(err)
		}
		steps := []Transition{{Status: exchange.StatusNew, OrderID: benchOrderID(i), Via: "place", At: at.Add(80 * time.Millisecond)}}
		if i%3 == 2 {
			steps = append(steps,
				Transition{Status: StatusCancelRequested, Via: "cancel", At: at.Add(time.Minute)},
				Transition{Status: exchange.StatusCanceled, OrderID: benchOrderID(i), Via: "cancel", At: at.Add(time.Minute + 90*time.Millisecond)})
		} else {
			steps = append(steps, Transition{Status: exchange.StatusFilled, OrderID: benchOrderID(i), Filled: qty, Via: "stream", At: at.Add(3 * time.Second)})
		}
		for _, s := range steps {
			if _, err := j.Append("main", id, s); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

var benchJournal struct {
	once sync.Once
	dir  string
	err  error
}

// bench100k returns the path of a 100k-order journal. Writing it takes
// minutes on a busy machine, so it is kept in the temp dir between runs,
// under a name that changes with the schema (VIGIL_BENCH_REBUILD=1 writes
// it again).
func bench100k(b *testing.B) string {
	b.Helper()
	benchJournal.once.Do(func() {
		benchJournal.dir = filepath.Join(os.TempDir(), fmt.Sprintf("vigil-bench-100k-schema%d", SchemaVersion))
		path := filepath.Join(benchJournal.dir, FileName)
		done := filepath.Join(benchJournal.dir, "complete")
		if _, err := os.Stat(done); err == nil && os.Getenv("VIGIL_BENCH_REBUILD") == "" {
			return
		}
		os.RemoveAll(benchJournal.dir)
		if benchJournal.err = os.MkdirAll(benchJournal.dir, 0o700); benchJournal.err != nil {
			return
		}
		j, err := Open(path)
		if err != nil {
			benchJournal.err = err
			return
		}
		start := time.Now()
		writeBenchOrders(b, j, benchOrders)
		if benchJournal.err = j.Close(); benchJournal.err == nil {
			benchJournal.err = os.WriteFile(done, nil, 0o600)
		}
		b.Logf("built a %d-order journal in %v", benchOrders, time.Since(start).Round(time.Millisecond))
	})
	if benchJournal.err != nil {
		b.Fatal(benchJournal.err)
	}
	return filepath.Join(benchJournal.dir, FileName)
}

// BenchmarkJournalOpen: what every start pays before the first order.
func BenchmarkJournalOpen(b *testing.B) {
	b.Run("100k", func(b *testing.B) {
		path := bench100k(b)
		b.ResetTimer()
		for b.Loop() {
			j, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			j.Close()
		}
	})
	// The first start after a copy, a restore or a crash after a write: no
	// checked mark matches, so Open walks every page.
	b.Run("100k-unmarked", func(b *testing.B) {
		path := bench100k(b)
		for b.Loop() {
			b.StopTimer()
			os.Remove(path + markSuffix)
			b.StartTimer()
			j, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			j.Close()
		}
	})
}

// BenchmarkFindOrderID: a cancel by venue order id, or a stream event that
// carries only that.
func BenchmarkFindOrderID(b *testing.B) {
	b.Run("100k", func(b *testing.B) {
		j, err := Open(bench100k(b))
		if err != nil {
			b.Fatal(err)
		}
		defer j.Close()
		r := rand.New(rand.NewPCG(1, 2))
		b.ResetTimer()
		for b.Loop() {
			i := r.IntN(benchOrders)
			e, err := j.FindOrderID("main", benchOrderID(i))
			if err != nil || e.OrderID != benchOrderID(i) {
				b.Fatalf("FindOrderID(%s) = %s, %v", benchOrderID(i), e.OrderID, err)
			}
		}
	})
}

// BenchmarkJournalBytesPerOrder reports the size on disk of the 100k-order
// journal per order (bytes/order, the file as ls shows it); the loop only
// stats the file.
func BenchmarkJournalBytesPerOrder(b *testing.B) {
	path := bench100k(b)
	var size int64
	for b.Loop() {
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		size = st.Size()
	}
	b.ReportMetric(float64(size)/benchOrders, "bytes/order")
}
