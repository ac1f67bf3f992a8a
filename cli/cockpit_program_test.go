package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/connect"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
	"github.com/vigil-trade/vigil/exchange/venues"
	"github.com/vigil-trade/vigil/orders"
	"github.com/vigil-trade/vigil/store"
	"github.com/vigil-trade/vigil/ui"
	"github.com/vigil-trade/vigil/views"
)

const (
	// simAcct is the fake's account the key trades; progAcct the cockpit's.
	simAcct  = "alice"
	progAcct = "prog-test"
	// waitLimit bounds every wait: the fake answers in microseconds, so a
	// wait this long means a hang, not a slow machine.
	waitLimit = 5 * time.Second
)

// Place a LIMIT BUY through the order-entry keys, see it NEW in the
// blotter, cancel it with the blotter's keys, see CANCELED; then check the
// fake venue and the journal agree. For every venue, everything between
// the keys and the venue is the production path: config → connect.Open
// (the venue's real client) → store journal → orders.Desk → the cockpit's
// adapter and producers → the feed and bridge → the model, over loopback
// HTTP and the fake's private WebSocket. While the order request is held
// at the venue, a key still changes focus: nothing in Update waits for
// the network.
func TestWholeProgramPlaceAndCancel(t *testing.T) {
	kits, err := venues.TestKits()
	if err != nil {
		t.Fatal(err)
	}
	for _, kit := range kits {
		t.Run(kit.Venue, func(t *testing.T) { wholeProgramPlaceAndCancel(t, kit) })
	}
}

