package views

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// streamFixture gives three accounts a private stream in each state the
// keys pane must tell apart; the others poll and show no stream line.
func streamFixture() []StreamMsg {
	return []StreamMsg{
		{Account: acctNames[0], State: "live", Since: t0.Add(-time.Hour), LastEvent: t0.Add(-3 * time.Second)},
		{Account: acctNames[1], State: "reconnecting", Since: t0.Add(-5 * time.Second), Attempt: 3, RetryAt: t0.Add(4 * time.Second)},
		{Account: acctNames[3], State: "down", Since: time.Date(2026, 7, 1, 14, 3, 10, 0, time.Local), Attempt: 6, RetryAt: t0.Add(20 * time.Second)},
	}
}

func TestKeysStreamLines(t *testing.T) {
	p := NewKeys(testStyles())
	feed(p, fixture(5))
	for _, m := range streamFixture() {
		p.Update(m)
	}
	p.SetSize(160, 48)
	v := ansi.Strip(p.View())
	for _, want := range []string{
		"stream live · last event 3s ago",
		"stream reconnecting in 4s (attempt 3)",
		"stream DOWN since 14:03:10 (attempt 6, retry in 20s)",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("keys pane lacks %q:\n%s", want, v)
		}
	}
	if n := strings.Count(v, "stream "); n != 3 {
		t.Errorf("%d stream lines, want 3 (polling accounts show none):\n%s", n, v)
	}
	// A live stream with no event yet says how long it has been up.
	p.Update(StreamMsg{Account: acctNames[0], State: "live", Since: t0.Add(-90 * time.Second)})
	if v := ansi.Strip(p.View()); !strings.Contains(v, "stream live 1m30s · no events yet") {
		t.Errorf("fresh live stream:\n%s", v)
	}
}

func TestKeysStreamGolden(t *testing.T) {
	p := NewKeys(testStyles())
	feed(p, fixture(5))
	for _, m := range streamFixture() {
		p.Update(m)
	}
	for _, sz := range sizes {
		p.SetSize(sz.w, sz.h)
		name := fmt.Sprintf("keys_stream_%dx%d", sz.w, sz.h)
		assertFits(t, name, p.View(), sz.w, sz.h)
		golden(t, name, p.View())
	}
}
