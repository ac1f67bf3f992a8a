package views

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders/policy"
)

// OrderEntryKeys is the keymap of the order entry form.
type OrderEntryKeys struct {
	Next, Prev key.Binding
	Cycle      key.Binding // account, side, type, time in force
	Symbols    key.Binding // step through the account's symbols
	Submit     key.Binding // help text carries the reason when blocked
	Close      key.Binding // handled by ui, listed for help
}

// Field of the order entry form.
type Field int

const (
	FieldAccount Field = iota
	FieldSymbol
	FieldSide
	FieldType
	FieldQty
	FieldPrice
	FieldTIF
	nFields
)

var fieldLabel = [nFields]string{"account", "symbol", "side", "type", "quantity", "price", "in force"}

// OrderEntry is the order form. It renders policy's verdict on the order as
// typed (the same verdict ui judges again and `vigil order place` applies)
// and emits SubmitOrder only when nothing is wrong; ui confirms, assigns
// the client id, journals and sends. It never sends.
type OrderEntry struct {
	st      *Styles
	keys    OrderEntryKeys
	w, h    int
	focused bool
	now     time.Time

	accts   accountOrder
	infos   map[string]exchange.AccountInfo
	symbols map[string][]string
	rules   map[string]RulesMsg // by account + "\x00" + symbol
	budgets map[string]exchange.BudgetSnapshot
	gates   map[string]string // why order entry is closed per account, from outside the form
	asked   map[string]bool
	funds   map[string]map[string]exchange.Balance // by account, then asset; absent: unknown
	quotes  map[string]QuoteMsg                    // by account + "\x00" + symbol, the latest answer

	// resetSym: the account changed before its symbol list arrived, so
	// the symbol is the previous venue's until the list says otherwise.
	resetSym bool
	// symAuto: the symbol was filled in from the venue's list, not typed,
	// so the first letter typed replaces it rather than joining it.
	symAuto bool

	acct  int
	side  exchange.Side
	typ   exchange.OrderType
	tif   exchange.TimeInForce
	field Field

	symbol, qty, price textinput.Model

	// Derived on every change, rendered into lines.
	req        exchange.OrderRequest
	ref        decimal.Decimal // the price a market order is valued at
	verdict    policy.Verdict
	problems   []string
	violations []exchange.Violation
	blocked    string // why submit is disabled, "" when it is not
	notional   string
	qtyUnit    string // what the quantity counts, for a derivative ("contracts of 10 USD")
	lines      []string
	shown      shown
}

// NewOrderEntry returns an empty form for a LIMIT GTC buy.
func NewOrderEntry(st *Styles) *OrderEntry {
	mk := func(example string, limit int) textinput.Model {
		ti := textinput.New()
		ti.Prompt = ""
		ti.Placeholder = hint(example)
		ti.CharLimit = limit
		s := ti.Styles()
		s.Cursor.Blink = false
		// A placeholder is a hint, in words as well as in colour (NO_COLOR
		// keeps only the words), and a typed value looks the same whether
		// its field has the keyboard or not.
		s.Focused.Placeholder, s.Blurred.Placeholder = st.Muted, st.Muted
		s.Focused.Text, s.Blurred.Text = st.Input, st.Input
		ti.SetStyles(s)
		return ti
	}
	p := &OrderEntry{
		st: st, side: exchange.Buy, typ: exchange.LimitOrder, tif: exchange.GTC,
		infos: map[string]exchange.AccountInfo{}, symbols: map[string][]string{}, rules: map[string]RulesMsg{},
		budgets: map[string]exchange.BudgetSnapshot{}, asked: map[string]bool{}, gates: map[string]string{},
		funds: map[string]map[string]exchange.Balance{}, quotes: map[string]QuoteMsg{},
		symbol: mk("BTCUSDT", 32), qty: mk("0.001", 40), price: mk("50000", 40),
		resetSym: true, // the first account's symbol comes from its list too
		keys: OrderEntryKeys{
			// tab belongs to the cockpit (next pane, from any pane); the
			// form's fields move with ↑/↓, like any list.
			Next:    key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "next field")),
			Prev:    key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "prev field")),
			Cycle:   key.NewBinding(key.WithKeys("space", "left", "right"), key.WithHelp("space/←→", "change")),
			Symbols: key.NewBinding(key.WithKeys("pgup", "pgdown"), key.WithHelp("pgup/pgdn", "symbols")),
			Submit:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "submit")),
			Close:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
		},
	}
	p.symbol.Validate = nil
	p.validate()
	return p
}

