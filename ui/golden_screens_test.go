package ui

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

// The -update flag rewrites the goldens. teatest's golden package
// defines it when this package's tests import it; when they do not, it
// is defined here, so -update always works.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite ui/testdata goldens")
	}
}

// screenSizes are the terminals the golden screens are kept at: the
// smallest usual one, a laptop half screen, a full one.
var screenSizes = []struct{ w, h int }{{80, 24}, {120, 40}, {160, 48}}

// goldenModel is the real cockpit, real panes, fixed clock, no colour,
// fed what a minute of two accounts shows: clocks, budgets, balances,
// keys, symbols and rules, two orders and a few events.
func goldenModel(t *testing.T, w, h int) *Model {
	t.Helper()
	a := feedtest.New(acctInfo("alpha", exchange.Testnet), fixedNow)
	b := feedtest.New(acctInfo("beta", exchange.Mainnet), fixedNow)
	m := New(Deps{Venues: []exchange.Venue{a, b}, Now: fixedNow, NoColor: true, Dark: true})
	m.Update(tickMsg(t0))
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	ctx := t.Context()
	for _, v := range []*feedtest.Venue{a, b} {
		name := v.Info().Name
		if err := v.SyncClock(ctx); err != nil {
			t.Fatal(err)
		}
		bals, err := v.Balances(ctx)
		if err != nil {
			t.Fatal(err)
		}
		syms, err := v.Symbols(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rules, err := v.Rules(ctx, syms[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range []tea.Msg{
			views.ClockMsg{Snapshot: v.Clock()},
			views.BudgetMsg{Snapshot: v.Budget()},
			views.BalancesMsg{Account: name, Balances: bals, At: t0},
			views.KeyInfoMsg{Account: name, Info: exchange.KeyInfo{Read: exchange.TriYes, Trade: exchange.TriYes, Withdraw: exchange.TriNo, CheckedAt: t0}},
			views.SymbolsMsg{Account: name, Symbols: syms},
			views.RulesMsg{Account: name, Rules: rules, LastPrice: dec("60010.5")},
		} {
			m.Update(msg)
		}
	}
	m.Update(views.OrdersMsg{Account: "alpha", Orders: []exchange.Order{
		{Account: "alpha", Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Price: dec("58000"), Qty: dec("0.01"), Filled: dec("0"), Status: exchange.StatusNew,
			ClientID: "vg0000000000000000000001", OrderID: "1001", Created: t0.Add(-3 * time.Minute), Updated: t0.Add(-3 * time.Minute)},
		{Account: "alpha", Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.MarketOrder,
			Qty: dec("0.002"), Filled: dec("0.002"), QuoteFilled: dec("120.025"), Status: exchange.StatusFilled,
			ClientID: "vg0000000000000000000002", OrderID: "1002", Created: t0.Add(-2 * time.Minute), Updated: t0.Add(-2 * time.Minute)},
	}})
	m.Update(views.LogMsg{Time: t0.Add(-time.Minute), Level: views.LevelInfo, Account: "alpha", Text: "journal reconciled: 2 checked, 0 resolved, 0 resent"})
	m.Update(tickMsg(t0.Add(time.Second)))
	return m
}

// fault is a venue's refusal through the cockpit's own path (a cancel of
// an order the venue does not know), then a transport fault as the feed
// reports it (exchange.Humanize): the newest line, at the bottom of
// Events, which has focus.
func fault(t *testing.T, m *Model) {
	t.Helper()
	keys(t, m, "5", "home")
	run(t, m, keys(t, m, "c"))
	run(t, m, keys(t, m, "y"))
	err := fmt.Errorf("failed to get reader: failed to read frame header: %w", io.EOF)
	m.Update(views.LogMsg{Time: t0.Add(time.Second), Level: views.LevelWarn, Account: "beta",
		Text: "user stream failed: " + exchange.Humanize(err), Advice: "reconnecting with backoff; orders still reach the venue over REST"})
	keys(t, m, "7")
}

// Issue 14: the cockpit's screens, kept as text, at three sizes: what a
// user sees at start, with the order form filled in, with help open,
// with a pane zoomed, and with a fault in Events. A pane changed on
// purpose changes these: look at the diff, then
// go test ./ui -run TestGoldenScreens -update.
func TestGoldenScreens(t *testing.T) {
	for _, sc := range []struct {
		name   string
		prep   func(t *testing.T, m *Model)
		expect []string
	}{
		{"start", nil, []string{"Orders", "Events", "alpha", "UTC"}},
		{"orderform", func(t *testing.T, m *Model) {
			keys(t, m, "o", "down")
			typeText(t, m, "BTCUSDT")
			keys(t, m, "down", "down", "down")
			typeText(t, m, "0.002")
			keys(t, m, "down")
			typeText(t, m, "60000")
		}, []string{"BTCUSDT", "0.002", "60000", "notional"}},
		{"help", func(t *testing.T, m *Model) { keys(t, m, "?") }, []string{"Cockpit", "zoom", "mouse"}},
		{"zoom", func(t *testing.T, m *Model) { keys(t, m, "5", "z") }, []string{"5 Orders", "zoomed · z/esc back"}},
		{"fault", fault, []string{"user stream failed", "cancel failed: see Events"}},
	} {
		for _, sz := range screenSizes {
			name := fmt.Sprintf("%s_%dx%d", sc.name, sz.w, sz.h)
			t.Run(name, func(t *testing.T) {
				m := goldenModel(t, sz.w, sz.h)
				if sc.prep != nil {
					sc.prep(t, m)
				}
				lines := checkFrame(t, m.Render(), sz.w, sz.h)
				if len(lines) != sz.h {
					t.Fatalf("%d lines, want %d", len(lines), sz.h)
				}
				got := trimRight(lines)
				for _, want := range sc.expect {
					if !strings.Contains(got, want) {
						t.Errorf("screen lacks %q:\n%s", want, got)
					}
				}
				goldenScreen(t, filepath.Join("testdata", "screens", name+".golden"), got)
			})
		}
	}
}

// goldenScreen compares got with the file at path, or rewrites the file
// under -update. A difference is shown line by line.
func goldenScreen(t *testing.T, path, got string) {
	t.Helper()
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v\nto create it: go test ./ui -run TestGoldenScreens -update", err)
	}
	if string(want) == got {
		return
	}
	t.Fatalf("%s differs (- golden, + now):\n%s\nif the change is meant, look at it, then: go test ./ui -run TestGoldenScreens -update",
		path, lineDiff(string(want), got))
}

// lineDiff lists the lines that differ, by number: enough to see what
// moved on a screen of fixed height.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(wl), len(gl)) {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "%3d - %s\n%3d + %s\n", i+1, w, i+1, g)
		}
	}
	return b.String()
}
