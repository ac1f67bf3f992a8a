package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed"
	"github.com/vigil-trade/vigil/orders/policy"
	"github.com/vigil-trade/vigil/views"
)

// account is the root model's view of one account: what it needs to guard
// order entry and count health, not what panes show.
type account struct {
	info    exchange.AccountInfo
	v       exchange.Venue
	gen     uint64 // stamps the model's own requests; bumped when the feed restarts the account
	feedGen uint64
	budget  exchange.BudgetSnapshot
	rules   map[string]exchange.SymbolRules
	prices  map[string]decimal.Decimal
}

// Model is the cockpit. Use it by pointer.
type Model struct {
	deps   Deps
	desk   OrderDesk
	st     *chrome
	keys   GlobalKeys
	dkeys  DialogKeys
	panes  [NumPanes]views.Pane
	status *views.StatusLine
	local  bool // times in local time, not UTC (TimeZone key, config time_zone)
	mouse  bool // mouse mode on (Mouse key, config mouse); ui/mouse.go

	focus    PaneID
	back     PaneID // where esc from order entry returns
	w, h     int
	lst      LayoutState
	rects    Rects
	dialog   *dialog
	showHelp bool
	helpTop  int // the first help line shown; the help scrolls

	accts  []*account
	byName map[string]*account
	now    time.Time

	orderOff string    // why order entry is refused everywhere; "" when it is not
	quote    quotePoll // the order form's prices, refreshed while it has the keyboard
	quitting bool

	frame frameCache // the last frame Render built, and what from
}

// New builds the cockpit. It does no I/O: data is asked for by Init's
// commands and by the feed.
func New(deps Deps) *Model {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.RequestTimeout <= 0 {
		deps.RequestTimeout = 10 * time.Second
	}
	if deps.OrderTimeout <= 0 {
		deps.OrderTimeout = 15 * time.Second
	}
	m := &Model{
		deps:   deps,
		desk:   deps.Orders,
		st:     newChrome(deps.Dark, deps.NoColor),
		keys:   newGlobalKeys(),
		dkeys:  newDialogKeys(),
		byName: map[string]*account{},
		focus:  PaneBlotter,
	}
	if m.desk == nil {
		m.desk = NewDirectDesk(deps.Venues)
	}
	build := deps.Panes
	if build == nil {
		build = DefaultPanes
	}
	m.panes = build(&m.st.Styles)
	m.status = views.NewStatusLine(&m.st.Styles)
	m.status.SetMode(!deps.Demo, deps.Demo)
	m.lst = LayoutState{Focus: m.focus, FrameW: m.st.frameW, FrameH: m.st.frameH}
	for _, v := range deps.Venues {
		info := v.Info()
		a := &account{info: info, v: v, rules: map[string]exchange.SymbolRules{},
			prices: map[string]decimal.Decimal{}}
		m.accts = append(m.accts, a)
		m.byName[info.Name] = a
		if _, ok := v.(exchange.PositionsReader); ok {
			m.lst.Positions = true
		}
	}
	m.keys.Focus[PanePositions].SetEnabled(m.lst.Positions)
	m.broadcast(accountsMsg(deps.Venues))
	m.local = deps.LocalTime
	m.mouse = !deps.NoMouse
	m.broadcast(m.timeZone())
	m.panes[m.focus].Focus()
	m.status.SetFocus(m.panes[m.focus].Title())
	m.back = m.focus
	m.refresh()
	return m
}

// Init asks for what the feed does not poll: order history and symbols.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tick()}
	for _, a := range m.accts {
		cmds = append(cmds,
			historyCmd(m.desk, a.info.Name),
			symbolsCmd(a.v, a.info.Name, a.gen, m.deps.RequestTimeout))
	}
	return tea.Batch(cmds...)
}

// Focused is the focused pane.
func (m *Model) Focused() PaneID { return m.focus }

// Dialog reports whether a dialog is open, and its title.
func (m *Model) Dialog() (string, bool) {
	if m.dialog == nil {
		return "", false
	}
	return m.dialog.title, true
}

