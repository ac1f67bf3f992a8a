package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func btcRules() exchange.SymbolRules {
	return exchange.SymbolRules{
		Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT", Trading: true,
		TickSize: d("0.01"), MinPrice: d("0.01"), MaxPrice: d("1000000"),
		StepSize: d("0.00001"), MinQty: d("0.00001"), MaxQty: d("9000"),
		MarketMinQty: d("0.00001"), MarketMaxQty: d("100"),
		MinNotional: d("5"), NotionalAppliesToMarket: true,
	}
}

func newTestExchange(t *testing.T, opts ...Option) *Exchange {
	t.Helper()
	x := New(opts...)
	if err := x.AddSymbol(SymbolSpec{Rules: btcRules(), Price: d("50000"), Walk: d("5")}); err != nil {
		t.Fatal(err)
	}
	must(t, x.Deposit("alice", "USDT", d("100000")))
	must(t, x.Deposit("alice", "BTC", d("2")))
	return x
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func limit(side exchange.Side, tif exchange.TimeInForce, qty, price, cid string) exchange.OrderRequest {
	return exchange.OrderRequest{Symbol: "BTCUSDT", Side: side, Type: exchange.LimitOrder, TIF: tif, Qty: d(qty), Price: d(price), ClientID: cid}
}

func eqDec(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(d(want)) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func TestRestingBuyFillsWhenPriceFallsToIt(t *testing.T) {
	x := newTestExchange(t)
	o, fills, err := x.Place("alice", limit(exchange.Buy, exchange.GTC, "0.5", "49000", "b1"))
	must(t, err)
	if len(fills) != 0 || o.Status != exchange.StatusNew {
		t.Fatalf("non-marketable buy: status %s fills %d", o.Status, len(fills))
	}
	id, err := ParseOrderID(o.OrderID)
	must(t, err)
	if id != DefaultOrderIDStart {
		t.Errorf("first order id %d, want %d", id, DefaultOrderIDStart)
	}
	usdt := x.Balance("alice", "USDT")
	eqDec(t, "locked USDT", usdt.Locked, "24500")
	eqDec(t, "free USDT", usdt.Free, "75500")

	x.SetPrice("BTCUSDT", d("49000.01"))
	if got, _ := x.OrderByID("alice", id); got.Status != exchange.StatusNew {
		t.Fatalf("filled above its price: %s", got.Status)
	}
	x.SetPrice("BTCUSDT", d("48000"))
	got, _ := x.OrderByID("alice", id)
	if got.Status != exchange.StatusFilled {
		t.Fatalf("status %s after price fell through", got.Status)
	}
	// The resting order is the maker and trades at its own price.
	eqDec(t, "quote filled", got.QuoteFilled, "24500")
	usdt = x.Balance("alice", "USDT")
	eqDec(t, "locked USDT after fill", usdt.Locked, "0")
	eqDec(t, "free USDT after fill", usdt.Free, "75500")
	eqDec(t, "BTC", x.Balance("alice", "BTC").Free, "2.5")
}

func TestMarketableLimitFillsAtCurrentPriceAndRefunds(t *testing.T) {
	x := newTestExchange(t)
	o, fills, err := x.Place("alice", limit(exchange.Buy, exchange.GTC, "1", "51000", "b1"))
	must(t, err)
	if o.Status != exchange.StatusFilled || len(fills) != 1 {
		t.Fatalf("status %s fills %d", o.Status, len(fills))
	}
	eqDec(t, "fill price", fills[0].Price, "50000")
	usdt := x.Balance("alice", "USDT")
	eqDec(t, "free USDT", usdt.Free, "50000")
	eqDec(t, "locked USDT", usdt.Locked, "0")

	o, fills, err = x.Place("alice", exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.MarketOrder, Qty: d("0.25")})
	must(t, err)
	if o.Status != exchange.StatusFilled || len(fills) != 1 || o.Price.Sign() != 0 {
		t.Fatalf("market sell: status %s fills %d price %s", o.Status, len(fills), o.Price)
	}
	eqDec(t, "USDT after sell", x.Balance("alice", "USDT").Free, "62500")
	eqDec(t, "BTC after sell", x.Balance("alice", "BTC").Free, "2.75")
}

func TestPartialFillsWithMaxFill(t *testing.T) {
	x := newTestExchange(t, WithMaxFill(d("0.3")))
	events, cancel := x.Subscribe("alice")
	defer cancel()
	o, fills, err := x.Place("alice", limit(exchange.Sell, exchange.GTC, "1", "50000", "s1"))
	must(t, err)
	if o.Status != exchange.StatusPartiallyFilled || len(fills) != 1 {
		t.Fatalf("status %s fills %d", o.Status, len(fills))
	}
	id, _ := ParseOrderID(o.OrderID)
	var statuses []exchange.OrderStatus
	for range 5 {
		x.SetPrice("BTCUSDT", d("50001"))
		got, _ := x.OrderByID("alice", id)
		statuses = append(statuses, got.Status)
	}
	want := []exchange.OrderStatus{exchange.StatusPartiallyFilled, exchange.StatusPartiallyFilled, exchange.StatusFilled, exchange.StatusFilled, exchange.StatusFilled}
	if fmt.Sprint(statuses) != fmt.Sprint(want) {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}
	fs := x.Fills("alice", id)
	if len(fs) != 4 {
		t.Fatalf("%d fills, want 4 (0.3+0.3+0.3+0.1)", len(fs))
	}
	eqDec(t, "last chunk", fs[3].Qty, "0.1")
	eqDec(t, "BTC locked", x.Balance("alice", "BTC").Locked, "0")

	var kinds []exchange.EventKind
	for len(events) > 0 {
		e := <-events
		if e.Type == OrderChanged {
			kinds = append(kinds, e.Order.Kind)
		}
	}
	wantKinds := []exchange.EventKind{exchange.EventAck, exchange.EventFill, exchange.EventFill, exchange.EventFill, exchange.EventFill}
	if fmt.Sprint(kinds) != fmt.Sprint(wantKinds) {
		t.Errorf("order events %v, want %v", kinds, wantKinds)
	}
}

func TestIOCAndFOK(t *testing.T) {
	x := newTestExchange(t, WithMaxFill(d("0.4")))
	o, _, err := x.Place("alice", limit(exchange.Buy, exchange.IOC, "1", "50000", "ioc"))
	must(t, err)
	if o.Status != exchange.StatusExpired || !o.Filled.Equal(d("0.4")) {
		t.Errorf("IOC: status %s filled %s, want EXPIRED 0.4", o.Status, o.Filled)
	}
	o, _, err = x.Place("alice", limit(exchange.Buy, exchange.IOC, "1", "40000", "ioc2"))
	must(t, err)
	if o.Status != exchange.StatusExpired || !o.Filled.IsZero() {
		t.Errorf("non-marketable IOC: status %s filled %s", o.Status, o.Filled)
	}
	o, _, err = x.Place("alice", limit(exchange.Buy, exchange.FOK, "1", "50000", "fok"))
	must(t, err)
	if o.Status != exchange.StatusExpired || !o.Filled.IsZero() {
		t.Errorf("FOK over max fill: status %s filled %s", o.Status, o.Filled)
	}
	o, _, err = x.Place("alice", limit(exchange.Buy, exchange.FOK, "0.4", "50000", "fok2"))
	must(t, err)
	if o.Status != exchange.StatusFilled {
		t.Errorf("FOK within max fill: status %s", o.Status)
	}
	o, _, err = x.Place("alice", exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.MarketOrder, Qty: d("1")})
	must(t, err)
	if o.Status != exchange.StatusExpired || !o.Filled.Equal(d("0.4")) {
		t.Errorf("market: status %s filled %s", o.Status, o.Filled)
	}
	if len(x.OpenOrders("alice", "")) != 0 {
		t.Errorf("IOC/FOK/market left open orders")
	}
	if b := x.Balance("alice", "USDT"); !b.Locked.IsZero() {
		t.Errorf("USDT still locked: %s", b.Locked)
	}
}

