// Package store is vigil's durable order journal: every order intent is
// written and synced to disk before its request leaves, and every later
// transition is appended as an immutable, numbered record. After a crash the
// journal is what lets vigil ask the venue about each order it may have sent
// instead of guessing, and it is the only record of an order whose response
// was lost.
//
// The journal is a bbolt file (go.etcd.io/bbolt): pure Go with no cgo, one
// file under data_dir, ACID transactions whose commit fsyncs before it
// returns, a copy-on-write B+tree that a crash cannot leave half-written, and
// a project maintained by etcd, which runs its own consensus log on it. An
// SQL engine would add cgo or a large dependency for no gain; a hand-rolled
// append-only file would need its own framing, checksums and recovery.
//
// The journal holds no secrets: account names, client ids, order parameters
// and venue answers only. Decimals are stored as strings, never floats.
package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// FileName is the journal's name under data_dir.
const FileName = "journal.db"

// SchemaVersion is written into every journal so a later vigil can migrate
// an older file and an older vigil refuses a newer one.
const SchemaVersion = 1

// lockTimeout bounds the wait for another process's file lock: a second
// vigil on the same data_dir gets an error instead of hanging.
const lockTimeout = time.Second

// Journal-specific states, beside the venue's own exchange.OrderStatus
// values.
const (
	// StatusSent marks a request known to have left. Place does not write it
	// before sending: a crash right after the intent is as ambiguous as a
	// crash after sending, so it would tell Reconcile nothing and cost an
	// fsync on the hot path. It is written for resends, to audit them.
	StatusSent exchange.OrderStatus = "SENT"
	// StatusNotSent: the request failed before leaving this machine (local
	// rate limit, cancelled context, DNS or dial error). Final; a retry is a
	// new intent with a new client id.
	StatusNotSent exchange.OrderStatus = "NOT_SENT"
	// StatusNotPlaced: the venue, asked after a grace period, does not have
	// the order, and vigil chose not to resend it. Final.
	StatusNotPlaced exchange.OrderStatus = "NOT_PLACED"
	// StatusGone: the venue acknowledged the order, then answered "not
	// found" to every check, a grace period apart (a testnet reset, an
	// order archived). It was placed, so it is not NOT_PLACED, and it is
	// never resent. Final, so it is asked about once; a later final word
	// from the venue (its stream reporting a fill) still replaces it.
	StatusGone exchange.OrderStatus = "GONE"
	// StatusCancelRequested: a cancel is about to leave or its answer is
	// not yet known.
	StatusCancelRequested exchange.OrderStatus = "CANCEL_REQUESTED"
)

// Final reports whether s ends an order's life, counting the journal's own
// final states.
func Final(s exchange.OrderStatus) bool {
	return s.Final() || s == StatusNotSent || s == StatusNotPlaced || s == StatusGone
}

// Errors callers test with errors.Is.
var (
	ErrCorrupt   = errors.New("journal is corrupt")
	ErrInUse     = errors.New("journal is in use by another vigil process")
	ErrNoIntent  = errors.New("no such intent in the journal")
	ErrDuplicate = errors.New("client id already journaled")
	ErrSchema    = errors.New("journal schema is newer than this vigil")
)

// Intent is an order about to be sent. ClientID is generated once per
// intent and travels with every send of it.
type Intent struct {
	Account  string
	ClientID string
	Req      exchange.OrderRequest
	Created  time.Time
	// Binding is where the intent was made for. An account's name can be
	// kept while its venue, network or endpoint changes; the intent belongs
	// to the place it was sent to, not to the name.
	Binding Binding
}

// Binding is the venue, network and REST endpoint an intent was made for.
// Intents journaled before vigil recorded it have a zero Binding.
type Binding struct {
	Venue    string
	Network  exchange.Network
	Endpoint string
}

// IsZero reports an intent from a journal that did not record its binding.
func (b Binding) IsZero() bool { return b == Binding{} }

func (b Binding) String() string {
	if b.IsZero() {
		return "an unrecorded venue"
	}
	s := b.Venue + " " + string(b.Network)
	if b.Endpoint != "" {
		s += " " + b.Endpoint
	}
	return s
}

// Transition is one thing learnt about an intent.
type Transition struct {
	Status  exchange.OrderStatus
	OrderID string
	Filled  decimal.Decimal
	Reason  string // the venue's reason, or ours for local states
	Via     string // how it was learnt: "place", "query", "cancel", "reconcile"
	At      time.Time
}