func wholeProgramPlaceAndCancel(t *testing.T, kit simhttp.Kit) {
	w := wireCockpit(t, kit)

	// Order entry opens once the start-up reconciliation has run.
	w.waitUntil("journal reconciled", func(seen) bool { return w.desk.Ready(progAcct) })

	w.sendKeys("o") // GlobalKeys.Order is not exported; "o" is its only key
	w.waitUntil("order entry focused", func(s seen) bool { return s.focus == ui.PaneOrderEntry })
	next := w.keys.next
	w.press(next) // account → symbol
	w.typeIn(kit.Symbol)
	w.press(next, next, next) // side (BUY), type (LIMIT), quantity
	w.typeIn("0.001")
	w.press(next) // price: less than half the market, so it rests
	w.typeIn("30000")
	w.waitUntil("form valid against the symbol's rules", func(s seen) bool {
		return s.blocked == "" && s.problems == 0 && s.field == views.FieldPrice
	})
	w.press(w.keys.submit)
	w.waitUntil("place confirmation", func(s seen) bool { return strings.Contains(s.dialog, "Place") })
	w.sendKeys("y") // DialogKeys.Yes, likewise not exported

	// The venue holds the order request: the model must still take keys.
	w.waitUntil("order request at the venue", func(seen) bool { return w.gate.arrived() })
	w.press(w.keys.close) // esc: back to the blotter
	w.waitUntil("focus moved while the order is in flight", func(s seen) bool {
		return s.focus == ui.PaneBlotter && s.hasSel && s.selected.ClientID != "" && s.selected.OrderID == "" &&
			!s.selected.Status.Final() && s.selected.Status != exchange.StatusNew
	})
	if w.gate.released() {
		t.Fatal("the order request was released before the focus check")
	}
	cid := w.obs.get().selected.ClientID
	// The intent is on disk before the venue has answered.
	if e, err := w.journal.Get(progAcct, cid); err != nil || e.Status != exchange.StatusPending {
		t.Fatalf("journal while the request is held: %+v, %v", e, err)
	}
	w.gate.release()

	w.waitUntil("order NEW in the blotter", func(s seen) bool {
		return s.hasSel && s.selected.ClientID == cid && s.selected.Status == exchange.StatusNew && s.selected.OrderID != ""
	})
	if got := w.fake.Accepted(kit.Place); got != 1 {
		t.Fatalf("venue accepted %d order requests, want 1", got)
	}

	w.press(w.keys.cancel)
	w.waitUntil("cancel confirmation", func(s seen) bool { return strings.Contains(s.dialog, "Cancel") })
	w.sendKeys("y")
	w.waitUntil("CANCELED in the blotter", func(s seen) bool {
		return s.selected.ClientID == cid && s.selected.Status == exchange.StatusCanceled
	})

	w.sendKeys("q") // GlobalKeys.Quit
	final, ok := w.tm.FinalModel(t, teatest.WithFinalTimeout(waitLimit)).(*ui.Model)
	if !ok {
		t.Fatal("final model is not *ui.Model")
	}
	w.stop()

	// The final model and frame.
	if _, open := final.Dialog(); open || final.Focused() != ui.PaneBlotter {
		t.Fatalf("final model: focus %v, dialog open %v", final.Focused(), open)
	}
	o, ok := w.blotter.Selected()
	if !ok || w.blotter.Len() != 1 || o.ClientID != cid || o.Status != exchange.StatusCanceled ||
		o.Symbol != kit.Symbol || o.Side != exchange.Buy || !o.Price.Equal(dec("30000")) || !o.Qty.Equal(dec("0.001")) {
		t.Fatalf("final blotter: %d orders, selected %+v", w.blotter.Len(), o)
	}
	frame := ansi.Strip(w.obs.get().frame)
	if !strings.Contains(frame, "CANCELED") || !strings.Contains(frame, kit.Symbol) {
		t.Fatalf("the last frame before quitting lacks the cancelled order:\n%s", frame)
	}

	// The venue's truth: one order under that client id, cancelled.
	x := w.fake.Sim
	if n := x.ClientIDCount(simAcct, cid); n != 1 {
		t.Fatalf("venue holds %d orders with client id %s, want 1", n, cid)
	}
	vo, _ := x.OrderByClientID(simAcct, cid)
	if vo.Status != exchange.StatusCanceled || vo.OrderID != o.OrderID || !vo.Price.Equal(dec("30000")) || !vo.Qty.Equal(dec("0.001")) {
		t.Fatalf("venue order %+v, blotter order id %s", vo, o.OrderID)
	}
	if open := x.OpenOrders(simAcct, ""); len(open) != 0 {
		t.Fatalf("venue still has %d open orders", len(open))
	}
	if got := w.fake.Accepted(kit.Cancel); got != 1 {
		t.Fatalf("venue accepted %d cancels, want 1", got)
	}

	// The journal's truth: the intent before the send, then the venue's
	// answers to the place and the cancel.
	hist, err := w.journal.History(progAcct, 0)
	if err != nil || len(hist) != 1 {
		t.Fatalf("journal history: %d entries, %v", len(hist), err)
	}
	e := hist[0]
	if e.ClientID != cid || e.Status != exchange.StatusCanceled || e.OrderID != vo.OrderID ||
		e.Req.Symbol != kit.Symbol || e.Req.Side != exchange.Buy || e.Req.Type != exchange.LimitOrder ||
		!e.Req.Price.Equal(dec("30000")) || !e.Req.Qty.Equal(dec("0.001")) {
		t.Fatalf("journal entry %+v", e)
	}
	recs, err := w.journal.Records(progAcct, cid)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for i, r := range recs {
		// The stream's push of the state the cancel's answer already gave
		// may add a record (OKX's carries its cancelSource as the reason);
		// it must not change the state.
		if i > 0 {
			if p := recs[i-1]; r.Via == "stream" && r.Status == p.Status && r.OrderID == p.OrderID && r.Filled.Equal(p.Filled) {
				continue
			}
		}
		steps = append(steps, string(r.Status)+"/"+r.Via)
	}
	want := []string{"NEW/place", string(store.StatusCancelRequested) + "/cancel", "CANCELED/cancel"}
	if strings.Join(steps, " ") != strings.Join(want, " ") {
		t.Fatalf("journal records %v, want %v", steps, want)
	}
}