func TestRejects(t *testing.T) {
	x := newTestExchange(t)
	_, _, err := x.Place("alice", limit(exchange.Buy, exchange.GTC, "0.1", "40000", "dup"))
	must(t, err)
	mkt := func(qty string) exchange.OrderRequest {
		return exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.MarketOrder, Qty: d(qty)}
	}
	cases := []struct {
		name   string
		req    exchange.OrderRequest
		kind   exchange.Kind
		rule   string
		market bool
	}{
		{"unknown symbol", exchange.OrderRequest{Symbol: "NOPE", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC, Qty: d("1"), Price: d("1")}, exchange.KindBadRequest, "symbol", false},
		{"off tick", limit(exchange.Buy, exchange.GTC, "0.1", "40000.005", "a"), exchange.KindFilter, exchange.RuleTick, false},
		{"price too high", limit(exchange.Buy, exchange.GTC, "0.1", "2000000", "a"), exchange.KindFilter, exchange.RulePrice, false},
		{"qty below min", limit(exchange.Buy, exchange.GTC, "0.000001", "40000", "a"), exchange.KindFilter, exchange.RuleQty, false},
		{"off step", limit(exchange.Buy, exchange.GTC, "0.100005", "40000", "a"), exchange.KindFilter, exchange.RuleStep, false},
		{"notional", limit(exchange.Buy, exchange.GTC, "0.0001", "40000", "a"), exchange.KindFilter, exchange.RuleNotional, false},
		{"market lot", mkt("101"), exchange.KindFilter, exchange.RuleQty, true},
		{"bad tif", limit(exchange.Buy, "GTX", "0.1", "40000", "a"), exchange.KindBadRequest, "timeInForce", false},
		{"insufficient", limit(exchange.Buy, exchange.GTC, "3", "40000", "a"), exchange.KindBalance, "", false},
		{"insufficient base", limit(exchange.Sell, exchange.GTC, "3", "60000", "a"), exchange.KindBalance, "", false},
		{"duplicate open client id", limit(exchange.Buy, exchange.GTC, "0.1", "40000", "dup"), exchange.KindDuplicate, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(x.Orders("alice"))
			_, _, err := x.Place("alice", c.req)
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("err %v, want *sim.Error", err)
			}
			if se.Kind != c.kind || se.Rule != c.rule || se.Market != c.market {
				t.Errorf("got kind %d rule %q market %v, want %d %q %v", se.Kind, se.Rule, se.Market, c.kind, c.rule, c.market)
			}
			if len(x.Orders("alice")) != before {
				t.Errorf("a rejected order was kept")
			}
		})
	}
	// A client id is unique among open orders only: free again once closed.
	o, ok := x.OrderByClientID("alice", "dup")
	if !ok {
		t.Fatal("lookup by client id failed")
	}
	id, _ := ParseOrderID(o.OrderID)
	_, err = x.Cancel("alice", id)
	must(t, err)
	var se *Error
	if _, err := x.Cancel("alice", id); !errors.As(err, &se) || se.Kind != exchange.KindNotFound {
		t.Errorf("second cancel: err %v, want KindNotFound", err)
	}
	o2, _, err := x.Place("alice", limit(exchange.Buy, exchange.GTC, "0.1", "40000", "dup"))
	must(t, err)
	if latest, _ := x.OrderByClientID("alice", "dup"); latest.OrderID != o2.OrderID {
		t.Errorf("client id lookup returned %s, want latest %s", latest.OrderID, o2.OrderID)
	}
	if n := x.ClientIDCount("alice", "dup"); n != 2 {
		t.Errorf("ClientIDCount = %d, want 2", n)
	}
	if _, err := x.CancelByClientID("alice", "dup"); err != nil {
		t.Errorf("cancel by client id: %v", err)
	}
}

