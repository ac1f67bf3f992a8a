package store

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/vigil-trade/vigil/exchange"
)

// DefaultRetentionDays is how long a final order stays in the journal
// before `vigil journal archive` moves it out, unless the config's
// journal_retention_days says otherwise.
const DefaultRetentionDays = 90

// ArchivePattern names the archives beside the journal: gzip'd JSON
// lines, one ArchivedOrder a line, one file per archive run.
const ArchivePattern = "journal-archive-*.jsonl.gz"

// ArchivedOrder is an order as the archive holds it and `vigil journal
// export --format jsonl` prints it. Decimals are strings, as written.
type ArchivedOrder struct {
	Account     string               `json:"account"`
	ClientID    string               `json:"client_id"`
	OrderID     string               `json:"order_id,omitempty"`
	Symbol      string               `json:"symbol"`
	Side        string               `json:"side"`
	Type        string               `json:"type"`
	TIF         string               `json:"tif,omitempty"`
	Qty         string               `json:"qty"`
	Price       string               `json:"price"`
	Filled      string               `json:"filled"`
	Status      string               `json:"status"`
	Reason      string               `json:"reason,omitempty"`
	Created     time.Time            `json:"created"`
	Updated     time.Time            `json:"updated"`
	Venue       string               `json:"venue,omitempty"`
	Network     string               `json:"network,omitempty"`
	Endpoint    string               `json:"endpoint,omitempty"`
	Transitions []ArchivedTransition `json:"transitions"`
}

