package views

import (
	"fmt"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders/policy"
)

// KeysKeys is the keymap of the keys pane.
type KeysKeys struct{ ScrollKeys }

// Keys shows what each account's API key may do: network, scheme, masked
// id, permissions (WITHDRAW loudly), IP binding, age and expiry.
type Keys struct {
	st      *Styles
	keys    KeysKeys
	w, h    int
	focused bool
	now     time.Time

	accts   accountOrder
	created map[string]time.Time // from the vault, via AccountsMsg
	audit   map[string]KeyInfoMsg
	stream  map[string]StreamMsg // accounts with a private stream

	lines []string
	// starts are where each account's block begins in lines; marked is
	// visible's buffer for a window with its "↓ N more" line.
	starts []int
	marked []string
	off    int
	sel    int  // the account under the cursor, while focused
	pin    int  // after home/end: -1 the window shows the top, +1 the bottom
	stale  bool // lines are behind the data; View renders them
	shown  shown
}

// permsLegends explain the letters the narrow shapes use for permissions,
// longest first: the pane shows the first that fits.
var permsLegends = []string{
	"perms: R read · T trade · W withdraw · - not granted · ? unknown",
	"perms: R read · T trade · W withdraw · - no · ? unknown",
	"R read · T trade · W withdraw · - no · ? unknown",
	"R read T trade W withdraw",
}

// NewKeys returns an empty keys pane.
func NewKeys(st *Styles) *Keys {
	return &Keys{st: st, keys: KeysKeys{newScrollKeys()}, created: map[string]time.Time{}, audit: map[string]KeyInfoMsg{}, stream: map[string]StreamMsg{}}
}

func (p *Keys) Title() string { return "Keys" }
func (p *Keys) Focus()        { p.focused = true; p.stale = true }
func (p *Keys) Blur()         { p.focused = false; p.stale = true }

// Selected is the account under the cursor ("" when there is none).
func (p *Keys) Selected() string {
	if p.sel < len(p.accts.list) {
		return p.accts.list[p.sel]
	}
	return ""
}

func (p *Keys) SetSize(w, h int) {
	p.w, p.h = w, h
	p.stale = true
}

func (p *Keys) ShortHelp() []key.Binding  { return []key.Binding{p.keys.Up, p.keys.Down} }
func (p *Keys) FullHelp() [][]key.Binding { return [][]key.Binding{p.keys.bindings()} }

func (p *Keys) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case AccountsMsg:
		p.accts.set(msg)
		for _, a := range msg.Accounts {
			p.created[a.Name] = a.KeyCreated
		}
	case KeyInfoMsg:
		p.accts.ensure(msg.Account)
		p.audit[msg.Account] = msg
	case StreamMsg:
		p.accts.ensure(msg.Account)
		p.stream[msg.Account] = msg
	case TickMsg:
		p.now = msg.Now
	case tea.KeyPressMsg:
		if p.focused {
			// The keys move a cursor over the accounts; the window follows it.
			if sel, ok := p.keys.move(msg, p.sel, len(p.accts.list), max(1, p.h/2)); ok {
				p.sel, p.pin, p.stale = sel, 0, true
				switch {
				case key.Matches(msg, p.keys.Home):
					p.pin = -1
				case key.Matches(msg, p.keys.End):
					p.pin = 1
				}
			}
		}
		return nil
	default:
		return nil
	}
	p.stale = true
	return nil
}

func (p *Keys) View() string {
	p.settle()
	return p.shown.view(p.visible())
}

// Version moves when View would show other text (see shown).
func (p *Keys) Version() uint64 {
	p.settle()
	return p.shown.version(p.visible())
}

// visible is the window of lines the pane shows. Blurred, it shows the
// top, and its last line says how many accounts it leaves out rather than
// drop them silently.
func (p *Keys) visible() []string {
	win := window(p.lines, p.off, p.h)
	if p.focused || len(p.lines) <= p.h || p.h < 2 || p.off != 0 {
		return win
	}
	hidden := 0
	for _, at := range p.starts {
		if at >= p.h-1 {
			hidden++
		}
	}
	if hidden == 0 {
		return win
	}
	out := append(p.marked[:0], win[:p.h-1]...)
	out = append(out, fit(p.st.Muted.Render(fmt.Sprintf("↓ %d more (focus Keys to scroll)", hidden)), p.w))
	p.marked = out
	return out
}

