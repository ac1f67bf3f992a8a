package views

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/vigil-trade/vigil/exchange"
)

// BudgetsKeys is the keymap of the budgets pane.
type BudgetsKeys struct{ ScrollKeys }

// Budgets shows each account's rate-limit buckets as gauges, a ban as a
// countdown, and how many requests wait locally.
type Budgets struct {
	st      *Styles
	keys    BudgetsKeys
	w, h    int
	focused bool
	now     time.Time

	accts accountOrder
	snap  map[string]exchange.BudgetSnapshot

	scrolled
}

// NewBudgets returns an empty budgets pane.
func NewBudgets(st *Styles) *Budgets {
	return &Budgets{st: st, keys: BudgetsKeys{newScrollKeys()}, snap: map[string]exchange.BudgetSnapshot{}}
}

func (p *Budgets) Title() string { return "Budgets" }
func (p *Budgets) Focus()        { p.focused = true; p.stale = true }
func (p *Budgets) Blur()         { p.focused = false; p.stale = true }

func (p *Budgets) SetSize(w, h int) {
	p.w, p.h = w, h
	p.stale = true
}

func (p *Budgets) ShortHelp() []key.Binding  { return []key.Binding{p.keys.Up, p.keys.Down} }
func (p *Budgets) FullHelp() [][]key.Binding { return [][]key.Binding{p.keys.bindings()} }

func (p *Budgets) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case AccountsMsg:
		p.accts.set(msg)
	case BudgetMsg:
		if old, ok := p.snap[msg.Snapshot.Account]; ok && sameBudget(old, msg.Snapshot) && sameShapes(old, msg.Snapshot) {
			return nil
		}
		p.accts.ensure(msg.Snapshot.Account)
		p.snap[msg.Snapshot.Account] = msg.Snapshot
	case TickMsg:
		p.now = msg.Now
	case tea.KeyPressMsg:
		if p.focused {
			p.scroll(p.keys.ScrollKeys, msg, p.h, p.render)
		}
		return nil
	default:
		return nil
	}
	p.stale = true
	return nil
}

func (p *Budgets) View() string { return p.viewOf(p.h, p.render) }

// Version moves when View would show other text (see shown).
func (p *Budgets) Version() uint64 { return p.versionOf(p.h, p.render) }

func (p *Budgets) render() {
	p.lines = p.lines[:0]
	if p.w <= 0 {
		return
	}
	if len(p.accts.list) == 0 {
		p.lines = append(p.lines, fit(p.st.Muted.Render("no accounts"), p.w))
		return
	}
	// Column widths over every bucket for the expanded shapes, over each
	// account's fullest for the one-line ones.
	var c, cs budgetCols
	most, shortest := 0, 0 // shortest: rows of the shortest expanded shape
	for _, name := range p.accts.list {
		c.name = max(c.name, min(maxNameW, len(name)))
		bs := p.snap[name].Buckets
		most = max(most, len(bs))
		shortest += 1 + min(1, len(bs))
		for _, b := range bs {
			c.widen(b)
		}
		if b, ok := fullest(bs); ok {
			cs.widen(b)
		}
	}
	cs.name = c.name
	summary := []blocks{p.gauged(cs, budgetSummary, nil), p.shape(cs, budgetSummary, 0, nil), p.shape(cs, budgetSummaryShort, 0, nil), p.shape(cs, budgetSummaryMin, 0, nil)}
	if !p.focused && shortest > max(p.h, len(p.accts.list)) && slices.ContainsFunc(summary, func(b blocks) bool { return b != nil && b.width() <= p.w }) {
		// No expanded shape fits the height, and a one-line shape (one
		// row per account, fewer than any expanded one) fits the width:
		// pickBlocks would choose among the one-line shapes whatever the
		// expanded ones were. With many accounts this is every tick, and
		// building every expanded shape of every account was most of the
		// pane's cost.
		for _, b := range pickBlocks(p.w, p.h, summary...) {
			p.lines = append(p.lines, b...)
		}
		p.off = clampOff(p.off, len(p.lines), p.h)
		return
	}
	var expanded []blocks
	for k := most; k >= 1; k-- {
		ks := p.spread(k)
		expanded = append(expanded, p.gauged(c, budgetExpanded, ks), p.shape(c, budgetExpanded, 0, ks), p.shape(c, budgetExpandedShort, 0, ks))
	}
	var pick blocks
	if p.focused {
		// Focused, the pane lists every bucket and scrolls: the trader
		// came here for the detail.
		for _, b := range expanded {
			if b.width() <= p.w {
				pick = b
				break
			}
		}
	}
	if pick == nil {
		pick = pickBlocks(p.w, p.h, append(expanded, summary...)...)
	}
	for _, b := range pick {
		p.lines = append(p.lines, b...)
	}
	p.off = clampOff(p.off, len(p.lines), p.h)
}

// budgetCols are the widths that line columns up across accounts.
type budgetCols struct{ name, bucket, count, pct int }

