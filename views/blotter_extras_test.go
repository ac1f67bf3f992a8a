package views

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
)

// Keys are pressed by name, not through p.keys, so these tests ran (and
// failed) against the blotter before the keys existed.

func screen(p *Blotter) string { return ansi.Strip(p.View()) }

func lineWith(t *testing.T, p *Blotter, s string) string {
	t.Helper()
	for _, l := range strings.Split(screen(p), "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	t.Fatalf("no line with %q in:\n%s", s, screen(p))
	return ""
}

// Issue 14: market orders showed MKT in the price column even once
// filled; the average fill price is what the trader wants there.
func TestBlotterMarketOrderShowsAverageFillPrice(t *testing.T) {
	p := NewBlotter(testStyles())
	p.SetSize(120, 10)
	filled := exchange.Order{Account: acctNames[0], Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.MarketOrder,
		Qty: d("0.002"), Filled: d("0.002"), QuoteFilled: d("120.025"), Status: exchange.StatusFilled,
		ClientID: "vg14-mkt-1", OrderID: "77", Created: t0, Updated: t0}
	waiting := exchange.Order{Account: acctNames[0], Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.MarketOrder,
		Qty: d("0.001"), Status: exchange.StatusNew, ClientID: "vg14-mkt-2", OrderID: "78", Created: t0, Updated: t0}
	p.Update(event(filled))
	p.Update(event(waiting))
	if l := lineWith(t, p, "vg14-mkt-1"); !strings.Contains(l, "≈60012.5") || strings.Contains(l, "MKT") {
		t.Fatalf("filled market order should show its average price ≈60012.5: %q", l)
	}
	if l := lineWith(t, p, "vg14-mkt-2"); !strings.Contains(l, "MKT") {
		t.Fatalf("unfilled market order should show MKT: %q", l)
	}
	// A later event that leaves out the quote filled keeps the average.
	again := filled
	again.QuoteFilled = d("0")
	again.Updated = t0.Add(time.Second)
	p.apply(again)
	if l := lineWith(t, p, "vg14-mkt-1"); !strings.Contains(l, "≈60012.5") {
		t.Fatalf("average lost: %q", l)
	}
	// The filter finds it by what it shows.
	p.Focus()
	p.Update(keyMsg("/"))
	typeText(p, "60012.5")
	if p.Visible() != 1 {
		t.Fatalf("/60012.5 matched %d rows, want 1", p.Visible())
	}
}

// Issue 14: a toggle for open orders only, said in the footer and help.
func TestBlotterOpenOnlyToggle(t *testing.T) {
	p := NewBlotter(testStyles())
	p.SetSize(120, 12)
	p.Focus()
	for i := range 4 {
		p.Update(event(openOrder(i, exchange.Buy, "50000")))
	}
	done := openOrder(9, exchange.Sell, "61000")
	done.Status = exchange.StatusFilled
	done.Filled = done.Qty
	p.Update(event(done))
	if !strings.Contains(screen(p), "vg14-009") {
		t.Fatal("filled order not shown before the toggle")
	}
	p.Update(keyMsg("a"))
	if s := screen(p); strings.Contains(s, "vg14-009") {
		t.Fatalf("open only still shows a filled order:\n%s", s)
	}
	if f := footerOf(p); !strings.Contains(f, "open only") {
		t.Fatalf("footer does not say open only: %q", f)
	}
	// An order that closes while open only is on leaves the screen; a new
	// open one arrives.
	c := openOrder(2, exchange.Buy, "50000")
	c.Status, c.Updated = exchange.StatusCanceled, c.Updated.Add(time.Minute)
	p.Update(event(c))
	p.Update(event(openOrder(5, exchange.Buy, "50001")))
	s := screen(p)
	if strings.Contains(s, "vg14-002") || !strings.Contains(s, "vg14-005") {
		t.Fatalf("open only not kept up to date:\n%s", s)
	}
	p.Update(keyMsg("a"))
	if s := screen(p); !strings.Contains(s, "vg14-009") || !strings.Contains(s, "vg14-002") {
		t.Fatalf("second a did not show all again:\n%s", s)
	}
	if !helpHas(p, "a", "open only") {
		t.Fatal("help does not list the open-only key")
	}
}

func helpHas(p *Blotter, k, desc string) bool {
	for _, g := range p.FullHelp() {
		for _, b := range g {
			if b.Help().Key == k && strings.Contains(b.Help().Desc, desc) {
				return true
			}
		}
	}
	return false
}

// Issue 14: sort by column; s cycles time, symbol, side, price, status, S
// reverses; the header shows which with ▲/▼.
func TestBlotterSortByColumn(t *testing.T) {
	p := NewBlotter(testStyles())
	p.SetSize(120, 14)
	p.Focus()
	syms := []string{"ETHUSDT", "BTCUSDT", "SOLUSDT", "ADAUSDT"}
	prices := []string{"3000", "60000", "150", "0.5"}
	for i, s := range syms {
		o := openOrder(i, exchange.Buy, prices[i])
		o.Symbol = s
		p.Update(event(o))
	}
	header := func() string { return strings.Split(screen(p), "\n")[0] }
	if strings.ContainsAny(header(), "▲▼") {
		t.Fatalf("the default order (open first, newest first) is no one column's: %q", header())
	}
	p.Update(keyMsg("s"))
	if !strings.Contains(header(), "symbol▲") {
		t.Fatalf("s did not sort by symbol: %q", header())
	}
	if l := selectedLine(t, p); !strings.Contains(l, "ADAUSDT") {
		t.Fatalf("first row by symbol should be ADAUSDT: %q\n%s", l, screen(p))
	}
	// A new order lands in its sorted place, not on top.
	o := openOrder(7, exchange.Buy, "1")
	o.Symbol = "BNBUSDT"
	p.Update(event(o))
	rows := strings.Split(screen(p), "\n")[1:]
	if !strings.Contains(rows[1], "BNBUSDT") {
		t.Fatalf("BNBUSDT not second by symbol:\n%s", screen(p))
	}
	p.Update(keyMsg("S"))
	if !strings.Contains(header(), "symbol▼") || !strings.Contains(selectedLine(t, p), "SOLUSDT") {
		t.Fatalf("S did not reverse:\n%s", screen(p))
	}
	p.Update(keyMsg("s")) // side
	p.Update(keyMsg("s")) // price, highest first
	if !strings.Contains(header(), "▼") || !strings.Contains(selectedLine(t, p), "60000") {
		t.Fatalf("price sort:\n%s", screen(p))
	}
	p.Update(keyMsg("s")) // status
	if !strings.Contains(header(), "status▲") {
		t.Fatalf("status sort: %q", header())
	}
	p.Update(keyMsg("s")) // back to the default
	if strings.ContainsAny(header(), "▲▼") || !strings.Contains(selectedLine(t, p), "vg14-007") {
		t.Fatalf("cycle did not come back to newest first:\n%s", screen(p))
	}
	if !helpHas(p, "s", "sort") || !helpHas(p, "S", "reverse") {
		t.Fatal("help does not list the sort keys")
	}
}

// The sorted, filtered, open-only view kept up by binary search is the
// same as rebuilding it from scratch, whatever the events.
func TestBlotterSortedViewMatchesRebuild(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 6))
	for round := range 30 {
		p := NewBlotter(testStyles())
		p.SetSize(120, 10)
		p.Focus()
		p.maxFinal = 20
		for range rng.IntN(5) {
			p.Update(keyMsg("s"))
		}
		if rng.IntN(2) == 0 {
			p.Update(keyMsg("S"))
		}
		if rng.IntN(2) == 0 {
			p.Update(keyMsg("a"))
		}
		for i := range 200 {
			n := rng.IntN(60)
			o := openOrder(n, []exchange.Side{exchange.Buy, exchange.Sell}[n%2], fmt.Sprint(100+rng.IntN(5)))
			o.Symbol = []string{"BTCUSDT", "ETHUSDT", "SOLUSDT"}[n%3]
			o.Updated = o.Updated.Add(time.Duration(i) * time.Second)
			switch rng.IntN(4) {
			case 0:
				o.Status = exchange.StatusPartiallyFilled
				o.Filled = d("0.0005")
			case 1:
				o.Status = exchange.StatusCanceled
			case 2:
				o.Type, o.Price = exchange.MarketOrder, d("0")
				o.Status, o.Filled, o.QuoteFilled = exchange.StatusFilled, o.Qty, d(fmt.Sprint(rng.IntN(90)+1))
			}
			p.Update(event(o))
			if i == 100 && rng.IntN(2) == 0 {
				p.Update(keyMsg("/"))
				typeText(p, "usdt")
				p.Update(keyMsg("enter"))
			}
		}
		got := slices.Clone(p.vis)
		p.refilter()
		if !slices.Equal(got, p.vis) {
			t.Fatalf("round %d (sort %d desc %v open only %v): kept view differs from rebuilt", round, p.sortBy, p.desc, p.openOnly)
		}
		p.View()
	}
}

