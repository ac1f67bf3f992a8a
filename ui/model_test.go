package ui

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed"
	"github.com/vigil-trade/vigil/views"
)

func limitBuy(qty, price string) exchange.OrderRequest {
	return exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC, Qty: dec(qty), Price: dec(price)}
}

func TestFocusMovesWithKeys(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	m := f.m
	k := m.keys
	if m.Focused() != PaneBlotter || !f.stubs[PaneBlotter].focused {
		t.Fatalf("initial focus %v", m.Focused())
	}
	press(t, m, k.Focus[PaneKeys])
	if m.Focused() != PaneKeys || !f.stubs[PaneKeys].focused || f.stubs[PaneBlotter].focused {
		t.Fatalf("digit 1: focus %v", m.Focused())
	}
	press(t, m, k.Next)
	if m.Focused() != PaneClock {
		t.Fatalf("tab: focus %v", m.Focused())
	}
	press(t, m, k.Prev)
	press(t, m, k.Prev)
	if m.Focused() != PaneOrderEntry {
		t.Fatalf("shift+tab twice from clock: focus %v, want wrap to order entry (last in tab order)", m.Focused())
	}
	for p := range NumPanes {
		if p == PanePositions {
			continue // no account holds positions: see TestPositionsPaneWhereHeld
		}
		press(t, m, k.Focus[p])
		if m.Focused() != p {
			t.Fatalf("digit %d: focus %v", p+1, m.Focused())
		}
		if p == PaneOrderEntry {
			m.Update(keyMsg(t, "esc")) // the form keeps digits; esc leaves it
		}
	}
}

// At 80 columns the three summaries share one tabbed slot: the one last
// looked at stays shown when focus moves on, and the frame names the others.
func TestTabbedTopKeepsLastSummary(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	m := f.m
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if !strings.Contains(m.Render(), "1 Keys · 2 Clock · 3 Budgets") {
		t.Fatalf("tabbed frame does not name the hidden summaries:\n%s", m.Render())
	}
	press(t, m, m.keys.Focus[PaneClock])
	press(t, m, m.keys.Focus[PaneBalances])
	r := m.rects
	if !r.Shown(PaneClock) || r.Shown(PaneKeys) {
		t.Fatalf("after 2 then 4 the top slot shows keys=%v clock=%v, want clock", r.Shown(PaneKeys), r.Shown(PaneClock))
	}
	if !strings.Contains(m.Render(), "2 Clock · 1 Keys · 3 Budgets") {
		t.Fatalf("frame title:\n%s", m.Render())
	}
}

func TestKeysGoToFocusedPaneOnly(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	press(t, f.m, f.m.keys.Focus[PaneClock])
	f.m.Update(keyMsg(t, "j"))
	if got := f.stubs[PaneClock].pressed(); len(got) != 1 || got[0] != "j" {
		t.Fatalf("clock got keys %v", got)
	}
	for p := range NumPanes {
		if p != PaneClock && len(f.stubs[p].pressed()) != 0 {
			t.Fatalf("%v got keys %v while not focused", p, f.stubs[p].pressed())
		}
	}
}

