package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// CorruptError says the journal file is damaged. vigil refuses such a file
// and leaves it byte for byte as it found it. errors.Is(err, ErrCorrupt)
// holds.
type CorruptError struct {
	Path  string // empty when found by a read that does not know the file
	Cause string
}

func (e *CorruptError) Error() string {
	if e.Path == "" {
		return "journal is corrupt: " + e.Cause
	}
	return "journal is corrupt: " + e.Path + ": " + e.Cause
}

func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

// Advice says how to go on and what that costs.
func (e *CorruptError) Advice() string {
	path := e.Path
	if path == "" {
		path = FileName
	}
	q := shellQuote(path)
	return "vigil left the file untouched. To start a new journal, move it aside: mv " + q + " " + shellQuote(path+".corrupt") +
		". That loses the journal's record of the orders in doubt (pending, UNKNOWN or open when it broke), which vigil settles by their client ids;" +
		" the venue still has those orders: check them with 'vigil order list --open --account ACCOUNT' or on the venue's site"
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '~' ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func corruptf(format string, args ...any) error {
	return &CorruptError{Cause: fmt.Sprintf(format, args...)}
}

// cause is err's text without a CorruptError's "journal is corrupt"
// prefix, for wrapping it in another.
func cause(err error) string {
	var ce *CorruptError
	if errors.As(err, &ce) {
		return ce.Cause
	}
	return err.Error()
}

// withPath names the file in a corruption found by a read.
func withPath(path string, err error) error {
	var ce *CorruptError
	if errors.As(err, &ce) && ce.Path == "" {
		ce.Path = path
	}
	return err
}

// bbolt's on-disk layout (go.etcd.io/bbolt/internal/common), native endian:
// every page starts with a 16-byte header (id uint64, flags uint16, count
// uint16, overflow uint32). A meta page holds, after the header: magic,
// version, pageSize, flags (uint32 each), the root bucket (root pgid,
// sequence), freelist pgid, high-water pgid, txid and an FNV-64a checksum
// of what precedes it. Branch elements are (pos, ksize uint32, pgid
// uint64), leaf elements (flags, pos, ksize, vsize uint32), pos counted from
// the element itself. A bucket's value is (root pgid, sequence), followed,
// when root is 0, by an inline leaf page.
const (
	boltMagic     = 0xED0CDAED
	boltVersion   = 2
	pageHeaderLen = 16
	elemLen       = 16
	metaLen       = 64
	metaSumLen    = 56
	bucketHdrLen  = 16
	noFreelist    = ^uint64(0)

	flagBranch   = 0x01
	flagLeaf     = 0x02
	flagFreelist = 0x10
	leafBucket   = 0x01

	// maxDepth bounds tree and bucket nesting; a journal is three buckets
	// deep and its trees a few pages, while a cycle would be endless.
	maxDepth = 64
)

var ne = binary.NativeEndian

type metaInfo struct {
	pageSize  uint64
	root      uint64
	freelist  uint64
	highWater uint64
	txid      uint64
}

// parseMeta decodes the meta page whose header starts b; ok is bbolt's
// Validate (magic, version, checksum).
func parseMeta(b []byte) (metaInfo, bool) {
	if len(b) < pageHeaderLen+metaLen {
		return metaInfo{}, false
	}
	m := b[pageHeaderLen : pageHeaderLen+metaLen]
	if ne.Uint32(m[0:]) != boltMagic || ne.Uint32(m[4:]) != boltVersion || fnv64a(m[:metaSumLen]) != ne.Uint64(m[metaSumLen:]) {
		return metaInfo{}, false
	}
	return metaInfo{
		pageSize:  uint64(ne.Uint32(m[8:])),
		root:      ne.Uint64(m[16:]),
		freelist:  ne.Uint64(m[32:]),
		highWater: ne.Uint64(m[40:]),
		txid:      ne.Uint64(m[48:]),
	}, true
}

func rawTxid(b []byte) uint64 {
	if len(b) < pageHeaderLen+metaLen {
		return 0
	}
	return ne.Uint64(b[pageHeaderLen+48:])
}

func fnv64a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// readMeta finds the page size and the meta page bbolt will use, the way
// bbolt does (db.getPageSize, then db.meta), and checks that the meta's
// page size is sane and its pages lie inside the file.
func readMeta(r io.ReaderAt, size int64) (metaInfo, error) {
	if size == 0 {
		return metaInfo{}, corruptf("the file is empty")
	}
	buf := make([]byte, 4096)
	pageSize, canRead := uint64(0), false
	if n, _ := r.ReadAt(buf, 0); n == len(buf) {
		canRead = true
		if m, ok := parseMeta(buf); ok {
			pageSize = m.pageSize
		}
	}
	for i := 0; pageSize == 0 && i <= 14; i++ {
		pos := int64(1024) << i
		if pos >= size-1024 {
			break
		}
		n, err := r.ReadAt(buf, pos)
		if n == len(buf) || (errors.Is(err, io.EOF) && int64(n) == size-pos) {
			canRead = true
			if m, ok := parseMeta(buf[:n]); ok {
				pageSize = m.pageSize
			}
		}
	}
	if pageSize == 0 && canRead {
		pageSize = uint64(os.Getpagesize())
	}
	if pageSize == 0 {
		return metaInfo{}, corruptf("it is not a vigil journal (no valid bbolt meta page in its %d bytes)", size)
	}
	if pageSize < 1024 || pageSize > 1<<16 || pageSize&(pageSize-1) != 0 {
		return metaInfo{}, corruptf("its meta page gives an impossible page size %d", pageSize)
	}
	if uint64(size) < 2*pageSize {
		return metaInfo{}, corruptf("it is %d bytes, less than its two meta pages of %d", size, pageSize)
	}
	b0 := make([]byte, pageHeaderLen+metaLen)
	b1 := make([]byte, pageHeaderLen+metaLen)
	if _, err := r.ReadAt(b0, 0); err != nil {
		return metaInfo{}, fmt.Errorf("reading meta page 0: %w", err)
	}
	if _, err := r.ReadAt(b1, int64(pageSize)); err != nil {
		return metaInfo{}, fmt.Errorf("reading meta page 1: %w", err)
	}
	// db.meta(): the meta with the higher txid if it is valid, else the
	// other.
	first, second := b0, b1
	if rawTxid(b1) > rawTxid(b0) {
		first, second = b1, b0
	}
	m, ok := parseMeta(first)
	if !ok {
		if m, ok = parseMeta(second); !ok {
			return metaInfo{}, corruptf("both meta pages are invalid (bad magic, version or checksum)")
		}
	}
	switch {
	case m.pageSize != pageSize:
		return metaInfo{}, corruptf("its meta page gives page size %d, but its pages are %d bytes", m.pageSize, pageSize)
	case m.highWater < 3 || m.highWater > uint64(size)/pageSize:
		return metaInfo{}, corruptf("it is truncated or damaged: its meta page needs %d pages of %d bytes, the file has %d bytes", m.highWater, pageSize, size)
	case m.root < 2 || m.root >= m.highWater:
		return metaInfo{}, corruptf("its root page %d lies outside pages 2..%d", m.root, m.highWater-1)
	case m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.highWater):
		return metaInfo{}, corruptf("its freelist page %d lies outside pages 2..%d", m.freelist, m.highWater-1)
	}
	return m, nil
}