// hint is how an empty field shows an example: marked in words, so it never
// reads as a typed value. The leading space keeps the cursor off the hint.
func hint(example string) string { return " (e.g. " + example + ")" }

func (p *OrderEntry) Title() string { return "New order" }

// Focus starts at the account field: what the form keeps is its values,
// not where the cursor was, so the same keys always do the same thing.
func (p *OrderEntry) Focus() {
	p.focused = true
	p.field = FieldAccount
	p.focusField()
	p.render()
}

func (p *OrderEntry) Blur() {
	p.focused = false
	p.symbol.Blur()
	p.qty.Blur()
	p.price.Blur()
	p.render()
}

func (p *OrderEntry) SetSize(w, h int) {
	p.w, p.h = w, h
	iw := max(1, min(28, w-16))
	p.symbol.SetWidth(iw)
	p.qty.SetWidth(iw)
	p.price.SetWidth(iw)
	p.render()
}

func (p *OrderEntry) ShortHelp() []key.Binding {
	return []key.Binding{p.keys.Submit, p.keys.Next, p.keys.Cycle, p.keys.Close}
}

func (p *OrderEntry) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.keys.Next, p.keys.Prev, p.keys.Cycle, p.keys.Symbols}, {p.keys.Submit, p.keys.Close}}
}

// Account is the selected account.
func (p *OrderEntry) Account() string {
	if p.acct < len(p.accts.list) {
		return p.accts.list[p.acct]
	}
	return ""
}

// Field is the field that has the keyboard.
func (p *OrderEntry) Field() Field { return p.field }

// Capturing reports whether a text field (symbol, quantity, price) has the
// keyboard: then letters and digits are typed, not the cockpit's keys (q,
// ?, 1-7). On the account, side, type and in-force fields they are the
// cockpit's, as in every other pane.
func (p *OrderEntry) Capturing() bool {
	return p.focused && (p.field == FieldSymbol || p.field == FieldQty || p.field == FieldPrice)
}

// Blocked is why submit is disabled ("" when it is not).
func (p *OrderEntry) Blocked() string { return p.blocked }

// Violations are the rule breaks of the order as typed.
func (p *OrderEntry) Violations() []exchange.Violation { return p.violations }

// Prefill sets account (by name, if known) and symbol, for ui opening the
// form from a selected order or balance.
func (p *OrderEntry) Prefill(account, symbol string) tea.Cmd {
	if i := slices.Index(p.accts.list, account); i >= 0 {
		p.acct = i
	}
	p.symbol.SetValue(symbol)
	p.symbol.CursorEnd()
	cmd := p.needRules(true)
	p.validate()
	return cmd
}

