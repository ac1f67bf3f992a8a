// Package orders is the one path by which vigil places and cancels orders:
// the cockpit and `vigil order` both go through a Desk, so both get the same
// guarantee. An order is journaled (synced to disk) before its request
// leaves; an order whose outcome was not observed is resolved only by asking
// the venue about its client order id, never by sending it blindly again.
//
// Why a query by client id finds our order and no other: Binance keeps a
// newClientOrderId unique only among open orders, so a filled or cancelled
// order's id may be reused and a query by that id can return an older
// order. vigil never reuses an id: NewClientID gives every intent, in its
// venue's form, a millisecond timestamp plus at least 46 random bits (64 in
// the default form), so an order found under that id was sent by this
// intent. As a guard against ids supplied by a caller (or a
// copied journal), an order the venue created well before the intent is
// refused, not adopted, and the intent stays UNKNOWN for a human.
//
// Why a resend is still a risk, and how it is bounded: after an ambiguous
// place, the venue may not show the order to a query at once. The desk asks,
// waits a grace period, asks again, and resends the same client id only if
// the venue still says not found. If the first request does arrive later
// and is still open, Binance refuses the resend as a duplicate (the desk then
// adopts the open order); if it arrived later and had already filled, the
// venue would take the resend. The grace period is what keeps that window
// small, and Reconcile never resends an intent older than MaxResendAge.
//
// A resend is a new send, so it is held to what a fresh place is held to,
// under the configuration as it stands when it happens (Check: the mainnet
// lock, the symbol's rules, and max_order_notional). Nobody is there to
// confirm it, so an order that would need a typed confirmation is not
// resent, except within the Place call whose caller has just confirmed it.
// Only Place and Reconcile resend; ReconcileReadOnly and Cancel only ask.
//
// Every intent is bound to the venue, network and REST endpoint its account
// pointed at when it was made (store.Binding). An intent whose account now
// points elsewhere is neither asked about, resent nor adopted there: it is
// reported (Report.Foreign) and left in the journal for a human.
package orders

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/store"
)

// Defaults; see the options.
const (
	DefaultGrace        = 2 * time.Second
	DefaultMaxResendAge = time.Minute
	DefaultAttempts     = 3
	// DefaultCreatedSlack bounds how much earlier than the intent the venue
	// may date an order and still have it count as ours: local and venue
	// clocks differ by the offset plus its uncertainty, and a long
	// retry may be seconds late. A generous slack only widens a guard that
	// exists for ids we did not generate.
	DefaultCreatedSlack = time.Minute
	// DefaultConcurrency bounds one account's reconciliation queries in
	// flight. The client's rate budget already paces them within the
	// venue's limits; a handful in flight hides the round trip without
	// opening a connection per order.
	DefaultConcurrency = 8
)

// Errors callers test with errors.Is.
var (
	ErrNotReady       = errors.New("order entry is closed until the journal is reconciled with the venue")
	ErrUnknownAccount = errors.New("no such account")
	ErrAlreadyFinal   = errors.New("order is already final")
	ErrBusy           = errors.New("the order's placement is still being resolved")
	ErrNotPlaced      = errors.New("the venue never received the order")
	ErrNotSent        = errors.New("order not sent")
	ErrNotOurs        = errors.New("the venue holds an older order with this client id")
	ErrLocked         = errors.New("the account takes no orders")
)

// ForeignError is an intent made for another venue, network or endpoint
// than its account points at now (the account was renamed, moved from
// testnet to mainnet, or given another rest_url). The desk neither asks the
// account's venue about it nor resends it there.
type ForeignError struct {
	Account, ClientID string
	Made, Now         store.Binding
}

func (e *ForeignError) Error() string {
	return fmt.Sprintf("intent %s was made for %s on %s; %s now points at %s: not resent, not reconciled; check it by hand",
		e.ClientID, e.Account, e.Made, e.Account, e.Now)
}

