package views

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// BlotterKeys is the keymap of the blotter.
type BlotterKeys struct {
	ScrollKeys
	Filter      key.Binding
	ClearFilter key.Binding
	Apply       key.Binding
	Cancel      key.Binding
	CancelAll   key.Binding
	OpenOnly    key.Binding
	Sort        key.Binding
	Reverse     key.Binding
	CopyClient  key.Binding
	CopyOrder   key.Binding
}

// Blotter lists open and recent orders across accounts.
//
// Order: open orders (NEW, PARTIALLY_FILLED) first, then everything else;
// within each group newest first by creation time. Open orders on top
// because they are what a cancel acts on; history below. Times are UTC.
//
// Rows are rendered once per change of the order (or of the pane width) and
// cached; View only joins the visible window, so thousands of orders cost no
// more per frame than a screenful. Rows stay sorted: an event inserts or
// moves its row by binary search rather than sorting them all, so a busy
// stream costs the same with 100,000 orders as with 100.
//
// Memory is bounded by a count: every order that is not final stays (open,
// pending, unknown), and the newest keepFinal final ones (filled,
// cancelled, rejected, expired); older final orders leave the blotter, not
// the journal, where `vigil order list` and the journal commands still
// find them.
type Blotter struct {
	st      *Styles
	keys    BlotterKeys
	w, h    int
	focused bool

	byKey map[string]*blotRow
	rows  []*blotRow // sorted, all orders
	vis   []*blotRow // rows passing the filter
	sel   int        // index in vis
	off   int
	// top: the cursor stays on the first row as orders arrive above it,
	// until a key moves it down (home brings it back). A cockpit opened on
	// a busy account starts at the newest order, not mid-list.
	top bool
	// note says why the last key did nothing (a cancel on a closed
	// order); the footer shows it until the next key.
	note string

	filter    textinput.Model
	filtering bool
	query     string
	// openOnly hides every order that is not open (a toggle).
	openOnly bool
	// sortBy and desc are the order the user chose (s, S); the default,
	// open first and newest first, is sortTime descending. Any other order
	// is a comparator with the default as tie-break, so vis stays sorted
	// by it and events still insert by binary search: the only full sort
	// is the one when the user changes the order.
	sortBy sortCol
	desc   bool
	// info confirms what the last key did ("copied …"); shown in the
	// footer until the next key, like note, but not as a warning.
	info string
	// zone is the zone times are shown in; a nil Loc is UTC.
	zone TimeZoneMsg

	cols   []blotCol
	header string
	// content holds the widest value seen per column (account names from
	// AccountsMsg too). Columns are sized from it, so a narrow pane spends
	// its cells on facts rather than padding. It only grows; each growth
	// bumps gen, which every cached row checks.
	content [nCols]int
	gen     int

	maxFinal int  // final rows kept; the oldest beyond it leave
	finals   int  // final rows held
	capped   bool // some left: the footer says where they went
	ver      uint64
}

// keepFinal is how many final orders the blotter keeps: a few weeks of
// busy trading, and a few megabytes.
const keepFinal = 10_000

type blotRow struct {
	key    string
	o      exchange.Order
	hay    string // lower-cased text the filter searches
	w      int    // width the strings below were rendered for; 0: stale
	gen    int    // column layout generation they were rendered for
	styled string
	plain  string
}

// NewBlotter returns an empty blotter.
func NewBlotter(st *Styles) *Blotter {
	ti := textinput.New()
	ti.Prompt = "/"
	ti.Placeholder = "account, symbol, side, type, price, qty, status or id"
	ti.CharLimit = 64
	tis := ti.Styles()
	tis.Cursor.Blink = false
	ti.SetStyles(tis)
	return &Blotter{
		st:       st,
		byKey:    map[string]*blotRow{},
		filter:   ti,
		maxFinal: keepFinal,
		top:      true,
		keys: BlotterKeys{
			ScrollKeys:  newScrollKeys(),
			Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
			ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
			Apply:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
			Cancel:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "cancel order")),
			CancelAll:   key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "cancel all (account)")),
			OpenOnly:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "open only / all")),
			Sort:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by next column")),
			Reverse:     key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse sort")),
			CopyClient:  key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy client id")),
			CopyOrder:   key.NewBinding(key.WithKeys("Y"), key.WithHelp("Y", "copy venue order id")),
		},
		desc: true,
	}
}

func (p *Blotter) Title() string { return "Orders" }
func (p *Blotter) Focus()        { p.focused = true; p.ver++ }
func (p *Blotter) Blur()         { p.focused = false; p.stopFiltering(); p.ver++ }