// HelpShown reports whether full help is open.
func (m *Model) HelpShown() bool { return m.showHelp }

// Update never blocks: anything slow leaves as a tea.Cmd.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		return m, m.handleMouse(msg.(tea.MouseMsg))
	case tickMsg:
		m.now = time.Time(msg)
		cmd := m.broadcast(views.TickMsg{Now: m.now})
		m.refresh()
		return m, tea.Batch(cmd, m.pollQuote(), tick())
	case quoteResult:
		m.quote.inflight = false
		return m.Update(msg.dataMsg)
	case feed.Envelope:
		return m, m.fromFeed(msg)
	case feed.Batch:
		// One flush of every account's snapshots: one Update, one frame.
		cmds := make([]tea.Cmd, 0, len(msg))
		for _, e := range msg {
			cmds = append(cmds, m.fromFeed(e))
		}
		return m, tea.Batch(cmds...)
	case attachMsg:
		m.attach(msg)
		return m, nil
	case dataMsg:
		a := m.byName[msg.account]
		if a == nil || msg.gen != a.gen {
			return m, nil // asked before a restart: stale
		}
		return m, m.deliver(msg.msg)
	case placeResult:
		return m, m.placed(msg)
	case cancelResult:
		return m, m.canceled(msg)
	case cancelAllResult:
		return m, m.canceledAll(msg)
	case views.SubmitOrder:
		return m, m.submit(msg)
	case views.CancelOrder:
		return m, m.askCancel(msg)
	case views.CancelAll:
		return m, m.askCancelAll(msg)
	case views.ResyncClock:
		return m, m.resync(msg.Account)
	case views.NeedRules:
		a := m.byName[msg.Account]
		if a == nil {
			return m, nil
		}
		return m, rulesCmd(a.v, a.info.Name, msg.Symbol, a.gen, m.deps.RequestTimeout)
	case nil:
		return m, nil
	}
	return m, m.deliver(msg)
}

// attachMsg hands the model its feed through the bridge, so the feed can be
// started before the program runs without racing Update.
type attachMsg struct {
	f     FeedControl
	track func(account string, o exchange.Order) // nil: nothing to tell
}

func (m *Model) attach(at attachMsg) {
	m.deps.Feed = at.f
	if at.track != nil {
		m.desk = trackingDesk{OrderDesk: m.desk, track: at.track}
	}
}

func (m *Model) fromFeed(e feed.Envelope) tea.Cmd {
	if e.Account == "" {
		switch msg := e.Msg.(type) {
		case attachMsg:
			m.attach(msg)
		case views.LogMsg:
			// A line about the cockpit, not an account (the journal's
			// retention): no generation to be stale against.
			return m.deliver(msg)
		}
		return nil
	}
	a := m.byName[e.Account]
	if a == nil || e.Gen < a.feedGen {
		return nil
	}
	if s, ok := e.Msg.(feed.Started); ok {
		restarted := a.feedGen != 0 && s.Gen > a.feedGen
		a.feedGen = s.Gen
		if restarted {
			// Whatever the model asked before is about the old session.
			a.gen++
			return symbolsCmd(a.v, a.info.Name, a.gen, m.deps.RequestTimeout)
		}
		return nil
	}
	a.feedGen = e.Gen
	return m.deliver(e.Msg)
}

// deliver notes what the model itself needs from msg and hands it to
// every pane; each keeps what it shows.
func (m *Model) deliver(msg tea.Msg) tea.Cmd {
	if m.observe(msg) {
		m.refresh()
	}
	return m.broadcast(msg)
}

func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	m.status.Update(msg)
	var cmds []tea.Cmd
	for _, p := range m.panes {
		if p == nil {
			continue
		}
		if c := p.Update(msg); c != nil {
			cmds = append(cmds, c)
		}
	}
	return tea.Batch(cmds...)
}

