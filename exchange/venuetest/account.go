package venuetest

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/redirecttest"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/streamtest"
)

// redirect: a configured host that redirects gets an error, and the host
// it names gets no signed request, no key header and no stream login,
// whatever HTTP client the account was given. Real loopback: redirects
// are followed (or not) by net/http itself.
func (h Harness) redirect(t *testing.T) {
	clients := []struct {
		name string
		hc   func() *http.Client
	}{
		{"default", func() *http.Client { return nil }},
		{"injected", func() *http.Client { return &http.Client{} }},
		// A Timeout makes a client's Do the only way to honour it.
		{"injected-timeout", func() *http.Client { return &http.Client{Timeout: time.Minute} }},
	}
	signed := func(r *http.Request) bool {
		op := h.op(r)
		return op == h.Ops.Balances || op == h.Ops.Place
	}
	for _, cl := range clients {
		for _, code := range redirecttest.Codes {
			t.Run(cl.name+"/"+strconv.Itoa(code), func(t *testing.T) {
				e := h.fake(t, Setup{})
				p := redirecttest.New(t, code, e.f.Handler(), signed)
				e.link = Link{REST: p.Front.URL, WS: p.WSURL(), HTTP: cl.hc(), Network: exchange.Testnet, Account: account}
				p.RefusedSigned(t, e.open(), h.Symbol)
			})
		}
	}
	t.Run("stream", func(t *testing.T) {
		e := h.fake(t, Setup{})
		upgrade := func(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }
		p := redirecttest.New(t, http.StatusTemporaryRedirect, e.f.Handler(), upgrade)
		e.link = Link{REST: p.Front.URL, WS: p.WSURL(), Network: exchange.Testnet, Account: account}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st, err := e.open().Stream(ctx)
		if err == nil {
			_ = st.Close()
		}
		p.Refused(t, "stream", err)
	})
}

// keyAudit: on the production host, where the most can be read, KeyInfo
// says what the fake was told: a withdrawal right is flagged, an IP
// binding is shown (with its IPs where the venue lists them), and a
// read-only key may not trade, which the venue confirms by refusing its
// order.
func (h Harness) keyAudit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := h.begin(t, Setup{Mainnet: true})
		ctx := context.Background()
		ips := []string{"127.0.0.1"}
		e.f.AddKey(Key{Withdraw: true, IPs: ips})
		ki, err := e.open().KeyInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bound := exchange.TriYes
		if h.NoIPBinding != "" {
			bound = exchange.TriNo
		}
		unbound := exchange.TriNo
		if h.IPBindingUnknown != "" {
			bound, unbound = exchange.TriUnknown, exchange.TriUnknown
		}
		if ki.Read != exchange.TriYes || ki.Trade != exchange.TriYes || ki.Withdraw != exchange.TriYes || ki.IPBound != bound || ki.Source == "" {
			t.Errorf("withdrawing IP-bound key read as %+v", ki)
		}
		switch {
		case h.NoIPBinding != "" && len(ki.IPs) != 0:
			t.Errorf("the harness says %q, yet the audit lists %q", h.NoIPBinding, ki.IPs)
		case h.NoIPBinding != "":
		case h.IPBindingUnknown != "" && len(ki.IPs) != 0:
			t.Errorf("the harness says %q, yet the audit lists %q", h.IPBindingUnknown, ki.IPs)
		case h.IPBindingUnknown != "":
		case h.NoIPList == "" && !slices.Equal(ki.IPs, ips):
			t.Errorf("bound IPs %q, the fake was told %q", ki.IPs, ips)
		case h.NoIPList != "" && len(ki.IPs) != 0:
			t.Errorf("the harness says %q, yet the audit lists %q", h.NoIPList, ki.IPs)
		}

		e.f.AddKey(Key{ReadOnly: true})
		c := e.open()
		ki, err = c.KeyInfo(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ki.Read != exchange.TriYes || ki.Trade != exchange.TriNo || ki.Withdraw != exchange.TriNo || ki.IPBound != unbound || len(ki.IPs) != 0 {
			t.Errorf("read-only unbound key read as %+v", ki)
		}
		req := e.limitBuy(e.restingPrice())
		_, err = c.Place(ctx, req)
		var ae *exchange.APIError
		if !errors.As(err, &ae) || ae.Code != h.PermissionCode || exchange.IsAmbiguous(err) {
			t.Errorf("a read-only key's order: %v, want the venue's refusal %s", err, h.PermissionCode)
		}
		if n := e.f.Sim().ClientIDCount(e.f.Account, req.ClientID); n != 0 {
			t.Errorf("the fake holds %d orders from a read-only key", n)
		}
	})
}

