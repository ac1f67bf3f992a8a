package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Options tune a Trail; the zero value is usable.
type Options struct {
	// MaxFileSize starts a new file once the current one is this big
	// (default 16 MiB).
	MaxFileSize int64
	// RetentionDays removes files last written longer ago (0: keep all).
	RetentionDays int
	// FlushEvery is how long the writer gathers entries before writing
	// them in one append (default 50 ms): what a crash may lose.
	FlushEvery time.Duration
	// Buffer is how many entries may wait for the writer (default 4096);
	// beyond that they are counted as lost, never waited for.
	Buffer int
	Now    func() time.Time
	// Report hears of trouble writing (a full disk) and of its end (nil),
	// from the writer's goroutine: trading goes on either way.
	Report func(error)
}

// Trail appends entries to the files in one directory. Every process
// that signs holds one; they share the files through a lock taken per
// batch, so lines from two processes still form one chain.
type Trail struct {
	dir  string
	opt  Options
	in   chan item
	done chan struct{}
	once sync.Once

	lost    atomic.Int64 // entries not written, not yet recorded in a gap line
	written atomic.Int64
	mu      sync.Mutex
	err     error // the last write's failure, nil once writing works again

	// openFile is os.OpenFile; a test makes it fail like a full disk.
	openFile func(name string, flag int, perm os.FileMode) (file, error)

	// The writer's open file and its view of it, to skip re-reading its
	// tail when no other process wrote in between; the lock file.
	f       file
	cur     string
	curSize int64
	curSum  string
	lock    *os.File
	buf     []byte
}

type item struct {
	e      Entry
	field  string // the venue's client id field
	params []byte // query, LF, body: digested by the writer
	nq     int    // length of the query in params
}

// Open starts a trail writing into dir (created 0700), removing files
// past the retention.
func Open(dir string, opt Options) (*Trail, error) {
	if opt.MaxFileSize <= 0 {
		opt.MaxFileSize = 16 << 20
	}
	if opt.Buffer <= 0 {
		opt.Buffer = 4096
	}
	if opt.FlushEvery <= 0 {
		opt.FlushEvery = 50 * time.Millisecond
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit trail: %w", err)
	}
	t := &Trail{dir: dir, opt: opt, in: make(chan item, opt.Buffer), done: make(chan struct{}),
		openFile: func(name string, flag int, perm os.FileMode) (file, error) { return os.OpenFile(name, flag, perm) }}
	t.prune()
	go t.run()
	return t, nil
}

// Dir is where the trail's files are.
func (t *Trail) Dir() string { return t.dir }

// Observer is the rest.Observer of one account's client.
func (t *Trail) Observer(info exchange.AccountInfo) rest.Observer {
	field := info.ClientID.Field
	return func(s *rest.Sent) { t.add(info.Name, field, s) }
}

// add queues s without ever waiting: a request is never delayed by the
// trail. The copy of the parameters is the only work done here.
func (t *Trail) add(account, field string, s *rest.Sent) {
	it := item{e: Entry{Time: s.Time.UTC(), Account: account, Venue: s.Venue, Method: s.Method, Path: s.Path,
		Op: s.Op, Weight: s.Weight, LatencyUS: s.Latency.Microseconds(), Status: s.Status, Code: s.Code,
		Outcome: string(s.Outcome)}, field: field, nq: len(s.Query)}
	it.params = make([]byte, 0, len(s.Query)+1+len(s.Body))
	it.params = append(append(append(it.params, s.Query...), '\n'), s.Body...)
	select {
	case t.in <- it:
	default:
		t.lost.Add(1)
	}
}

// Close writes what is queued and stops the writer. Entries added after
// Close are lost (and not recorded).
func (t *Trail) Close() error {
	t.once.Do(func() { close(t.in) })
	<-t.done
	return t.Err()
}

// Err is the last write's failure; nil when the last write succeeded.
func (t *Trail) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Lost counts entries dropped since the last gap line was written.
func (t *Trail) Lost() int64 { return t.lost.Load() }

// Written counts lines written by this Trail.
func (t *Trail) Written() int64 { return t.written.Load() }

