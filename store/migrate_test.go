package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	bolt "go.etcd.io/bbolt"

	"github.com/vigil-trade/vigil/exchange"
)

var writeV1 = flag.Bool("write-v1-fixture", false, "rewrite testdata/journal-v1.db and its dump (only meaningful on the schema 1 code)")

// journalDump is everything the journal's readers return, times in UTC, so
// two versions of the code can be compared on the same file.
type journalDump struct {
	Accounts map[string]accountDump
}

type accountDump struct {
	History    []Entry
	Unresolved []string
	Records    map[string][]Record
	ByOrderID  map[string]string
}

func dumpJournal(tb testing.TB, j *Journal) journalDump {
	tb.Helper()
	d := journalDump{Accounts: map[string]accountDump{}}
	accounts, err := j.Accounts()
	if err != nil {
		tb.Fatal(err)
	}
	for _, a := range accounts {
		h, err := j.History(a, 0)
		if err != nil {
			tb.Fatal(err)
		}
		ad := accountDump{Records: map[string][]Record{}, ByOrderID: map[string]string{}}
		for _, e := range h {
			e.Created, e.Updated = e.Created.UTC(), e.Updated.UTC()
			ad.History = append(ad.History, e)
			rs, err := j.Records(a, e.ClientID)
			if err != nil {
				tb.Fatal(err)
			}
			for i := range rs {
				rs[i].At = rs[i].At.UTC()
			}
			ad.Records[e.ClientID] = rs
			if e.OrderID != "" {
				f, err := j.FindOrderID(a, e.OrderID)
				if err != nil {
					tb.Fatal(err)
				}
				ad.ByOrderID[e.OrderID] = f.ClientID
			}
		}
		un, err := j.Unresolved(a)
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range un {
			ad.Unresolved = append(ad.Unresolved, e.ClientID)
		}
		d.Accounts[a] = ad
	}
	return d
}

// writeV1Journal is what the fixture holds: every kind of record an older
// vigil wrote.
func writeV1Journal(tb testing.TB, path string) {
	tb.Helper()
	j, err := Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer j.Close()
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	app := func(account, id string, ts ...Transition) {
		tb.Helper()
		for _, t := range ts {
			_, err := j.Append(account, id, t)
			must(err)
		}
	}
	in := intent("main", "vgA", t0)
	in.Binding = Binding{Venue: "binance", Network: exchange.Testnet, Endpoint: "https://testnet.binance.vision"}
	must(j.RecordIntent(in))
	app("main", "vgA",
		Transition{Status: exchange.StatusUnknown, Reason: "timeout", Via: "place", At: t0.Add(time.Second)},
		Transition{Status: exchange.StatusNew, OrderID: "18446744073709551615", Via: "query", At: t0.Add(2 * time.Second)},
		Transition{Status: exchange.StatusPartiallyFilled, Filled: decimal.RequireFromString("0.0001"), Via: "query", At: t0.Add(3 * time.Second)},
		Transition{Status: StatusCancelRequested, Via: "cancel", At: t0.Add(4 * time.Second)},
		Transition{Status: exchange.StatusCanceled, Filled: decimal.RequireFromString("0.0001"), Via: "cancel", At: t0.Add(5 * time.Second)},
		Transition{Status: exchange.StatusNew, Via: "query", At: t0.Add(6 * time.Second)})
	in = intent("main", "vgB", t0.Add(time.Minute))
	in.Req.Side, in.Req.Type, in.Req.TIF, in.Req.Price = exchange.Sell, exchange.MarketOrder, "", decimal.Zero
	in.Binding = Binding{Venue: "okx", Network: exchange.Mainnet, Endpoint: "https://www.okx.com"}
	must(j.RecordIntent(in))
	app("main", "vgB", Transition{Status: exchange.StatusNew, OrderID: "555", Via: "place", At: t0.Add(time.Minute + time.Millisecond)})
	must(j.RecordIntent(intent("main", "vgC", t0.Add(2*time.Minute))))
	must(j.RecordIntent(intent("main", "vgD", t0.Add(3*time.Minute))))
	app("main", "vgD", Transition{Status: StatusNotPlaced, Reason: "not found at the venue after 3 checks, 2s apart", Via: "reconcile", At: t0.Add(4 * time.Minute)})
	must(j.RecordIntent(intent("tiny", "vgT", t0)))
	app("tiny", "vgT", Transition{Status: exchange.StatusUnknown, Reason: "timeout", Via: "place", At: t0})
}

