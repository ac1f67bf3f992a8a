package views

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

func TestClockKeysEmitResync(t *testing.T) {
	p := NewClock(testStyles())
	feed(p, fixture(5))
	p.SetSize(78, 10)
	if cmd := p.Update(press(t, p.keys.Resync)); cmd != nil {
		t.Fatal("blurred pane handled a key")
	}
	p.Focus()
	p.Update(press(t, p.keys.Down))
	p.Update(press(t, p.keys.Down))
	got, ok := findMsg[ResyncClock](p.Update(press(t, p.keys.Resync)))
	if !ok || got.Account != acctNames[2] {
		t.Fatalf("r: got %+v, %v; want %s", got, ok, acctNames[2])
	}
	got, ok = findMsg[ResyncClock](p.Update(press(t, p.keys.ResyncAll)))
	if !ok || got.Account != "" {
		t.Fatalf("R: got %+v, %v; want all", got, ok)
	}
	for range 10 {
		p.Update(press(t, p.keys.Down))
	}
	if p.Selected() != acctNames[4] {
		t.Fatalf("selection ran past the end: %q", p.Selected())
	}
	// The selected account stays visible in a short pane.
	if v := ansi.Strip(p.View()); !strings.Contains(v, "▶ "+acctNames[4]) {
		t.Fatalf("selected account scrolled out:\n%s", v)
	}
	if v := ansi.Strip(p.View()); !strings.Contains(v, "DANGER unsynced") || !strings.Contains(v, "AHEAD") {
		t.Fatalf("danger and direction must be in words:\n%s", v)
	}
}

func TestClockSyncAgeFollowsTick(t *testing.T) {
	p := NewClock(testStyles())
	feed(p, fixture(1))
	p.SetSize(158, 5)
	if !strings.Contains(ansi.Strip(p.View()), "synced 5s ago") {
		t.Fatalf("want 5s:\n%s", ansi.Strip(p.View()))
	}
	p.Update(TickMsg{Now: t0.Add(97 * time.Second)})
	if !strings.Contains(ansi.Strip(p.View()), "synced 1m42s ago") {
		t.Fatalf("want 1m42s:\n%s", ansi.Strip(p.View()))
	}
}

func blotterWith(t *testing.T, per int) *Blotter {
	p := NewBlotter(testStyles())
	feed(p, fixtureOrders(5, per))
	p.SetSize(158, 20)
	p.Focus()
	return p
}

func TestBlotterCancelSelected(t *testing.T) {
	p := blotterWith(t, 4)
	o, _ := p.Selected()
	if !o.Status.Open() {
		t.Fatalf("open orders must sort first, got %s", o.Status)
	}
	got, ok := findMsg[CancelOrder](p.Update(press(t, p.keys.Cancel)))
	want := CancelOrder{Account: o.Account, Ref: exchange.OrderRef{Symbol: o.Symbol, ClientID: o.ClientID, OrderID: o.OrderID}, Order: o}
	if !ok || got != want {
		t.Fatalf("c: got %+v, want %+v", got, want)
	}
	all, ok := findMsg[CancelAll](p.Update(press(t, p.keys.CancelAll)))
	if !ok || all.Account != o.Account {
		t.Fatalf("C: got %+v", all)
	}
	// A final order cannot be cancelled.
	p.Update(press(t, p.keys.End))
	if o, _ := p.Selected(); o.Status.Open() {
		t.Fatal("last row should be a closed order")
	}
	if cmd := p.Update(press(t, p.keys.Cancel)); cmd != nil {
		t.Fatalf("c on a closed order emitted %v", msgsOf(cmd))
	}
}

func TestBlotterScrollKeys(t *testing.T) {
	p := blotterWith(t, 100) // 500 orders, 18 rows a page
	page := p.page()
	p.Update(press(t, p.keys.PgDown))
	if p.sel != page {
		t.Fatalf("pgdown: sel %d, want %d", p.sel, page)
	}
	p.Update(press(t, p.keys.Down))
	p.Update(press(t, p.keys.Up))
	p.Update(press(t, p.keys.Up))
	if p.sel != page-1 {
		t.Fatalf("down,up,up: sel %d", p.sel)
	}
	p.Update(press(t, p.keys.End))
	if p.sel != 499 || !strings.Contains(ansi.Strip(p.View()), "[500/500]") {
		t.Fatalf("end: sel %d\n%s", p.sel, ansi.Strip(p.View()))
	}
	p.Update(press(t, p.keys.PgUp))
	if p.sel != 499-page {
		t.Fatalf("pgup: sel %d", p.sel)
	}
	p.Update(press(t, p.keys.Home))
	if p.sel != 0 || p.off != 0 {
		t.Fatalf("home: sel %d off %d", p.sel, p.off)
	}
}