// Version moves whenever View would show something else: an order on
// screen or the counts changed, a key was handled, the size changed. An
// event for an order off screen that moves no row leaves it alone.
func (p *Blotter) Version() uint64 { return p.ver }

// Filtering reports whether the filter input has the keyboard, so ui can
// let typed letters through instead of treating them as global keys.
func (p *Blotter) Filtering() bool { return p.filtering }

// Len is the number of orders held; Visible the number passing the filter.
func (p *Blotter) Len() int     { return len(p.rows) }
func (p *Blotter) Visible() int { return len(p.vis) }

// Selected returns the selected order, if any.
func (p *Blotter) Selected() (exchange.Order, bool) {
	if p.sel < 0 || p.sel >= len(p.vis) {
		return exchange.Order{}, false
	}
	return p.vis[p.sel].o, true
}

func (p *Blotter) ShortHelp() []key.Binding {
	if p.filtering {
		return []key.Binding{p.keys.Apply, p.keys.ClearFilter}
	}
	return []key.Binding{p.keys.Filter, p.keys.Cancel, p.keys.CancelAll, p.keys.OpenOnly, p.keys.Sort, p.keys.CopyClient}
}

func (p *Blotter) FullHelp() [][]key.Binding {
	return [][]key.Binding{p.keys.bindings(), {p.keys.Filter, p.keys.ClearFilter, p.keys.Cancel, p.keys.CancelAll},
		{p.keys.OpenOnly, p.keys.Sort, p.keys.Reverse, p.keys.CopyClient, p.keys.CopyOrder}}
}

func (p *Blotter) SetSize(w, h int) {
	p.ver++
	if w != p.w {
		// Row caches check their width lazily: only rows that get shown
		// are rendered again.
		p.w = w
		p.layoutCols()
	}
	p.w, p.h = w, h
	p.filter.SetWidth(max(1, w-2))
	p.sel = min(p.sel, max(0, len(p.vis)-1))
	p.off = follow(clampOff(p.off, len(p.vis), p.page()), p.sel, p.page())
}

// page is the number of order rows that fit under the header and above the
// footer.
func (p *Blotter) page() int {
	if p.h >= 3 {
		return p.h - 2
	}
	return max(0, p.h)
}

func rowKey(account string, o exchange.Order) string {
	if o.ClientID != "" {
		return account + "\x00" + o.ClientID
	}
	return account + "\x00#" + o.OrderID
}

// layoutCols sizes the columns for the width and the content seen.
func (p *Blotter) layoutCols() {
	p.cols = blotColumns(p.w, p.content)
	p.renderHeader()
	p.gen++
	p.ver++
}

// measure widens the content widths for o; it reports whether any grew.
func (p *Blotter) measure(o exchange.Order) bool {
	grew := false
	grow := func(c, n int) {
		if n > p.content[c] {
			p.content[c], grew = n, true
		}
	}
	grow(colAccount, len(o.Account))
	grow(colSymbol, len(o.Symbol))
	grow(colPrice, len(priceCell(o)))
	grow(colQty, len(o.Qty.String()))
	grow(colFilled, len(o.Filled.String()))
	return grew
}

func (p *Blotter) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case AccountsMsg:
		grew := false
		for _, a := range msg.Accounts {
			grew = p.measure(exchange.Order{Account: a.Name}) || grew
		}
		if grew && p.w > 0 {
			p.layoutCols()
		}
	case OrdersMsg:
		p.replace(msg)
	case TimeZoneMsg:
		p.zone = msg
		p.gen++ // every cached row renders its time again
		p.ver++
	case OrderEventMsg:
		o := msg.Event.Order
		if o.Account == "" {
			o.Account = msg.Event.Account
		}
		p.apply(o)
	case tea.KeyPressMsg:
		if p.focused {
			p.ver++
			return p.key(msg)
		}
	case ClickMsg:
		p.click(msg) // views/mouse.go
	}
	return nil
}

