package orders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders/internal/fakevenue"
	"github.com/vigil-trade/vigil/store"
)

// configuredVenue is a fake venue whose account settings and symbol rules
// the test sets, as a config and a venue would.
type configuredVenue struct {
	*countingVenue
	info      exchange.AccountInfo
	rules     exchange.SymbolRules
	afterSend func() // runs after Place or Cancel reached the venue
}

func (c *configuredVenue) Info() exchange.AccountInfo { return c.info }

func (c *configuredVenue) Rules(context.Context, string) (exchange.SymbolRules, error) {
	return c.rules, nil
}

func (c *configuredVenue) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	o, err := c.countingVenue.Place(ctx, req)
	if c.afterSend != nil {
		c.afterSend()
	}
	return o, err
}

func (c *configuredVenue) Cancel(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	o, err := c.countingVenue.Cancel(ctx, ref)
	if c.afterSend != nil {
		c.afterSend()
	}
	return o, err
}

func testnetInfo() exchange.AccountInfo {
	return exchange.AccountInfo{Name: acct, Venue: "fake", Network: exchange.Testnet, REST: "http://127.0.0.1:9001",
		MaxOrderNotional: decimal.NewFromInt(100000)}
}

func configured(x *fakevenue.Exchange, info exchange.AccountInfo) *configuredVenue {
	return &configuredVenue{
		countingVenue: &countingVenue{Venue: &fakevenue.Venue{X: x, Account: acct}},
		info:          info,
		rules:         exchange.SymbolRules{Symbol: "BTCUSDT", Trading: true, Quote: "USDT"},
	}
}

// recordFresh journals an intent as a crashed `vigil order place` left it:
// made a moment ago for where v points now, never seen by the venue.
func recordFresh(t *testing.T, j *store.Journal, v exchange.Venue, id string, req exchange.OrderRequest) {
	t.Helper()
	req.ClientID = id
	if err := j.RecordIntent(store.Intent{Account: acct, ClientID: id, Req: req, Created: time.Now().Add(-time.Second),
		Binding: BindingOf(v)}); err != nil {
		t.Fatal(err)
	}
}

// A resend is a new send: Reconcile resends a young intent only if a fresh
// place of it would pass, as the account is configured now, without anyone
// to confirm it (issue 11, item 4).
func TestResendPassesTheGuardsAsConfiguredNow(t *testing.T) {
	mainnet := func(allow bool) exchange.AccountInfo {
		i := testnetInfo()
		i.Network, i.AllowMainnet = exchange.Mainnet, allow
		return i
	}
	for _, tc := range []struct {
		name   string
		info   exchange.AccountInfo
		rules  func(*exchange.SymbolRules)
		resent bool
		reason string
	}{
		{name: "testnet, under the limit", info: testnetInfo(), resent: true},
		{name: "mainnet orders switched off", info: mainnet(false), reason: "mainnet orders are off"},
		{name: "mainnet needs a typed confirmation", info: mainnet(true), reason: "typed confirmation"},
		{name: "above max_order_notional", info: func() exchange.AccountInfo {
			i := testnetInfo()
			i.MaxOrderNotional = decimal.NewFromInt(100)
			return i
		}(), reason: "above this account's limit 100"},
		{name: "breaks the tick", info: testnetInfo(), rules: func(r *exchange.SymbolRules) {
			r.TickSize = decimal.NewFromInt(1)
		}, reason: "tick"},
		{name: "symbol no longer trading", info: testnetInfo(), rules: func(r *exchange.SymbolRules) {
			r.Trading = false
		}, reason: "not trading"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				j := openJournal(t)
				x := fakevenue.New(nil)
				v := configured(x, tc.info)
				if tc.rules != nil {
					tc.rules(&v.rules)
				}
				recordFresh(t, j, v, "crashed", limit("1"))
				d := NewDesk(j, map[string]exchange.Venue{acct: v})
				r, err := d.Reconcile(context.Background(), acct)
				if err != nil {
					t.Fatal(err)
				}
				e, _ := j.Get(acct, "crashed")
				if tc.resent {
					if r.Resent != 1 || v.places != 1 || e.Status != exchange.StatusNew {
						t.Fatalf("report %+v, %d places, journal %s: want one resend", r, v.places, e.Status)
					}
					return
				}
				if v.places != 0 || len(x.Orders()) != 0 {
					t.Fatalf("%d places: a resend went out that a fresh place would not", v.places)
				}
				if fmt.Sprint(r.NotPlaced) != "[crashed]" || e.Status != store.StatusNotPlaced || !strings.Contains(e.Reason, tc.reason) {
					t.Fatalf("report %+v, journal %s %q: want NOT_PLACED saying %q", r, e.Status, e.Reason, tc.reason)
				}
				if !d.Ready(acct) {
					t.Fatal("entry closed after the intent was settled")
				}
			})
		})
	}
}

