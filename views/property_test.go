package views

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// Property tests. Every pane is fed long random sequences of what the root
// model can send it (account lists, snapshots for several accounts, empty
// snapshots, events, resizes down to 0x0, focus changes, key presses) and
// after each step is checked against a small reference model kept here
// and against the layout rules: View no taller than the height, no line
// wider than the width. Seeds are fixed, so a failure replays; the
// message names the seed, the step and the steps that led there.

// A pane with a bias gets propSteps*5/2 per seed, unless it sets steps.
const (
	propSeeds = 4
	propSteps = 300
)

// chooser is the randomness a sequence is drawn from: a seeded PRNG in the
// property tests, fuzz bytes in FuzzBlotter.
type chooser interface{ IntN(n int) int }

// propAccounts mixes short, long (past every column cap) and wide-glyph
// names; they need not be in the last AccountsMsg, as data can arrive for
// an account before or after it is listed.
var propAccounts = []string{"ks-test", "owl-demo", "heron-main", "a", "demo-kestrel-edge-account-long", "ørn-ü"}

var propSymbols = []string{"BTCUSDT", "ETHUSDT", "SOLUSDT", "PEPE-USDT-SWAP-LONGNAME", "X"}

// sizeOp and focusOp are the steps that are not messages.
type sizeOp struct{ w, h int }
type focusOp struct{ on bool }

// propGen draws steps. It remembers the orders it made so events and
// later snapshots refer to them.
type propGen struct {
	c      chooser
	now    time.Time
	seq    int
	orders map[string][]exchange.Order // by account
	keys   []string                    // key presses to draw from
	queued []string                    // keys to press before drawing again
}

func newPropGen(c chooser, keys []string) *propGen {
	return &propGen{c: c, now: t0, orders: map[string][]exchange.Order{}, keys: keys}
}

func (g *propGen) n(n int) int {
	if n <= 1 {
		return 0
	}
	return g.c.IntN(n)
}

func (g *propGen) chance(pct int) bool { return g.n(100) < pct }

func pick[T any](g *propGen, xs []T) T { return xs[g.n(len(xs))] }

func (g *propGen) account() string { return pick(g, propAccounts) }

// propKeys are the keys pressed in every pane besides the pane's own
// bindings: text for filters and form fields, and editing keys.
var propKeys = []string{"up", "down", "left", "right", "pgup", "pgdown", "home", "end", "tab", "shift+tab",
	"enter", "esc", "space", "backspace", "/", "a", "B", "0", "1", "5", ".", "-", "é", "c", "C", "h", "r", "R", "k", "g", "G"}

// step draws one step, weighted toward what exercises panes most: order
// snapshots and events, sizes, keys.
func (g *propGen) step() any {
	switch r := g.n(100); {
	case r < 5:
		return g.accounts()
	case r < 10:
		return sizeOp{g.size(true), g.size(false)}
	case r < 13:
		return focusOp{g.chance(70)}
	case r < 30:
		return keyMsg(pick(g, g.keys))
	case r < 33:
		g.now = g.now.Add(time.Duration(g.n(90_000)) * time.Millisecond)
		if g.chance(5) {
			g.now = g.now.Add(time.Duration(g.n(10)) * 24 * time.Hour)
		}
		return TickMsg{Now: g.now}
	case r < 47:
		return g.ordersMsg()
	case r < 60:
		return g.eventMsg()
	case r < 65:
		return g.keyInfo()
	case r < 68:
		return g.stream()
	case r < 73:
		return g.clock()
	case r < 78:
		return g.budget()
	case r < 83:
		return g.balances()
	case r < 85:
		return g.symbols()
	case r < 87:
		return g.rules()
	case r < 90:
		return OrderGateMsg{Account: g.account(), Closed: pick(g, []string{"", "", "2 UNKNOWN orders resolving"})}
	default:
		return g.log()
	}
}

var propWidths = []int{0, 1, 2, 3, 4, 5, 7, 10, 13, 20, 33, 40, 60, 78, 80, 120, 158, 200}
var propHeights = []int{0, 1, 2, 3, 4, 5, 6, 8, 10, 20, 24, 48}

func (g *propGen) size(width bool) int {
	if width {
		return pick(g, propWidths)
	}
	return pick(g, propHeights)
}

