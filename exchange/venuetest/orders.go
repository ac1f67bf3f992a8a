package venuetest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/orders"
	"github.com/vigil-trade/vigil/store"
)

// rules: the client decodes the symbol's rules as the fake has them, and
// an order breaking one is refused by the fake with the venue's code, sent
// once and held nowhere.
func (h Harness) rules(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := h.begin(t, Setup{})
		c := e.open()
		ctx := context.Background()
		got, err := c.Rules(ctx, h.Symbol)
		if err != nil {
			t.Fatal(err)
		}
		want := e.rules
		for _, d := range []struct {
			name      string
			got, want decimal.Decimal
		}{
			{"tick", got.TickSize, want.TickSize}, {"step", got.StepSize, want.StepSize},
			{"min qty", got.MinQty, want.MinQty}, {"min notional", got.MinNotional, want.MinNotional},
		} {
			if !d.got.Equal(d.want) {
				t.Errorf("%s decoded as %s, the fake has %s", d.name, d.got, d.want)
			}
		}
		if got.Symbol != h.Symbol || got.Base != want.Base || got.Quote != want.Quote || !got.Trading {
			t.Errorf("rules %+v, the fake has %+v", got, want)
		}
		if h.NoMinNotional != "" && want.MinNotional.IsPositive() {
			t.Errorf("the harness says %q, yet the fake has a minimum notional of %s", h.NoMinNotional, want.MinNotional)
		}

		price := e.restingPrice()
		qty := decimal.RequireFromString("0.001")
		breaks := []struct {
			rule       string
			qty, price decimal.Decimal
		}{
			{exchange.RuleTick, qty, price.Add(want.TickSize.Div(decimal.NewFromInt(2)))},
			{exchange.RuleStep, qty.Add(want.StepSize.Div(decimal.NewFromInt(2))), price},
			{exchange.RuleQty, want.MinQty.Div(decimal.NewFromInt(2)), price},
		}
		if want.MinNotional.IsPositive() {
			// The smallest quantity the rules allow, at a price low enough
			// that it is worth less than the minimum.
			p := onTick(want.MinNotional.Div(want.MinQty).Div(decimal.NewFromInt(2)), want.TickSize)
			if p.LessThan(want.MinPrice) || !p.IsPositive() {
				t.Fatalf("no price on %s's tick puts %s below the %s minimum notional", h.Symbol, want.MinQty, want.MinNotional)
			}
			breaks = append(breaks, struct {
				rule       string
				qty, price decimal.Decimal
			}{exchange.RuleNotional, want.MinQty, p})
		}
		for _, b := range breaks {
			req := e.limitBuy(b.price)
			req.Qty = b.qty
			from := len(e.log())
			o, err := c.Place(ctx, req)
			if h.RoundsToGrid != "" && (b.rule == exchange.RuleTick || b.rule == exchange.RuleStep) {
				e.onGrid(ctx, c, req, o, err)
				continue
			}
			var ae *exchange.APIError
			switch {
			case !errors.As(err, &ae):
				t.Errorf("%s: %s at %s: want the venue's refusal, got %v", b.rule, b.qty, b.price, err)
				continue
			case exchange.IsAmbiguous(err):
				t.Errorf("%s: a refusal read as ambiguous: %v", b.rule, err)
			case ae.Code != h.FilterCodes[b.rule]:
				t.Errorf("%s: code %q, want %q (%v)", b.rule, ae.Code, h.FilterCodes[b.rule], err)
			}
			if n := e.count(from, h.Ops.Place); n != 1 {
				t.Errorf("%s: %d placements reached the fake, want the one it refused", b.rule, n)
			}
			if n := e.f.Sim().ClientIDCount(e.f.Account, req.ClientID); n != 0 {
				t.Errorf("%s: the fake holds %d orders", b.rule, n)
			}
		}
	})
}

// onGrid expects an order placed off the tick or step to have been
// rounded onto it (Harness.RoundsToGrid), and cancels it.
func (e *env) onGrid(ctx context.Context, c Client, req exchange.OrderRequest, o exchange.Order, err error) {
	e.t.Helper()
	r := e.rules
	if err != nil {
		e.t.Errorf("%s at %s: %v; the harness says %q", req.Qty, req.Price, err, e.h.RoundsToGrid)
		return
	}
	if !o.Price.Sub(r.MinPrice).Mod(r.TickSize).IsZero() || !o.Qty.Sub(r.MinQty).Mod(r.StepSize).IsZero() ||
		o.Price.Sub(req.Price).Abs().GreaterThan(r.TickSize) || o.Qty.Sub(req.Qty).Abs().GreaterThan(r.StepSize) {
		e.t.Errorf("asked %s at %s, placed %s at %s: not the nearest values on the grid", req.Qty, req.Price, o.Qty, o.Price)
	}
	if _, err := c.Cancel(ctx, exchange.OrderRef{Symbol: req.Symbol, ClientID: req.ClientID}); err != nil {
		e.t.Error(err)
	}
}

