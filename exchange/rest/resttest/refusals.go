package resttest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// Call makes one of a venue's calls by name ("balance", "place", "query",
// "cancel"), as an error table's test drives them: a small limit buy of
// symbol, and query or cancel by its client id "vg1".
func Call(ctx context.Context, v exchange.Venue, call, symbol string) error {
	var err error
	switch call {
	case "balance":
		_, err = v.Balances(ctx)
	case "place":
		_, err = v.Place(ctx, exchange.OrderRequest{Symbol: symbol, Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("40000"), ClientID: "vg1"})
	case "query":
		_, err = v.Query(ctx, exchange.OrderRef{Symbol: symbol, ClientID: "vg1"})
	case "cancel":
		_, err = v.Cancel(ctx, exchange.OrderRef{Symbol: symbol, ClientID: "vg1"})
	default:
		panic("resttest: no call " + call)
	}
	return err
}

// Want is how an error table must read one refusal.
type Want struct {
	Kind      exchange.Kind
	Filter    string // the broken symbol rule, for KindFilter
	Advice    string // a piece the advice must hold
	Clock     bool   // a *ClockError
	Ahead     bool   // its stamp was in the venue's future
	Rate      bool   // a *RateLimitError with a RetryAt
	Banned    bool   // an address ban
	Ambiguous bool
	NotFound  bool // wraps exchange.ErrOrderNotFound
}

// Check fails t unless err is venue's *APIError read as w says. Every
// refusal but KindOther must carry advice. It returns the rate limit error,
// if any, for a venue's own checks of RetryAt.
func (w Want) Check(t testing.TB, venue string, err error) *exchange.RateLimitError {
	t.Helper()
	var ae *exchange.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%T %v is not an *APIError", err, err)
	}
	if ae.Venue != venue || ae.Kind != w.Kind || ae.Filter != w.Filter {
		t.Errorf("venue %s kind %d filter %q, want %s %d %q (%v)", ae.Venue, ae.Kind, ae.Filter, venue, w.Kind, w.Filter, err)
	}
	if !strings.Contains(ae.Advice(), w.Advice) || ae.Advice() == "" && w.Kind != exchange.KindOther {
		t.Errorf("advice %q lacks %q", ae.Advice(), w.Advice)
	}
	var ce *exchange.ClockError
	if errors.As(err, &ce) != w.Clock || w.Clock && ce.Ahead != w.Ahead {
		t.Errorf("clock: %#v", err)
	}
	var rl *exchange.RateLimitError
	if errors.As(err, &rl) != w.Rate {
		t.Errorf("rate: %v", err)
	}
	if w.Rate && (rl.Banned != w.Banned || rl.RetryAt.IsZero()) {
		t.Errorf("rate limit %+v", rl)
	}
	if exchange.IsAmbiguous(err) != w.Ambiguous {
		t.Errorf("ambiguous = %v: %v", !w.Ambiguous, err)
	}
	if errors.Is(err, exchange.ErrOrderNotFound) != w.NotFound {
		t.Errorf("ErrOrderNotFound: %v", err)
	}
	return rl
}
