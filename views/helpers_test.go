package views

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

var update = flag.Bool("update", false, "rewrite views/testdata/*.golden")

// t0 is the fixed time of every fixture.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var namedKeys = map[string]rune{
	"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
	"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
	"tab": tea.KeyTab, "enter": tea.KeyEnter, "esc": tea.KeyEscape, "space": tea.KeySpace,
	"backspace": tea.KeyBackspace,
}

// keyMsg builds the key press whose String() is s ("R", "shift+tab", "pgup").
func keyMsg(s string) tea.KeyPressMsg {
	var k tea.Key
	for {
		switch {
		case strings.HasPrefix(s, "shift+"):
			k.Mod |= tea.ModShift
			s = s[len("shift+"):]
			continue
		case strings.HasPrefix(s, "ctrl+"):
			k.Mod |= tea.ModCtrl
			s = s[len("ctrl+"):]
			continue
		}
		break
	}
	if c, ok := namedKeys[s]; ok {
		k.Code = c
		if c == tea.KeySpace {
			k.Text = " "
		}
		return tea.KeyPressMsg(k)
	}
	r, _ := utf8.DecodeRuneInString(s)
	k.Code = r
	if k.Mod == 0 {
		k.Text = s
	}
	return tea.KeyPressMsg(k)
}

// press builds the key press of a binding's first key, so tests follow the keymap.
func press(t testing.TB, b key.Binding) tea.KeyPressMsg {
	t.Helper()
	if len(b.Keys()) == 0 {
		t.Fatalf("binding %q has no keys", b.Help().Desc)
	}
	m := keyMsg(b.Keys()[0])
	if !key.Matches(m, b) {
		t.Fatalf("key %q built as %q does not match its binding", b.Keys()[0], m.String())
	}
	return m
}

func typeText(p Pane, s string) tea.Cmd {
	var cmds []tea.Cmd
	for _, r := range s {
		cmds = append(cmds, p.Update(keyMsg(string(r))))
	}
	return tea.Batch(cmds...)
}

// msgsOf runs a command (batches included) and returns what it emits.
func msgsOf(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	m := cmd()
	if b, ok := m.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, msgsOf(c)...)
		}
		return out
	}
	if m == nil {
		return nil
	}
	return []tea.Msg{m}
}