// settle renders what changed since the last View. Updates only mark the
// pane stale: a flush of many accounts' news then costs one render, not
// one render of every account per account.
func (p *Keys) settle() {
	if p.stale {
		p.stale = false
		p.render()
	}
}

func (p *Keys) render() {
	p.lines = p.lines[:0]
	if p.w <= 0 {
		return
	}
	if len(p.accts.list) == 0 {
		p.lines = append(p.lines, fit(p.st.Muted.Render("no accounts"), p.w))
		return
	}
	p.sel = max(0, min(p.sel, len(p.accts.list)-1))
	// Focused, every line gives two columns to the cursor mark.
	w := p.w
	if p.focused {
		w = max(1, p.w-2)
	}
	// The detail shapes first; when they do not fit the height, one line
	// per account (keys_summary.go).
	wide := p.detail(true, false)
	cands := []blocks{wide, p.detail(false, false), p.mediumDetail(), p.detail(false, true)}
	cands = append(cands, p.summaries()...)
	picked := pickBlocks(w, p.h, cands...)
	letters := !(len(wide) > 0 && len(picked) > 0 && &picked[0] == &wide[0])
	if !p.focused && picked.height() > p.h {
		// Blurred and short of rows: the accounts that need a look come
		// first, so the ones left below the fold are the quiet ones.
		picked = p.riskFirst(picked)
	}
	selFirst, selLast := 0, 0
	p.starts = p.starts[:0]
	for i, b := range picked {
		p.starts = append(p.starts, len(p.lines))
		if p.focused && i == p.sel && len(b) == 1 {
			// A one-line shape leaves out the key id, age and expiry: the
			// account under the cursor gets them on a second line.
			b = append(b, p.keyLine(p.accts.list[i]))
		}
		if i == p.sel {
			selFirst = len(p.lines)
		}
		for j, l := range b {
			switch {
			case !p.focused:
			case i == p.sel && j == 0:
				l = p.st.Selected.Render("▸") + " " + l
			default:
				l = "  " + l
			}
			p.lines = append(p.lines, fit(l, p.w))
		}
		if i == p.sel {
			selLast = len(p.lines) - 1
		}
	}
	if letters && len(p.lines) < p.h {
		for _, l := range permsLegends {
			if lipgloss.Width(l) <= p.w {
				p.lines = append(p.lines, p.st.Muted.Render(l))
				break
			}
		}
	}
	if p.focused {
		// The window follows the cursor's block.
		if selLast >= p.off+p.h {
			p.off = selLast - p.h + 1
		}
		if selFirst < p.off {
			p.off = selFirst
		}
		switch p.pin {
		case -1:
			p.off = 0
		case 1:
			p.off = len(p.lines)
		}
	}
	p.off = clampOff(p.off, len(p.lines), p.h)
}

// keyLine is an account's key id, scheme, age and expiry, for the account
// under the cursor when a shape leaves them out.
func (p *Keys) keyLine(name string) string {
	f := p.accts.info[name]
	a, audited := p.audit[name]
	return "  " + joinSpace([]string{"key " + p.st.Muted.Render(f.keyID), f.scheme, " " + p.ageExpiry(name, a, audited)})
}