func (p *Blotter) key(msg tea.KeyPressMsg) tea.Cmd {
	p.note, p.info = "", ""
	if p.filtering {
		switch {
		case key.Matches(msg, p.keys.ClearFilter):
			p.filter.SetValue("")
			p.setQuery("")
			p.stopFiltering()
		case key.Matches(msg, p.keys.Apply):
			p.stopFiltering()
		default:
			var cmd tea.Cmd
			p.filter, cmd = p.filter.Update(msg)
			p.setQuery(p.filter.Value())
			return cmd
		}
		return nil
	}
	switch {
	case key.Matches(msg, p.keys.Filter):
		p.filtering = true
		p.keys.ClearFilter.SetEnabled(true)
		return p.filter.Focus()
	case key.Matches(msg, p.keys.ClearFilter):
		p.filter.SetValue("")
		p.setQuery("")
	case key.Matches(msg, p.keys.Cancel):
		o, ok := p.Selected()
		switch {
		case !ok:
			p.note = "no order selected"
		case o.Status.Open():
			return intent(CancelOrder{Account: o.Account, Ref: exchange.OrderRef{Symbol: o.Symbol, ClientID: o.ClientID, OrderID: o.OrderID}, Order: o})
		default:
			p.note = fmt.Sprintf("nothing to cancel: %s is already %s", orderName(o), o.Status)
		}
	case key.Matches(msg, p.keys.CancelAll):
		if o, ok := p.Selected(); ok {
			return intent(CancelAll{Account: o.Account, Open: p.openOf(o.Account)})
		}
	case key.Matches(msg, p.keys.OpenOnly):
		p.openOnly = !p.openOnly
		p.resort()
	case key.Matches(msg, p.keys.Sort):
		p.sortBy = (p.sortBy + 1) % nSortCols
		// Times and prices read newest / highest first, names A to Z.
		p.desc = p.sortBy == sortTime || p.sortBy == sortPrice
		p.resort()
	case key.Matches(msg, p.keys.Reverse):
		p.desc = !p.desc
		p.resort()
	case key.Matches(msg, p.keys.CopyClient), key.Matches(msg, p.keys.CopyOrder):
		o, ok := p.Selected()
		what, id := "client id", o.ClientID
		if key.Matches(msg, p.keys.CopyOrder) {
			what, id = "venue order id", o.OrderID
		}
		switch {
		case !ok:
			p.note = "no order selected"
		case id == "":
			p.note = fmt.Sprintf("%s has no %s", orderName(o), what)
		default:
			// OSC 52: the terminal sets the clipboard, over SSH too
			// (tmux needs set -g set-clipboard on).
			p.info = fmt.Sprintf("copied %s %s", what, id)
			return tea.SetClipboard(id)
		}
	default:
		if sel, ok := p.keys.move(msg, p.sel, len(p.vis), p.page()); ok {
			p.sel = sel
			p.top = sel == 0
			p.off = follow(p.off, p.sel, p.page())
		}
	}
	return nil
}

func (p *Blotter) stopFiltering() {
	p.filtering = false
	p.filter.Blur()
}

// replace swaps in an account's orders. An order already shown keeps its
// more advanced state if the snapshot is older than an event we applied.
// The new rows are sorted among themselves and merged into the sorted
// rest: a history of 100,000 orders is sorted once, not per account.
func (p *Blotter) replace(msg OrdersMsg) {
	sel := p.followed()
	keep := make(map[string]bool, len(msg.Orders))
	grew, moved := false, false
	var fresh []*blotRow
	for _, o := range msg.Orders {
		if o.Account == "" {
			o.Account = msg.Account
		}
		grew = p.measure(o) || grew
		k := rowKey(o.Account, o)
		keep[k] = true
		if r, ok := p.byKey[k]; ok {
			if next := exchange.MergeOrder(r.o, o); !sameOrder(r.o, next) {
				moved = moved || sortMoves(r.o, next)
				p.tally(r, -1)
				r.set(next)
				p.tally(r, 1)
			}
			continue
		}
		r := &blotRow{key: k}
		r.set(o)
		p.byKey[k] = r
		p.tally(r, 1)
		fresh = append(fresh, r)
	}
	p.rows = slices.DeleteFunc(p.rows, func(r *blotRow) bool {
		if r.o.Account == msg.Account && !keep[r.key] {
			delete(p.byKey, r.key)
			p.tally(r, -1)
			return true
		}
		return false
	})
	if moved {
		slices.SortFunc(p.rows, cmpRows)
	}
	slices.SortFunc(fresh, cmpRows)
	p.rows = mergeRows(p.rows, fresh)
	p.trim()
	if grew && p.w > 0 {
		p.layoutCols()
	}
	p.refilter()
	p.reselect(sel)
	p.ver++
}