func (g *propGen) accounts() AccountsMsg {
	names := slices.Clone(propAccounts)
	for i := len(names) - 1; i > 0; i-- {
		j := g.n(i + 1)
		names[i], names[j] = names[j], names[i]
	}
	var m AccountsMsg
	for _, n := range names[:g.n(len(names)+1)] {
		a := exchange.AccountInfo{Name: n, Venue: pick(g, []string{"kestrel", "owl", "", "heron-venue-with-long-name"}),
			Network: pick(g, []exchange.Network{exchange.Testnet, exchange.Mainnet, ""}), Scheme: exchange.SchemeHMAC,
			KeyID: "ab12…zz", AllowMainnet: g.chance(30), Demo: g.chance(20), MaxOrderNotional: decimal.New(int64(g.n(3)), 3)}
		if g.chance(70) {
			a.KeyCreated = g.now.Add(-time.Duration(g.n(400)) * 24 * time.Hour)
		}
		m.Accounts = append(m.Accounts, a)
	}
	return m
}

func (g *propGen) amount() decimal.Decimal {
	switch g.n(5) {
	case 0:
		return decimal.Zero
	case 1:
		return decimal.New(int64(g.n(100)), -8) // dust
	case 2:
		return decimal.New(int64(g.n(1_000_000_000)), -int32(g.n(9)))
	default:
		return decimal.New(int64(g.n(100_000)), -int32(g.n(4)))
	}
}

func (g *propGen) newOrder(acct string) exchange.Order {
	g.seq++
	o := exchange.Order{Account: acct, Symbol: pick(g, propSymbols), Side: pick(g, []exchange.Side{exchange.Buy, exchange.Sell, ""}),
		Type: pick(g, []exchange.OrderType{exchange.LimitOrder, exchange.MarketOrder}), Price: g.amount(), Qty: g.amount(),
		Status: pick(g, statuses), ClientID: fmt.Sprintf("vg%06d", g.seq), OrderID: fmt.Sprint(9_000_000 + g.seq)}
	if g.chance(10) {
		o.ClientID = "" // known by venue id only
	}
	if g.chance(90) {
		o.Created = g.now.Add(-time.Duration(g.n(100_000)) * time.Second)
		o.Updated = o.Created.Add(time.Duration(g.n(1000)) * time.Second)
	}
	o.Filled = decimal.Min(g.amount(), o.Qty)
	g.orders[acct] = append(g.orders[acct], o)
	return o
}

// later is o as a later (or, by chance, an older) report shows it.
func (g *propGen) later(o exchange.Order) exchange.Order {
	next := map[exchange.OrderStatus]exchange.OrderStatus{exchange.StatusPending: exchange.StatusNew,
		exchange.StatusNew: exchange.StatusPartiallyFilled, exchange.StatusPartiallyFilled: exchange.StatusPartiallyFilled}
	if n, ok := next[o.Status]; ok && g.chance(50) {
		o.Status = n // the usual life of an order, which keeps it open
	} else {
		o.Status = pick(g, statuses)
	}
	o.Updated = o.Updated.Add(time.Duration(g.n(200)-50) * time.Second)
	if g.chance(50) {
		o.Filled = o.Filled.Add(decimal.New(int64(g.n(10)), -3))
	}
	if g.chance(20) {
		// Events often leave out what the venue did not resend.
		o.Created, o.Price, o.Qty = time.Time{}, decimal.Zero, decimal.Zero
	}
	return o
}

// ordersMsg is an account's snapshot: some known orders (kept, advanced,
// or left out, which removes them), some new ones, or none at all.
func (g *propGen) ordersMsg() OrdersMsg {
	acct := g.account()
	m := OrdersMsg{Account: acct}
	if g.chance(20) {
		return m // an account now without orders
	}
	for _, o := range g.orders[acct] {
		if g.chance(60) {
			if g.chance(30) {
				o = g.later(o)
			}
			if g.chance(30) {
				o.Account = "" // the snapshot's account is implied
			}
			m.Orders = append(m.Orders, o)
		}
	}
	for range g.n(4) {
		m.Orders = append(m.Orders, g.newOrder(acct))
	}
	g.shuffle(m.Orders)
	return m
}

func (g *propGen) shuffle(os []exchange.Order) {
	for i := len(os) - 1; i > 0; i-- {
		j := g.n(i + 1)
		os[i], os[j] = os[j], os[i]
	}
}

func (g *propGen) eventMsg() OrderEventMsg {
	acct := g.account()
	var o exchange.Order
	if known := g.orders[acct]; len(known) > 0 && g.chance(75) {
		o = g.later(pick(g, known))
	} else {
		o = g.newOrder(acct)
	}
	if g.chance(40) {
		o.Account = ""
	}
	return OrderEventMsg{Event: exchange.OrderEvent{Account: acct, Kind: exchange.EventFill, Order: o, Time: o.Updated}}
}

func (g *propGen) tri() exchange.Tri {
	return pick(g, []exchange.Tri{exchange.TriYes, exchange.TriNo, exchange.TriUnknown})
}