// pageWalk checks, reading the file itself rather than bbolt's map, that
// every page the tree reaches lies inside the file, is referenced once, is
// of the kind its parent expects, and that every element on it lies inside
// it: bbolt trusts all of that and would read past its map (SIGSEGV,
// SIGBUS) or index past a slice where it does not hold.
type pageWalk struct {
	r io.ReaderAt
	m metaInfo
	// state of each page below the high-water mark: pageSeen or pageFree.
	state []uint8
	// bufs holds one page buffer per tree depth, reused: a walk of 100k
	// orders reads thousands of pages.
	bufs [][]byte
}

const (
	pageSeen = 1
	pageFree = 2
)

// checkPages walks the journal's whole tree from the meta page bbolt will
// use.
func checkPages(r io.ReaderAt, size int64) error {
	m, err := readMeta(r, size)
	if err != nil {
		return err
	}
	w := &pageWalk{r: r, m: m, state: make([]uint8, m.highWater)}
	w.state[0], w.state[1] = pageSeen, pageSeen
	if m.freelist != noFreelist {
		if err := w.freelist(m.freelist, 0); err != nil {
			return err
		}
	}
	return w.page(m.root, 0)
}

// read returns page id with its overflow pages, after checking they lie
// below the high-water mark (which readMeta checked against the size).
func (w *pageWalk) read(id uint64, depth int) ([]byte, error) {
	if id < 2 || id >= w.m.highWater {
		return nil, corruptf("a reference to page %d, outside pages 2..%d", id, w.m.highWater-1)
	}
	for len(w.bufs) <= depth {
		w.bufs = append(w.bufs, make([]byte, w.m.pageSize))
	}
	hdr := w.bufs[depth][:w.m.pageSize]
	if _, err := w.r.ReadAt(hdr, int64(id*w.m.pageSize)); err != nil {
		return nil, fmt.Errorf("reading page %d: %w", id, err)
	}
	if got := ne.Uint64(hdr); got != id {
		return nil, corruptf("page %d says it is page %d", id, got)
	}
	overflow := uint64(ne.Uint32(hdr[12:]))
	if overflow >= w.m.highWater-id {
		return nil, corruptf("page %d runs %d pages past the high-water mark %d", id, overflow, w.m.highWater)
	}
	for i := id; i <= id+overflow; i++ {
		switch w.state[i] {
		case pageSeen:
			return nil, corruptf("page %d is referenced twice", i)
		case pageFree:
			return nil, corruptf("page %d is both in use and free", i)
		}
		w.state[i] = pageSeen
	}
	if overflow == 0 {
		return hdr, nil
	}
	if n := (1 + overflow) * w.m.pageSize; uint64(cap(w.bufs[depth])) < n {
		w.bufs[depth] = make([]byte, n)
	}
	p := w.bufs[depth][:(1+overflow)*w.m.pageSize]
	if _, err := w.r.ReadAt(p, int64(id*w.m.pageSize)); err != nil {
		return nil, fmt.Errorf("reading page %d: %w", id, err)
	}
	return p, nil
}