func TestHelpTogglesAndListsDisabledWithReason(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	m := f.m
	press(t, m, m.keys.Help)
	if !m.HelpShown() {
		t.Fatal("? did not open help")
	}
	view := m.Render()
	for _, want := range []string{"next pane", "order entry", "quit", "1 Keys", "7 Log"} {
		if !strings.Contains(view, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	press(t, m, m.keys.Help)
	if m.HelpShown() {
		t.Fatal("? did not close help")
	}

	// Freeze the only account: o is off, and help says why.
	m.Update(feed.Envelope{Account: "alpha", Gen: 1, Msg: views.BudgetMsg{Snapshot: exchange.BudgetSnapshot{
		Account: "alpha", BannedUntil: t0.Add(time.Minute), BanReason: "418 IP ban",
	}}})
	if m.keys.Order.Enabled() {
		t.Fatal("order key enabled while the only account is frozen")
	}
	press(t, m, m.keys.Help)
	if v := m.Render(); !strings.Contains(v, "(off:") || !strings.Contains(v, "frozen") {
		t.Fatalf("help does not explain the disabled order key:\n%s", v)
	}
}

func TestOrderKeyOpensOrderEntryAndEscReturns(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	m := f.m
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if m.rects.Shown(PaneOrderEntry) {
		t.Fatal("order entry shown at 80x24 before it is asked for")
	}
	m.Update(keyMsg(t, "o"))
	if m.Focused() != PaneOrderEntry || !m.rects.Shown(PaneOrderEntry) {
		t.Fatalf("o: focus %v, shown %v", m.Focused(), m.rects.Shown(PaneOrderEntry))
	}
	// A text field of the form has the keyboard: q and digits are typed,
	// not obeyed.
	f.stubs[PaneOrderEntry].capture = true
	_, cmd := m.Update(keyMsg(t, "q"))
	m.Update(keyMsg(t, "3"))
	if cmd != nil || m.Focused() != PaneOrderEntry {
		t.Fatal("q or 3 escaped the order form")
	}
	if got := f.stubs[PaneOrderEntry].pressed(); len(got) != 2 {
		t.Fatalf("order entry got %v", got)
	}
	m.Update(keyMsg(t, "esc"))
	if m.Focused() != PaneBlotter {
		t.Fatalf("esc: focus %v, want back to the blotter", m.Focused())
	}
}

func TestConfirmedOrderIsPlaced(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	m := f.m
	_, cmd := m.Update(views.SubmitOrder{Account: "alpha", Req: limitBuy("0.01", "40000")})
	if cmd != nil {
		t.Fatal("submit produced a command before confirmation")
	}
	title, open := m.Dialog()
	if !open || !strings.Contains(title, "Place") {
		t.Fatalf("no confirmation dialog (%q)", title)
	}
	v := m.Render()
	for _, want := range []string{"alpha", "[TESTNET]", "BTCUSDT", "▲ BUY", "LIMIT", "0.01", "40000", "400.00", "GTC"} {
		if !strings.Contains(v, want) {
			t.Errorf("dialog lacks %q", want)
		}
	}
	if f.venues[0].Calls("Place") != 0 {
		t.Fatal("placed before confirmation")
	}
	cmd = press(t, m, m.dkeys.Yes)
	if _, open := m.Dialog(); open {
		t.Fatal("dialog still open after yes")
	}
	msgs := run(t, m, cmd)
	if f.venues[0].Calls("Place") != 1 {
		t.Fatalf("Place calls %d, want 1", f.venues[0].Calls("Place"))
	}
	var res placeResult
	for _, msg := range msgs {
		if r, ok := msg.(placeResult); ok {
			res = r
		}
	}
	if res.err != nil || res.order.Status != exchange.StatusNew || !strings.HasPrefix(res.req.ClientID, "vg") {
		t.Fatalf("place result %+v", res)
	}
	// Panes saw the pending row, then the ack.
	var kinds []exchange.OrderStatus
	for _, msg := range f.stubs[PaneBlotter].received() {
		if e, ok := msg.(views.OrderEventMsg); ok {
			kinds = append(kinds, e.Event.Order.Status)
		}
	}
	if len(kinds) != 2 || kinds[0] != exchange.StatusPending || kinds[1] != exchange.StatusNew {
		t.Fatalf("blotter saw %v", kinds)
	}
}

func TestBackingOutPlacesNothing(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	m := f.m
	m.Update(views.SubmitOrder{Account: "alpha", Req: limitBuy("0.01", "40000")})
	cmd := press(t, m, m.dkeys.No)
	run(t, m, cmd)
	if _, open := m.Dialog(); open || f.venues[0].Calls("Place") != 0 {
		t.Fatal("backing out did not close the dialog, or placed")
	}
}

func TestAboveMaxNotionalNeedsTypedConfirmation(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet)) // max 1000
	m := f.m
	m.Update(views.SubmitOrder{Account: "alpha", Req: limitBuy("0.1", "40000")}) // 4000
	if m.dialog == nil || m.dialog.typed == "" {
		t.Fatal("no typed confirmation above max notional")
	}
	if !strings.Contains(m.Render(), "above this account's limit") {
		t.Fatal("dialog does not say why")
	}
	// y and enter alone do not confirm: y is just a letter here.
	for _, k := range m.dkeys.Yes.Keys() {
		run(t, m, press(t, m, key.NewBinding(key.WithKeys(k))))
	}
	if m.dialog == nil || f.venues[0].Calls("Place") != 0 {
		t.Fatal("confirmed without typing")
	}
	m.Update(keyMsg(t, "backspace"))
	typeText(t, m, "BTCUSD")
	m.Update(keyMsg(t, "enter"))
	if m.dialog == nil || !m.dialog.wrong {
		t.Fatal("a wrong answer was accepted")
	}
	for range len("BTCUSD") + 1 {
		m.Update(keyMsg(t, "backspace"))
	}
	typeText(t, m, "btcusdt")
	_, cmd := m.Update(keyMsg(t, "enter"))
	run(t, m, cmd)
	if m.dialog != nil || f.venues[0].Calls("Place") != 1 {
		t.Fatalf("typed symbol did not confirm: dialog %v, places %d", m.dialog != nil, f.venues[0].Calls("Place"))
	}
}