func TestBlotterFilter(t *testing.T) {
	p := blotterWith(t, 10)
	p.Update(press(t, p.keys.Filter))
	if !p.Filtering() {
		t.Fatal("/ did not open the filter")
	}
	typeText(p, "unknown")
	if p.Visible() == 0 || p.Visible() == p.Len() {
		t.Fatalf("filter unknown: %d of %d", p.Visible(), p.Len())
	}
	for i := 0; i < p.Visible(); i++ {
		if p.vis[i].o.Status != exchange.StatusUnknown {
			t.Fatalf("row %d passed the filter: %s", i, p.vis[i].o.Status)
		}
	}
	// While filtering, letters are text: c must not cancel.
	if _, ok := findMsg[CancelOrder](p.Update(press(t, p.keys.Cancel))); ok {
		t.Fatal("c while typing a filter emitted a cancel")
	}
	p.Update(press(t, p.keys.Apply))
	if p.Filtering() || p.Visible() != 0 { // "unknownc" matches nothing
		t.Fatalf("enter: filtering=%v visible=%d", p.Filtering(), p.Visible())
	}
	p.Update(press(t, p.keys.ClearFilter))
	if p.Visible() != p.Len() {
		t.Fatalf("esc: %d of %d", p.Visible(), p.Len())
	}
	// Filter by account substring.
	p.Update(press(t, p.keys.Filter))
	typeText(p, "owl-d")
	if p.Visible() != 10 {
		t.Fatalf("owl-d: %d rows, want 10", p.Visible())
	}
	p.Update(press(t, p.keys.ClearFilter))
	if p.Filtering() || p.Visible() != p.Len() {
		t.Fatal("esc while filtering must clear and close")
	}
}

func TestBlotterEventsNeverRegress(t *testing.T) {
	p := NewBlotter(testStyles())
	p.SetSize(158, 10)
	o := fixtureOrder("ks-test", 0) // NEW
	ev := func(st exchange.OrderStatus, filled string, at time.Duration) OrderEventMsg {
		x := o
		x.Status, x.Filled, x.Updated = st, d(filled), t0.Add(at)
		return OrderEventMsg{Event: exchange.OrderEvent{Account: x.Account, Order: x}}
	}
	p.Update(ev(exchange.StatusUnknown, "0", 0))
	p.Update(ev(exchange.StatusNew, "0", time.Second))
	p.Update(ev(exchange.StatusPartiallyFilled, "0.005", 2*time.Second))
	p.Update(ev(exchange.StatusPartiallyFilled, "0.005", 2*time.Second)) // duplicate
	p.Update(ev(exchange.StatusNew, "0", time.Second))                   // late
	p.Update(ev(exchange.StatusPartiallyFilled, "0.004", 3*time.Second)) // filled went back
	if got, _ := p.Selected(); got.Status != exchange.StatusPartiallyFilled || !got.Filled.Equal(d("0.005")) || p.Len() != 1 {
		t.Fatalf("got %s %s (%d rows)", got.Status, got.Filled, p.Len())
	}
	// A larger cumulative fill is newer whatever its time says (a REST
	// answer and the stream stamp differently): exchange.MergeOrder, as
	// the order state and the desk keep it (issue 13).
	p.Update(ev(exchange.StatusPartiallyFilled, "0.01", 1500*time.Millisecond))
	if got, _ := p.Selected(); !got.Filled.Equal(d("0.01")) || !got.Updated.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("a larger fill was dropped, or the update time went back: %s %s", got.Filled, got.Updated)
	}
	p.Update(ev(exchange.StatusFilled, "0.015", 4*time.Second))
	p.Update(ev(exchange.StatusCanceled, "0.015", 5*time.Second))
	if got, _ := p.Selected(); got.Status != exchange.StatusFilled {
		t.Fatalf("a final status changed: %s", got.Status)
	}
	// A snapshot older than the events keeps the newer state.
	old := o
	p.Update(OrdersMsg{Account: "ks-test", Orders: []exchange.Order{old}})
	if got, _ := p.Selected(); got.Status != exchange.StatusFilled || p.Len() != 1 {
		t.Fatalf("snapshot regressed the row: %s", got.Status)
	}
	// A snapshot replaces an account's rows: others go.
	p.Update(OrdersMsg{Account: "ks-test", Orders: []exchange.Order{fixtureOrder("ks-test", 1)}})
	if p.Len() != 1 || p.rows[0].o.ClientID != fixtureOrder("ks-test", 1).ClientID {
		t.Fatalf("replace: %d rows", p.Len())
	}
}

