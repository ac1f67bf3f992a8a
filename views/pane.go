// Package views holds the cockpit's panes: state and rendering only. A pane
// may import exchange types, never a client, the store or crypto; it knows
// no venue by name. Data arrives as the typed messages in msgs.go; anything
// that moves money leaves as an intent message that ui/ confirms and carries out.
package views

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
)

// Pane is the small contract every pane keeps with the root model.
type Pane interface {
	Update(msg tea.Msg) tea.Cmd // typed messages only; returns commands or intent messages
	View() string               // joins pre-formatted rows; no formatting work per frame
	SetSize(w, h int)           // inner size, frame already subtracted by ui/layout.go
	Focus()
	Blur()
	Title() string
	help.KeyMap
}

// Versioned is a pane that says when its View changed: Version moves
// whenever View would return something else (and may move when it would
// not). The root frames such a pane again only when its version moved;
// a pane without it has its View compared instead.
type Versioned interface {
	Version() uint64
}
