package ui

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

// updating reports -update, the flag teatest's golden package defines.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func checkFrame(t *testing.T, frame string, w, h int) []string {
	t.Helper()
	lines := strings.Split(ansi.Strip(frame), "\n")
	if len(lines) > h {
		t.Fatalf("%dx%d: %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Fatalf("%dx%d: line %d is %d wide: %q", w, h, i, n, l)
		}
	}
	return lines
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs from golden (run with -update after checking):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// trimRight drops the canvas's trailing blanks so goldens are readable.
func trimRight(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(out, "\n") + "\n"
}

func TestGoldenFrames(t *testing.T) {
	for _, tc := range []struct {
		name   string
		w, h   int
		prep   func(m *Model)
		expect []string
	}{
		{name: "80x24", w: 80, h: 24, expect: []string{"1 Keys", "5 Blotter", "7 Log", "vault unlocked"}},
		{name: "160x48", w: 160, h: 48, expect: []string{"4 Balances", "6 Order entry", "2 Clock"}},
		{name: "50x14-single", w: 50, h: 14, expect: []string{HintEnlarge[:20], "5 Blotter"}},
		{name: "80x24-confirm", w: 80, h: 24, prep: func(m *Model) {
			m.Update(views.SubmitOrder{Account: "alpha", Req: limitBuy("0.1", "40000")})
		}, expect: []string{"Place this order?", "Type BTCUSDT, then enter"}},
		{name: "100x30-help", w: 100, h: 30, prep: func(m *Model) {
			m.Update(keyMsg(t, "?"))
		}, expect: []string{"Cockpit", "tab"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, acctInfo("alpha", exchange.Testnet), acctInfo("beta", exchange.Mainnet))
			m := f.m
			m.Update(tea.WindowSizeMsg{Width: tc.w, Height: tc.h})
			if tc.prep != nil {
				tc.prep(m)
			}
			lines := checkFrame(t, m.Render(), tc.w, tc.h)
			if len(lines) != tc.h {
				t.Fatalf("frame has %d lines, want %d", len(lines), tc.h)
			}
			got := trimRight(lines)
			for _, want := range tc.expect {
				if !strings.Contains(got, want) {
					t.Errorf("frame lacks %q", want)
				}
			}
			golden(t, tc.name, got)
		})
	}
}

// The real panes, fed fixed data, swept over sizes: every frame fits.
func TestRealPanesFitEverySize(t *testing.T) {
	now := fixedNow
	a := feedtest.New(acctInfo("alpha", exchange.Testnet), now)
	b := feedtest.New(acctInfo("beta", exchange.Mainnet), now)
	m := New(Deps{Venues: []exchange.Venue{a, b}, Now: now, NoColor: false, Dark: true})
	_ = a.SyncClock(t.Context())
	bals, _ := a.Balances(t.Context())
	m.Update(tickMsg(t0))
	for _, msg := range []tea.Msg{
		views.ClockMsg{Snapshot: a.Clock()},
		views.BudgetMsg{Snapshot: a.Budget()},
		views.BalancesMsg{Account: "alpha", Balances: bals, At: t0},
		views.KeyInfoMsg{Account: "alpha", Info: exchange.KeyInfo{Read: exchange.TriYes, Trade: exchange.TriYes, Withdraw: exchange.TriNo, CheckedAt: t0}},
		views.OrderEventMsg{Event: exchange.OrderEvent{Account: "alpha", Kind: exchange.EventAck, Order: exchange.Order{
			Account: "alpha", Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Price: dec("40000"), Qty: dec("0.01"), Filled: dec("0"), Status: exchange.StatusNew, ClientID: "vg0000000000000000000001",
			OrderID: "1001", Created: t0, Updated: t0,
		}}},
		views.LogMsg{Time: t0, Level: views.LevelWarn, Account: "beta", Text: "clock sync failed: timed out (venue not answering)"},
	} {
		m.Update(msg)
	}
	m.Update(tickMsg(t0.Add(time.Second)))
	for _, w := range []int{20, 37, 59, 60, 80, 99, 100, 139, 140, 160, 211} {
		for _, h := range []int{5, 15, 16, 24, 39, 40, 48} {
			m.Update(tea.WindowSizeMsg{Width: w, Height: h})
			checkFrame(t, m.Render(), w, h)
		}
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	if v := ansi.Strip(m.Render()); !strings.Contains(v, "BTCUSDT") || !strings.Contains(v, "alpha") {
		t.Fatalf("real panes at 160x48 show no data:\n%s", v)
	}
}