// apply updates one order from an event with exchange.MergeOrder, the
// merge the order state and the desk's journal use: a repeated or older
// event never moves a row back, and a fill after a cancel still counts. The row is inserted, or taken out and put
// back, by binary search; the selection follows its order, not its index,
// or c would cancel a neighbour.
func (p *Blotter) apply(o exchange.Order) {
	if p.measure(o) && p.w > 0 {
		p.layoutCols()
	}
	filtered := p.separate()
	k := rowKey(o.Account, o)
	r, ok := p.byKey[k]
	if !ok {
		sel := p.followed()
		r = &blotRow{key: k}
		r.set(o)
		p.byKey[k] = r
		p.tally(r, 1)
		p.rows = insertRow(p.rows, r, cmpRows)
		if filtered && p.passes(r) {
			p.vis = insertRow(p.vis, r, p.vcmp())
		}
		p.syncVis()
		p.trim()
		p.reselect(sel)
		p.ver++
		return
	}
	next := exchange.MergeOrder(r.o, o)
	if sameOrder(r.o, next) {
		return
	}
	sel := p.followed()
	moves := sortMoves(r.o, next)
	if sel == r && r.o.Status.Open() && !next.Status.Open() {
		// An order that closes (cancelled, filled) leaves for the closed
		// rows; the cursor stays where it was, on the next open order,
		// rather than following it to where c can do nothing.
		sel = nil
	}
	wasVis := filtered && p.passes(r)
	vcmp := p.vcmp()
	// A sort the user chose may move the row when rows keep their
	// default order (a price filled in), so vis always takes it out and
	// puts it back when it is its own slice: two binary searches.
	visAt := -1
	if wasVis {
		// Taken out under its old place in the order, before it changes.
		visAt = indexRow(p.vis, r, vcmp)
		p.vis = removeRow(p.vis, r, vcmp)
	}
	if moves {
		p.rows = removeRow(p.rows, r, cmpRows)
	}
	p.tally(r, -1)
	r.set(next)
	p.tally(r, 1)
	nowVis := filtered && p.passes(r)
	if moves {
		p.rows = insertRow(p.rows, r, cmpRows)
	}
	visMoved := false
	if nowVis {
		p.vis = insertRow(p.vis, r, vcmp)
		visMoved = indexRow(p.vis, r, vcmp) != visAt
	}
	p.syncVis()
	trimmed := p.trim()
	if moves || wasVis != nowVis || visMoved || trimmed || p.onScreen(r) {
		p.ver++
	}
	p.reselect(sel)
}

// sortMoves reports whether an order going from cur to next changes its
// place in the blotter's order; an order known only by its update time
// moves with each update.
func sortMoves(cur, next exchange.Order) bool {
	return cur.Status.Open() != next.Status.Open() || orderTime(cur) != orderTime(next)
}

// cmpRows is the blotter's order: open first, then newest first, then by
// key, so no two rows compare equal and a binary search finds a row.
func cmpRows(a, b *blotRow) int {
	ao, bo := a.o.Status.Open(), b.o.Status.Open()
	if ao != bo {
		if ao {
			return -1
		}
		return 1
	}
	at, bt := orderTime(a.o), orderTime(b.o)
	if at != bt {
		if at > bt {
			return -1
		}
		return 1
	}
	return strings.Compare(a.key, b.key)
}

// rowCmp is an order of rows; every one breaks ties by cmpRows, so no two
// rows compare equal and a binary search finds a row.
type rowCmp func(a, b *blotRow) int

func insertRow(rows []*blotRow, r *blotRow, cmp rowCmp) []*blotRow {
	i, _ := slices.BinarySearchFunc(rows, r, cmp)
	return slices.Insert(rows, i, r)
}

// removeRow takes r out of rows, which must hold it at the place its
// current fields sort to by cmp.
func removeRow(rows []*blotRow, r *blotRow, cmp rowCmp) []*blotRow {
	if i := indexRow(rows, r, cmp); i >= 0 {
		return slices.Delete(rows, i, i+1)
	}
	return rows
}

// indexRow is r's index in rows, sorted by cmp, or -1.
func indexRow(rows []*blotRow, r *blotRow, cmp rowCmp) int {
	if i, ok := slices.BinarySearchFunc(rows, r, cmp); ok && rows[i] == r {
		return i
	}
	return -1
}

// Sorting ---------------------------------------------------------------

type sortCol int

// The columns s cycles through; sortTime descending is the default order.
const (
	sortTime sortCol = iota
	sortSymbol
	sortSide
	sortPrice
	sortStatus
	nSortCols
)

// sortColumn is the blotter column a sort shows its arrow on.
var sortColumn = [nSortCols]int{sortTime: colTime, sortSymbol: colSymbol, sortSide: colSide, sortPrice: colPrice, sortStatus: colStatus}

// custom reports whether the user chose an order other than the default.
func (p *Blotter) custom() bool { return p.sortBy != sortTime || !p.desc }