// orders: place, query by client id and by order id, open orders and
// cancel, with a key of each scheme, over real loopback HTTP; every
// request is accepted but the query for an id never placed, which is a
// plain not-found.
func (h Harness) orders(t *testing.T) {
	for _, sc := range h.Schemes {
		t.Run(string(sc), func(t *testing.T) { h.ordersWith(t, sc) })
	}
}

func (h Harness) ordersWith(t *testing.T, sc exchange.Scheme) {
	e := h.fake(t, Setup{})
	srv := httptest.NewServer(e.f.Handler())
	t.Cleanup(srv.Close)
	e.link = Link{REST: srv.URL, WS: "ws" + srv.URL[len("http"):], Network: exchange.Testnet, Account: account}
	c := e.openWith(sc)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	x, acct, sym := e.f.Sim(), e.f.Account, h.Symbol

	req := e.limitBuy(e.restingPrice())
	o, err := c.Place(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	held, _ := x.OrderByClientID(acct, req.ClientID)
	if o.Status != exchange.StatusNew || o.ClientID != req.ClientID || o.OrderID != held.OrderID ||
		!o.Price.Equal(req.Price) || !o.Qty.Equal(req.Qty) {
		t.Fatalf("placed %+v; the fake holds %s", o, held.OrderID)
	}
	q, err := c.Query(ctx, exchange.OrderRef{Symbol: sym, ClientID: req.ClientID})
	if err != nil || q.OrderID != o.OrderID || q.Status != exchange.StatusNew || q.Side != exchange.Buy ||
		q.Type != exchange.LimitOrder || q.TIF != exchange.GTC || !q.Price.Equal(req.Price) || !q.Qty.Equal(req.Qty) || q.Created.IsZero() {
		t.Fatalf("query by client id %+v %v", q, err)
	}
	bal, err := c.Balances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lock := req.Qty.Mul(req.Price)
	if i := slices.IndexFunc(bal, func(b exchange.Balance) bool { return b.Asset == e.rules.Quote }); i < 0 || !bal[i].Locked.Equal(lock) {
		t.Fatalf("balances %v: want %s %s locked by the order", bal, lock, e.rules.Quote)
	}
	open, err := c.OpenOrders(ctx, sym)
	if err != nil || len(open) != 1 || open[0].OrderID != o.OrderID || open[0].ClientID != req.ClientID {
		t.Fatalf("open orders %+v %v", open, err)
	}
	cx, err := c.Cancel(ctx, exchange.OrderRef{Symbol: sym, ClientID: req.ClientID})
	if err != nil || cx.Status != exchange.StatusCanceled || cx.ClientID != req.ClientID || cx.OrderID != o.OrderID {
		t.Fatalf("cancel %+v %v", cx, err)
	}
	q, err = c.Query(ctx, exchange.OrderRef{Symbol: sym, OrderID: o.OrderID})
	if err != nil || q.Status != exchange.StatusCanceled || q.ClientID != req.ClientID {
		t.Fatalf("query by order id after the cancel %+v %v", q, err)
	}
	if open, err := c.OpenOrders(ctx, ""); err != nil || len(open) != 0 {
		t.Fatalf("open orders after the cancel %+v %v", open, err)
	}
	e.allAccepted(0)
	if _, err := c.Query(ctx, exchange.OrderRef{Symbol: sym, ClientID: "neverplaced"}); !errors.Is(err, exchange.ErrOrderNotFound) {
		t.Fatalf("an order never placed: %v, want ErrOrderNotFound", err)
	}
	if len(c.Budget().Buckets) == 0 {
		t.Error("the budget shows no bucket after a dozen requests")
	}
}

// concurrent: one client shared by the cockpit's pollers and its order
// entry, under -race.
func (h Harness) concurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := h.begin(t, Setup{})
		c := e.open()
		ctx := context.Background()
		base := e.restingPrice()
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				req := e.limitBuy(base.Sub(e.rules.TickSize.Mul(decimal.NewFromInt(int64(i)))))
				if _, err := c.Place(ctx, req); err != nil {
					t.Error(err)
					return
				}
				ref := exchange.OrderRef{Symbol: h.Symbol, ClientID: req.ClientID}
				if _, err := c.Query(ctx, ref); err != nil {
					t.Error(err)
				}
				if _, err := c.Cancel(ctx, ref); err != nil {
					t.Error(err)
				}
				_, _ = c.Budget(), c.Clock()
			})
		}
		wg.Wait()
		e.allAccepted(0)
		if open, err := c.OpenOrders(ctx, ""); err != nil || len(open) != 0 {
			t.Fatalf("open orders %v %v", open, err)
		}
	})
}

