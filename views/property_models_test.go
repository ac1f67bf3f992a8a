package views

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/vigil-trade/vigil/exchange"
)

// Reference models for the property tests in property_test.go: each keeps
// what its pane should hold in the plainest form (a map, a list) and says
// what differs.

// TestPanesProperties runs every pane through propSeeds fixed random
// sequences.
func TestPanesProperties(t *testing.T) {
	for _, mk := range propPanes {
		name := mk(testStyles()).name
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for seed := range uint64(propSeeds) {
				pp := mk(testStyles())
				steps := propSteps
				switch {
				case pp.steps > 0:
					steps = pp.steps
				case pp.bias != nil:
					steps = steps * 5 / 2
				}
				if err := pp.run(rand.New(rand.NewPCG(seed, 11)), steps); err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
			}
		})
	}
}

var propPanes = []func(*Styles) propPane{
	newBlotterProp, newKeysProp, newClockProp, newBudgetsProp, newBalancesProp,
	newEventLogProp, newOrderEntryProp, newStatusLineProp,
}

// bindingKeys are the first keys of bindings, as press would send them.
func bindingKeys(bs ...key.Binding) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Keys()...)
	}
	return out
}

// frame tracks the steps every model needs: size, focus, time.
type frame struct {
	w, h    int
	focused bool
	now     time.Time
	key     string // the key this step pressed in the focused pane
}

func (f *frame) apply(s any) {
	f.key = ""
	switch s := s.(type) {
	case tea.KeyPressMsg:
		if f.focused {
			f.key = s.String()
		}
	case sizeOp:
		f.w, f.h = s.w, s.h
	case focusOp:
		f.focused = s.on
	case TickMsg:
		f.now = s.Now
	}
}

// scrolled checks that End shows the last line and Home the first.
func (f *frame) scrolled(lines []string, view string) error {
	if f.w <= 0 || f.h <= 0 || len(lines) == 0 {
		return nil
	}
	v := splitLines(view)
	switch f.key {
	case "end", "G":
		if v[len(v)-1] != lines[len(lines)-1] {
			return fmt.Errorf("after %s the last line shown is %q, not %q", f.key, ansi.Strip(v[len(v)-1]), ansi.Strip(lines[len(lines)-1]))
		}
	case "home", "g":
		if v[0] != lines[0] {
			return fmt.Errorf("after %s the first line shown is %q, not %q", f.key, ansi.Strip(v[0]), ansi.Strip(lines[0]))
		}
	}
	return nil
}

// accountList is the display order the per-account panes keep: the last
// AccountsMsg, then accounts first seen in data since.
type accountList struct {
	list []string
	info map[string]exchange.AccountInfo
}

func (a *accountList) set(m AccountsMsg) {
	a.list, a.info = nil, map[string]exchange.AccountInfo{}
	for _, ai := range m.Accounts {
		a.list = append(a.list, ai.Name)
		a.info[ai.Name] = ai
	}
}

func (a *accountList) ensure(name string) {
	if !slices.Contains(a.list, name) {
		a.list = append(a.list, name)
	}
}

func (a *accountList) equal(got []string) error {
	if !slices.Equal(got, a.list) && !(len(got) == 0 && len(a.list) == 0) {
		return fmt.Errorf("accounts %q, model %q", got, a.list)
	}
	return nil
}

// linesWith counts the lines holding word once styling is stripped.
func linesWith(lines []string, words ...string) int {
	n := 0
	for _, l := range lines {
		l = ansi.Strip(l)
		for _, w := range words {
			if strings.Contains(l, w) {
				n++
				break
			}
		}
	}
	return n
}

// Blotter -------------------------------------------------------------------

var scrollMarks = regexp.MustCompile(`^(↑ \d+ more  )?(↓ \d+ more  )?`)

type blotterModel struct {
	frame
	p    *Blotter
	rows map[string]exchange.Order // by row key

	filtering bool
	text      []rune // the filter input and its cursor
	cur       int
	openOnly  bool // a: open orders only

	lastSel     string // selected row key after the previous step
	lastSelOpen bool   // and whether its order was open then
	lastIdx     int    // and its index
	lastQuery   string
	top         bool // the cursor keeps to the first row
}

func newBlotterProp(st *Styles) propPane {
	p := NewBlotter(st)
	k := p.keys
	return propPane{name: "blotter", pane: p, model: &blotterModel{p: p, rows: map[string]exchange.Order{}, top: true},
		keys: bindingKeys(append(k.bindings(), k.Filter, k.ClearFilter, k.Apply, k.Cancel, k.CancelAll)...),
		bias: blotterBias}
}

