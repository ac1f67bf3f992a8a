package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func fixedNow() time.Time { return t0 }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// stubPane is a stand-in pane: fixed lines, records what it was told.
type stubPane struct {
	title   string
	lines   []string
	w, h    int
	focused bool
	mu      sync.Mutex
	got     []tea.Msg
	keys    []string
	act     key.Binding
	onAct   tea.Msg // intent returned when act is pressed
	capture bool    // a text field has the keyboard (see capturing)
}

func (p *stubPane) Capturing() bool { return p.focused && p.capture }

func (p *stubPane) Update(msg tea.Msg) tea.Cmd {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k, ok := msg.(tea.KeyPressMsg); ok {
		p.keys = append(p.keys, k.String())
		if p.onAct != nil && key.Matches(k, p.act) {
			out := p.onAct
			return func() tea.Msg { return out }
		}
		return nil
	}
	p.got = append(p.got, msg)
	return nil
}

func (p *stubPane) View() string {
	out := make([]string, 0, p.h)
	for i := 0; i < p.h && i < len(p.lines); i++ {
		out = append(out, p.lines[i])
	}
	return strings.Join(out, "\n")
}
func (p *stubPane) SetSize(w, h int)         { p.w, p.h = w, h }
func (p *stubPane) Focus()                   { p.focused = true }
func (p *stubPane) Blur()                    { p.focused = false }
func (p *stubPane) Title() string            { return p.title }
func (p *stubPane) ShortHelp() []key.Binding { return []key.Binding{p.act} }
func (p *stubPane) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.act}}
}

func (p *stubPane) received() []tea.Msg {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]tea.Msg(nil), p.got...)
}

func (p *stubPane) pressed() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.keys...)
}

// stubPanes returns stand-ins with fixed, wide content (to prove the frame
// cuts overflow) and keeps them for inspection.
func stubPanes(out *[NumPanes]*stubPane) Panes {
	return func(*views.Styles) [NumPanes]views.Pane {
		var ps [NumPanes]views.Pane
		for p := range NumPanes {
			sp := &stubPane{
				title: strings.ToUpper(p.String()[:1]) + p.String()[1:],
				act:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "act")),
			}
			for i := range 60 {
				sp.lines = append(sp.lines, fmt.Sprintf("%s row %02d %s", p, i, strings.Repeat("·", 200)))
			}
			out[p] = sp
			ps[p] = sp
		}
		return ps
	}
}

func acctInfo(name string, net exchange.Network) exchange.AccountInfo {
	return exchange.AccountInfo{
		Name: name, Venue: "memory", Network: net, Scheme: exchange.SchemeEd25519, KeyID: "abcd…wxyz",
		MaxOrderNotional: dec("1000"),
	}
}

type fixture struct {
	m      *Model
	venues []*feedtest.Venue
	stubs  [NumPanes]*stubPane
}

// newFixture builds a model over in-memory venues with stand-in panes.
func newFixture(t *testing.T, infos ...exchange.AccountInfo) *fixture {
	t.Helper()
	f := &fixture{}
	var vs []exchange.Venue
	for _, in := range infos {
		v := feedtest.New(in, fixedNow)
		f.venues = append(f.venues, v)
		vs = append(vs, v)
	}
	f.m = New(Deps{Venues: vs, Now: fixedNow, NoColor: true, Dark: true, Panes: stubPanes(&f.stubs)})
	f.m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	f.m.Update(tickMsg(t0))
	return f
}

// keyMsg builds the key press that key.Matches sees as k.
func keyMsg(t *testing.T, k string) tea.KeyPressMsg {
	t.Helper()
	var m tea.KeyPressMsg
	switch k {
	case "tab":
		m = tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		m = tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "enter":
		m = tea.KeyPressMsg{Code: tea.KeyEnter}
	case "up":
		m = tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		m = tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgup":
		m = tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		m = tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "home":
		m = tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		m = tea.KeyPressMsg{Code: tea.KeyEnd}
	case "esc":
		m = tea.KeyPressMsg{Code: tea.KeyEscape}
	case "backspace":
		m = tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "space":
		m = tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c":
		m = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	default:
		r := []rune(k)
		if len(r) != 1 {
			t.Fatalf("keyMsg: cannot build %q", k)
		}
		m = tea.KeyPressMsg{Code: r[0], Text: k}
	}
	if m.String() != k {
		t.Fatalf("keyMsg(%q) reads as %q", k, m.String())
	}
	return m
}

// press sends the first key of binding b.
func press(t *testing.T, m *Model, b key.Binding) tea.Cmd {
	t.Helper()
	if len(b.Keys()) == 0 {
		t.Fatal("binding has no keys")
	}
	_, cmd := m.Update(keyMsg(t, b.Keys()[0]))
	return cmd
}

func typeText(t *testing.T, m *Model, s string) {
	t.Helper()
	for _, r := range s {
		m.Update(keyMsg(t, string(r)))
	}
}

// run executes cmd the way the runtime would and feeds the results back
// into the model until nothing is left; it returns every message seen.
func run(t *testing.T, m *Model, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var seen []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch msg := msg.(type) {
		case nil:
			continue
		case tea.BatchMsg:
			queue = append(queue, msg...)
			continue
		case tickMsg:
			continue // the heartbeat would run forever
		}
		seen = append(seen, msg)
		_, next := m.Update(msg)
		queue = append(queue, next)
	}
	return seen
}

func hasQuit(msgs []tea.Msg) bool {
	for _, m := range msgs {
		if _, ok := m.(tea.QuitMsg); ok {
			return true
		}
	}
	return false
}

var _ = context.Background
