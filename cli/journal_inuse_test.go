package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigil-trade/vigil/store"
	"github.com/vigil-trade/vigil/views"
)

// Issue 14: 'vigil journal stats' and 'journal export' work beside a
// running cockpit. The cockpit holds the journal (a second open is
// refused, as in another process) and serves copies of it; the commands
// read the copy and say so, and the journal's writer keeps writing.
func TestJournalStatsAndExportBesideTheCockpit(t *testing.T) {
	h, path := journalHarness(t)
	before := h.mustRun("", nil, "journal", "export", "--format", "csv").stdout

	j, err := store.Open(path) // the cockpit's hold
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	// Without copies served, the commands refuse as before and say what
	// serves one.
	r := h.run("", nil, "journal", "stats")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "in use") || !strings.Contains(r.stderr, "a cockpit serves one") {
		t.Fatalf("stats beside a holder that serves nothing: exit %d\n%s", r.code, r.stderr)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if _, err := j.ServeCopies(ctx); err != nil {
		t.Fatal(err)
	}
	r = h.mustRun("", nil, "journal", "stats")
	if !strings.Contains(r.stdout, "12 orders") || !strings.Contains(r.stdout, path) {
		t.Fatalf("stats beside the cockpit:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "held by") || !strings.Contains(r.stderr, "reading a consistent copy") {
		t.Fatalf("stats does not say it read a copy:\n%s", r.stderr)
	}
	r = h.mustRun("", nil, "journal", "export", "--format", "csv")
	if r.stdout != before {
		t.Fatalf("export beside the cockpit differs from export without it:\n%s\nwant:\n%s", r.stdout, before)
	}
	// What writes, or must see the file itself, still refuses.
	for _, args := range [][]string{{"journal", "archive"}, {"journal", "check"}} {
		if r := h.run("", nil, args...); r.code != ExitFailure || !strings.Contains(r.stderr, "in use") {
			t.Fatalf("%v beside the cockpit: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	if err := j.RecordIntent(store.Intent{Account: "bn", ClientID: "vg-after", Created: h.now}); err != nil {
		t.Fatalf("the cockpit could not write after the copies: %v", err)
	}
}

// The cockpit wiring: journalCopies serves until the cockpit ends, quietly;
// a cockpit that cannot serve says so in Events and runs on.
func TestCockpitServesJournalCopies(t *testing.T) {
	h, path := journalHarness(t)
	j, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	serve := journalCopies(j, func() time.Time { return h.now })
	var got []tea.Msg
	emit := func(_ string, m tea.Msg) { got = append(got, m) }
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	serve(ctx, emit)
	if len(got) != 0 {
		t.Fatalf("a cockpit that served and ended said %v", got)
	}
	if _, err := os.Stat(store.SocketPath(path)); !os.IsNotExist(err) {
		t.Fatalf("socket left after the cockpit ended: %v", err)
	}
	// Something that is not a socket, and not ours to remove, in its place.
	if err := os.MkdirAll(filepath.Join(store.SocketPath(path), "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	serve(t.Context(), emit)
	if len(got) != 1 {
		t.Fatalf("a cockpit that cannot serve said %v", got)
	}
	if l, ok := got[0].(views.LogMsg); !ok || l.Level != views.LevelWarn || !strings.Contains(l.Text, "cannot serve copies") {
		t.Fatalf("warning: %+v", got[0])
	}
}