// detail renders each account over a few lines: identity, then what the
// key may do, then audit and stream. wide puts the first two on one line;
// split moves the key id and scheme off the identity line, which is the
// one that overflows a pane in a third of a wide terminal.
func (p *Keys) detail(wide, split bool) blocks {
	if wide && p.w < 120 {
		return nil
	}
	out := make(blocks, 0, len(p.accts.list))
	for _, name := range p.accts.list {
		var lines []string
		f := p.accts.info[name]
		a, audited := p.audit[name]
		id := joinSpace([]string{p.st.Title.Render(name), f.venue, p.networkBadge(f), f.scheme, p.st.Muted.Render(f.keyID)})
		if split {
			id = joinSpace([]string{p.st.Title.Render(name), f.venue, p.networkBadge(f)})
		}
		perms, ip, age := p.perms(a.Info, audited && a.Err == nil, wide, p.risks(name)), p.ipBinding(a.Info, audited && a.Err == nil, wide, p.risks(name)), p.ageExpiry(name, a, audited)
		switch {
		case wide:
			lines = append(lines, joinFit(p.w, "  ", padRight(id, 52), perms, ip, age))
		case split:
			lines = append(lines, id, "  "+joinSpace([]string{perms, " " + ip, " " + f.scheme, p.st.Muted.Render(f.keyID)}), "  "+age)
		default:
			lines = append(lines, id, "  "+joinSpace([]string{perms, " " + ip, " " + age}))
		}
		switch {
		case !audited:
			lines = append(lines, fit("  "+p.st.Muted.Render("audit pending"), p.w))
		case a.Err != nil:
			lines = append(lines, fit("  "+p.st.Error.Render("audit failed: "+a.Err.Error()), p.w))
		}
		if sm, ok := p.stream[name]; ok {
			lines = append(lines, fit("  "+p.streamLine(sm), p.w))
		}
		out = append(out, lines)
	}
	return out
}

// streamLine says whether the account's private stream can be trusted:
// "stream live · last event 3s ago", "stream reconnecting in 4s (attempt
// 3)", "stream DOWN since 14:03:10 (attempt 6, retry in 20s)". The words
// carry the meaning; colour only repeats it.
func (p *Keys) streamLine(m StreamMsg) string {
	ago := func(t time.Time) string {
		if t.IsZero() || p.now.IsZero() {
			return ""
		}
		return shortDur(p.now.Sub(t))
	}
	retry := func() string {
		if m.RetryAt.IsZero() || p.now.IsZero() {
			return ""
		}
		if d := m.RetryAt.Sub(p.now); d > 0 {
			return "in " + shortDur(d)
		}
		return "now"
	}
	switch m.State {
	case "live":
		s := "stream live"
		if a := ago(m.LastEvent); a != "" {
			s += " · last event " + a + " ago"
		} else if a := ago(m.Since); a != "" {
			s += " " + a + " · no events yet"
		}
		return p.st.OK.Render(s)
	case "reconnecting":
		s := "stream reconnecting"
		if r := retry(); r != "" {
			s += " " + r
		}
		return p.st.Warn.Render(fmt.Sprintf("%s (attempt %d)", s, m.Attempt))
	case "down":
		s := "stream DOWN"
		if !m.Since.IsZero() {
			s += " since " + m.Since.Local().Format("15:04:05")
		}
		detail := fmt.Sprintf("attempt %d", m.Attempt)
		if r := retry(); r != "" {
			detail += ", retry " + r
		}
		return p.st.Danger.Render(s + " (" + detail + ")")
	case "off", "":
		return p.st.Muted.Render("stream off (polling)")
	}
	return p.st.Muted.Render("stream " + m.State)
}

func (p *Keys) networkBadge(f accountFacts) string {
	var b string
	switch {
	case f.mainnet:
		b = p.st.BadgeMain.Render("MAINNET")
	case f.network == "":
		b = p.st.Muted.Render("?net")
	default:
		b = p.st.Badge.Render("TESTNET")
	}
	if f.demo {
		b += " " + p.st.Badge.Render("DEMO")
	}
	return b
}

// perms spells permissions out when wide ("read trade ⚠ WITHDRAW") and as
// letters when narrow ("R T -"), except withdrawal, which a lone letter
// would let slip by ("R T ⚠WITHDRAW"); "-" is a permission the key lacks
// and "?" one the venue would not tell.
func (p *Keys) perms(ki exchange.KeyInfo, known, wide bool, risks []policy.KeyRisk) string {
	_, risky := policy.Risk(risks, policy.RiskWithdrawUnknown)
	if !known {
		return p.st.Muted.Render("perms ?")
	}
	one := func(t exchange.Tri, word, letter string) string {
		switch t {
		case exchange.TriYes:
			if wide {
				return word
			}
			return letter
		case exchange.TriNo:
			if wide {
				return p.st.Muted.Render("no-" + word)
			}
			return "-"
		}
		if wide {
			return p.st.Warn.Render(word + "?")
		}
		return p.st.Warn.Render("?")
	}
	w := one(ki.Withdraw, "withdraw", "W")
	if ki.Withdraw == exchange.TriUnknown && !risky {
		// Not a risk on testnet (the key-risk table): said, not flagged.
		w = p.st.Muted.Render(map[bool]string{true: "withdraw?", false: "?"}[wide])
	}
	if ki.Withdraw == exchange.TriYes {
		if wide {
			w = p.st.Danger.Render("⚠ WITHDRAW")
		} else {
			w = p.st.Danger.Render("⚠WITHDRAW")
		}
	}
	return one(ki.Read, "read", "R") + " " + one(ki.Trade, "trade", "T") + " " + w
}

