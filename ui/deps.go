// Package ui is the cockpit's root model, the only tea.Model: layout, focus,
// keymap, help, dialogs, routing of venue data to panes, and every side
// effect, which leaves Update as a tea.Cmd that captures values, never the
// model.
package ui

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/views"
)

// OrderDesk places and cancels orders for the cockpit. The durable desk in
// package orders journals each intent before sending and resolves ambiguous
// outcomes; DirectDesk is the journal-less version for tests and the demo.
type OrderDesk interface {
	Place(ctx context.Context, account string, req exchange.OrderRequest) (exchange.Order, error)
	Cancel(ctx context.Context, account string, ref exchange.OrderRef) (exchange.Order, error)
	// History is the desk's record of account's orders, newest last.
	History(account string) []exchange.Order
}

// FeedControl is what the model asks of the pollers. Calls must not block.
type FeedControl interface {
	Resync(account string) // "" for all
	Restart(account string)
}

// Panes builds the seven panes, indexed by PaneID, over the model's styles.
type Panes func(st *views.Styles) [NumPanes]views.Pane

// Deps is everything the cockpit needs from main.
type Deps struct {
	Venues  []exchange.Venue
	Orders  OrderDesk // nil: a DirectDesk over Venues
	Demo    bool      // show the DEMO badge instead of the vault state
	Now     func() time.Time
	NoColor bool
	Dark    bool
	// Panes overrides the real panes (tests use stand-ins); nil: DefaultPanes.
	Panes Panes
	// Feed is set by Attach; nil means resyncs go straight to the venue.
	Feed FeedControl
	// RequestTimeout bounds every request a command makes (default 10s);
	// OrderTimeout bounds place and cancel (default 15s).
	RequestTimeout, OrderTimeout time.Duration
	// LocalTime shows times in Local instead of UTC at start (config
	// time_zone = "local"); the TimeZone key toggles it. Local nil is
	// time.Local (tests pass a fixed zone).
	LocalTime bool
	Local     *time.Location
	// NoMouse starts the cockpit with the mouse off (config mouse =
	// false), so the terminal's own text selection works, as over SSH or
	// in tmux without mouse mode; the Mouse key toggles it.
	NoMouse bool
}

// DirectDesk sends straight to the venues and remembers what it saw, in
// memory. It has no journal: a crash between send and ack loses the intent.
type DirectDesk struct {
	venues map[string]exchange.Venue

	mu      sync.Mutex
	history map[string][]exchange.Order
}

// NewDirectDesk returns a desk over venues, keyed by account name.
func NewDirectDesk(venues []exchange.Venue) *DirectDesk {
	d := &DirectDesk{venues: map[string]exchange.Venue{}, history: map[string][]exchange.Order{}}
	for _, v := range venues {
		d.venues[v.Info().Name] = v
	}
	return d
}

func (d *DirectDesk) venue(account string) (exchange.Venue, error) {
	v, ok := d.venues[account]
	if !ok {
		return nil, fmt.Errorf("no account %q", account)
	}
	return v, nil
}

func (d *DirectDesk) Place(ctx context.Context, account string, req exchange.OrderRequest) (exchange.Order, error) {
	v, err := d.venue(account)
	if err != nil {
		return exchange.Order{}, err
	}
	if req.ClientID == "" {
		return exchange.Order{}, fmt.Errorf("place on %s: order has no client id", account)
	}
	o, err := v.Place(exchange.WithPriority(ctx, exchange.Trading), req)
	if err == nil {
		d.record(account, o)
	}
	return o, err
}

func (d *DirectDesk) Cancel(ctx context.Context, account string, ref exchange.OrderRef) (exchange.Order, error) {
	v, err := d.venue(account)
	if err != nil {
		return exchange.Order{}, err
	}
	o, err := v.Cancel(exchange.WithPriority(ctx, exchange.Trading), ref)
	if err == nil {
		d.record(account, o)
	}
	return o, err
}

func (d *DirectDesk) History(account string) []exchange.Order {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.history[account])
}

func (d *DirectDesk) record(account string, o exchange.Order) {
	o.Account = account
	d.mu.Lock()
	defer d.mu.Unlock()
	h := d.history[account]
	if i := slices.IndexFunc(h, func(x exchange.Order) bool { return x.ClientID == o.ClientID }); i >= 0 {
		h[i] = o
		return
	}
	d.history[account] = append(h, o)
}

// accountsMsg lists the configured accounts for the panes.
func accountsMsg(venues []exchange.Venue) views.AccountsMsg {
	infos := make([]exchange.AccountInfo, 0, len(venues))
	for _, v := range venues {
		infos = append(infos, v.Info())
	}
	return views.AccountsMsg{Accounts: infos}
}