// TestLedgerConservation drives many accounts with random orders, cancels and
// price steps and checks that no asset is created or destroyed and that
// locked funds match what open orders reserve.
func TestLedgerConservation(t *testing.T) {
	x := New(WithSeed(7), WithMaxFill(d("0.05")), WithFeeRate(d("0.001")))
	must(t, x.AddSymbol(SymbolSpec{Rules: btcRules(), Price: d("50000"), Walk: d("50")}))
	eth := btcRules()
	eth.Symbol, eth.Base = "ETHBTC", "ETH"
	eth.Quote, eth.TickSize, eth.MinPrice, eth.MinNotional, eth.StepSize, eth.MinQty = "BTC", d("0.00001"), d("0.00001"), d("0.0001"), d("0.001"), d("0.001")
	must(t, x.AddSymbol(SymbolSpec{Rules: eth, Price: d("0.05"), Walk: d("0.0002")}))
	accts := []string{"a", "b", "c"}
	for _, a := range accts {
		must(t, x.Deposit(a, "USDT", d("20000")))
		must(t, x.Deposit(a, "BTC", d("1")))
		must(t, x.Deposit(a, "ETH", d("10")))
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		a := accts[rnd.IntN(len(accts))]
		switch rnd.IntN(4) {
		case 0, 1:
			sym := "BTCUSDT"
			qty := decimal.New(int64(1+rnd.IntN(20)), -2)
			p, _ := x.Price(sym)
			tick := d("0.01")
			if rnd.IntN(2) == 0 {
				sym, qty, tick = "ETHBTC", decimal.New(int64(1+rnd.IntN(50)), -1), d("0.00001")
				p, _ = x.Price(sym)
			}
			price := p.Add(tick.Mul(decimal.NewFromInt(int64(rnd.IntN(200) - 100))))
			side := exchange.Buy
			if rnd.IntN(2) == 0 {
				side = exchange.Sell
			}
			tif := []exchange.TimeInForce{exchange.GTC, exchange.GTC, exchange.IOC, exchange.FOK}[rnd.IntN(4)]
			req := exchange.OrderRequest{Symbol: sym, Side: side, Type: exchange.LimitOrder, TIF: tif, Qty: qty, Price: price, ClientID: fmt.Sprint("c", i)}
			if rnd.IntN(5) == 0 {
				req.Type, req.TIF, req.Price = exchange.MarketOrder, "", decimal.Zero
			}
			_, _, _ = x.Place(a, req) // rejects are part of the mix
		case 2:
			if open := x.OpenOrders(a, ""); len(open) > 0 {
				id, _ := ParseOrderID(open[rnd.IntN(len(open))].OrderID)
				_, err := x.Cancel(a, id)
				must(t, err)
			}
		case 3:
			x.Step()
		}
		if i%50 == 0 || i == 1999 {
			checkLedger(t, x, accts)
		}
	}
	if x.Counterparty("BTC").IsZero() {
		t.Error("no trading happened")
	}
}

