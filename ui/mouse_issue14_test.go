package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/views"
)

// cellOf is where text first shows on the screen: its column (in cells)
// and row; the test fails when it is not there.
func cellOf(t *testing.T, scr, text string) (x, y int) {
	t.Helper()
	for y, l := range strings.Split(scr, "\n") {
		if i := strings.Index(l, text); i >= 0 {
			return ansi.StringWidth(l[:i]), y
		}
	}
	t.Fatalf("%q is not on the screen:\n%s", text, scr)
	return 0, 0
}

func click(m *Model, x, y int) tea.Cmd {
	_, cmd := m.Update(tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft})
	return cmd
}

func wheel(m *Model, x, y int, down bool, n int) {
	b := tea.MouseWheelUp
	if down {
		b = tea.MouseWheelDown
	}
	for range n {
		m.Update(tea.MouseWheelMsg{X: x, Y: y, Button: b})
	}
}

func threeOrders() []exchange.Order {
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	return []exchange.Order{
		{Account: "alpha", Symbol: "ETHUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, Price: dec("3000"), Qty: dec("0.1"),
			Status: exchange.StatusNew, ClientID: "vgm-eth", OrderID: "11", Created: at(1), Updated: at(1)},
		{Account: "alpha", Symbol: "ADAUSDT", Side: exchange.Sell, Type: exchange.LimitOrder, Price: dec("0.5"), Qty: dec("100"),
			Status: exchange.StatusNew, ClientID: "vgm-ada", OrderID: "12", Created: at(2), Updated: at(2)},
		{Account: "alpha", Symbol: "XRPUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, Price: dec("0.4"), Qty: dec("50"),
			Status: exchange.StatusNew, ClientID: "vgm-xrp", OrderID: "13", Created: at(3), Updated: at(3)},
	}
}

// Issue 14: click a pane to focus it, click an order to select it (c then
// cancels that one), click a summary's name in the tabbed title.
func TestCockpitMouseClickFocusesAndSelects(t *testing.T) {
	m := realModel(t, 160, 48)
	if v := m.View(); v.MouseMode != tea.MouseModeCellMotion {
		t.Fatalf("mouse mode %v, want cell motion (clicks and wheel)", v.MouseMode)
	}
	m.Update(views.OrdersMsg{Account: "alpha", Orders: threeOrders()})
	m.Update(views.LogMsg{Time: t0, Level: views.LevelInfo, Text: "a line to click on"})

	x, y := cellOf(t, screen(m), "a line to click on")
	click(m, x, y)
	if m.Focused() != PaneLog || !strings.Contains(screen(m), "Events · ? help") {
		t.Fatalf("click on Events: focus %v\n%s", m.Focused(), screen(m))
	}

	// The blotter lists newest first: XRP, ADA, ETH. A click on ETH's
	// row focuses the blotter and moves the cursor there.
	x, y = cellOf(t, screen(m), "ETHUSDT")
	click(m, x, y)
	if m.Focused() != PaneBlotter {
		t.Fatalf("click on an order: focus %v", m.Focused())
	}
	if _, yy := cellOf(t, screen(m), "┃▶"); yy != y {
		t.Fatalf("the cursor is on row %d, the click was on row %d:\n%s", yy, y, screen(m))
	}
	run(t, m, keys(t, m, "c"))
	if title, ok := m.Dialog(); !ok || !strings.Contains(screen(m), "ETHUSDT") || !strings.Contains(screen(m), "vgm-eth") {
		t.Fatalf("c after clicking ETH: dialog %q %v\n%s", title, ok, screen(m))
	}
	// A click while a dialog is open answers nothing.
	click(m, 1, 1)
	if _, ok := m.Dialog(); !ok || m.Focused() != PaneBlotter {
		t.Fatal("a click closed the dialog or moved focus under it")
	}
	keys(t, m, "esc")

	// A click on the header changes nothing.
	x, y = cellOf(t, screen(m), "ADAUSDT")
	click(m, x, y)
	_, hy := cellOf(t, screen(m), "symbol")
	click(m, x, hy)
	if o, _ := m.panes[PaneBlotter].(*views.Blotter).Selected(); o.ClientID != "vgm-ada" {
		t.Fatalf("a click on the header moved the cursor to %q", o.ClientID)
	}

	// At 80×24 the summaries share a tabbed slot: their names in its
	// title are what to click.
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	x, y = cellOf(t, screen(m), "· 2 Clock")
	click(m, x+3, y)
	if m.Focused() != PaneClock || !strings.Contains(screen(m), "━ 2 Clock ") {
		t.Fatalf("click on the Clock tab: focus %v\n%s", m.Focused(), screen(m))
	}
	x, y = cellOf(t, screen(m), "· 3 Budgets")
	click(m, x+2, y)
	if m.Focused() != PaneBudgets {
		t.Fatalf("click on the Budgets tab: focus %v\n%s", m.Focused(), screen(m))
	}

	// The side panes with no place at 80 columns are named in the
	// blotter's frame: a click there opens them.
	keys(t, m, "5")
	x, y = cellOf(t, screen(m), "· 6 New order")
	click(m, x+3, y)
	if s := screen(m); m.Focused() != PaneOrderEntry || !strings.Contains(s, "━ 6 New order ") {
		t.Fatalf("click on the New order tab: focus %v\n%s", m.Focused(), s)
	}
	keys(t, m, "esc")
	x, y = cellOf(t, screen(m), "· 4 Balances")
	click(m, x+3, y)
	if m.Focused() != PaneBalances {
		t.Fatalf("click on the Balances tab: focus %v\n%s", m.Focused(), screen(m))
	}
}

