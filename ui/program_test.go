package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

// observed is what the program goroutine last showed us: read through a
// program filter, so the test never touches the model concurrently.
type observed struct {
	mu   sync.Mutex
	last seen
}

type seen struct {
	dialog   string
	focus    PaneID
	blocked  string
	problems int
	selected exchange.Order
	hasSel   bool
}

func (o *observed) filter(tm tea.Model, msg tea.Msg) tea.Msg {
	m := tm.(*Model)
	var s seen
	s.dialog, _ = m.Dialog()
	s.focus = m.Focused()
	if oe, ok := m.panes[PaneOrderEntry].(*views.OrderEntry); ok {
		s.blocked = oe.Blocked()
		s.problems = len(oe.Violations())
	}
	if b, ok := m.panes[PaneBlotter].(*views.Blotter); ok {
		s.selected, s.hasSel = b.Selected()
	}
	o.mu.Lock()
	o.last = s
	o.mu.Unlock()
	return msg
}

func (o *observed) get() seen {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// Place an order through the order-entry keys, see it in the blotter,
// cancel it, see the cancel: the program wired as Run wires it (feed and
// bridge into Program.Send), over an in-memory venue, with the real panes.
func TestWholeProgramPlaceAndCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	v := feedtest.New(acctInfo("alpha", exchange.Testnet), nil)
	m := New(Deps{Venues: []exchange.Venue{v}, NoColor: true, Dark: true})
	var obs observed
	tm := teatest.NewTestModel(t, m,
		teatest.WithInitialTermSize(120, 36),
		teatest.WithProgramOptions(tea.WithFilter(obs.filter)))
	// State snapshots every 50ms keep messages (and so the filter) flowing.
	fd := Attach(ctx, m, tm.Send, feed.Options{SnapshotEvery: 50 * time.Millisecond})

	waitUntil := func(what string, cond func(o seen) bool) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func([]byte) bool { return cond(obs.get()) },
			teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	}
	send := func(keys ...string) {
		for _, k := range keys {
			tm.Send(keyMsg(t, k))
		}
	}
	typeIn := func(s string) {
		for _, r := range s {
			send(string(r))
		}
	}

	send("o")
	waitUntil("order entry focused", func(o seen) bool { return o.focus == PaneOrderEntry })
	send("down") // account → symbol
	typeIn("BTCUSDT")
	send("down", "down", "down") // side, type, quantity
	typeIn("0.01")
	send("down") // price
	typeIn("40000")
	waitUntil("form ready", func(o seen) bool { return o.blocked == "" && o.problems == 0 })
	send("enter")
	waitUntil("confirmation", func(o seen) bool { return strings.Contains(o.dialog, "Place") })
	send("y")
	waitUntil("order on the book", func(o seen) bool {
		return o.hasSel && o.selected.Status == exchange.StatusNew && o.selected.Symbol == "BTCUSDT"
	})
	if v.Calls("Place") != 1 {
		t.Fatalf("Place calls %d", v.Calls("Place"))
	}

	send("esc") // back to the blotter
	waitUntil("blotter focused", func(o seen) bool { return o.focus == PaneBlotter })
	send("c")
	waitUntil("cancel confirmation", func(o seen) bool { return strings.Contains(o.dialog, "Cancel") })
	send("y")
	waitUntil("cancel seen", func(o seen) bool { return o.selected.Status == exchange.StatusCanceled })

	send("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	cancel()
	fd.Wait()

	b := final.panes[PaneBlotter].(*views.Blotter)
	o, ok := b.Selected()
	if !ok || b.Len() != 1 || o.Status != exchange.StatusCanceled || o.Price.String() != "40000" || o.Qty.String() != "0.01" {
		t.Fatalf("final blotter: %d orders, selected %+v", b.Len(), o)
	}
	if v.Calls("Cancel") != 1 {
		t.Fatalf("Cancel calls %d", v.Calls("Cancel"))
	}
	// The final frame, before quitting blanked it, shows the cancel.
	final.quitting = false
	frame := ansi.Strip(final.Render())
	if !strings.Contains(frame, "CANCELED") {
		t.Fatalf("final frame lacks CANCELED:\n%s", frame)
	}
}
