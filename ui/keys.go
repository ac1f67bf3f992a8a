package ui

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
)

// GlobalKeys are the root model's bindings. Panes have their own; a pane
// that is capturing text gets every key but ForceQuit.
type GlobalKeys struct {
	Next, Prev key.Binding
	Focus      [NumPanes]key.Binding
	Order      key.Binding
	Help       key.Binding
	TimeZone   key.Binding
	Zoom       key.Binding
	Mouse      key.Binding
	Quit       key.Binding
	ForceQuit  key.Binding
	HelpScroll HelpScrollKeys
}

// HelpScrollKeys scroll the help while it is open.
type HelpScrollKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
}

// DialogKeys answer a confirmation dialog.
type DialogKeys struct {
	Yes   key.Binding
	No    key.Binding
	Erase key.Binding
}

func newGlobalKeys() GlobalKeys {
	k := GlobalKeys{
		Next:      key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane, from any pane")),
		Prev:      key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane, from any pane")),
		Order:     key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "order entry")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		TimeZone:  key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "times in UTC / local (status line names the zone)")),
		Zoom:      key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "zoom: the focused pane fills the screen; z or esc back")),
		Mouse:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mouse on / off (off: the terminal selects and copies text)")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit (types q in a text field)")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit, always")),
		HelpScroll: HelpScrollKeys{
			Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll help up")),
			Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll help down")),
			PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup", "page up")),
			PageDown: key.NewBinding(key.WithKeys("pgdown", "space", "f"), key.WithHelp("pgdn/space", "page down")),
			Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "top")),
			Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "bottom")),
		},
	}
	for p := range NumPanes {
		d := fmt.Sprint(int(p) + 1)
		k.Focus[p] = key.NewBinding(key.WithKeys(d), key.WithHelp(d, p.String()))
	}
	return k
}

func newDialogKeys() DialogKeys {
	return DialogKeys{
		Yes:   key.NewBinding(key.WithKeys("y", "enter"), key.WithHelp("y/enter", "confirm")),
		No:    key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "back out")),
		Erase: key.NewBinding(key.WithKeys("backspace"), key.WithHelp("backspace", "erase")),
	}
}

// helpEntry is a binding with the reason it is off, when it is: the full
// help lists every binding, and a disabled one says why (lazygit's rule).
type helpEntry struct {
	b      key.Binding
	reason string
}

// shown returns a binding the help bubble will render: bubbles' help hides
// disabled bindings, so a disabled one becomes an enabled copy whose
// description carries the reason.
func (e helpEntry) shown() key.Binding {
	h := e.b.Help()
	if e.b.Enabled() {
		return e.b
	}
	reason := e.reason
	if reason == "" {
		reason = "not available here"
	}
	return key.NewBinding(key.WithKeys(e.b.Keys()...), key.WithHelp(h.Key, h.Desc+" (off: "+reason+")"))
}

// tabOrder is the order tab walks the panes: the screen's, top to bottom,
// with order entry last, so leaving the form (esc, back to the blotter)
// and pressing tab goes on to the log, not back into the form. The digits
// keep their panes (6 order entry, 7 log).
// Positions, when there, sits beside the log and comes before it.
var tabOrder = [NumPanes]PaneID{PaneKeys, PaneClock, PaneBudgets, PaneBalances, PaneBlotter, PanePositions, PaneLog, PaneOrderEntry}

// nextPane is the pane d steps (+1 or -1) from p in tab order, skipping
// the positions pane when no account has positions.
func nextPane(p PaneID, d int, positions bool) PaneID {
	order := tabOrder[:]
	if !positions {
		order = slices.DeleteFunc(slices.Clone(order), func(q PaneID) bool { return q == PanePositions })
	}
	for i, q := range order {
		if q == p {
			return order[(i+d+len(order))%len(order)]
		}
	}
	return p
}