func TestBlotterUnknownHighlightedAndSortOrder(t *testing.T) {
	p := blotterWith(t, 8)
	for i := 1; i < len(p.rows); i++ {
		a, b := p.rows[i-1].o, p.rows[i].o
		if a.Status.Open() == b.Status.Open() && a.Created.Before(b.Created) {
			t.Fatalf("rows %d,%d not newest first", i-1, i)
		}
		if !a.Status.Open() && b.Status.Open() {
			t.Fatalf("open row %d after a closed one", i)
		}
	}
	p.Update(press(t, p.keys.Filter))
	typeText(p, "unknown")
	p.Update(press(t, p.keys.Apply))
	p.Update(press(t, p.keys.Down)) // selection off the first row
	lines := strings.Split(ansi.Strip(p.View()), "\n")
	if !strings.HasPrefix(lines[1], "?") && !strings.HasPrefix(lines[2], "?") {
		t.Fatalf("UNKNOWN rows must carry a mark:\n%s", strings.Join(lines, "\n"))
	}
}

func TestBlotterRowCacheRerendersOnlyChanged(t *testing.T) {
	p := blotterWith(t, 4)
	p.View()
	cached := map[string]string{}
	for _, r := range p.rows {
		cached[r.key] = r.styled
	}
	o := fixtureOrder(acctNames[0], 0)
	o.Status, o.Filled, o.Updated = exchange.StatusPartiallyFilled, d("0.001"), t0.Add(time.Second)
	p.Update(OrderEventMsg{Event: exchange.OrderEvent{Account: o.Account, Order: o}})
	for _, r := range p.rows {
		if r.key == rowKey(o.Account, o) {
			if r.w != 0 {
				t.Fatal("changed row kept its cache")
			}
		} else if cached[r.key] != "" && r.styled != cached[r.key] {
			t.Fatalf("row %s re-rendered without a change", r.key)
		}
	}
	p.SetSize(100, 20)
	p.View()
	if p.rows[len(p.rows)-1].w == 100 && len(p.rows) > p.page() {
		t.Fatal("rows outside the window rendered on resize")
	}
}

func TestBalancesDustAndStale(t *testing.T) {
	p := NewBalances(testStyles())
	feed(p, fixture(4))
	p.SetSize(158, 40)
	v := ansi.Strip(p.View())
	if strings.Contains(v, "SHIB") || !strings.Contains(v, "1 dust hidden") {
		t.Fatalf("dust shown by default:\n%s", v)
	}
	if !strings.Contains(v, "owl-demo  ⚠ STALE 1m35s") || !strings.Contains(v, "STALE 5s  timeout after 10s") {
		t.Fatalf("stale marks missing:\n%s", v)
	}
	if strings.Contains(v, "ks-test  ⚠ STALE") {
		t.Fatal("fresh balances marked stale")
	}
	p.Update(press(t, p.keys.HideDust))
	if p.Focus(); p.HideDust() != true {
		t.Fatal("blurred pane toggled")
	}
	p.Update(press(t, p.keys.HideDust))
	v = ansi.Strip(p.View())
	if p.HideDust() || !strings.Contains(v, "0.00000012") {
		t.Fatalf("h did not show dust:\n%s", v)
	}
	p.Update(TickMsg{Now: t0.Add(26 * time.Second)})
	if !strings.Contains(ansi.Strip(p.View()), "ks-test  ⚠ STALE 31s") {
		t.Fatalf("age past 30s not marked:\n%s", ansi.Strip(p.View()))
	}

	// A source that refreshes every 45 s (a live stream's audit) is
	// stale only past twice that.
	p.Update(BalancesMsg{Account: "ks-test", Balances: []exchange.Balance{{Asset: "USDT", Free: decimal.NewFromInt(5)}},
		At: t0.Add(26 * time.Second), Every: 45 * time.Second})
	p.Update(TickMsg{Now: t0.Add(26*time.Second + 89*time.Second)})
	if v := ansi.Strip(p.View()); strings.Contains(v, "ks-test  ⚠ STALE") {
		t.Fatalf("marked stale within twice its cadence:\n%s", v)
	}
	p.Update(TickMsg{Now: t0.Add(26*time.Second + 91*time.Second)})
	if v := ansi.Strip(p.View()); !strings.Contains(v, "ks-test  ⚠ STALE 1m31s") {
		t.Fatalf("not marked stale past twice its cadence:\n%s", v)
	}
}

