package views

import (
	"charm.land/lipgloss/v2"
)

// Styles are semantic: panes ask for Danger or Stale, never for a colour.
// Built once by ui/ for the terminal's background and NO_COLOR; there are no
// package-level style variables. Meaning never rides on colour alone: panes
// also print words and symbols (WITHDRAW, STALE, ▲▼).
type Styles struct {
	Title     lipgloss.Style
	Header    lipgloss.Style // table headers
	Focused   lipgloss.Style // border of the focused pane
	Blurred   lipgloss.Style // border of other panes
	Selected  lipgloss.Style // selected row
	Muted     lipgloss.Style
	OK        lipgloss.Style
	Warn      lipgloss.Style
	Danger    lipgloss.Style
	Stale     lipgloss.Style
	Buy       lipgloss.Style
	Sell      lipgloss.Style
	Gauge     lipgloss.Style // filled part of a gauge
	GaugeBg   lipgloss.Style // empty part
	Badge     lipgloss.Style // TESTNET, DEMO
	BadgeMain lipgloss.Style // MAINNET
	Input     lipgloss.Style
	Error     lipgloss.Style
}

// NewStyles builds styles for a dark or light background; noColor gives
// plain text with only bold and reverse, for NO_COLOR.
func NewStyles(dark, noColor bool) Styles {
	if noColor {
		plain := lipgloss.NewStyle()
		return Styles{
			Title:     plain.Bold(true),
			Header:    plain.Bold(true),
			Focused:   plain.Border(lipgloss.ThickBorder()),
			Blurred:   plain.Border(lipgloss.NormalBorder()),
			Selected:  plain.Reverse(true),
			Muted:     plain,
			OK:        plain,
			Warn:      plain.Bold(true),
			Danger:    plain.Bold(true),
			Stale:     plain,
			Buy:       plain,
			Sell:      plain,
			Gauge:     plain,
			GaugeBg:   plain,
			Badge:     plain.Bold(true),
			BadgeMain: plain.Bold(true).Reverse(true),
			Input:     plain,
			Error:     plain.Bold(true),
		}
	}
	ld := lipgloss.LightDark(dark)
	fg := ld(lipgloss.Color("#1f2328"), lipgloss.Color("#e6edf3"))
	muted := ld(lipgloss.Color("#6e7781"), lipgloss.Color("#8b949e"))
	accent := ld(lipgloss.Color("#0969da"), lipgloss.Color("#58a6ff"))
	green := ld(lipgloss.Color("#1a7f37"), lipgloss.Color("#3fb950"))
	yellow := ld(lipgloss.Color("#9a6700"), lipgloss.Color("#d29922"))
	red := ld(lipgloss.Color("#cf222e"), lipgloss.Color("#f85149"))
	s := lipgloss.NewStyle()
	return Styles{
		Title:     s.Bold(true).Foreground(accent),
		Header:    s.Bold(true).Foreground(muted),
		Focused:   s.Border(lipgloss.ThickBorder()).BorderForeground(accent),
		Blurred:   s.Border(lipgloss.NormalBorder()).BorderForeground(muted),
		Selected:  s.Reverse(true),
		Muted:     s.Foreground(muted),
		OK:        s.Foreground(green),
		Warn:      s.Foreground(yellow).Bold(true),
		Danger:    s.Foreground(red).Bold(true),
		Stale:     s.Foreground(muted).Italic(true),
		Buy:       s.Foreground(green),
		Sell:      s.Foreground(red),
		Gauge:     s.Foreground(accent),
		GaugeBg:   s.Foreground(muted),
		Badge:     s.Bold(true).Foreground(yellow),
		BadgeMain: s.Bold(true).Foreground(lipgloss.Color("#ffffff")).Background(red),
		Input:     s.Foreground(fg),
		Error:     s.Foreground(red),
	}
}
