package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

// realModel is the cockpit with its real panes at w×h.
func realModel(t *testing.T, w, h int) *Model {
	t.Helper()
	a := feedtest.New(acctInfo("alpha", exchange.Testnet), fixedNow)
	b := feedtest.New(acctInfo("beta", exchange.Mainnet), fixedNow)
	m := New(Deps{Venues: []exchange.Venue{a, b}, Now: fixedNow, NoColor: true, Dark: true})
	m.Update(tickMsg(t0))
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func keys(t *testing.T, m *Model, ks ...string) tea.Cmd {
	t.Helper()
	var cmd tea.Cmd
	for _, k := range ks {
		_, cmd = m.Update(keyMsg(t, k))
	}
	return cmd
}

func quits(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func screen(m *Model) string { return ansi.Strip(m.Render()) }

// Issue 14: at 80×24 tab reached the order form and then only cycled its
// fields; Events could not be reached with tab, esc then tab went back
// into the form, q did nothing in the form.
func TestTabLeavesOrderFormAt80x24(t *testing.T) {
	m := realModel(t, 80, 24)
	keys(t, m, "o")
	if m.Focused() != PaneOrderEntry || !strings.Contains(screen(m), "quantity") {
		t.Fatalf("o: focus %v, screen:\n%s", m.Focused(), screen(m))
	}
	keys(t, m, "tab")
	if m.Focused() == PaneOrderEntry || strings.Contains(screen(m), "quantity") {
		t.Fatalf("tab stayed in the order form (focus %v):\n%s", m.Focused(), screen(m))
	}
	keys(t, m, "o", "shift+tab")
	if m.Focused() != PaneLog {
		t.Fatalf("shift+tab from the form: focus %v, want log", m.Focused())
	}
	// esc leaves the form for the pane it came from; tab then goes on, to
	// the log below the blotter, not back into the form.
	keys(t, m, "5", "o", "esc")
	if m.Focused() != PaneBlotter {
		t.Fatalf("esc from the form: focus %v, want blotter", m.Focused())
	}
	keys(t, m, "tab")
	if m.Focused() != PaneLog {
		t.Fatalf("esc then tab: focus %v, want log", m.Focused())
	}
	// Every pane is reachable by tab alone; positions is not there (no
	// account holds any) and tab does not stop on it.
	seen := map[PaneID]bool{}
	for range NumPanes {
		keys(t, m, "tab")
		seen[m.Focused()] = true
	}
	if len(seen) != int(NumPanes)-1 || seen[PanePositions] {
		t.Fatalf("tab reached %v, want every pane but positions", seen)
	}
}

func TestQuitFromOrderForm(t *testing.T) {
	m := realModel(t, 80, 24)
	keys(t, m, "o")
	if !quits(keys(t, m, "q")) {
		t.Fatal("q on the form's account field did not quit")
	}
	m = realModel(t, 80, 24)
	keys(t, m, "o", "down") // the symbol field: a text field
	if quits(keys(t, m, "q")) {
		t.Fatal("q typed into the symbol field quit the cockpit")
	}
	if !strings.Contains(screen(m), "q") || m.Focused() != PaneOrderEntry {
		t.Fatalf("q not typed into the symbol field:\n%s", screen(m))
	}
	if !quits(keys(t, m, "ctrl+c")) {
		t.Fatal("ctrl+c in a text field did not quit")
	}
}

// Issue 14: help was cut at 80×24 and could not scroll; at 40×12 it was
// unusable. It scrolls, says where it is, and fits down to 40×12.
func TestHelpScrollsAndFits(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 24}, {40, 12}} {
		m := realModel(t, sz.w, sz.h)
		keys(t, m, "?")
		first := screen(m)
		checkFrame(t, m.Render(), sz.w, sz.h)
		if !strings.Contains(first, "next pane") || !strings.Contains(first, "esc") {
			t.Fatalf("%dx%d: help top lacks the first keys or how to close:\n%s", sz.w, sz.h, first)
		}
		if strings.Contains(first, "back out") {
			t.Fatalf("%dx%d: the whole help fits; the test needs a longer one:\n%s", sz.w, sz.h, first)
		}
		if !strings.Contains(first, "scroll") {
			t.Fatalf("%dx%d: cut help does not say it scrolls:\n%s", sz.w, sz.h, first)
		}
		keys(t, m, "end")
		last := screen(m)
		checkFrame(t, m.Render(), sz.w, sz.h)
		if !strings.Contains(last, "back out") {
			t.Fatalf("%dx%d: end did not reach the help's last section:\n%s", sz.w, sz.h, last)
		}
		keys(t, m, "home")
		if screen(m) != first {
			t.Fatalf("%dx%d: home did not return to the top:\n%s", sz.w, sz.h, screen(m))
		}
		keys(t, m, "pgdown")
		if screen(m) == first {
			t.Fatalf("%dx%d: pgdown did not scroll", sz.w, sz.h)
		}
		keys(t, m, "esc")
		if m.HelpShown() {
			t.Fatalf("%dx%d: esc did not close help", sz.w, sz.h)
		}
	}
}

// Issue 14: at 80 columns the keys pane showed no key id, age or expiry,
// no legend for `R T -`, and no cursor.
func TestKeysPaneAt80x24(t *testing.T) {
	m := realModel(t, 80, 24)
	m.Update(views.KeyInfoMsg{Account: "alpha", Info: exchange.KeyInfo{Read: exchange.TriYes, Trade: exchange.TriYes, Withdraw: exchange.TriNo, CheckedAt: t0}})
	keys(t, m, "1")
	s := screen(m)
	for _, want := range []string{"▸ alpha", "R T -", "perms: R read · T trade · W withdraw", "age ", "expiry"} {
		if !strings.Contains(s, want) {
			t.Fatalf("keys pane at 80x24 lacks %q:\n%s", want, s)
		}
	}
	keys(t, m, "down")
	if s = screen(m); !strings.Contains(s, "▸ beta") {
		t.Fatalf("down did not move the cursor to beta:\n%s", s)
	}
}