func TestBudgetsBanCountdown(t *testing.T) {
	p := NewBudgets(testStyles())
	feed(p, fixture(3))
	p.SetSize(78, 20)
	if !strings.Contains(ansi.Strip(p.View()), "BANNED 1m42s") || !strings.Contains(ansi.Strip(p.View()), "waiting 3") {
		t.Fatalf("ban missing:\n%s", ansi.Strip(p.View()))
	}
	p.Update(TickMsg{Now: t0.Add(60 * time.Second)})
	if !strings.Contains(ansi.Strip(p.View()), "BANNED 42s") {
		t.Fatalf("countdown:\n%s", ansi.Strip(p.View()))
	}
	p.Update(TickMsg{Now: t0.Add(103 * time.Second)})
	if strings.Contains(ansi.Strip(p.View()), "BANNED") {
		t.Fatal("ban shown after it ended")
	}
}

func TestKeysPermissionsInWords(t *testing.T) {
	p := NewKeys(testStyles())
	feed(p, fixture(4))
	p.SetSize(158, 20)
	v := ansi.Strip(p.View())
	for _, want := range []string{"⚠ WITHDRAW", "UNBOUND", "bound 2 IPs", "expires in 5d03h", "no expiry", "audit failed: HTTP 401", "MAINNET", "DEMO", "trade?"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q:\n%s", want, v)
		}
	}
	p.SetSize(78, 3)
	p.Focus()
	p.Update(press(t, p.keys.End))
	if !strings.Contains(ansi.Strip(p.View()), "audit failed") {
		t.Fatalf("end did not scroll to the last account:\n%s", ansi.Strip(p.View()))
	}
}

func TestEventLogRingAndScroll(t *testing.T) {
	p := NewEventLog(testStyles())
	p.SetSize(78, 5)
	p.Focus()
	for i := range LogCapacity + 100 {
		p.Update(LogMsg{Time: t0, Level: Level(i % 3), Text: fmt.Sprintf("line %d", i)})
	}
	if p.Len() != LogCapacity {
		t.Fatalf("len %d", p.Len())
	}
	v := ansi.Strip(p.View())
	if !strings.HasSuffix(v, "line 599") {
		t.Fatalf("newest not at the bottom:\n%s", v)
	}
	p.Update(press(t, p.keys.Home))
	if !strings.HasPrefix(ansi.Strip(p.View()), "12:00:00 WARN line 100") {
		t.Fatalf("oldest kept should be line 100:\n%s", ansi.Strip(p.View()))
	}
	p.Update(press(t, p.keys.Down))
	before := p.View()
	p.Update(LogMsg{Time: t0, Text: "new"})
	if p.View() != before {
		t.Fatal("a new line moved the view while reading above")
	}
	p.Update(press(t, p.keys.End))
	p.Update(LogMsg{Time: t0, Level: LevelError, Text: "newest", Advice: "do this"})
	v = ansi.Strip(p.View())
	if !strings.HasSuffix(v, "ERR  newest\n  → do this") {
		t.Fatalf("follow after end:\n%s", v)
	}
}

func orderEntry(t *testing.T) *OrderEntry {
	p := NewOrderEntry(testStyles())
	feed(p, fixture(5))
	p.SetSize(78, 14)
	p.Focus()
	return p
}