// observe keeps what the model itself guards orders with; it reports
// whether the guards may have changed.
func (m *Model) observe(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case views.BudgetMsg:
		if a := m.byName[msg.Snapshot.Account]; a != nil {
			a.budget = msg.Snapshot
			return true
		}
	case views.RulesMsg:
		if a := m.byName[msg.Account]; a != nil {
			a.rules[msg.Rules.Symbol] = msg.Rules
			if msg.LastPrice.IsPositive() {
				a.prices[msg.Rules.Symbol] = msg.LastPrice
			}
		}
	}
	return false
}

// clock is the model's notion of now: the last tick, or the injected clock
// before the first tick arrives.
func (m *Model) clock() time.Time {
	if !m.now.IsZero() {
		return m.now
	}
	return m.deps.Now()
}

// refusal says why account a may not take an order now, or "".
func (m *Model) refusal(a *account) string {
	if why := policy.Lock(a.info); why != "" {
		return why
	}
	if a.budget.Banned(m.clock()) {
		why := a.budget.BanReason
		if why == "" {
			why = "rate budget ban"
		}
		return fmt.Sprintf("%s is frozen until %s: %s", a.info.Name, a.budget.BannedUntil.Format("15:04:05"), why)
	}
	return ""
}

// refresh recomputes what depends on time, health and guards: the order
// key's reason and the status line.
func (m *Model) refresh() {
	var reasons []string
	for _, a := range m.accts {
		r := m.refusal(a)
		if r == "" {
			reasons = nil
			break
		}
		reasons = append(reasons, r)
	}
	switch {
	case len(m.accts) == 0:
		m.orderOff = "no accounts configured"
	case len(reasons) > 0:
		m.orderOff = strings.Join(reasons, "; ")
	default:
		m.orderOff = ""
	}
	m.keys.Order.SetEnabled(m.orderOff == "")
}

func (m *Model) resize(w, h int) {
	m.w, m.h = w, h
	m.relayout()
}

func (m *Model) relayout() {
	m.lst.Focus = m.focus
	if isSummary(m.focus) {
		m.lst.Top = m.focus // the tabbed top slot keeps the summary last looked at
	}
	m.rects = Layout(m.w, m.h, m.lst)
	for p := range NumPanes {
		if in := m.rects.Inner(p, m.lst); !in.Empty() {
			m.panes[p].SetSize(in.W, in.H)
		}
	}
	m.st.Help.SetWidth(max(0, m.w-4))
	m.status.SetWidth(m.rects.Status.W)
}

func (m *Model) setFocus(p PaneID) {
	if p == m.focus {
		return
	}
	m.panes[m.focus].Blur()
	if p == PaneOrderEntry {
		m.back = m.focus
	}
	m.focus = p
	m.panes[p].Focus()
	m.status.SetFocus(m.panes[p].Title())
	if m.w > 0 {
		m.relayout()
	}
}