// Issue 14: the wheel scrolls the pane under the pointer, the help too.
func TestCockpitMouseWheelScrolls(t *testing.T) {
	m := realModel(t, 160, 48)
	for i := range 60 {
		m.Update(views.LogMsg{Time: t0.Add(time.Duration(i) * time.Second), Level: views.LevelInfo, Text: fmt.Sprintf("event number %02d", i)})
	}
	s := screen(m)
	if !strings.Contains(s, "event number 59") || strings.Contains(s, "event number 20") {
		t.Fatalf("the log does not start at its newest lines:\n%s", s)
	}
	x, y := cellOf(t, s, "event number 59")
	wheel(m, x, y, false, 10) // 30 lines up
	s = screen(m)
	if m.Focused() != PaneLog || strings.Contains(s, "event number 59") || !strings.Contains(s, "event number 25") {
		t.Fatalf("wheel up over Events: focus %v\n%s", m.Focused(), s)
	}
	wheel(m, x, y, true, 20)
	if s = screen(m); !strings.Contains(s, "event number 59") {
		t.Fatalf("wheel down did not come back to the newest line:\n%s", s)
	}

	// Over the blotter a notch is a row, as ↓ is.
	m.Update(views.OrdersMsg{Account: "alpha", Orders: threeOrders()})
	x, y = cellOf(t, screen(m), "XRPUSDT")
	wheel(m, x, y, true, 2)
	if o, _ := m.panes[PaneBlotter].(*views.Blotter).Selected(); m.Focused() != PaneBlotter || o.ClientID != "vgm-eth" {
		t.Fatalf("two notches down the blotter: focus %v, selected %q", m.Focused(), o.ClientID)
	}

	// A wheel never takes the order form from someone filling it in.
	keys(t, m, "o")
	wheel(m, x, y, true, 1)
	if m.Focused() != PaneOrderEntry {
		t.Fatalf("a wheel over the blotter took focus from the form: %v", m.Focused())
	}
	keys(t, m, "esc")

	// Help at 80×24 is longer than the screen: the wheel scrolls it.
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	keys(t, m, "?")
	if !strings.Contains(screen(m), "lines 1-") {
		t.Fatalf("help at 80x24 does not say where it is:\n%s", screen(m))
	}
	wheel(m, 40, 12, true, 1)
	if !strings.Contains(screen(m), "lines 4-") {
		t.Fatalf("a wheel notch did not scroll help 3 lines:\n%s", screen(m))
	}
}