func findMsg[T any](cmd tea.Cmd) (T, bool) {
	for _, m := range msgsOf(cmd) {
		if v, ok := m.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func testStyles() *Styles {
	st := NewStyles(true, false)
	return &st
}

// Fixture ------------------------------------------------------------------

var acctNames = []string{"ks-test", "owl-demo", "heron-main", "ks-spot2", "owl-alt"}

func fixtureAccounts(n int) AccountsMsg {
	venues := []string{"kestrel", "owl", "heron", "kestrel", "owl"}
	var out AccountsMsg
	for i := 0; i < n; i++ {
		a := exchange.AccountInfo{
			Name: acctNames[i], Venue: venues[i], Network: exchange.Testnet,
			Scheme: exchange.SchemeHMAC, KeyID: fmt.Sprintf("ab%02d…%02dzz", i, i*7),
			MaxOrderNotional: d("1000"), KeyCreated: t0.Add(-time.Duration(30+i*40) * 24 * time.Hour),
		}
		switch i {
		case 1:
			a.Demo, a.Scheme = true, exchange.SchemeEd25519
		case 2:
			a.Network = exchange.Mainnet
		}
		out.Accounts = append(out.Accounts, a)
	}
	return out
}

// fixture is one message of each kind per account, deterministic, covering
// the states each pane must show: WITHDRAW, unbound IP, audit error, clock
// danger and unsynced, a ban, stale and failed balances, an UNKNOWN order.
func fixture(n int) []tea.Msg {
	msgs := []tea.Msg{fixtureAccounts(n), TickMsg{Now: t0}}
	for i := 0; i < n; i++ {
		a := acctNames[i]
		ki := exchange.KeyInfo{Read: exchange.TriYes, Trade: exchange.TriYes, Withdraw: exchange.TriNo,
			IPBound: exchange.TriYes, IPs: []string{"203.0.113.7", "203.0.113.8"}, CheckedAt: t0}
		var kerr error
		switch i % 5 {
		case 1:
			ki.Withdraw, ki.IPBound, ki.IPs = exchange.TriYes, exchange.TriNo, nil
			ki.Expires = t0.Add(5*24*time.Hour + 3*time.Hour)
		case 2:
			ki.Trade, ki.IPBound = exchange.TriUnknown, exchange.TriUnknown
			ki.Expires = t0.Add(90 * 24 * time.Hour)
		case 3:
			kerr = errors.New("HTTP 401: invalid API key")
		}
		msgs = append(msgs, KeyInfoMsg{Account: a, Info: ki, Err: kerr})

		cs := exchange.ClockSnapshot{Account: a, Synced: true,
			Offset: time.Duration(12-i*9) * time.Millisecond, Uncertainty: time.Duration(1+i) * time.Millisecond,
			RTT: time.Duration(40+i*11) * time.Millisecond, DriftPerHr: time.Duration(i*300-500) * time.Microsecond, DriftKnown: true,
			LastSync:      t0.Add(-time.Duration(5+i*20) * time.Second),
			HeadroomAhead: time.Duration(900-i*200) * time.Millisecond, AheadLimit: time.Second,
			HeadroomBehind: time.Duration(4500+i*100) * time.Millisecond, BehindLimit: 5 * time.Second, Samples: 8}
		for j := 0; j < 30; j++ {
			cs.Recent = append(cs.Recent, cs.Offset+time.Duration((j*7+i)%11-5)*time.Millisecond)
		}
		if cs.HeadroomAhead < 250*time.Millisecond {
			cs.Danger = true
		}
		if i == 4 {
			cs.Synced, cs.Err = false, "GET /api/v3/time: connection refused"
		}
		msgs = append(msgs, ClockMsg{Snapshot: cs})

		bs := exchange.BudgetSnapshot{Account: a, At: t0, Buckets: []exchange.Bucket{
			{Name: "weight/1m", Used: 300 + i*250, Limit: 1200, Window: time.Minute, ResetAt: t0.Add(42 * time.Second)},
			{Name: "orders/10s", Used: i * 20, Limit: 100, Window: 10 * time.Second, ResetAt: t0.Add(7 * time.Second)},
		}}
		if i == 2 {
			bs.BannedUntil, bs.BanReason, bs.Waiting = t0.Add(102*time.Second), "IP banned (418)", 3
		}
		msgs = append(msgs, BudgetMsg{Snapshot: bs})

		bal := BalancesMsg{Account: a, At: t0.Add(-5 * time.Second), Balances: []exchange.Balance{
			{Asset: "BTC", Free: d("0.51234567"), Locked: d("0.01")},
			{Asset: "USDT", Free: d("10234.5"), Locked: d("1500")},
			{Asset: "ETH", Free: d("3"), Locked: d("0")},
			{Asset: "SHIB", Free: d("0.00000012"), Locked: d("0")},
		}}
		if i == 1 {
			bal.At = t0.Add(-95 * time.Second)
		}
		msgs = append(msgs, bal)
		if i == 3 {
			msgs = append(msgs, BalancesMsg{Account: a, At: t0, Err: errors.New("timeout after 10s")})
		}
		msgs = append(msgs, SymbolsMsg{Account: a, Symbols: []string{"BTCUSDT", "ETHUSDT", "SOLUSDT"}})
	}
	msgs = append(msgs, fixtureOrders(n, 4)...)
	for i, l := range []LogMsg{
		{Level: LevelInfo, Account: acctNames[0], Text: "clock synced: offset +12.0ms ±1.0ms over 8 samples"},
		{Level: LevelWarn, Account: acctNames[1%n], Text: "withdraw permission enabled on this API key", Advice: "create a key without withdrawal rights for trading bots"},
		{Level: LevelError, Account: acctNames[2%n], Text: "HTTP 418: IP banned until 12:01:42 for repeated rate limit violations after 429 responses were ignored", Advice: "wait for the ban to expire; vigil holds requests until then"},
		{Level: LevelInfo, Text: "vault unlocked"},
	} {
		l.Time = t0.Add(time.Duration(i-10) * time.Second)
		msgs = append(msgs, l)
	}
	return msgs
}

var statuses = []exchange.OrderStatus{exchange.StatusNew, exchange.StatusFilled, exchange.StatusPartiallyFilled,
	exchange.StatusCanceled, exchange.StatusUnknown, exchange.StatusRejected, exchange.StatusExpired, exchange.StatusPending}

func fixtureOrder(acct string, i int) exchange.Order {
	side := exchange.Buy
	if i%3 == 1 {
		side = exchange.Sell
	}
	typ := exchange.LimitOrder
	price := d("50000.1").Add(decimal.New(int64(i), -1))
	if i%7 == 3 {
		typ, price = exchange.MarketOrder, decimal.Zero
	}
	st := statuses[i%len(statuses)]
	o := exchange.Order{Account: acct, Symbol: []string{"BTCUSDT", "ETHUSDT", "SOLUSDT"}[i%3], Side: side, Type: typ,
		TIF: exchange.GTC, Price: price, Qty: d("0.015"), Status: st,
		ClientID: fmt.Sprintf("vg%s%06d", acct[:2], i), OrderID: fmt.Sprint(9_000_000_000_000_000 + i),
		Created: t0.Add(-time.Duration(i) * 37 * time.Second)}
	o.Updated = o.Created
	switch st {
	case exchange.StatusFilled:
		o.Filled = o.Qty
	case exchange.StatusPartiallyFilled:
		o.Filled = d("0.005")
	}
	return o
}

func fixtureOrders(nAccts, per int) []tea.Msg {
	var out []tea.Msg
	for a := 0; a < nAccts; a++ {
		m := OrdersMsg{Account: acctNames[a]}
		for i := 0; i < per; i++ {
			m.Orders = append(m.Orders, fixtureOrder(acctNames[a], a*per+i))
		}
		out = append(out, m)
	}
	return out
}

func feed(p interface{ Update(tea.Msg) tea.Cmd }, msgs []tea.Msg) {
	for _, m := range msgs {
		p.Update(m)
	}
}

// Fit and golden -----------------------------------------------------------

func assertFits(t testing.TB, name, view string, w, h int) {
	t.Helper()
	if view == "" {
		return
	}
	lines := strings.Split(view, "\n")
	if len(lines) > h {
		t.Errorf("%s at %dx%d: %d lines", name, w, h, len(lines))
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("%s at %dx%d: line %d is %d wide: %q", name, w, h, i, lw, ansi.Strip(l))
		}
	}
}

func golden(t *testing.T, name, view string) {
	t.Helper()
	got := ansi.Strip(view) + "\n"
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./views -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from golden:\n--- got ---\n%s--- want ---\n%s", name, got, want)
	}
}

func eventOf(o exchange.Order) exchange.OrderEvent {
	return exchange.OrderEvent{Account: o.Account, Kind: exchange.EventFill, Order: o, Time: o.Updated}
}
