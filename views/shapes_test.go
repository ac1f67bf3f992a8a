package views

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
)

// longNames are account names as long as the demo's, where cuts showed.
var longNames = map[string]string{
	acctNames[0]: "demo-kestrel", acctNames[1]: "demo-kestrel-ed",
	acctNames[2]: "demo-owl-main", acctNames[3]: "demo-heron-alt",
}

// renamed rewrites the account names in fixture messages.
func renamed(msgs []tea.Msg, names map[string]string) []tea.Msg {
	n := func(s string) string {
		if r, ok := names[s]; ok {
			return r
		}
		return s
	}
	out := make([]tea.Msg, 0, len(msgs))
	for _, m := range msgs {
		switch m := m.(type) {
		case AccountsMsg:
			var c AccountsMsg
			for _, a := range m.Accounts {
				a.Name = n(a.Name)
				c.Accounts = append(c.Accounts, a)
			}
			out = append(out, c)
		case KeyInfoMsg:
			m.Account = n(m.Account)
			out = append(out, m)
		case ClockMsg:
			m.Snapshot.Account = n(m.Snapshot.Account)
			out = append(out, m)
		case BudgetMsg:
			m.Snapshot.Account = n(m.Snapshot.Account)
			out = append(out, m)
		case BalancesMsg:
			m.Account = n(m.Account)
			out = append(out, m)
		case SymbolsMsg:
			m.Account = n(m.Account)
			out = append(out, m)
		case OrdersMsg:
			c := OrdersMsg{Account: n(m.Account)}
			for _, o := range m.Orders {
				o.Account = n(o.Account)
				c.Orders = append(c.Orders, o)
			}
			out = append(out, c)
		case LogMsg:
			m.Account = n(m.Account)
			out = append(out, m)
		default:
			out = append(out, m)
		}
	}
	return out
}

// maskedKeyID is how the fixture's key ids look: their "…" is no cut.
var maskedKeyID = regexp.MustCompile(`ab\d\d…\d\dzz`)

// layoutSizes are the inner sizes ui/layout.go gives each pane at 80×24
// (tabbed summaries, unfocused and focused) and 160×48 (every pane).
var layoutSizes = map[string][][2]int{
	"keys":     {{78, 4}, {78, 7}, {52, 12}},
	"clock":    {{78, 4}, {78, 7}, {51, 12}},
	"budgets":  {{78, 4}, {78, 7}, {51, 12}},
	"balances": {{30, 20}},
	"blotter":  {{78, 11}, {80, 20}},
}

// TestPanesReadWithoutEllipsis: at the sizes the layout gives, with four
// accounts with long names, no pane cuts a line, and the facts that decide
// whether trading is safe are on screen in words.
func TestPanesReadWithoutEllipsis(t *testing.T) {
	st := testStyles()
	msgs := renamed(fixture(4), longNames)
	for _, x := range []struct {
		name string
		p    Pane
		want []string
	}{
		{"keys", NewKeys(st), []string{"demo-kestrel-ed", "⚠WITHDRAW", "MAINNET", "audit failed"}},
		{"clock", NewClock(st), []string{"demo-heron-alt", "AHEAD", "room ahead"}},
		{"budgets", NewBudgets(st), []string{"demo-owl-main", "BANNED", "87% high"}},
		{"balances", NewBalances(st), []string{"demo-kestrel-ed", "STALE", "USDT"}},
		{"blotter", NewBlotter(st), []string{"demo-kestrel-ed", "demo-owl-main"}},
	} {
		feed(x.p, msgs)
		for _, sz := range layoutSizes[x.name] {
			x.p.SetSize(sz[0], sz[1])
			v := ansi.Strip(x.p.View())
			name := fmt.Sprintf("%s %dx%d", x.name, sz[0], sz[1])
			assertFits(t, name, x.p.View(), sz[0], sz[1])
			if strings.Contains(maskedKeyID.ReplaceAllString(v, ""), "…") {
				t.Errorf("%s cuts a line:\n%s", name, v)
			}
			for _, w := range x.want {
				if !strings.Contains(v, w) {
					t.Errorf("%s lacks %q:\n%s", name, w, v)
				}
			}
		}
	}
}