// UnresolvedError means the venue's answer about an order could not be
// learnt: the journal keeps it UNKNOWN and Reconcile will ask again.
type UnresolvedError struct {
	Account, ClientID string
	Err               error
}

func (e *UnresolvedError) Error() string {
	return fmt.Sprintf("%s order %s: outcome still unknown (vigil will keep asking the venue): %v", e.Account, e.ClientID, e.Err)
}
func (e *UnresolvedError) Unwrap() error { return e.Err }

// Event is one journaled change, for panes that show orders while they
// resolve.
type Event struct {
	Account string
	Order   exchange.Order // the journal's view after the change
	Via     string         // "place", "query", "cancel", "reconcile", "resend"
}

// Report is what Reconcile found.
type Report struct {
	Account      string
	Checked      int
	Resolved     int      // the venue's state adopted
	Resent       int      // fresh intents the venue never had, sent again with the same id
	NotPlaced    []string // client ids the venue never had, too old to resend
	StillUnknown []string // client ids whose fate could not be learnt: entry stays closed
	Stale        []string // acknowledged orders whose latest state could not be read
	// Missing are acknowledged orders the venue answered "not found" about,
	// but not at every check: asked again next time.
	Missing []string
	// Gone are acknowledged orders the venue answered "not found" about at
	// every check: journaled GONE (final, with the reason), never resent.
	Gone []string
	// Left were not started before ctx ended: the next reconciliation
	// settles them. An intent in doubt among them keeps order entry closed.
	Left []string
	// Held are fresh intents the venue does not have, which a read-only
	// reconciliation may not resend: the next Reconcile (order place, the
	// cockpit) resends or settles them. They keep order entry closed.
	Held []string
	// Foreign are intents made for another venue, network or endpoint than
	// the account points at now: left untouched, for a human to check.
	Foreign []*ForeignError
	Busy    int // skipped: another call was resolving them
}

// Option configures a Desk.
type Option func(*Desk)

// WithClock sets the local clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(d *Desk) { d.now = now } }

// WithGrace sets how long the venue gets to settle before a "not found" is
// believed.
func WithGrace(g time.Duration) Option { return func(d *Desk) { d.grace = g } }

// WithAccountGrace sets the grace for one account, overriding WithGrace:
// how soon an accepted order becomes visible to a query differs by venue
// and by link.
func WithAccountGrace(account string, g time.Duration) Option {
	return func(d *Desk) { d.graces[account] = g }
}

// WithMaxResendAge sets how old an intent may be and still be resent by
// Reconcile; older ones are marked NOT_PLACED and reported.
func WithMaxResendAge(a time.Duration) Option { return func(d *Desk) { d.maxResendAge = a } }

// WithAttempts bounds queries after errors and resends per call.
func WithAttempts(n int) Option { return func(d *Desk) { d.attempts = max(n, 1) } }

// WithCreatedSlack sets the ownership guard's slack (see DefaultCreatedSlack).
func WithCreatedSlack(s time.Duration) Option { return func(d *Desk) { d.slack = s } }

// WithConcurrency bounds one account's reconciliation queries in flight
// (see DefaultConcurrency).
func WithConcurrency(n int) Option { return func(d *Desk) { d.concurrency = max(n, 1) } }

// Desk places and cancels orders for a set of accounts. It is safe for
// concurrent use.
type Desk struct {
	j            *store.Journal
	venues       map[string]exchange.Venue
	now          func() time.Time
	grace        time.Duration
	graces       map[string]time.Duration // per account, over grace
	maxResendAge time.Duration
	attempts     int
	slack        time.Duration
	concurrency  int

	mu      sync.Mutex
	ready   map[string]bool
	busy    map[string]bool           // account + "\x00" + client id
	later   map[string]exchange.Order // Observe's reports about busy intents, by the same key
	subs    map[int]func(Event)
	nextSub int
}