func (p *OrderEntry) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case AccountsMsg:
		cur := p.Account()
		p.accts.set(msg)
		for _, a := range msg.Accounts {
			p.infos[a.Name] = a
		}
		p.acct = max(0, slices.Index(p.accts.list, cur))
	case SymbolsMsg:
		p.symbols[msg.Account] = msg.Symbols
		if msg.Account == p.Account() {
			if p.resetSym {
				p.resetSymbol()
			}
			cmd = p.needRules(false)
		}
	case BalancesMsg:
		if msg.Err != nil {
			return nil // the last known balances stand
		}
		m := make(map[string]exchange.Balance, len(msg.Balances))
		for _, b := range msg.Balances {
			m[strings.ToUpper(b.Asset)] = b
		}
		p.funds[msg.Account] = m
	case RulesMsg:
		p.rules[msg.Account+"\x00"+strings.ToUpper(msg.Rules.Symbol)] = msg
	case QuoteMsg:
		k := msg.Account + "\x00" + strings.ToUpper(msg.Symbol)
		if msg.Err != "" {
			// The last good prices stand, marked with their age and why
			// they are not newer.
			old := p.quotes[k]
			old.Err, old.Account, old.Symbol = msg.Err, msg.Account, msg.Symbol
			msg = old
		}
		p.quotes[k] = msg
	case BudgetMsg:
		if old, ok := p.budgets[msg.Snapshot.Account]; ok && sameBudget(old, msg.Snapshot) {
			return nil
		}
		p.budgets[msg.Snapshot.Account] = msg.Snapshot
	case OrderGateMsg:
		p.gates[msg.Account] = msg.Closed
	case TickMsg:
		p.now = msg.Now
	case tea.KeyPressMsg:
		if !p.focused {
			return nil
		}
		cmd = p.key(msg)
	default:
		return nil
	}
	p.validate()
	return cmd
}

func (p *OrderEntry) visible(f Field) bool {
	switch f {
	case FieldPrice, FieldTIF:
		return p.typ == exchange.LimitOrder
	}
	return true
}

func (p *OrderEntry) move(d int) tea.Cmd {
	leaving := p.field
	for {
		p.field = (p.field + Field(d) + nFields) % nFields
		if p.visible(p.field) {
			break
		}
	}
	p.focusField()
	if leaving == FieldSymbol {
		// Without a symbol list a typed symbol is only final when left.
		return p.needRules(true)
	}
	return nil
}

func (p *OrderEntry) focusField() {
	p.symbol.Blur()
	p.qty.Blur()
	p.price.Blur()
	if !p.focused {
		return
	}
	switch p.field {
	case FieldSymbol:
		p.symbol.Focus()
	case FieldQty:
		p.qty.Focus()
	case FieldPrice:
		p.price.Focus()
	}
}

func (p *OrderEntry) key(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, p.keys.Next):
		return p.move(1)
	case key.Matches(msg, p.keys.Prev):
		return p.move(-1)
	case key.Matches(msg, p.keys.Submit):
		p.validate()
		if p.blocked != "" || len(p.problems) > 0 {
			return nil
		}
		return intent(SubmitOrder{Account: p.Account(), Req: p.req, Ref: p.ref, Balances: p.balances(p.Account())})
	}
	switch p.field {
	case FieldAccount:
		if key.Matches(msg, p.keys.Cycle, p.keys.Symbols) && len(p.accts.list) > 0 {
			p.acct = (p.acct + dir(msg) + len(p.accts.list)) % len(p.accts.list)
			p.resetSym = true
			p.resetSymbol()
			return p.needRules(false)
		}
	case FieldSide:
		if key.Matches(msg, p.keys.Cycle, p.keys.Symbols) {
			p.side = map[exchange.Side]exchange.Side{exchange.Buy: exchange.Sell, exchange.Sell: exchange.Buy}[p.side]
		}
	case FieldType:
		if key.Matches(msg, p.keys.Cycle, p.keys.Symbols) {
			p.typ = map[exchange.OrderType]exchange.OrderType{exchange.LimitOrder: exchange.MarketOrder, exchange.MarketOrder: exchange.LimitOrder}[p.typ]
		}
	case FieldTIF:
		if key.Matches(msg, p.keys.Cycle, p.keys.Symbols) {
			tifs := []exchange.TimeInForce{exchange.GTC, exchange.IOC, exchange.FOK}
			i := slices.Index(tifs, p.tif)
			p.tif = tifs[(i+dir(msg)+len(tifs))%len(tifs)]
		}
	case FieldSymbol:
		if key.Matches(msg, p.keys.Symbols) {
			syms := p.symbols[p.Account()]
			if len(syms) == 0 {
				return nil
			}
			i := slices.Index(syms, strings.ToUpper(strings.TrimSpace(p.symbol.Value())))
			if i < 0 && dir(msg) < 0 {
				i = 0
			}
			p.symbol.SetValue(syms[(i+dir(msg)+len(syms))%len(syms)])
			p.symbol.CursorEnd()
			return p.needRules(false)
		}
		if p.symAuto && msg.Text != "" {
			p.symbol.SetValue("")
		}
		p.symAuto = false
		var cmd tea.Cmd
		p.symbol, cmd = p.symbol.Update(msg)
		p.resetSym = false // typed now: the user's, not the previous venue's
		return tea.Batch(cmd, p.needRules(false))
	case FieldQty:
		var cmd tea.Cmd
		p.qty, cmd = p.qty.Update(numericOnly(msg))
		return cmd
	case FieldPrice:
		var cmd tea.Cmd
		p.price, cmd = p.price.Update(numericOnly(msg))
		return cmd
	}
	return nil
}

