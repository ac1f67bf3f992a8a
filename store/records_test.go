package store

import (
	"encoding/json"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/vigil-trade/vigil/exchange"
)

// An intent keeps where it was made for across a reopen, so a later run can
// tell it from the account as configured then.
func TestIntentBindingSurvivesReopen(t *testing.T) {
	j, path := openTemp(t)
	in := intent("main", "vgBind", t0)
	in.Binding = Binding{Venue: "binance", Network: exchange.Testnet, Endpoint: "https://testnet.binance.vision"}
	if err := j.RecordIntent(in); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	e, err := j.Get("main", "vgBind")
	if err != nil {
		t.Fatal(err)
	}
	if e.Binding != in.Binding {
		t.Fatalf("binding after reopen = %+v, want %+v", e.Binding, in.Binding)
	}
	for _, got := range []func() ([]Entry, error){
		func() ([]Entry, error) { return j.Unresolved("main") },
		func() ([]Entry, error) { return j.History("main", 0) },
	} {
		es, err := got()
		if err != nil || len(es) != 1 || es[0].Binding != in.Binding {
			t.Fatalf("entries = %+v, %v; want the binding %+v", es, err, in.Binding)
		}
	}
}

// A record written before bindings existed reads as a zero binding, which
// the desk treats as "made for an unrecorded venue".
func TestIntentWithoutBindingReadsZero(t *testing.T) {
	j, _ := openTemp(t)
	in := intent("main", "vgOld", t0)
	if err := j.RecordIntent(in); err != nil {
		t.Fatal(err)
	}
	// Rewrite the record as an older vigil wrote it: no binding keys.
	err := j.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bAccounts).Bucket([]byte("main")).Bucket(bIntents)
		var m map[string]any
		if err := json.Unmarshal(b.Get([]byte("vgOld")), &m); err != nil {
			return err
		}
		for _, k := range []string{"venue", "network", "endpoint"} {
			if _, ok := m[k]; ok {
				t.Errorf("a zero binding wrote %q", k)
			}
		}
		data, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return b.Put([]byte("vgOld"), data)
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err := j.Get("main", "vgOld")
	if err != nil {
		t.Fatal(err)
	}
	if !e.Binding.IsZero() {
		t.Fatalf("binding = %+v, want zero", e.Binding)
	}
}