// lostAnswer: the fake applies a placement and the answer is lost. The
// orders desk journals it UNKNOWN, resolves it by asking for the client id
// and adopts the one order the venue holds; it never sends the order again
// unless the venue twice said it has none.
func (h Harness) lostAnswer(t *testing.T) {
	for _, f := range []sim.Fault{
		{Kind: sim.FaultDropAfterAccept},
		{Kind: sim.Fault5xx, Apply: true},
		{Kind: sim.Fault5xx, Apply: true, Status: http.StatusBadGateway},
		{Kind: sim.Fault5xx, Apply: true, Status: http.StatusGatewayTimeout},
		{Kind: sim.FaultGarbage},
		{Kind: sim.FaultHang},
	} {
		name := f.Kind.String()
		if f.Status != 0 {
			name += "-" + http.StatusText(f.Status)
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { h.lose(t, f) })
		})
	}
}

func (h Harness) lose(t *testing.T, f sim.Fault) {
	e := h.begin(t, Setup{})
	c := e.open()
	ctx := context.Background()
	e.sync(ctx, c)
	j, err := store.Open(filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	const grace = 500 * time.Millisecond
	d := orders.NewDesk(j, map[string]exchange.Venue{account: c}, orders.WithGrace(grace))
	if _, err := d.Reconcile(ctx, account); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []exchange.OrderStatus
	var reasons []string
	d.Subscribe(func(ev orders.Event) {
		mu.Lock()
		seen = append(seen, ev.Order.Status)
		reasons = append(reasons, ev.Order.Reason)
		mu.Unlock()
	})

	f.Op, f.Times = h.Ops.Place, 1
	e.f.Sim().Faults().Add(f)
	req := e.limitBuy(e.restingPrice())
	from := len(e.log())
	// A hang ends only when the caller gives up.
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	o, err := d.Place(pctx, account, req)
	cancel()
	hung := f.Kind == sim.FaultHang
	if hung {
		// The desk's own queries shared the expired context: the intent
		// stays UNKNOWN until a reconciliation asks again.
		var u *orders.UnresolvedError
		if !errors.As(err, &u) {
			t.Fatalf("placement hung and given up: %v, want the outcome unresolved", err)
		}
		if _, err := d.Reconcile(ctx, account); err != nil {
			t.Fatal(err)
		}
		en, err := j.Get(account, req.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		o = en.Order()
	} else if err != nil {
		t.Fatalf("desk: %v", err)
	}
	if err != nil {
		e.leaks("the desk's error", err.Error())
	}
	mu.Lock()
	statuses := slices.Clone(seen)
	e.leaks("the journal's reasons", strings.Join(reasons, "\n"))
	mu.Unlock()
	unknown := slices.Index(statuses, exchange.StatusUnknown)
	if unknown < 0 || !slices.Contains(statuses[unknown:], exchange.StatusNew) {
		t.Errorf("journaled %v, want UNKNOWN and then NEW", statuses)
	}
	held, ok := e.f.Sim().OrderByClientID(e.f.Account, req.ClientID)
	if o.Status != exchange.StatusNew || o.ClientID != req.ClientID || !ok || o.OrderID != held.OrderID {
		t.Errorf("resolved as %+v; the fake holds %+v", o, held)
	}
	if n := e.f.Sim().ClientIDCount(e.f.Account, req.ClientID); n != 1 {
		t.Errorf("the fake holds %d orders for one intent", n)
	}
	places, queries := e.count(from, h.Ops.Place), e.count(from, h.Ops.Query)
	switch {
	case hung:
		// The fake hung before the order ran: only after two not-founds a
		// grace apart may the same client id go out again.
		if places != 2 || queries < 2 {
			t.Errorf("%d placements and %d queries; want the lost one, two not-founds, one resend", places, queries)
		}
	case places != 1:
		t.Errorf("%d placements reached the fake: the desk resent an order the venue holds", places)
	case queries < 1:
		t.Error("resolved without a query by client id")
	}
}