// Within the Place call the caller has just confirmed the order, so a
// mainnet order whose first send was lost is resent under that
// confirmation; the mainnet lock still holds.
func TestPlaceResendsUnderItsOwnConfirmation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := openJournal(t)
		x := fakevenue.New(nil)
		info := testnetInfo()
		info.Network, info.AllowMainnet = exchange.Mainnet, true
		v := configured(x, info)
		v.placeErr = func(n int) error {
			if n == 1 {
				return &exchange.AmbiguousError{Op: "place", Err: errors.New("503")}
			}
			return nil
		}
		d := NewDesk(j, map[string]exchange.Venue{acct: v})
		if _, err := d.Reconcile(context.Background(), acct); err != nil {
			t.Fatal(err)
		}
		o, err := d.Place(context.Background(), acct, limit("1"))
		if err != nil || o.Status != exchange.StatusNew || v.places != 2 || len(x.Orders()) != 1 {
			t.Fatalf("Place = %+v, %v after %d places", o, err, v.places)
		}

		v.info.AllowMainnet = false
		if _, err := d.Place(context.Background(), acct, limit("1")); !errors.Is(err, ErrLocked) || v.places != 2 {
			t.Fatalf("Place on a locked mainnet account: %v, %d places", err, v.places)
		}
	})
}

// Commands that only ask (list, status) never resend: a young intent the
// venue does not have is held for a command that may place.
func TestReadOnlyReconcileNeverResends(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := openJournal(t)
		x := fakevenue.New(nil)
		v := configured(x, testnetInfo())
		recordFresh(t, j, v, "crashed", limit("1"))
		d := NewDesk(j, map[string]exchange.Venue{acct: v})
		r, err := d.ReconcileReadOnly(context.Background(), acct)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := j.Get(acct, "crashed")
		if v.places != 0 || r.Resent != 0 || fmt.Sprint(r.Held) != "[crashed]" || e.Status != exchange.StatusPending {
			t.Fatalf("read-only reconcile: report %+v, %d places, journal %s", r, v.places, e.Status)
		}
		if d.Ready(acct) {
			t.Fatal("entry open while an intent is in doubt")
		}
		if r, err := d.Reconcile(context.Background(), acct); err != nil || r.Resent != 1 || v.places != 1 {
			t.Fatalf("then Reconcile: %+v, %v, %d places", r, err, v.places)
		}
	})
}

// A cancel of an intent the venue never received settles it NOT_PLACED: it
// is never sent, then cancelled.
func TestCancelOfAnIntentTheVenueNeverHadSendsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := openJournal(t)
		x := fakevenue.New(nil)
		v := configured(x, testnetInfo())
		recordFresh(t, j, v, "crashed", limit("1"))
		d := NewDesk(j, map[string]exchange.Venue{acct: v})
		_, err := d.Cancel(context.Background(), acct, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: "crashed"})
		e, _ := j.Get(acct, "crashed")
		if !errors.Is(err, ErrNotPlaced) || v.places != 0 || v.cxls != 0 || e.Status != store.StatusNotPlaced {
			t.Fatalf("Cancel: %v; %d places, %d cancels, journal %s", err, v.places, v.cxls, e.Status)
		}
	})
}

// An intent made for another network or endpoint than the account points
// at now is neither asked about, resent nor cancelled there: it is reported
// and left as it is.
func TestForeignIntentIsLeftForAHuman(t *testing.T) {
	for _, tc := range []struct {
		name string
		now  func(*exchange.AccountInfo)
		want string
	}{
		{"testnet account moved to mainnet", func(i *exchange.AccountInfo) {
			i.Network, i.AllowMainnet, i.REST = exchange.Mainnet, true, "https://api.example.com"
		}, "on fake testnet http://127.0.0.1:9001; main now points at fake mainnet https://api.example.com"},
		{"another rest_url", func(i *exchange.AccountInfo) { i.REST = "http://127.0.0.1:9002/" },
			"on fake testnet http://127.0.0.1:9001; main now points at fake testnet http://127.0.0.1:9002"},
		{"another venue under the same name", func(i *exchange.AccountInfo) { i.Venue = "other" }, "now points at other testnet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				j := openJournal(t)
				x := fakevenue.New(nil)
				then := configured(x, testnetInfo())
				recordFresh(t, j, then, "elsewhere", limit("1"))
				info := testnetInfo()
				tc.now(&info)
				v := configured(x, info)
				d := NewDesk(j, map[string]exchange.Venue{acct: v})
				r, err := d.Reconcile(context.Background(), acct)
				if err != nil {
					t.Fatal(err)
				}
				if len(r.Foreign) != 1 || r.Foreign[0].ClientID != "elsewhere" || !strings.Contains(r.Foreign[0].Error(), tc.want) {
					t.Fatalf("report %+v: want the intent reported foreign (%q)", r, tc.want)
				}
				if v.queries+v.places != 0 {
					t.Fatalf("%d queries, %d places on the account's new venue", v.queries, v.places)
				}
				if e, _ := j.Get(acct, "elsewhere"); e.Status != exchange.StatusPending || e.Seq != 0 {
					t.Fatalf("journal %s seq %d: want the intent untouched", e.Status, e.Seq)
				}
				if !d.Ready(acct) {
					t.Fatal("a foreign intent keeps entry closed on the account's new venue")
				}
				var fe *ForeignError
				if _, err := d.Cancel(context.Background(), acct, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: "elsewhere"}); !errors.As(err, &fe) || v.cxls != 0 {
					t.Fatalf("Cancel of a foreign intent: %v, %d cancels", err, v.cxls)
				}
			})
		})
	}
}