func (w *pageWalk) freelist(id uint64, depth int) error {
	p, err := w.read(id, depth)
	if err != nil {
		return err
	}
	if flags := ne.Uint16(p[8:]); flags != flagFreelist {
		return corruptf("freelist page %d has flags %#x", id, flags)
	}
	start, count := uint64(pageHeaderLen), uint64(ne.Uint16(p[10:]))
	if count == 0xFFFF {
		if len(p) < pageHeaderLen+8 {
			return corruptf("freelist page %d is too short", id)
		}
		count = ne.Uint64(p[pageHeaderLen:])
		start += 8
	}
	if count > (uint64(len(p))-start)/8 {
		return corruptf("freelist page %d lists %d pages, more than it holds", id, count)
	}
	prev := uint64(1)
	for i := range count {
		f := ne.Uint64(p[start+8*i:])
		if f <= prev || f >= w.m.highWater {
			return corruptf("freelist page %d lists page %d out of order or outside the file", id, f)
		}
		if w.state[f] == pageSeen {
			return corruptf("page %d is both in use and free", f)
		}
		w.state[f] = pageFree
		prev = f
	}
	return nil
}

// page checks a branch or leaf page and everything below it.
func (w *pageWalk) page(id uint64, depth int) error {
	if depth > maxDepth {
		return corruptf("its tree is nested more than %d deep at page %d", maxDepth, id)
	}
	p, err := w.read(id, depth)
	if err != nil {
		return err
	}
	switch flags := ne.Uint16(p[8:]); flags {
	case flagBranch:
		return w.branch(id, p, depth)
	case flagLeaf:
		return w.leaf(fmt.Sprintf("page %d", id), p, depth)
	default:
		return corruptf("page %d has flags %#x where a branch or leaf page belongs", id, flags)
	}
}