// NewDesk returns a desk over a journal and the accounts' venues, keyed by
// account name. Order entry on each account opens after its Reconcile.
func NewDesk(j *store.Journal, venues map[string]exchange.Venue, opts ...Option) *Desk {
	d := &Desk{
		j:            j,
		venues:       venues,
		now:          time.Now,
		grace:        DefaultGrace,
		graces:       map[string]time.Duration{},
		maxResendAge: DefaultMaxResendAge,
		attempts:     DefaultAttempts,
		slack:        DefaultCreatedSlack,
		concurrency:  DefaultConcurrency,
		ready:        map[string]bool{},
		busy:         map[string]bool{},
		later:        map[string]exchange.Order{},
		subs:         map[int]func(Event){},
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Ready reports whether Reconcile has settled the account's journal.
func (d *Desk) Ready(account string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ready[account]
}

// Subscribe calls fn after every journaled change, on the goroutine that
// made it, which may be several at once (a reconciliation settles its
// entries concurrently); fn must not block (hand the event to a channel or
// the UI bridge). The returned func unsubscribes.
func (d *Desk) Subscribe(fn func(Event)) (cancel func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	id := d.nextSub
	d.nextSub++
	d.subs[id] = fn
	return func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		delete(d.subs, id)
	}
}

func (d *Desk) notify(e store.Entry, via string) {
	d.mu.Lock()
	fns := make([]func(Event), 0, len(d.subs))
	for _, fn := range d.subs {
		fns = append(fns, fn)
	}
	d.mu.Unlock()
	ev := Event{Account: e.Account, Order: e.Order(), Via: via}
	for _, fn := range fns {
		fn(ev)
	}
}

// History returns the account's journaled orders, newest first, for the
// blotter; limit <= 0 returns all.
func (d *Desk) History(account string, limit int) ([]exchange.Order, error) {
	es, err := d.j.History(account, limit)
	if err != nil {
		return nil, err
	}
	out := make([]exchange.Order, len(es))
	for i, e := range es {
		out[i] = e.Order()
	}
	return out, nil
}

func (d *Desk) venue(account string) (exchange.Venue, error) {
	v, ok := d.venues[account]
	if !ok {
		return nil, fmt.Errorf("%q: %w", account, ErrUnknownAccount)
	}
	return v, nil
}

// BindingOf is where an order sent through v goes now.
func BindingOf(v exchange.Venue) store.Binding {
	info := v.Info()
	return store.Binding{Venue: info.Venue, Network: info.Network, Endpoint: endpoint(info.REST)}
}

// endpoint is a base URL in one spelling, so that "HTTPS://Host/" and
// "https://host" bind alike.
func endpoint(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return strings.TrimSpace(raw)
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.Path, "/")
}

// foreign is a *ForeignError when e was made for another place than v is.
// An intent from a journal that did not record its binding may be asked
// about (its client id is unique) but is never resent; see resolve.
func foreign(v exchange.Venue, e store.Entry) error {
	if e.Binding.IsZero() {
		return nil
	}
	if now := BindingOf(v); now != e.Binding {
		return &ForeignError{Account: e.Account, ClientID: e.ClientID, Made: e.Binding, Now: now}
	}
	return nil
}

// claim marks an intent as handled by the caller; false if another call
// holds it. Reconcile skips held intents instead of racing their owner into
// a resend.
func (d *Desk) claim(account, id string) (release func(), ok bool) {
	k := account + "\x00" + id
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.busy[k] {
		return nil, false
	}
	d.busy[k] = true
	return func() {
		// What Observe heard while the intent was held is applied now,
		// still under the claim, after the holder's own answer.
		for {
			d.mu.Lock()
			o, ok := d.later[k]
			delete(d.later, k)
			if !ok {
				delete(d.busy, k)
				d.mu.Unlock()
				return
			}
			d.mu.Unlock()
			_ = d.observe(account, o)
		}
	}, true
}