func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.keys.ForceQuit) {
		m.quitting = true
		return tea.Quit
	}
	if m.dialog != nil {
		d := m.dialog
		switch d.handleKey(m.dkeys, msg) {
		case answerYes:
			m.dialog = nil
			return m.confirm(d)
		case answerNo:
			m.dialog = nil
			if d.kind != dialogAlert {
				return m.log(views.LevelInfo, d.account, "backed out: "+d.title, "")
			}
		}
		return nil
	}
	if m.showHelp {
		h := m.keys.HelpScroll
		page := max(1, m.helpViewH()-1)
		switch {
		case key.Matches(msg, m.keys.Quit):
			m.quitting = true
			return tea.Quit
		case key.Matches(msg, m.keys.Help), msg.String() == "esc":
			m.showHelp = false
		case key.Matches(msg, h.Up):
			m.helpTop--
		case key.Matches(msg, h.Down):
			m.helpTop++
		case key.Matches(msg, h.PageUp):
			m.helpTop -= page
		case key.Matches(msg, h.PageDown):
			m.helpTop += page
		case key.Matches(msg, h.Top):
			m.helpTop = 0
		case key.Matches(msg, h.Bottom):
			m.helpTop = len(m.helpLines())
		}
		m.helpTop = clamp(m.helpTop, 0, max(0, len(m.helpLines())-m.helpViewH()))
		return nil
	}
	pane := m.panes[m.focus]
	// The same keys leave every pane, whatever it is doing: tab and
	// shift+tab move between panes (a form moves between its fields with
	// ↑/↓), esc leaves order entry.
	switch {
	case key.Matches(msg, m.keys.Next):
		m.setFocus(nextPane(m.focus, 1, m.lst.Positions))
		return nil
	case key.Matches(msg, m.keys.Prev):
		m.setFocus(nextPane(m.focus, -1, m.lst.Positions))
		return nil
	case m.lst.Zoom && msg.String() == "esc" && !escUsed(m.focus, pane):
		m.setZoom(false)
		return nil
	case m.focus == PaneOrderEntry && msg.String() == "esc":
		m.setFocus(m.back)
		return nil
	}
	if capturing(m.focus, pane) {
		return pane.Update(msg)
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		m.quitting = true
		return tea.Quit
	case key.Matches(msg, m.keys.Help):
		m.showHelp = true
		m.helpTop = 0
	case key.Matches(msg, m.keys.TimeZone):
		m.local = !m.local
		return m.broadcast(m.timeZone())
	case key.Matches(msg, m.keys.Zoom):
		m.setZoom(!m.lst.Zoom)
	case key.Matches(msg, m.keys.Mouse):
		m.setMouse(!m.mouse)
	case msg.String() == "o":
		// Matched by key, not key.Matches: a disabled binding does not
		// match, and the user must learn why, not get silence.
		if m.orderOff != "" {
			return m.alert("Order entry unavailable", m.orderOff)
		}
		m.setFocus(PaneOrderEntry)
	default:
		for p, b := range m.keys.Focus {
			if key.Matches(msg, b) {
				m.setFocus(PaneID(p))
				return nil
			}
		}
		return pane.Update(msg)
	}
	return nil
}

// log writes a line to the event log pane (through the normal route).
func (m *Model) log(level views.Level, account, text, advice string) tea.Cmd {
	return m.deliver(views.LogMsg{Time: m.clock(), Level: level, Account: account, Text: text, Advice: advice})
}

func (m *Model) alert(title, text string) tea.Cmd {
	m.dialog = &dialog{kind: dialogAlert, title: title, lines: []string{text}}
	return m.log(views.LevelWarn, "", title+": "+text, "")
}

