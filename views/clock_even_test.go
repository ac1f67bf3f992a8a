package views

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/vigil-trade/vigil/exchange"
)

// TestClockSignWithinUncertaintyIsNotAhead: at a venue whose time has 1 s
// resolution, −383 ms ±1007 ms says nothing about the direction, and the
// pane said AHEAD (session 5, tried at 160×48). It says "even"; an offset
// beyond its uncertainty still says AHEAD.
func TestClockSignWithinUncertaintyIsNotAhead(t *testing.T) {
	snap := func(name string, off, unc time.Duration) ClockMsg {
		return ClockMsg{Snapshot: exchange.ClockSnapshot{Account: name, Synced: true, Offset: off, Uncertainty: unc,
			RTT: 40 * time.Millisecond, AheadLimit: time.Second, BehindLimit: 5 * time.Second,
			HeadroomAhead: 2 * time.Second, HeadroomBehind: 4 * time.Second, LastSync: t0}}
	}
	p := NewClock(testStyles())
	p.SetSize(150, 10)
	feed(p, []tea.Msg{fixtureAccounts(2), TickMsg{Now: t0},
		snap(acctNames[0], -383*time.Millisecond, 1007*time.Millisecond),
		snap(acctNames[1], -1500*time.Millisecond, 20*time.Millisecond)})
	lines := strings.Split(ansi.Strip(p.View()), "\n")
	line := func(name string) string {
		for _, l := range lines {
			if strings.Contains(l, name) {
				return l
			}
		}
		t.Fatalf("no line for %s in\n%s", name, strings.Join(lines, "\n"))
		return ""
	}
	if l := line(acctNames[0]); strings.Contains(l, "AHEAD") || !strings.Contains(l, "even") {
		t.Errorf("noise read as a direction: %q", l)
	}
	if l := line(acctNames[1]); !strings.Contains(l, "AHEAD") {
		t.Errorf("1.5 s ahead ±20 ms not AHEAD: %q", l)
	}
}
