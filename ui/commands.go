package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed"
	"github.com/vigil-trade/vigil/views"
)

// Every function here returns a tea.Cmd whose closure captures plain values
// (a venue, a desk, a request, a generation): the runtime runs it in its
// own goroutine, so a venue that hangs delays only its own result.

// tickMsg is the 1 Hz heartbeat; Update turns it into views.TickMsg.
type tickMsg time.Time

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// dataMsg is a result of a data request the model made itself, stamped
// with the account generation current when it was asked.
type dataMsg struct {
	account string
	gen     uint64
	msg     tea.Msg
}

// placeResult, cancelResult and cancelAllResult are order outcomes: events,
// so they are never dropped for staleness: the order exists either way.
type placeResult struct {
	account string
	req     exchange.OrderRequest
	order   exchange.Order
	err     error
}

type cancelResult struct {
	account string
	ref     exchange.OrderRef
	order   exchange.Order
	err     error
}

type cancelAllResult struct {
	account string
	results []cancelResult
	err     error // listing the open orders failed
}

func withTimeout(d time.Duration, p exchange.Priority) (context.Context, context.CancelFunc) {
	return context.WithTimeout(exchange.WithPriority(context.Background(), p), d)
}

func placeCmd(desk OrderDesk, account string, req exchange.OrderRequest, timeout time.Duration) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(timeout, exchange.Trading)
		defer cancel()
		o, err := desk.Place(ctx, account, req)
		return placeResult{account: account, req: req, order: o, err: err}
	}
}

func cancelCmd(desk OrderDesk, account string, ref exchange.OrderRef, timeout time.Duration) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(timeout, exchange.Trading)
		defer cancel()
		o, err := desk.Cancel(ctx, account, ref)
		return cancelResult{account: account, ref: ref, order: o, err: err}
	}
}

// cancelAllCmd asks the venue, not the blotter, what is open: the blotter
// may be behind, and an order missed here stays live on the book.
func cancelAllCmd(desk OrderDesk, v exchange.Venue, account string, timeout time.Duration) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(timeout, exchange.Trading)
		defer cancel()
		open, err := v.OpenOrders(ctx, "")
		if err != nil {
			return cancelAllResult{account: account, err: err}
		}
		res := cancelAllResult{account: account}
		for _, o := range open {
			ref := exchange.OrderRef{Symbol: o.Symbol, ClientID: o.ClientID, OrderID: o.OrderID}
			co, err := desk.Cancel(ctx, account, ref)
			res.results = append(res.results, cancelResult{account: account, ref: ref, order: co, err: err})
		}
		return res
	}
}

func historyCmd(desk OrderDesk, account string) tea.Cmd {
	return func() tea.Msg {
		return views.OrdersMsg{Account: account, Orders: desk.History(account)}
	}
}

func symbolsCmd(v exchange.Venue, account string, gen uint64, timeout time.Duration) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(timeout, exchange.Interactive)
		defer cancel()
		syms, err := v.Symbols(ctx)
		if err != nil {
			return dataMsg{account, gen, views.LogMsg{Level: views.LevelWarn, Account: account,
				Text: "symbols: " + describeErr(err), Advice: exchange.AdviceOf(err)}}
		}
		return dataMsg{account, gen, views.SymbolsMsg{Account: account, Symbols: syms}}
	}
}

// rulesCmd fetches a symbol's rules and a reference price together: order
// entry needs both to validate, and the confirmation needs the price to
// state a market order's notional.
func rulesCmd(v exchange.Venue, account, symbol string, gen uint64, timeout time.Duration) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(timeout, exchange.Interactive)
		defer cancel()
		r, err := v.Rules(ctx, symbol)
		if err != nil {
			return dataMsg{account, gen, views.LogMsg{Level: views.LevelError, Account: account,
				Text: "rules for " + symbol + ": " + describeErr(err), Advice: exchange.AdviceOf(err)}}
		}
		px, err := v.LastPrice(ctx, symbol)
		if err != nil {
			px = decimal.Zero // rules still help; the notional will say "unknown"
		}
		return dataMsg{account, gen, views.RulesMsg{Account: account, Rules: r, LastPrice: px}}
	}
}

// syncCmd re-syncs one clock directly when no feed runs (tests, one-shot use).
func syncCmd(v exchange.Venue, account string, gen uint64, timeout time.Duration) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(timeout, exchange.Interactive)
		defer cancel()
		err := v.SyncClock(ctx)
		s := v.Clock()
		s.Account = account
		if err != nil && s.Err == "" {
			s.Err = describeErr(err)
		}
		return dataMsg{account, gen, views.ClockMsg{Snapshot: s}}
	}
}

func resyncCmd(f FeedControl, account string) tea.Cmd {
	return func() tea.Msg {
		f.Resync(account)
		return nil
	}
}

func describeErr(err error) string {
	// Plain words for transport errors ("connection closed by the venue
	// (… EOF)"), "timed out (venue not answering)" for a deadline.
	return exchange.Humanize(err)
}

// orderEvent turns a venue's answer into the event the blotter applies.
func orderEvent(account string, o exchange.Order) views.OrderEventMsg {
	o.Account = account
	return views.OrderEventMsg{Event: exchange.OrderEvent{
		Account: account, Kind: feed.KindOf(o.Status), Order: o, Time: o.Updated,
	}}
}