func (c *budgetCols) widen(b exchange.Bucket) {
	c.bucket = max(c.bucket, len(b.Name))
	c.count = max(c.count, len(countOf(b)))
	c.pct = max(c.pct, len(percentText(b)))
}

// budgetShape is one way to lay out an account's budget.
type budgetShape int

const (
	budgetExpanded      budgetShape = iota // a head line, then a line per bucket
	budgetExpandedShort                    // the same without "reset" words
	budgetSummary                          // one line: the fullest bucket, ban and queue
	budgetSummaryShort                     // one line without the reset countdown
	budgetSummaryMin                       // one line: percent and bucket name, ban
)

// countOf is "450/1200". Credit pools and venue allowances run to tens of
// thousands ("37.5k/50k"); windows keep every digit, as a venue's headers
// give them.
func countOf(b exchange.Bucket) string {
	if b.Shape == exchange.ShapeWindow {
		return fmt.Sprintf("%d/%d", b.Used, b.Limit)
	}
	return compact(float64(b.Used)) + "/" + compact(float64(b.Limit))
}

// compact is n in at most five characters or so: 950, 0.33, 37.5k, 1.2M.
func compact(n float64) string {
	unit := ""
	switch {
	case n >= 1_000_000:
		n, unit = n/1_000_000, "M"
	case n >= 10_000:
		n, unit = n/1000, "k"
	}
	scale := 1.0
	switch {
	case n < 1:
		scale = 100
	case n < 100:
		scale = 10
	}
	return strconv.FormatFloat(math.Round(n*scale)/scale, 'f', -1, 64) + unit
}

// sameShapes reports whether two snapshots' buckets free up alike (what
// sameBudget does not compare: shape and rate).
func sameShapes(a, b exchange.BudgetSnapshot) bool {
	return slices.EqualFunc(a.Buckets, b.Buckets, func(x, y exchange.Bucket) bool {
		return x.Shape == y.Shape && x.Rate == y.Rate
	})
}

// freeing says how bucket b frees up: when a window or a reported
// allowance renews ("reset 42s", or "42s" without words), or how fast a
// counter decays or credits refill ("decays 0.33/s", or "−0.33/s").
func (p *Budgets) freeing(b exchange.Bucket, words bool) string {
	if c := b.Caption(); c != "" {
		if !words {
			sign := "−"
			if b.Shape == exchange.ShapeCredits {
				sign = "+"
			}
			c = sign + compact(b.Rate) + "/s"
		}
		return p.st.Muted.Render(c)
	}
	if b.ResetAt.IsZero() || p.now.IsZero() || !b.ResetAt.After(p.now) {
		return ""
	}
	reset := shortDur(b.ResetAt.Sub(p.now))
	if words {
		reset = "reset " + reset
	}
	return p.st.Muted.Render(reset)
}

// gauged is shape sh with gauges as wide as the widest line leaves room
// for (up to 40 cells), or nil when under 4 would fit.
func (p *Budgets) gauged(c budgetCols, sh budgetShape, ks []int) blocks {
	base := p.shape(c, sh, 0, ks)
	if sh == budgetExpanded || sh == budgetExpandedShort {
		// Head lines already fit (their free text gives way); the
		// bucket lines decide the gauge.
		rows := make(blocks, 0, len(base))
		for _, b := range base {
			rows = append(rows, b[1:])
		}
		base = rows
	}
	gw := min(40, p.w-base.width()-2)
	if gw < 4 {
		return nil
	}
	return p.shape(c, sh, gw, ks)
}

// spread is how many buckets each account lists when no account lists more
// than k: then the rows the pane still has to spare go, one at a time and
// account by account, to those with buckets left unlisted, so "+2 more"
// never sits above blank rows.
func (p *Budgets) spread(k int) []int {
	ks := make([]int, len(p.accts.list))
	rows := 0
	for i, name := range p.accts.list {
		n := len(p.snap[name].Buckets)
		ks[i] = min(k, n)
		rows += 1 + ks[i]
	}
	for spare := p.h - rows; spare > 0; {
		grew := false
		for i, name := range p.accts.list {
			if spare > 0 && ks[i] < len(p.snap[name].Buckets) {
				ks[i]++
				spare--
				grew = true
			}
		}
		if !grew {
			break
		}
	}
	return ks
}