func checkLedger(t *testing.T, x *Exchange, accts []string) {
	t.Helper()
	for _, asset := range []string{"USDT", "BTC", "ETH"} {
		if s, dep := x.Supply(asset), x.Deposited(asset); !s.Equal(dep) {
			t.Fatalf("%s supply %s != deposited %s", asset, s, dep)
		}
	}
	for _, a := range accts {
		reserved := map[string]decimal.Decimal{}
		for _, o := range x.OpenOrders(a, "") {
			rules, _ := x.Symbol(o.Symbol)
			rem := o.Qty.Sub(o.Filled)
			if o.Side == exchange.Buy {
				reserved[rules.Quote] = reserved[rules.Quote].Add(rem.Mul(o.Price))
			} else {
				reserved[rules.Base] = reserved[rules.Base].Add(rem)
			}
		}
		for _, b := range x.Balances(a) {
			if b.Free.IsNegative() {
				t.Fatalf("%s %s free negative: %s", a, b.Asset, b.Free)
			}
			if !b.Locked.Equal(reserved[b.Asset]) {
				t.Fatalf("%s %s locked %s, open orders reserve %s", a, b.Asset, b.Locked, reserved[b.Asset])
			}
		}
	}
}

func TestWalkIsDeterministic(t *testing.T) {
	run := func() []string {
		x := New(WithSeed(42))
		must(t, x.AddSymbol(SymbolSpec{Rules: btcRules(), Price: d("50000"), Walk: d("10")}))
		var out []string
		for range 50 {
			x.Step()
			p, _ := x.Price("BTCUSDT")
			out = append(out, p.String())
		}
		return out
	}
	a, b := run(), run()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same seed, different walk")
	}
	moved := false
	for _, p := range a {
		if p != "50000" {
			moved = true
		}
		if !d(p).Mod(d("0.01")).IsZero() || d(p).Sub(d("50000")).Abs().GreaterThan(d("500")) {
			t.Fatalf("price %s off tick or moved more than 50 steps of 10", p)
		}
	}
	if !moved {
		t.Fatal("walk never moved")
	}
}

