package views

import (
	"testing"
)

// Cases the property tests (property_test.go) found or that issue 11
// reported, kept as plain tests so they read as what they are.

// An account snapshot that drops rows used to leave vis pointing at the
// tail slices.DeleteFunc had zeroed, and resort dereferenced a nil row.
func TestBlotterSnapshotThatRemovesRows(t *testing.T) {
	for _, tc := range []struct {
		name string
		keep int // orders of the account left in the second snapshot
	}{{"empty", 0}, {"shrunk", 1}} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewBlotter(testStyles())
			feed(p, fixtureOrders(2, 4))
			p.SetSize(120, 12)
			p.Focus()
			p.Update(press(t, p.keys.End)) // select a row past what the shrunk snapshot keeps
			m := fixtureOrders(1, 4)[0].(OrdersMsg)
			m.Orders = m.Orders[:tc.keep]
			p.Update(m)
			if got, want := p.Len(), 4+tc.keep; got != want {
				t.Fatalf("Len %d, want %d", got, want)
			}
			if p.Visible() != p.Len() {
				t.Fatalf("Visible %d, Len %d with no filter", p.Visible(), p.Len())
			}
			for i := range p.Visible() {
				if p.vis[i] == nil {
					t.Fatalf("visible row %d is nil", i)
				}
			}
			if o, ok := p.Selected(); !ok || o.Account == "" {
				t.Fatalf("selection lost: %+v %v", o, ok)
			}
			assertFits(t, "blotter", p.View(), 120, 12)
		})
	}
}
