package cli

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/orders"
	"github.com/vigil-trade/vigil/store"
	"github.com/vigil-trade/vigil/views"
)

// TestCockpitOpensEachAccountWhenSettled: the cockpit reconciles accounts in
// parallel, and an account's order entry opens as soon as its own journal
// is settled, not after a slow account listed before it.
func TestCockpitOpensEachAccountWhenSettled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := feedtest.New(exchange.AccountInfo{Name: "slow", Venue: "binance", Network: exchange.Testnet}, time.Now)
		fast := feedtest.New(exchange.AccountInfo{Name: "fast", Venue: "binance", Network: exchange.Testnet}, time.Now)
		venues := []exchange.Venue{slow, fast}
		desk, j := openTestDesk(t, t.TempDir(), venues)
		// An intent in doubt on the slow account, whose venue does not
		// answer: its reconciliation takes the whole pass.
		now := time.Now()
		if err := j.RecordIntent(store.Intent{Account: "slow", ClientID: exchange.NewClientID(now), Created: now, Binding: orders.BindingOf(slow),
			Req: exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
				Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000")}}); err != nil {
			t.Fatal(err)
		}
		slow.SetHang(true)

		var mu sync.Mutex
		gate := map[string]string{}
		opened := map[string]time.Duration{}
		emit := func(account string, msg tea.Msg) {
			if g, ok := msg.(views.OrderGateMsg); ok {
				mu.Lock()
				defer mu.Unlock()
				gate[account] = g.Closed
				if _, done := opened[account]; g.Closed == "" && !done {
					opened[account] = time.Since(now)
				}
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			reconciler(desk, venues, time.Now)(ctx, emit)
			close(done)
		}()
		defer func() {
			cancel()
			<-done
		}()
		time.Sleep(time.Second)
		synctest.Wait()
		mu.Lock()
		fastAt, fastOpen := opened["fast"]
		slowGate := gate["slow"]
		mu.Unlock()
		if !fastOpen || fastAt != 0 {
			t.Fatalf("the fast account's entry opened %v (after %s) while the slow one reconciles; want at once", fastOpen, fastAt)
		}
		if slowGate == "" {
			t.Fatal("the slow account's entry opened with an intent in doubt")
		}
		if !desk.Ready("fast") || desk.Ready("slow") {
			t.Fatalf("ready: fast %v, slow %v", desk.Ready("fast"), desk.Ready("slow"))
		}
	})
}
