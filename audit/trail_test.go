package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

var info = exchange.AccountInfo{Name: "acct", Venue: "toyex", ClientID: exchange.ClientIDPolicy{Field: "cid"}}

func sent(i int) *rest.Sent {
	return &rest.Sent{Venue: "toyex", Method: "POST", Path: "/order", Query: fmt.Appendf(nil, "symbol=BTCUSDT&cid=vg%03d&qty=1", i),
		Op: "place", Weight: 1, Time: time.Date(2026, 12, 5, 6, 0, i, 0, time.UTC), Latency: 3 * time.Millisecond,
		Status: 200, Outcome: rest.OutcomeOK}
}

// writeTrail writes n entries into a fresh dir, a few lines per file.
func writeTrail(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	tr, err := Open(dir, Options{MaxFileSize: 1200, FlushEvery: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	obs := tr.Observer(info)
	for i := range n {
		obs(sent(i))
		if i%3 == 2 {
			// Let batches (and so files) form as they would under load.
			flush(t, tr, int64(i+1))
		}
	}
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// flush waits for the writer to have written n lines.
func flush(t *testing.T, tr *Trail, n int64) {
	t.Helper()
	for tr.Written() < n {
		if tr.Err() != nil && tr.Lost() == 0 {
			t.Fatal(tr.Err())
		}
		time.Sleep(time.Millisecond) // waiting on a goroutine, not timing it
	}
}

func mustVerify(t *testing.T, dir string) Report {
	t.Helper()
	rep, err := Verify(dir)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestVerifyPassesOnAWrittenTrail(t *testing.T) {
	dir := writeTrail(t, 30)
	rep := mustVerify(t, dir)
	if rep.Broken != nil {
		t.Fatalf("fresh trail broken: %v", rep.Broken)
	}
	if rep.Lines != 30 || rep.Files < 3 || rep.Start != "" || len(rep.Head) != 64 {
		t.Fatalf("report %+v: want 30 lines over several files from the start", rep)
	}
	var ids []string
	if err := Scan(dir, func(_ string, _ int, raw []byte) error {
		e, err := ParseEntry(raw)
		ids = append(ids, e.ClientID)
		if !strings.HasPrefix(e.Params, "sha256:") || e.Account != "acct" || e.Weight != 1 || e.LatencyUS != 3000 {
			t.Errorf("entry %+v", e)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if ids[0] != "vg000" || ids[29] != "vg029" {
		t.Fatalf("client ids %v", ids)
	}
}

// lines returns a file's lines, each with its newline.
func lines(t *testing.T, path string) [][]byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.SplitAfter(b, []byte("\n"))[:bytes.Count(b, []byte("\n"))]
}

func TestVerifyNamesTheEditedLine(t *testing.T) {
	for _, field := range []string{`"weight":1`, `"status":200`, `"prev":"`} {
		t.Run(field, func(t *testing.T) {
			dir := writeTrail(t, 30)
			files, _ := Files(dir)
			path := filepath.Join(dir, files[1])
			ls := lines(t, path)
			i := bytes.Index(ls[1], []byte(field)) + len(field) - 1
			if field == `"prev":"` {
				i++ // a digit of the link itself
			}
			ls[1][i]++ // one byte
			if err := os.WriteFile(path, bytes.Join(ls, nil), 0o600); err != nil {
				t.Fatal(err)
			}
			rep := mustVerify(t, dir)
			if rep.Broken == nil || rep.Broken.File != files[1] || rep.Broken.Line != 2 || !strings.Contains(rep.Broken.Reason, "edited") {
				t.Fatalf("broken %v, want %s line 2 edited", rep.Broken, files[1])
			}
		})
	}
}

func TestVerifyNamesTheLineAfterADeletedOne(t *testing.T) {
	dir := writeTrail(t, 30)
	files, _ := Files(dir)
	path := filepath.Join(dir, files[1])
	ls := lines(t, path)
	if len(ls) < 3 {
		t.Fatalf("file with %d lines", len(ls))
	}
	ls = append(ls[:1], ls[2:]...)
	if err := os.WriteFile(path, bytes.Join(ls, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	rep := mustVerify(t, dir)
	if rep.Broken == nil || rep.Broken.File != files[1] || rep.Broken.Line != 2 || !strings.Contains(rep.Broken.Reason, "deleted") {
		t.Fatalf("broken %v, want %s line 2 after a deletion", rep.Broken, files[1])
	}
}

func TestVerifyNamesTheFirstLineOfAReorderedFile(t *testing.T) {
	dir := writeTrail(t, 30)
	files, _ := Files(dir)
	a, b := filepath.Join(dir, files[1]), filepath.Join(dir, files[2])
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if err := os.WriteFile(a, bb, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, ab, 0o600); err != nil {
		t.Fatal(err)
	}
	rep := mustVerify(t, dir)
	if rep.Broken == nil || rep.Broken.File != files[1] || rep.Broken.Line != 1 || !strings.Contains(rep.Broken.Reason, "reordered") {
		t.Fatalf("broken %v, want %s line 1 reordered", rep.Broken, files[1])
	}
}

func TestVerifyNamesSwappedLines(t *testing.T) {
	dir := writeTrail(t, 30)
	files, _ := Files(dir)
	path := filepath.Join(dir, files[0])
	ls := lines(t, path)
	ls[1], ls[2] = ls[2], ls[1]
	if err := os.WriteFile(path, bytes.Join(ls, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	rep := mustVerify(t, dir)
	if rep.Broken == nil || rep.Broken.File != files[0] || rep.Broken.Line != 2 {
		t.Fatalf("broken %v, want %s line 2", rep.Broken, files[0])
	}
}

// failingFile fails every write while full is set, like a full disk.
type failingFile struct {
	*os.File
	full *bool
}

func (f failingFile) Write(b []byte) (int, error) {
	if *f.full {
		n, _ := f.File.Write(b[:len(b)/2]) // a partial write, cut back off
		return n, errors.New("no space left on device")
	}
	return f.File.Write(b)
}

func TestFullDiskIsReportedNeverBlocksAndLeavesAGap(t *testing.T) {
	dir := t.TempDir()
	var (
		mu      sync.Mutex
		reports []error
	)
	tr, err := Open(dir, Options{Report: func(err error) { mu.Lock(); reports = append(reports, err); mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	full := false
	var fmu sync.Mutex
	tr.openFile = func(name string, flag int, perm os.FileMode) (file, error) {
		f, err := os.OpenFile(name, flag, perm)
		if err != nil {
			return nil, err
		}
		fmu.Lock()
		defer fmu.Unlock()
		return failingFile{f, &full}, nil
	}
	obs := tr.Observer(info)
	obs(sent(0))
	flush(t, tr, 1)
	fmu.Lock()
	full = true
	fmu.Unlock()
	for i := 1; i <= 5; i++ {
		obs(sent(i)) // returns at once whatever the disk does
	}
	for tr.Lost() < 5 {
		time.Sleep(time.Millisecond)
	}
	if tr.Err() == nil {
		t.Fatal("no error while the disk is full")
	}
	fmu.Lock()
	full = false
	fmu.Unlock()
	obs(sent(6))
	flush(t, tr, 2)
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 2 || reports[0] == nil || reports[1] != nil {
		t.Fatalf("reports %v: want the failure, then its end", reports)
	}
	rep := mustVerify(t, dir)
	if rep.Broken != nil || rep.Lines != 3 {
		t.Fatalf("after a full disk: %+v %v, want 3 whole lines chained", rep, rep.Broken)
	}
	var gap Entry
	_ = Scan(dir, func(_ string, line int, raw []byte) error {
		if line == 2 {
			gap, _ = ParseEntry(raw)
		}
		return nil
	})
	if gap.Outcome != "gap" || gap.Lost != 5 {
		t.Fatalf("line 2 %+v: want a gap of 5", gap)
	}
}

func TestTwoWritersKeepOneChain(t *testing.T) {
	dir := t.TempDir()
	a, _ := Open(dir, Options{})
	b, _ := Open(dir, Options{})
	oa, ob := a.Observer(info), b.Observer(info)
	for i := range 50 {
		oa(sent(i))
		ob(sent(i))
	}
	_ = a.Close()
	_ = b.Close()
	rep := mustVerify(t, dir)
	if rep.Broken != nil || rep.Lines != 100 {
		t.Fatalf("%+v %v", rep, rep.Broken)
	}
}

func TestRetentionRemovesOldFiles(t *testing.T) {
	dir := writeTrail(t, 30)
	files, _ := Files(dir)
	old := time.Now().Add(-48 * time.Hour)
	for _, f := range files[:2] {
		_ = os.Chtimes(filepath.Join(dir, f), old, old)
	}
	tr, _ := Open(dir, Options{RetentionDays: 1})
	_ = tr.Close()
	left, _ := Files(dir)
	if len(left) != len(files)-2 || left[0] != files[2] {
		t.Fatalf("left %v of %v", left, files)
	}
	rep := mustVerify(t, dir)
	if rep.Broken != nil || rep.Start == "" {
		t.Fatalf("after pruning: %+v %v; want a whole chain starting after the pruned files", rep, rep.Broken)
	}
}

func TestExport(t *testing.T) {
	dir := writeTrail(t, 10)
	var jb, cb bytes.Buffer
	n, err := Export(dir, &jb, "jsonl", Filter{Since: time.Date(2026, 12, 5, 6, 0, 5, 0, time.UTC)})
	if err != nil || n != 5 || bytes.Count(jb.Bytes(), []byte("\n")) != 5 {
		t.Fatalf("jsonl: %d %v\n%s", n, err, jb.String())
	}
	n, err = Export(dir, &cb, "csv", Filter{Account: "nobody"})
	if err != nil || n != 0 || !strings.HasPrefix(cb.String(), "time,account,venue") {
		t.Fatalf("csv: %d %v %q", n, err, cb.String())
	}
	if _, err := Export(dir, &cb, "xml", Filter{}); err == nil {
		t.Fatal("xml accepted")
	}
}

func TestLastAndFollow(t *testing.T) {
	dir := writeTrail(t, 10)
	ls, err := Last(dir, 4)
	if err != nil || len(ls) != 4 {
		t.Fatalf("%d lines, %v", len(ls), err)
	}
	if e, _ := ParseEntry(ls[3]); e.ClientID != "vg009" {
		t.Fatalf("last line %s", ls[3])
	}
	if e, _ := ParseEntry(ls[0]); e.ClientID != "vg006" {
		t.Fatalf("first of the last four %s", ls[0])
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan Entry, 10)
	done := make(chan error)
	fl, err := NewFollower(dir)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		done <- fl.Run(ctx, time.Millisecond, func(raw []byte) {
			e, _ := ParseEntry(raw)
			got <- e
		})
	}()
	tr, _ := Open(dir, Options{MaxFileSize: 1200, FlushEvery: time.Millisecond})
	obs := tr.Observer(info)
	for i := 10; i < 15; i++ {
		obs(sent(i))
	}
	_ = tr.Close()
	for i := 10; i < 15; i++ {
		if e := <-got; e.ClientID != fmt.Sprintf("vg%03d", i) {
			t.Fatalf("followed %+v, want vg%03d", e, i)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestCutLastLineStartsANewFile: a line cut off by a crash is never
// appended to: writing goes on in a new file, and Verify names the cut.
func TestCutLastLineStartsANewFile(t *testing.T) {
	dir := writeTrail(t, 5)
	files, _ := Files(dir)
	last := filepath.Join(dir, files[len(files)-1])
	n := len(lines(t, last))
	f, err := os.OpenFile(last, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"time":"2026-12-05T06:00:0`)
	f.Close()
	tr, _ := Open(dir, Options{FlushEvery: time.Millisecond})
	tr.Observer(info)(sent(9))
	if err := tr.Close(); err != nil {
		t.Fatalf("writing after a cut line: %v", err)
	}
	after, _ := Files(dir)
	if len(after) != len(files)+1 {
		t.Fatalf("files %v after %v: want a new one", after, files)
	}
	rep := mustVerify(t, dir)
	if rep.Broken == nil || rep.Broken.File != files[len(files)-1] || rep.Broken.Line != n+1 || !strings.Contains(rep.Broken.Reason, "cut off") {
		t.Fatalf("broken %v, want %s line %d cut off", rep.Broken, files[len(files)-1], n+1)
	}
}