func (g *propGen) keyInfo() KeyInfoMsg {
	m := KeyInfoMsg{Account: g.account(), Info: exchange.KeyInfo{Read: g.tri(), Trade: g.tri(), Withdraw: g.tri(),
		IPBound: g.tri(), IPs: []string{"203.0.113.7"}[:g.n(2)], CheckedAt: g.now}}
	if g.chance(40) {
		m.Info.Expires = g.now.Add(time.Duration(g.n(40)-5) * 24 * time.Hour)
	}
	if g.chance(15) {
		m.Err = errors.New(pick(g, []string{"HTTP 401: invalid API key", "x", strings.Repeat("very long failure text ", 12)}))
	}
	return m
}

func (g *propGen) stream() StreamMsg {
	m := StreamMsg{Account: g.account(), State: pick(g, []string{"live", "reconnecting", "down", "off", "", "paused"}),
		Attempt: g.n(9)}
	if g.chance(70) {
		m.Since = g.now.Add(-time.Duration(g.n(600)) * time.Second)
		m.RetryAt = g.now.Add(time.Duration(g.n(60)-10) * time.Second)
		m.LastEvent = g.now.Add(-time.Duration(g.n(60)) * time.Second)
	}
	return m
}

func (g *propGen) dur(maxMs int) time.Duration {
	return time.Duration(g.n(2*maxMs+1)-maxMs) * time.Millisecond
}

func (g *propGen) clock() ClockMsg {
	s := exchange.ClockSnapshot{Account: g.account(), Synced: g.chance(80), Offset: g.dur(3000), Uncertainty: g.dur(50).Abs(),
		RTT: g.dur(500).Abs(), DriftPerHr: g.dur(20), HeadroomAhead: g.dur(1500), HeadroomBehind: g.dur(6000),
		AheadLimit: time.Duration(g.n(2)) * time.Second, BehindLimit: time.Duration(g.n(6)) * time.Second,
		Danger: g.chance(25), Samples: g.n(10)}
	if g.chance(80) {
		s.LastSync = g.now.Add(-time.Duration(g.n(300)) * time.Second)
	}
	for range g.n(40) {
		s.Recent = append(s.Recent, g.dur(100))
	}
	if g.chance(20) {
		s.Err = pick(g, []string{"GET /api/v3/time: connection refused", "e", strings.Repeat("timeout ", 20)})
	}
	return ClockMsg{Snapshot: s}
}

func (g *propGen) budget() BudgetMsg {
	s := exchange.BudgetSnapshot{Account: g.account(), At: g.now, Waiting: g.n(4)}
	for i := range g.n(6) {
		lim := pick(g, []int{0, 1, 10, 100, 1200, 6000})
		s.Buckets = append(s.Buckets, exchange.Bucket{Name: pick(g, []string{"weight/1m", "orders/10s", "orders/1d", "w", "private-endpoint-group/5s"}) + fmt.Sprint(i),
			Used: g.n(lim*2 + 2), Limit: lim, Window: time.Minute, ResetAt: g.now.Add(g.dur(60000))})
	}
	if g.chance(20) {
		s.BannedUntil, s.BanReason = g.now.Add(g.dur(300_000)), pick(g, []string{"IP banned (418)", "", strings.Repeat("reason ", 30)})
	}
	return BudgetMsg{Snapshot: s}
}

var propAssets = []string{"BTC", "USDT", "ETH", "SHIB", "A", "VERYLONGASSETNAME"}

func (g *propGen) balances() BalancesMsg {
	m := BalancesMsg{Account: g.account(), At: g.now.Add(-time.Duration(g.n(120)) * time.Second),
		Every: time.Duration(g.n(3)) * 20 * time.Second}
	if g.chance(20) {
		m.Err = errors.New(pick(g, []string{"timeout after 10s", strings.Repeat("unreachable ", 15)}))
		return m
	}
	for _, a := range propAssets[:g.n(len(propAssets)+1)] {
		m.Balances = append(m.Balances, exchange.Balance{Asset: a, Free: g.amount(), Locked: g.amount()})
	}
	return m
}

func (g *propGen) symbols() SymbolsMsg {
	return SymbolsMsg{Account: g.account(), Symbols: propSymbols[:g.n(len(propSymbols)+1)]}
}

func (g *propGen) rules() RulesMsg {
	r := testRules()
	r.Account = g.account()
	r.Rules.Symbol = pick(g, propSymbols)
	if g.chance(30) {
		r.Rules.Quote = ""
		r.LastPrice = decimal.Zero
	}
	return r
}