// resetSymbol keeps the typed symbol only if the account's venue lists
// it: otherwise the same pair in the venue's spelling (BTCUSDT becomes
// BTC-USDT), else the first symbol listed, as the CLI's hint does. Until
// the account's list arrives the symbol stays and resetSym says so. An
// empty symbol becomes the first listed: a form nobody has typed in yet
// starts on a symbol its venue has, not on a hint.
func (p *OrderEntry) resetSymbol() {
	syms, ok := p.symbols[p.Account()]
	if !ok {
		return
	}
	p.resetSym = false
	cur := strings.ToUpper(strings.TrimSpace(p.symbol.Value()))
	if len(syms) == 0 || slices.Contains(syms, cur) {
		return
	}
	pick := syms[0]
	if cur == "" {
		p.symAuto = true
	}
	for _, s := range syms {
		if bareSymbol(s) == bareSymbol(cur) {
			pick = s
			break
		}
	}
	p.symbol.SetValue(pick)
	p.symbol.CursorEnd()
}

// bareSymbol is a symbol without separators, upper case: BTC-USDT is BTCUSDT.
func bareSymbol(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '/', ':', ' ':
			return -1
		}
		return r
	}, strings.ToUpper(s))
}

// dir is -1 for left/up/shift, else +1.
func dir(msg tea.KeyPressMsg) int {
	switch msg.String() {
	case "left", "up", "pgup":
		return -1
	}
	return 1
}

// numericOnly drops printable keys that cannot be part of a decimal, so
// the field never holds letters; editing keys pass.
func numericOnly(msg tea.KeyPressMsg) tea.Msg {
	if msg.Text == "" {
		return msg
	}
	for _, r := range msg.Text {
		if (r < '0' || r > '9') && r != '.' {
			return nil
		}
	}
	return msg
}

// needRules asks ui for the rules of the account's current symbol once.
// Unless final, only a symbol the venue listed is asked for, so typing
// "BTCUSDT" does not ask for "B", "BT", ...
func (p *OrderEntry) needRules(final bool) tea.Cmd {
	acct, sym := p.Account(), strings.ToUpper(strings.TrimSpace(p.symbol.Value()))
	if acct == "" || sym == "" {
		return nil
	}
	k := acct + "\x00" + sym
	if _, ok := p.rules[k]; ok || p.asked[k] {
		return nil
	}
	if syms, ok := p.symbols[acct]; ok && !slices.Contains(syms, sym) {
		return nil
	} else if !ok && !final {
		return nil
	}
	p.asked[k] = true
	return intent(NeedRules{Account: acct, Symbol: sym})
}

// balances are the account's as the form last heard them, nil when unknown.
func (p *OrderEntry) balances(acct string) []exchange.Balance {
	m, ok := p.funds[acct]
	if !ok {
		return nil
	}
	out := make([]exchange.Balance, 0, len(m))
	for _, b := range m {
		out = append(out, b)
	}
	return out
}

