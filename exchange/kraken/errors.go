package kraken

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Error strings as Kraken sends them ("EOrder:Invalid price:…"): the
// category and message are the code, what follows the second colon is
// detail.
const (
	ErrNonce      = "EAPI:Invalid nonce"
	ErrSignature  = "EAPI:Invalid signature"
	ErrKey        = "EAPI:Invalid key"
	ErrPermission = "EGeneral:Permission denied"
	ErrRate       = "EAPI:Rate limit exceeded"
	ErrOrderRate  = "EOrder:Rate limit exceeded"
	ErrThrottled  = "EService:Throttled"
	ErrFunds      = "EOrder:Insufficient funds"
	ErrPrice      = "EOrder:Invalid price"
	ErrArgs       = "EGeneral:Invalid arguments"
	ErrMinimum    = "EOrder:Order minimum not met"
	// ErrCostMinimum: the docs name no string for a cost below costmin;
	// this one is what the fake answers and what vigil checks before
	// sending (the rules carry costmin).
	ErrCostMinimum  = "EOrder:Cost minimum not met"
	ErrUnknownOrder = "EOrder:Unknown order"
	ErrLockout      = "EGeneral:Temporary lockout"
	ErrUnavailable  = "EService:Unavailable"
	ErrBusy         = "EService:Busy"
	ErrDeadline     = "EService:Deadline elapsed"
	ErrDuplicate    = "EOrder:Duplicate order"
	ErrUnknownPair  = "EQuery:Unknown asset pair"
)

// SplitError is a Kraken error string's code and detail: "EGeneral:Invalid
// arguments:volume" is ("EGeneral:Invalid arguments", "volume"); spaces
// after the colons are dropped ("EService: Throttled: 1700000000").
func SplitError(s string) (code, detail string) {
	parts := strings.SplitN(s, ":", 3)
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	if len(parts) < 2 {
		return s, ""
	}
	code = parts[0] + ":" + parts[1]
	if len(parts) == 3 {
		detail = parts[2]
	}
	return code, detail
}

// apiError is Kraken's error table: the first error decides.
func (c *Client) apiError(rep *rest.Reply, errs []string) *rest.Refusal {
	msg := strings.Join(errs, "; ")
	if len(errs) == 0 {
		errs = []string{fmt.Sprintf("HTTP %d", rep.Status)}
		msg = errs[0]
	}
	code, detail := SplitError(errs[0])
	ref := rep.Refuse(code, msg)
	ae := ref.APIError
	switch code {
	case ErrNonce:
		ae.Kind = exchange.KindClock
		ref.Class = rest.StampRefused
		ae.AdviceText = "Kraken refused the nonce: it had already seen a higher one for this key. Every vigil process on this machine (the cockpit, `vigil check`, `vigil order`) shares one nonce counter per key, so another program or another machine is using this key: give each its own key. vigil moves its nonce a second ahead and sends once more. Raising the key's nonce window on kraken.com hides this, but a request resent inside the window can be accepted twice, which duplicates an order."
	case ErrSignature:
		ae.Kind = exchange.KindSignature
		ae.AdviceText = "Kraken computed a different signature: the private key in the vault does not belong to this API key (check for a truncated paste of the base64 text)."
	case ErrKey:
		ae.Kind = exchange.KindAuth
		ae.AdviceText = fmt.Sprintf("Kraken does not know this API key (%s) at %s: it was deleted, or belongs elsewhere. Repeated attempts lock the key out for a while.", c.info.KeyID, c.base)
	case ErrLockout:
		ae.Kind = exchange.KindAuth
		ae.AdviceText = "Kraken has locked this key out after failed attempts: wait a few minutes before trying again."
	case ErrPermission:
		ae.Kind = exchange.KindPermission
		ae.AdviceText = "the key lacks the permission for this request (or the request came from an address outside its IP allow-list): enable Query Funds, Query/Create & Modify Orders and WebSocket interface on the key; never Withdraw Funds for vigil."
	case ErrFunds:
		ae.Kind = exchange.KindBalance
		ae.AdviceText = "not enough available balance for this order (funds held by open orders are not available): reduce the size or cancel resting orders."
	case ErrPrice:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleTick
		ae.AdviceText = "Kraken refused the price: it has more decimals than the pair's tick allows, or is outside the allowed band."
	case ErrMinimum:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleQty
		ae.AdviceText = "the volume is below the pair's ordermin."
	case ErrCostMinimum:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleNotional
		ae.AdviceText = "the order's cost (volume × price) is below the pair's costmin."
	case ErrArgs:
		ae.Kind = exchange.KindBadRequest
		if detail == "volume" {
			ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleStep
			ae.AdviceText = "Kraken refused the volume: it has more decimals than the pair's lot_decimals."
		} else {
			ae.AdviceText = "Kraken refused an argument: " + detail
		}
	case ErrDuplicate:
		ae.Kind = exchange.KindDuplicate
		ae.AdviceText = "Kraken already has an open order with this cl_ord_id: the earlier send reached it. vigil queries it instead of sending again."
	case ErrUnknownOrder:
		ae.Kind = exchange.KindNotFound
		ae.AdviceText = "Kraken has no such open order (it may have filled or been canceled already)."
	case ErrRate, ErrOrderRate:
		ae.Kind = exchange.KindRateLimit
		ref.Class = rest.Throttled
		// Kraken names no time: the counter is full, and after this long it
		// has room for a few calls again.
		ref.RetryAt = c.clock.ServerNow().Add(c.rates.refill(code == ErrOrderRate))
		c.rates.full(code == ErrOrderRate)
		ae.AdviceText = "Kraken's counter for this key is full: another program shares the key, or the tier set for the account is higher than the account's. vigil holds the account until the counter has decayed."
	case ErrThrottled:
		ae.Kind = exchange.KindRateLimit
		ref.Class = rest.Throttled
		if secs, err := strconv.ParseInt(detail, 10, 64); err == nil && secs > 0 {
			ref.RetryAt = time.Unix(secs, 0)
		} else {
			ref.RetryAt = c.clock.ServerNow().Add(5 * time.Second)
		}
		ae.AdviceText = "Kraken is throttling concurrent requests on this key: vigil waits until the time it named."
	case ErrUnavailable, ErrBusy, ErrDeadline:
		ae.Kind = exchange.KindUnknownStatus
		ref.Class = rest.Ambiguous
		ae.AdviceText = "Kraken's service is busy or unavailable; if this was an order, vigil asks Kraken for its state before doing anything else."
	case ErrUnknownPair:
		ae.Kind = exchange.KindBadRequest
		ae.AdviceText = "Kraken lists no such pair: Kraken spells Bitcoin XBT (XBTUSDT)."
	default:
		if rep.Status >= 500 {
			ae.Kind = exchange.KindUnknownStatus
			ref.Class = rest.Ambiguous
		}
	}
	return ref
}

func (c *Client) undecodable(rep *rest.Reply, jerr error) *rest.Refusal {
	ref := rep.NotJSON("Kraken", jerr)
	if ref.Class == rest.Throttled {
		ref.RetryAt = c.clock.ServerNow().Add(c.rates.refill(false))
		ref.AdviceText = "Kraken answered HTTP 429: too many requests from this address."
	}
	return ref
}

// Advice is the advice vigil gives for a Kraken error code.
func Advice(code string) string {
	c := &Client{rates: newRates("", time.Now, TierIntermediate), clock: exchange.NewClock(exchange.ClockConfig{})}
	rep := &rest.Reply{Status: 200, Request: &rest.Request{}}
	return c.apiError(rep, []string{code}).AdviceText
}
