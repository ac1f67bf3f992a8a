package views

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
)

// TestBlotterRetention: past its cap of final orders the blotter lets the
// oldest final ones go, keeps every order that still needs watching, keeps
// the selection on its order, and says where the rest went.
func TestBlotterRetention(t *testing.T) {
	p := NewBlotter(testStyles())
	p.maxFinal = 5
	p.SetSize(120, 20)
	p.Focus()
	var orders []exchange.Order
	for i := range 12 {
		o := fixtureOrder(acctNames[0], i)
		o.Status, o.Filled = exchange.StatusFilled, o.Qty
		switch i {
		case 2, 7:
			o.Status = exchange.StatusNew
		case 9:
			o.Status = exchange.StatusUnknown // older than every kept final one
		}
		orders = append(orders, o)
	}
	p.Update(OrdersMsg{Account: acctNames[0], Orders: orders})
	// Newest first: 0 1 3 4 5 are the five newest final ones; 6 8 10 11 go.
	want := []int{2, 7, 0, 1, 3, 4, 5, 9}
	if got := blotterIndexes(p); !slices.Equal(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	if f := lastLine(p.View()); !strings.Contains(f, "8 orders  2 open  older in the journal") {
		t.Fatalf("footer %q", f)
	}

	// Select order 3, then close order 7: it keeps its creation time, so
	// it sorts among the final ones as the oldest of six, and goes itself.
	for range 3 {
		p.Update(press(t, p.keys.Down))
	}
	if o, _ := p.Selected(); o.ClientID != orders[1].ClientID {
		t.Fatalf("selected %s, want %s", o.ClientID, orders[1].ClientID)
	}
	p.Update(press(t, p.keys.Down))
	closed := orders[7]
	closed.Status, closed.Updated = exchange.StatusCanceled, closed.Updated.Add(time.Second)
	p.Update(OrderEventMsg{Event: eventOf(closed)})
	want = []int{2, 0, 1, 3, 4, 5, 9}
	if got := blotterIndexes(p); !slices.Equal(got, want) {
		t.Fatalf("after closing 7: rows %v, want %v", got, want)
	}
	if o, _ := p.Selected(); o.ClientID != orders[3].ClientID {
		t.Fatalf("selection moved to %s, want %s", o.ClientID, orders[3].ClientID)
	}

	// A late report of an order that left does not bring it back: it is
	// older than every final order kept.
	late := orders[11]
	late.Updated = late.Updated.Add(time.Minute)
	p.Update(OrderEventMsg{Event: eventOf(late)})
	if got := blotterIndexes(p); !slices.Equal(got, want) {
		t.Fatalf("after a late report of 11: rows %v, want %v", got, want)
	}

	// The unknown order stays however many final ones arrive after it.
	for i := 100; i < 110; i++ {
		o := fixtureOrder(acctNames[1], i)
		o.Status, o.Created = exchange.StatusFilled, t0.Add(time.Duration(i)*time.Second)
		o.Updated = o.Created
		p.Update(OrderEventMsg{Event: eventOf(o)})
	}
	if _, ok := p.byKey[rowKey(acctNames[0], orders[9])]; !ok || p.Len() != 1+5+1 {
		t.Fatalf("%d rows (unknown order kept: %v), want the open one, five final and the unknown one", p.Len(), ok)
	}
}

func blotterIndexes(p *Blotter) []int {
	var out []int
	for _, r := range p.rows {
		var i int
		if _, err := fmt.Sscanf(r.o.ClientID[4:], "%d", &i); err != nil {
			panic(r.o.ClientID)
		}
		out = append(out, i)
	}
	return out
}

func lastLine(view string) string {
	lines := splitLines(ansi.Strip(view))
	return lines[len(lines)-1]
}

// TestBlotterCapProperties plays the blotter property test's sequences into
// a blotter capped at a few final rows beside an uncapped twin: the capped
// one stays sorted and consistent, holds no more final rows than its cap,
// and every order the twin holds that is not final (open, pending,
// unknown) it holds too, in the same state.
func TestBlotterCapProperties(t *testing.T) {
	for seed := range uint64(propSeeds) {
		pp := newBlotterProp(testStyles())
		capped := pp.pane.(*Blotter)
		capped.maxFinal = 7
		twin := NewBlotter(testStyles())
		twin.maxFinal = 0
		pp.name = "capped blotter"
		pp.model = &cappedModel{p: capped, twin: twin}
		if err := pp.run(rand.New(rand.NewPCG(seed, 12)), propSteps*4); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

type cappedModel struct {
	p, twin *Blotter
}

func (m *cappedModel) apply(s any, _ tea.Cmd) error {
	switch s := s.(type) {
	case sizeOp:
		m.twin.SetSize(s.w, s.h)
	case focusOp:
		if s.on {
			m.twin.Focus()
		} else {
			m.twin.Blur()
		}
	default:
		m.twin.Update(s)
	}
	return nil
}

func (m *cappedModel) check() error {
	p := m.p
	finals := 0
	for i, r := range p.rows {
		if i > 0 && cmpRows(p.rows[i-1], r) >= 0 {
			return fmt.Errorf("row %d %q out of order", i, r.key)
		}
		if p.byKey[r.key] != r {
			return fmt.Errorf("row %q is not the one byKey holds", r.key)
		}
		if r.o.Status.Final() {
			finals++
		}
	}
	if finals != p.finals || finals > p.maxFinal || len(p.byKey) != len(p.rows) {
		return fmt.Errorf("%d final rows (counted %d, cap %d), %d rows, byKey %d", finals, p.finals, p.maxFinal, len(p.rows), len(p.byKey))
	}
	var want []*blotRow
	for _, r := range p.rows {
		if p.passes(r) {
			want = append(want, r)
		}
	}
	if !slices.Equal(p.vis, want) {
		return fmt.Errorf("vis holds %d rows, the filter %q passes %d", len(p.vis), p.query, len(want))
	}
	if n := len(p.vis); n > 0 && (p.sel < 0 || p.sel >= n) {
		return fmt.Errorf("selection %d of %d", p.sel, n)
	}
	for _, r := range m.twin.rows {
		if r.o.Status.Final() {
			continue
		}
		if c, ok := p.byKey[r.key]; !ok || c.o.Status != r.o.Status || !c.o.Filled.Equal(r.o.Filled) {
			return fmt.Errorf("%s order %q of the uncapped twin is missing or differs (%v)", r.o.Status, r.key, ok)
		}
	}
	return nil
}

// TestBlotterVersion: a change to an order on screen moves the blotter's
// Version even when the order keeps its place; a change to one scrolled
// out of sight that moves nothing leaves it, so the frame is not rebuilt.
func TestBlotterVersion(t *testing.T) {
	p := NewBlotter(testStyles())
	feed(p, fixtureOrders(1, 200))
	p.SetSize(120, 10)
	fill := func(i int) {
		o := fixtureOrder(acctNames[0], i)
		if o.Status != exchange.StatusPartiallyFilled {
			t.Fatalf("order %d is %s", i, o.Status)
		}
		o.Filled, o.Updated = o.Filled.Add(d("0.001")), o.Updated.Add(time.Second)
		p.Update(OrderEventMsg{Event: eventOf(o)})
	}
	// Open rows first, newest first: order 2 is the second row, order 194
	// the last open one, far below the eight rows shown.
	v := p.Version()
	before := p.View()
	fill(2)
	if p.Version() == v || p.View() == before {
		t.Fatalf("a fill on screen: version %d -> %d, view changed %v", v, p.Version(), p.View() != before)
	}
	v, before = p.Version(), p.View()
	fill(194)
	if p.Version() != v || p.View() != before {
		t.Fatalf("a fill off screen: version %d -> %d, view changed %v", v, p.Version(), p.View() != before)
	}
}