func (p *Keys) ipBinding(ki exchange.KeyInfo, known, wide bool, risks []policy.KeyRisk) string {
	if !known {
		return p.st.Muted.Render("IP ?")
	}
	switch ki.IPBound {
	case exchange.TriYes:
		if wide {
			return p.st.OK.Render(fmt.Sprintf("bound %d IPs", len(ki.IPs)))
		}
		return p.st.OK.Render(fmt.Sprintf("IP×%d", len(ki.IPs)))
	case exchange.TriNo:
		if r, ok := policy.Risk(risks, policy.RiskIPUnbound); ok {
			return p.riskStyle(r).Render(r.Word)
		}
		return "UNBOUND" // a testnet key: a fact, not a risk
	}
	return p.st.Warn.Render("IP ?")
}

// risks is the key-risk table for an account whose audit succeeded (nil
// before, or when it failed): the one `vigil check` prints.
func (p *Keys) risks(name string) []policy.KeyRisk {
	a, audited := p.audit[name]
	if !audited || a.Err != nil {
		return nil
	}
	f := p.accts.info[name]
	info := exchange.AccountInfo{Name: name, Venue: f.venue, Network: exchange.Network(f.network), KeyCreated: p.created[name]}
	return policy.KeyRisks(a.Info, info, p.now)
}

// riskFirst orders blocks (one per account, in list order) by how much
// their account needs a look: a danger (withdraw, expired, an audit that
// failed, a dead stream) before a warning before the rest, the config's
// order kept within each.
func (p *Keys) riskFirst(bs blocks) blocks {
	rank := func(name string) int {
		if a, ok := p.audit[name]; ok && a.Err != nil {
			return 0
		}
		if sm, ok := p.stream[name]; ok && sm.State == "down" {
			return 0
		}
		r := 2
		for _, k := range p.risks(name) {
			if k.Level == policy.Danger {
				return 0
			}
			r = 1
		}
		return r
	}
	idx := make([]int, len(bs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(i, j int) int { return rank(p.accts.list[i]) - rank(p.accts.list[j]) })
	out := make(blocks, len(bs))
	for k, i := range idx {
		out[k] = bs[i]
	}
	return out
}

func (p *Keys) riskStyle(r policy.KeyRisk) lipgloss.Style {
	if r.Level == policy.Danger {
		return p.st.Danger
	}
	return p.st.Warn
}

func (p *Keys) ageExpiry(name string, a KeyInfoMsg, audited bool) string {
	risks := p.risks(name)
	created := a.Info.Created
	if created.IsZero() {
		created = p.created[name]
	}
	age := "age ?"
	if r, ok := policy.Risk(risks, policy.RiskKeyOld); ok {
		age = p.riskStyle(r).Render(r.Word)
	} else if !created.IsZero() && !p.now.IsZero() {
		age = fmt.Sprintf("age %dd", int(p.now.Sub(created).Hours()/24))
	}
	var exp string
	switch {
	case !audited || a.Err != nil:
		exp = p.st.Muted.Render("expiry ?")
	case a.Info.Expires.IsZero():
		exp = "no expiry"
	case p.now.IsZero():
		exp = "expiry ?"
	default:
		exp = "expires in " + shortDur(a.Info.Expires.Sub(p.now))
		for _, code := range []string{policy.RiskKeyExpired, policy.RiskKeyExpiring} {
			if r, ok := policy.Risk(risks, code); ok {
				exp = p.riskStyle(r).Render(r.Word)
			}
		}
	}
	return age + "  " + exp
}
