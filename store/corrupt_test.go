package store

import (
	"bytes"
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

// buildJournal writes a journal with one account of n intents (trees of
// several pages under a branch page once n is over a hundred or so) and one
// of a single intent (inline buckets), with transitions, order ids and
// settled orders, so every kind of page and record is in it.
func buildJournal(tb testing.TB, path string, n int) {
	tb.Helper()
	if err := writeTestJournal(path, n, 0); err != nil {
		tb.Fatal(err)
	}
}

// writeTestJournal is buildJournal; pageSize, when not zero, replaces the
// OS page size vigil creates journals with (small pages, small files).
func writeTestJournal(path string, n, pageSize int) error {
	if pageSize != 0 {
		db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: pageSize})
		if err != nil {
			return err
		}
		err = db.Update(func(tx *bolt.Tx) error {
			m, err := tx.CreateBucket(bMeta)
			if err != nil {
				return err
			}
			if _, err := tx.CreateBucket(bAccounts); err != nil {
				return err
			}
			return m.Put(kSchema, []byte(fmt.Sprint(SchemaVersion)))
		})
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	j, err := Open(path)
	if err != nil {
		return err
	}
	defer j.Close()
	for i := range n {
		id := fmt.Sprintf("vg%04d", i)
		if err := j.RecordIntent(intent("main", id, t0.Add(time.Duration(i)*time.Second))); err != nil {
			return err
		}
		if i%3 == 0 {
			tr := Transition{Status: exchange.StatusNew, OrderID: fmt.Sprint(1000 + i), Via: "place", At: t0.Add(time.Duration(i) * time.Second)}
			if _, err := j.Append("main", id, tr); err != nil {
				return err
			}
		}
		if i%6 == 0 {
			tr := Transition{Status: exchange.StatusFilled, Filled: decimal.RequireFromString("0.00012345"), Via: "query", At: t0.Add(time.Duration(i+1) * time.Second)}
			if _, err := j.Append("main", id, tr); err != nil {
				return err
			}
		}
	}
	if err := j.RecordIntent(intent("tiny", "vgT", t0)); err != nil {
		return err
	}
	_, err = j.Append("tiny", "vgT", Transition{Status: exchange.StatusUnknown, Reason: "timeout", Via: "place", At: t0})
	return err
}