// TestWriteV1Fixture wrote testdata/journal-v1.db with the schema 1 code
// (go test ./store -run TestWriteV1Fixture -write-v1-fixture, before the
// compact encoding), and the dump of what that code read from it.
func TestWriteV1Fixture(t *testing.T) {
	if !*writeV1 {
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	writeV1Journal(t, path)
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	dump, err := json.MarshalIndent(dumpJournal(t, j), "", "  ")
	j.Close()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "journal-v1.db"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "journal-v1.json"), append(dump, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFixtureDump(t *testing.T) []byte {
	t.Helper()
	want, err := os.ReadFile(filepath.Join("testdata", "journal-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(want)
}

// openV1Fixture opens a copy of the schema 1 fixture with this code.
func openV1Fixture(t *testing.T) *Journal {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "journal-v1.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := Open(path)
	if err != nil {
		t.Fatalf("Open of a schema 1 journal: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// A journal the schema 1 code wrote opens, is migrated, and reads exactly
// as that code read it; it stays so after a reopen and takes new orders.
func TestMigrateV1Journal(t *testing.T) {
	j := openV1Fixture(t)
	want := readFixtureDump(t)
	check := func(when string) {
		t.Helper()
		got, err := json.MarshalIndent(dumpJournal(t, j), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s, the journal reads\n%s\nwhile the schema 1 code read\n%s", when, got, want)
		}
	}
	check("after the migration")
	var schema string
	err := j.view(func(tx *bolt.Tx) error {
		schema = string(tx.Bucket(bMeta).Get(kSchema))
		a := tx.Bucket(bAccounts).Bucket([]byte("main"))
		for _, old := range [][]byte{bIntentsV1, bStateV1, bLogV1} {
			if a.Bucket(old) != nil {
				t.Errorf("the schema 1 bucket %s is still there", old)
			}
		}
		return nil
	})
	if err != nil || schema != "2" {
		t.Fatalf("schema %q, %v; want 2", schema, err)
	}
	if err := j.Check(nil); err != nil {
		t.Fatalf("Check after the migration: %v", err)
	}
	path := j.Path()
	j.Close()
	j2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	j = j2
	t.Cleanup(func() { j2.Close() })
	check("after a reopen")
	if _, err := j.Append("main", "vgB", Transition{Status: exchange.StatusFilled, OrderID: "555", Filled: decimal.RequireFromString("1"), Via: "stream", At: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if e, err := j.FindOrderID("main", "555"); err != nil || e.ClientID != "vgB" || e.Status != exchange.StatusFilled {
		t.Fatalf("FindOrderID after a fill = %+v, %v", e, err)
	}
}

// A schema 1 journal with a record the migration cannot read is refused
// and left as it was: the migration is one transaction.
func TestMigrateV1RefusesDamageUntouched(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "journal-v1.db"))
	if err != nil {
		t.Fatal(err)
	}
	// Every copy: bbolt's free pages hold older ones.
	qty := []byte(`"qty":"0.00012345"`)
	if !bytes.Contains(b, qty) {
		t.Fatal("no intent record in the fixture")
	}
	b = bytes.ReplaceAll(b, qty, []byte(`"qty":"zz012345"`))
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open: %v, want a corrupt-journal error", err)
	}
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(after, b) {
		t.Fatalf("the refused migration changed the file (%v)", err)
	}
}
