package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/store"
)

// Issue 14: the journal lock refused even `vigil order list` while the
// cockpit ran. Reading now works beside a holder: the venue's open orders,
// with a note saying the journal is in use and only the venue is shown.
func TestOrderListBesideJournalHolder(t *testing.T) {
	h := newHarness(t)
	srv := orderFake(t, binancetest.Testnet)
	g := h.orderSetup(srv.URL, orderAcct{network: "testnet"})
	h.mustRun("", nil, with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "limit", "--qty", "0.001", "--price", "50000")...)

	// The cockpit holds the journal.
	j, err := store.Open(filepath.Join(h.home, "ord", "data", store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()

	r := h.run("", nil, with(g, "order", "list", "--account", "bn")...)
	if r.code != ExitOK {
		t.Fatalf("list beside the cockpit: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "journal in use") || !strings.Contains(r.stderr, "showing the venue's view only") {
		t.Fatalf("no note saying the journal is in use:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "as the venue reports them") || !strings.Contains(r.stdout, "BTCUSDT") ||
		!strings.Contains(r.stdout, "50000") || !strings.Contains(r.stdout, "NEW") {
		t.Fatalf("the venue's open order is not listed:\n%s", r.stdout)
	}

	r = h.run("", nil, with(g, "order", "list", "--account", "bn", "--json")...)
	res := decodeResult(t, r.stdout)
	if r.code != ExitOK || res.Outcome != "ok" || !strings.Contains(res.Note, "journal in use") ||
		res.Orders == nil || len(*res.Orders) != 1 || (*res.Orders)[0].Source != "venue" {
		t.Fatalf("json beside the cockpit: exit %d %+v", r.code, res)
	}

	// The journal's own commands cannot read it beside its writer; they
	// say what works meanwhile.
	r = h.run("", nil, with(g, "journal", "stats")...)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "in use") || !strings.Contains(r.stderr, "vigil order list --account") {
		t.Fatalf("journal stats beside the cockpit: exit %d\n%s", r.code, r.stderr)
	}

	// Writing still refuses: only reading falls back.
	r = h.run("", nil, with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "limit", "--qty", "0.001", "--price", "50000")...)
	if r.code == ExitOK || !strings.Contains(r.stderr, "in use") {
		t.Fatalf("place beside the cockpit: exit %d\n%s", r.code, r.stderr)
	}
}

// Beside a cockpit that serves journal copies, 'order list' reads the
// journal's history from the copy (not only the venue's open orders), says
// so, and writes nothing.
func TestOrderListReadsTheCockpitsCopy(t *testing.T) {
	h := newHarness(t)
	srv := orderFake(t, binancetest.Testnet)
	g := h.orderSetup(srv.URL, orderAcct{network: "testnet"})
	for _, qty := range []string{"0.001", "0.002"} {
		h.mustRun("", nil, with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
			"--type", "limit", "--qty", qty, "--price", "50000")...)
	}
	before := h.mustRun("", nil, with(g, "order", "list", "--account", "bn", "--json")...)
	want := decodeResult(t, before.stdout)

	path := filepath.Join(h.home, "ord", "data", store.FileName)
	j, err := store.Open(path) // the cockpit's hold
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if _, err := j.ServeCopies(ctx); err != nil {
		t.Fatal(err)
	}

	r := h.run("", nil, with(g, "order", "list", "--account", "bn", "--json")...)
	res := decodeResult(t, r.stdout)
	if r.code != ExitOK || res.Outcome != "ok" || !strings.Contains(res.Note, "consistent copy") || res.Orders == nil ||
		len(*res.Orders) != 2 || len(*want.Orders) != 2 {
		t.Fatalf("list beside a serving cockpit: exit %d %+v\n%s", r.code, res, r.stderr)
	}
	for i, o := range *res.Orders {
		w := (*want.Orders)[i]
		if o.Source != "journal" || o.ClientID != w.ClientID || o.Qty != w.Qty || o.Status != w.Status {
			t.Errorf("row %d from the copy %+v, the journal itself said %+v", i, o, w)
		}
	}
	if !strings.Contains(r.stderr, "reading the consistent copy") {
		t.Errorf("no note on stderr:\n%s", r.stderr)
	}
	// The holder still writes: the list took no lock and wrote nothing.
	if err := j.RecordIntent(store.Intent{Account: "bn", ClientID: "vg-after", Created: h.now}); err != nil {
		t.Fatal(err)
	}
}
