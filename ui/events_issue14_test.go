package ui

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

// eventsCockpit is the cockpit with its real panes, NO_COLOR, one testnet
// account, at w×h.
func eventsCockpit(t *testing.T, w, h int) (*Model, *feedtest.Venue) {
	t.Helper()
	v := feedtest.New(acctInfo("alpha", exchange.Testnet), fixedNow)
	m := New(Deps{Venues: []exchange.Venue{v}, Now: fixedNow, NoColor: true, Dark: true})
	m.Update(tickMsg(t0))
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, v
}

func evScreen(m *Model) string { return ansi.Strip(m.Render()) }

// statusLine is the last line of the screen.
func evStatusLine(m *Model) string {
	ls := strings.Split(strings.TrimRight(evScreen(m), "\n"), "\n")
	return ls[len(ls)-1]
}

// Issue 14: events said "placing BUY 0.001 BTCUSDT", without type or
// price; cancel dialogs named only the symbol and id; cancel-all did not say
// how many; nothing in the status line said an action had happened.
func TestCockpitActionsSayWhatAndFlashInStatusLine(t *testing.T) {
	m, _ := eventsCockpit(t, 160, 48)
	place := func(qty, price string) {
		t.Helper()
		m.Update(views.SubmitOrder{Account: "alpha", Req: limitBuy(qty, price)})
		if _, ok := m.Dialog(); !ok {
			t.Fatalf("no place dialog:\n%s", evScreen(m))
		}
		run(t, m, press(t, m, m.dkeys.Yes))
	}
	place("0.001", "50000")
	if s := evScreen(m); !strings.Contains(s, "placing BUY LIMIT 0.001 BTCUSDT @ 50000") {
		t.Fatalf("the event does not say type and price:\n%s", s)
	}
	if sl := evStatusLine(m); !strings.Contains(sl, "order placed") {
		t.Fatalf("status line says nothing of the order: %q", sl)
	}
	m.Update(tickMsg(t0.Add(views.FlashFor + time.Second)))
	if sl := evStatusLine(m); strings.Contains(sl, "order placed") {
		t.Fatalf("status message did not expire: %q", sl)
	}

	if m.Focused() != PaneBlotter {
		press(t, m, m.keys.Focus[PaneBlotter])
	}
	run(t, m, func() tea.Cmd { _, c := m.Update(keyMsg(t, "c")); return c }())
	title, ok := m.Dialog()
	if !ok || !strings.Contains(title, "Cancel") {
		t.Fatalf("c: no cancel dialog:\n%s", evScreen(m))
	}
	if s := evScreen(m); !strings.Contains(s, "BUY LIMIT 0.001 BTCUSDT @ 50000") {
		t.Fatalf("cancel dialog does not say side, quantity and price:\n%s", s)
	}
	run(t, m, press(t, m, m.dkeys.Yes))
	if sl := evStatusLine(m); !strings.Contains(sl, "order cancelled") {
		t.Fatalf("status line after cancel: %q", sl)
	}

	place("0.001", "40000")
	place("0.002", "41000")
	run(t, m, func() tea.Cmd { _, c := m.Update(keyMsg(t, "C")); return c }())
	title, ok = m.Dialog()
	if !ok || !strings.Contains(title, "ALL 2 open orders") {
		t.Fatalf("cancel-all dialog does not say how many (%q):\n%s", title, evScreen(m))
	}
	run(t, m, press(t, m, m.dkeys.Yes))
	if sl := evStatusLine(m); !strings.Contains(sl, "2 orders cancelled") {
		t.Fatalf("status line after cancel all: %q\n%s", sl, evScreen(m))
	}
}