// vcmp is the order of vis: the default one, or the one the user chose.
func (p *Blotter) vcmp() rowCmp {
	if !p.custom() {
		return cmpRows
	}
	by, desc := p.sortBy, p.desc
	return func(a, b *blotRow) int {
		c := 0
		switch by {
		case sortTime:
			c = cmpInt(orderTime(a.o), orderTime(b.o))
		case sortSymbol:
			c = strings.Compare(a.o.Symbol, b.o.Symbol)
		case sortSide:
			c = strings.Compare(string(a.o.Side), string(b.o.Side))
		case sortPrice:
			c = shownPrice(a.o).Cmp(shownPrice(b.o))
		case sortStatus:
			c = cmpInt(a.o.Status.Rank(), b.o.Status.Rank())
			if c == 0 {
				c = strings.Compare(string(a.o.Status), string(b.o.Status))
			}
		}
		if desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return cmpRows(a, b)
	}
}

func cmpInt[T int | int64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// separate reports whether vis is its own slice rather than rows: a
// filter, open only or a sort of the user's.
func (p *Blotter) separate() bool { return p.query != "" || p.openOnly || p.custom() }

// resort rebuilds vis after the filter, open-only or the sort changed,
// and puts the cursor back on the top row.
func (p *Blotter) resort() {
	p.refilter()
	p.sel, p.off, p.top = 0, 0, true
	p.renderHeader()
	p.ver++
}

// renderHeader lays out the column names; under a sort the user chose,
// the sorted one marked ▲/▼. The default order (open first, then newest
// first) is not one column's, so it has no arrow.
func (p *Blotter) renderHeader() {
	cols := slices.Clone(p.cols)
	if c := sortColumn[p.sortBy]; p.custom() && c < len(cols) {
		arrow := "▲"
		if p.desc {
			arrow = "▼"
		}
		cols[c].name += arrow
	}
	p.header = " " + p.st.Header.Render(fit(renderCells(cols, nil, nil), p.w-1))
}

// mergeRows merges two sorted runs.
func mergeRows(a, b []*blotRow) []*blotRow {
	if len(b) == 0 {
		return a
	}
	out := make([]*blotRow, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if cmpRows(a[0], b[0]) < 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	out = append(out, a...)
	return append(out, b...)
}

// tally counts r into (n=1) or out of (n=-1) the final rows trim bounds.
func (p *Blotter) tally(r *blotRow, n int) {
	if r.o.Status.Final() {
		p.finals += n
	}
}

// trim lets the oldest final rows beyond maxFinal go. They sort last, so
// the walk from the end is as long as the rows that go, plus any pending
// or unknown order among them, which stays: it still needs watching. It
// reports whether any row went.
func (p *Blotter) trim() bool {
	if p.maxFinal <= 0 || p.finals <= p.maxFinal {
		return false
	}
	from := len(p.rows)
	for i := len(p.rows) - 1; i >= 0 && p.finals > p.maxFinal; i-- {
		if r := p.rows[i]; r.o.Status.Final() {
			delete(p.byKey, r.key)
			p.finals--
			from = i
		}
	}
	first := p.rows[from]
	gone := func(r *blotRow) bool { return p.byKey[r.key] != r }
	if p.separate() {
		at := 0
		if !p.custom() {
			// vis keeps rows' order, so what went is at or after first there too.
			at, _ = slices.BinarySearchFunc(p.vis, first, cmpRows)
		}
		p.vis = p.vis[:at+len(slices.DeleteFunc(p.vis[at:], gone))]
	}
	p.rows = p.rows[:from+len(slices.DeleteFunc(p.rows[from:], gone))]
	p.capped = true
	p.syncVis()
	return true
}

// openCount is the number of open rows, which sort first.
func (p *Blotter) openCount() int {
	return sort.Search(len(p.rows), func(i int) bool { return !p.rows[i].o.Status.Open() })
}

// openOf is how many open orders account has in the blotter.
func (p *Blotter) openOf(account string) int {
	n := 0
	for _, r := range p.rows {
		if r.o.Account == account && r.o.Status.Open() {
			n++
		}
	}
	return n
}

func (p *Blotter) passes(r *blotRow) bool {
	return (p.query == "" || strings.Contains(r.hay, p.query)) && (!p.openOnly || r.o.Status.Open())
}

// syncVis keeps vis the same slice as rows while it shows all of them in
// their default order.
func (p *Blotter) syncVis() {
	if !p.separate() {
		p.vis = p.rows
	}
}

// onScreen reports whether r is in the window of visible rows.
func (p *Blotter) onScreen(r *blotRow) bool {
	i := indexRow(p.vis, r, p.vcmp())
	off := clampOff(p.off, len(p.vis), p.page())
	return i >= 0 && i >= off && i < off+p.page()
}

// sameOrder reports whether a merge changed nothing a row shows or sorts by.
func sameOrder(a, b exchange.Order) bool {
	return a.Status == b.Status && a.Filled.Equal(b.Filled) && a.QuoteFilled.Equal(b.QuoteFilled) &&
		a.Updated.Equal(b.Updated) && a.Created.Equal(b.Created) && a.OrderID == b.OrderID && a.ClientID == b.ClientID &&
		a.Price.Equal(b.Price) && a.Qty.Equal(b.Qty) && a.Reason == b.Reason && a.Symbol == b.Symbol &&
		a.Side == b.Side && a.Type == b.Type && a.TIF == b.TIF && a.Account == b.Account
}

func (r *blotRow) set(o exchange.Order) {
	r.o = o
	r.w = 0
	// Everything a row shows, as it shows it: /sell, /limit, /60000,
	// /0.015, /partial and /#9000 all find their rows.
	hay := []string{o.Account, o.Symbol, string(o.Side), string(o.Type), string(o.Status), o.ClientID, "#" + o.OrderID,
		o.Price.String(), o.Qty.String(), o.Filled.String()}
	if s, ok := shortStatus[o.Status]; ok {
		hay = append(hay, s)
	}
	if c := priceCell(o); c != o.Price.String() {
		hay = append(hay, c, strings.TrimPrefix(c, "≈"))
	}
	r.hay = strings.ToLower(strings.Join(hay, "\x00"))
}

func orderTime(o exchange.Order) int64 {
	if !o.Created.IsZero() {
		return o.Created.UnixNano()
	}
	return o.Updated.UnixNano()
}

// selectedKey is the key of the selected row, "" when none is.
func (p *Blotter) selectedKey() string {
	if r := p.selectedRow(); r != nil {
		return r.key
	}
	return ""
}

// followed is the row the selection follows through a change of rows: the
// selected one, or none while the cursor keeps to the top.
func (p *Blotter) followed() *blotRow {
	if p.top {
		p.sel = 0
		return nil
	}
	return p.selectedRow()
}

func (p *Blotter) selectedRow() *blotRow {
	if p.sel >= 0 && p.sel < len(p.vis) {
		return p.vis[p.sel]
	}
	return nil
}

// reselect keeps the selection on row sel, which the caller reads before
// changing rows, when others move around it; when that row is gone it
// stays at the same place.
func (p *Blotter) reselect(sel *blotRow) {
	if sel != nil && p.byKey[sel.key] == sel {
		if i := indexRow(p.vis, sel, p.vcmp()); i >= 0 {
			p.sel = i
		}
	}
	p.sel = min(p.sel, max(0, len(p.vis)-1))
	p.off = follow(clampOff(p.off, len(p.vis), p.page()), p.sel, p.page())
}

func (p *Blotter) setQuery(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == p.query {
		return
	}
	prev := p.query
	p.query = q
	if prev != "" && strings.Contains(q, prev) && p.separate() {
		// Typing on narrows what the filter shows: every row that passes
		// the longer query passed the shorter one.
		p.vis = slices.DeleteFunc(p.vis, func(r *blotRow) bool { return !p.passes(r) })
	} else {
		p.refilter()
	}
	p.sel, p.off, p.top = 0, 0, true
}

func (p *Blotter) refilter() {
	if !p.separate() {
		p.vis = p.rows
		p.sel = min(p.sel, max(0, len(p.vis)-1))
		return
	}
	p.vis = make([]*blotRow, 0, len(p.vis))
	for _, r := range p.rows {
		if p.passes(r) {
			p.vis = append(p.vis, r)
		}
	}
	if p.custom() {
		slices.SortFunc(p.vis, p.vcmp())
	}
	p.sel = min(p.sel, max(0, len(p.vis)-1))
}

func (p *Blotter) View() string {
	if p.w <= 0 || p.h <= 0 {
		return ""
	}
	page := p.page()
	lines := make([]string, 0, p.h)
	if p.h >= 3 {
		lines = append(lines, p.header)
	}
	if len(p.vis) == 0 {
		msg := "no orders"
		switch {
		case p.query != "":
			msg = "no orders match " + p.query
		case p.openOnly && len(p.rows) > 0:
			msg = "no open orders (a: show all)"
		}
		lines = append(lines, fit(" "+p.st.Muted.Render(msg), p.w))
	}
	off := clampOff(p.off, len(p.vis), page)
	for i := off; i < min(len(p.vis), off+page); i++ {
		r := p.vis[i]
		if r.w != p.w || r.gen != p.gen {
			p.renderRow(r)
		}
		if i == p.sel && p.focused {
			lines = append(lines, p.st.Selected.Render("▶"+r.plain[1:]))
		} else if i == p.sel {
			lines = append(lines, "▶"+r.styled[1:])
		} else {
			lines = append(lines, r.styled)
		}
	}
	if p.h >= 3 {
		for len(lines) < p.h-1 {
			lines = append(lines, "")
		}
		lines = append(lines, p.footer())
	}
	return joinLines(lines)
}

// footer is the only per-frame formatting: one short line, its counts
// read in O(log n).
func (p *Blotter) footer() string {
	if p.filtering {
		return fit(p.filter.View(), p.w)
	}
	s := ""
	// Rows scrolled past are counted first, so a narrow footer keeps them.
	off := clampOff(p.off, len(p.vis), p.page())
	if off > 0 {
		s += fmt.Sprintf("↑ %d more  ", off)
	}
	if below := len(p.vis) - off - p.page(); below > 0 {
		s += fmt.Sprintf("↓ %d more  ", below)
	}
	if p.note != "" {
		return p.st.Warn.Render(fit(s+p.note, p.w))
	}
	if p.info != "" {
		return p.st.Muted.Render(fit(s+"✓ "+p.info, p.w))
	}
	s += fmt.Sprintf("%d orders  %d open", len(p.rows), p.openCount())
	if p.openOnly {
		s += "  open only (a: all)"
	}
	if p.capped {
		s += "  older in the journal"
	}
	if p.query != "" {
		s += fmt.Sprintf("  filter /%s: %d", p.query, len(p.vis))
	}
	if len(p.vis) > 0 {
		s += fmt.Sprintf("  [%d/%d]", p.sel+1, len(p.vis))
	}
	return p.st.Muted.Render(fit(s, p.w))
}

// Columns ---------------------------------------------------------------

type blotCol struct {
	name  string
	w     int
	right bool
	drop  int // columns with a higher drop are left out first on narrow panes
}

const (
	colTime = iota
	colAccount
	colSymbol
	colSide
	colType
	colPrice
	colQty
	colFilled
	colStatus
	colClientID
	nCols
)

// Column widths: the widest content seen, at least the header, at most a
// cap (longer values are cut). maxAccountW lets "demo-kestrel-ed" show
// whole; minAccountW is what an account keeps on a narrow pane before the
// column goes.
const (
	maxAccountW = 18
	minAccountW = 8
)

func blotColumns(w int, content [nCols]int) []blotCol {
	all := [nCols]blotCol{
		colTime:     {"time", 8, false, 4},
		colAccount:  {"account", 10, false, 3},
		colSymbol:   {"symbol", 10, false, 0},
		colSide:     {"side", 5, false, 0},
		colType:     {"type", 6, false, 6},
		colPrice:    {"price", 12, true, 1},
		colQty:      {"qty", 12, true, 1},
		colFilled:   {"filled", 12, true, 5},
		colStatus:   {"status", 9, false, 0},
		colClientID: {"client id", 24, false, 7},
	}
	fromContent := func(c, lo, hi int) {
		if content[c] > 0 {
			all[c].w = min(hi, max(lo, len(all[c].name), content[c]))
		}
	}
	fromContent(colAccount, 7, maxAccountW)
	fromContent(colSymbol, 6, 16)
	fromContent(colPrice, 5, 20)
	fromContent(colQty, 3, 20)
	fromContent(colFilled, 6, 20)
	if w >= 150 {
		all[colTime].w = 14
		all[colStatus].w = 16
	}
	on := [nCols]bool{}
	total := 1 // selection gutter
	for i := range all {
		on[i] = true
		total += all[i].w + 1
	}
	for lvl := 7; lvl > 0 && total > w; lvl-- {
		for i := range all {
			if !on[i] || all[i].drop != lvl || total <= w {
				continue
			}
			if i == colAccount && all[i].w > minAccountW && total-(all[i].w-minAccountW) <= w {
				// A cut account name still tells accounts apart; no
				// account column does not.
				all[i].w -= total - w
				total = w
				continue
			}
			on[i] = false
			total -= all[i].w + 1
		}
	}
	// Room to spare spaces the numbers out, which reads better than a
	// wide gap at the end of the row.
	for _, c := range []int{colPrice, colQty, colFilled} {
		if on[c] && total+3 <= w {
			all[c].w += 3
			total += 3
		}
	}
	cols := make([]blotCol, 0, nCols)
	for i := range all {
		c := all[i]
		if !on[i] {
			c.w = 0
		}
		cols = append(cols, c)
	}
	return cols
}

// renderCells lays out one row; with cells nil it lays out the header.
// styles may be nil for plain text.
func renderCells(cols []blotCol, cells *[nCols]string, styles *[nCols]*lipgloss.Style) string {
	var sb strings.Builder
	for i, c := range cols {
		if c.w == 0 {
			continue
		}
		txt := c.name
		if cells != nil {
			txt = cells[i]
		}
		if c.right {
			txt = padLeft(txt, c.w)
		} else {
			txt = padRight(txt, c.w)
		}
		if styles != nil && styles[i] != nil {
			txt = styles[i].Render(txt)
		}
		sb.WriteString(txt)
		sb.WriteByte(' ')
	}
	return strings.TrimRight(sb.String(), " ")
}

var shortStatus = map[exchange.OrderStatus]string{exchange.StatusPartiallyFilled: "PARTIAL"}

func (p *Blotter) renderRow(r *blotRow) {
	o := r.o
	var cells [nCols]string
	t := o.Created
	if t.IsZero() {
		t = o.Updated
	}
	if p.cols[colTime].w >= 14 {
		cells[colTime] = inZone(t, p.zone.Loc).Format("01-02 15:04:05")
	} else {
		cells[colTime] = inZone(t, p.zone.Loc).Format("15:04:05")
	}
	cells[colAccount] = o.Account
	cells[colSymbol] = o.Symbol
	switch o.Side {
	case exchange.Buy:
		cells[colSide] = "▲BUY"
	case exchange.Sell:
		cells[colSide] = "▼SELL"
	default:
		cells[colSide] = string(o.Side)
	}
	cells[colType] = string(o.Type)
	cells[colPrice] = priceCell(o)
	cells[colQty] = o.Qty.String()
	cells[colFilled] = o.Filled.String()
	cells[colStatus] = string(o.Status)
	if s, ok := shortStatus[o.Status]; ok && p.cols[colStatus].w < len(o.Status) {
		cells[colStatus] = s
	}
	cells[colClientID] = o.ClientID
	if cells[colClientID] == "" {
		cells[colClientID] = "#" + o.OrderID
	}

	gutter := " "
	var styles [nCols]*lipgloss.Style
	var whole *lipgloss.Style
	switch o.Status {
	case exchange.StatusUnknown:
		// An order whose fate we could not observe: the whole row is flagged,
		// by a mark as well as colour.
		gutter, whole = "?", &p.st.Warn
	case exchange.StatusRejected:
		styles[colStatus] = &p.st.Error
	case exchange.StatusFilled:
		styles[colStatus] = &p.st.OK
	case exchange.StatusCanceled, exchange.StatusExpired:
		whole = &p.st.Muted
	}
	if whole == nil {
		switch o.Side {
		case exchange.Buy:
			styles[colSide] = &p.st.Buy
		case exchange.Sell:
			styles[colSide] = &p.st.Sell
		}
	}
	// The gutter is one ASCII byte outside any style in both strings, so
	// View may swap it for the selection mark without cutting a sequence.
	body := fit(renderCells(p.cols, &cells, nil), p.w-1)
	r.plain = gutter + body
	if whole != nil {
		r.styled = gutter + whole.Render(body)
	} else {
		r.styled = gutter + fit(renderCells(p.cols, &cells, &styles), p.w-1)
	}
	r.w, r.gen = p.w, p.gen
}

// orderName is how a note names an order: its client id, else its venue id.
func orderName(o exchange.Order) string {
	if o.ClientID != "" {
		return o.ClientID
	}
	return "#" + o.OrderID
}

// avgPrice is the average fill price, when the venue told the quote
// quantity filled.
func avgPrice(o exchange.Order) (decimal.Decimal, bool) {
	if o.Filled.IsPositive() && o.QuoteFilled.IsPositive() {
		return o.QuoteFilled.DivRound(o.Filled, 8), true
	}
	return decimal.Zero, false
}

// priceCell is what the price column shows: the limit price; for an order
// with no price of its own (market) the average fill price, ≈60012.5,
// and MKT until something fills.
func priceCell(o exchange.Order) string {
	if !o.Price.IsZero() {
		return o.Price.String()
	}
	if avg, ok := avgPrice(o); ok {
		return "≈" + avg.String()
	}
	if o.Type == exchange.MarketOrder {
		return "MKT"
	}
	return o.Price.String()
}

// shownPrice is the price the price sort uses: the one the column shows.
func shownPrice(o exchange.Order) decimal.Decimal {
	if o.Price.IsZero() {
		if avg, ok := avgPrice(o); ok {
			return avg
		}
	}
	return o.Price
}
