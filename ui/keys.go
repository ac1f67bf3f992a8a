package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
)

// GlobalKeys are the root model's bindings. Panes have their own; a pane
// that is capturing text gets every key but ForceQuit.
type GlobalKeys struct {
	Next, Prev key.Binding
	Focus      [NumPanes]key.Binding
	Order      key.Binding
	Help       key.Binding
	Quit       key.Binding
	ForceQuit  key.Binding
}

// DialogKeys answer a confirmation dialog.
type DialogKeys struct {
	Yes   key.Binding
	No    key.Binding
	Erase key.Binding
}

func newGlobalKeys() GlobalKeys {
	k := GlobalKeys{
		Next:      key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		Prev:      key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane")),
		Order:     key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "order entry")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit, always")),
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