// Record is a journaled transition with its sequence number within its
// intent; the intent itself is sequence 0.
type Record struct {
	Seq uint64
	Transition
}

// Entry is an intent with its current state.
type Entry struct {
	Intent
	Status  exchange.OrderStatus
	OrderID string
	Filled  decimal.Decimal
	Reason  string
	Updated time.Time
	Seq     uint64 // of the last record
}

// Final reports whether the entry needs no more attention.
func (e Entry) Final() bool { return Final(e.Status) }

// Order is the entry as the blotter shows it.
func (e Entry) Order() exchange.Order {
	return exchange.Order{
		Account:  e.Account,
		Symbol:   e.Req.Symbol,
		Side:     e.Req.Side,
		Type:     e.Req.Type,
		TIF:      e.Req.TIF,
		Price:    e.Req.Price,
		Qty:      e.Req.Qty,
		Filled:   e.Filled,
		Status:   e.Status,
		ClientID: e.ClientID,
		OrderID:  e.OrderID,
		Created:  e.Created,
		Updated:  e.Updated,
		Reason:   e.Reason,
	}
}

// Journal is an open journal file. It is safe for concurrent use; every
// write is one fsynced transaction.
type Journal struct {
	db   *bolt.DB
	path string
}

// Bucket layout:
//
//	meta/schema                     -> "1"
//	accounts/<account>/intents/<id> -> intentRec
//	accounts/<account>/log/<id>\x00<seq:8> -> transitionRec
//	accounts/<account>/state/<id>   -> stateRec (current-state index)
//	accounts/<account>/open/<id>    -> "" while not final
//	accounts/<account>/time/<created:8><id> -> "" (history order)
var (
	bMeta     = []byte("meta")
	bAccounts = []byte("accounts")
	bIntents  = []byte("intents")
	bLog      = []byte("log")
	bState    = []byte("state")
	bOpen     = []byte("open")
	bTime     = []byte("time")
	kSchema   = []byte("schema")
)

// Open opens the journal at path, creating it if it does not exist. A file
// that is not a sound journal, whatever its bytes, is reported as a
// *CorruptError (errors.Is ErrCorrupt) and left exactly as it is; a file
// another process holds gives ErrInUse after a second. Opening a sound
// journal writes nothing to it.
func Open(path string) (*Journal, error) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := create(path); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("journal %s: %w", path, err)
	case !info.Mode().IsRegular():
		return nil, &CorruptError{Path: path, Cause: "not a regular file"}
	}
	// bbolt maps the file and trusts every page header and offset in it: a
	// damaged file makes it read past its map (SIGSEGV, SIGBUS) or index
	// past a slice. verify reads the whole file first, without bbolt and
	// without writing.
	if err := verify(path); err != nil {
		return nil, err
	}
	var db *bolt.DB
	err = guarded(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
		return err
	})
	if err != nil {
		return nil, withPath(path, openError(path, err))
	}
	j := &Journal{db: db, path: path}
	if err := j.checkSchema(); err != nil {
		db.Close()
		return nil, err
	}
	return j, nil
}