func (w *pageWalk) branch(id uint64, p []byte, depth int) error {
	count := uint64(ne.Uint16(p[10:]))
	if count == 0 {
		return corruptf("branch page %d is empty", id)
	}
	if pageHeaderLen+count*elemLen > uint64(len(p)) {
		return corruptf("branch page %d claims %d elements, more than it holds", id, count)
	}
	for i := range count {
		off := pageHeaderLen + i*elemLen
		e := p[off : off+elemLen]
		pos, ksize := uint64(ne.Uint32(e[0:])), uint64(ne.Uint32(e[4:]))
		if off+pos+ksize > uint64(len(p)) {
			return corruptf("branch page %d element %d has its key outside the page", id, i)
		}
		if err := w.page(ne.Uint64(e[8:]), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// leaf checks a leaf page, or an inline bucket's page (what names it), and
// the buckets its elements hold.
func (w *pageWalk) leaf(what string, p []byte, depth int) error {
	count := uint64(ne.Uint16(p[10:]))
	if pageHeaderLen+count*elemLen > uint64(len(p)) {
		return corruptf("leaf %s claims %d elements, more than it holds", what, count)
	}
	for i := range count {
		off := pageHeaderLen + i*elemLen
		e := p[off : off+elemLen]
		flags := ne.Uint32(e[0:])
		pos, ksize, vsize := uint64(ne.Uint32(e[4:])), uint64(ne.Uint32(e[8:])), uint64(ne.Uint32(e[12:]))
		if flags&^leafBucket != 0 {
			return corruptf("leaf %s element %d has flags %#x", what, i, flags)
		}
		end := off + pos + ksize + vsize
		if end > uint64(len(p)) {
			return corruptf("leaf %s element %d has its key or value outside the page", what, i)
		}
		if flags&leafBucket == 0 {
			continue
		}
		if err := w.bucket(what, i, p[off+pos+ksize:end], depth); err != nil {
			return err
		}
	}
	return nil
}

func (w *pageWalk) bucket(what string, i uint64, v []byte, depth int) error {
	if depth > maxDepth {
		return corruptf("its buckets are nested more than %d deep", maxDepth)
	}
	if len(v) < bucketHdrLen {
		return corruptf("leaf %s element %d is a bucket without a bucket header", what, i)
	}
	if root := ne.Uint64(v); root != 0 {
		return w.page(root, depth+1)
	}
	inline := v[bucketHdrLen:]
	if len(inline) < pageHeaderLen {
		return corruptf("leaf %s element %d is an inline bucket without its page", what, i)
	}
	if flags := ne.Uint16(inline[8:]); flags != flagLeaf {
		return corruptf("leaf %s element %d is an inline bucket whose page has flags %#x", what, i, flags)
	}
	return w.leaf(fmt.Sprintf("%s element %d (inline bucket)", what, i), inline, depth+1)
}

// guarded runs f on a goroutine of its own with memory faults turned into
// panics and any panic into an error. checkPages is meant to leave bbolt
// nothing to fault on; this is the net under it.
func guarded(f func() error) error {
	done := make(chan error, 1)
	go func() {
		debug.SetPanicOnFault(true)
		defer func() {
			if r := recover(); r != nil {
				done <- corruptf("reading it failed: %v", r)
			}
		}()
		done <- f()
	}()
	return <-done
}

// verify refuses, without writing a byte, a journal whose pages bbolt
// would fault on. It reads the meta pages, then, unless the checked mark
// says the file is exactly as vigil last left it, walks every page of the
// tree (walked reports that). A journal that another process holds gives
// ErrInUse.
func verify(path string) (walked bool, err error) {
	err = guarded(func() error {
		var err error
		walked, err = verifyOpen(path)
		return err
	})
	return walked, withPath(path, err)
}

func verifyOpen(path string) (bool, error) {
	// The meta pages first: bbolt maps the file and trusts them.
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("journal %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("journal %s: %w", path, err)
	}
	if _, err := readMeta(f, st.Size()); err != nil {
		return false, err
	}
	// Read-only bbolt reads only the meta pages on open, and its shared
	// lock keeps a writer from changing the file under the walk.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, ReadOnly: true})
	if err != nil {
		return false, openError(path, err)
	}
	defer db.Close()
	if st, err = f.Stat(); err != nil {
		return false, fmt.Errorf("journal %s: %w", path, err)
	}
	if mark, err := fingerprint(f, st); err == nil && mark == readCheckedMark(path) {
		return false, nil
	}
	return true, checkPages(f, st.Size())
}

func openError(path string, err error) error {
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		who := "another process"
		if pid := lockHolder(path); pid > 0 {
			who = fmt.Sprintf("pid %d", pid)
		}
		return fmt.Errorf("journal %s is held by %s: %w", path, who, ErrInUse)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch):
		return &CorruptError{Path: path, Cause: err.Error()}
	}
	return fmt.Errorf("journal %s: %w", path, err)
}

// checkRecords reads every record the way the journal's methods will:
// vigil's buckets where they belong, a schema it knows, every order
// decodable, and every index entry pointing at an order that agrees.
func checkRecords(tx *bolt.Tx, progress func(done int)) error {
	m := tx.Bucket(bMeta)
	if m == nil || tx.Bucket(bAccounts) == nil {
		return corruptf("a bbolt file without vigil's buckets")
	}
	v, err := strconv.Atoi(string(m.Get(kSchema)))
	if err != nil || v != SchemaVersion {
		return corruptf("schema version %q", m.Get(kSchema))
	}
	accounts := tx.Bucket(bAccounts)
	done := 0
	return accounts.ForEach(func(name, _ []byte) error {
		a := accounts.Bucket(name)
		if a == nil {
			return corruptf("account %q is not a bucket", name)
		}
		return checkAccount(string(name), a, func() {
			done++
			if progress != nil && done%1000 == 0 {
				progress(done)
			}
		})
	})
}

func checkAccount(account string, a *bolt.Bucket, tick func()) error {
	subs := map[string]*bolt.Bucket{}
	for _, name := range accountBuckets {
		b := a.Bucket(name)
		if b == nil {
			return corruptf("account %q has no %s bucket", account, name)
		}
		subs[string(name)] = b
	}
	// Every entry of these buckets is a plain value, never a bucket.
	for name, b := range subs {
		err := b.ForEach(func(k, v []byte) error {
			if v == nil && b.Bucket(k) != nil {
				return corruptf("account %q: %s entry %q is a bucket", account, name, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	orders, open := subs[string(bOrders)], subs[string(bOpen)]
	err := orders.ForEach(func(id, _ []byte) error {
		tick()
		e, err := readEntry(a, account, id)
		if err != nil {
			return err
		}
		if (open.Get(id) != nil) == e.Final() {
			return corruptf("account %q: order %q is %s, and the open index says otherwise", account, id, e.Status)
		}
		if subs[string(bTime)].Get(timeKey(e.Created, e.ClientID)) == nil {
			return corruptf("account %q: order %q is missing from the history index", account, id)
		}
		if e.OrderID != "" && subs[string(bOID)].Get([]byte(e.OrderID)) == nil {
			return corruptf("account %q: order id %q of %q is not indexed", account, e.OrderID, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	isOrder := func(id []byte) bool { return orders.Get(id) != nil }
	err = open.ForEach(func(id, _ []byte) error {
		if !isOrder(id) {
			return corruptf("account %q: open order %q has no intent", account, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = subs[string(bTime)].ForEach(func(k, _ []byte) error {
		if len(k) < 8 || !isOrder(k[8:]) {
			return corruptf("account %q: history key %q names no intent", account, k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return subs[string(bOID)].ForEach(func(k, id []byte) error {
		if !isOrder(id) {
			return corruptf("account %q: order id %q indexes %q, which is not an order", account, k, id)
		}
		return nil
	})
}