func TestClockSkewAndDrift(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		x := New()
		if off := time.Until(x.Now()); off != 0 {
			t.Fatalf("fresh clock offset %v", off)
		}
		x.SetSkew(-1500 * time.Millisecond)
		if off := time.Until(x.Now()); off != -1500*time.Millisecond {
			t.Fatalf("skew: offset %v", off)
		}
		x.SetDrift(36 * time.Second) // 10 ms per second of base time
		time.Sleep(30 * time.Minute)
		if off := time.Until(x.Now()); off != -1500*time.Millisecond+18*time.Second {
			t.Fatalf("after 30 min of drift: offset %v", off)
		}
		// Changing the rate keeps what accrued.
		x.SetDrift(-36 * time.Second)
		time.Sleep(15 * time.Minute)
		if off := x.Offset(); off != -1500*time.Millisecond+9*time.Second {
			t.Fatalf("after rate change: offset %v", off)
		}
	})
}

func TestInjectedClock(t *testing.T) {
	base := time.UnixMilli(1499827319559)
	x := New(WithClock(func() time.Time { return base }))
	x.SetSkew(time.Second)
	if got := x.Now().UnixMilli(); got != 1499827320559 {
		t.Fatalf("Now = %d", got)
	}
}

func TestFaultTake(t *testing.T) {
	fs := NewFaults(1)
	if _, ok := fs.Take("GET /x"); ok {
		t.Fatal("empty schedule gave a fault")
	}
	fs.Add(Fault{Kind: Fault5xx, Op: "POST /api/order", Times: 2})
	fs.Add(Fault{Kind: FaultSlow, Op: "GET /api/*", Delay: time.Second})
	if _, ok := fs.Take("DELETE /api/order"); ok {
		t.Error("exact match matched another op")
	}
	for i := range 2 {
		f, ok := fs.Take("POST /api/order")
		if !ok || f.Kind != Fault5xx {
			t.Fatalf("take %d: %v %v", i, f.Kind, ok)
		}
	}
	if _, ok := fs.Take("POST /api/order"); ok {
		t.Error("fault with Times 2 fired three times")
	}
	for range 3 {
		if f, ok := fs.Take("GET /api/time"); !ok || f.Kind != FaultSlow || f.Delay != time.Second {
			t.Fatal("unlimited prefix fault did not fire")
		}
	}
	if fs.Taken(Fault5xx) != 2 || fs.Taken(FaultSlow) != 3 {
		t.Errorf("taken counts %d %d", fs.Taken(Fault5xx), fs.Taken(FaultSlow))
	}
	fs.Clear()
	id := fs.Add(Fault{Kind: FaultHang, Prob: 0.25})
	hits := 0
	for range 4000 {
		if _, ok := fs.Take("any"); ok {
			hits++
		}
	}
	if hits < 850 || hits > 1150 {
		t.Errorf("probability 0.25 fired %d of 4000", hits)
	}
	fs.Remove(id)
	if fs.Pending() != 0 {
		t.Error("Remove left the fault scheduled")
	}
	// Same seed, same draws.
	a, b := NewFaults(9), NewFaults(9)
	a.Add(Fault{Kind: FaultGarbage, Prob: 0.5})
	b.Add(Fault{Kind: FaultGarbage, Prob: 0.5})
	for i := range 100 {
		_, x := a.Take("op")
		_, y := b.Take("op")
		if x != y {
			t.Fatalf("draw %d differs under the same seed", i)
		}
	}
}