func (m *Model) resync(accountName string) tea.Cmd {
	if m.deps.Feed != nil {
		return resyncCmd(m.deps.Feed, accountName)
	}
	var cmds []tea.Cmd
	for _, a := range m.accts {
		if accountName == "" || a.info.Name == accountName {
			cmds = append(cmds, syncCmd(a.v, a.info.Name, a.gen, m.deps.RequestTimeout))
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) submit(s views.SubmitOrder) tea.Cmd {
	a := m.byName[s.Account]
	if a == nil {
		return m.alert("Order refused", fmt.Sprintf("no account %q", s.Account))
	}
	if why := m.refusal(a); why != "" {
		return m.alert("Order refused", why)
	}
	req := s.Req
	if req.Type == exchange.LimitOrder && req.TIF == "" {
		req.TIF = exchange.GTC
	}
	ref := s.Ref
	if !ref.IsPositive() {
		ref = a.prices[req.Symbol]
	}
	// The verdict the form rendered and `vigil order place` applies,
	// judged again here on this account as the cockpit knows it.
	v := policy.Judge(policy.Order{Info: a.info, Rules: a.rules[req.Symbol], Req: req, Ref: ref, Balances: s.Balances})
	if v.Refused() {
		return m.alert("Order refused", v.Why())
	}
	d := &dialog{kind: dialogPlace, title: "Place this order?", account: a.info.Name, req: req}
	d.lines = orderLines(a.info, req, v.Notional, v.Known, v.Quote)
	if len(v.Confirm) > 0 {
		d.typed = v.Typed
		d.why = strings.Join(v.Confirm, "; ")
	}
	m.dialog = d
	return nil
}

func (m *Model) askCancel(c views.CancelOrder) tea.Cmd {
	a := m.byName[c.Account]
	if a == nil {
		return m.alert("Cancel refused", fmt.Sprintf("no account %q", c.Account))
	}
	id := c.Ref.ClientID
	if id == "" {
		id = "#" + c.Ref.OrderID
	}
	m.dialog = &dialog{
		kind: dialogCancel, title: "Cancel this order?", account: a.info.Name, ref: c.Ref,
		lines: []string{
			fmt.Sprintf("Account   %s [%s]", a.info.Name, strings.ToUpper(string(a.info.Network))),
			fmt.Sprintf("Symbol    %s", c.Ref.Symbol),
			fmt.Sprintf("Order     %s", id),
		},
	}
	if o := c.Order; o.Side != "" {
		m.dialog.lines = append(m.dialog.lines, "Side      "+orderWhat(o.Side, o.Type, o.Qty, o.Price, o.Symbol))
	}
	return nil
}

func (m *Model) askCancelAll(c views.CancelAll) tea.Cmd {
	a := m.byName[c.Account]
	if a == nil {
		return m.alert("Cancel refused", fmt.Sprintf("no account %q", c.Account))
	}
	m.dialog = &dialog{
		kind: dialogCancelAll, title: "Cancel ALL open orders?", account: a.info.Name,
		lines: []string{
			fmt.Sprintf("Account   %s [%s]", a.info.Name, strings.ToUpper(string(a.info.Network))),
			"Every open order on this account, as the venue lists them now.",
		},
	}
	if c.Open > 0 {
		m.dialog.title = fmt.Sprintf("Cancel ALL %d open orders?", c.Open)
		m.dialog.lines = append(m.dialog.lines, fmt.Sprintf("The blotter shows %d open on %s.", c.Open, a.info.Name))
	}
	return nil
}

func (m *Model) confirm(d *dialog) tea.Cmd {
	a := m.byName[d.account]
	if a == nil {
		return nil
	}
	switch d.kind {
	case dialogPlace:
		// Re-check: a ban may have started while the dialog was open.
		if why := m.refusal(a); why != "" {
			return m.alert("Order refused", why)
		}
		req := d.req
		now := m.clock()
		if req.ClientID == "" {
			req.ClientID = a.info.ClientID.New(now)
		}
		pending := exchange.Order{
			Account: a.info.Name, Symbol: req.Symbol, Side: req.Side, Type: req.Type, TIF: req.TIF,
			Price: req.Price, Qty: req.Qty, Status: exchange.StatusPending, ClientID: req.ClientID,
			Created: now, Updated: now,
		}
		return tea.Batch(
			m.deliver(views.OrderEventMsg{Event: exchange.OrderEvent{
				Account: a.info.Name, Kind: exchange.EventSnapshot, Order: pending, Time: now,
			}}),
			m.log(views.LevelInfo, a.info.Name, "placing "+orderWhat(req.Side, req.Type, req.Qty, req.Price, req.Symbol)+" "+req.ClientID, ""),
			m.flash("order sent: "+orderWhat(req.Side, req.Type, req.Qty, req.Price, req.Symbol)),
			placeCmd(m.desk, a.info.Name, req, m.deps.OrderTimeout),
		)
	case dialogCancel:
		return tea.Batch(
			m.log(views.LevelInfo, a.info.Name, "cancelling "+d.ref.Symbol+" "+refText(d.ref), ""),
			cancelCmd(m.desk, a.info.Name, d.ref, m.deps.OrderTimeout),
		)
	case dialogCancelAll:
		return tea.Batch(
			m.log(views.LevelInfo, a.info.Name, "cancelling all open orders", ""),
			cancelAllCmd(m.desk, a.v, a.info.Name, m.deps.OrderTimeout),
		)
	}
	return nil
}

func (m *Model) placed(r placeResult) tea.Cmd {
	if r.err == nil {
		return tea.Batch(
			m.deliver(orderEvent(r.account, r.order)),
			m.log(views.LevelInfo, r.account, fmt.Sprintf("placed %s %s: %s", r.req.Symbol, r.order.ClientID, r.order.Status), ""),
			m.flash(fmt.Sprintf("order placed: %s %s", r.req.Symbol, r.order.Status)),
		)
	}
	o := exchange.Order{
		Account: r.account, Symbol: r.req.Symbol, Side: r.req.Side, Type: r.req.Type, TIF: r.req.TIF,
		Price: r.req.Price, Qty: r.req.Qty, ClientID: r.req.ClientID, Reason: describeErr(r.err),
		Created: m.clock(), Updated: m.clock(),
	}
	if exchange.IsAmbiguous(r.err) {
		o.Status = exchange.StatusUnknown
		return tea.Batch(
			m.deliver(views.OrderEventMsg{Event: exchange.OrderEvent{Account: r.account, Kind: exchange.EventSnapshot, Order: o, Time: o.Updated}}),
			m.log(views.LevelWarn, r.account, "place "+r.req.ClientID+": "+describeErr(r.err), "the open-orders poll will show whether the venue has it; do not resend"),
		)
	}
	o.Status = exchange.StatusRejected
	m.flash("order refused: see Events")
	return tea.Batch(
		m.deliver(views.OrderEventMsg{Event: exchange.OrderEvent{Account: r.account, Kind: exchange.EventReject, Order: o, Time: o.Updated}}),
		m.log(views.LevelError, r.account, "place "+r.req.Symbol+" refused: "+describeErr(r.err), exchange.AdviceOf(r.err)),
	)
}

func (m *Model) canceled(r cancelResult) tea.Cmd {
	if r.err == nil {
		return tea.Batch(
			m.deliver(orderEvent(r.account, r.order)),
			m.log(views.LevelInfo, r.account, fmt.Sprintf("canceled %s %s", r.order.Symbol, r.order.ClientID), ""),
			m.flash("order cancelled"),
		)
	}
	m.flash("cancel failed: see Events")
	level := views.LevelError
	if exchange.KindOf(r.err) == exchange.KindNotFound {
		level = views.LevelWarn // already filled or gone: the poll will say which
	}
	return m.log(level, r.account, fmt.Sprintf("cancel %s %s: %s", r.ref.Symbol, refText(r.ref), describeErr(r.err)), exchange.AdviceOf(r.err))
}

func (m *Model) canceledAll(r cancelAllResult) tea.Cmd {
	if r.err != nil {
		return m.log(views.LevelError, r.account, "cancel all: listing open orders failed: "+describeErr(r.err), exchange.AdviceOf(r.err))
	}
	cmds := []tea.Cmd{m.log(views.LevelInfo, r.account, fmt.Sprintf("cancel all: %d open orders", len(r.results)), "")}
	done := 0
	for _, c := range r.results {
		cmds = append(cmds, m.canceled(c))
		if c.err == nil {
			done++
		}
	}
	msg := fmt.Sprintf("%d orders cancelled", done)
	if done == 1 {
		msg = "1 order cancelled"
	}
	if failed := len(r.results) - done; failed > 0 {
		msg += fmt.Sprintf(", %d failed: see Events", failed)
	}
	m.flash(msg)
	return tea.Batch(cmds...)
}

// flash shows text in the status line for a few seconds. It returns nil
// so it can sit in a tea.Batch beside the log line it goes with.
func (m *Model) flash(text string) tea.Cmd {
	m.status.Flash(text, m.clock())
	return nil
}

// orderWhat is "BUY LIMIT 0.001 BTCUSDT @ 50000" ("… @ MKT" for a market
// order), for the log, the status line and the cancel dialog.
func orderWhat(side exchange.Side, typ exchange.OrderType, qty, price decimal.Decimal, symbol string) string {
	s := fmt.Sprintf("%s %s %s %s", side, typ, qty, symbol)
	if typ == exchange.MarketOrder || !price.IsPositive() {
		return s + " @ MKT"
	}
	return s + " @ " + price.String()
}

// refText names an order for the log: its client id, else the venue's id.
func refText(r exchange.OrderRef) string {
	if r.ClientID != "" {
		return r.ClientID
	}
	return "order " + r.OrderID
}
