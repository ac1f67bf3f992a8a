package views

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/vigil-trade/vigil/exchange"
)

// shapeFixture is one account per budget shape a venue may have: a
// decaying REST counter and per-pair order counter, a credit pool, a
// reported allowance with a reset and one without.
func shapeFixture() []any {
	accts := AccountsMsg{}
	for _, n := range []string{"dc-main", "cr-main", "rp-main", "rp-wallet"} {
		accts.Accounts = append(accts.Accounts, exchange.AccountInfo{Name: n, Network: exchange.Testnet})
	}
	snaps := []exchange.BudgetSnapshot{
		{Account: "dc-main", At: t0, Buckets: []exchange.Bucket{
			{Name: "rest", Used: 12, Limit: 20, Shape: exchange.ShapeDecay, Rate: 0.33},
			{Name: "XBT/USD", Used: 150, Limit: 180, Shape: exchange.ShapeDecay, Rate: 3.75},
		}},
		{Account: "cr-main", At: t0, Buckets: []exchange.Bucket{
			{Name: "non-matching", Used: 37500, Limit: 50000, Shape: exchange.ShapeCredits, Rate: 10000},
			{Name: "matching", Used: 2000, Limit: 20000, Shape: exchange.ShapeCredits, Rate: 5000},
		}},
		{Account: "rp-main", At: t0, Buckets: []exchange.Bucket{
			{Name: "private", Used: 12, Limit: 30, Shape: exchange.ShapeReported, ResetAt: t0.Add(12 * time.Second)},
		}},
		{Account: "rp-wallet", At: t0, Buckets: []exchange.Bucket{
			{Name: "actions", Used: 2890, Limit: 2864574, Shape: exchange.ShapeReported},
		}},
	}
	msgs := []any{accts, TickMsg{Now: t0}}
	for _, s := range snaps {
		msgs = append(msgs, BudgetMsg{Snapshot: s})
	}
	return msgs
}

func newShapesPane() *Budgets {
	p := NewBudgets(testStyles())
	for _, m := range shapeFixture() {
		p.Update(m)
	}
	return p
}

func TestBudgetsShapesGauge(t *testing.T) {
	p := newShapesPane()
	p.SetSize(80, 24)
	v := p.View()
	assertFits(t, "budgets_shapes_80x24", v, 80, 24)
	golden(t, "budgets_shapes_80x24", v)
	plain := ansi.Strip(v)
	for _, want := range []string{
		"12/20", "decays 0.33/s", "decays 3.75/s", // a decaying counter's level and rate
		"37.5k/50k", "75%", "refills 10000/s", // credits spent of the pool, and the refill
		"12/30", "reset 12s", // a reported allowance and its reset
		"2890/2.9M", // an allowance of millions
	} {
		if !strings.Contains(plain, want) {
			t.Errorf("80x24 view lacks %q:\n%s", want, plain)
		}
	}
	// Every bucket has a gauge, whatever its shape.
	if n := strings.Count(plain, "░"); n == 0 || strings.Count(plain, "\n  ") < 6 {
		t.Errorf("gauges missing:\n%s", plain)
	}
}

// Narrow, the captions lose their words but keep the sign of their
// direction; one-line summaries still name the fullest bucket.
func TestBudgetsShapesNarrow(t *testing.T) {
	p := newShapesPane()
	for _, sz := range []struct{ w, h int }{{78, 10}, {60, 12}, {50, 4}, {40, 4}, {30, 3}, {160, 48}} {
		p.SetSize(sz.w, sz.h)
		v := p.View()
		assertFits(t, fmt.Sprintf("budgets_shapes_%dx%d", sz.w, sz.h), v, sz.w, sz.h)
	}
	p.SetSize(60, 12)
	plain := ansi.Strip(p.View())
	if !strings.Contains(plain, "−0.33/s") && !strings.Contains(plain, "decays 0.33/s") {
		t.Errorf("60x12: no decay rate:\n%s", plain)
	}
	if !strings.Contains(plain, "+10k/s") && !strings.Contains(plain, "refills 10000/s") {
		t.Errorf("60x12: no refill rate:\n%s", plain)
	}
}

// Any mix of shapes, sizes and numbers fits its rectangle.
func TestBudgetsShapesFitProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 7))
	shapes := []exchange.Shape{exchange.ShapeWindow, exchange.ShapeDecay, exchange.ShapeCredits, exchange.ShapeReported}
	for i := range 300 {
		p := NewBudgets(testStyles())
		var accts AccountsMsg
		var snaps []exchange.BudgetSnapshot
		for a := range 1 + rng.IntN(4) {
			name := fmt.Sprintf("acct-%d", a)
			accts.Accounts = append(accts.Accounts, exchange.AccountInfo{Name: name})
			s := exchange.BudgetSnapshot{Account: name, At: t0, Waiting: rng.IntN(3)}
			for k := range rng.IntN(5) {
				lim := []int{0, 1, 20, 180, 50000, 2864574}[rng.IntN(6)]
				b := exchange.Bucket{Name: fmt.Sprintf("b%d", k), Used: rng.IntN(lim*2 + 1), Limit: lim, Shape: shapes[rng.IntN(4)]}
				switch b.Shape {
				case exchange.ShapeWindow:
					b.Window, b.ResetAt = time.Minute, t0.Add(time.Duration(rng.IntN(60))*time.Second)
				case exchange.ShapeDecay, exchange.ShapeCredits:
					b.Rate = []float64{0.33, 2.34, 10000, 123456.789}[rng.IntN(4)]
				case exchange.ShapeReported:
					if rng.IntN(2) == 0 {
						b.ResetAt = t0.Add(time.Duration(rng.IntN(3600)) * time.Second)
					}
				}
				s.Buckets = append(s.Buckets, b)
			}
			snaps = append(snaps, s)
		}
		p.Update(accts)
		p.Update(TickMsg{Now: t0})
		for _, s := range snaps {
			p.Update(BudgetMsg{Snapshot: s})
		}
		if rng.IntN(2) == 0 {
			p.Focus()
		}
		w, h := 20+rng.IntN(150), 1+rng.IntN(40)
		p.SetSize(w, h)
		assertFits(t, fmt.Sprintf("case %d (%dx%d)", i, w, h), p.View(), w, h)
	}
}

// A snapshot that differs only in how a bucket frees up is news.
func TestBudgetsShapesRateChangeRedraws(t *testing.T) {
	p := newShapesPane()
	p.SetSize(80, 24)
	before := ansi.Strip(p.View())
	p.Update(BudgetMsg{Snapshot: exchange.BudgetSnapshot{Account: "dc-main", At: t0.Add(time.Second), Buckets: []exchange.Bucket{
		{Name: "rest", Used: 12, Limit: 20, Shape: exchange.ShapeDecay, Rate: 1},
		{Name: "XBT/USD", Used: 150, Limit: 180, Shape: exchange.ShapeDecay, Rate: 3.75},
	}}})
	after := ansi.Strip(p.View())
	if before == after || !strings.Contains(after, "decays 1/s") {
		t.Fatalf("rate change not shown:\n%s", after)
	}
}

func TestCompactCount(t *testing.T) {
	for n, want := range map[float64]string{0: "0", 950: "950", 9999: "9999", 10000: "10k", 37500: "37.5k",
		2864574: "2.9M", 0.33: "0.33", 0.5: "0.5", 2.34: "2.3", 3.75: "3.8", 123456.789: "123k"} {
		if got := compact(n); got != want {
			t.Errorf("compact(%v) = %q, want %q", n, got, want)
		}
	}
}