func TestOrderEntrySubmit(t *testing.T) {
	p := orderEntry(t)
	p.Update(press(t, p.keys.Next))
	if p.Field() != FieldSymbol {
		t.Fatalf("tab: field %d", p.Field())
	}
	cmd := typeText(p, "BTCUSD")
	if _, ok := findMsg[NeedRules](cmd); ok {
		t.Fatal("asked for rules of a partial symbol")
	}
	// The form started on BTCUSDT, the first symbol listed, and asked
	// for its rules then: typing it replaced the filled-in value and
	// asks no second time.
	if nr, ok := findMsg[NeedRules](typeText(p, "T")); ok {
		t.Fatalf("NeedRules asked again: %+v", nr)
	}
	if l := formLine(t, p, "symbol"); !strings.Contains(l, "BTCUSDT ") || strings.Contains(l, "BTCUSDTB") {
		t.Fatalf("symbol %q, want the typed BTCUSDT alone", l)
	}
	if !strings.Contains(p.Blocked(), "waiting for BTCUSDT rules") || !strings.Contains(p.keys.Submit.Help().Desc, "waiting") {
		t.Fatalf("blocked %q help %q", p.Blocked(), p.keys.Submit.Help().Desc)
	}
	p.Update(testRules())
	for p.Field() != FieldQty {
		p.Update(press(t, p.keys.Next))
	}
	typeText(p, "0.0012345x")
	p.Update(press(t, p.keys.Next))
	typeText(p, "50000.5")
	if len(p.Violations()) != 1 || p.Violations()[0].Rule != exchange.RuleStep {
		t.Fatalf("violations %+v", p.Violations())
	}
	if v := ansi.Strip(p.View()); !strings.Contains(v, "nearest") || !strings.Contains(v, "0.00123") || !strings.Contains(v, "notional  61.72561725 USDT") {
		t.Fatalf("reason/nearest/notional missing:\n%s", v)
	}
	if _, ok := findMsg[SubmitOrder](p.Update(press(t, p.keys.Submit))); ok {
		t.Fatal("submitted with a violation")
	}
	p.Update(press(t, p.keys.Prev))
	for range 4 {
		p.Update(keyMsg("backspace"))
	}
	p.Update(press(t, p.keys.Next))
	p.Update(press(t, p.keys.Next)) // tif
	p.Update(press(t, p.keys.Cycle))
	got, ok := findMsg[SubmitOrder](p.Update(press(t, p.keys.Submit)))
	want := SubmitOrder{Account: acctNames[0], Req: exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy,
		Type: exchange.LimitOrder, TIF: exchange.IOC, Qty: d("0.001"), Price: d("50000.5")}}
	if !ok || got.Account != want.Account || got.Req.Symbol != want.Req.Symbol || got.Req.TIF != want.Req.TIF ||
		!got.Req.Qty.Equal(want.Req.Qty) || !got.Req.Price.Equal(want.Req.Price) || got.Req.Side != want.Req.Side {
		t.Fatalf("submit: got %+v %v, want %+v (problems %v)", got, ok, want, p.problems)
	}
}

func TestOrderEntryMarketAndSide(t *testing.T) {
	p := orderEntry(t)
	p.Update(testRules())
	p.Prefill(acctNames[0], "BTCUSDT")
	for p.Field() != FieldSide {
		p.Update(press(t, p.keys.Next))
	}
	p.Update(press(t, p.keys.Cycle))
	p.Update(press(t, p.keys.Next))
	p.Update(press(t, p.keys.Cycle)) // MARKET
	p.Update(press(t, p.keys.Next))
	typeText(p, "0.01")
	p.Update(press(t, p.keys.Next))
	if p.Field() == FieldPrice || p.Field() == FieldTIF {
		t.Fatal("market order visits price or tif")
	}
	if v := ansi.Strip(p.View()); strings.Contains(v, "  price ") || !strings.Contains(v, "▼ SELL") ||
		!strings.Contains(v, "500.105 USDT (at last price 50010.5)") {
		t.Fatalf("market form:\n%s", v)
	}
	got, ok := findMsg[SubmitOrder](p.Update(press(t, p.keys.Submit)))
	if !ok || got.Req.Type != exchange.MarketOrder || got.Req.Side != exchange.Sell || !got.Req.Price.IsZero() || got.Req.TIF != "" {
		t.Fatalf("market submit %+v %v", got, ok)
	}
}