// wired is the cockpit under test and the handles the test asserts with.
type wired struct {
	t       *testing.T
	tm      *teatest.TestModel
	obs     *observer
	gate    *orderGate
	fake    *simhttp.KitFake
	desk    *orders.Desk
	journal *store.Journal
	blotter *views.Blotter
	entry   *views.OrderEntry
	keys    paneKeys
	stop    func() // ends the program, the feed and the producers; idempotent
}

// paneKeys are the pane bindings the test presses, read from the panes'
// keymaps before the program runs (after, only its goroutine may).
type paneKeys struct {
	next, submit, close key.Binding // order entry
	cancel              key.Binding // blotter
}

// wireCockpit builds what `vigil` builds for a one-account config, with the
// account's rest_url and ws_url on a loopback fake of kit's venue, and
// starts the program the way ui.Run does, under teatest.
func wireCockpit(t *testing.T, kit simhttp.Kit) *wired {
	t.Helper()
	w := &wired{t: t, obs: &observer{}}

	// The venue: its fake's handler behind a gate that can hold the first
	// order request, on a loopback listener.
	w.fake = kit.Start(simhttp.KitConfig{})
	keyID, secret, fields := w.fake.AddKey(simAcct)
	if err := w.fake.Sim.Deposit(simAcct, "USDT", dec("1000")); err != nil {
		t.Fatal(err)
	}
	w.gate = newOrderGate(w.fake.Handler, kit.Place)
	ts := httptest.NewServer(w.gate)
	t.Cleanup(func() {
		w.gate.release() // a held request would keep ts.Close waiting
		w.fake.Close()   // ends the fake's WebSocket sessions
		ts.Close()
	})

	// main: config, vault, connect.Open, openDesk.
	dataDir := t.TempDir()
	cfg, err := config.Parse([]byte(fmt.Sprintf(`data_dir = %q

[[accounts]]
name = %q
venue = %q
network = "testnet"
key = "prog-key"
rest_url = %q
ws_url = %q
max_order_notional = "100"
`, dataDir, progAcct, kit.Venue, ts.URL, simhttp.WSURL(ts.URL, w.fake.WSPath))), filepath.Join(dataDir, "config.toml"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	// The kit's key is of the venue's first scheme (a PEM for a venue
	// whose keys sign tokens), as the crash tests open it.
	desc, ok := venues.Lookup(kit.Venue)
	if !ok {
		t.Fatalf("no venue %q", kit.Venue)
	}
	key := crypto.Key{Label: "prog-key", Venue: kit.Venue, Scheme: string(desc.DefaultScheme().Scheme), KeyID: keyID,
		Secret: crypto.NewSecret([]byte(secret)), Created: time.Now().Add(-24 * time.Hour)}
	for name, v := range fields {
		if key.Fields == nil {
			key.Fields = map[string]crypto.Secret{}
		}
		key.Fields[name] = crypto.NewSecret([]byte(v))
	}
	vault := &crypto.Vault{}
	if err := vault.Add(key); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vault.Wipe)
	venues, err := connect.Open(t.Context(), cfg, vault)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { connect.Close(venues) })
	w.desk, w.journal = openTestDesk(t, cfg.DataDir, venues)

	// runUI's wiring; the panes are the defaults, kept so the test can read
	// them from the program's goroutine.
	deps, opts := cockpit(time.Now, venues, w.desk, false)
	deps.Panes = func(st *views.Styles) [ui.NumPanes]views.Pane {
		ps := ui.DefaultPanes(st)
		w.blotter = ps[ui.PaneBlotter].(*views.Blotter)
		w.entry = ps[ui.PaneOrderEntry].(*views.OrderEntry)
		return ps
	}
	// Snapshots every 50ms keep messages, and so the filter's view of the
	// model, flowing; everything else runs at the cockpit's defaults.
	opts.Feed.SnapshotEvery = 50 * time.Millisecond

	// ui.Run, with teatest's program in place of its own.
	m := ui.New(deps)
	w.obs.blotter, w.obs.entry = w.blotter, w.entry
	w.keys = paneKeys{
		next:   bindingFor(t, w.entry, "next field"),
		submit: bindingFor(t, w.entry, "submit"),
		close:  bindingFor(t, w.entry, "close"),
		cancel: bindingFor(t, w.blotter, "cancel order"),
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.tm = teatest.NewTestModel(t, m,
		teatest.WithInitialTermSize(120, 36),
		teatest.WithProgramOptions(tea.WithFilter(w.obs.filter)))
	wait := ui.Start(ctx, m, w.tm.Send, opts)
	var once sync.Once
	w.stop = func() {
		once.Do(func() {
			// After a failure the program may be stuck behind the held
			// order request, or still busy: free it, and quit without
			// waiting on Program.Send.
			w.gate.release()
			go func() { _ = w.tm.Quit() }()
			w.tm.WaitFinished(t, teatest.WithFinalTimeout(waitLimit), teatest.WithTimeoutFn(func(tb testing.TB) {
				tb.Error("the program did not quit")
				w.tm.GetProgram().Kill()
			}))
			cancel()
			wait()
		})
	}
	t.Cleanup(w.stop)
	return w
}

// openTestDesk is openDesk, keeping the journal for the test to read.
func openTestDesk(t *testing.T, dataDir string, venues []exchange.Venue) (*orders.Desk, *store.Journal) {
	t.Helper()
	j, d, err := openDesk(dataDir, venues)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return d, j
}

// orderGate holds the first order request (op, as "POST /path") at the
// venue until released, so the test can act while an order is in flight
// without racing its answer.
type orderGate struct {
	next    http.Handler
	op      string
	first   sync.Once
	out     chan struct{} // closed to let the held request through
	outOnce sync.Once

	mu      sync.Mutex
	hasCome bool
	isFreed bool
}

func newOrderGate(next http.Handler, op string) *orderGate {
	return &orderGate{next: next, op: op, out: make(chan struct{})}
}

func (g *orderGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method+" "+r.URL.Path == g.op {
		held := false
		g.first.Do(func() {
			held = true
			g.mu.Lock()
			g.hasCome = true
			g.mu.Unlock()
		})
		if held {
			select {
			case <-g.out:
			case <-r.Context().Done():
				return
			}
		}
	}
	g.next.ServeHTTP(w, r)
}

func (g *orderGate) arrived() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.hasCome
}