// create makes a fresh journal under a temporary name and links it into
// place, so path never names a half-initialised file and an existing file
// is never replaced, even by a second vigil racing this one.
func create(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("journal %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, ".journal-*.tmp")
	if err != nil {
		return fmt.Errorf("journal %s: %w", path, err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName)
	// bbolt initialises only an empty file; CreateTemp left one.
	db, err := bolt.Open(tmpName, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return fmt.Errorf("journal %s: create: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		m, err := tx.CreateBucketIfNotExists(bMeta)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bAccounts); err != nil {
			return err
		}
		return m.Put(kSchema, []byte(strconv.Itoa(SchemaVersion)))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("journal %s: create: %w", path, err)
	}
	if err := os.Link(tmpName, path); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("journal %s: create: %w", path, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some filesystems refuse fsync on a directory; the link is then as
	// durable as they make it.
	_ = d.Sync()
	return nil
}

// checkSchema reads the schema again under the write lock (verify read it
// under a shared one). It writes nothing: a sound journal is opened without
// a byte changed. Migrations from older schemas, when there are any, go
// here in an Update.
func (j *Journal) checkSchema() error {
	err := j.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		if m == nil || tx.Bucket(bAccounts) == nil {
			return corruptf("a bbolt file without vigil's buckets")
		}
		v, err := strconv.Atoi(string(m.Get(kSchema)))
		if err != nil {
			return corruptf("schema version %q", m.Get(kSchema))
		}
		if v > SchemaVersion {
			return fmt.Errorf("journal %s has schema %d, this vigil knows %d: %w", j.path, v, SchemaVersion, ErrSchema)
		}
		return nil
	})
	return withPath(j.path, err)
}

// Path is the file the journal lives in.
func (j *Journal) Path() string { return j.path }

// Close releases the file.
func (j *Journal) Close() error { return j.db.Close() }

func validKey(account, clientID string) error {
	if account == "" || clientID == "" {
		return errors.New("journal: account and client id are required")
	}
	if strings.IndexByte(clientID, 0) >= 0 {
		return errors.New("journal: client id contains NUL")
	}
	return nil
}

// RecordIntent journals an intent and returns once it is on disk. A client
// id may be journaled once per account.
func (j *Journal) RecordIntent(in Intent) error {
	if err := validKey(in.Account, in.ClientID); err != nil {
		return err
	}
	if in.Req.ClientID == "" {
		in.Req.ClientID = in.ClientID
	}
	if in.Req.ClientID != in.ClientID {
		return fmt.Errorf("journal: intent %s carries request client id %s", in.ClientID, in.Req.ClientID)
	}
	id := []byte(in.ClientID)
	return j.db.Update(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, in.Account, true)
		if err != nil {
			return err
		}
		if a.Bucket(bIntents).Get(id) != nil {
			return fmt.Errorf("%s/%s: %w", in.Account, in.ClientID, ErrDuplicate)
		}
		if err := putJSON(a.Bucket(bIntents), id, encodeIntent(in)); err != nil {
			return err
		}
		st := stateRec{Status: exchange.StatusPending, Filled: "0", Updated: in.Created}
		if err := putJSON(a.Bucket(bState), id, st); err != nil {
			return err
		}
		if err := a.Bucket(bOpen).Put(id, nil); err != nil {
			return err
		}
		return a.Bucket(bTime).Put(timeKey(in.Created, in.ClientID), nil)
	})
}

// Append journals a transition of an intent and updates its current state.
// The record is kept whatever it says; the current state follows it except
// that a final state never reverts to an open one (a late ack after a fill,
// a cancel request after the order filled), while a venue's final word does
// replace a local one (NOT_PLACED, then found FILLED).
func (j *Journal) Append(account, clientID string, t Transition) (Entry, error) {
	if err := validKey(account, clientID); err != nil {
		return Entry{}, err
	}
	if t.Status == "" {
		return Entry{}, errors.New("journal: transition without a status")
	}
	id := []byte(clientID)
	var e Entry
	err := j.db.Update(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, account, false)
		if err != nil {
			return err
		}
		if a == nil || a.Bucket(bIntents).Get(id) == nil {
			return fmt.Errorf("%s/%s: %w", account, clientID, ErrNoIntent)
		}
		var st stateRec
		if err := getJSON(a.Bucket(bState), id, &st); err != nil {
			return err
		}
		st.Seq++
		if err := putJSON(a.Bucket(bLog), logKey(clientID, st.Seq), encodeTransition(t)); err != nil {
			return err
		}
		st.apply(t)
		if err := putJSON(a.Bucket(bState), id, st); err != nil {
			return err
		}
		if Final(st.Status) {
			if err := a.Bucket(bOpen).Delete(id); err != nil {
				return err
			}
		} else if err := a.Bucket(bOpen).Put(id, nil); err != nil {
			return err
		}
		e, err = readEntry(a, account, id)
		return err
	})
	return e, withPath(j.path, err)
}

// Get returns one intent with its current state.
func (j *Journal) Get(account, clientID string) (Entry, error) {
	var e Entry
	err := j.db.View(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, account, false)
		if err != nil {
			return err
		}
		if a == nil || a.Bucket(bIntents).Get([]byte(clientID)) == nil {
			return fmt.Errorf("%s/%s: %w", account, clientID, ErrNoIntent)
		}
		e, err = readEntry(a, account, []byte(clientID))
		return err
	})
	return e, withPath(j.path, err)
}

