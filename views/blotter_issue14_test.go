package views

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
)

// openOrder is an open limit order created i minutes after t0.
func openOrder(i int, side exchange.Side, price string) exchange.Order {
	return exchange.Order{Account: acctNames[0], Symbol: "BTCUSDT", Side: side, Type: exchange.LimitOrder,
		Price: d(price), Qty: d("0.001"), Status: exchange.StatusNew, ClientID: fmt.Sprintf("vg14-%03d", i),
		OrderID: fmt.Sprint(1000 + i), Created: t0.Add(time.Duration(i) * time.Minute), Updated: t0.Add(time.Duration(i) * time.Minute)}
}

func event(o exchange.Order) tea.Msg {
	return OrderEventMsg{Event: exchange.OrderEvent{Account: o.Account, Kind: exchange.EventAck, Order: o, Time: o.Updated}}
}

// selectedLine is the row the cursor is on, ANSI stripped.
func selectedLine(t *testing.T, p *Blotter) string {
	t.Helper()
	for _, l := range strings.Split(ansi.Strip(p.View()), "\n") {
		if strings.HasPrefix(l, "▶") {
			return l
		}
	}
	t.Fatalf("no cursor in:\n%s", ansi.Strip(p.View()))
	return ""
}

func footerOf(p *Blotter) string {
	lines := strings.Split(ansi.Strip(p.View()), "\n")
	return lines[len(lines)-1]
}

// Issue 14: orders arriving after the cockpit opened pushed the cursor down
// with the first order it sat on, so it started mid-list.
func TestBlotterCursorStartsAtTop(t *testing.T) {
	p := NewBlotter(testStyles())
	p.SetSize(120, 12)
	p.Focus()
	for i := range 6 {
		p.Update(event(openOrder(i, exchange.Buy, "50000")))
	}
	if l := selectedLine(t, p); !strings.Contains(l, "vg14-005") {
		t.Fatalf("cursor not on the newest (top) order: %q\n%s", l, ansi.Strip(p.View()))
	}
	// Once moved, it stays with its order as rows arrive above it.
	p.Update(press(t, p.keys.Down))
	p.Update(event(openOrder(6, exchange.Buy, "50000")))
	if l := selectedLine(t, p); !strings.Contains(l, "vg14-004") {
		t.Fatalf("a moved cursor left its order: %q", l)
	}
	// Home brings it back to the top, where it stays.
	p.Update(press(t, p.keys.Home))
	p.Update(event(openOrder(7, exchange.Buy, "50000")))
	if l := selectedLine(t, p); !strings.Contains(l, "vg14-007") {
		t.Fatalf("cursor at the top did not stay there: %q", l)
	}
}

// Issue 14: the cursor followed a cancelled order into the closed rows, and
// a second c there did nothing, without a word.
func TestBlotterCancelKeepsCursorPlaceAndSaysWhy(t *testing.T) {
	p := NewBlotter(testStyles())
	p.SetSize(120, 12)
	p.Focus()
	for i := range 4 {
		p.Update(event(openOrder(i, exchange.Buy, "50000")))
	}
	p.Update(press(t, p.keys.Down)) // on vg14-002
	cmd := p.Update(press(t, p.keys.Cancel))
	c, ok := findMsg[CancelOrder](cmd)
	if !ok || c.Ref.ClientID != "vg14-002" {
		t.Fatalf("c emitted %+v %v", c, ok)
	}
	o := openOrder(2, exchange.Buy, "50000")
	o.Status, o.Updated = exchange.StatusCanceled, o.Updated.Add(time.Second)
	p.Update(event(o))
	if l := selectedLine(t, p); !strings.Contains(l, "vg14-001") || strings.Contains(l, "CANCELED") {
		t.Fatalf("cursor followed the cancelled order: %q\n%s", l, ansi.Strip(p.View()))
	}
	// On the cancelled row itself, c says why it does nothing.
	p.Update(press(t, p.keys.End))
	if l := selectedLine(t, p); !strings.Contains(l, "vg14-002") {
		t.Fatalf("end: %q", l)
	}
	if cmd := p.Update(press(t, p.keys.Cancel)); cmd != nil {
		t.Fatalf("c on a cancelled order emitted %v", msgsOf(cmd))
	}
	if f := footerOf(p); !strings.Contains(f, "vg14-002 is already CANCELED") {
		t.Fatalf("c on a cancelled order said nothing: %q", f)
	}
	p.Update(press(t, p.keys.Up))
	if f := footerOf(p); strings.Contains(f, "already") {
		t.Fatalf("note outlived the next key: %q", f)
	}
}

// Issue 14: nothing showed that rows were scrolled above the window.
func TestBlotterMarksRowsScrolledAbove(t *testing.T) {
	p := NewBlotter(testStyles())
	p.SetSize(120, 6) // header, 4 rows, footer
	p.Focus()
	for i := range 20 {
		p.Update(event(openOrder(i, exchange.Buy, "50000")))
	}
	if f := footerOf(p); strings.Contains(f, "↑") || !strings.Contains(f, "↓ 16 more") {
		t.Fatalf("at the top: %q", f)
	}
	p.Update(press(t, p.keys.End))
	if f := footerOf(p); !strings.Contains(f, "↑ 16 more") || strings.Contains(f, "↓") {
		t.Fatalf("scrolled to the end: %q", f)
	}
}

// Issue 14: /SELL and /60000 matched nothing: the filter searched account,
// symbol, status and client id only.
func TestBlotterFilterMatchesSidePriceAndType(t *testing.T) {
	p := NewBlotter(testStyles())
	p.SetSize(120, 12)
	p.Focus()
	p.Update(event(openOrder(0, exchange.Buy, "50000")))
	p.Update(event(openOrder(1, exchange.Sell, "60000")))
	p.Update(event(openOrder(2, exchange.Sell, "61000.5")))
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"SELL", []string{"vg14-001", "vg14-002"}},
		{"60000", []string{"vg14-001"}},
		{"61000.5", []string{"vg14-002"}},
		{"limit", []string{"vg14-000", "vg14-001", "vg14-002"}},
		{"#1000", []string{"vg14-000"}},
	} {
		p.Update(press(t, p.keys.ClearFilter))
		p.Update(press(t, p.keys.Filter))
		typeText(p, c.q)
		p.Update(press(t, p.keys.Apply))
		v := ansi.Strip(p.View())
		if p.Visible() != len(c.want) {
			t.Errorf("/%s: %d rows, want %v:\n%s", c.q, p.Visible(), c.want, v)
		}
		for _, id := range c.want {
			if !strings.Contains(v, id) {
				t.Errorf("/%s: %s missing:\n%s", c.q, id, v)
			}
		}
	}
}