// validate derives the request from the fields and renders policy's
// verdict on it; what is typed but not a number is the form's own problem.
func (p *OrderEntry) validate() {
	acct := p.Account()
	sym := strings.ToUpper(strings.TrimSpace(p.symbol.Value()))
	p.req = exchange.OrderRequest{Symbol: sym, Side: p.side, Type: p.typ}
	p.problems, p.violations, p.blocked, p.notional = nil, nil, "", ""

	rm, haveRules := p.rules[acct+"\x00"+sym]
	p.qtyUnit = ""
	if haveRules {
		p.qtyUnit = QtyUnitWords(rm.Rules)
	}
	qty, qerr := decimal.NewFromString(strings.TrimSpace(p.qty.Value()))
	switch {
	case strings.TrimSpace(p.qty.Value()) == "":
		p.problems = append(p.problems, "quantity: required")
	case qerr != nil:
		p.problems = append(p.problems, "quantity: not a number")
	default:
		p.req.Qty = qty
	}
	if p.typ == exchange.LimitOrder {
		p.req.TIF = p.tif
		pr, perr := decimal.NewFromString(strings.TrimSpace(p.price.Value()))
		switch {
		case strings.TrimSpace(p.price.Value()) == "":
			p.problems = append(p.problems, "price: required for LIMIT")
		case perr != nil:
			p.problems = append(p.problems, "price: not a number")
		default:
			p.req.Price = pr
		}
	}

	p.ref = p.req.Price
	if p.typ == exchange.MarketOrder {
		p.ref = rm.LastPrice
		if q := p.quotes[acct+"\x00"+sym]; q.Quote.Last.Sign() > 0 {
			p.ref = q.Quote.Last // the refreshed last price, not the one fetched with the rules
		}
	}
	v := policy.Judge(policy.Order{Info: p.infos[acct], Rules: rm.Rules, Req: p.req, Ref: p.ref, Balances: p.balances(acct)})
	p.verdict = v

	if haveRules && len(p.problems) == 0 {
		p.violations = v.Violations
		for _, x := range v.Violations {
			s := "✗ " + x.String()
			if !x.Nearest.IsZero() {
				switch x.Field {
				case "price":
					s += " → nearest " + rm.Rules.FormatPrice(x.Nearest)
				default: // qty, and notional, whose nearest is a quantity
					s += " → nearest qty " + rm.Rules.FormatQty(x.Nearest)
				}
			}
			p.problems = append(p.problems, s)
		}
	}

	if p.req.Qty.Sign() > 0 && v.Known {
		// Exact, in the quote currency: rounding would make a notional
		// near a limit read as inside it.
		p.notional = v.Notional.String()
		if haveRules && v.Quote != "" {
			p.notional += " " + v.Quote
		}
		if p.typ == exchange.MarketOrder {
			p.notional += " (at last price " + p.ref.String() + ")"
		}
	}

	switch {
	case acct == "":
		p.blocked = "no account"
	case v.Locked != "":
		p.blocked = "mainnet locked (allow_mainnet off)"
	case p.gates[acct] != "":
		p.blocked = p.gates[acct]
	case p.budgets[acct].Banned(p.now):
		p.blocked = "banned for " + shortDur(p.budgets[acct].BannedUntil.Sub(p.now))
	case sym == "":
		p.blocked = "no symbol"
	case !haveRules && p.unlisted(acct, sym):
		// Its rules are never asked for: waiting would never end.
		p.blocked = sym + " is not a symbol " + acct + " lists (pgup/pgdn: pick one)"
	case !haveRules:
		p.blocked = "waiting for " + sym + " rules"
	}
	switch {
	case p.blocked != "":
		p.keys.Submit.SetHelp("enter", "submit blocked: "+p.blocked)
	case len(p.problems) > 0:
		p.keys.Submit.SetHelp("enter", fmt.Sprintf("submit blocked: %d problem(s)", len(p.problems)))
	default:
		p.keys.Submit.SetHelp("enter", "submit")
	}
	p.render()
}

