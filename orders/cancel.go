package orders

import (
	"context"
	"errors"
	"fmt"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/store"
)

// Cancel journals CANCEL_REQUESTED, then asks the venue to cancel. An
// ambiguous answer is settled by querying the order (and cancelling again
// while it is still open: a second cancel is harmless). Cancelling an order
// that is already final returns it with ErrAlreadyFinal.
//
// An order that is not in the journal (placed outside vigil) is cancelled
// without a journal record: there is no intent to attach one to.
func (d *Desk) Cancel(ctx context.Context, account string, ref exchange.OrderRef) (exchange.Order, error) {
	v, err := d.venue(account)
	if err != nil {
		return exchange.Order{}, err
	}
	var e store.Entry
	switch {
	case ref.ClientID != "":
		e, err = d.j.Get(account, ref.ClientID)
	case ref.OrderID != "":
		e, err = d.j.FindOrderID(account, ref.OrderID)
	default:
		return exchange.Order{}, errors.New("cancel: an order id or client id is required")
	}
	var fe *ForeignError
	if err == nil && errors.As(foreign(v, e), &fe) {
		if ref.ClientID != "" {
			// Our client ids are unique: the order named is the one made
			// elsewhere, which this venue cannot cancel.
			return e.Order(), fe
		}
		// A venue order id says nothing about where an intent went: the
		// order named is this venue's, unrelated to the foreign intent.
		err = store.ErrNoIntent
	}
	if errors.Is(err, store.ErrNoIntent) {
		return v.Cancel(ctx, ref)
	}
	if err != nil {
		return exchange.Order{}, err
	}
	if e.Final() {
		return e.Order(), fmt.Errorf("%w: %s is %s", ErrAlreadyFinal, e.ClientID, e.Status)
	}
	release, ok := d.claim(account, e.ClientID)
	if !ok {
		return e.Order(), ErrBusy
	}
	defer release()
	if e.Status == exchange.StatusPending || e.Status == exchange.StatusUnknown || e.Status == store.StatusSent {
		// Whether the order exists is itself unknown: learn it first, so a
		// cancel that arrives before a late order cannot be followed by a
		// resend that leaves the order live; and one the venue does not
		// have is never resent.
		o, _, err := d.resolve(ctx, v, e, resendNone, "query")
		if err != nil {
			return o, err
		}
		if e, err = d.j.Get(account, e.ClientID); err != nil {
			return o, err
		}
		if e.Final() {
			return o, fmt.Errorf("%w: %s is %s", ErrAlreadyFinal, e.ClientID, e.Status)
		}
	}
	prev := e.Status
	e, err = d.append(e, store.Transition{Status: store.StatusCancelRequested, Via: "cancel"})
	if err != nil {
		return e.Order(), err
	}
	o, err := d.cancelSent(ctx, v, e, prev)
	return o, unsure(e, err)
}

// cancelSent sends the cancel of a journaled order and learns its outcome.
// From here on a request has left, so the caller makes a failed journal
// write an unknown outcome (unsure).
func (d *Desk) cancelSent(ctx context.Context, v exchange.Venue, e store.Entry, prev exchange.OrderStatus) (exchange.Order, error) {
	ref := exchange.OrderRef{Symbol: e.Req.Symbol, ClientID: e.ClientID, OrderID: e.OrderID}
	for range d.attempts {
		o, err := v.Cancel(ctx, ref)
		switch classify(err) {
		case classOK:
			return d.adopt(e, o, "cancel")
		case classNotSent, classRejected:
			if exchange.KindOf(err) == exchange.KindNotFound {
				// Not open on the venue: filled or cancelled meanwhile.
				return d.learn(ctx, v, e, true)
			}
			ne, jerr := d.append(e, store.Transition{Status: prev, Via: "cancel", Reason: "cancel failed: " + err.Error()})
			return ne.Order(), errors.Join(err, jerr)
		}
		o, err = d.learn(ctx, v, e, false)
		if err != nil || !o.Status.Open() {
			return o, err
		}
		// Still open after an ambiguous cancel: cancel again.
	}
	return e.Order(), &UnresolvedError{Account: e.Account, ClientID: e.ClientID, Err: fmt.Errorf("order still open after %d cancel attempts", d.attempts)}
}

// learn queries an acknowledged order and journals the venue's answer.
// With finalErr, a final order is reported as ErrAlreadyFinal.
func (d *Desk) learn(ctx context.Context, v exchange.Venue, e store.Entry, finalErr bool) (exchange.Order, error) {
	o, _, err := d.check(ctx, v, e, finalErr)
	return o, err
}

// check is learn that also says how many of its attempts, a grace period
// apart, the venue answered "not found": all of them is the venue's verdict
// that it no longer has the order (see reconcileOne).
func (d *Desk) check(ctx context.Context, v exchange.Venue, e store.Entry, finalErr bool) (exchange.Order, int, error) {
	ref := exchange.OrderRef{Symbol: e.Req.Symbol, ClientID: e.ClientID, OrderID: e.OrderID}
	var err error
	notFound := 0
	for i := range d.attempts {
		if i > 0 {
			if werr := d.wait(ctx, e.Account); werr != nil {
				break
			}
		}
		var o exchange.Order
		o, err = v.Query(ctx, ref)
		if errors.Is(err, exchange.ErrOrderNotFound) {
			notFound++
		}
		if err != nil {
			continue
		}
		if err := d.ours(v, e, o); err != nil {
			return e.Order(), notFound, &UnresolvedError{Account: e.Account, ClientID: e.ClientID, Err: err}
		}
		o, err = d.adopt(e, o, "query")
		if err == nil && finalErr && store.Final(o.Status) {
			err = fmt.Errorf("%w: %s is %s", ErrAlreadyFinal, e.ClientID, o.Status)
		}
		return o, notFound, err
	}
	return e.Order(), notFound, &UnresolvedError{Account: e.Account, ClientID: e.ClientID, Err: err}
}