// Observe journals what the venue reported about one of this desk's orders
// outside a call of the desk's own (its private stream, a poll), so the
// history follows fills and cancels between reconciliations. Orders the
// journal does not hold are ignored, as are reports about another order
// that reused a client id. A report about an intent a call is handling is
// applied when that call is done, so it neither races it nor gets lost.
func (d *Desk) Observe(account string, o exchange.Order) error {
	if o.ClientID == "" {
		return nil
	}
	k := account + "\x00" + o.ClientID
	for {
		if release, ok := d.claim(account, o.ClientID); ok {
			defer release()
			return d.observe(account, o)
		}
		d.mu.Lock()
		if d.busy[k] {
			d.later[k] = o
			d.mu.Unlock()
			return nil
		}
		d.mu.Unlock() // released in between: claim it now
	}
}

func (d *Desk) observe(account string, o exchange.Order) error {
	e, err := d.j.Get(account, o.ClientID)
	if errors.Is(err, store.ErrNoIntent) {
		return nil
	}
	if err != nil {
		return err
	}
	if e.OrderID != "" && o.OrderID != "" && e.OrderID != o.OrderID {
		return nil
	}
	v, err := d.venue(account)
	if err != nil {
		return err
	}
	if foreign(v, e) != nil {
		return nil
	}
	if e.OrderID == "" && d.ours(v, e, o) != nil {
		return nil
	}
	_, err = d.adopt(e, o, "stream")
	return err
}

func (d *Desk) append(e store.Entry, t store.Transition) (store.Entry, error) {
	if t.At.IsZero() {
		t.At = d.now()
	}
	ne, err := d.j.Append(e.Account, e.ClientID, t)
	if err != nil {
		return e, fmt.Errorf("journal %s/%s: %w: %w", e.Account, e.ClientID, errJournal, err)
	}
	d.notify(ne, t.Via)
	return ne, nil
}

// adopt journals the venue's view of an order: what exchange.MergeOrder
// makes of the report against the journal's state, as the order state and
// the blotter merge it (a late fill after a cancel counts, a stale answer
// does not move the order back); the journal's own rules then keep its
// conclusions, such as GONE against a later open report.
func (d *Desk) adopt(e store.Entry, o exchange.Order, via string) (exchange.Order, error) {
	if o.Status == "" {
		o.Status = exchange.StatusUnknown
	}
	m := exchange.MergeOrder(e.Order(), o)
	st := m.Status
	if st == e.Status && m.OrderID == e.OrderID && m.Filled.Equal(e.Filled) && (o.Reason == "" || o.Reason == e.Reason) {
		// Nothing new: a record would cost an fsync and say nothing. (The
		// journal keeps the last reason given; a venue's answer without
		// one is not news.)
		return merge(e, o), nil
	}
	ne, err := d.append(e, store.Transition{Status: st, OrderID: o.OrderID, Filled: m.Filled, Reason: o.Reason, Via: via})
	if err != nil {
		return o, err
	}
	return merge(ne, o), nil
}

// merge is the venue's order with the journal's verdict on its status,
// which never reopens a final order on a stale answer.
func merge(e store.Entry, o exchange.Order) exchange.Order {
	if o.ClientID == "" {
		return e.Order()
	}
	o.Account = e.Account
	o.Status = e.Status
	o.Filled = e.Filled
	if o.Created.IsZero() {
		// Some answers do not date the order (Bybit's place, Binance's
		// cancel): the intent was made a moment before the venue took it.
		o.Created = e.Created
	}
	return o
}