// FindOrderID returns the intent the venue knows by orderID.
func (j *Journal) FindOrderID(account, orderID string) (Entry, error) {
	var e Entry
	err := j.db.View(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, account, false)
		if err != nil || a == nil {
			return err
		}
		return a.Bucket(bState).ForEach(func(k, v []byte) error {
			var st stateRec
			if err := json.Unmarshal(v, &st); err != nil {
				return corruptf("state of %q: %v", k, err)
			}
			if st.OrderID == orderID && orderID != "" {
				e, err = readEntry(a, account, k)
				return err
			}
			return nil
		})
	})
	if err == nil && e.ClientID == "" {
		err = fmt.Errorf("%s order %s: %w", account, orderID, ErrNoIntent)
	}
	return e, withPath(j.path, err)
}

// Records returns every record of an intent, oldest first.
func (j *Journal) Records(account, clientID string) ([]Record, error) {
	var out []Record
	err := j.db.View(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, account, false)
		if err != nil || a == nil {
			return err
		}
		prefix := append([]byte(clientID), 0)
		c := a.Bucket(bLog).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if len(k) != len(prefix)+8 {
				return corruptf("record key %q", k)
			}
			t, err := decodeRecord(v)
			if err != nil {
				return corruptf("record %q: %s", k, cause(err))
			}
			out = append(out, Record{Seq: binary.BigEndian.Uint64(k[len(prefix):]), Transition: t})
		}
		return nil
	})
	return out, withPath(j.path, err)
}

// Unresolved returns the account's intents that are not in a final state,
// oldest first.
func (j *Journal) Unresolved(account string) ([]Entry, error) {
	var out []Entry
	err := j.db.View(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, account, false)
		if err != nil || a == nil {
			return err
		}
		return a.Bucket(bOpen).ForEach(func(k, _ []byte) error {
			e, err := readEntry(a, account, k)
			out = append(out, e)
			return err
		})
	})
	slices.SortFunc(out, func(a, b Entry) int { return a.Created.Compare(b.Created) })
	return out, withPath(j.path, err)
}

// History returns up to limit of the account's newest intents, newest
// first; limit <= 0 returns all.
func (j *Journal) History(account string, limit int) ([]Entry, error) {
	var out []Entry
	err := j.db.View(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, account, false)
		if err != nil || a == nil {
			return err
		}
		c := a.Bucket(bTime).Cursor()
		for k, _ := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Prev() {
			if len(k) < 8 {
				return corruptf("history key %q", k)
			}
			e, err := readEntry(a, account, k[8:])
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, withPath(j.path, err)
}

// Accounts lists the accounts that have intents.
func (j *Journal) Accounts() ([]string, error) {
	var out []string
	err := j.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bAccounts).ForEachBucket(func(k []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, withPath(j.path, err)
}

func accountBucket(tx *bolt.Tx, account string, create bool) (*bolt.Bucket, error) {
	root := tx.Bucket(bAccounts)
	if !create {
		return root.Bucket([]byte(account)), nil
	}
	a, err := root.CreateBucketIfNotExists([]byte(account))
	if err != nil {
		return nil, err
	}
	for _, name := range [][]byte{bIntents, bLog, bState, bOpen, bTime} {
		if _, err := a.CreateBucketIfNotExists(name); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func readEntry(a *bolt.Bucket, account string, id []byte) (Entry, error) {
	var ir intentRec
	if err := getJSON(a.Bucket(bIntents), id, &ir); err != nil {
		return Entry{}, err
	}
	var st stateRec
	if err := getJSON(a.Bucket(bState), id, &st); err != nil {
		return Entry{}, err
	}
	in, err := ir.decode(account, string(id))
	if err != nil {
		return Entry{}, corruptf("intent %q: %s", id, cause(err))
	}
	filled, err := parseDec(st.Filled)
	if err != nil {
		return Entry{}, corruptf("state of %q: %s", id, cause(err))
	}
	return Entry{
		Intent:  in,
		Status:  st.Status,
		OrderID: st.OrderID,
		Filled:  filled,
		Reason:  st.Reason,
		Updated: st.Updated,
		Seq:     st.Seq,
	}, nil
}

func timeKey(t time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(t.UnixNano()))
	return append(k, id...)
}

func logKey(id string, seq uint64) []byte {
	k := make([]byte, 0, len(id)+9)
	k = append(k, id...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

func getJSON(b *bolt.Bucket, k []byte, v any) error {
	if b == nil {
		return corruptf("the bucket of %q is missing", k)
	}
	data := b.Get(k)
	if data == nil {
		return corruptf("missing %q", k)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return corruptf("record %q: %v", k, err)
	}
	return nil
}