// blotterBias types filters that pick out some rows and not others (a
// status, part of one) while events and snapshots move rows in and out of
// them, with the selection and cancel keys among them.
func blotterBias(g *propGen) any {
	switch g.n(10) {
	case 0, 1, 2:
		return g.eventMsg()
	case 3:
		return g.ordersMsg()
	case 4:
		return focusOp{true}
	case 5:
		// A whole word, so the filter splits the rows.
		g.queued = append(g.queued, "esc", "/")
		for _, r := range pick(g, []string{"part", "new", "pend", "fill", "unknown", "ks-", "owl", "sol", "vg0001", "ørn"}) {
			g.queued = append(g.queued, string(r))
		}
		if g.chance(50) {
			g.queued = append(g.queued, "enter")
		}
		return focusOp{true}
	default:
		return keyMsg(pick(g, []string{"/", "/", "p", "a", "r", "t", "n", "e", "w", "l", "esc", "enter", "backspace",
			"up", "down", "end", "home", "c", "C"}))
	}
}

func modelKey(acct string, o exchange.Order) string {
	if o.ClientID != "" {
		return acct + "\x00" + o.ClientID
	}
	return acct + "\x00#" + o.OrderID
}

// report takes one report of an order through exchange.MergeOrder, the
// merge the order state and the desk use too (issue 13): what is checked
// here is that the pane keeps its rows, order and selection right.
func (m *blotterModel) report(o exchange.Order) string {
	k := modelKey(o.Account, o)
	if cur, ok := m.rows[k]; ok {
		o = exchange.MergeOrder(cur, o)
	}
	m.rows[k] = o
	return k
}

// rowBefore is the blotter's order: open orders first, then newest first
// by creation time (the update time when that is unknown).
func rowBefore(a, b exchange.Order) bool {
	if a.Status.Open() != b.Status.Open() {
		return a.Status.Open()
	}
	at, bt := a.Created, b.Created
	if at.IsZero() {
		at = a.Updated
	}
	if bt.IsZero() {
		bt = b.Updated
	}
	return !at.Before(bt)
}

func (m *blotterModel) query() string { return strings.ToLower(strings.TrimSpace(string(m.text))) }

func (m *blotterModel) matches(o exchange.Order) bool {
	if m.openOnly && !o.Status.Open() {
		return false
	}
	q := m.query()
	if q == "" {
		return true
	}
	// What a row shows: account, symbol, side, type, status (and its short
	// form), ids, price (MKT for a market order without one), qty, filled.
	hay := []string{o.Account, o.Symbol, string(o.Side), string(o.Type), string(o.Status), o.ClientID, "#" + o.OrderID,
		o.Price.String(), o.Qty.String(), o.Filled.String()}
	if o.Status == exchange.StatusPartiallyFilled {
		hay = append(hay, "partial")
	}
	if o.Type == exchange.MarketOrder && o.Price.IsZero() {
		// MKT, or the average fill price once the venue gave one.
		if avg, ok := avgPrice(o); ok {
			hay = append(hay, "≈"+avg.String())
		} else {
			hay = append(hay, "mkt")
		}
	}
	return strings.Contains(strings.ToLower(strings.Join(hay, "\x00")), q)
}

func (m *blotterModel) apply(s any, cmd tea.Cmd) error {
	m.frame.apply(s)
	switch s := s.(type) {
	case focusOp:
		if !s.on {
			m.filtering = false
		}
	case OrdersMsg:
		keep := map[string]bool{}
		for _, o := range s.Orders {
			if o.Account == "" {
				o.Account = s.Account
			}
			keep[m.report(o)] = true
		}
		for k, o := range m.rows {
			if o.Account == s.Account && !keep[k] {
				delete(m.rows, k)
			}
		}
	case OrderEventMsg:
		o := s.Event.Order
		if o.Account == "" {
			o.Account = s.Event.Account
		}
		m.report(o)
	case tea.KeyPressMsg:
		if !m.focused {
			if cmd != nil {
				return fmt.Errorf("blurred blotter answered %s", s)
			}
			return nil
		}
		return m.key(s, cmd)
	}
	if _, ok := s.(tea.KeyPressMsg); !ok && m.top {
		// A cursor at the top stays there as rows arrive above it.
		if m.p.sel != 0 {
			return fmt.Errorf("cursor kept to the top moved to row %d", m.p.sel)
		}
	} else if !ok && m.lastSel != "" {
		// Rows moving around the selection do not move it, unless its
		// order closed: then the cursor keeps its place.
		closed := m.lastSelOpen && !m.rows[m.lastSel].Status.Open()
		shown := slices.ContainsFunc(m.p.vis, func(r *blotRow) bool { return r.key == m.lastSel })
		switch {
		case closed && m.p.sel != min(m.lastIdx, max(0, len(m.p.vis)-1)):
			if _, ev := s.(OrderEventMsg); ev {
				return fmt.Errorf("selected order closed: cursor went from row %d to %d", m.lastIdx, m.p.sel)
			}
		case !closed && shown && m.p.selectedKey() != m.lastSel:
			return fmt.Errorf("selection moved from %q to %q though the row is still shown", m.lastSel, m.p.selectedKey())
		}
	}
	return nil
}

