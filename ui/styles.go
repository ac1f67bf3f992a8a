package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
	"github.com/vigil-trade/vigil/views"
)

// NoColorEnv reports whether the NO_COLOR convention asks for plain output:
// any non-empty value counts (https://no-color.org).
func NoColorEnv(getenv func(string) string) bool { return getenv("NO_COLOR") != "" }

// chrome is the root model's own styling: the panes' semantic styles plus
// what only ui draws (dialogs, status line, help). Built once, from the
// background we were told about: querying the terminal can hang over SSH or
// inside tmux, so ui never waits for a reply.
type chrome struct {
	views.Styles
	Dialog      lipgloss.Style
	DialogDang  lipgloss.Style // dialogs that need typed confirmation
	StatusBar   lipgloss.Style
	Hint        lipgloss.Style
	Help        help.Model
	frameW      int
	frameH      int
	borderFocus lipgloss.Border
	borderBlur  lipgloss.Border
}

func newChrome(dark, noColor bool) *chrome {
	st := views.NewStyles(dark, noColor)
	c := &chrome{Styles: st}
	c.Dialog = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)
	c.DialogDang = lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).Padding(0, 1)
	c.StatusBar = lipgloss.NewStyle().Reverse(true)
	c.Hint = st.Warn
	if !noColor {
		c.Dialog = c.Dialog.BorderForeground(st.Focused.GetBorderTopForeground())
		c.DialogDang = c.DialogDang.BorderForeground(st.Danger.GetForeground())
	}
	c.Help = help.New()
	if noColor {
		plain := lipgloss.NewStyle()
		c.Help.Styles = help.Styles{
			Ellipsis: plain, ShortKey: plain.Bold(true), ShortDesc: plain, ShortSeparator: plain,
			FullKey: plain.Bold(true), FullDesc: plain, FullSeparator: plain,
		}
	} else {
		c.Help.Styles = help.DefaultStyles(dark)
	}
	c.frameW = max(st.Focused.GetHorizontalFrameSize(), st.Blurred.GetHorizontalFrameSize())
	c.frameH = max(st.Focused.GetVerticalFrameSize(), st.Blurred.GetVerticalFrameSize())
	c.borderFocus = st.Focused.GetBorderStyle()
	c.borderBlur = st.Blurred.GetBorderStyle()
	return c
}
