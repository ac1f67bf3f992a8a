package orders

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/store"
)

// Reconcile settles every journal entry of the account that is not final
// against the venue, then opens order entry if no intent is left whose
// existence is unknown (an order the user cannot see might be re-entered by
// hand). Acknowledged orders whose state could not be refreshed do not keep
// entry closed: they exist, and the stream or the next Reconcile updates
// them.
//
// An intent the venue never received (not found twice, a grace period
// apart) is resent with its own client id only while it is younger than
// MaxResendAge: that covers a crash in the second after the user pressed
// enter. An older one is marked NOT_PLACED and reported, not resent: the
// user may have placed it again by hand, or the market moved, and an order
// sent minutes after it was asked for is a surprise no one wants. A young
// one is resent only if a new place of it would pass Check now without a
// confirmation; otherwise it is marked NOT_PLACED with the reason.
//
// An acknowledged order the venue answers "not found" about at every check,
// a grace period apart (a testnet reset, an order the venue archived), is
// journaled GONE with that reason: it was placed, so it is neither
// NOT_PLACED nor resent, and being final it is not asked about again.
//
// Entries are settled concurrently: their grace periods overlap, and at
// most WithConcurrency requests are in flight, paced by the client's rate
// budget. When ctx ends first, what was not started is in Report.Left and
// the error is ctx's; what was settled stays journaled.
//
// Only a front end that may place calls Reconcile; one that only reads
// calls ReconcileReadOnly.
func (d *Desk) Reconcile(ctx context.Context, account string) (Report, error) {
	return d.reconcile(ctx, account, true, resendGuarded)
}

// ReconcileReadOnly is Reconcile that never sends an order: for commands
// that only ask (vigil order list, status, cancel). A young intent the venue
// does not have is left in doubt (Report.Held) for the next Reconcile.
// Verdicts about acknowledged orders (GONE) are journaled all the same: they
// send nothing, and they spare the next command the same checks.
func (d *Desk) ReconcileReadOnly(ctx context.Context, account string) (Report, error) {
	return d.reconcile(ctx, account, true, resendNever)
}

// Settle is Reconcile for the intents whose existence is in doubt only
// (pending, sent, UNKNOWN): what keeps order entry closed. Acknowledged
// orders are left to the stream and Observe, so settling often costs no
// request while nothing is in doubt.
func (d *Desk) Settle(ctx context.Context, account string) (Report, error) {
	return d.reconcile(ctx, account, false, resendGuarded)
}

func uncertain(s exchange.OrderStatus) bool {
	return s == exchange.StatusPending || s == exchange.StatusUnknown || s == store.StatusSent
}

// maxSettling bounds the entries of one reconciliation settled at once.
// Most of an entry's time is a grace wait, which holds no request, so it is
// well above the requests in flight; it bounds goroutines and memory when
// the journal holds thousands of entries to settle.
const maxSettling = 256

// verdict is what settling one entry came to; see Report.
type verdict int

const (
	vResolved verdict = iota
	vResent
	vNotPlaced
	vStillUnknown
	vHeld
	vStale
	vMissing
	vGone
)

func (d *Desk) reconcile(ctx context.Context, account string, all bool, policy resendPolicy) (Report, error) {
	r := Report{Account: account}
	v, err := d.venue(account)
	if err != nil {
		return r, err
	}
	entries, err := d.j.Unresolved(account)
	if err != nil {
		return r, err
	}
	lv := &paced{Venue: v, slots: make(chan struct{}, d.concurrency)}
	verdicts := make([]verdict, len(entries))
	started := make([]bool, len(entries))
	settling := make(chan struct{}, maxSettling)
	var wg sync.WaitGroup
	leftUncertain := false
	for i, e := range entries {
		var fe *ForeignError
		if errors.As(foreign(v, e), &fe) {
			// Its order, if any, is on another venue or network: asking
			// this one proves nothing, and a resend would put it there.
			r.Foreign = append(r.Foreign, fe)
			continue
		}
		if !all && !uncertain(e.Status) {
			continue
		}
		if ctx.Err() == nil {
			select {
			case settling <- struct{}{}:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			r.Left = append(r.Left, e.ClientID)
			leftUncertain = leftUncertain || uncertain(e.Status)
			continue
		}
		release, ok := d.claim(account, e.ClientID)
		if !ok {
			<-settling
			r.Busy++
			continue
		}
		r.Checked++
		started[i] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-settling }()
			defer release()
			verdicts[i] = d.reconcileOne(ctx, lv, e, policy)
		}()
	}
	wg.Wait()
	for i, e := range entries {
		if !started[i] {
			continue
		}
		switch verdicts[i] {
		case vResolved:
			r.Resolved++
		case vResent:
			r.Resent++
		case vNotPlaced:
			r.NotPlaced = append(r.NotPlaced, e.ClientID)
		case vStillUnknown:
			r.StillUnknown = append(r.StillUnknown, e.ClientID)
		case vHeld:
			r.Held = append(r.Held, e.ClientID)
		case vStale:
			r.Stale = append(r.Stale, e.ClientID)
		case vMissing:
			r.Missing = append(r.Missing, e.ClientID)
		case vGone:
			r.Gone = append(r.Gone, e.ClientID)
		}
	}
	if len(r.StillUnknown) == 0 && len(r.Held) == 0 && !leftUncertain {
		d.mu.Lock()
		d.ready[account] = true
		d.mu.Unlock()
	}
	if len(r.Left) > 0 {
		return r, ctx.Err()
	}
	return r, nil
}

func (d *Desk) reconcileOne(ctx context.Context, v exchange.Venue, e store.Entry, policy resendPolicy) verdict {
	if uncertain(e.Status) {
		_, out, _ := d.resolve(ctx, v, e, policy, "reconcile")
		switch out {
		case held:
			return vHeld
		case adopted, rejected, notSent:
			return vResolved
		case resent:
			return vResent
		case notPlaced:
			return vNotPlaced
		}
		return vStillUnknown
	}
	// Acknowledged, or a cancel whose answer was lost: the order exists (or
	// did), so only its state is to learn.
	_, notFound, err := d.check(ctx, v, e, false)
	var u *UnresolvedError
	switch {
	case err == nil:
		return vResolved
	case notFound >= 2 && notFound == d.attempts:
		// Every check, a grace period apart, said not found: the venue has
		// lost it. Journaled once, so no later start pays for it again.
		grace := d.graceFor(e.Account)
		reason := fmt.Sprintf("not found at the venue after %d checks, %s apart; it was acknowledged", notFound, grace)
		if e.OrderID != "" {
			reason += " as order " + e.OrderID
		}
		reason += " (a testnet reset or an archived order?), so it is not resent"
		if _, jerr := d.append(e, store.Transition{Status: store.StatusGone, Reason: reason, Via: "reconcile"}); jerr != nil {
			return vMissing
		}
		return vGone
	case errors.As(err, &u) && errors.Is(err, exchange.ErrOrderNotFound):
		return vMissing
	}
	return vStale
}

// paced bounds a reconciliation's queries in flight to one account's
// venue: the client's budget paces them over its windows, this bounds the
// burst and the connections it opens. Resends are not held back: they are
// rare (intents under MaxResendAge) and an order waiting for a slot would
// only arrive later.
type paced struct {
	exchange.Venue
	slots chan struct{}
}

func (p *paced) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *paced) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	if err := p.acquire(ctx); err != nil {
		return exchange.Order{}, err
	}
	defer func() { <-p.slots }()
	return p.Venue.Query(ctx, ref)
}