func (m *blotterModel) key(s tea.KeyPressMsg, cmd tea.Cmd) error {
	if m.filtering {
		switch s.String() {
		case "esc":
			m.text, m.cur, m.filtering = nil, 0, false
		case "enter":
			m.filtering = false
		case "left":
			m.cur = max(0, m.cur-1)
		case "right":
			m.cur = min(len(m.text), m.cur+1)
		case "home":
			m.cur = 0
		case "end":
			m.cur = len(m.text)
		case "backspace":
			if m.cur > 0 {
				m.text = slices.Delete(m.text, m.cur-1, m.cur)
				m.cur--
			}
		default:
			for _, r := range s.Text {
				if len(m.text) < 64 {
					m.text = slices.Insert(m.text, m.cur, r)
					m.cur++
				}
			}
		}
		return nil
	}
	switch s.String() {
	case "/":
		m.filtering = true
	case "esc":
		m.text, m.cur = nil, 0
	case "a":
		m.openOnly = !m.openOnly
		m.top = true
	case "up", "down", "home", "end", "pgup", "pgdown", "k", "j", "g", "G":
		m.top = m.p.sel == 0
	case "c":
		o, known := m.rows[m.lastSel]
		if !known || !o.Status.Open() {
			if cmd != nil {
				return fmt.Errorf("c on %q (%s) emitted %v", m.lastSel, o.Status, msgsOf(cmd))
			}
			return nil
		}
		got, ok := findMsg[CancelOrder](cmd)
		if !ok || got.Account != o.Account || modelKey(got.Account, exchange.Order{ClientID: got.Ref.ClientID, OrderID: got.Ref.OrderID}) != m.lastSel {
			return fmt.Errorf("c on open %q emitted %+v, %v", m.lastSel, got, ok)
		}
	case "C":
		o, ok := m.rows[m.lastSel]
		got, emitted := findMsg[CancelAll](cmd)
		if ok != emitted || (ok && got.Account != o.Account) {
			return fmt.Errorf("C with %q selected emitted %+v, %v", m.lastSel, got, emitted)
		}
	}
	return nil
}