// Issue 14: the mouse can be turned off (the terminal's own selection
// then works over SSH and tmux): with m, and from the config.
func TestCockpitMouseOff(t *testing.T) {
	m := realModel(t, 160, 48)
	keys(t, m, "m")
	if v := m.View(); v.MouseMode != tea.MouseModeNone || m.MouseOn() {
		t.Fatalf("m: mouse mode %v", v.MouseMode)
	}
	if s := screen(m); !strings.Contains(s, "mouse off") {
		t.Fatalf("m: the status line does not say the mouse is off:\n%s", s)
	}
	m.Update(views.LogMsg{Time: t0, Level: views.LevelInfo, Text: "a line to click on"})
	x, y := cellOf(t, screen(m), "a line to click on")
	click(m, x, y)
	if m.Focused() == PaneLog {
		t.Fatal("a click with the mouse off moved focus")
	}
	keys(t, m, "m")
	if v := m.View(); v.MouseMode != tea.MouseModeCellMotion {
		t.Fatalf("m again: mouse mode %v", v.MouseMode)
	}
	click(m, x, y)
	if m.Focused() != PaneLog {
		t.Fatal("a click with the mouse back on did not focus Events")
	}

	a := New(Deps{Venues: m.deps.Venues, Now: fixedNow, NoColor: true, Dark: true, NoMouse: true})
	a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if v := a.View(); v.MouseMode != tea.MouseModeNone {
		t.Fatalf("NoMouse: mouse mode %v", v.MouseMode)
	}
	a.Update(tea.KeyPressMsg{Code: '?', Text: "?"})
	for range 20 {
		a.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	keys(t, a, "home")
	var all strings.Builder
	for range 10 {
		all.WriteString(screen(a))
		a.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	for _, want := range []string{"mouse on / off", "zoom", "click/wheel"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("help does not mention %q", want)
		}
	}
}

// Issue 14: z makes the focused pane fill the screen; z or esc gives the
// screen back; esc first clears a filter; zoom follows tab.
func TestCockpitZoom(t *testing.T) {
	m := realModel(t, 80, 24)
	m.Update(views.OrdersMsg{Account: "alpha", Orders: threeOrders()})
	keys(t, m, "5", "z")
	s := screen(m)
	lines := strings.Split(s, "\n")
	if !m.Zoomed() || !strings.HasPrefix(lines[0], "┏━ 5 Orders") || !strings.HasPrefix(lines[22], "┗") ||
		strings.Contains(s, "Events") || strings.Contains(s, "1 Keys") {
		t.Fatalf("z: the blotter does not fill the screen:\n%s", s)
	}
	if !strings.Contains(lines[23], "zoomed · z/esc back") {
		t.Fatalf("z: the status line does not say how back:\n%s", s)
	}
	keys(t, m, "z")
	if s = screen(m); m.Zoomed() || !strings.Contains(s, "7 Events") || strings.Contains(s, "zoomed") {
		t.Fatalf("z again: still zoomed:\n%s", s)
	}

	// esc clears the blotter's filter before it leaves the zoom.
	keys(t, m, "z", "/", "x", "r", "p", "enter")
	if s = screen(m); !strings.Contains(s, "XRPUSDT") || strings.Contains(s, "ETHUSDT") {
		t.Fatalf("filter xrp:\n%s", s)
	}
	keys(t, m, "esc")
	if s = screen(m); !m.Zoomed() || !strings.Contains(s, "ETHUSDT") {
		t.Fatalf("esc: filter not cleared, or zoom left first (zoomed %v):\n%s", m.Zoomed(), s)
	}
	// Zoom follows tab: the next pane fills the screen.
	keys(t, m, "tab")
	if s = screen(m); m.Focused() != PaneLog || !strings.HasPrefix(s, "┏━ 7 Events") || strings.Contains(s, "ETHUSDT") {
		t.Fatalf("tab while zoomed: focus %v\n%s", m.Focused(), s)
	}
	keys(t, m, "esc")
	if m.Zoomed() {
		t.Fatal("esc did not leave the zoom")
	}

	// In the order form esc leaves the zoom, then the form.
	keys(t, m, "o", "z")
	if s = screen(m); !strings.HasPrefix(s, "┏━ 6 New order") || strings.Contains(s, "Orders") {
		t.Fatalf("z in the order form:\n%s", s)
	}
	keys(t, m, "esc")
	if m.Zoomed() || m.Focused() != PaneOrderEntry {
		t.Fatalf("esc in the zoomed form: zoomed %v focus %v", m.Zoomed(), m.Focused())
	}
}

// The wheel over Budgets lists the buckets below the fold, as ↓ does.
func TestCockpitMouseWheelScrollsBudgets(t *testing.T) {
	m := goldenModel(t, 80, 16)
	for _, a := range []string{"alpha", "beta"} {
		snap := exchange.BudgetSnapshot{Account: a}
		for i := range 4 {
			snap.Buckets = append(snap.Buckets, exchange.Bucket{Name: fmt.Sprintf("orders/%ds", 10*(i+1)), Used: i, Limit: 50, Window: time.Duration(10*(i+1)) * time.Second})
		}
		m.Update(views.BudgetMsg{Snapshot: snap})
	}
	keys(t, m, "3")
	before := screen(m)
	x, y := cellOf(t, before, "━ 3 Budgets")
	wheel(m, x, y+1, true, 1)
	after := screen(m)
	if m.Focused() != PaneBudgets || after == before {
		t.Fatalf("a wheel notch down over Budgets changed nothing:\n%s", after)
	}
	keys(t, m, "home")
	if screen(m) != before {
		t.Fatalf("home does not return to where the wheel started:\n%s", screen(m))
	}
	wheel(m, x, y+1, true, 1)
	keys(t, m, "home", "down", "down", "down")
	if screen(m) != after {
		t.Fatalf("a notch is not three lines, as ↓↓↓:\n%s\nwant:\n%s", screen(m), after)
	}
}
