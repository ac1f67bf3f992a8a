package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/views"
)

// quoteEvery is how often the order form's prices are refreshed while it
// has the keyboard.
const quoteEvery = 2 * time.Second

// quoteWanter is an order form that shows a symbol's prices (views.OrderEntry).
type quoteWanter interface {
	WantQuote() (account, symbol string, ok bool)
}

// quotePoll is the one refresh of the order form's prices: at most one in
// flight, the next no sooner than quoteEvery after the last was asked.
type quotePoll struct {
	inflight bool
	last     time.Time // when the last refresh was asked
	key      string    // account + "\x00" + symbol of the last refresh
}

// quoteResult is a refresh's answer; it ends the one in flight.
type quoteResult struct{ dataMsg }

// pollQuote asks for the order form's symbol's prices when the form has
// the keyboard, its symbol is listed, none is in flight and the last is
// quoteEvery old (or was for another symbol). Called on every tick.
func (m *Model) pollQuote() tea.Cmd {
	w, ok := m.panes[PaneOrderEntry].(quoteWanter)
	if !ok || m.focus != PaneOrderEntry || m.quote.inflight {
		return nil
	}
	acct, sym, ok := w.WantQuote()
	a := m.byName[acct]
	if !ok || a == nil {
		return nil
	}
	k := acct + "\x00" + sym
	if k == m.quote.key && !m.quote.last.IsZero() && m.now.Sub(m.quote.last) < quoteEvery {
		return nil
	}
	m.quote = quotePoll{inflight: true, last: m.now, key: k}
	return quoteCmd(a.v, acct, sym, a.gen, m.deps.RequestTimeout, m.deps.Now)
}

// quoteCmd fetches best bid, best ask and last price, or only the last
// price from a venue that cannot quote the book.
func quoteCmd(v exchange.Venue, account, symbol string, gen uint64, timeout time.Duration, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(timeout, exchange.Interactive)
		defer cancel()
		var q exchange.Quote
		var err error
		if qv, ok := v.(exchange.Quoter); ok {
			q, err = qv.Quote(ctx, symbol)
		} else {
			q.Symbol = symbol
			q.Last, err = v.LastPrice(ctx, symbol)
		}
		msg := views.QuoteMsg{Account: account, Symbol: symbol, Quote: q, At: now()}
		if err != nil {
			msg = views.QuoteMsg{Account: account, Symbol: symbol, Err: describeErr(err)}
		}
		return quoteResult{dataMsg{account, gen, msg}}
	}
}
