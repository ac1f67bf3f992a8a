package views

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/vigil-trade/vigil/exchange"
)

// ScrollKeys move through a pane's lines; panes embed them in their keymap.
type ScrollKeys struct {
	Up, Down, PgUp, PgDown, Home, End key.Binding
}

func newScrollKeys() ScrollKeys {
	return ScrollKeys{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PgUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PgDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Home:   key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home", "first")),
		End:    key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end", "last")),
	}
}

func (k ScrollKeys) bindings() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PgUp, k.PgDown, k.Home, k.End}
}

// move applies a scroll key to a position in [0, n) with page size page; ok
// is false when msg is not a scroll key.
func (k ScrollKeys) move(msg tea.KeyPressMsg, pos, n, page int) (int, bool) {
	page = max(page, 1)
	switch {
	case key.Matches(msg, k.Up):
		pos--
	case key.Matches(msg, k.Down):
		pos++
	case key.Matches(msg, k.PgUp):
		pos -= page
	case key.Matches(msg, k.PgDown):
		pos += page
	case key.Matches(msg, k.Home):
		pos = 0
	case key.Matches(msg, k.End):
		pos = n - 1
	default:
		return pos, false
	}
	return max(0, min(pos, n-1)), true
}

// accountOrder keeps the configured display order of accounts and their
// static facts, shared by the per-account panes.
type accountOrder struct {
	list []string
	info map[string]accountFacts
}

type accountFacts struct {
	name, venue, network string
	demo, mainnet        bool
	allowMain            bool
	scheme, keyID        string
}

func (a *accountOrder) set(msg AccountsMsg) {
	a.list = a.list[:0]
	a.info = make(map[string]accountFacts, len(msg.Accounts))
	for _, ai := range msg.Accounts {
		a.list = append(a.list, ai.Name)
		a.info[ai.Name] = accountFacts{
			name: ai.Name, venue: ai.Venue, network: string(ai.Network),
			demo: ai.Demo, mainnet: ai.Network == exchange.Mainnet, allowMain: ai.AllowMainnet,
			scheme: string(ai.Scheme), keyID: ai.KeyID,
		}
	}
}

// ensure appends an account seen in data before (or without) AccountsMsg.
func (a *accountOrder) ensure(name string) {
	if _, ok := a.info[name]; ok {
		return
	}
	if a.info == nil {
		a.info = map[string]accountFacts{}
	}
	a.list = append(a.list, name)
	a.info[name] = accountFacts{name: name}
}

var (
	_ Pane = (*Keys)(nil)
	_ Pane = (*Clock)(nil)
	_ Pane = (*Budgets)(nil)
	_ Pane = (*Balances)(nil)
	_ Pane = (*Blotter)(nil)
	_ Pane = (*OrderEntry)(nil)
	_ Pane = (*EventLog)(nil)
)