// An intent from a journal that did not record its binding may be asked
// about but is never resent.
func TestUnboundIntentIsNeverResent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := openJournal(t)
		x := fakevenue.New(nil)
		v := configured(x, testnetInfo())
		req := limit("1")
		req.ClientID = "old"
		if err := j.RecordIntent(store.Intent{Account: acct, ClientID: "old", Req: req, Created: time.Now()}); err != nil {
			t.Fatal(err)
		}
		d := NewDesk(j, map[string]exchange.Venue{acct: v})
		r, err := d.Reconcile(context.Background(), acct)
		e, _ := j.Get(acct, "old")
		if err != nil || v.places != 0 || fmt.Sprint(r.NotPlaced) != "[old]" || !strings.Contains(e.Reason, "did not record") {
			t.Fatalf("report %+v, %v, %d places, reason %q", r, err, v.places, e.Reason)
		}
	})
}

// Once the request has left, a journal that cannot be written makes the
// outcome unknown, never a plain failure (issue 11, item 8): the venue may
// hold the order while the journal says PENDING.
func TestJournalFailureAfterSendingIsUnknown(t *testing.T) {
	t.Run("place", func(t *testing.T) {
		j := openJournal(t)
		x := fakevenue.New(nil)
		v := configured(x, testnetInfo())
		d := NewDesk(j, map[string]exchange.Venue{acct: v})
		if _, err := d.Reconcile(context.Background(), acct); err != nil {
			t.Fatal(err)
		}
		v.afterSend = func() { j.Close() } // the disk is gone once the venue has the order
		o, err := d.Place(context.Background(), acct, limit("1"))
		var u *UnresolvedError
		if !errors.As(err, &u) || len(x.Orders()) != 1 {
			t.Fatalf("Place = %+v, %v with %d orders on the venue: want an UnresolvedError", o, err, len(x.Orders()))
		}
		if o.Status != exchange.StatusNew || o.ClientID == "" {
			t.Fatalf("order %+v: want the venue's answer", o)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		j := openJournal(t)
		x := fakevenue.New(nil)
		v := configured(x, testnetInfo())
		d := NewDesk(j, map[string]exchange.Venue{acct: v})
		if _, err := d.Reconcile(context.Background(), acct); err != nil {
			t.Fatal(err)
		}
		o, err := d.Place(context.Background(), acct, limit("1"))
		if err != nil {
			t.Fatal(err)
		}
		v.afterSend = func() { j.Close() }
		_, err = d.Cancel(context.Background(), acct, exchange.OrderRef{Symbol: "BTCUSDT", ClientID: o.ClientID})
		var u *UnresolvedError
		if !errors.As(err, &u) {
			t.Fatalf("Cancel: %v, want an UnresolvedError", err)
		}
	})
}

// ackVenue answers a place as OKX and Bybit do: ids, no state, no time.
type ackVenue struct{ *countingVenue }

func (a *ackVenue) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	o, err := a.countingVenue.Place(ctx, req)
	if err != nil {
		return o, err
	}
	return exchange.Order{Account: o.Account, Symbol: o.Symbol, Side: o.Side, Type: o.Type, TIF: o.TIF, Price: o.Price,
		Qty: o.Qty, Status: exchange.StatusNew, ClientID: o.ClientID, OrderID: o.OrderID}, nil
}

// A market order whose place answer is only an acknowledgement is asked
// about once, so what is reported (and printed) is its fill, not NEW with
// nothing filled; an answer without a time is dated by its intent (issue
// 11, item 11).
func TestPlaceAnswerIsTheOrdersStateNotItsAck(t *testing.T) {
	j := openJournal(t)
	x := fakevenue.New(nil)
	v := &ackVenue{&countingVenue{Venue: &fakevenue.Venue{X: x, Account: acct}}}
	d := NewDesk(j, map[string]exchange.Venue{acct: v})
	if _, err := d.Reconcile(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	o, err := d.Place(context.Background(), acct, market("0.5"))
	if err != nil || o.Status != exchange.StatusFilled || !o.Filled.Equal(decimal.RequireFromString("0.5")) || v.queries != 1 {
		t.Fatalf("market Place = %s filled %s, %v after %d queries: want FILLED 0.5 after one query", o.Status, o.Filled, err, v.queries)
	}
	if e, _ := j.Get(acct, o.ClientID); e.Status != exchange.StatusFilled {
		t.Fatalf("journal %s, want FILLED", e.Status)
	}
	o, err = d.Place(context.Background(), acct, limit("1"))
	if err != nil || o.Status != exchange.StatusNew || v.queries != 1 {
		t.Fatalf("limit Place = %s, %v after %d queries: a resting order needs no query", o.Status, err, v.queries)
	}
	if e, _ := j.Get(acct, o.ClientID); !o.Created.Equal(e.Created) {
		t.Fatalf("created %v, want the intent's %v", o.Created, e.Created)
	}
}