func (g *propGen) log() LogMsg {
	words := []string{"order", "rejected:", "insufficient", "balance", "x", "withdraw", "ün", "verylongwordwithoutanybreakatallthatmustbecut"}
	var sb strings.Builder
	for range g.n(40) {
		sb.WriteString(pick(g, words) + " ")
	}
	m := LogMsg{Time: g.now, Level: Level(g.n(3)), Text: strings.TrimSpace(sb.String())}
	if g.chance(70) {
		m.Account = g.account()
	}
	if g.chance(30) {
		m.Advice = "retry later, or check the " + pick(g, words)
	}
	return m
}

// describe names a step for the failure trace.
func describe(s any) string {
	switch s := s.(type) {
	case tea.KeyPressMsg:
		return "key " + s.String()
	case sizeOp:
		return fmt.Sprintf("size %dx%d", s.w, s.h)
	case focusOp:
		if s.on {
			return "focus"
		}
		return "blur"
	case OrdersMsg:
		ids := make([]string, 0, len(s.Orders))
		for _, o := range s.Orders {
			ids = append(ids, o.ClientID+"#"+o.OrderID+":"+string(o.Status))
		}
		return fmt.Sprintf("OrdersMsg %s [%s]", s.Account, strings.Join(ids, " "))
	case OrderEventMsg:
		o := s.Event.Order
		return fmt.Sprintf("OrderEventMsg %s/%s %s#%s %s", s.Event.Account, o.Account, o.ClientID, o.OrderID, o.Status)
	case AccountsMsg:
		names := make([]string, 0, len(s.Accounts))
		for _, a := range s.Accounts {
			names = append(names, a.Name)
		}
		return fmt.Sprintf("AccountsMsg %v", names)
	}
	return fmt.Sprintf("%T", s)
}

// viewFits is the layout rule every pane keeps.
func viewFits(view string, w, h int) error {
	if view == "" {
		return nil
	}
	lines := strings.Split(view, "\n")
	if len(lines) > max(h, 0) {
		return fmt.Errorf("View has %d lines for height %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			return fmt.Errorf("View line %d is %d wide for width %d: %q", i, lw, w, ansi.Strip(l))
		}
	}
	return nil
}

// drivable is what the runner needs of a pane (the status line, not a
// pane, takes the same steps through statusPane).
type drivable interface {
	Update(tea.Msg) tea.Cmd
	View() string
	SetSize(w, h int)
	Focus()
	Blur()
}

// propModel is the reference a pane is held to: apply takes each step
// after the pane has (with the command the pane returned), check compares.
type propModel interface {
	apply(step any, cmd tea.Cmd) error
	check() error
}

// propPane drives one pane through a sequence and checks it after each
// step against its model and the layout rules.
type propPane struct {
	name    string
	pane    drivable
	keys    []string           // the pane's own bindings, pressed besides propKeys
	bias    func(*propGen) any // when set, biasPct of the steps come from it
	biasPct int                // 50 when 0
	steps   int                // per seed; 0: the default
	oneLine bool               // the view is one line whatever the height
	model   propModel
}

// run plays steps drawn from c into the pane and its model. A panic is
// reported like a failed check, with the steps that led to it.
func (pp propPane) run(c chooser, steps int) (err error) {
	g := newPropGen(c, append(slices.Clone(propKeys), pp.keys...))
	var trace []string
	w, h := 0, 0
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
		if err != nil {
			from := max(0, len(trace)-25)
			err = fmt.Errorf("%s, step %d: %v\nlast steps:\n  %s", pp.name, len(trace), err, strings.Join(trace[from:], "\n  "))
		}
	}()
	for range steps {
		if e, ok := c.(interface{ exhausted() bool }); ok && e.exhausted() {
			break
		}
		var s any
		if len(g.queued) > 0 {
			s, g.queued = keyMsg(g.queued[0]), g.queued[1:]
		} else if pp.bias != nil && g.chance(cmp.Or(pp.biasPct, 50)) {
			s = pp.bias(g)
		} else {
			s = g.step()
		}
		trace = append(trace, describe(s))
		var cmd tea.Cmd
		switch s := s.(type) {
		case sizeOp:
			w, h = s.w, s.h
			pp.pane.SetSize(w, h)
		case focusOp:
			if s.on {
				pp.pane.Focus()
			} else {
				pp.pane.Blur()
			}
		default:
			cmd = pp.pane.Update(s)
		}
		if err := pp.model.apply(s, cmd); err != nil {
			return err
		}
		if err := pp.model.check(); err != nil {
			return err
		}
		vh := h
		if pp.oneLine {
			vh = 1
		}
		if err := viewFits(pp.pane.View(), w, vh); err != nil {
			return err
		}
	}
	return nil
}