func (m *blotterModel) check() error {
	p := m.p
	defer func() {
		m.lastSel, m.lastIdx = p.selectedKey(), p.sel
		o, ok := m.rows[m.lastSel]
		m.lastSelOpen = ok && o.Status.Open()
		if q := m.query(); q != m.lastQuery {
			m.top, m.lastQuery = true, q
		}
	}()
	if p.Len() != len(m.rows) || len(p.byKey) != len(m.rows) {
		return fmt.Errorf("Len %d (byKey %d), model %d", p.Len(), len(p.byKey), len(m.rows))
	}
	open, perAcct, wantPer, wantOpen, wantVis := 0, map[string]int{}, map[string]int{}, 0, 0
	for i, r := range p.rows {
		if r == nil {
			return fmt.Errorf("row %d is nil", i)
		}
		if i > 0 && !rowBefore(p.rows[i-1].o, r.o) {
			return fmt.Errorf("row %q (%s %v) sorted after %q (%s %v)", r.key, r.o.Status, r.o.Created, p.rows[i-1].key, p.rows[i-1].o.Status, p.rows[i-1].o.Created)
		}
		o, ok := m.rows[r.key]
		if !ok || o.Status != r.o.Status || o.Account != r.o.Account {
			return fmt.Errorf("row %q is %s/%s, model %s/%s (%v)", r.key, r.o.Account, r.o.Status, o.Account, o.Status, ok)
		}
		if r.o.Status.Open() {
			if open != i {
				return fmt.Errorf("open row %q sorted after a closed one", r.key)
			}
			open++
		}
		perAcct[r.o.Account]++
	}
	for _, o := range m.rows {
		wantPer[o.Account]++
		if o.Status.Open() {
			wantOpen++
		}
		if m.matches(o) {
			wantVis++
		}
	}
	if open != wantOpen {
		return fmt.Errorf("%d open, model %d", open, wantOpen)
	}
	for a, n := range wantPer {
		if perAcct[a] != n {
			return fmt.Errorf("account %q has %d rows, model %d", a, perAcct[a], n)
		}
	}
	if p.Filtering() != m.filtering || p.query != m.query() {
		return fmt.Errorf("filtering %v query %q, model %v %q", p.Filtering(), p.query, m.filtering, m.query())
	}
	if p.Visible() != wantVis {
		return fmt.Errorf("Visible %d, model %d for query %q", p.Visible(), wantVis, m.query())
	}
	for i, r := range p.vis {
		if r == nil || !m.matches(r.o) {
			return fmt.Errorf("visible row %d (%v) does not match %q", i, r, m.query())
		}
	}
	page := p.page()
	if n := p.Visible(); n > 0 {
		if p.sel < 0 || p.sel >= n {
			return fmt.Errorf("selection %d of %d rows", p.sel, n)
		}
		if page > 0 && (p.sel < p.off || p.sel >= p.off+page) {
			return fmt.Errorf("selection %d outside the window %d+%d", p.sel, p.off, page)
		}
	}
	if m.w > 0 && m.h >= 3 && !m.filtering && m.w >= 60 {
		lines := splitLines(ansi.Strip(p.View()))
		want := fmt.Sprintf("%d orders  %d open", len(m.rows), wantOpen)
		// Rows scrolled past are counted ahead of the totals; a note
		// (why c did nothing) stands in for them until the next key.
		last := scrollMarks.ReplaceAllString(lines[len(lines)-1], "")
		if !strings.HasPrefix(last, want) && !strings.HasPrefix(last, "nothing to cancel") && !strings.HasPrefix(last, "no order selected") {
			return fmt.Errorf("footer %q, want %q…", last, want)
		}
		shown := 0
		for _, l := range lines[1 : len(lines)-1] {
			if strings.TrimSpace(l) != "" {
				shown++
			}
		}
		// A full page whenever there are rows enough; "no orders" when none.
		if want := max(1, min(page, p.Visible())); shown != want {
			return fmt.Errorf("%d row lines for a page of %d and %d rows, want %d", shown, page, p.Visible(), want)
		}
	}
	return nil
}

// Keys ------------------------------------------------------------------------

type keysModel struct {
	frame
	p     *Keys
	accts accountList
	audit map[string]KeyInfoMsg
}

func newKeysProp(st *Styles) propPane {
	p := NewKeys(st)
	return propPane{name: "keys", pane: p, keys: bindingKeys(p.keys.bindings()...),
		model: &keysModel{p: p, audit: map[string]KeyInfoMsg{}}}
}

func (m *keysModel) apply(s any, cmd tea.Cmd) error {
	m.frame.apply(s)
	switch s := s.(type) {
	case AccountsMsg:
		m.accts.set(s)
	case KeyInfoMsg:
		m.accts.ensure(s.Account)
		m.audit[s.Account] = s
	case StreamMsg:
		m.accts.ensure(s.Account)
	}
	if cmd != nil {
		return fmt.Errorf("keys pane emitted %v", msgsOf(cmd))
	}
	return nil
}

func (m *keysModel) check() error {
	// What the lines say is what a frame shows: the pane renders on View.
	m.p.settle()
	if err := m.accts.equal(m.p.accts.list); err != nil {
		return err
	}
	if err := m.scrolled(m.p.lines, m.p.View()); err != nil {
		return err
	}
	if m.w >= 158 {
		// A key that may withdraw says so in words, whatever the shape.
		want := 0
		for _, a := range m.accts.list {
			if k, ok := m.audit[a]; ok && k.Err == nil && k.Info.Withdraw == exchange.TriYes {
				want++
			}
		}
		if got := linesWith(m.p.lines, "WITHDRAW"); got != want {
			return fmt.Errorf("%d lines say WITHDRAW, model %d accounts:\n%s", got, want, ansi.Strip(joinLines(m.p.lines)))
		}
	}
	return nil
}

// Clock -----------------------------------------------------------------------

type clockModel struct {
	frame
	p     *Clock
	accts accountList
	snap  map[string]exchange.ClockSnapshot
	sel   int
}

