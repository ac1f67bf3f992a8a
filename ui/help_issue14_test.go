package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Read off the cockpit in tmux at 80×24: the help box narrowed and moved
// as it scrolled, since it was as wide as the lines shown. It keeps one
// width and place now.
func TestHelpKeepsItsWidthWhileScrolling(t *testing.T) {
	m := realModel(t, 80, 24)
	keys(t, m, "?")
	corner := func() (int, int) {
		for _, l := range strings.Split(screen(m), "\n") {
			if i := strings.Index(l, "╭"); i >= 0 {
				return ansi.StringWidth(l[:i]), ansi.StringWidth(l[:strings.Index(l, "╮")])
			}
		}
		t.Fatalf("no help box:\n%s", screen(m))
		return 0, 0
	}
	l0, r0 := corner()
	for range 3 {
		keys(t, m, "pgdown")
		if l, r := corner(); l != l0 || r != r0 {
			t.Fatalf("help box moved from %d-%d to %d-%d while scrolling:\n%s", l0, r0, l, r, screen(m))
		}
	}
}
