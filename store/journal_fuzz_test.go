package store

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// The journal file is outside bytes: a disk, a copy, a crash or a person
// may have changed any of them. Both targets hold every file to
// openAndRead: refused as corrupt and left byte for byte as it was, or
// opened and readable throughout; never a panic, a fault or a hang.

// fuzzBase is the sound journal the page-patch target damages: built once
// per process, the same bytes each time for a given OS page size.
var fuzzBase = sync.OnceValues(func() ([]byte, error) { return testJournalBytes(200, 0) })

// smallJournal is a sound journal of 1 KiB pages cut at its high-water
// mark (bbolt grows files ahead of use; the rest is never read): whole-file
// fuzzing works on small inputs.
func smallJournal(tb testing.TB) []byte {
	tb.Helper()
	b, err := testJournalBytes(3, 1024)
	if err != nil {
		tb.Fatal(err)
	}
	jm := mapJournal(tb, b)
	return b[:jm.meta.highWater*uint64(jm.pageSize)]
}

func writeJournal(t testing.TB, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// FuzzJournalFile opens whole files of any bytes as the journal.
func FuzzJournalFile(f *testing.F) {
	small := smallJournal(f)
	if err := openAndRead(f, writeJournal(f, small)); err != nil {
		f.Fatalf("the sound seed is refused: %v", err)
	}
	f.Add(small)
	f.Add(small[:len(small)/2])
	f.Add(bytes.Repeat([]byte("not a journal\n"), 700))
	f.Fuzz(func(t *testing.T, data []byte) {
		openAndRead(t, writeJournal(t, data))
	})
}

// FuzzJournalPagePatch writes patch into a sound journal at offset off of
// page page (both taken modulo the file's pages), which reaches the
// headers, element tables and records that whole-file mutation rarely
// keeps well-formed enough to matter. With fixMeta, the meta pages'
// checksums are recomputed afterwards, so a patched meta field is read as
// bbolt would read a sound one.
func FuzzJournalPagePatch(f *testing.F) {
	base, err := fuzzBase()
	if err != nil {
		f.Fatal(err)
	}
	jm := mapJournal(f, base)
	ps := jm.pageSize
	add := func(at int, patch []byte, fixMeta bool) {
		f.Add(uint16(at/ps), uint16(at%ps), patch, fixMeta)
	}
	u16 := func(v uint16) []byte { return ne.AppendUint16(nil, v) }
	u32 := func(v uint32) []byte { return ne.AppendUint32(nil, v) }
	u64 := func(v uint64) []byte { return ne.AppendUint64(nil, v) }
	add(pageHeaderLen+16, u64(1<<40), true)                       // meta root
	add(pageHeaderLen+32, u64(jm.meta.highWater), true)           // meta freelist
	add(pageHeaderLen+8, u32(512), true)                          // meta page size
	add(jm.branches[0]+pageHeaderLen+8, u64(1<<33), false)        // branch child
	add(jm.branches[0]+10, u16(0xffff), false)                    // branch count
	add(jm.leaves[0]+10, u16(0xffff), false)                      // leaf count
	add(jm.leaves[0]+pageHeaderLen+4, u32(0x7ffffff0), false)     // leaf key pos
	add(jm.inlinePages[0]+8, u16(flagBranch), false)              // inline page kind
	add(int(jm.meta.freelist)*ps+10, u16(0xffff), false)          // freelist count
	add(jm.elems[len(jm.elems)-1].val, []byte("{garbage"), false) // a record
	f.Fuzz(func(t *testing.T, page, off uint16, patch []byte, fixMeta bool) {
		if len(patch) > 64 {
			patch = patch[:64]
		}
		b := bytes.Clone(base)
		at := int(page)%(len(b)/ps)*ps + int(off)%ps
		copy(b[at:], patch)
		if fixMeta {
			for _, m := range []int{0, ps} {
				mb := b[m+pageHeaderLen:]
				ne.PutUint64(mb[metaSumLen:], fnv64a(mb[:metaSumLen]))
			}
		}
		openAndRead(t, writeJournal(t, b))
	})
}

var writeSeeds = flag.Bool("write-seeds", false, "rewrite the committed seed corpora under testdata/fuzz")

// TestWriteFuzzSeeds rewrites the committed seed corpora when run with
// -write-seeds (go test ./store -run TestWriteFuzzSeeds -write-seeds); the
// seeds themselves run with every go test.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeSeeds {
		return
	}
	b := smallJournal(t)
	files := map[string][]string{
		"FuzzJournalFile/valid-small":     {bytesLit(b)},
		"FuzzJournalFile/truncated-small": {bytesLit(b[:len(b)-1024])},
		"FuzzJournalFile/empty":           {bytesLit(nil)},
	}
	base, err := fuzzBase()
	if err != nil {
		t.Fatal(err)
	}
	jm := mapJournal(t, base)
	ps := jm.pageSize
	patch := func(name string, at int, p []byte, fixMeta bool) {
		files["FuzzJournalPagePatch/"+name] = []string{
			fmt.Sprintf("uint16(%d)", at/ps), fmt.Sprintf("uint16(%d)", at%ps), bytesLit(p), fmt.Sprintf("bool(%t)", fixMeta)}
	}
	patch("meta-highwater", pageHeaderLen+40, ne.AppendUint64(nil, 1<<20), true)
	patch("branch-self", jm.branches[0]+pageHeaderLen+8, ne.AppendUint64(nil, uint64(jm.branches[0]/ps)), false)
	patch("leaf-vsize", jm.leaves[0]+pageHeaderLen+12, ne.AppendUint32(nil, 0xffffffff), false)
	patch("overflow", jm.leaves[0]+12, ne.AppendUint32(nil, 1<<30), false)
	patch("elem-flags", jm.leaves[0]+pageHeaderLen, ne.AppendUint32(nil, 0), false)
	for name, lines := range files {
		path := filepath.Join("testdata", "fuzz", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		content := "go test fuzz v1\n"
		for _, l := range lines {
			content += l + "\n"
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func bytesLit(b []byte) string { return "[]byte(" + strconv.Quote(string(b)) + ")" }
