package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/vigil-trade/vigil/exchange"
)

var t0 = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

func openTemp(t *testing.T) (*Journal, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	j, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j, path
}

func intent(account, id string, at time.Time) Intent {
	return Intent{
		Account:  account,
		ClientID: id,
		Created:  at,
		Req: exchange.OrderRequest{
			Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.RequireFromString("0.00012345"), Price: decimal.RequireFromString("61234.50"),
		},
	}
}

func TestIntentThenTransitions(t *testing.T) {
	j, path := openTemp(t)
	in := intent("main", "vgA", t0)
	if err := j.RecordIntent(in); err != nil {
		t.Fatal(err)
	}
	if err := j.RecordIntent(in); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second RecordIntent: %v, want ErrDuplicate", err)
	}
	e, err := j.Get("main", "vgA")
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != exchange.StatusPending || e.Seq != 0 || e.Req.ClientID != "vgA" {
		t.Fatalf("fresh entry = %+v", e)
	}
	steps := []Transition{
		{Status: exchange.StatusUnknown, Reason: "timeout", Via: "place", At: t0.Add(time.Second)},
		{Status: exchange.StatusNew, OrderID: "18446744073709551615", Via: "query", At: t0.Add(2 * time.Second)},
		{Status: exchange.StatusPartiallyFilled, Filled: decimal.RequireFromString("0.0001"), Via: "query", At: t0.Add(3 * time.Second)},
		{Status: StatusCancelRequested, Via: "cancel", At: t0.Add(4 * time.Second)},
		{Status: exchange.StatusCanceled, Filled: decimal.RequireFromString("0.0001"), Via: "cancel", At: t0.Add(5 * time.Second)},
		// A late, stale answer must not reopen the order or shrink its fill.
		{Status: exchange.StatusNew, Via: "query", At: t0.Add(6 * time.Second)},
	}
	for _, s := range steps {
		if _, err := j.Append("main", "vgA", s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.Append("main", "nope", steps[0]); !errors.Is(err, ErrNoIntent) {
		t.Fatalf("Append to unknown intent: %v", err)
	}
	j.Close()

	j, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	e, err = j.Get("main", "vgA")
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != exchange.StatusCanceled || e.Seq != uint64(len(steps)) || e.OrderID != "18446744073709551615" {
		t.Fatalf("entry after reopen = %+v", e)
	}
	if !e.Filled.Equal(decimal.RequireFromString("0.0001")) || e.Req.Qty.String() != "0.00012345" || e.Req.Price.String() != "61234.5" {
		t.Fatalf("decimals changed: filled %s qty %s price %s", e.Filled, e.Req.Qty, e.Req.Price)
	}
	if !e.Updated.Equal(t0.Add(6 * time.Second)) {
		t.Fatalf("updated = %v", e.Updated)
	}
	recs, err := j.Records("main", "vgA")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(steps) {
		t.Fatalf("%d records, want %d", len(recs), len(steps))
	}
	for i, r := range recs {
		if r.Seq != uint64(i+1) || r.Status != steps[i].Status {
			t.Fatalf("record %d = seq %d %s, want seq %d %s", i, r.Seq, r.Status, i+1, steps[i].Status)
		}
	}
}

func TestFinalIsNotReopenedButVenueTruthWins(t *testing.T) {
	j, _ := openTemp(t)
	if err := j.RecordIntent(intent("a", "x", t0)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []exchange.OrderStatus{StatusNotPlaced, exchange.StatusNew} {
		if _, err := j.Append("a", "x", Transition{Status: s, At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if e, _ := j.Get("a", "x"); e.Status != StatusNotPlaced {
		t.Fatalf("local final reopened by NEW: %s", e.Status)
	}
	e, err := j.Append("a", "x", Transition{Status: exchange.StatusFilled, Filled: decimal.NewFromInt(1), At: t0})
	if err != nil || e.Status != exchange.StatusFilled {
		t.Fatalf("venue's FILLED did not replace NOT_PLACED: %v %s", err, e.Status)
	}
}

func TestUnresolvedAndHistory(t *testing.T) {
	j, _ := openTemp(t)
	for i := range 10 {
		for _, acct := range []string{"a", "b"} {
			if err := j.RecordIntent(intent(acct, fmt.Sprintf("id%02d", i), t0.Add(time.Duration(i)*time.Minute))); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Settle the even ones on account a.
	for i := 0; i < 10; i += 2 {
		if _, err := j.Append("a", fmt.Sprintf("id%02d", i), Transition{Status: exchange.StatusFilled, At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	// CANCEL_REQUESTED is not final: it stays unresolved.
	if _, err := j.Append("a", "id01", Transition{Status: StatusCancelRequested, At: t0}); err != nil {
		t.Fatal(err)
	}
	un, err := j.Unresolved("a")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range un {
		ids = append(ids, e.ClientID)
	}
	if got := strings.Join(ids, ","); got != "id01,id03,id05,id07,id09" {
		t.Fatalf("unresolved a = %s", got)
	}
	if un, _ := j.Unresolved("b"); len(un) != 10 {
		t.Fatalf("unresolved b = %d, want 10", len(un))
	}
	if un, err := j.Unresolved("nobody"); err != nil || len(un) != 0 {
		t.Fatalf("unresolved of unknown account: %v %v", un, err)
	}
	h, err := j.History("a", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 || h[0].ClientID != "id09" || h[2].ClientID != "id07" {
		t.Fatalf("history = %v", h)
	}
	if h, _ := j.History("a", 0); len(h) != 10 {
		t.Fatalf("full history = %d", len(h))
	}
	if accts, _ := j.Accounts(); strings.Join(accts, ",") != "a,b" {
		t.Fatalf("accounts = %v", accts)
	}
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func assertRefused(t *testing.T, path string, want error) error {
	t.Helper()
	before := fileSum(t, path)
	st, _ := os.Stat(path)
	j, err := Open(path)
	if err == nil {
		j.Close()
		t.Fatalf("Open(%s) accepted a bad journal", path)
	}
	if !errors.Is(err, want) {
		t.Fatalf("Open error = %v, want %v", err, want)
	}
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("error does not name the file: %v", err)
	}
	if fileSum(t, path) != before {
		t.Fatal("Open changed the refused file")
	}
	st2, _ := os.Stat(path)
	if !st2.ModTime().Equal(st.ModTime()) || st2.Size() != st.Size() {
		t.Fatal("Open touched the refused file")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		// The checked mark is the sound journal's, from before the damage.
		if e.Name() != filepath.Base(path) && e.Name() != filepath.Base(path)+markSuffix && !strings.HasPrefix(e.Name(), "keep") {
			t.Fatalf("Open left %s behind", e.Name())
		}
	}
	return err
}

// realJournal writes a journal big enough to span many pages.
func realJournal(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, FileName)
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if err := j.RecordIntent(intent("main", fmt.Sprintf("vg%04d", i), t0.Add(time.Duration(i)))); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	return path
}

func TestGarbageFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a journal\n"), 2000), 0o600); err != nil {
		t.Fatal(err)
	}
	assertRefused(t, path, ErrCorrupt)
}

func TestEmptyFileRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	assertRefused(t, path, ErrCorrupt)
}

func TestTruncatedJournalRefused(t *testing.T) {
	path := realJournal(t, t.TempDir())
	st, _ := os.Stat(path)
	for _, size := range []int64{st.Size() / 2, 3 * 4096, 100} {
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
		err := assertRefused(t, path, ErrCorrupt)
		t.Logf("truncated to %d: %v", size, err)
	}
}

func TestBadChecksumRefused(t *testing.T) {
	path := realJournal(t, t.TempDir())
	b, _ := os.ReadFile(path)
	// Flip one byte inside each meta page's checksummed area.
	b[pageHeaderLen+20] ^= 0xff
	b[4096+pageHeaderLen+20] ^= 0xff
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	assertRefused(t, path, ErrCorrupt)
}

func TestDamagedTreeRefused(t *testing.T) {
	path := realJournal(t, t.TempDir())
	b, _ := os.ReadFile(path)
	// Leave the meta pages sound and scribble over the data pages.
	for i := 2 * 4096; i < len(b); i++ {
		b[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	assertRefused(t, path, ErrCorrupt)
}

func TestLockedJournalRefused(t *testing.T) {
	j, path := openTemp(t)
	if err := j.RecordIntent(intent("a", "x", t0)); err != nil {
		t.Fatal(err)
	}
	err := assertRefused(t, path, ErrInUse)
	// flock is per open file, so this process holds the lock it collides with.
	if want := fmt.Sprintf("pid %d", os.Getpid()); !strings.Contains(err.Error(), want) {
		t.Logf("lock holder not named (%v); /proc/locks unavailable?", err)
	}
	if _, err := j.Get("a", "x"); err != nil {
		t.Fatalf("holder lost its journal: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	j, path := openTemp(t)
	if err := j.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).Put(kSchema, []byte("99"))
	}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if _, err := Open(path); !errors.Is(err, ErrSchema) {
		t.Fatalf("Open of schema 99: %v", err)
	}
}

func TestCreateMakesDirAndLeavesNoTemp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	j, err := Open(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 || entries[0].Name() != FileName || entries[1].Name() != FileName+markSuffix {
		t.Fatalf("data dir holds %v, want the journal and its checked mark", entries)
	}
}