func (t *Trail) run() {
	defer close(t.done)
	defer t.closeFiles()
	batch := make([]item, 0, 512)
	for it := range t.in {
		// Gather for a moment: one locked append per batch, not per
		// request, keeps the writer's share of the CPU small.
		batch = append(batch[:0], it)
		timer := time.NewTimer(t.opt.FlushEvery)
	gather:
		for len(batch) < cap(batch) {
			select {
			case it, ok := <-t.in:
				if !ok {
					break gather
				}
				batch = append(batch, it)
			case <-timer.C:
				break gather
			}
		}
		timer.Stop()
		t.write(batch)
	}
}

// digest fills in what the request goroutine left to the writer.
func (it *item) digest() Entry {
	e := it.e
	h := sha256.Sum256(it.params)
	e.Params = "sha256:" + hex.EncodeToString(h[:])
	if it.field != "" {
		e.ClientID = clientID(it.field, it.params[:it.nq], it.params[it.nq+1:])
	}
	return e
}

// clientID finds the venue's client id field in a form query or body, or
// at the top of a JSON body.
func clientID(field string, query, body []byte) string {
	for _, form := range [][]byte{query, body} {
		if len(form) == 0 || form[0] == '{' || form[0] == '[' {
			continue
		}
		if v, err := url.ParseQuery(string(form)); err == nil && v.Get(field) != "" {
			return v.Get(field)
		}
	}
	if len(body) > 0 && body[0] == '{' {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) == nil {
			var s string
			if json.Unmarshal(m[field], &s) == nil {
				return s
			}
		}
	}
	return ""
}

func (t *Trail) write(batch []item) {
	err := t.append(batch)
	t.mu.Lock()
	was := t.err
	t.err = err
	t.mu.Unlock()
	if err != nil {
		t.lost.Add(int64(len(batch)))
	}
	if t.opt.Report != nil && (err != nil) != (was != nil) {
		t.opt.Report(err)
	}
}

