package store

import (
	"testing"

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

// A record written before bindings existed (schema 1, no binding keys)
// reads as a zero binding after the migration, which the desk treats as
// "made for an unrecorded venue".
func TestIntentWithoutBindingReadsZero(t *testing.T) {
	j := openV1Fixture(t)
	e, err := j.Get("main", "vgC")
	if err != nil {
		t.Fatal(err)
	}
	if !e.Binding.IsZero() {
		t.Fatalf("binding = %+v, want zero", e.Binding)
	}
}