// stream: the private stream logs in and the supervisor's snapshot has
// the order that rested before it started; a live order streams in; then
// the stream is cut while a fill is lost to it, and after the reconnect
// the resync recovers the fill: the supervisor's books equal the fake's.
func (h Harness) stream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := h.begin(t, Setup{})
		c := e.open()
		ctx := context.Background()
		e.sync(ctx, c)
		x, sym := e.f.Sim(), h.Symbol
		price := e.restingPrice()
		before, err := c.Place(ctx, e.limitBuy(price))
		if err != nil {
			t.Fatal(err)
		}
		env := streamtest.Start(t, streamtest.Config{Account: account, Venue: c.Venue, Streamer: c.Streamer, AuditEvery: time.Hour})
		env.WaitLive(5 * time.Second)
		synctest.Wait()
		if k, ok := env.State().Order(account, exchange.OrderRef{OrderID: before.OrderID}); !ok || k.Status != exchange.StatusNew {
			t.Fatalf("the snapshot kept the resting order as %+v", k)
		}
		env.CheckTruth(x, e.f.Account)

		during, err := c.Place(ctx, e.limitBuy(price.Sub(e.rules.TickSize)))
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		if k, ok := env.State().Order(account, exchange.OrderRef{OrderID: during.OrderID}); !ok || k.Status != exchange.StatusNew {
			t.Fatalf("the ack was not streamed: %+v", k)
		}

		// The fills happen where the stream cannot see them.
		e.f.SetStreamFault(sim.StreamSilent, 0)
		x.SetPrice(sym, onTick(price.Mul(decimal.RequireFromString("0.9")), e.rules.TickSize))
		e.f.SetStreamFault(sim.StreamDrop, 0)
		e.f.ClearStreamFaults()
		for start := time.Now(); env.Reconnects() == 0 || env.Status().State != exchange.StreamLive; {
			if time.Since(start) > 10*time.Second {
				t.Fatalf("not back after the drop: %q", env.Logs())
			}
			time.Sleep(10 * time.Millisecond)
		}
		synctest.Wait()
		for _, o := range []exchange.Order{before, during} {
			if k, _ := env.State().Order(account, exchange.OrderRef{OrderID: o.OrderID}); k.Status != exchange.StatusFilled {
				t.Errorf("order filled while the stream was away kept as %s", k.Status)
			}
		}
		if n := env.Reconnects(); n != 1 {
			t.Errorf("%d reconnects for one drop", n)
		}
		if !slices.ContainsFunc(env.Logs(), recovered.MatchString) {
			t.Errorf("no resync recovered the fills: %q", env.Logs())
		}
		env.CheckTruth(x, e.f.Account)
	})
}

// recovered is the supervisor's log line for a resync that found fills
// the stream did not deliver (exchange.ResyncReport).
var recovered = regexp.MustCompile(`resynced: \d+ orders? updated, [1-9]\d* fills? recovered`)

// quote: best bid, best ask and last price as the fake has them, following
// the price; a symbol the venue does not list is an error.
func (h Harness) quote(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := h.begin(t, Setup{})
		c := e.open()
		qt, ok := c.Venue.(exchange.Quoter)
		switch {
		case !ok && h.NoQuote == "":
			t.Fatal("the client is no exchange.Quoter and the harness does not say why (NoQuote)")
		case !ok:
			// The last price alone is what such a client offers.
			p, _ := e.f.Sim().Price(h.Symbol)
			if got, err := c.LastPrice(context.Background(), h.Symbol); err != nil || !got.Equal(p) {
				t.Fatalf("%q, and the last price is %s (%v), the fake's %s", h.NoQuote, got, err, p)
			}
			return
		case h.NoQuote != "":
			t.Fatalf("the client quotes, yet the harness says %q", h.NoQuote)
		}
		ctx := context.Background()
		p, _ := e.f.Sim().Price(h.Symbol)
		last := onTick(p.Mul(decimal.RequireFromString("1.01")), e.rules.TickSize)
		e.f.Sim().SetPrice(h.Symbol, last)
		q, err := qt.Quote(ctx, h.Symbol)
		if err != nil {
			t.Fatal(err)
		}
		tick := e.rules.TickSize
		if q.Symbol != h.Symbol || !q.Last.Equal(last) || !q.Bid.Equal(last.Sub(tick)) || !q.Ask.Equal(last.Add(tick)) {
			t.Fatalf("quote %+v, want last %s and a tick (%s) either side", q, last, tick)
		}
		if _, err := qt.Quote(ctx, "NOPE"); err == nil {
			t.Fatal("a quote for a symbol the venue does not list")
		}
	})
}

// garbage: a reply cut in half is an error, never a success read from
// half a body, and the next reply is read as usual.
func (h Harness) garbage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := h.begin(t, Setup{})
		ctx := context.Background()
		// Every probe: a sync may take several samples and drop a bad one.
		id := e.f.Sim().Faults().Add(sim.Fault{Op: h.Ops.Time, Kind: sim.FaultGarbage})
		c := e.open()
		if err := c.SyncClock(ctx); err == nil {
			t.Error("half a time reply synced the clock")
		}
		e.f.Sim().Faults().Remove(id)
		e.sync(ctx, c)
		e.f.Sim().Faults().Add(sim.Fault{Op: h.Ops.Balances, Kind: sim.FaultGarbage, Times: 1})
		if bal, err := c.Balances(ctx); err == nil {
			t.Errorf("half a balance reply read as %v", bal)
		} else {
			e.leaks("the error", err.Error()+exchange.AdviceOf(err))
		}
		if _, err := c.Balances(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
