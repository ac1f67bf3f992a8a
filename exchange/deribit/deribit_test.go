package deribit_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/deribit"
	"github.com/vigil-trade/vigil/exchange/deribit/deribittest"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/streamtest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
	"github.com/vigil-trade/vigil/exchange/wsconn"
	"github.com/vigil-trade/vigil/orders"
)

const (
	linear  = "BTC_USDC-PERPETUAL"
	inverse = "BTC-PERPETUAL"
)

var d = decimal.RequireFromString

// fixture is a fake with a trading key and USDC, and a client on it over
// an in-memory network.
type fixture struct {
	srv *deribittest.Server
	c   *deribit.Client
}

func newFixture(t *testing.T, perms deribittest.Perms, opts ...deribit.Option) fixture {
	t.Helper()
	srv := deribittest.New()
	t.Cleanup(srv.Close)
	srv.AddKey(keyID, keySecret, perms)
	if err := srv.Sim().Deposit(deribittest.DefaultAccount, "USDC", d("100000")); err != nil {
		t.Fatal(err)
	}
	mem := sim.NewMemNet(srv.Handler())
	t.Cleanup(mem.Close)
	l := venuetest.Link{REST: "http://venue.fake", WS: "ws://venue.fake", HTTP: mem.Client(), Network: exchange.Testnet, Account: "acct"}
	c := openClient(t, l, opts...).Venue.(*deribit.Client)
	return fixture{srv: srv, c: c}
}

func limitBuy(symbol string, qty, price decimal.Decimal) exchange.OrderRequest {
	return exchange.OrderRequest{Symbol: symbol, Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: qty, Price: price, ClientID: deribit.ClientIDPolicy.New(time.Now())}
}

// TestOrderInContractsValuedInUSD: an inverse perpetual is entered in
// contracts of 10 USD, so its value is contracts × 10 USD at any price,
// and max_order_notional (USD) asks for a confirmation above it; a linear
// one is entered in BTC and valued at the price. Both as the client
// decodes the instruments from the fake, through the verdict every front
// end applies.
func TestOrderInContractsValuedInUSD(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, deribittest.TradePerms(""))
		ctx := context.Background()
		r, err := f.c.Rules(ctx, inverse)
		if err != nil {
			t.Fatal(err)
		}
		if r.Unit != exchange.UnitQuote || !r.ContractSize.Equal(d("10")) || !r.StepSize.Equal(d("1")) || !r.MinQty.Equal(d("1")) ||
			r.Kind != exchange.KindPerpetual || r.SettleCurrency() != "BTC" {
			t.Fatalf("BTC-PERPETUAL decoded as %+v", r)
		}
		info := exchange.AccountInfo{Name: "acct", Venue: "deribit", Network: exchange.Testnet, MaxOrderNotional: d("1000")}
		for _, tc := range []struct {
			symbol, qty, price string
			market             bool
			notional           string
			confirm            bool
		}{
			{inverse, "90", "65000", false, "900", false},
			{inverse, "120", "65000", false, "1200", true},
			{inverse, "120", "20000", false, "1200", true}, // the price does not change it
			{inverse, "120", "", true, "1200", true},       // a market order's value is known too
			{linear, "0.01", "65000", false, "650", false},
			{linear, "0.02", "65000", false, "1300", true},
		} {
			req := limitBuy(tc.symbol, d(tc.qty), decimal.Zero)
			if tc.market {
				req.Type, req.TIF = exchange.MarketOrder, ""
			} else {
				req.Price = d(tc.price)
			}
			rules, err := f.c.Rules(ctx, tc.symbol)
			if err != nil {
				t.Fatal(err)
			}
			v := orders.Check(info, rules, req, decimal.Zero)
			if !v.Known || !v.Notional.Equal(d(tc.notional)) || len(v.Violations) != 0 {
				t.Errorf("%s %s @ %s: notional %s known %v violations %v, want %s", tc.symbol, tc.qty, tc.price, v.Notional, v.Known, v.Violations, tc.notional)
			}
			if got := len(v.Confirm) > 0; got != tc.confirm || tc.confirm && !strings.Contains(v.Why(), "notional "+tc.notional+" ") {
				t.Errorf("%s %s @ %s: confirm %q, want a confirmation: %v", tc.symbol, tc.qty, tc.price, v.Confirm, tc.confirm)
			}
		}
		// A fraction of a contract is refused before it leaves, with the
		// nearest whole number of contracts.
		v := orders.Check(info, r, limitBuy(inverse, d("2.5"), d("65000")), decimal.Zero)
		if len(v.Violations) == 0 || !v.Fixable || !v.Fix.Qty.Equal(d("3")) && !v.Fix.Qty.Equal(d("2")) {
			t.Errorf("2.5 contracts: %+v", v)
		}
	})
}