func (p *OrderEntry) render() {
	p.lines = p.lines[:0]
	if p.w <= 0 {
		return
	}
	acct := p.Account()
	f := p.accts.info[acct]
	var fields []string
	focusLine := 0
	for fl := Field(0); fl < nFields; fl++ {
		if !p.visible(fl) {
			continue
		}
		mark := "  "
		if fl == p.field && p.focused {
			mark, focusLine = "▸ ", len(fields)
		}
		var val string
		switch fl {
		case FieldAccount:
			val = "◀ " + acct + " ▶"
			if acct == "" {
				val = p.st.Muted.Render("no accounts")
			} else if f.mainnet {
				val += " " + p.st.BadgeMain.Render("MAINNET")
			} else if f.network != "" {
				val += " " + p.st.Badge.Render("TESTNET")
			}
			if f.demo {
				val += " " + p.st.Badge.Render("DEMO")
			}
		case FieldSymbol:
			// The example is a symbol this account's venue lists.
			if syms := p.symbols[acct]; len(syms) > 0 {
				p.symbol.Placeholder = hint(syms[0])
			} else {
				p.symbol.Placeholder = hint("BTCUSDT")
			}
			val = p.symbol.View()
			// The hint only where it fits whole: cut, it reads as a value.
			if n := len(p.symbols[acct]); n > 0 {
				hint := fmt.Sprintf("  ↑↓ %d symbols", n)
				if 2+9+1+lipgloss.Width(val)+lipgloss.Width(hint) <= p.w {
					val += p.st.Muted.Render(hint)
				}
			}
		case FieldSide:
			if p.side == exchange.Buy {
				val = p.st.Buy.Render("▲ BUY")
			} else {
				val = p.st.Sell.Render("▼ SELL")
			}
		case FieldType:
			val = string(p.typ)
		case FieldQty:
			val = p.qty.View()
		case FieldPrice:
			val = p.price.View()
		case FieldTIF:
			val = string(p.tif)
		}
		fields = append(fields, fit(mark+padRight(fieldLabel[fl], 9)+" "+val, p.w))
		if fl == FieldQty && p.qtyUnit != "" {
			// A derivative's quantity is in the venue's unit, which is
			// not always the coin: said under the value it qualifies.
			fields = append(fields, fit(spaces(2+9+1)+p.st.Muted.Render(p.qtyUnit), p.w))
		}
	}
	var bottom []string
	bottom = append(bottom, p.marketLines()...)
	if p.notional != "" {
		bottom = append(bottom, fit("  notional  "+p.notional, p.w))
	}
	for _, s := range p.problems {
		// The nearest valid value is at the end: wrap, never cut it off.
		for _, l := range wrapIndented("  ", s, p.w, 4) {
			bottom = append(bottom, p.st.Error.Render(l))
		}
	}
	v := p.verdict
	ready := p.blocked == "" && len(p.problems) == 0
	if ready {
		// Warnings, not blocks (funds short among them: the venue holds
		// the ledger and decides); each is why the confirmation will ask
		// for the symbol.
		for i, why := range v.Confirm {
			if i == 0 {
				why = "type " + v.Typed + " to confirm: " + why
			}
			for _, l := range wrapIndented("  ", "⚠ "+why, p.w, 4) {
				bottom = append(bottom, p.st.Warn.Render(l))
			}
		}
	}
	switch {
	case p.blocked != "":
		bottom = append(bottom, fit(p.st.Danger.Render("⚠ submit disabled: "+p.blocked), p.w))
	case ready && v.Short != "":
		bottom = append(bottom, fit(p.st.Warn.Render("⚠ ready, funds short: enter to review"), p.w))
	case ready:
		bottom = append(bottom, fit(p.st.OK.Render("✓ ready: enter to review"), p.w))
	}
	// On a short form the fields scroll around the focused one and the
	// verdict keeps the bottom, since it says why enter does nothing.
	if p.h > 0 && len(fields)+len(bottom) > p.h {
		keep := min(len(bottom), max(1, p.h/2))
		bottom = append(bottom[:keep-1:keep-1], bottom[len(bottom)-1])
		fh := p.h - len(bottom)
		off := clampOff(follow(0, focusLine, fh), len(fields), fh)
		fields = window(fields, off, fh)
	}
	p.lines = append(append(p.lines, fields...), bottom...)
}

