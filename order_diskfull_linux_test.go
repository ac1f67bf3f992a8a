//go:build linux

package main

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/orders/orderstest"
)

// Issue 11, item 8, with the real binary: the disk fills up between the
// order leaving and the venue's answer, so the journal cannot record an
// order that is live at the venue. That is exit 5 / "unknown" (vigil
// settles it on its next start), never exit 1 / "failed", which invites
// placing it again by hand.
//
// How the disk "fills": when the order request reaches the fake venue, the
// test lowers the running vigil's RLIMIT_FSIZE to one byte with prlimit(2).
// From then on every write of the process past the file's first byte fails
// with EFBIG, exactly where a full disk fails with ENOSPC: bbolt's page
// write, inside the journal's commit. Go ignores the SIGXFSZ that comes
// with it (the runtime installs no default action that kills), so the
// process carries on with the error as it would on a full disk. Unlike a
// tiny tmpfs this needs no mount, and unlike a size guess it hits the one
// write after the answer every time.
func TestVigilDiskFullAfterTheVenueTookTheOrder(t *testing.T) {
	b := newSafetyBench(t)
	b.account("testnet", b.url, false, "100000")
	full := func() {
		p := b.child.Load()
		if p == nil {
			t.Error("order request without a vigil process")
			return
		}
		var old unix.Rlimit
		if err := unix.Prlimit(p.Pid, unix.RLIMIT_FSIZE, nil, &old); err != nil {
			t.Errorf("prlimit: %v", err)
			return
		}
		if err := unix.Prlimit(p.Pid, unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: 1, Max: old.Max}, nil); err != nil {
			t.Errorf("prlimit: %v", err)
		}
	}
	b.tap.onOrder.Store(&full)
	r := b.run(append(placeArgs, "--qty", "0.001", "--price", "50000")...)
	b.tap.onOrder.Store(nil)
	if n := b.venueOrders(); n != 1 {
		t.Fatalf("%d orders on the venue, want the one placed\n%s", n, r.stderr)
	}
	if r.code != 5 || r.res.Outcome != "unknown" || !strings.Contains(r.stderr, "do not re-send") ||
		!strings.Contains(r.stderr, "journal could not record it") {
		t.Fatalf("exit %d, outcome %q: want 5 / unknown for an order live at the venue\n%s", r.code, r.res.Outcome, r.stderr)
	}
	if r.res.Order == nil || r.res.Order.Status != "NEW" {
		t.Fatalf("printed order %+v: want the venue's answer", r.res.Order)
	}

	// With room again, the next start settles it from the venue.
	if r := b.run("order", "list", "--account", crashAcct, "--json"); r.code != 0 {
		t.Fatalf("list: exit %d\n%s", r.code, r.stderr)
	}
	if err := orderstest.Compare(b.journal(), crashAcct, b.fake.Sim().Orders(binancetest.DefaultAccount)); err != nil {
		t.Fatal(err)
	}
}
