package store

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// exportAll is what `vigil journal export --archived` prints: the
// archives' orders, then the journal's, the journal's copy winning.
func exportAll(t *testing.T, j *Journal) map[string]ArchivedOrder {
	t.Helper()
	out := map[string]ArchivedOrder{}
	files, err := ArchiveFiles(j.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		err = ReadArchive(f, func(o ArchivedOrder) error {
			out[o.Account+"/"+o.ClientID] = o
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	err = j.Orders(func(o ArchivedOrder) error {
		out[o.Account+"/"+o.ClientID] = o
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Archive, export, the same orders: the old final ones from the archive,
// the rest (open, or final but recent) still in the journal and still
// found by id and venue order id; then a second archive run adds a file.
func TestArchiveRoundTrip(t *testing.T) {
	j, _ := openTemp(t)
	for i := range 30 {
		acct := []string{"main", "alt"}[i%2]
		id := exchange.NewClientID(t0.Add(time.Duration(i) * 24 * time.Hour))
		if err := j.RecordIntent(intent(acct, id, t0.Add(time.Duration(i)*24*time.Hour))); err != nil {
			t.Fatal(err)
		}
		oid := decimal.NewFromInt(int64(9000 + i)).String()
		steps := []Transition{{Status: exchange.StatusNew, OrderID: oid, Via: "place", At: t0.Add(time.Duration(i) * 24 * time.Hour)}}
		if i%4 != 3 {
			steps = append(steps, Transition{Status: exchange.StatusFilled, OrderID: oid, Filled: decimal.RequireFromString("0.00012345"), Via: "stream", At: t0.Add(time.Duration(i)*24*time.Hour + time.Second)})
		}
		for _, s := range steps {
			if _, err := j.Append(acct, id, s); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := exportAll(t, j)
	if len(before) != 30 {
		t.Fatalf("%d orders before, want 30", len(before))
	}
	cutoff := t0.Add(15 * 24 * time.Hour)
	res, err := j.Archive(cutoff, t0.Add(100*24*time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantMoved := 0
	for _, o := range before {
		if Final(exchange.OrderStatus(o.Status)) && o.Updated.Before(cutoff) {
			wantMoved++
		}
	}
	if res.Orders != wantMoved || wantMoved == 0 || res.File == "" {
		t.Fatalf("archive moved %d orders to %q, want %d", res.Orders, res.File, wantMoved)
	}
	kept := 0
	err = j.Orders(func(o ArchivedOrder) error {
		kept++
		if Final(exchange.OrderStatus(o.Status)) && o.Updated.Before(cutoff) {
			t.Errorf("%s/%s is old and final but still in the journal", o.Account, o.ClientID)
		}
		return nil
	})
	if err != nil || kept != 30-wantMoved {
		t.Fatalf("%d orders left in the journal (%v), want %d", kept, err, 30-wantMoved)
	}
	after := exportAll(t, j)
	a, _ := json.Marshal(before)
	b, _ := json.Marshal(after)
	if !bytes.Equal(a, b) {
		t.Fatalf("export after archiving differs:\nbefore %s\nafter  %s", a, b)
	}
	for _, o := range after {
		_, err := j.FindOrderID(o.Account, o.OrderID)
		old := Final(exchange.OrderStatus(o.Status)) && o.Updated.Before(cutoff)
		if old == (err == nil) {
			t.Errorf("FindOrderID(%s, %s) after archiving: %v (archived: %t)", o.Account, o.OrderID, err, old)
		}
	}
	if err := j.Check(nil); err != nil {
		t.Fatalf("Check after archiving: %v", err)
	}
	// Nothing left that is old enough: no empty archive.
	if res, err := j.Archive(cutoff, t0.Add(101*24*time.Hour), nil); err != nil || res.File != "" || res.Orders != 0 {
		t.Fatalf("second archive = %+v, %v; want nothing", res, err)
	}
	if res, err := j.Archive(t0.Add(60*24*time.Hour), t0.Add(101*24*time.Hour), nil); err != nil || res.Orders == 0 {
		t.Fatalf("archive of the rest = %+v, %v", res, err)
	}
	if files, _ := ArchiveFiles(j.Path()); len(files) != 2 {
		t.Fatalf("archives %v, want two", files)
	}
	c, _ := json.Marshal(exportAll(t, j))
	if !bytes.Equal(a, c) {
		t.Fatalf("export after two archives differs:\nbefore %s\nafter  %s", a, c)
	}
}

// FuzzReadArchive: an archive file is outside bytes; any of them give
// orders that validate or an error, never a panic.
func FuzzReadArchive(f *testing.F) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	f.Add(gz(`{"account":"main","client_id":"vgA","symbol":"BTCUSDT","side":"BUY","type":"LIMIT","qty":"0.1","price":"1","filled":"0.1","status":"FILLED","created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:01Z","transitions":[{"status":"FILLED","filled":"0.1","at":"2026-01-01T00:00:01Z"}]}` + "\n"))
	f.Add(gz(`{"account":"main","client_id":"vgA","qty":"1e99999999"}`))
	f.Add([]byte("not gzip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = ReadArchive(bytes.NewReader(data), func(o ArchivedOrder) error {
			if err := o.validate(); err != nil {
				t.Fatalf("ReadArchive delivered an order that does not validate: %v", err)
			}
			return nil
		})
	})
}

// FuzzDecodeOrder: an order's value is outside bytes too; any of them
// decode to an order that encodes back to the same bytes, or to an error.
func FuzzDecodeOrder(f *testing.F) {
	in := intent("main", "vgA", t0)
	in.Binding = Binding{Venue: "binance", Network: exchange.Testnet, Endpoint: "https://testnet.binance.vision"}
	f.Add(encodeOrder(in, nil))
	f.Add(encodeOrder(in, []Transition{
		{Status: exchange.StatusNew, OrderID: "123", Via: "place", At: t0.Add(time.Millisecond)},
		{Status: exchange.StatusFilled, OrderID: "123", Filled: decimal.RequireFromString("0.00012345"), Via: "stream", At: t0.Add(time.Second)},
		{Status: StatusNotPlaced, Reason: "not found", At: time.Time{}},
	}))
	f.Fuzz(func(t *testing.T, v []byte) {
		in, log, err := decodeOrder("main", "vgA", v)
		if err != nil {
			return
		}
		again := encodeOrder(in, log)
		in2, log2, err := decodeOrder("main", "vgA", again)
		if err != nil {
			t.Fatalf("a decoded order does not decode after encoding: %v", err)
		}
		if a, b := entryOf(in, log), entryOf(in2, log2); a.Status != b.Status || a.Seq != b.Seq || !a.Filled.Equal(b.Filled) || a.OrderID != b.OrderID || !a.Created.Equal(b.Created) {
			t.Fatalf("re-encoding changed the order: %+v -> %+v", a, b)
		}
	})
}
