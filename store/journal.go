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
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// FileName is the journal's name under data_dir.
const FileName = "journal.db"

// SchemaVersion is written into every journal so a later vigil can migrate
// an older file and an older vigil refuses a newer one.
const SchemaVersion = 2

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
	// damaged: a read met a corrupt page or record, so Close must not
	// mark the file as sound.
	damaged atomic.Bool
	// copyDir holds a copy served by the journal's holder (serve.go):
	// read-only, removed on Close; shown is the journal it copies.
	copyDir, shown string
}

// Bucket layout (schema 2):
//
//	meta/schema                             -> "2"
//	accounts/<account>/orders/<id>          -> the order: intent and transitions (records.go)
//	accounts/<account>/open/<id>            -> "" while not final
//	accounts/<account>/time/<created:8><id> -> "" (history order)
//	accounts/<account>/oid/<venue order id> -> <id>
//
// Schema 1 had intents/<id>, state/<id> and log/<id>\x00<seq:8> in JSON
// where orders/ and oid/ are now; Open migrates it (migrate.go).
var (
	bMeta     = []byte("meta")
	bAccounts = []byte("accounts")
	bOrders   = []byte("orders")
	bOpen     = []byte("open")
	bTime     = []byte("time")
	bOID      = []byte("oid")
	kSchema   = []byte("schema")
)

// accountBuckets are the buckets every account has.
var accountBuckets = [][]byte{bOrders, bOpen, bTime, bOID}

// fillPercent packs the pages of buckets whose keys mostly arrive in
// order (client ids and history keys start with a timestamp, venue order
// ids grow): bbolt's default of half-full pages doubles the file.
const fillPercent = 0.95

// Open opens the journal at path, creating it if it does not exist, and
// migrates a journal an older vigil wrote. A file that is not a sound
// journal, whatever its bytes, is reported as a *CorruptError (errors.Is
// ErrCorrupt) and left exactly as it is, by Open or by the first read that
// meets the damage; a file another process holds gives ErrInUse after a
// second. Opening a sound journal of the current schema writes nothing to
// it.
//
// Open reads the meta pages and, unless the file is exactly as vigil last
// closed it (see checkedMark), walks every page of the tree without
// decoding records: that walk is what keeps bbolt from faulting on a
// damaged file. Records are decoded, bounds checked, when read; Check
// decodes all of them.
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
	walked, err := verify(path)
	if err != nil {
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
	if walked {
		writeCheckedMark(path)
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

// checkSchema reads the schema under the write lock (verify read the meta
// pages under a shared one), migrates an older journal, and checks that
// every account has its buckets: what every method relies on, at a cost of
// the number of accounts.
func (j *Journal) checkSchema() error {
	var v int
	err := j.view(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		if m == nil || tx.Bucket(bAccounts) == nil {
			return corruptf("a bbolt file without vigil's buckets")
		}
		var err error
		v, err = strconv.Atoi(string(m.Get(kSchema)))
		if err != nil || v < 1 {
			return corruptf("schema version %q", m.Get(kSchema))
		}
		if v > SchemaVersion {
			return fmt.Errorf("journal %s has schema %d, this vigil knows %d: %w", j.path, v, SchemaVersion, ErrSchema)
		}
		if v < SchemaVersion {
			return nil
		}
		return checkAccountBuckets(tx)
	})
	if err == nil && v < SchemaVersion {
		err = j.migrate(v)
	}
	return withPath(j.path, err)
}

func checkAccountBuckets(tx *bolt.Tx) error {
	accounts := tx.Bucket(bAccounts)
	return accounts.ForEach(func(name, _ []byte) error {
		a := accounts.Bucket(name)
		if a == nil {
			return corruptf("account %q is not a bucket", name)
		}
		for _, b := range accountBuckets {
			if a.Bucket(b) == nil {
				return corruptf("account %q has no %s bucket", name, b)
			}
		}
		return nil
	})
}

// view and update are bbolt's, with a memory fault or a panic inside bbolt
// (a damaged page the open-time walk did not see) turned into a
// corrupt-journal error naming the file.
func (j *Journal) view(fn func(*bolt.Tx) error) error {
	return j.noteDamage(guarded(func() error { return j.db.View(fn) }))
}

func (j *Journal) update(fn func(*bolt.Tx) error) error {
	if j.copyDir != "" {
		return ErrReadOnly
	}
	return j.noteDamage(guarded(func() error { return j.db.Update(fn) }))
}

func (j *Journal) noteDamage(err error) error {
	if errors.Is(err, ErrCorrupt) {
		j.damaged.Store(true)
	}
	return withPath(j.path, err)
}

// Path is the file the journal lives in.
func (j *Journal) Path() string {
	if j.shown != "" {
		return j.shown
	}
	return j.path
}

// Close releases the file, and marks it as vigil left it so the next Open
// need not walk it.
func (j *Journal) Close() error {
	if err := j.db.Close(); err != nil {
		return err
	}
	if j.copyDir != "" {
		return os.RemoveAll(j.copyDir)
	}
	if j.damaged.Load() {
		os.Remove(j.path + markSuffix)
	} else {
		writeCheckedMark(j.path)
	}
	return nil
}

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
	return j.update(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, in.Account, true)
		if err != nil {
			return err
		}
		if a.Bucket(bOrders).Get(id) != nil {
			return fmt.Errorf("%s/%s: %w", in.Account, in.ClientID, ErrDuplicate)
		}
		if err := a.Bucket(bOrders).Put(id, encodeOrder(in, nil)); err != nil {
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
	err := j.update(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, account, false)
		if err != nil {
			return err
		}
		if a == nil || a.Bucket(bOrders).Get(id) == nil {
			return fmt.Errorf("%s/%s: %w", account, clientID, ErrNoIntent)
		}
		in, log, err := readOrder(a, account, id)
		if err != nil {
			return err
		}
		before := entryOf(in, log)
		log = append(log, t)
		e = entryOf(in, log)
		if err := a.Bucket(bOrders).Put(id, encodeOrder(in, log)); err != nil {
			return err
		}
		if Final(e.Status) {
			if err := a.Bucket(bOpen).Delete(id); err != nil {
				return err
			}
		} else if err := a.Bucket(bOpen).Put(id, nil); err != nil {
			return err
		}
		if before.OrderID == "" && e.OrderID != "" {
			return putOrderID(a, e.OrderID, id)
		}
		return nil
	})
	return e, err
}