// baseJournal is buildJournal's file as bytes.
func baseJournal(tb testing.TB, n int) []byte {
	tb.Helper()
	b, err := testJournalBytes(n, 0)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func testJournalBytes(n, pageSize int) ([]byte, error) {
	dir, err := os.MkdirTemp("", "vigil-journal-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, FileName)
	if err := writeTestJournal(path, n, pageSize); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// elemLoc is where one leaf element of a sound journal lies in the file.
type elemLoc struct {
	at     int // the element
	key    []byte
	bucket bool
	val    int // the value
	vlen   int
}

// journalMap locates the pages and elements of a sound journal, walking
// it as bbolt would.
type journalMap struct {
	pageSize         int
	meta             metaInfo
	branches, leaves []int // file offsets of pages
	elems            []elemLoc
	inlinePages      []int
}

func mapJournal(tb testing.TB, b []byte) journalMap {
	tb.Helper()
	m, err := readMeta(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	jm := journalMap{pageSize: int(m.pageSize), meta: m}
	var page func(id uint64)
	var leaf func(at int)
	leaf = func(at int) {
		count := int(ne.Uint16(b[at+10:]))
		for i := range count {
			e := at + pageHeaderLen + i*elemLen
			flags := ne.Uint32(b[e:])
			pos, ksize, vsize := int(ne.Uint32(b[e+4:])), int(ne.Uint32(b[e+8:])), int(ne.Uint32(b[e+12:]))
			loc := elemLoc{at: e, key: b[e+pos : e+pos+ksize], bucket: flags&leafBucket != 0, val: e + pos + ksize, vlen: vsize}
			jm.elems = append(jm.elems, loc)
			if !loc.bucket {
				continue
			}
			if root := ne.Uint64(b[loc.val:]); root != 0 {
				page(root)
			} else {
				jm.inlinePages = append(jm.inlinePages, loc.val+bucketHdrLen)
				leaf(loc.val + bucketHdrLen)
			}
		}
	}
	page = func(id uint64) {
		at := int(id) * jm.pageSize
		switch ne.Uint16(b[at+8:]) {
		case flagBranch:
			jm.branches = append(jm.branches, at)
			for i := range int(ne.Uint16(b[at+10:])) {
				page(ne.Uint64(b[at+pageHeaderLen+i*elemLen+8:]))
			}
		case flagLeaf:
			jm.leaves = append(jm.leaves, at)
			leaf(at)
		}
	}
	page(m.root)
	return jm
}

// find returns the first element whose key and value match.
func (jm journalMap) find(tb testing.TB, b []byte, match func(e elemLoc, v []byte) bool) elemLoc {
	tb.Helper()
	for _, e := range jm.elems {
		if match(e, b[e.val:e.val+e.vlen]) {
			return e
		}
	}
	tb.Fatal("no such element in the journal")
	return elemLoc{}
}

// setMeta rewrites a field of both meta pages and their checksums, so the
// change gets past bbolt's own validation.
func setMeta(b []byte, pageSize, off int, v uint64, width int) {
	for _, at := range []int{0, pageSize} {
		m := b[at+pageHeaderLen:]
		if width == 4 {
			ne.PutUint32(m[off:], uint32(v))
		} else {
			ne.PutUint64(m[off:], v)
		}
		ne.PutUint64(m[metaSumLen:], fnv64a(m[:metaSumLen]))
	}
}

// openAndRead is the property every journal file must have: Open refuses
// it as corrupt, or the first read that meets the damage does, naming the
// file, and the file stays byte for byte as it was; or Open accepts it and
// every read of every account succeeds. refused is the corrupt-journal (or
// schema) error, from Open or a read.
func openAndRead(tb testing.TB, path string) (refused error) {
	tb.Helper()
	before, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() {
		if refused == nil {
			return
		}
		if errors.Is(refused, ErrCorrupt) && !strings.HasPrefix(refused.Error(), "journal is corrupt: "+path+": ") {
			tb.Fatalf("%q does not start with \"journal is corrupt: <path>: \"", refused)
		}
		after, rerr := os.ReadFile(path)
		if rerr != nil || !bytes.Equal(before, after) {
			tb.Fatalf("the refused journal was changed (%v)", rerr)
		}
	}()
	j, err := Open(path)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrSchema) {
			tb.Fatalf("Open: %v, want a corrupt-journal error", err)
		}
		return err
	}
	defer j.Close()
	read := func(what string, err error) error {
		tb.Helper()
		if err != nil && !errors.Is(err, ErrCorrupt) {
			tb.Fatalf("%s of an accepted journal: %v, want nil or a corrupt-journal error", what, err)
		}
		return err
	}
	accounts, err := j.Accounts()
	if err := read("Accounts", err); err != nil {
		return err
	}
	for _, a := range accounts {
		if _, err := j.Unresolved(a); read("Unresolved", err) != nil {
			return err
		}
		h, err := j.History(a, 0)
		if read("History", err) != nil {
			return err
		}
		for _, e := range h {
			if _, err := j.Get(a, e.ClientID); read("Get", err) != nil {
				return err
			}
			if _, err := j.Records(a, e.ClientID); read("Records", err) != nil {
				return err
			}
			if e.OrderID != "" {
				if _, err := j.FindOrderID(a, e.OrderID); err != nil && !errors.Is(err, ErrNoIntent) && read("FindOrderID", err) != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Targeted damage of the kinds that crashed the runtime (a nil dereference
// in readEntry via Unresolved, SIGSEGV inside bbolt during Open) or could:
// each must be refused as corrupt, by Open (damaged pages: no checked mark
// matches a patched file, so Open walks it) or by the first read of the
// damaged record, with the file left as it was.
func TestCorruptJournalPatches(t *testing.T) {
	base := baseJournal(t, 200)
	jm := mapJournal(t, base)
	if len(jm.branches) == 0 || len(jm.inlinePages) == 0 {
		t.Fatalf("the base journal has %d branch pages and %d inline buckets; the cases need both", len(jm.branches), len(jm.inlinePages))
	}
	ps := jm.pageSize
	isOrder := func(e elemLoc, v []byte) bool {
		return !e.bucket && bytes.HasPrefix(e.key, []byte("vg")) && len(v) > 0 && v[0] == recFormat
	}
	named := func(name string) func(e elemLoc, v []byte) bool {
		return func(e elemLoc, v []byte) bool { return e.bucket && string(e.key) == name }
	}
	branch, leaf := jm.branches[0], jm.leaves[len(jm.leaves)-1]
	cases := []struct {
		name  string
		patch func(b []byte)
		want  string // "corrupt", or "either" where bbolt may recover
	}{
		{"both meta checksums", func(b []byte) { b[pageHeaderLen+20] ^= 0xff; b[ps+pageHeaderLen+20] ^= 0xff }, "corrupt"},
		{"newer meta checksum only", func(b []byte) {
			at := 0
			if rawTxid(b[ps:]) > rawTxid(b) {
				at = ps
			}
			b[at+pageHeaderLen+20] ^= 0xff
		}, "either"},
		{"meta root beyond the file", func(b []byte) { setMeta(b, ps, 16, 1<<40, 8) }, "corrupt"},
		{"meta root on a meta page", func(b []byte) { setMeta(b, ps, 16, 1, 8) }, "corrupt"},
		{"meta freelist beyond the file", func(b []byte) { setMeta(b, ps, 32, 1<<40, 8) }, "corrupt"},
		{"meta high-water beyond the file", func(b []byte) { setMeta(b, ps, 40, 1<<20, 8) }, "corrupt"},
		{"meta page size zero", func(b []byte) { setMeta(b, ps, 8, 0, 4) }, "corrupt"},
		{"meta page size halved", func(b []byte) { setMeta(b, ps, 8, uint64(ps/2), 4) }, "corrupt"},
		{"branch child beyond the file", func(b []byte) { ne.PutUint64(b[branch+pageHeaderLen+8:], 1<<40) }, "corrupt"},
		{"branch child just past high-water", func(b []byte) { ne.PutUint64(b[branch+pageHeaderLen+8:], jm.meta.highWater) }, "corrupt"},
		{"branch child is itself", func(b []byte) { ne.PutUint64(b[branch+pageHeaderLen+8:], uint64(branch/ps)) }, "corrupt"},
		{"branch child is a meta page", func(b []byte) { ne.PutUint64(b[branch+pageHeaderLen+8:], 0) }, "corrupt"},
		{"branch element count 0xffff", func(b []byte) { ne.PutUint16(b[branch+10:], 0xffff) }, "corrupt"},
		{"branch element count 0", func(b []byte) { ne.PutUint16(b[branch+10:], 0) }, "corrupt"},
		{"branch key far outside", func(b []byte) { ne.PutUint32(b[branch+pageHeaderLen:], 0xfffffff0) }, "corrupt"},
		{"leaf element count 0xffff", func(b []byte) { ne.PutUint16(b[leaf+10:], 0xffff) }, "corrupt"},
		{"leaf value size 4 GB", func(b []byte) { ne.PutUint32(b[leaf+pageHeaderLen+12:], 0xffffffff) }, "corrupt"},
		{"leaf key far outside", func(b []byte) { ne.PutUint32(b[leaf+pageHeaderLen+4:], 0x7ffffff0) }, "corrupt"},
		{"leaf element flags", func(b []byte) { ne.PutUint32(b[leaf+pageHeaderLen:], 0x10) }, "corrupt"},
		{"leaf page flagged freelist", func(b []byte) { ne.PutUint16(b[leaf+8:], flagFreelist) }, "corrupt"},
		{"leaf page flagged meta", func(b []byte) { ne.PutUint16(b[leaf+8:], 0x04) }, "corrupt"},
		{"page header names another page", func(b []byte) { ne.PutUint64(b[leaf:], 2) }, "corrupt"},
		{"page overflow past the file", func(b []byte) { ne.PutUint32(b[leaf+12:], 1<<30) }, "corrupt"},
		{"freelist count 0xffff with a huge count", func(b []byte) {
			at := int(jm.meta.freelist) * ps
			ne.PutUint16(b[at+10:], 0xffff)
			ne.PutUint64(b[at+pageHeaderLen:], 1<<60)
		}, "corrupt"},
		{"freelist lists a page beyond the file", func(b []byte) {
			at := int(jm.meta.freelist) * ps
			ne.PutUint16(b[at+10:], 1)
			ne.PutUint64(b[at+pageHeaderLen:], 1<<40)
		}, "corrupt"},
		{"freelist frees the root", func(b []byte) {
			at := int(jm.meta.freelist) * ps
			ne.PutUint16(b[at+10:], 1)
			ne.PutUint64(b[at+pageHeaderLen:], jm.meta.root)
		}, "corrupt"},
		{"bucket root beyond the file", func(b []byte) {
			e := jm.find(t, b, func(e elemLoc, v []byte) bool { return e.bucket && ne.Uint64(v) != 0 })
			ne.PutUint64(b[e.val:], 1<<40)
		}, "corrupt"},
		{"inline bucket page flagged branch", func(b []byte) { ne.PutUint16(b[jm.inlinePages[0]+8:], flagBranch) }, "corrupt"},
		{"inline bucket count 0xffff", func(b []byte) { ne.PutUint16(b[jm.inlinePages[0]+10:], 0xffff) }, "corrupt"},
		{"bucket value shorter than its header", func(b []byte) {
			e := jm.find(t, b, named("orders"))
			ne.PutUint32(b[e.at+12:], 8)
		}, "corrupt"},
		{"orders no longer a bucket", func(b []byte) {
			e := jm.find(t, b, named("orders"))
			ne.PutUint32(b[e.at:], 0)
		}, "corrupt"},
		{"inline orders no longer a bucket", func(b []byte) {
			// All of the account is in its parent's page: no page goes
			// unreachable for bbolt's check to notice.
			e := jm.find(t, b, func(e elemLoc, v []byte) bool { return e.bucket && string(e.key) == "orders" && ne.Uint64(v) == 0 })
			ne.PutUint32(b[e.at:], 0)
		}, "corrupt"},
		{"order id index no longer a bucket", func(b []byte) {
			e := jm.find(t, b, named("oid"))
			ne.PutUint32(b[e.at:], 0)
		}, "corrupt"},
		{"accounts no longer a bucket", func(b []byte) {
			e := jm.find(t, b, named("accounts"))
			ne.PutUint32(b[e.at:], 0)
		}, "corrupt"},
		{"an account is a plain key", func(b []byte) {
			e := jm.find(t, b, named("tiny"))
			ne.PutUint32(b[e.at:], 0)
		}, "corrupt"},
		{"order record garbage", func(b []byte) {
			e := jm.find(t, b, isOrder)
			copy(b[e.val:e.val+e.vlen], bytes.Repeat([]byte{'x'}, e.vlen))
		}, "corrupt"},
		{"order quantity garbage", func(b []byte) {
			e := jm.find(t, b, isOrder)
			v := b[e.val : e.val+e.vlen]
			copy(v[bytes.Index(v, []byte("0.00012345")):], "zz")
		}, "corrupt"},
		{"order record cut short", func(b []byte) {
			e := jm.find(t, b, func(e elemLoc, v []byte) bool { return isOrder(e, v) && e.vlen > 40 })
			ne.PutUint32(b[e.at+12:], 30)
		}, "corrupt"},
		{"order record of zeros", func(b []byte) {
			e := jm.find(t, b, func(e elemLoc, v []byte) bool { return isOrder(e, v) && v[len(v)-1] != 0 })
			copy(b[e.val:e.val+e.vlen], make([]byte, e.vlen))
		}, "corrupt"},
		{"order record runs into the next key", func(b []byte) {
			e := jm.find(t, b, isOrder)
			ne.PutUint32(b[e.at+12:], uint32(e.vlen+1))
		}, "corrupt"},
		{"order id index names no order", func(b []byte) {
			e := jm.find(t, b, func(e elemLoc, v []byte) bool { return !e.bucket && string(e.key) == "1000" })
			copy(b[e.val:e.val+e.vlen], bytes.Repeat([]byte{'?'}, e.vlen))
		}, "corrupt"},
		{"schema garbage", func(b []byte) {
			e := jm.find(t, b, func(e elemLoc, v []byte) bool { return string(e.key) == "schema" })
			b[e.val] = 'x'
		}, "corrupt"},
		{"history key cut short", func(b []byte) {
			e := jm.find(t, b, func(e elemLoc, v []byte) bool {
				return !e.bucket && len(e.key) == 8+len("vgT") && bytes.HasSuffix(e.key, []byte("vgT"))
			})
			ne.PutUint32(b[e.at+8:], 4)
		}, "corrupt"},
		{"schema 99", func(b []byte) {
			e := jm.find(t, b, func(e elemLoc, v []byte) bool { return string(e.key) == "schema" })
			b[e.val] = '9'
		}, "schema"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(base)
			c.patch(b)
			if bytes.Equal(b, base) {
				t.Fatal("the patch changed nothing")
			}
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			err := openAndRead(t, path)
			switch {
			case c.want == "corrupt" && !errors.Is(err, ErrCorrupt):
				t.Fatalf("Open accepted it (%v)", err)
			case c.want == "schema" && !errors.Is(err, ErrSchema):
				t.Fatalf("Open: %v, want ErrSchema", err)
			}
			t.Logf("%v", err)
		})
	}
}

// The error says what to do and what it costs.
func TestCorruptErrorAdvice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "my data", FileName)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("not a journal"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open: %v", err)
	}
	a := ce.Advice()
	for _, want := range []string{"mv '" + path + "' '" + path + ".corrupt'", "orders in doubt", "the venue still has"} {
		if !strings.Contains(a, want) {
			t.Errorf("advice %q lacks %q", a, want)
		}
	}
}

// A journal is opened without a byte of it changed.
func TestOpenWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	buildJournal(t, path, 3)
	before := fileSum(t, path)
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Unresolved("main"); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if fileSum(t, path) != before {
		t.Fatal("opening and reading the journal changed it")
	}
}