func TestClockHeadroomIsATimeNeverOverAHundredPercent(t *testing.T) {
	p := NewClock(testStyles())
	// A stamp placed behind the estimate has more than the venue's limit
	// ahead of it: as a share of the limit that read "109%".
	s := exchange.ClockSnapshot{Account: "a", Synced: true, Offset: 40 * time.Millisecond, Uncertainty: 4 * time.Millisecond,
		HeadroomAhead: 1090 * time.Millisecond, AheadLimit: time.Second,
		HeadroomBehind: 4880 * time.Millisecond, BehindLimit: 5 * time.Second, LastSync: t0}
	danger := exchange.ClockSnapshot{Account: "b", Synced: true, Offset: -900 * time.Millisecond, Uncertainty: 4 * time.Millisecond,
		HeadroomAhead: 120 * time.Millisecond, AheadLimit: time.Second,
		HeadroomBehind: 4880 * time.Millisecond, BehindLimit: 5 * time.Second, Danger: true, LastSync: t0}
	feed(p, []tea.Msg{TickMsg{Now: t0}, ClockMsg{Snapshot: s}, ClockMsg{Snapshot: danger}})
	p.Focus()
	p.SetSize(120, 4)
	if v := ansi.Strip(p.View()); !regexp.MustCompile(`room ahead +1\.09s`).MatchString(v) {
		t.Fatalf("headroom past the limit not in seconds:\n%s", v)
	}
	for w := 36; w <= 200; w++ {
		for _, h := range []int{2, 4, 12} {
			p.SetSize(w, h)
			p.Update(press(t, p.keys.Down)) // the danger account, in case only one fits
			v := ansi.Strip(p.View())
			if strings.Contains(v, "%") {
				t.Fatalf("%dx%d: headroom as a percentage:\n%s", w, h, v)
			}
			if !strings.Contains(v, "4.88s") {
				t.Fatalf("%dx%d: headroom not in seconds:\n%s", w, h, v)
			}
			if !strings.Contains(v, "DANGER") || !strings.Contains(v, "⚠120ms") {
				t.Fatalf("%dx%d: danger not in words:\n%s", w, h, v)
			}
			if strings.Contains(v, "…") {
				t.Fatalf("%dx%d: cut:\n%s", w, h, v)
			}
		}
	}
}