// QuoteMsg is the order form's market data for one symbol: best bid, best
// ask and last price (zero: not given), or why they could not be fetched.
// ui fetches it every few seconds while the form has the keyboard.
type QuoteMsg struct {
	Account, Symbol string
	Quote           exchange.Quote
	At              time.Time // when the prices were fetched
	Err             string    // why the latest refresh failed; the prices are older
}

// WantQuote is the account and symbol whose prices the form shows, when it
// has the keyboard and the symbol's rules are known (so the venue lists
// it): ui refreshes them. ok is false when nothing needs refreshing.
func (p *OrderEntry) WantQuote() (account, symbol string, ok bool) {
	acct, sym := p.Account(), strings.ToUpper(strings.TrimSpace(p.symbol.Value()))
	if !p.focused || acct == "" || sym == "" {
		return "", "", false
	}
	if _, have := p.rules[acct+"\x00"+sym]; !have {
		return "", "", false
	}
	return acct, sym, true
}

// fmtPrice prints a price with the symbol's digits.
func (p *OrderEntry) fmtPrice(rm RulesMsg, d decimal.Decimal) string {
	if rm.Rules.Symbol == "" {
		return d.String()
	}
	return rm.Rules.FormatPrice(d)
}

// marketLines are the symbol's best bid and ask and its last price, in
// the form's label column, with their age once they are old and why when
// the refresh failed; none before any prices for the symbol arrived.
func (p *OrderEntry) marketLines() []string {
	acct := p.Account()
	sym := strings.ToUpper(strings.TrimSpace(p.symbol.Value()))
	q, ok := p.quotes[acct+"\x00"+sym]
	if !ok || sym == "" {
		return nil
	}
	rm := p.rules[acct+"\x00"+sym]
	px := func(d decimal.Decimal) string {
		if d.Sign() <= 0 {
			return "—"
		}
		return p.fmtPrice(rm, d)
	}
	var out []string
	if !q.At.IsZero() {
		last := px(q.Quote.Last)
		if age := p.now.Sub(q.At); !p.now.IsZero() && age >= 10*time.Second {
			last += " · " + shortDur(age) + " old"
		}
		out = append(out,
			fit("  "+padRight("bid / ask", 9)+" "+px(q.Quote.Bid)+" / "+px(q.Quote.Ask), p.w),
			fit("  "+padRight("last", 9)+" "+last, p.w))
	}
	if q.Err != "" {
		for _, l := range wrapIndented("  ", "⚠ prices not refreshed: "+q.Err, p.w, 4) {
			out = append(out, p.st.Warn.Render(l))
		}
	}
	return out
}

func (p *OrderEntry) View() string { return p.shown.view(window(p.lines, 0, p.h)) }

// Version moves when View would show other text (see shown).
func (p *OrderEntry) Version() uint64 { return p.shown.version(window(p.lines, 0, p.h)) }

// QtyUnitWords says what a derivative's quantity counts, as the venue
// sizes it: "contracts of 10 USD" (inverse), "contracts of 0.001 BTC",
// "BTC" (a linear contract sized in coin); "" for spot, whose quantity is
// the base as everywhere.
func QtyUnitWords(r exchange.SymbolRules) string {
	if !r.Derivative() {
		return ""
	}
	size := r.ContractSize
	switch r.Unit {
	case exchange.UnitQuote:
		if size.IsZero() {
			size = decimal.NewFromInt(1)
		}
		return "contracts of " + size.String() + " " + r.Quote
	case exchange.UnitContracts:
		if size.IsZero() {
			size = decimal.NewFromInt(1)
		}
		return "contracts of " + size.String() + " " + r.Base
	}
	return r.Base
}