// Issue 14: copy the selected client id (y) or venue order id (Y) with
// OSC 52, confirmed in the footer.
func TestBlotterCopiesIDs(t *testing.T) {
	p := NewBlotter(testStyles())
	p.SetSize(120, 8)
	p.Focus()
	p.Update(event(openOrder(3, exchange.Buy, "50000")))
	cmd := p.Update(keyMsg("y"))
	if cmd == nil {
		t.Fatal("y gave no command")
	}
	if want := tea.SetClipboard("vg14-003")(); fmt.Sprint(cmd()) != fmt.Sprint(want) {
		t.Fatalf("y: got %#v, want the clipboard set to vg14-003 (%#v)", cmd(), want)
	}
	if f := footerOf(p); !strings.Contains(f, "copied client id vg14-003") {
		t.Fatalf("no confirmation: %q", f)
	}
	cmd = p.Update(keyMsg("Y"))
	if cmd == nil || fmt.Sprint(cmd()) != fmt.Sprint(tea.SetClipboard("1003")()) {
		t.Fatal("Y did not copy the venue order id")
	}
	if f := footerOf(p); !strings.Contains(f, "copied venue order id 1003") {
		t.Fatalf("no confirmation: %q", f)
	}
	p.Update(keyMsg("down"))
	if f := footerOf(p); strings.Contains(f, "copied") {
		t.Fatalf("confirmation outlived the next key: %q", f)
	}
}

// Under a sort the user chose, an event at 100k orders still costs a
// binary search and a slice insert, not a sort.
func BenchmarkBlotterHeldSorted(b *testing.B) {
	p := NewBlotter(testStyles())
	p.maxFinal = 0
	feed(p, fixtureOrders(5, 20_000))
	p.SetSize(160, 48)
	p.Focus()
	for range 3 {
		p.Update(keyMsg("s")) // price, highest first
	}
	if p.sortBy != sortPrice {
		b.Fatalf("sort %d", p.sortBy)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		o := fixtureOrder(acctNames[1], 200_000+i)
		o.Status, o.Filled = exchange.StatusNew, d("0")
		o.Created = t0.Add(time.Duration(i) * time.Second)
		o.Updated = o.Created
		p.Update(OrderEventMsg{Event: eventOf(o)})
		_ = p.View()
	}
}