// append writes batch (after a gap line when entries were lost) to the
// newest file, under the directory's lock. A failed write is cut back off,
// so the file always ends on a whole line.
func (t *Trail) append(batch []item) error {
	if t.lock == nil {
		f, err := os.OpenFile(filepath.Join(t.dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("audit trail: lock: %w", err)
		}
		t.lock = f
	}
	unlock, err := lockFile(t.lock)
	if err != nil {
		return fmt.Errorf("audit trail: lock: %w", err)
	}
	defer unlock()
	size, prev, err := t.tail()
	if err != nil {
		t.drop()
		return err
	}
	now := t.opt.Now()
	if t.f == nil || size >= t.opt.MaxFileSize {
		last := t.cur
		if files, _ := Files(t.dir); len(files) > 0 && files[len(files)-1] > last {
			last = files[len(files)-1]
		}
		name := t.newName(now, last)
		f, err := t.openFile(filepath.Join(t.dir, name), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("audit trail: %w", err)
		}
		t.drop()
		t.f, t.cur, size = f, name, 0
		t.prune()
	}
	buf := t.buf[:0]
	lost := t.lost.Load()
	if lost > 0 {
		g := Entry{Time: now.UTC(), Outcome: "gap", Lost: lost, Prev: prev}
		if buf, prev, err = g.encode(buf); err != nil {
			return err
		}
	}
	for i := range batch {
		e := batch[i].digest()
		e.Prev = prev
		if buf, prev, err = e.encode(buf); err != nil {
			return err
		}
	}
	t.buf = buf
	if _, err := t.f.Write(buf); err != nil {
		_ = t.f.Truncate(size)
		t.drop()
		return fmt.Errorf("audit trail: %w", err)
	}
	t.lost.Add(-lost)
	t.written.Add(int64(len(batch)))
	t.curSize, t.curSum = size+int64(len(buf)), prev
	return nil
}

// drop forgets the open file: the next append finds the newest again.
func (t *Trail) drop() {
	if t.f != nil {
		_ = t.f.Close()
	}
	t.f, t.cur, t.curSize, t.curSum = nil, "", 0, ""
}

func (t *Trail) closeFiles() {
	t.drop()
	if t.lock != nil {
		_ = t.lock.Close()
	}
}

// tail is the size and last sum of the file being appended to, opening
// the newest when none is. When the open file is as this Trail left it,
// no other process wrote or started a file since (one starts a file only
// after writing the last one full), so nothing is read.
func (t *Trail) tail() (size int64, sum string, err error) {
	if t.f != nil {
		if fi, err := t.f.Stat(); err == nil && fi.Size() == t.curSize && t.curSize < t.opt.MaxFileSize {
			return t.curSize, t.curSum, nil
		}
		t.drop()
	}
	files, err := Files(t.dir)
	if err != nil || len(files) == 0 {
		return 0, "", err
	}
	name := files[len(files)-1]
	path := filepath.Join(t.dir, name)
	if sum, err = lastSum(path); errors.Is(err, errCut) {
		// A write cut off (a crash, power lost): appending after it would
		// hide the cut inside a line. A new file starts a new chain, and
		// Verify names the cut line.
		t.cur = name
		return t.opt.MaxFileSize, "", nil
	}
	if err != nil {
		return 0, "", err
	}
	if sum == "" && len(files) > 1 {
		// An empty newest file: the chain goes on from the one before.
		if sum, err = lastSum(filepath.Join(t.dir, files[len(files)-2])); err != nil {
			return 0, "", err
		}
	}
	f, err := t.openFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, "", fmt.Errorf("audit trail: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return 0, "", fmt.Errorf("audit trail: %w", err)
	}
	t.f, t.cur, t.curSize, t.curSum = f, name, fi.Size(), sum
	return fi.Size(), sum, nil
}

// lastSum reads the sum of a file's last whole line.
func lastSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("audit trail: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	const chunk = 64 << 10
	off := max(fi.Size()-chunk, 0)
	b := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("audit trail: %w", err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		return "", fmt.Errorf("audit trail: %s: %w", filepath.Base(path), errCut)
	}
	b = bytes.TrimRight(b, "\n")
	if len(b) == 0 {
		return "", nil
	}
	line := b[bytes.LastIndexByte(b, '\n')+1:]
	i := bytes.LastIndex(line, []byte(sumKey))
	if i < 0 || len(line) < i+len(sumKey)+2 {
		return "", fmt.Errorf("audit trail: %s: %w", filepath.Base(path), errCut)
	}
	return string(line[i+len(sumKey) : len(line)-2]), nil
}

type file interface {
	io.WriteCloser
	Truncate(size int64) error
	Stat() (os.FileInfo, error)
}

// errCut is a file that does not end on a whole line.
var errCut = errors.New("the last line is cut off")

const prefix, suffix = "audit-", ".jsonl"

// newName names a file for now, after last in name order: names sort as
// the files were started.
func (t *Trail) newName(now time.Time, last string) string {
	name := prefix + now.UTC().Format("20060102T150405.000000000Z") + suffix
	for i := 1; name <= last; i++ {
		name = prefix + now.UTC().Format("20060102T150405.000000000Z") + fmt.Sprintf("-%03d", i) + suffix
	}
	return name
}

// Files lists the trail's files in the order they were written.
func Files(dir string) ([]string, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit trail: %w", err)
	}
	var out []string
	for _, d := range des {
		if n := d.Name(); d.Type().IsRegular() && strings.HasPrefix(n, prefix) && strings.HasSuffix(n, suffix) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// prune removes files last written before the retention, never the newest.
func (t *Trail) prune() {
	if t.opt.RetentionDays <= 0 {
		return
	}
	files, err := Files(t.dir)
	if err != nil || len(files) < 2 {
		return
	}
	cut := t.opt.Now().Add(-time.Duration(t.opt.RetentionDays) * 24 * time.Hour)
	for _, n := range files[:len(files)-1] {
		if fi, err := os.Stat(filepath.Join(t.dir, n)); err == nil && fi.ModTime().Before(cut) {
			_ = os.Remove(filepath.Join(t.dir, n))
		}
	}
}

// Scan calls fn for every line of the trail in order, with its file and
// line number (from 1), stopping at fn's error.
func Scan(dir string, fn func(file string, line int, raw []byte) error) error {
	files, err := Files(dir)
	if err != nil {
		return err
	}
	for _, n := range files {
		if err := scanFile(filepath.Join(dir, n), func(line int, raw []byte) error { return fn(n, line, raw) }); err != nil {
			return err
		}
	}
	return nil
}

func scanFile(path string, fn func(line int, raw []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		raw, err := r.ReadBytes('\n')
		if len(raw) > 0 {
			if ferr := fn(n, raw); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