// putOrderID indexes a venue order id. The first intent to claim it keeps
// it, as the state's first order id is kept.
func putOrderID(a *bolt.Bucket, orderID string, id []byte) error {
	idx := a.Bucket(bOID)
	if idx.Get([]byte(orderID)) != nil {
		return nil
	}
	return idx.Put([]byte(orderID), id)
}

// Get returns one intent with its current state.
func (j *Journal) Get(account, clientID string) (Entry, error) {
	var e Entry
	err := j.view(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, account, false)
		if err != nil {
			return err
		}
		if a == nil || a.Bucket(bOrders).Get([]byte(clientID)) == nil {
			return fmt.Errorf("%s/%s: %w", account, clientID, ErrNoIntent)
		}
		e, err = readEntry(a, account, []byte(clientID))
		return err
	})
	return e, err
}

// FindOrderID returns the intent the venue knows by orderID.
func (j *Journal) FindOrderID(account, orderID string) (Entry, error) {
	var e Entry
	found := false
	err := j.view(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, account, false)
		if err != nil || a == nil || orderID == "" {
			return err
		}
		id := a.Bucket(bOID).Get([]byte(orderID))
		if id == nil {
			return nil
		}
		if e, err = readEntry(a, account, id); err != nil {
			return err
		}
		if e.OrderID != orderID {
			return corruptf("order id %q indexes %q, which has order id %q", orderID, id, e.OrderID)
		}
		found = true
		return nil
	})
	if err == nil && !found {
		err = fmt.Errorf("%s order %s: %w", account, orderID, ErrNoIntent)
	}
	return e, err
}

// Records returns every record of an intent, oldest first.
func (j *Journal) Records(account, clientID string) ([]Record, error) {
	var out []Record
	err := j.view(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, account, false)
		if err != nil || a == nil || a.Bucket(bOrders).Get([]byte(clientID)) == nil {
			return err
		}
		_, log, err := readOrder(a, account, []byte(clientID))
		for i, t := range log {
			out = append(out, Record{Seq: uint64(i + 1), Transition: t})
		}
		return err
	})
	return out, err
}

// Unresolved returns the account's intents that are not in a final state,
// oldest first.
func (j *Journal) Unresolved(account string) ([]Entry, error) {
	var out []Entry
	err := j.view(func(tx *bolt.Tx) error {
		a, err := accountBucket(tx, account, false)
		if err != nil || a == nil {
			return err
		}
		return a.Bucket(bOpen).ForEach(func(k, _ []byte) error {
			e, err := readEntry(a, account, k)
			if err == nil && e.Final() {
				err = corruptf("open order %q is %s", k, e.Status)
			}
			out = append(out, e)
			return err
		})
	})
	slices.SortFunc(out, func(a, b Entry) int { return a.Created.Compare(b.Created) })
	return out, err
}

// History returns up to limit of the account's newest intents, newest
// first; limit <= 0 returns all.
func (j *Journal) History(account string, limit int) ([]Entry, error) {
	var out []Entry
	err := j.view(func(tx *bolt.Tx) error {
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
	return out, err
}

// Accounts lists the accounts that have intents.
func (j *Journal) Accounts() ([]string, error) {
	var out []string
	err := j.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bAccounts).ForEachBucket(func(k []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}

func accountBucket(tx *bolt.Tx, account string, create bool) (*bolt.Bucket, error) {
	root := tx.Bucket(bAccounts)
	if root == nil {
		return nil, corruptf("the accounts bucket is missing")
	}
	var a *bolt.Bucket
	if !create {
		a = root.Bucket([]byte(account))
	} else {
		var err error
		if a, err = root.CreateBucketIfNotExists([]byte(account)); err != nil {
			return nil, err
		}
		for _, name := range accountBuckets {
			if _, err := a.CreateBucketIfNotExists(name); err != nil {
				return nil, err
			}
		}
	}
	if a == nil {
		return nil, nil
	}
	for _, name := range accountBuckets {
		b := a.Bucket(name)
		if b == nil {
			return nil, corruptf("account %q has no %s bucket", account, name)
		}
		if tx.Writable() {
			b.FillPercent = fillPercent
		}
	}
	return a, nil
}

func readOrder(a *bolt.Bucket, account string, id []byte) (Intent, []Transition, error) {
	v := a.Bucket(bOrders).Get(id)
	if v == nil {
		return Intent{}, nil, corruptf("account %q: %q is indexed but has no order", account, id)
	}
	in, log, err := decodeOrder(account, string(id), v)
	if err != nil {
		return Intent{}, nil, corruptf("account %q: order %q: %s", account, id, cause(err))
	}
	return in, log, nil
}

func readEntry(a *bolt.Bucket, account string, id []byte) (Entry, error) {
	in, log, err := readOrder(a, account, id)
	if err != nil {
		return Entry{}, err
	}
	return entryOf(in, log), nil
}

func timeKey(t time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(t.UnixNano()))
	return append(k, id...)
}