// TestContractsOnTheWire: an inverse contract's size goes out as
// contracts and comes back as contracts (Deribit answers amounts in USD).
func TestContractsOnTheWire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, deribittest.TradePerms(""))
		ctx := context.Background()
		if err := f.srv.Sim().Deposit(deribittest.DefaultAccount, "USD", d("10000000")); err != nil {
			t.Fatal(err)
		}
		req := limitBuy(inverse, d("3"), d("30000"))
		o, err := f.c.Place(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		held, _ := f.srv.Sim().OrderByClientID(deribittest.DefaultAccount, req.ClientID)
		if !o.Qty.Equal(d("3")) || !held.Qty.Equal(d("3")) {
			t.Fatalf("placed %s contracts, the fake holds %s", o.Qty, held.Qty)
		}
		q, err := f.c.Query(ctx, exchange.OrderRef{Symbol: inverse, ClientID: req.ClientID})
		if err != nil || !q.Qty.Equal(d("3")) || q.OrderID != o.OrderID {
			t.Fatalf("query %+v %v", q, err)
		}
	})
}

// TestLabelIsNoUniquenessKey: Deribit takes two orders with one label; a
// query by it finds the open one, and a cancel by it refuses rather than
// cancel both, while each still cancels by its order id.
func TestLabelIsNoUniquenessKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, deribittest.TradePerms(""))
		ctx := context.Background()
		a := limitBuy(linear, d("0.001"), d("30000"))
		b := a
		b.Price = d("29000")
		oa, err := f.c.Place(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		ob, err := f.c.Place(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if oa.ClientID != ob.ClientID || oa.OrderID == ob.OrderID {
			t.Fatalf("two orders %+v %+v", oa, ob)
		}
		_, err = f.c.Cancel(ctx, exchange.OrderRef{Symbol: linear, ClientID: a.ClientID})
		if exchange.KindOf(err) != exchange.KindBadRequest || !strings.Contains(err.Error(), "2 open orders") {
			t.Fatalf("cancel by a label on two orders: %v", err)
		}
		if n := len(f.srv.Sim().OpenOrders(deribittest.DefaultAccount, "")); n != 2 {
			t.Fatalf("%d open orders after the refused cancel", n)
		}
		if _, err := f.c.Cancel(ctx, exchange.OrderRef{Symbol: linear, OrderID: oa.OrderID}); err != nil {
			t.Fatal(err)
		}
		q, err := f.c.Query(ctx, exchange.OrderRef{Symbol: linear, ClientID: a.ClientID})
		if err != nil || q.OrderID != ob.OrderID || q.Status != exchange.StatusNew {
			t.Fatalf("query by label finds %+v %v, want the open %s", q, err, ob.OrderID)
		}
		cx, err := f.c.Cancel(ctx, exchange.OrderRef{Symbol: linear, ClientID: a.ClientID})
		if err != nil || cx.OrderID != ob.OrderID || cx.Status != exchange.StatusCanceled {
			t.Fatalf("cancel by the label on one open order: %+v %v", cx, err)
		}
		if _, err := f.c.Cancel(ctx, exchange.OrderRef{Symbol: linear, ClientID: a.ClientID}); exchange.KindOf(err) != exchange.KindNotFound {
			t.Fatalf("cancel by a label whose orders are closed: %v", err)
		}
	})
}

// TestStampRefusedAndRetried: Deribit takes a signature's timestamp for
// 60 s; a clock stepped 90 s either way is refused once, measured again
// from public/get_time, and the request sent once more succeeds.
func TestStampRefusedAndRetried(t *testing.T) {
	for _, step := range []time.Duration{90 * time.Second, -90 * time.Second} {
		t.Run(step.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, deribittest.TradePerms(""))
				ctx := context.Background()
				if err := f.c.SyncClock(ctx); err != nil {
					t.Fatal(err)
				}
				f.srv.Sim().SetSkew(step)
				if _, err := f.c.Balances(ctx); err != nil {
					t.Fatalf("not recovered: %v", err)
				}
				if n := f.srv.StampRefusals(); n != 1 {
					t.Errorf("%d timestamp refusals, want 1", n)
				}
				if off := f.c.Clock().Offset; (off - step).Abs() > 50*time.Millisecond {
					t.Errorf("offset %v after the retry, want %v", off, step)
				}
			})
		})
	}
}

// TestEveryAnswerIsAClockSample: usIn/usOut on every reply feed the
// estimate, so it follows the venue without a time probe.
func TestEveryAnswerIsAClockSample(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, deribittest.TradePerms(""))
		ctx := context.Background()
		if err := f.c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		before := f.c.Clock().Samples
		for range 3 {
			if _, err := f.c.Balances(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := f.c.Clock().Samples; got < before+3 {
			t.Errorf("samples %d after three balance reads, %d before", got, before)
		}
	})
}

