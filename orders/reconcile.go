package orders

import (
	"context"
	"errors"

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
// Only a front end that may place calls Reconcile; one that only reads
// calls ReconcileReadOnly.
func (d *Desk) Reconcile(ctx context.Context, account string) (Report, error) {
	return d.reconcile(ctx, account, true, resendGuarded)
}

// ReconcileReadOnly is Reconcile that never sends an order: for commands
// that only ask (vigil order list, status, cancel). A young intent the venue
// does not have is left in doubt (Report.Held) for the next Reconcile.
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
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return r, err
		}
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
		release, ok := d.claim(account, e.ClientID)
		if !ok {
			r.Busy++
			continue
		}
		r.Checked++
		d.reconcileOne(ctx, v, e, policy, &r)
		release()
	}
	if len(r.StillUnknown) == 0 && len(r.Held) == 0 {
		d.mu.Lock()
		d.ready[account] = true
		d.mu.Unlock()
	}
	return r, nil
}

func (d *Desk) reconcileOne(ctx context.Context, v exchange.Venue, e store.Entry, policy resendPolicy, r *Report) {
	switch {
	case uncertain(e.Status):
		_, out, _ := d.resolve(ctx, v, e, policy, "reconcile")
		switch out {
		case held:
			r.Held = append(r.Held, e.ClientID)
		case adopted:
			r.Resolved++
		case resent:
			r.Resent++
		case notPlaced:
			r.NotPlaced = append(r.NotPlaced, e.ClientID)
		case rejected, notSent:
			r.Resolved++
		default:
			r.StillUnknown = append(r.StillUnknown, e.ClientID)
		}
	default:
		// Acknowledged, or a cancel whose answer was lost: the order exists,
		// so only its state is to learn.
		_, err := d.learn(ctx, v, e, false)
		var u *UnresolvedError
		switch {
		case err == nil:
			r.Resolved++
		case errors.As(err, &u) && errors.Is(err, exchange.ErrOrderNotFound):
			r.Missing = append(r.Missing, e.ClientID)
		default:
			r.Stale = append(r.Stale, e.ClientID)
		}
	}
}