// shape renders every account in shape sh, with gauges of gw cells (none
// when 0). The expanded shapes list each account's ks[i] fullest buckets
// (in the venue's order) and count the rest.
func (p *Budgets) shape(c budgetCols, sh budgetShape, gw int, ks []int) blocks {
	out := make(blocks, 0, len(p.accts.list))
	hinted := false
	for i, name := range p.accts.list {
		title := padRight(p.st.Title.Render(name), c.name)
		s, ok := p.snap[name]
		if !ok {
			out = append(out, []string{title + "  " + p.st.Muted.Render("no budget yet")})
			continue
		}
		banned := s.Banned(p.now)
		ban := ""
		if banned {
			ban = p.st.Danger.Render("⚠ BANNED " + shortDur(s.BannedUntil.Sub(p.now)))
		}
		switch sh {
		case budgetExpanded, budgetExpandedShort:
			head := []string{p.st.Title.Render(name)}
			if banned {
				head = append(head, ban)
			}
			shown := fullestK(s.Buckets, ks[i])
			switch {
			case s.Waiting > 0:
				head = append(head, p.st.Warn.Render(fmt.Sprintf("waiting %d", s.Waiting)))
			case len(shown) == len(s.Buckets):
				// Only the full listing spends cells on an empty queue.
				head = append(head, p.st.Muted.Render("waiting 0"))
			}
			hint := ""
			if n := len(s.Buckets) - len(shown); n > 0 {
				head = append(head, p.st.Muted.Render(fmt.Sprintf("+%d more", n)))
				// Focused, the pane lists every bucket and scrolls. Said
				// once, on the first account that hides some.
				if !hinted {
					hint, hinted = p.st.Muted.Render("(focus Budgets to list all)"), true
				}
			}
			reason := ""
			if banned && s.BanReason != "" {
				reason = p.st.Muted.Render(s.BanReason)
			}
			// The ban reason is free text: left out when it does not fit.
			lines := []string{joinWhile(p.w, "  ", head, reason, hint)}
			for _, b := range shown {
				lines = append(lines, "  "+p.bucket(b, c, gw, sh == budgetExpanded))
			}
			out = append(out, lines)
		default:
			b, has := fullest(s.Buckets)
			if sh == budgetSummaryMin {
				// Fewest cells: how full, whether banned, then which bucket.
				parts := []string{title}
				if has {
					parts = append(parts, p.percent(b, true, 0))
				}
				if banned {
					parts = append(parts, ban)
				}
				if has {
					parts = append(parts, b.Name)
				}
				out = append(out, []string{strings.Join(parts, " ")})
				continue
			}
			parts := []string{title}
			if has {
				parts = append(parts, p.bucket(b, c, gw, sh == budgetSummary))
			} else {
				parts = append(parts, p.st.Muted.Render("no buckets"))
			}
			if banned {
				parts = append(parts, ban)
			}
			if s.Waiting > 0 {
				parts = append(parts, p.st.Warn.Render(fmt.Sprintf("waiting %d", s.Waiting)))
			}
			out = append(out, []string{strings.Join(parts, "  ")})
		}
	}
	return out
}

// fullest is the bucket nearest its limit: the one that stops requests first.
func fullest(bs []exchange.Bucket) (exchange.Bucket, bool) {
	var best exchange.Bucket
	bestF := -1.0
	for _, b := range bs {
		f := 0.0
		if b.Limit > 0 {
			f = float64(b.Used) / float64(b.Limit)
		}
		if f > bestF {
			best, bestF = b, f
		}
	}
	return best, bestF >= 0
}

// fullestK is the k fullest buckets, in their original order.
func fullestK(bs []exchange.Bucket, k int) []exchange.Bucket {
	if k >= len(bs) {
		return bs
	}
	idx := make([]int, len(bs))
	for i := range idx {
		idx[i] = i
	}
	fill := func(b exchange.Bucket) float64 {
		if b.Limit <= 0 {
			return 0
		}
		return float64(b.Used) / float64(b.Limit)
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(fill(bs[b]), fill(bs[a])) })
	idx = idx[:k]
	slices.Sort(idx)
	out := make([]exchange.Bucket, 0, k)
	for _, i := range idx {
		out = append(out, bs[i])
	}
	return out
}

// percentText is "38%", "87% high" or "108% FULL": the words carry the
// warning without colour.
func percentText(b exchange.Bucket) string {
	percent := 0
	if b.Limit > 0 {
		percent = b.Used * 100 / b.Limit
	}
	pc := fmt.Sprintf("%3d%%", percent)
	switch {
	case percent >= 95:
		pc += " FULL"
	case percent >= 80:
		pc += " high"
	}
	return pc
}

// percent is percentText styled; unless tight, padded to w so it lines up.
func (p *Budgets) percent(b exchange.Bucket, tight bool, w int) string {
	pc := percentText(b)
	switch {
	case strings.HasSuffix(pc, "FULL"):
		pc = p.st.Danger.Render(pc)
	case strings.HasSuffix(pc, "high"):
		pc = p.st.Warn.Render(pc)
	}
	if tight {
		return pc
	}
	return padRight(pc, w)
}

// bucket is "weight/1m  ████░░░░  450/1200   38%       reset 42s" (or
// "decays 0.33/s", "refills 10000/s" in place of the reset), with a gauge
// of gw cells (none when 0).
func (p *Budgets) bucket(b exchange.Bucket, c budgetCols, gw int, resetWord bool) string {
	parts := []string{padRight(b.Name, c.bucket), "", padLeft(countOf(b), c.count), p.percent(b, false, c.pct), p.freeing(b, resetWord)}
	if gw > 0 {
		parts[1] = gauge(p.st, b.Used, b.Limit, gw)
	}
	return strings.TrimRight(joinFit(1<<20, "  ", parts...), " ")
}
