package views

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Shared rendering for the panes: fitting styled text into cells, gauges,
// sparklines and short durations. Everything here is ANSI-aware: a styled
// string is never cut by bytes.

// fit truncates s to at most w cells, marking the cut with an ellipsis.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// padRight fits s into exactly w cells, left-aligned.
func padRight(s string, w int) string {
	s = fit(s, w)
	if n := w - lipgloss.Width(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}

// padLeft fits s into exactly w cells, right-aligned (numbers).
func padLeft(s string, w int) string {
	s = fit(s, w)
	if n := w - lipgloss.Width(s); n > 0 {
		return strings.Repeat(" ", n) + s
	}
	return s
}

// joinFit joins parts with sep and fits the result into w cells.
func joinFit(w int, sep string, parts ...string) string {
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return fit(strings.Join(out, sep), w)
}

// gauge draws a bar of w cells, filled in proportion to used/limit. The
// filled part is a different glyph as well as a different style, so the bar
// reads without colour.
func gauge(st *Styles, used, limit, w int) string {
	if w <= 0 {
		return ""
	}
	filled := 0
	if limit > 0 {
		filled = used * w / limit
		if used > 0 && filled == 0 {
			filled = 1
		}
	}
	if filled > w {
		filled = w
	}
	if filled < 0 {
		filled = 0
	}
	return st.Gauge.Render(strings.Repeat("█", filled)) + st.GaugeBg.Render(strings.Repeat("░", w-filled))
}

// twoSided draws remaining headroom on both sides of a centre mark: the left
// half fills toward the centre with the ahead headroom, the right half with
// the behind headroom. A side with little room left is short next to the
// centre, whatever the colours.
func twoSided(st *Styles, left, right float64, w int) string {
	if w < 3 {
		return ""
	}
	half := (w - 1) / 2
	lf := cells(left, half)
	rf := cells(right, w-1-half)
	return st.GaugeBg.Render(strings.Repeat("░", half-lf)) + st.Gauge.Render(strings.Repeat("█", lf)) +
		"│" +
		st.Gauge.Render(strings.Repeat("█", rf)) + st.GaugeBg.Render(strings.Repeat("░", w-1-half-rf))
}

func cells(frac float64, w int) int {
	if frac != frac || frac <= 0 { // NaN or none
		return 0
	}
	if frac >= 1 {
		return w
	}
	n := int(frac*float64(w) + 0.5)
	if n == 0 {
		n = 1
	}
	return n
}

var sparkLevels = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the last w values scaled between their min and max.
func sparkline(vals []time.Duration, w int) string {
	if w <= 0 || len(vals) == 0 {
		return ""
	}
	if len(vals) > w {
		vals = vals[len(vals)-w:]
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	var sb strings.Builder
	for _, v := range vals {
		i := 3
		if hi > lo {
			i = int((v - lo) * time.Duration(len(sparkLevels)-1) / (hi - lo))
		}
		sb.WriteRune(sparkLevels[i])
	}
	return sb.String()
}

// shortDur formats a duration for a countdown or an age: "42s", "1m42s",
// "2h05m", "3d04h". Sub-second remainders round up for countdowns so a
// running ban never shows "0s".
func shortDur(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	s := int64((d + time.Second - 1) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, (s%3600)/60)
	default:
		return fmt.Sprintf("%dd%02dh", s/86400, (s%86400)/3600)
	}
}

// ms formats a duration in milliseconds with one decimal.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

// signedMs is ms with an explicit sign.
func signedMs(d time.Duration) string {
	if d >= 0 {
		return "+" + ms(d)
	}
	return "−" + ms(-d)
}

// window returns the visible slice of lines for a scroll offset, clamping
// the offset so the last page is full.
func window(lines []string, off, h int) []string {
	if h <= 0 {
		return nil
	}
	off = clampOff(off, len(lines), h)
	end := min(len(lines), off+h)
	return lines[off:end]
}

func clampOff(off, n, h int) int {
	if off > n-h {
		off = n - h
	}
	if off < 0 {
		off = 0
	}
	return off
}

// follow moves off so line sel is visible in a window of h lines.
func follow(off, sel, h int) int {
	if h <= 0 {
		return 0
	}
	if sel < off {
		return sel
	}
	if sel >= off+h {
		return sel - h + 1
	}
	return off
}

// joinLines joins rendered rows into a pane body.
func joinLines(lines []string) string { return strings.Join(lines, "\n") }

func spaces(n int) string { return strings.Repeat(" ", max(0, n)) }

func splitLines(s string) []string { return strings.Split(s, "\n") }

func joinSpace(ls []string) string { return strings.Join(ls, " ") }

// Choosing a rendering ------------------------------------------------------
//
// A pane with several accounts renders its facts in a few shapes, richest
// first, and shows the first shape that fits its rectangle, rather than
// cutting a wide shape with an ellipsis: a cut line loses whatever was at
// its end, and that is often the fact that mattered.

// blocks is one rendering: the lines of each account, in display order.
type blocks [][]string

func (b blocks) width() int {
	w := 0
	for _, lines := range b {
		for _, l := range lines {
			w = max(w, lipgloss.Width(l))
		}
	}
	return w
}

func (b blocks) height() int {
	n := 0
	for _, lines := range b {
		n += len(lines)
	}
	return n
}

// pickBlocks returns the first candidate whose lines fit w cells and h
// rows; failing that, the first that fits w with the fewest rows (the pane
// scrolls); failing both, the last (narrowest) one, each line cut to w. A
// nil candidate is a shape that does not apply and is skipped.
func pickBlocks(w, h int, cands ...blocks) blocks {
	cands = slices.DeleteFunc(slices.Clone(cands), func(b blocks) bool { return b == nil })
	if len(cands) == 0 {
		return nil
	}
	best := -1
	for i, c := range cands {
		if c.width() > w {
			continue
		}
		if c.height() <= h {
			return c
		}
		if best < 0 || c.height() < cands[best].height() {
			best = i
		}
	}
	if best >= 0 {
		return cands[best]
	}
	last := cands[len(cands)-1]
	out := make(blocks, len(last))
	for i, lines := range last {
		out[i] = make([]string, len(lines))
		for j, l := range lines {
			out[i][j] = fit(l, w)
		}
	}
	return out
}

// span formats a duration a trader reads at a glance, keeping three
// significant digits: "850ms", "1.09s", "29.4s", "2m05s". Negative spans
// keep their sign ("−120ms"): a headroom below zero is already spent.
func span(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "−", -d
	}
	switch {
	case d < time.Second:
		return sign + fmt.Sprintf("%dms", d.Milliseconds())
	case d < 10*time.Second:
		return sign + fmt.Sprintf("%.2fs", d.Seconds())
	case d < time.Minute:
		return sign + fmt.Sprintf("%.1fs", d.Seconds())
	}
	return sign + shortDur(d)
}

// joinWhile joins the must parts with sep, then each optional part that
// still fits in w cells, so a line loses its least important words whole
// rather than being cut mid-word. Only must parts too wide are cut.
func joinWhile(w int, sep string, must []string, optional ...string) string {
	s := joinFit(1<<20, sep, must...)
	for _, o := range optional {
		if o == "" {
			continue
		}
		if lipgloss.Width(s)+len(sep)+lipgloss.Width(o) <= w {
			s += sep + o
		}
	}
	return fit(s, w)
}