func TestBudgetsOneLinePerAccountWhenShortExpandedWhenFocused(t *testing.T) {
	p := NewBudgets(testStyles())
	feed(p, fixture(4))
	p.SetSize(78, 4)
	lines := strings.Split(ansi.Strip(p.View()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines for 4 accounts:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for i, l := range lines {
		// weight/1m is every fixture account's fullest bucket.
		if !strings.HasPrefix(l, acctNames[i]) || !strings.Contains(l, "weight/1m") {
			t.Errorf("line %d is not %s's fullest bucket: %q", i, acctNames[i], l)
		}
	}
	if !strings.Contains(lines[3], "1050/1200") || !strings.Contains(lines[3], "87% high") {
		t.Errorf("fullest bucket without its numbers: %q", lines[3])
	}
	if !strings.Contains(lines[2], "BANNED 1m42s") {
		t.Errorf("ban missing from the summary: %q", lines[2])
	}
	p.Focus()
	v := ansi.Strip(p.View())
	if strings.Count(v, "orders/10s") == 0 || strings.Count(v, "weight/1m") == 0 {
		t.Fatalf("focused, the pane should list every bucket:\n%s", v)
	}
	p.Update(press(t, p.keys.End))
	if v := ansi.Strip(p.View()); !strings.Contains(v, "60/100") {
		t.Fatalf("scrolled to the end, the last account's buckets show:\n%s", v)
	}
}

func TestBudgetsShowTheFullestBucketsFirst(t *testing.T) {
	bs := []exchange.Bucket{{Name: "a", Used: 1, Limit: 10}, {Name: "b", Used: 9, Limit: 10}, {Name: "c", Used: 5, Limit: 10}, {Name: "d", Limit: 0}}
	got := fullestK(bs, 2)
	if len(got) != 2 || got[0].Name != "b" || got[1].Name != "c" {
		t.Fatalf("fullestK = %+v, want b and c in their order", got)
	}
	if b, _ := fullest(bs); b.Name != "b" {
		t.Fatalf("fullest = %s", b.Name)
	}
}

func TestKeysOneLinePerAccountWhenShort(t *testing.T) {
	p := NewKeys(testStyles())
	feed(p, fixture(4))
	for _, m := range streamFixture() {
		p.Update(m)
	}
	p.SetSize(78, 4)
	lines := strings.Split(ansi.Strip(p.View()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines for 4 accounts:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for i, want := range []string{"stream live", "⚠WITHDRAW", "MAINNET", "stream DOWN"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d lacks %q: %q", i, want, lines[i])
		}
	}
	// Tall enough, the detail comes back.
	p.SetSize(78, 30)
	if v := ansi.Strip(p.View()); !strings.Contains(v, "stream reconnecting in 4s (attempt 3)") {
		t.Fatalf("tall pane lost the detail:\n%s", v)
	}
}

func TestBlotterAccountColumnFromLongestName(t *testing.T) {
	p := NewBlotter(testStyles())
	long := "demo-kestrel-ed"
	p.Update(AccountsMsg{Accounts: []exchange.AccountInfo{{Name: "a"}, {Name: long}}})
	o := fixtureOrder(long, 0)
	p.Update(OrdersMsg{Account: long, Orders: []exchange.Order{o}})
	for _, w := range []int{60, 80, 160} {
		p.SetSize(w, 6)
		if v := ansi.Strip(p.View()); !strings.Contains(v, long+" ") {
			t.Errorf("%d wide: account cut:\n%s", w, v)
		}
	}
	// Past the cap, a name is cut rather than taking the row.
	huge := strings.Repeat("x", 40)
	p.Update(OrdersMsg{Account: huge, Orders: []exchange.Order{fixtureOrder(huge, 1)}})
	p.SetSize(80, 6)
	if c := p.cols[colAccount].w; c != maxAccountW {
		t.Fatalf("account column %d, want the cap %d", c, maxAccountW)
	}
	// A narrow pane keeps a shortened account before it drops the column.
	p.SetSize(56, 6)
	if c := p.cols[colAccount].w; c < minAccountW {
		t.Fatalf("account column %d at 56 wide", c)
	}
}

func TestPickBlocks(t *testing.T) {
	wide := blocks{{"0123456789"}}
	two := blocks{{"01234", "56789"}}
	one := blocks{{"01234"}}
	tests := []struct {
		name string
		w, h int
		in   []blocks
		want string
	}{
		{"richest that fits", 10, 5, []blocks{wide, two}, "0123456789"},
		{"too narrow for the first", 6, 5, []blocks{wide, two, one}, "01234\n56789"},
		{"too short: fewest rows that fit the width", 6, 1, []blocks{wide, two, one}, "01234"},
		{"nothing fits: the last, cut", 3, 1, []blocks{wide, two}, "01…\n56…"},
		{"nil shapes are skipped", 10, 5, []blocks{nil, two}, "01234\n56789"},
	}
	for _, tt := range tests {
		got := pickBlocks(tt.w, tt.h, tt.in...)
		var lines []string
		for _, b := range got {
			lines = append(lines, b...)
		}
		if s := strings.Join(lines, "\n"); s != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, s, tt.want)
		}
	}
}

func TestSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		850 * time.Millisecond:   "850ms",
		1090 * time.Millisecond:  "1.09s",
		27 * time.Second:         "27.0s",
		-120 * time.Millisecond:  "−120ms",
		125 * time.Second:        "2m05s",
		4880 * time.Millisecond:  "4.88s",
		999 * time.Microsecond:   "0ms",
		10500 * time.Millisecond: "10.5s",
	} {
		if got := span(d); got != want {
			t.Errorf("span(%v) = %q, want %q", d, got, want)
		}
	}
}