// TestKeyAuditFromScope reads the scope public/auth grants: wallet
// read_write is withdrawal, a danger; the keys pane learns cancel on
// disconnect's state from the notes.
func TestKeyAuditFromScope(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, deribittest.Perms{Withdraw: true, IPs: []string{"127.0.0.1", "10.0.0.1"}}, deribit.WithCancelOnDisconnect(true))
		ki, err := f.c.KeyInfo(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if ki.Withdraw != exchange.TriYes || ki.Trade != exchange.TriYes || ki.IPBound != exchange.TriYes || !slices.Equal(ki.IPs, []string{"127.0.0.1", "10.0.0.1"}) {
			t.Errorf("key %+v", ki)
		}
		notes := strings.Join(ki.Notes, "\n")
		if !strings.Contains(notes, "WITHDRAW") || !strings.Contains(notes, "cancel on disconnect ON") {
			t.Errorf("notes %q", notes)
		}
	})
}

// TestHeartbeatAnsweredAndLateAnswerReconnects: every test_request is
// answered (minutes pass with no reconnect); then one answer comes too
// late, Deribit closes the socket, and the stream comes back with the
// order that filled meanwhile kept as filled and nothing lost.
func TestHeartbeatAnsweredAndLateAnswerReconnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, deribittest.TradePerms(""))
		ctx := context.Background()
		if err := f.c.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		x := f.srv.Sim()
		price, _ := x.Price(linear)
		resting := price.Mul(d("0.9")).Floor()
		o, err := f.c.Place(ctx, limitBuy(linear, d("0.001"), resting))
		if err != nil {
			t.Fatal(err)
		}
		// vigil's own ping is a public/test too, which Deribit may take
		// for an answer: here it goes out hourly, so only the answers to
		// test_requests keep the connection.
		st := deribit.NewStreamer(f.c, wsconn.WithHeartbeat(time.Hour, 10*time.Second))
		env := streamtest.Start(t, streamtest.Config{Account: "acct", Venue: f.c, Streamer: st, AuditEvery: time.Hour})
		env.WaitLive(5 * time.Second)
		time.Sleep(2*time.Minute + 5*time.Second) // four test_requests
		synctest.Wait()
		if n := env.Reconnects(); n != 0 {
			t.Fatalf("%d reconnects while every heartbeat was answered: %q", n, env.Logs())
		}

		f.srv.LateHeartbeats(1)
		time.Sleep(31 * time.Second)
		x.SetPrice(linear, resting.Sub(d("100")))
		for start := time.Now(); env.Reconnects() == 0 || env.Status().State != exchange.StreamLive; {
			if time.Since(start) > 30*time.Second {
				t.Fatalf("not back after the late heartbeat: %q", env.Logs())
			}
			time.Sleep(10 * time.Millisecond)
		}
		synctest.Wait()
		if n := env.Reconnects(); n != 1 {
			t.Errorf("%d reconnects for one late heartbeat", n)
		}
		if k, _ := env.State().Order("acct", exchange.OrderRef{OrderID: o.OrderID}); k.Status != exchange.StatusFilled {
			t.Errorf("the order that filled around the drop kept as %s", k.Status)
		}
		closed := slices.ContainsFunc(f.srv.StreamHistory(), func(e sim.WSConnEvent) bool { return e.Change == sim.WSServerClosed })
		if !closed {
			t.Errorf("the fake did not close the connection: %+v", f.srv.StreamHistory())
		}
		env.CheckTruth(x, deribittest.DefaultAccount)
		if f.srv.CancelOnDisconnect(deribittest.DefaultAccount) {
			t.Error("the stream turned cancel on disconnect on, unasked")
		}
	})
}

// TestCreditsKeepBackgroundBackFirst: background reads stop at a
// quarter of the pool, so orders still find credits when polling has
// spent the rest; the pools are the sizes get_account_summaries reports.
func TestCreditsKeepBackgroundBackFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, deribittest.TradePerms(""))
		ctx := context.Background()
		if _, err := f.c.Balances(ctx); err != nil {
			t.Fatal(err)
		}
		var credits exchange.Bucket
		for _, b := range f.c.Budget().Buckets {
			if b.Name == "credits" {
				credits = b
			}
		}
		if credits.Shape != exchange.ShapeCredits || credits.Limit != 50000 || credits.Rate != 10000 {
			t.Fatalf("credits bucket %+v", credits)
		}
		// Time stands still in the bubble until a read has to wait for
		// credits to refill.
		bg := exchange.WithPriority(ctx, exchange.Background)
		start, n := time.Now(), 0
		for ; n < 200 && time.Now().Equal(start); n++ {
			if _, err := f.c.Balances(bg); err != nil {
				t.Fatalf("background read %d: %v", n, err)
			}
		}
		if n < 60 || n > 76 {
			t.Fatalf("%d background reads before the first wait, want about three quarters of the pool's 100", n)
		}
		at := time.Now()
		if _, err := f.c.Place(ctx, limitBuy(linear, d("0.001"), d("30000"))); err != nil {
			t.Fatalf("an order after the polls: %v", err)
		}
		if !time.Now().Equal(at) {
			t.Errorf("the order waited %v for credits the polls had left it", time.Since(at))
		}
	})
}

