package venuefuzz

import (
	"net/http"
	"testing"

	"github.com/vigil-trade/vigil/exchange"
)

// Target is what a venue's REST fuzz targets need to know of it: how its
// client is built on a transport, the fake's replies that every input
// shares (time, rules), and its paths. The targets themselves stay in the
// venue's package, one line each, since `go test -fuzz` finds them there.
type Target struct {
	Symbol string
	// NotFound is the venue's answer to a path it does not serve.
	NotFound string
	// Fixed are replies every input gets, by path: the time and the rules
	// as the fake answers them.
	Fixed map[string]string
	Paths Paths
	// Client builds a fresh client per input on rt, so the budget, the
	// clock and the rule cache do not carry over; its budget must be far
	// above what one input sends, or a wait stalls the fuzzer.
	Client func(t *testing.T, rt http.RoundTripper) exchange.Venue
}

// Paths are the URL paths each target feeds.
type Paths struct {
	Time, Balances, Rules, Place, Quote string
	// Orders are the paths place, query, cancel and open orders read.
	Orders []string
}

// Seed is one input of a two-argument target.
type Seed struct {
	N    uint16 // OrderReply: the op (see OrderOp); ErrorReply: the status (see ErrorStatus)
	Body string
}

func (g Target) client(t *testing.T, status int, body []byte, paths ...string) exchange.Venue {
	t.Helper()
	return g.Client(t, NewRoutes(g.NotFound, g.Fixed, status, body, paths...))
}

func add(f *testing.F, seeds []string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
}

// TimeReply: a time reply that is not JSON never syncs the clock.
func (g Target) TimeReply(f *testing.F, seeds ...string) {
	add(f, seeds)
	f.Fuzz(func(t *testing.T, body []byte) {
		err := g.client(t, http.StatusOK, body, g.Paths.Time).SyncClock(Ctx(t))
		GarbageAccepted(t, body, err)
	})
}

// BalancesReply: a balance reply that is not JSON is an error.
func (g Target) BalancesReply(f *testing.F, seeds ...string) {
	add(f, seeds)
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := g.client(t, http.StatusOK, body, g.Paths.Balances).Balances(Ctx(t))
		GarbageAccepted(t, body, err)
	})
}

// RulesReply: rules decoded from any reply are the symbol's and pass
// exchange.CheckRules.
func (g Target) RulesReply(f *testing.F, seeds ...string) {
	add(f, seeds)
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := g.client(t, http.StatusOK, body, g.Paths.Rules).Rules(Ctx(t), g.Symbol)
		GarbageAccepted(t, body, err)
		if err != nil {
			return
		}
		if r.Symbol != g.Symbol {
			t.Fatalf("asked for %s, got rules of %q", g.Symbol, r.Symbol)
		}
		if err := exchange.CheckRules(r); err != nil {
			t.Fatalf("accepted rules: %v", err)
		}
	})
}

// OrderReply feeds one reply to place, query, cancel or the open orders
// list (Seed.N picks, see OrderOp).
func (g Target) OrderReply(f *testing.F, seeds ...Seed) {
	for _, s := range seeds {
		f.Add(uint8(s.N), []byte(s.Body))
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		OrderOp(t, g.client(t, http.StatusOK, body, g.Paths.Orders...), g.Symbol, op, body)
	})
}

// ErrorReply feeds a reply that is not a success (Seed.N picks the status,
// see ErrorStatus) to a read and to a placement: each is an error whatever
// the body says, and its text stays short whatever the body's size.
func (g Target) ErrorReply(f *testing.F, seeds ...Seed) {
	for _, s := range seeds {
		f.Add(s.N, []byte(s.Body))
	}
	f.Fuzz(func(t *testing.T, status uint16, body []byte) {
		code := ErrorStatus(status)
		ctx := ErrorCtx(t) // a client per call: a refusal holds its next requests back
		_, err := g.client(t, code, body, g.Paths.Balances, g.Paths.Place).Balances(ctx)
		ErrorReply(t, code, body, err)
		_, err = g.client(t, code, body, g.Paths.Balances, g.Paths.Place).Place(ctx, LimitBuy(g.Symbol))
		ErrorReply(t, code, body, err)
	})
}

// QuoteReply: a quote reply either fails or gives the symbol's quote with
// no negative price and no crossed book.
func (g Target) QuoteReply(f *testing.F, seeds ...string) {
	add(f, seeds)
	f.Fuzz(func(t *testing.T, body []byte) {
		qt, ok := g.client(t, http.StatusOK, body, g.Paths.Quote).(exchange.Quoter)
		if !ok {
			t.Fatal("the client is no exchange.Quoter")
		}
		q, err := qt.Quote(Ctx(t), g.Symbol)
		GarbageAccepted(t, body, err)
		if err == nil {
			Quote(t, g.Symbol, q)
		}
	})
}

// Quote fails on a quote for another symbol, with a negative price or a
// crossed book.
func Quote(t *testing.T, symbol string, q exchange.Quote) {
	t.Helper()
	if q.Symbol != symbol || q.Bid.IsNegative() || q.Ask.IsNegative() || q.Last.IsNegative() {
		t.Fatalf("accepted quote %+v", q)
	}
	if q.Bid.IsPositive() && q.Ask.IsPositive() && q.Bid.GreaterThan(q.Ask) {
		t.Fatalf("accepted a crossed book %+v", q)
	}
}

// StreamEvents checks what a stream decoder made of raw: garbage is an
// error, and every order it accepted is whole, with no negative fill.
func StreamEvents(t *testing.T, raw []byte, err error, evs ...exchange.StreamEvent) {
	t.Helper()
	GarbageAccepted(t, raw, err)
	if err != nil {
		return
	}
	for _, ev := range evs {
		if ev.Order == nil {
			continue
		}
		if err := exchange.CheckOrder(ev.Order.Order); err != nil {
			t.Fatalf("accepted %+v: %v", ev.Order.Order, err)
		}
		if ev.Order.LastQty.IsNegative() || ev.Order.LastPrice.IsNegative() {
			t.Fatalf("accepted a fill of %s at %s", ev.Order.LastQty, ev.Order.LastPrice)
		}
	}
}
