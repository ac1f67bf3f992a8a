package store

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/exchange"
)

func clientIDs(t *testing.T, j *Journal) []string {
	t.Helper()
	var ids []string
	err := j.Orders(func(o ArchivedOrder) error {
		ids = append(ids, o.ClientID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// Issue 14: the journal's commands read it beside a running cockpit. The
// holder serves a consistent copy on a socket beside it; the copy reads
// like the journal, cannot be written, and serving it writes nothing to
// the journal.
func TestCopyServedBesideTheHolder(t *testing.T) {
	j, path := openTemp(t)
	for _, id := range []string{"vgA", "vgB"} {
		if err := j.RecordIntent(intent("main", id, t0)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := j.Append("main", "vgA", Transition{Status: exchange.StatusNew, OrderID: "7", Via: "place", At: t0}); err != nil {
		t.Fatal(err)
	}
	// A socket a dead holder left behind is replaced.
	stale, err := net.Listen("unix", SocketPath(path))
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()

	ctx, cancel := context.WithCancel(t.Context())
	wait, err := j.ServeCopies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(SocketPath(path))
	if err != nil || st.Mode().Perm() != 0o600 || st.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket: %v %v, want a 0600 socket", st.Mode(), err)
	}
	c, err := OpenCopy(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if !c.IsCopy() || c.Path() != path {
		t.Fatalf("copy: IsCopy %v, Path %q, want %q", c.IsCopy(), c.Path(), path)
	}
	if got := clientIDs(t, c); len(got) != 2 {
		t.Fatalf("copy holds %v, want vgA and vgB", got)
	}
	if e, err := c.Get("main", "vgA"); err != nil || e.OrderID != "7" || e.Status != exchange.StatusNew {
		t.Fatalf("copy's vgA: %+v %v", e, err)
	}
	if err := c.RecordIntent(intent("main", "vgC", t0)); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("write to a copy: %v, want ErrReadOnly", err)
	}
	if _, err := c.Archive(t0.AddDate(1, 0, 0), t0, nil); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("archive of a copy: %v, want ErrReadOnly", err)
	}
	// The copy is a snapshot: the holder's later writes are not in it,
	// and are in the next copy.
	if err := j.RecordIntent(intent("main", "vgD", t0)); err != nil {
		t.Fatal(err)
	}
	if got := clientIDs(t, c); len(got) != 2 {
		t.Fatalf("an open copy changed under its reader: %v", got)
	}
	copyDir := c.copyDir
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(copyDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the copy outlived Close: %v", err)
	}
	c2, err := OpenCopy(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if got := clientIDs(t, c2); len(got) != 3 {
		t.Fatalf("the second copy holds %v, want three orders", got)
	}
	c2.Close()

	// The journal itself is still held: copies do not loosen the lock.
	if _, err := Open(path); !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open beside the holder: %v, want ErrInUse", err)
	}

	cancel()
	if err := wait(); err != nil {
		t.Fatalf("serving ended with %v", err)
	}
	if _, err := os.Stat(SocketPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket left after serving stopped: %v", err)
	}
	if _, err := OpenCopy(t.Context(), path); !errors.Is(err, ErrNoCopy) {
		t.Fatalf("copy with nobody serving: %v, want ErrNoCopy", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if e.Name() != FileName && e.Name() != FileName+markSuffix {
			t.Errorf("left beside the journal: %s", e.Name())
		}
	}
}

// Serving a copy writes nothing to the journal: its bytes are the same
// before and after.
func TestServingACopyLeavesTheJournalAlone(t *testing.T) {
	j, path := openTemp(t)
	if err := j.RecordIntent(intent("main", "vgA", t0)); err != nil {
		t.Fatal(err)
	}
	if _, err := j.ServeCopies(t.Context()); err != nil {
		t.Fatal(err)
	}
	before := fileSum(t, path)
	for range 3 {
		c, err := OpenCopy(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	if fileSum(t, path) != before {
		t.Fatal("serving copies changed the journal's bytes")
	}
}

// A holder's answer that is not a journal copy is refused, not opened.
func TestCopyRefusesAGarbledAnswer(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	ln, err := net.Listen("unix", SocketPath(path))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for _, reply := range []string{"HELLO\n", "OK 4096\nshort", "ERR disk full\n"} {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(reply))
			c.Close()
		}
	}()
	for _, want := range []string{"does not know", "cut short", "disk full"} {
		_, err := OpenCopy(t.Context(), path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("garbled answer: %v, want %q", err, want)
		}
	}
}