func TestMarketOrderNotionalUsesReferencePrice(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	m := f.m
	req := exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Sell, Type: exchange.MarketOrder, Qty: dec("0.01")}
	// Without a reference price the guard cannot be checked: typed.
	m.Update(views.SubmitOrder{Account: "alpha", Req: req})
	if m.dialog == nil || m.dialog.typed == "" {
		t.Fatal("unknown notional did not need typed confirmation")
	}
	press(t, m, m.dkeys.No)
	m.Update(keyMsg(t, "esc"))
	_, cmd := m.Update(views.NeedRules{Account: "alpha", Symbol: "BTCUSDT"})
	run(t, m, cmd)
	m.Update(views.SubmitOrder{Account: "alpha", Req: req})
	if m.dialog == nil || m.dialog.typed != "" {
		t.Fatal("500 USDT market order below 1000 needs no typed confirmation")
	}
	if !strings.Contains(m.Render(), "≈ 500.00") || !strings.Contains(m.Render(), "▼ SELL") {
		t.Fatalf("dialog does not state the notional:\n%s", m.Render())
	}
}

func TestMainnetRefusedUnlessAllowedThenTyped(t *testing.T) {
	locked := acctInfo("main", exchange.Mainnet)
	open := acctInfo("main2", exchange.Mainnet)
	open.AllowMainnet = true
	f := newFixture(t, locked, open)
	m := f.m

	m.Update(views.SubmitOrder{Account: "main", Req: limitBuy("0.001", "40000")})
	title, isOpen := m.Dialog()
	if !isOpen || !strings.Contains(title, "refused") || m.dialog.kind != dialogAlert {
		t.Fatalf("mainnet without allow_mainnet: dialog %q", title)
	}
	if !strings.Contains(m.Render(), "allow_mainnet") {
		t.Fatal("refusal does not give the reason")
	}
	run(t, m, press(t, m, m.dkeys.Yes))
	if f.venues[0].Calls("Place") != 0 {
		t.Fatal("refused order was placed")
	}

	m.Update(views.SubmitOrder{Account: "main2", Req: limitBuy("0.001", "40000")}) // 40 < 1000
	if m.dialog == nil || m.dialog.typed == "" || !strings.Contains(m.Render(), "MAINNET") {
		t.Fatal("allowed mainnet order did not need typed confirmation")
	}
	// Issue 13: "yes" confirmed here while the CLI wanted the symbol;
	// the symbol is what confirms, everywhere.
	typeText(t, m, "yes")
	m.Update(keyMsg(t, "enter"))
	if m.dialog == nil || !m.dialog.wrong || f.venues[1].Calls("Place") != 0 {
		t.Fatal("typed yes confirmed a mainnet order")
	}
	for range len("yes") {
		m.Update(keyMsg(t, "backspace"))
	}
	typeText(t, m, "BTCUSDT")
	_, cmd := m.Update(keyMsg(t, "enter"))
	run(t, m, cmd)
	if f.venues[1].Calls("Place") != 1 {
		t.Fatal("the typed symbol did not place")
	}
}