func newClockProp(st *Styles) propPane {
	p := NewClock(st)
	k := p.keys
	return propPane{name: "clock", pane: p, keys: bindingKeys(k.Up, k.Down, k.Resync, k.ResyncAll),
		model: &clockModel{p: p, snap: map[string]exchange.ClockSnapshot{}}}
}

func (m *clockModel) selected() string {
	if m.sel < len(m.accts.list) {
		return m.accts.list[m.sel]
	}
	return ""
}

func (m *clockModel) apply(s any, cmd tea.Cmd) error {
	m.frame.apply(s)
	var want tea.Msg
	switch s := s.(type) {
	case AccountsMsg:
		m.accts.set(s)
		m.sel = min(m.sel, max(0, len(m.accts.list)-1))
	case ClockMsg:
		m.accts.ensure(s.Snapshot.Account)
		m.snap[s.Snapshot.Account] = s.Snapshot
	case tea.KeyPressMsg:
		if !m.focused {
			break
		}
		switch s.String() {
		case "up", "k":
			m.sel = max(0, m.sel-1)
		case "down", "j":
			m.sel = min(max(0, len(m.accts.list)-1), m.sel+1)
		case "r":
			if a := m.selected(); a != "" {
				want = ResyncClock{Account: a}
			}
		case "R":
			want = ResyncClock{}
		}
	}
	if got := msgsOf(cmd); (want == nil) != (len(got) == 0) || (want != nil && (len(got) != 1 || got[0] != want)) {
		return fmt.Errorf("emitted %v, model %v", got, want)
	}
	return nil
}

func (m *clockModel) check() error {
	p := m.p
	// What the lines say is what a frame shows: the pane renders on View.
	p.settle()
	if err := m.accts.equal(p.accts.list); err != nil {
		return err
	}
	if p.Selected() != m.selected() {
		return fmt.Errorf("selected %q, model %q", p.Selected(), m.selected())
	}
	if off := clampOff(p.off, len(p.lines), m.h); m.w > 0 && m.h > 0 && p.sel < len(p.first) && (p.first[p.sel] < off || p.first[p.sel] >= off+m.h) {
		// The account r would resync is on screen.
		return fmt.Errorf("selected account's line %d outside the window %d+%d", p.first[p.sel], off, m.h)
	}
	if m.w >= 158 {
		want := 0
		for _, a := range m.accts.list {
			if s, ok := m.snap[a]; ok && (!s.Synced || s.Danger) {
				want++
			}
		}
		if got := linesWith(p.lines, "DANGER", "UNSYNCED"); got != want {
			return fmt.Errorf("%d lines in danger, model %d:\n%s", got, want, ansi.Strip(joinLines(p.lines)))
		}
	}
	return nil
}

// Budgets ---------------------------------------------------------------------

type budgetsModel struct {
	frame
	p     *Budgets
	accts accountList
	snap  map[string]exchange.BudgetSnapshot
}

func newBudgetsProp(st *Styles) propPane {
	p := NewBudgets(st)
	return propPane{name: "budgets", pane: p, keys: bindingKeys(p.keys.bindings()...),
		model: &budgetsModel{p: p, snap: map[string]exchange.BudgetSnapshot{}}}
}

func (m *budgetsModel) apply(s any, cmd tea.Cmd) error {
	m.frame.apply(s)
	switch s := s.(type) {
	case AccountsMsg:
		m.accts.set(s)
	case BudgetMsg:
		m.accts.ensure(s.Snapshot.Account)
		m.snap[s.Snapshot.Account] = s.Snapshot
	}
	if cmd != nil {
		return fmt.Errorf("budgets pane emitted %v", msgsOf(cmd))
	}
	return nil
}

func (m *budgetsModel) check() error {
	p := m.p
	// What the lines say is what a frame shows: the pane renders on View.
	p.settle(p.render)
	if err := m.accts.equal(p.accts.list); err != nil {
		return err
	}
	if err := m.scrolled(p.lines, p.View()); err != nil {
		return err
	}
	if m.w >= 158 {
		want := 0
		for _, a := range m.accts.list {
			if s, ok := m.snap[a]; ok && m.now.Before(s.BannedUntil) {
				want++
			}
		}
		if got := linesWith(p.lines, "BANNED"); got != want {
			return fmt.Errorf("%d lines say BANNED, model %d:\n%s", got, want, ansi.Strip(joinLines(p.lines)))
		}
	}
	return nil
}

// Balances --------------------------------------------------------------------