// Issue 14: Events had no search and no level filter.
func TestCockpitEventsSearchAndLevelFilter(t *testing.T) {
	m, _ := eventsCockpit(t, 120, 40)
	lines := []struct {
		lvl  views.Level
		text string
	}{
		{views.LevelInfo, "placing BUY LIMIT 0.001 BTCUSDT @ 50000 c1"},
		{views.LevelWarn, "stream connection closed by the venue (EOF)"},
		{views.LevelInfo, "placed BTCUSDT c1: NEW"},
		{views.LevelError, "place BTCUSDT refused: insufficient balance"},
		{views.LevelWarn, "stream connection closed by the venue again (EOF)"},
	}
	for i, l := range lines {
		m.Update(views.LogMsg{Time: t0.Add(time.Duration(i) * time.Second), Level: l.lvl, Account: "alpha", Text: l.text})
	}
	press(t, m, m.keys.Focus[PaneLog])
	if m.Focused() != PaneLog {
		t.Fatalf("focus %v", m.Focused())
	}
	m.Update(keyMsg(t, "/"))
	typeText(t, m, "eof")
	s := evScreen(m)
	if !strings.Contains(s, "/eof▏") {
		t.Fatalf("the search being typed is not shown:\n%s", s)
	}
	m.Update(keyMsg(t, "enter"))
	s = evScreen(m)
	if !strings.Contains(s, "/eof: match 2 of 2 (n/N)") || !strings.Contains(s, "Events · /eof") {
		t.Fatalf("no match count in the footer or title:\n%s", s)
	}
	if !lineWith(s, "▶ ", "again (EOF)") || !lineWith(s, "• ", "venue (EOF)") {
		t.Fatalf("matches are not marked (▶ current, • other):\n%s", s)
	}
	m.Update(keyMsg(t, "N"))
	s = evScreen(m)
	if !strings.Contains(s, "match 1 of 2") || !lineWith(s, "▶ ", "venue (EOF)") {
		t.Fatalf("N did not move to the previous match:\n%s", s)
	}
	m.Update(keyMsg(t, "esc"))
	m.Update(keyMsg(t, "l"))
	s = evScreen(m)
	if !strings.Contains(s, "level warn+ (l)") || strings.Contains(s, "placed BTCUSDT c1: NEW") || !strings.Contains(s, "insufficient balance") {
		t.Fatalf("l did not hide INFO lines:\n%s", s)
	}
	m.Update(keyMsg(t, "l"))
	s = evScreen(m)
	if !strings.Contains(s, "level error (l)") || strings.Contains(s, "closed by the venue") || !strings.Contains(s, "insufficient balance") {
		t.Fatalf("second l did not leave only errors:\n%s", s)
	}
	m.Update(keyMsg(t, "l"))
	if s = evScreen(m); strings.Contains(s, "level ") || !strings.Contains(s, "placed BTCUSDT c1: NEW") {
		t.Fatalf("third l did not show all again:\n%s", s)
	}
	m.Update(keyMsg(t, "?"))
	if s = evScreen(m); !strings.Contains(s, "level: all → warn+ → error") || !strings.Contains(s, "next match") {
		t.Fatalf("help does not list the search and level keys:\n%s", s)
	}
}

// lineWith reports whether one line of s holds both a and b, a first.
func lineWith(s, a, b string) bool {
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, a); i >= 0 && strings.Contains(l[i:], b) {
			return true
		}
	}
	return false
}

// Issue 14: Events showed raw Go error chains such as "failed to get
// reader: failed to read frame header: EOF".
func TestCockpitEventsSayTransportErrorsInPlainWords(t *testing.T) {
	m, _ := eventsCockpit(t, 160, 48)
	eof := fmt.Errorf("failed to get reader: failed to read frame header: %w", io.EOF)
	m.Update(placeResult{account: "alpha", req: limitBuy("0.001", "50000"), err: &exchange.AmbiguousError{Op: "place", Err: eof}})
	s := evScreen(m)
	if !strings.Contains(strings.Join(strings.Fields(s), " "), "outcome unknown (will ask the venue): connection closed by the venue (") {
		t.Fatalf("the EOF is not said in plain words:\n%s", s)
	}
	if !strings.Contains(s, "failed to read frame header") {
		t.Fatalf("the raw chain is not kept after the plain words:\n%s", s)
	}
}