func TestFrozenAccountRefusesOrderEntry(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	m := f.m
	m.Update(feed.Envelope{Account: "alpha", Gen: 1, Msg: views.BudgetMsg{Snapshot: exchange.BudgetSnapshot{
		Account: "alpha", BannedUntil: t0.Add(2 * time.Minute), BanReason: "418 IP ban",
	}}})
	m.Update(keyMsg(t, "o"))
	if m.Focused() == PaneOrderEntry || m.dialog == nil || !strings.Contains(m.Render(), "418 IP ban") {
		t.Fatalf("o on a frozen account: focus %v, view:\n%s", m.Focused(), m.Render())
	}
	m.Update(keyMsg(t, "esc"))
	m.Update(views.SubmitOrder{Account: "alpha", Req: limitBuy("0.001", "40000")})
	if m.dialog == nil || m.dialog.kind != dialogAlert || !strings.Contains(m.Render(), "frozen until 09:28:53") {
		t.Fatalf("submit on a frozen account not refused:\n%s", m.Render())
	}
	// The ban ends with time, which arrives as a tick.
	m.Update(keyMsg(t, "esc"))
	m.Update(tickMsg(t0.Add(3 * time.Minute)))
	if !m.keys.Order.Enabled() {
		t.Fatal("order key still off after the ban ended")
	}
}