// ArchivedTransition is one journaled transition of an ArchivedOrder.
type ArchivedTransition struct {
	Status  string    `json:"status"`
	OrderID string    `json:"order_id,omitempty"`
	Filled  string    `json:"filled,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Via     string    `json:"via,omitempty"`
	At      time.Time `json:"at"`
}

// archived is an order with its transitions as the archive writes it,
// times in UTC.
func archived(e Entry, log []Transition) ArchivedOrder {
	a := ArchivedOrder{
		Account: e.Account, ClientID: e.ClientID, OrderID: e.OrderID,
		Symbol: e.Req.Symbol, Side: string(e.Req.Side), Type: string(e.Req.Type), TIF: string(e.Req.TIF),
		Qty: e.Req.Qty.String(), Price: e.Req.Price.String(), Filled: e.Filled.String(),
		Status: string(e.Status), Reason: e.Reason, Created: e.Created.UTC(), Updated: e.Updated.UTC(),
		Venue: e.Binding.Venue, Network: string(e.Binding.Network), Endpoint: e.Binding.Endpoint,
		Transitions: make([]ArchivedTransition, 0, len(log)),
	}
	for _, t := range log {
		at := ArchivedTransition{Status: string(t.Status), OrderID: t.OrderID, Reason: t.Reason, Via: t.Via, At: t.At.UTC()}
		if !t.Filled.IsZero() {
			at.Filled = t.Filled.String()
		}
		a.Transitions = append(a.Transitions, at)
	}
	return a
}

// Orders calls fn with every order of every account, accounts in name
// order and each account's orders oldest first, inside one read
// transaction: fn must not call the journal.
func (j *Journal) Orders(fn func(ArchivedOrder) error) error {
	return j.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bAccounts).ForEachBucket(func(name []byte) error {
			account := string(name)
			a, err := accountBucket(tx, account, false)
			if err != nil {
				return err
			}
			c := a.Bucket(bTime).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				if len(k) < 8 {
					return corruptf("history key %q", k)
				}
				in, log, err := readOrder(a, account, k[8:])
				if err != nil {
					return err
				}
				if err := fn(archived(entryOf(in, log), log)); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// ArchiveResult says what Archive did.
type ArchiveResult struct {
	File   string // the archive written, "" when nothing was old enough
	Orders int    // orders moved out of the journal
}

// Archive moves every final order last updated before cutoff out of the
// journal into a new archive file beside it, named for now. The archive is
// written under a temporary name, fsynced and renamed into place before
// one transaction deletes the orders, so a crash leaves each order in the
// journal, in the archive, or in both (export then shows the journal's).
// progress, if not nil, is called as orders are written.
func (j *Journal) Archive(cutoff, now time.Time, progress func(n int)) (ArchiveResult, error) {
	if j.copyDir != "" {
		return ArchiveResult{}, ErrReadOnly
	}
	type key struct {
		account, id string
		seq         uint64
	}
	var keys []key
	var out []ArchivedOrder
	err := j.Orders(func(o ArchivedOrder) error {
		if Final(exchange.OrderStatus(o.Status)) && o.Updated.Before(cutoff) {
			keys = append(keys, key{o.Account, o.ClientID, uint64(len(o.Transitions))})
			out = append(out, o)
		}
		return nil
	})
	if err != nil || len(out) == 0 {
		return ArchiveResult{}, err
	}
	dir := filepath.Dir(j.path)
	name := filepath.Join(dir, "journal-archive-"+now.UTC().Format("20060102T150405Z")+".jsonl.gz")
	for i := 2; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			break
		}
		name = filepath.Join(dir, fmt.Sprintf("journal-archive-%s-%d.jsonl.gz", now.UTC().Format("20060102T150405Z"), i))
	}
	if err := writeArchive(name, out, progress); err != nil {
		return ArchiveResult{}, err
	}
	moved := 0
	err = j.update(func(tx *bolt.Tx) error {
		moved = 0
		for _, k := range keys {
			a, err := accountBucket(tx, k.account, false)
			if err != nil || a == nil {
				return err
			}
			id := []byte(k.id)
			in, log, err := readOrder(a, k.account, id)
			if err != nil {
				return err
			}
			e := entryOf(in, log)
			// Written to since it was read: the archive has an older copy,
			// the journal keeps the order.
			if e.Seq != k.seq || !e.Final() {
				continue
			}
			if e.OrderID != "" && bytes.Equal(a.Bucket(bOID).Get([]byte(e.OrderID)), id) {
				if err := a.Bucket(bOID).Delete([]byte(e.OrderID)); err != nil {
					return err
				}
			}
			for _, del := range []struct {
				b []byte
				k []byte
			}{{bOrders, id}, {bOpen, id}, {bTime, timeKey(e.Created, e.ClientID)}} {
				if err := a.Bucket(del.b).Delete(del.k); err != nil {
					return err
				}
			}
			moved++
		}
		return nil
	})
	if err != nil {
		return ArchiveResult{File: name}, err
	}
	return ArchiveResult{File: name, Orders: moved}, nil
}

func writeArchive(name string, orders []ArchivedOrder, progress func(int)) (err error) {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, ".journal-archive-*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	zw := gzip.NewWriter(tmp)
	bw := bufio.NewWriterSize(zw, 1<<16)
	enc := json.NewEncoder(bw)
	for i, o := range orders {
		if err := enc.Encode(o); err != nil {
			return err
		}
		if progress != nil && (i+1)%1000 == 0 {
			progress(i + 1)
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// The rename must be on disk before the orders leave the journal.
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}

// ArchiveFiles lists the archives beside the journal at path, oldest
// first.
func ArchiveFiles(path string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(filepath.Dir(path), ArchivePattern))
	slices.Sort(files)
	return files, err
}

// maxArchiveLine bounds one archived order: an order with thousands of
// transitions fits, a damaged file cannot make a reader hold gigabytes.
const maxArchiveLine = 16 << 20

// ReadArchive calls fn with each order of a gzip'd JSON lines archive. A
// damaged archive is an error naming the line; what came before it has
// been delivered.
func ReadArchive(r io.Reader, fn func(ArchivedOrder) error) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer zr.Close()
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 1<<16), maxArchiveLine)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var o ArchivedOrder
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return fmt.Errorf("archive line %d: %w", line, err)
		}
		if err := o.validate(); err != nil {
			return fmt.Errorf("archive line %d: %w", line, err)
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	return nil
}

// validate holds an order read from outside to what the journal writes.
func (o ArchivedOrder) validate() error {
	if o.Account == "" || o.ClientID == "" || strings.IndexByte(o.ClientID, 0) >= 0 {
		return errors.New("an order without its account or client id")
	}
	if o.Status == "" {
		return fmt.Errorf("order %s has no status", o.ClientID)
	}
	for _, d := range []string{o.Qty, o.Price, o.Filled} {
		if _, err := parseDec(d); err != nil {
			return fmt.Errorf("order %s: %s", o.ClientID, cause(err))
		}
	}
	for _, t := range o.Transitions {
		if t.Status == "" {
			return fmt.Errorf("order %s: a transition without a status", o.ClientID)
		}
		if _, err := parseDec(t.Filled); err != nil {
			return fmt.Errorf("order %s: %s", o.ClientID, cause(err))
		}
	}
	return nil
}