// Place journals an intent, then sends it. The returned error is one of:
// an *exchange.APIError (rejected: the order does not exist), ErrNotSent
// (nothing left this machine; retrying is a new order), ErrNotPlaced, or an
// *UnresolvedError (the order may exist; it shows as UNKNOWN until the
// venue says).
//
// A caller-supplied req.ClientID that is already journaled makes Place
// idempotent: it reports that order's state, asking the venue if needed,
// and never sends it again on its own.
func (d *Desk) Place(ctx context.Context, account string, req exchange.OrderRequest) (exchange.Order, error) {
	v, err := d.venue(account)
	if err != nil {
		return exchange.Order{}, err
	}
	if !d.Ready(account) {
		return exchange.Order{}, ErrNotReady
	}
	if why := Lock(v.Info()); why != "" {
		return exchange.Order{}, fmt.Errorf("%w: %s: nothing sent", ErrLocked, why)
	}
	now := d.now()
	if req.ClientID != "" {
		if e, err := d.j.Get(account, req.ClientID); err == nil {
			return d.existing(ctx, v, e)
		}
		if err := CheckClientID(v.Info(), req.ClientID); err != nil {
			return exchange.Order{}, err
		}
	} else {
		req.ClientID = NewClientID(v.Info(), now)
	}
	in := store.Intent{Account: account, ClientID: req.ClientID, Req: req, Created: now, Binding: BindingOf(v)}
	if err := d.j.RecordIntent(in); err != nil {
		return exchange.Order{}, fmt.Errorf("%w: journal: %w", ErrNotSent, err)
	}
	e := store.Entry{Intent: in, Status: exchange.StatusPending}
	d.notify(e, "place")
	release, _ := d.claim(account, req.ClientID)
	defer release()
	s, out, err := d.send(ctx, v, e, "place")
	if out == adopted && err == nil && ackOnly(req, s.Order) {
		return d.followAck(ctx, v, s.Order), nil
	}
	if out == unresolved && !errors.Is(err, errJournal) {
		// The caller confirmed this very order a moment ago.
		o, _, err := d.resolve(ctx, v, s.entry, resendConfirmed, "query")
		return o, unsure(s.entry, err)
	}
	return s.Order, unsure(s.entry, err)
}

// existing answers a Place for an intent already journaled.
func (d *Desk) existing(ctx context.Context, v exchange.Venue, e store.Entry) (exchange.Order, error) {
	if err := foreign(v, e); err != nil {
		return e.Order(), err
	}
	if e.Final() || e.Status.Open() {
		return e.Order(), nil
	}
	release, ok := d.claim(e.Account, e.ClientID)
	if !ok {
		return e.Order(), ErrBusy
	}
	defer release()
	o, _, err := d.resolve(ctx, v, e, resendGuarded, "query")
	return o, unsure(e, err)
}

// ackOnly reports a place answer that acknowledges a market (or IOC, FOK)
// order without saying what became of it (OKX and Bybit answer with ids
// only): such an order does not rest, so NEW with nothing filled is not its
// state yet.
func ackOnly(req exchange.OrderRequest, o exchange.Order) bool {
	resting := req.Type == exchange.LimitOrder && req.TIF != exchange.IOC && req.TIF != exchange.FOK
	return !resting && o.Status == exchange.StatusNew && o.Filled.IsZero()
}

// followAck asks the venue once about an acknowledged market order, so the
// caller reports its fill rather than the acknowledgement. The order exists
// and is journaled either way: a failed query or journal write leaves its
// fill to the stream and the next Reconcile.
func (d *Desk) followAck(ctx context.Context, v exchange.Venue, ack exchange.Order) exchange.Order {
	q, err := v.Query(ctx, exchange.OrderRef{Symbol: ack.Symbol, ClientID: ack.ClientID, OrderID: ack.OrderID})
	if err != nil {
		return ack
	}
	e, err := d.j.Get(ack.Account, ack.ClientID)
	if err != nil || d.ours(v, e, q) != nil {
		return ack
	}
	o, err := d.adopt(e, q, "query")
	if err != nil {
		return ack
	}
	return o
}

func (d *Desk) fresh(e store.Entry) bool { return d.now().Sub(e.Created) < d.maxResendAge }