func TestOrderEntryBlockedReasons(t *testing.T) {
	p := orderEntry(t)
	// heron-main is mainnet without allow_mainnet, and banned.
	p.Update(press(t, p.keys.Cycle))
	p.Update(press(t, p.keys.Cycle))
	if p.Account() != acctNames[2] {
		t.Fatalf("account %q", p.Account())
	}
	if p.Blocked() != "mainnet locked (allow_mainnet off)" || !strings.Contains(p.keys.Submit.Help().Desc, "mainnet locked") {
		t.Fatalf("blocked %q", p.Blocked())
	}
	accts := fixtureAccounts(5)
	accts.Accounts[2].AllowMainnet = true
	p.Update(accts)
	if p.Account() != acctNames[2] || !strings.HasPrefix(p.Blocked(), "banned for 1m42s") {
		t.Fatalf("blocked %q", p.Blocked())
	}
	if !strings.Contains(ansi.Strip(p.View()), "submit disabled: banned for 1m42s") {
		t.Fatalf("reason not shown:\n%s", ansi.Strip(p.View()))
	}
	p.Update(TickMsg{Now: t0.Add(2 * time.Minute)})
	if strings.HasPrefix(p.Blocked(), "banned") {
		t.Fatal("ban outlived its end")
	}
	// The journal gate closes this account only, and opens again.
	const why = "2 UNKNOWN orders resolving with the venue"
	p.Update(OrderGateMsg{Account: acctNames[2], Closed: why})
	p.Update(OrderGateMsg{Account: acctNames[0], Closed: ""})
	if p.Blocked() != why || !strings.Contains(ansi.Strip(p.View()), "submit disabled: "+why) {
		t.Fatalf("gate: blocked %q", p.Blocked())
	}
	p.Update(OrderGateMsg{Account: acctNames[2]})
	if p.Blocked() == why {
		t.Fatalf("gate opened, still blocked %q", p.Blocked())
	}
	// Symbols cycle with the symbol keys.
	p.Update(press(t, p.keys.Next))
	p.Update(press(t, p.keys.Symbols))
	p.Update(press(t, p.keys.Symbols))
	if got := p.symbol.Value(); !slices.Contains([]string{"BTCUSDT", "ETHUSDT", "SOLUSDT"}, got) {
		t.Fatalf("symbol cycling gave %q", got)
	}
}

func TestStatusLineHealth(t *testing.T) {
	s := NewStatusLine(testStyles())
	feed(s, fixture(5))
	if got := s.Unhealthy(); !slices.Equal(got, []string{"heron-main", "ks-spot2", "owl-alt"}) {
		t.Fatalf("unhealthy %v", got)
	}
	s.Update(TickMsg{Now: t0.Add(3 * time.Minute)})
	s.Update(StreamMsg{Account: "ks-test", State: "down"})
	if got := s.Unhealthy(); !slices.Equal(got, []string{"ks-test", "ks-spot2", "owl-alt"}) {
		t.Fatalf("unhealthy %v", got)
	}
	s.SetMode(false, true)
	s.SetWidth(100)
	if v := ansi.Strip(s.View()); !strings.HasPrefix(v, "DEMO") || !strings.Contains(v, "12:03:00") {
		t.Fatalf("status %q", v)
	}
}

var _ tea.Msg = ResyncClock{}

func TestOrderEntryReopensAtAccountKeepingValues(t *testing.T) {
	p := orderEntry(t)
	p.Focus()
	p.Update(press(t, p.keys.Next))
	typeText(p, "ETHUSDT")
	p.Update(press(t, p.keys.Next))
	p.Blur()
	p.Focus()
	if p.Field() != FieldAccount {
		t.Fatalf("reopened at field %v, want the account", p.Field())
	}
	if got := p.symbol.Value(); got != "ETHUSDT" {
		t.Fatalf("symbol %q lost on reopening", got)
	}
}