type balancesModel struct {
	frame
	p        *Balances
	accts    accountList
	last     map[string]BalancesMsg
	hideDust bool
}

func newBalancesProp(st *Styles) propPane {
	p := NewBalances(st)
	return propPane{name: "balances", pane: p, keys: bindingKeys(append(p.keys.bindings(), p.keys.HideDust)...),
		model: &balancesModel{p: p, last: map[string]BalancesMsg{}, hideDust: true}}
}

func (m *balancesModel) apply(s any, cmd tea.Cmd) error {
	m.frame.apply(s)
	switch s := s.(type) {
	case AccountsMsg:
		m.accts.set(s)
	case BalancesMsg:
		m.accts.ensure(s.Account)
		m.last[s.Account] = s
	case tea.KeyPressMsg:
		if m.focused && s.String() == "h" {
			m.hideDust = !m.hideDust
		}
	}
	if cmd != nil {
		return fmt.Errorf("balances pane emitted %v", msgsOf(cmd))
	}
	return nil
}

func (m *balancesModel) check() error {
	p := m.p
	// What the lines say is what a frame shows: the pane renders on View.
	p.settle(p.render)
	if err := m.accts.equal(p.accts.list); err != nil {
		return err
	}
	if p.HideDust() != m.hideDust {
		return fmt.Errorf("hide dust %v, model %v", p.HideDust(), m.hideDust)
	}
	if err := m.scrolled(p.lines, p.View()); err != nil {
		return err
	}
	if m.w >= 60 {
		// Numbers that may be old say so.
		want := 0
		for _, a := range m.accts.list {
			b, ok := m.last[a]
			if ok && (b.Err != nil || (!m.now.IsZero() && m.now.Sub(b.At) > max(StaleAfter, 2*b.Every))) {
				want++
			}
		}
		if got := linesWith(p.lines, "STALE"); got != want {
			return fmt.Errorf("%d lines say STALE, model %d:\n%s", got, want, ansi.Strip(joinLines(p.lines)))
		}
	}
	return nil
}

// Event log -------------------------------------------------------------------

type eventLogModel struct {
	frame
	p    *EventLog
	msgs []LogMsg // the newest LogCapacity
}

func newEventLogProp(st *Styles) propPane {
	p := NewEventLog(st)
	return propPane{name: "eventlog", pane: p, keys: bindingKeys(p.keys.bindings()...),
		// Mostly entries, and enough of them to pass LogCapacity: every
		// resize renders them all again, which is what costs here.
		bias: func(g *propGen) any { return g.log() }, biasPct: 80, steps: LogCapacity * 7 / 5,
		model: &eventLogModel{p: p}}
}

func (m *eventLogModel) apply(s any, cmd tea.Cmd) error {
	m.frame.apply(s)
	if l, ok := s.(LogMsg); ok {
		m.msgs = append(m.msgs, l)
		if len(m.msgs) > LogCapacity {
			m.msgs = m.msgs[1:]
		}
	}
	if cmd != nil {
		return fmt.Errorf("event log emitted %v", msgsOf(cmd))
	}
	return nil
}

func (m *eventLogModel) check() error {
	p := m.p
	if p.Len() != len(m.msgs) || len(p.entries) != len(m.msgs) {
		return fmt.Errorf("Len %d (%d rendered), model %d", p.Len(), len(p.entries), len(m.msgs))
	}
	for i, want := range m.msgs {
		if got := p.ring[(p.start+i)%LogCapacity]; got.Text != want.Text || !got.Time.Equal(want.Time) {
			return fmt.Errorf("entry %d is %q, model %q", i, got.Text, want.Text)
		}
	}
	view := p.View()
	if p.footerShown() {
		// The search and level footer is under the lines.
		body := splitLines(view)[:p.h-1]
		for len(body) > 1 && body[len(body)-1] == "" {
			body = body[:len(body)-1] // padding above the footer
		}
		view = joinLines(body)
	}
	if err := m.scrolled(p.lines, view); err != nil && !p.typing { // typing, G and g are text
		return err
	}
	if p.follow && m.h > 0 && m.w > 0 && len(p.lines) > 0 {
		// Following, the newest line is the last one shown.
		v := splitLines(view)
		if v[len(v)-1] != p.lines[len(p.lines)-1] {
			return fmt.Errorf("following, but the last line shown is %q", ansi.Strip(v[len(v)-1]))
		}
	}
	return nil
}

// Order entry -----------------------------------------------------------------