func TestCancelAndCancelAllConfirm(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	m := f.m
	for _, id := range []string{"c1", "c2"} {
		req := limitBuy("0.01", "40000")
		req.ClientID = id
		if _, err := f.venues[0].Place(t.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	m.Update(views.CancelOrder{Account: "alpha", Ref: exchange.OrderRef{Symbol: "BTCUSDT", ClientID: "c1"}})
	if title, ok := m.Dialog(); !ok || !strings.Contains(title, "Cancel") || !strings.Contains(m.Render(), "c1") {
		t.Fatalf("no cancel confirmation (%q)", title)
	}
	if f.venues[0].Calls("Cancel") != 0 {
		t.Fatal("cancelled before confirmation")
	}
	run(t, m, press(t, m, m.dkeys.Yes))
	if f.venues[0].Calls("Cancel") != 1 {
		t.Fatal("confirmed cancel not sent")
	}

	m.Update(views.CancelAll{Account: "alpha"})
	if title, ok := m.Dialog(); !ok || !strings.Contains(title, "ALL") {
		t.Fatalf("no cancel-all confirmation (%q)", title)
	}
	run(t, m, press(t, m, m.dkeys.Yes))
	if f.venues[0].Calls("Cancel") != 2 {
		t.Fatalf("cancel all sent %d cancels in total, want 2 (one order left open)", f.venues[0].Calls("Cancel"))
	}
	var canceled int
	for _, msg := range f.stubs[PaneBlotter].received() {
		if e, ok := msg.(views.OrderEventMsg); ok && e.Event.Kind == exchange.EventCancel {
			canceled++
		}
	}
	if canceled != 2 {
		t.Fatalf("blotter saw %d cancel events", canceled)
	}
}

func TestQuitKeys(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	if !hasQuit([]tea.Msg{press(t, f.m, f.m.keys.Quit)()}) {
		t.Fatal("q did not quit")
	}
	// ctrl+c quits even with a typed-confirmation dialog open.
	g := newFixture(t, acctInfo("alpha", exchange.Testnet))
	g.m.Update(views.SubmitOrder{Account: "alpha", Req: limitBuy("1", "40000")})
	cmd := press(t, g.m, g.m.keys.ForceQuit)
	if cmd == nil || !hasQuit([]tea.Msg{cmd()}) {
		t.Fatal("ctrl+c did not quit from a dialog")
	}
}

func TestStaleResultsAreDropped(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	m := f.m
	m.Update(feed.Envelope{Account: "alpha", Gen: 1, Msg: feed.Started{Account: "alpha", Gen: 1}})
	_, ask := m.Update(views.NeedRules{Account: "alpha", Symbol: "BTCUSDT"})
	// The feed restarts the account while the request is out.
	m.Update(feed.Envelope{Account: "alpha", Gen: 2, Msg: feed.Started{Account: "alpha", Gen: 2}})
	m.Update(ask())
	m.Update(feed.Envelope{Account: "alpha", Gen: 1, Msg: views.BalancesMsg{Account: "alpha"}})
	for _, msg := range f.stubs[PaneOrderEntry].received() {
		switch msg.(type) {
		case views.RulesMsg, views.BalancesMsg:
			t.Fatalf("stale %T reached a pane", msg)
		}
	}
	// Current ones pass.
	m.Update(feed.Envelope{Account: "alpha", Gen: 2, Msg: views.BalancesMsg{Account: "alpha"}})
	var n int
	for _, msg := range f.stubs[PaneBalances].received() {
		if _, ok := msg.(views.BalancesMsg); ok {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("current balances delivered %d times", n)
	}
}

// A venue that hangs must not delay a keypress: Update hands the request
// to a command and returns; the other account's data keeps flowing.
func TestHungVenueDoesNotDelayKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, acctInfo("good", exchange.Testnet), acctInfo("hung", exchange.Testnet))
		m := f.m
		hung := f.venues[1]
		hung.SetHang(true)

		start := time.Now()
		_, cmd := m.Update(views.NeedRules{Account: "hung", Symbol: "BTCUSDT"})
		_, rs := m.Update(views.ResyncClock{Account: "hung"})
		if time.Since(start) != 0 || hung.Calls("Rules") != 0 || hung.Calls("SyncClock") != 0 {
			t.Fatal("Update called the venue itself")
		}
		results := make(chan tea.Msg, 2)
		go func() { results <- cmd() }()
		go func() { results <- rs() }()
		synctest.Wait()
		if hung.InFlight() != 2 {
			t.Fatalf("%d requests in flight, want 2", hung.InFlight())
		}

		// With both outstanding, keys and the other account's data work.
		press(t, m, m.keys.Focus[PaneKeys])
		m.Update(feed.Envelope{Account: "good", Gen: 1, Msg: views.BalancesMsg{Account: "good", At: t0}})
		if m.Focused() != PaneKeys {
			t.Fatal("key not handled while a venue hangs")
		}
		if time.Since(start) != 0 {
			t.Fatal("Update waited")
		}
		var gotGood bool
		for _, msg := range f.stubs[PaneBalances].received() {
			if b, ok := msg.(views.BalancesMsg); ok && b.Account == "good" {
				gotGood = true
			}
		}
		if !gotGood {
			t.Fatal("good account's balances did not reach the pane")
		}

		// The hung requests time out and say so.
		time.Sleep(m.deps.RequestTimeout)
		synctest.Wait()
		var texts []string
		for range 2 {
			msg := <-results
			m.Update(msg)
			switch d := msg.(dataMsg).msg.(type) {
			case views.LogMsg:
				texts = append(texts, d.Text)
			case views.ClockMsg:
				texts = append(texts, d.Snapshot.Err)
			}
		}
		for _, s := range texts {
			if !strings.Contains(s, "timed out") && !strings.Contains(s, "deadline") {
				t.Fatalf("hung request reported %q", s)
			}
		}
		if !strings.Contains(m.status.View(), "1/2 healthy") {
			t.Fatalf("status line %q does not count the hung account out", m.status.View())
		}
	})
}

// TestCockpitWideEventsReachTheLog: a producer's line that belongs to no
// account (the journal's retention) reaches Events; anything else without
// an account is still dropped.
func TestCockpitWideEventsReachTheLog(t *testing.T) {
	f := newFixture(t, acctInfo("alpha", exchange.Testnet))
	f.m.Update(feed.Envelope{Msg: views.LogMsg{Level: views.LevelInfo, Text: "journal retention: 4 final orders moved"}})
	f.m.Update(feed.Envelope{Msg: views.BalancesMsg{Account: "alpha"}})
	var logs, other int
	for _, p := range []PaneID{PaneLog, PaneBalances} {
		for _, msg := range f.stubs[p].received() {
			switch msg := msg.(type) {
			case views.LogMsg:
				if msg.Text == "journal retention: 4 final orders moved" {
					logs++
				}
			case views.BalancesMsg:
				other++
			}
		}
	}
	if logs != 2 || other != 0 {
		t.Fatalf("log line reached %d of 2 panes, an account-less snapshot %d", logs, other)
	}
}