func TestSubscriptionOrderAndOverflow(t *testing.T) {
	x := newTestExchange(t, WithEventBuffer(8))
	ch, cancel := x.Subscribe("alice")
	start := x.Seq("alice")
	_, _, err := x.Place("alice", limit(exchange.Buy, exchange.GTC, "0.1", "50000", "e1"))
	must(t, err)
	var got []Event
	for len(ch) > 0 {
		got = append(got, <-ch)
	}
	// ACK, lock balance, FILL, balances after the fill.
	if len(got) != 4 {
		t.Fatalf("%d events, want 4", len(got))
	}
	for i, e := range got {
		if e.Seq != start+uint64(i)+1 {
			t.Errorf("event %d seq %d, want %d", i, e.Seq, start+uint64(i)+1)
		}
		if e.Account != "alice" || e.Time.IsZero() {
			t.Errorf("event %d: account %q time %v", i, e.Account, e.Time)
		}
	}
	if got[0].Type != OrderChanged || got[0].Order.Kind != exchange.EventAck ||
		got[1].Type != BalanceChanged || got[2].Order.Kind != exchange.EventFill || got[3].Type != BalanceChanged {
		t.Errorf("event order wrong: %+v", got)
	}
	// A subscriber that stops reading is cut off, never silently skipped.
	for i := range 10 {
		_, _, _ = x.Place("alice", limit(exchange.Buy, exchange.GTC, "0.1", "40000", fmt.Sprint("o", i)))
	}
	n := 0
	for range ch {
		n++
	}
	if n != 8 {
		t.Errorf("read %d buffered events before close, want 8", n)
	}
	cancel() // after overflow: harmless
	ch2, cancel2 := x.Subscribe("alice")
	cancel2()
	if _, ok := <-ch2; ok {
		t.Error("cancelled subscription still open")
	}
}

func TestLatency(t *testing.T) {
	x := New(WithSeed(3))
	if rq, rs := x.Latency(); rq != 0 || rs != 0 {
		t.Fatalf("default latency %v %v", rq, rs)
	}
	x.SetLatency(LatencyConfig{Request: Leg{Mean: 40 * time.Millisecond, Jitter: 10 * time.Millisecond}, Response: Leg{Mean: 5 * time.Millisecond}})
	var sum time.Duration
	for range 1000 {
		rq, rs := x.Latency()
		if rq < 30*time.Millisecond || rq > 50*time.Millisecond || rs != 5*time.Millisecond {
			t.Fatalf("latency %v %v out of range", rq, rs)
		}
		sum += rq
	}
	if mean := sum / 1000; mean < 39*time.Millisecond || mean > 41*time.Millisecond {
		t.Errorf("mean request leg %v", mean)
	}
}

func TestConcurrentUse(t *testing.T) {
	x := newTestExchange(t, WithMaxFill(d("0.01")))
	must(t, x.Deposit("bob", "USDT", d("100000")))
	ch, cancel := x.Subscribe("bob")
	defer cancel()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			acct := []string{"alice", "bob"}[g%2]
			for i := range 100 {
				o, _, err := x.Place(acct, limit(exchange.Buy, exchange.GTC, "0.01", "49990", fmt.Sprint(g, "-", i)))
				if err != nil {
					continue
				}
				if i%3 == 0 {
					id, _ := ParseOrderID(o.OrderID)
					_, _ = x.Cancel(acct, id)
				}
			}
		})
	}
	wg.Go(func() {
		for range 300 {
			x.Step()
		}
	})
	wg.Wait()
	checkLedger(t, x, []string{"alice", "bob"})
	var last uint64
	for len(ch) > 0 {
		e := <-ch
		if e.Seq != last+1 && last != 0 {
			t.Fatalf("seq jumped %d -> %d", last, e.Seq)
		}
		last = e.Seq
	}
}
