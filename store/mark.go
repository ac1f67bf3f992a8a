package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The checked mark is a small file beside the journal,
// journal.db.checked, that vigil writes after it walked the journal's
// pages and when it closes it. It holds the file's identity as stat gives
// it (device, inode, size, modification and status-change times) and its
// meta pages' transaction id. When it matches the file, the file is as
// vigil left it: every page in it was written by bbolt after a walk, and
// Open need not walk it again, which at 100k orders is most of its cost.
//
// A copy, a restore, an edit or a crash after a write changes the status
// change time (which, unlike the modification time, no one can set back)
// or the size or txid: the mark no longer matches and the next Open walks.
// Damage that changes none of them (a disk flipping bits under an
// unchanged inode) is found by `vigil journal check`, or by a read that
// meets it; reads turn a fault into a corrupt-journal error. Losing the
// mark costs one walk.
const markSuffix = ".checked"

const markVersion = "vigil journal checked 1"

// fingerprint is the file's identity and txid, as the mark holds it.
func fingerprint(f *os.File, st os.FileInfo) (string, error) {
	b := make([]byte, pageHeaderLen+metaLen)
	m, err := readMeta(f, st.Size())
	if err != nil {
		return "", err
	}
	if _, err := f.ReadAt(b, 0); err != nil {
		return "", err
	}
	t0 := rawTxid(b)
	if _, err := f.ReadAt(b, int64(m.pageSize)); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s\n%s size=%d mtime=%d txid=%d,%d\n", markVersion, statIdentity(st), st.Size(), st.ModTime().UnixNano(), t0, rawTxid(b)), nil
}

func readCheckedMark(path string) string {
	b, err := os.ReadFile(path + markSuffix)
	if err != nil || len(b) > 4096 {
		return ""
	}
	return string(b)
}

// writeCheckedMark records the journal at path as sound, as it is now.
// Only a journal that Open walked, or found marked, and that vigil has
// written since through bbolt alone may be marked. Failing to write the
// mark costs the next Open a walk, nothing more.
func writeCheckedMark(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return
	}
	mark, err := fingerprint(f, st)
	if err != nil || mark == readCheckedMark(path) {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".journal-checked-*")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(mark)
	if cerr := tmp.Close(); err != nil || cerr != nil {
		return
	}
	_ = os.Rename(tmp.Name(), path+markSuffix)
}

// Check reads the whole journal: every page (as an unmarked Open does),
// bbolt's own consistency check, and every order and index entry decoded
// and cross-checked. It costs a read of the whole file; progress, if not
// nil, is called every thousand orders. Damage is a *CorruptError.
func (j *Journal) Check(progress func(orders int)) error {
	err := guarded(func() error {
		f, err := os.Open(j.path)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if err := checkPages(f, st.Size()); err != nil {
			return err
		}
		return j.db.View(func(tx *bolt.Tx) error {
			var errs []string
			for err := range tx.Check() {
				errs = append(errs, err.Error())
			}
			if len(errs) > 0 {
				if len(errs) > 3 {
					errs = append(errs[:3], fmt.Sprintf("and %d more", len(errs)-3))
				}
				return corruptf("it failed bbolt's consistency check: %s", strings.Join(errs, "; "))
			}
			return checkRecords(tx, progress)
		})
	})
	return j.noteDamage(err)
}