// unsure makes a failed journal write after a request left into an
// *UnresolvedError. The venue may hold the order (or have acted on the
// cancel) while the journal says otherwise, so the caller must not report a
// failure that invites sending again: the outcome is unknown until the next
// Reconcile asks the venue and journals its answer.
func unsure(e store.Entry, err error) error {
	var u *UnresolvedError
	if err == nil || !errors.Is(err, errJournal) || errors.As(err, &u) {
		return err
	}
	return &UnresolvedError{Account: e.Account, ClientID: e.ClientID, Err: err}
}

// resendPolicy is what resolve may do with a fresh intent the venue does
// not have.
type resendPolicy int

const (
	// resendNever: leave a fresh intent in doubt (a command that only asks:
	// list, status); settle an old one NOT_PLACED.
	resendNever resendPolicy = iota
	// resendNone: settle it NOT_PLACED whatever its age (a cancel was asked
	// for: it must never be sent again).
	resendNone
	// resendGuarded: resend it if Check passes with no confirmation needed.
	resendGuarded
	// resendConfirmed: the caller confirmed this very order a moment ago:
	// resend it unless Check refuses it.
	resendConfirmed
)

// errHeld is why a read-only reconciliation leaves an intent in doubt.
var errHeld = errors.New("the venue does not have it (not found twice); a command that only asks does not resend it: the next 'vigil order place' or cockpit start resends or settles it")

// resendRefusal says why e may not be resent under policy, or "" when it
// may. Check runs against the account as configured now: a place that was
// fine when it was made may be refused since (mainnet orders switched off,
// a lower max_order_notional, changed symbol rules).
func (d *Desk) resendRefusal(ctx context.Context, v exchange.Venue, e store.Entry, policy resendPolicy) (string, error) {
	switch {
	case policy == resendNone:
		return "a cancel was asked for", nil
	case !d.fresh(e):
		return "older than " + d.maxResendAge.String(), nil
	case e.Binding.IsZero():
		return "journaled by a vigil that did not record which venue it was for", nil
	case policy == resendNever:
		return "only a command that may place resends", nil
	}
	verdict, err := CheckWith(ctx, v, e.Req)
	if err != nil {
		return "", fmt.Errorf("checking the order before a resend: %w", err)
	}
	switch {
	case verdict.Refused():
		return "a new place would be refused now: " + verdict.Why(), nil
	case policy != resendConfirmed && len(verdict.Confirm) > 0:
		return "it would need a typed confirmation, and a resend has nobody to give it: " + strings.Join(verdict.Confirm, "; "), nil
	}
	return "", nil
}

type outcome int

const (
	adopted outcome = iota
	resent
	notPlaced
	notSent
	rejected
	unresolved
	held // in doubt, left for a command that may resend
)

// errJournal marks a failure to write the journal, after which the desk
// sends nothing more for the intent.
var errJournal = errors.New("journal write failed")

// sent is a send's result: the order to report and the journal entry it
// left, which an ambiguous send hands to resolve.
type sent struct {
	exchange.Order
	entry store.Entry
}