func (g *orderGate) released() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.isFreed
}

func (g *orderGate) release() {
	g.outOnce.Do(func() {
		g.mu.Lock()
		g.isFreed = true
		g.mu.Unlock()
		close(g.out)
	})
}

// observer copies what the program goroutine shows through a program
// filter, so the test never reads the model while Update runs.
type observer struct {
	blotter *views.Blotter
	entry   *views.OrderEntry

	mu   sync.Mutex
	last seen
}

type seen struct {
	focus    ui.PaneID
	dialog   string
	field    views.Field
	blocked  string
	problems int
	selected exchange.Order
	hasSel   bool
	frame    string // rendered when quit is pressed: the last frame shown
}

func (s seen) String() string {
	o := s.selected
	sel := "none"
	if s.hasSel {
		sel = fmt.Sprintf("%s %s %s %s %s@%s cid=%s oid=%s reason=%q",
			o.Status, o.Symbol, o.Side, o.Type, o.Qty, o.Price, o.ClientID, o.OrderID, o.Reason)
	}
	return fmt.Sprintf("focus %v, dialog %q, order entry field %d blocked %q problems %d, blotter selection: %s",
		s.focus, s.dialog, s.field, s.blocked, s.problems, sel)
}

// renderMsg asks the filter for the current frame (failure reports).
type renderMsg struct{ reply chan string }

