package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/store"
	"github.com/vigil-trade/vigil/views"
)

// journalHarness writes a config and a journal of 12 orders: every third
// open, the others filled; half of them 100 days old.
func journalHarness(t *testing.T) (*harness, string) {
	t.Helper()
	h := newHarness(t)
	if err := os.MkdirAll(filepath.Dir(h.configPath()), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "journal_retention_days = 30\n[[accounts]]\nname = \"bn\"\nvenue = \"binance\"\nnetwork = \"testnet\"\nkey = \"bn\"\n"
	if err := os.WriteFile(h.configPath(), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(h.home, "data", "vigil", store.FileName)
	j, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for i := range 12 {
		at := h.now.Add(-100 * 24 * time.Hour)
		if i >= 6 {
			at = h.now.Add(-time.Hour)
		}
		at = at.Add(time.Duration(i) * time.Minute)
		id := exchange.NewClientID(at)
		in := store.Intent{Account: "bn", ClientID: id, Created: at, Req: exchange.OrderRequest{
			Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("50000.10")}}
		if err := j.RecordIntent(in); err != nil {
			t.Fatal(err)
		}
		st := exchange.StatusFilled
		if i%3 == 0 {
			st = exchange.StatusNew
		}
		if _, err := j.Append("bn", id, store.Transition{Status: st, OrderID: fmt.Sprint(700 + i), Filled: decimal.RequireFromString("0.001"), Via: "stream", At: at.Add(time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	return h, path
}

func TestJournalCommands(t *testing.T) {
	h, path := journalHarness(t)
	r := h.mustRun("", nil, "journal", "stats")
	if !strings.Contains(r.stdout, "12 orders") || !strings.Contains(r.stdout, "OLDER THAN 30d") {
		t.Fatalf("stats:\n%s", r.stdout)
	}
	// Of the six old orders, two are open (0 and 3): four can move.
	if r := h.mustRun("", nil, "journal", "archive", "--dry-run"); !strings.HasPrefix(r.stdout, "4 final orders") {
		t.Fatalf("dry run: %s", r.stdout)
	}
	before := h.mustRun("", nil, "journal", "export", "--format", "jsonl").stdout
	r = h.mustRun("", nil, "journal", "archive")
	if !strings.HasPrefix(r.stdout, "moved 4 final orders") {
		t.Fatalf("archive: %s", r.stdout)
	}
	if files, _ := store.ArchiveFiles(path); len(files) != 1 {
		t.Fatalf("archives: %v", files)
	}
	if r := h.mustRun("", nil, "journal", "export", "--format", "csv"); strings.Count(r.stdout, "\n") != 1+8 || !strings.HasPrefix(r.stdout, "account,client_id,order_id,") {
		t.Fatalf("csv export after archiving (want a header and 8 rows):\n%s", r.stdout)
	}
	after := h.mustRun("", nil, "journal", "export", "--format", "jsonl", "--archived").stdout
	if lines(before) != lines(after) {
		t.Fatalf("export --archived after archiving:\n%s\nbefore:\n%s", after, before)
	}
	out := filepath.Join(h.home, "orders.jsonl")
	h.mustRun("", nil, "journal", "export", "--format", "jsonl", "--archived", "--out", out)
	if b, err := os.ReadFile(out); err != nil || lines(string(b)) != lines(before) {
		t.Fatalf("--out: %v\n%s", err, b)
	}
	if r := h.mustRun("", nil, "journal", "check"); !strings.Contains(r.stdout, "is sound") {
		t.Fatalf("check: %s", r.stdout)
	}
	for _, c := range []string{"stats", "archive", "export", "check"} {
		if r := h.run("", nil, "journal", c, "--help"); r.code != 0 || !strings.Contains(r.stdout, "usage: vigil journal "+c) || !strings.Contains(r.stdout, "Exit codes") {
			t.Errorf("journal %s --help: exit %d\n%s", c, r.code, r.stdout)
		}
	}
	if r := h.run("", nil, "journal", "export"); r.code != ExitUsage || !strings.Contains(r.stderr, "--format") {
		t.Errorf("export without --format: exit %d %s", r.code, r.stderr)
	}
}

// lines is the sorted set of lines, for comparing exports whose order
// differs (archived orders first).
func lines(s string) string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		var o store.ArchivedOrder
		if json.Unmarshal([]byte(l), &o) == nil {
			out = append(out, o.ClientID+" "+l)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

func TestJournalCommandsRefuse(t *testing.T) {
	h, path := journalHarness(t)
	j, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r := h.run("", nil, "journal", "stats")
	j.Close()
	if r.code != ExitFailure || !strings.Contains(r.stderr, "in use by another vigil") {
		t.Fatalf("stats beside a holder: exit %d\n%s", r.code, r.stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b[4096*2:] {
		b[4096*2+i] ^= 0x5a
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"stats", "check", "archive"} {
		r := h.run("", nil, "journal", c)
		if r.code != ExitFailure || !strings.Contains(r.stderr, "journal is corrupt: "+path) || !strings.Contains(r.stderr, "mv ") {
			t.Errorf("journal %s of a corrupt journal: exit %d\n%s", c, r.code, r.stderr)
		}
	}
	if after, _ := os.ReadFile(path); string(after) != string(b) {
		t.Fatal("a command changed the corrupt journal")
	}
	os.Remove(path)
	if r := h.run("", nil, "journal", "stats"); r.code != ExitFailure || !strings.Contains(r.stderr, "no journal at") {
		t.Fatalf("stats without a journal: exit %d\n%s", r.code, r.stderr)
	}
}

// TestCockpitRetainer: the running cockpit applies journal_retention_days
// itself: at start the four old final orders leave for an archive, the
// open ones and the recent ones stay, and Events says what moved.
func TestCockpitRetainer(t *testing.T) {
	h, path := journalHarness(t)
	j, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan views.LogMsg, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		retainer(j, 30, func() time.Time { return h.now })(ctx, func(_ string, m tea.Msg) {
			if lm, ok := m.(views.LogMsg); ok {
				got <- lm
			}
		})
	}()
	var lm views.LogMsg
	select {
	case lm = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the retainer said nothing")
	}
	cancel()
	<-done
	if lm.Level != views.LevelInfo || !strings.Contains(lm.Text, "4 final orders older than 30 days moved to journal-archive-") {
		t.Fatalf("event: %+v", lm)
	}
	if files, _ := store.ArchiveFiles(path); len(files) != 1 {
		t.Fatalf("archives: %v", files)
	}
	n, open := 0, 0
	if err := j.Orders(func(o store.ArchivedOrder) error {
		n++
		if !store.Final(exchange.OrderStatus(o.Status)) {
			open++
		} else if o.Updated.Before(h.now.AddDate(0, 0, -30)) {
			t.Errorf("old final order %s still in the journal", o.ClientID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 8 || open != 4 {
		t.Fatalf("journal keeps %d orders (%d open), want 8 (4 open)", n, open)
	}

	// Off (0 days, as the demo runs it): the producer returns at once and
	// touches nothing.
	retainer(j, 0, func() time.Time { return h.now.AddDate(1, 0, 0) })(context.Background(), func(string, tea.Msg) { t.Error("emitted while off") })
	if files, _ := store.ArchiveFiles(path); len(files) != 1 {
		t.Fatalf("archives after a disabled run: %v", files)
	}
}