type orderEntryModel struct {
	frame
	p     *OrderEntry
	accts accountList
	gates map[string]string
	bans  map[string]time.Time
	acct  int
	field Field
	typ   exchange.OrderType
	side  exchange.Side
	tif   exchange.TimeInForce
}

func newOrderEntryProp(st *Styles) propPane {
	p := NewOrderEntry(st)
	k := p.keys
	return propPane{name: "orderentry", pane: p, keys: bindingKeys(k.Next, k.Prev, k.Cycle, k.Symbols, k.Submit, k.Close),
		bias: orderEntryBias, model: &orderEntryModel{p: p, gates: map[string]string{}, bans: map[string]time.Time{},
			typ: exchange.LimitOrder, side: exchange.Buy, tif: exchange.GTC}}
}

func (m *orderEntryModel) account() string {
	if m.acct < len(m.accts.list) {
		return m.accts.list[m.acct]
	}
	return ""
}

// blocked is why the model's account may not send, as far as the form's
// neighbours decide it (symbol and rules aside).
func (m *orderEntryModel) blocked() string {
	a := m.account()
	info := m.accts.info[a]
	switch {
	case a == "":
		return "no account"
	case info.Network == exchange.Mainnet && !info.AllowMainnet:
		return "mainnet locked (allow_mainnet off)"
	case m.gates[a] != "":
		return m.gates[a]
	case m.now.Before(m.bans[a]):
		return "banned for"
	}
	return ""
}

func (m *orderEntryModel) visible(f Field) bool {
	return m.typ == exchange.LimitOrder || (f != FieldPrice && f != FieldTIF)
}

func (m *orderEntryModel) apply(s any, cmd tea.Cmd) error {
	m.frame.apply(s)
	switch s := s.(type) {
	case focusOp:
		if s.on {
			m.field = FieldAccount
		}
	case AccountsMsg:
		cur := m.account()
		m.accts.set(s)
		m.acct = max(0, slices.Index(m.accts.list, cur))
	case OrderGateMsg:
		m.gates[s.Account] = s.Closed
	case BudgetMsg:
		m.bans[s.Snapshot.Account] = s.Snapshot.BannedUntil
	case tea.KeyPressMsg:
		if m.focused {
			return m.key(s, cmd)
		}
		if cmd != nil {
			return fmt.Errorf("blurred form emitted %v", msgsOf(cmd))
		}
	}
	return nil
}

func (m *orderEntryModel) key(s tea.KeyPressMsg, cmd tea.Cmd) error {
	d := 1
	if k := s.String(); k == "left" || k == "pgup" {
		d = -1
	}
	cycle := slices.Contains([]string{"space", "left", "right", "pgup", "pgdown"}, s.String())
	switch s.String() {
	case "down", "up":
		if s.String() == "up" {
			d = -1
		}
		for {
			m.field = (m.field + Field(d) + nFields) % nFields
			if m.visible(m.field) {
				break
			}
		}
		return nil
	case "enter":
		got, ok := findMsg[SubmitOrder](cmd)
		if !ok {
			return nil
		}
		if why := m.blocked(); why != "" {
			return fmt.Errorf("submitted %+v though %s", got, why)
		}
		if got.Account != m.account() || got.Req.Type != m.typ || got.Req.Side != m.side {
			return fmt.Errorf("submitted %+v, model %s %s %s", got, m.account(), m.typ, m.side)
		}
		if m.typ == exchange.MarketOrder && (!got.Req.Price.IsZero() || got.Req.TIF != "") {
			return fmt.Errorf("market order submitted with price or time in force: %+v", got)
		}
		if m.typ == exchange.LimitOrder && got.Req.TIF != m.tif {
			return fmt.Errorf("submitted %s, model %s", got.Req.TIF, m.tif)
		}
		return nil
	}
	if !cycle {
		return nil
	}
	switch m.field {
	case FieldAccount:
		if n := len(m.accts.list); n > 0 {
			m.acct = (m.acct + d + n) % n
		}
	case FieldSide:
		m.side = map[exchange.Side]exchange.Side{exchange.Buy: exchange.Sell, exchange.Sell: exchange.Buy}[m.side]
	case FieldType:
		m.typ = map[exchange.OrderType]exchange.OrderType{exchange.LimitOrder: exchange.MarketOrder, exchange.MarketOrder: exchange.LimitOrder}[m.typ]
	case FieldTIF:
		tifs := []exchange.TimeInForce{exchange.GTC, exchange.IOC, exchange.FOK}
		m.tif = tifs[(slices.Index(tifs, m.tif)+d+3)%3]
	}
	return nil
}