func (o *observer) filter(tm tea.Model, msg tea.Msg) tea.Msg {
	m := tm.(*ui.Model)
	if r, ok := msg.(renderMsg); ok {
		r.reply <- m.Render()
		return nil
	}
	var s seen
	s.focus = m.Focused()
	s.dialog, _ = m.Dialog()
	s.field = o.entry.Field()
	s.blocked = o.entry.Blocked()
	s.problems = len(o.entry.Violations())
	s.selected, s.hasSel = o.blotter.Selected()
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "q" {
		s.frame = m.Render()
	}
	o.mu.Lock()
	if s.frame == "" {
		s.frame = o.last.frame
	}
	o.last = s
	o.mu.Unlock()
	return msg
}

func (o *observer) get() seen {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// waitUntil waits, at most waitLimit, for cond over what the program last
// showed; on timeout it fails with what it was waiting for and the frame.
func (w *wired) waitUntil(what string, cond func(seen) bool) {
	w.t.Helper()
	w.waitFor(what, func() bool { return cond(w.obs.get()) })
}

func (w *wired) waitFor(what string, cond func() bool) {
	w.t.Helper()
	teatest.WaitFor(waitTB{TB: w.t, w: w, what: what}, strings.NewReader(""),
		func([]byte) bool { return cond() },
		teatest.WithDuration(waitLimit), teatest.WithCheckInterval(5*time.Millisecond))
}

// waitTB turns teatest's timeout into a report of the cockpit's state
// rather than a dump of terminal bytes.
type waitTB struct {
	testing.TB
	w    *wired
	what string
}

func (tb waitTB) Fatal(args ...any) {
	tb.Helper()
	frame := "(no frame: the program did not answer)"
	reply := make(chan string, 1)
	go tb.w.tm.Send(renderMsg{reply: reply})
	select {
	case f := <-reply:
		frame = ansi.Strip(f)
	case <-time.After(time.Second):
	}
	tb.TB.Fatalf("waiting for %s: %s\nstate: %v\nframe:\n%s", tb.what, fmt.Sprint(args...), tb.w.obs.get(), frame)
}

// bindingFor finds a pane's binding by the start of its help text: the
// test presses what the keymap binds, not a literal that may drift.
func bindingFor(t *testing.T, km help.KeyMap, desc string) key.Binding {
	t.Helper()
	for _, col := range km.FullHelp() {
		for _, b := range col {
			if strings.HasPrefix(b.Help().Desc, desc) && len(b.Keys()) > 0 {
				return b
			}
		}
	}
	t.Fatalf("no binding %q in the keymap", desc)
	return key.Binding{}
}

func (w *wired) press(bs ...key.Binding) {
	w.t.Helper()
	for _, b := range bs {
		w.sendKeys(b.Keys()[0])
	}
}

// sendKeys hands each key to the program. Program.Send waits for the event
// loop to take the message, so a blocked Update would hang it: the wait is
// bounded like every other.
func (w *wired) sendKeys(keys ...string) {
	w.t.Helper()
	for _, k := range keys {
		msg := keyPress(w.t, k)
		taken := make(chan struct{})
		go func() {
			w.tm.Send(msg)
			close(taken)
		}()
		w.waitFor("the program to take key "+k, func() bool {
			select {
			case <-taken:
				return true
			default:
				return false
			}
		})
	}
}

func (w *wired) typeIn(s string) {
	w.t.Helper()
	for _, r := range s {
		w.sendKeys(string(r))
	}
}

// keyPress builds the key press that key.Matches reads as k.
func keyPress(t *testing.T, k string) tea.KeyPressMsg {
	t.Helper()
	var m tea.KeyPressMsg
	switch k {
	case "tab":
		m = tea.KeyPressMsg{Code: tea.KeyTab}
	case "enter":
		m = tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		m = tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		m = tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		m = tea.KeyPressMsg{Code: tea.KeyUp}
	default:
		r := []rune(k)
		if len(r) != 1 {
			t.Fatalf("keyPress: cannot build %q", k)
		}
		m = tea.KeyPressMsg{Code: r[0], Text: k}
	}
	if m.String() != k {
		t.Fatalf("keyPress(%q) reads as %q", k, m.String())
	}
	return m
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