// TestCancelOnDisconnectFollowsTheConfig: the descriptor's Open passes
// the account's cancel_on_disconnect, and the stream login sets it on
// the venue either way.
func TestCancelOnDisconnectFollowsTheConfig(t *testing.T) {
	for _, on := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			srv := deribittest.New()
			defer srv.Close()
			srv.AddKey(keyID, keySecret, deribittest.TradePerms(""))
			mem := sim.NewMemNet(srv.Handler())
			defer mem.Close()
			v, err := deribit.Descriptor.Open(kit.Params{
				Info:  exchange.AccountInfo{Name: "acct", Venue: "deribit", Network: exchange.Testnet},
				Creds: kit.Credentials{KeyID: keyID, Scheme: exchange.SchemeHMAC, Secret: secret(keySecret)},
				REST:  "http://venue.fake", WS: "ws://venue.fake" + deribittest.WSPath, HTTPClient: mem.Client(), CancelOnDisconnect: on,
			})
			if err != nil {
				t.Fatal(err)
			}
			c := v.(*deribit.Client)
			st, err := c.Stream(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if c.CancelOnDisconnect() != on || srv.CancelOnDisconnect(deribittest.DefaultAccount) != on {
				t.Errorf("config %v: client %v, venue %v", on, c.CancelOnDisconnect(), srv.CancelOnDisconnect(deribittest.DefaultAccount))
			}
		})
	}
}

// TestPositionsReadAndPushed: private/get_positions lists the account's
// net position with its entry, mark, liquidation estimate and USD
// notional; a fill on the stream pushes the whole set again.
func TestPositionsReadAndPushed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, deribittest.TradePerms(""))
		ctx := context.Background()
		x := f.srv.Sim()
		x.SetPrice(linear, d("60000"))
		buy := limitBuy(linear, d("0.05"), d("60000"))
		if _, err := f.c.Place(ctx, buy); err != nil {
			t.Fatal(err)
		}
		x.SetPrice(linear, d("62000"))
		ps, err := f.c.Positions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 1 {
			t.Fatalf("positions %+v", ps)
		}
		p := ps[0]
		if p.Symbol != linear || !p.Size.Equal(d("0.05")) || p.Unit != "BTC" || p.Side() != "long" || !p.Entry.Equal(d("60000")) ||
			!p.Mark.Equal(d("62000")) || !p.Notional.Equal(d("3100")) || p.NotionalIn != "USD" || !p.PnL.Equal(d("100")) ||
			!p.Liquidation.IsPositive() || p.Settle != "USDC" || p.Kind != exchange.KindPerpetual {
			t.Fatalf("position %+v", p)
		}

		env := streamtest.Start(t, streamtest.Config{Account: "acct", Venue: f.c, Streamer: f.c, AuditEvery: time.Hour})
		env.WaitLive(5 * time.Second)
		sell := buy
		sell.Side, sell.Qty, sell.Price, sell.ClientID = exchange.Sell, d("0.02"), d("61000"), deribit.ClientIDPolicy.New(time.Now())
		if _, err := f.c.Place(ctx, sell); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		var last []exchange.Position
		for _, ev := range env.Events() {
			if ev.Positions != nil {
				last = ev.Positions
			}
		}
		if len(last) != 1 || !last[0].Size.Equal(d("0.03")) {
			t.Fatalf("pushed positions %+v, want 0.03 BTC long", last)
		}
	})
}

// TestStreamLogsInAgainBeforeTokensAge: the connection's login is signed
// again every 10 minutes on the same socket (no token is kept to refresh
// with), and nothing reconnects for it.
func TestStreamLogsInAgainBeforeTokensAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, deribittest.TradePerms(""))
		if err := f.c.SyncClock(context.Background()); err != nil {
			t.Fatal(err)
		}
		env := streamtest.Start(t, streamtest.Config{Account: "acct", Venue: f.c, Streamer: f.c, AuditEvery: time.Hour})
		env.WaitLive(5 * time.Second)
		time.Sleep(31 * time.Minute)
		synctest.Wait()
		if n := f.srv.StreamLogins(); n != 4 {
			t.Errorf("%d logins in 31 minutes on one connection, want the first and three more", n)
		}
		if n := env.Reconnects(); n != 0 {
			t.Errorf("%d reconnects: %q", n, env.Logs())
		}
	})
}