func (m *orderEntryModel) check() error {
	p := m.p
	if p.Account() != m.account() || p.Field() != m.field || p.typ != m.typ || p.side != m.side || p.tif != m.tif {
		return fmt.Errorf("form %q %v %s %s %s, model %q %v %s %s %s", p.Account(), p.Field(), p.typ, p.side, p.tif,
			m.account(), m.field, m.typ, m.side, m.tif)
	}
	if !m.visible(p.Field()) {
		return fmt.Errorf("field %v has the keyboard in a %s form", p.Field(), m.typ)
	}
	if why := m.blocked(); why != "" && !strings.HasPrefix(p.Blocked(), why) {
		return fmt.Errorf("blocked %q, model %q", p.Blocked(), why)
	}
	return nil
}

// orderEntryBias fills the form far enough to submit (rules and symbols
// for the accounts, digits in the number fields) while gates, bans and
// account lists change, so the checks on SubmitOrder have something to
// check.
func orderEntryBias(g *propGen) any {
	switch g.n(12) {
	case 0, 4:
		return g.rules()
	case 1:
		return g.symbols()
	case 5:
		// From the account field: a listed symbol, a quantity, a price, enter.
		g.queued = append(g.queued, "down", pick(g, []string{"pgdown", "pgup"}), "down", "down", "down")
		for _, ks := range [][]string{{"1"}, {"down"}, {"5", "0"}, {"enter"}} {
			if ks[0] != "down" && ks[0] != "enter" {
				for range 8 {
					g.queued = append(g.queued, "backspace")
				}
			}
			g.queued = append(g.queued, ks...)
		}
		return focusOp{true}
	case 2:
		return g.budget()
	case 3:
		return OrderGateMsg{Account: g.account(), Closed: pick(g, []string{"", "journal holds unconfirmed orders"})}
	default:
		return keyMsg(pick(g, []string{"down", "down", "up", "space", "pgup", "pgdown", "1", "5", "0", ".", "enter", "enter", "backspace"}))
	}
}

// Status line -----------------------------------------------------------------

// statusPane gives the status line the steps of a pane: its height is
// always one line, and it takes no keys or focus.
type statusPane struct{ *StatusLine }

func (s statusPane) SetSize(w, _ int) { s.SetWidth(w) }
func (s statusPane) Focus()           {}
func (s statusPane) Blur()            {}

type statusModel struct {
	frame
	s      *StatusLine
	accts  accountList
	clock  map[string]exchange.ClockSnapshot
	ban    map[string]time.Time
	keyErr map[string]bool
	stream map[string]string
	balErr map[string]bool
}

func newStatusLineProp(st *Styles) propPane {
	s := NewStatusLine(st)
	return propPane{name: "statusline", pane: statusPane{s}, oneLine: true,
		model: &statusModel{s: s, clock: map[string]exchange.ClockSnapshot{}, ban: map[string]time.Time{},
			keyErr: map[string]bool{}, stream: map[string]string{}, balErr: map[string]bool{}}}
}

func (m *statusModel) apply(s any, cmd tea.Cmd) error {
	m.frame.apply(s)
	switch s := s.(type) {
	case AccountsMsg:
		m.accts.set(s)
	case ClockMsg:
		m.accts.ensure(s.Snapshot.Account)
		m.clock[s.Snapshot.Account] = s.Snapshot
	case BudgetMsg:
		m.ban[s.Snapshot.Account] = s.Snapshot.BannedUntil
	case KeyInfoMsg:
		m.keyErr[s.Account] = s.Err != nil
	case StreamMsg:
		m.stream[s.Account] = s.State
	case BalancesMsg:
		m.balErr[s.Account] = s.Err != nil
	}
	if cmd != nil {
		return fmt.Errorf("status line emitted %v", msgsOf(cmd))
	}
	return nil
}

func (m *statusModel) check() error {
	var want []string
	for _, a := range m.accts.list {
		c, synced := m.clock[a]
		st := m.stream[a]
		if (synced && (!c.Synced || c.Danger)) || m.now.Before(m.ban[a]) || st == "down" || st == "reconnecting" || m.keyErr[a] || m.balErr[a] {
			want = append(want, a)
		}
	}
	if got := m.s.Unhealthy(); !slices.Equal(got, want) && len(got)+len(want) > 0 {
		return fmt.Errorf("unhealthy %q, model %q", got, want)
	}
	return nil
}