// send sends the intent's request once and journals what came of it; an
// ambiguous answer is journaled UNKNOWN and left for the caller to resolve.
func (d *Desk) send(ctx context.Context, v exchange.Venue, e store.Entry, via string) (sent, outcome, error) {
	// A journal write that fails below leaves the intent PENDING, which the
	// next Reconcile asks the venue about and may resend: whatever happened,
	// the caller is told the outcome is unknown, never "failed" or "not
	// sent", either of which invites sending the order again by hand.
	if err := ctx.Err(); err != nil {
		ne, jerr := d.append(e, store.Transition{Status: store.StatusNotSent, Reason: err.Error(), Via: via})
		if jerr != nil {
			return sent{ne.Order(), ne}, unresolved, &UnresolvedError{Account: e.Account, ClientID: e.ClientID,
				Err: fmt.Errorf("not sent (%v), but the journal could not record that: %w", err, jerr)}
		}
		return sent{ne.Order(), ne}, notSent, fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	o, err := v.Place(ctx, e.Req)
	switch classify(err) {
	case classOK:
		ao, jerr := d.adopt(e, o, via)
		if jerr != nil {
			return sent{o, e}, unresolved, &UnresolvedError{Account: e.Account, ClientID: e.ClientID,
				Err: fmt.Errorf("the venue took the order (%s) but the journal could not record it: %w", o.Status, jerr)}
		}
		return sent{ao, e}, adopted, nil
	case classRejected:
		ne, jerr := d.append(e, store.Transition{Status: exchange.StatusRejected, Reason: err.Error(), Via: via})
		if jerr != nil {
			return sent{ne.Order(), ne}, unresolved, &UnresolvedError{Account: e.Account, ClientID: e.ClientID,
				Err: fmt.Errorf("the venue refused the order (%v) but the journal could not record it: %w", err, jerr)}
		}
		return sent{ne.Order(), ne}, rejected, err
	case classNotSent:
		ne, jerr := d.append(e, store.Transition{Status: store.StatusNotSent, Reason: err.Error(), Via: via})
		if jerr != nil {
			return sent{ne.Order(), ne}, unresolved, &UnresolvedError{Account: e.Account, ClientID: e.ClientID,
				Err: fmt.Errorf("not sent (%v), but the journal could not record that: %w", err, jerr)}
		}
		return sent{ne.Order(), ne}, notSent, fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	ne, jerr := d.append(e, store.Transition{Status: exchange.StatusUnknown, Reason: err.Error(), Via: via})
	if jerr != nil {
		return sent{ne.Order(), ne}, unresolved, &UnresolvedError{Account: e.Account, ClientID: e.ClientID, Err: errors.Join(err, jerr)}
	}
	return sent{ne.Order(), ne}, unresolved, &UnresolvedError{Account: e.Account, ClientID: e.ClientID, Err: err}
}

type class int

const (
	classOK class = iota
	classRejected
	classNotSent
	classAmbiguous
)

// classify sorts a Place or Cancel error by what it says about the venue's
// state. Anything not known to be a rejection or a failure before sending
// is ambiguous: guessing "not sent" wrongly would duplicate an order,
// guessing "ambiguous" wrongly costs a query.
func classify(err error) class {
	if err == nil {
		return classOK
	}
	// First: it wraps the clock probe's own error, which may read as
	// ambiguous, but the order was held back and never sent.
	var clock *exchange.ClockUnknownError
	if errors.As(err, &clock) {
		return classNotSent
	}
	if exchange.IsAmbiguous(err) {
		return classAmbiguous
	}
	var local *exchange.LocalLimitError
	if errors.As(err, &local) {
		return classNotSent
	}
	var api *exchange.APIError
	if errors.As(err, &api) {
		switch api.Kind {
		case exchange.KindUnknownStatus:
			return classAmbiguous
		case exchange.KindDuplicate:
			// Our ids are unique per intent, so an open order already
			// holding this id is this intent's own earlier send.
			return classAmbiguous
		}
		if api.HTTPStatus >= 500 {
			return classAmbiguous
		}
		// A 4xx, including a clock rejection the client already retried
		// once: the venue guarantees it did not execute.
		return classRejected
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return classNotSent
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return classNotSent
	}
	return classAmbiguous
}

// resolve learns an ambiguous intent's fate from the venue: the venue's
// order if it has one; otherwise, after a grace period and a second "not
// found", a resend with the same client id (when policy and resendRefusal
// allow it), NOT_PLACED, or (resendNever, fresh) left in doubt.
func (d *Desk) resolve(ctx context.Context, v exchange.Venue, e store.Entry, policy resendPolicy, via string) (exchange.Order, outcome, error) {
	ref := exchange.OrderRef{Symbol: e.Req.Symbol, ClientID: e.ClientID}
	unknown := func(err error) (exchange.Order, outcome, error) {
		return e.Order(), unresolved, &UnresolvedError{Account: e.Account, ClientID: e.ClientID, Err: err}
	}
	notFound, failures, resends := 0, 0, 0
	for {
		o, err := v.Query(ctx, ref)
		switch {
		case err == nil:
			if err := d.ours(v, e, o); err != nil {
				return unknown(err)
			}
			o, err := d.adopt(e, o, via)
			if err != nil {
				return o, unresolved, unsure(e, err)
			}
			if resends > 0 {
				return o, resent, nil
			}
			return o, adopted, nil
		case errors.Is(err, exchange.ErrOrderNotFound):
			notFound++
			if notFound < 2 {
				if err := d.wait(ctx, e.Account); err != nil {
					return unknown(err)
				}
				continue
			}
			if policy == resendNever && d.fresh(e) && !e.Binding.IsZero() {
				return e.Order(), held, &UnresolvedError{Account: e.Account, ClientID: e.ClientID, Err: errHeld}
			}
			why, err := d.resendRefusal(ctx, v, e, policy)
			if err != nil {
				return unknown(err)
			}
			if why != "" {
				ne, jerr := d.append(e, store.Transition{Status: store.StatusNotPlaced, Via: via,
					Reason: fmt.Sprintf("never reached the venue (not found twice, %s apart); not resent: %s", d.graceFor(e.Account), why)})
				if jerr != nil {
					return unknown(jerr)
				}
				return ne.Order(), notPlaced, ErrNotPlaced
			}
			if resends >= d.attempts {
				return unknown(fmt.Errorf("venue still has no order after %d resends", resends))
			}
			resends++
			notFound = 0
			ne, err := d.append(e, store.Transition{Status: store.StatusSent, Via: "resend",
				Reason: fmt.Sprintf("resent with the same client id: not found twice, %s apart", d.graceFor(e.Account))})
			if err != nil {
				return unknown(err)
			}
			e = ne
			s, out, err := d.send(ctx, v, e, "resend")
			e = s.entry
			switch {
			case out == adopted:
				return s.Order, resent, err
			case out == unresolved && !errors.Is(err, errJournal):
				// Ambiguous again (or a duplicate: the first send has
				// surfaced): ask, as before.
				continue
			}
			return s.Order, out, err
		default:
			failures++
			if failures >= d.attempts || ctx.Err() != nil {
				return unknown(err)
			}
			if err := d.wait(ctx, e.Account); err != nil {
				return unknown(err)
			}
		}
	}
}

// ours refuses an order the venue created well before the intent: a reused
// id's older order (see the package comment).
func (d *Desk) ours(v exchange.Venue, e store.Entry, o exchange.Order) error {
	if o.ClientID != "" && o.ClientID != e.ClientID {
		return fmt.Errorf("%w: asked for %s, venue answered %s", ErrNotOurs, e.ClientID, o.ClientID)
	}
	if o.Created.IsZero() {
		return nil
	}
	c := v.Clock()
	offset := c.Offset
	if offset < 0 {
		offset = -offset
	}
	earliest := e.Created.Add(c.Offset).Add(-d.slack - offset - c.Uncertainty)
	if o.Created.Before(earliest) {
		return fmt.Errorf("%w: venue's order %s was created %s, the intent %s", ErrNotOurs, o.OrderID, o.Created.UTC().Format(time.RFC3339), e.Created.UTC().Format(time.RFC3339))
	}
	return nil
}

func (d *Desk) graceFor(account string) time.Duration {
	if g, ok := d.graces[account]; ok {
		return g
	}
	return d.grace
}

func (d *Desk) wait(ctx context.Context, account string) error {
	t := time.NewTimer(d.graceFor(account))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