// Issue 14: before the samples span long enough for a fit, the drift is
// unknown; "+0.0ms/h" read as a measured, perfect clock.
func TestClockDriftUnknownUntilMeasured(t *testing.T) {
	p := NewClock(testStyles())
	s := exchange.ClockSnapshot{Account: "a", Synced: true, Offset: 12 * time.Millisecond, Uncertainty: time.Millisecond,
		HeadroomAhead: 900 * time.Millisecond, AheadLimit: time.Second,
		HeadroomBehind: 4500 * time.Millisecond, BehindLimit: 5 * time.Second, LastSync: t0}
	feed(p, []tea.Msg{TickMsg{Now: t0}, ClockMsg{Snapshot: s}})
	p.SetSize(158, 5)
	if v := ansi.Strip(p.View()); strings.Contains(v, "ms/h") || !strings.Contains(v, "drift —") {
		t.Fatalf("drift shown before it is measured:\n%s", v)
	}
	s.DriftKnown, s.DriftPerHr = true, 1500*time.Microsecond
	p.Update(ClockMsg{Snapshot: s})
	if v := ansi.Strip(p.View()); !strings.Contains(v, "drift +1.5ms/h") {
		t.Fatalf("measured drift missing:\n%s", v)
	}
}

// Issue 14: "+7 more" sat above blank rows: every account listed as many
// buckets as the account that could list fewest. Spare rows now go to the
// accounts with buckets left over, and the focused pane lists them all.
func TestBudgetsSpareRowsListMoreBuckets(t *testing.T) {
	p := NewBudgets(testStyles())
	msgs := []tea.Msg{AccountsMsg{}, TickMsg{Now: t0}}
	for _, a := range []string{"a", "b", "c"} {
		bs := exchange.BudgetSnapshot{Account: a, At: t0}
		for j := range 10 {
			bs.Buckets = append(bs.Buckets, exchange.Bucket{Name: fmt.Sprintf("ep%d/1m", j), Used: j, Limit: 100, Window: time.Minute})
		}
		msgs = append(msgs, BudgetMsg{Snapshot: bs})
	}
	feed(p, msgs)
	p.SetSize(78, 14)
	v := ansi.Strip(p.View())
	lines := strings.Split(v, "\n")
	if len(lines) != 14 || slices.Contains(lines, "") {
		t.Fatalf("rows to spare left blank (%d lines):\n%s", len(lines), v)
	}
	if n := strings.Count(v, "/100"); n != 11 {
		t.Fatalf("%d buckets listed in 14 rows for 3 accounts, want 11:\n%s", n, v)
	}
	if !strings.Contains(v, "+6 more  (focus Budgets to list all)") {
		t.Fatalf("hidden buckets without a way to reveal them:\n%s", v)
	}
	p.Focus()
	p.SetSize(78, 40)
	if v := ansi.Strip(p.View()); strings.Contains(v, "more") || strings.Count(v, "/100") != 30 {
		t.Fatalf("focused, the pane should list every bucket:\n%s", v)
	}
	// Focused and short, it scrolls to the last account's last bucket.
	p.SetSize(78, 14)
	p.Update(press(t, p.keys.End))
	if v := ansi.Strip(p.View()); strings.Contains(v, "more") || !strings.Contains(v, "ep9/1m") || !strings.HasSuffix(strings.TrimSpace(v), "9/100    9%") {
		t.Fatalf("focused, end should show the last bucket:\n%s", v)
	}
}

// Issue 14: "room ahead 1.09s" of a 1 s limit read as a bug. A spare row
// says what room is: what is left after the offset correction.
func TestClockSaysWhatRoomMeans(t *testing.T) {
	p := NewClock(testStyles())
	s := exchange.ClockSnapshot{Account: "a", Synced: true, Offset: 40 * time.Millisecond, Uncertainty: 4 * time.Millisecond,
		HeadroomAhead: 1090 * time.Millisecond, AheadLimit: time.Second,
		HeadroomBehind: 4880 * time.Millisecond, BehindLimit: 5 * time.Second, LastSync: t0}
	feed(p, []tea.Msg{TickMsg{Now: t0}, ClockMsg{Snapshot: s}})
	for _, w := range []int{78, 118, 158} {
		p.SetSize(w, 4)
		if v := ansi.Strip(p.View()); !strings.Contains(v, "room: ") || !strings.Contains(v, "after offset correction") || strings.Contains(v, "…") {
			t.Fatalf("%d wide: room unexplained:\n%s", w, v)
		}
	}
}
