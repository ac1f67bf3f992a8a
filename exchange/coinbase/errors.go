package coinbase

import (
	"fmt"
	"net/http"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Codes Coinbase answers with: the gRPC-style error of a refused request,
// and the failure reasons of an order refused in a 200.
const (
	ErrUnauthenticated = "UNAUTHENTICATED" // vigil's name for a bare 401
	ErrPermission      = "PERMISSION_DENIED"
	ErrNotFound        = "NOT_FOUND"
	ErrInvalidArgument = "INVALID_ARGUMENT"
	ErrRateLimit       = "RATE_LIMIT_EXCEEDED"
	ErrInternal        = "INTERNAL"
	ErrUnavailable     = "UNAVAILABLE"

	ErrInsufficientFund  = "INSUFFICIENT_FUND"
	ErrInsufficientFunds = "INSUFFICIENT_FUNDS"
	ErrPricePrecision    = "INVALID_PRICE_PRECISION"
	ErrSizePrecision     = "INVALID_SIZE_PRECISION"
	ErrLimitPrice        = "INVALID_LIMIT_PRICE"
	ErrPostOnly          = "INVALID_LIMIT_PRICE_POST_ONLY"
	ErrProductID         = "INVALID_PRODUCT_ID"
	ErrSide              = "INVALID_SIDE"
	ErrUnsupportedConfig = "UNSUPPORTED_ORDER_CONFIGURATION"
	ErrEntryDisabled     = "ORDER_ENTRY_DISABLED"
	ErrIneligiblePair    = "INELIGIBLE_PAIR"
	ErrNoLiquidity       = "INVALID_NO_LIQUIDITY"
	ErrBaseTooSmall      = "PREVIEW_INVALID_BASE_SIZE_TOO_SMALL"
	ErrBaseTooLarge      = "PREVIEW_INVALID_BASE_SIZE_TOO_LARGE"
	ErrQuoteTooSmall     = "PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL"
	ErrQuoteTooLarge     = "PREVIEW_INVALID_QUOTE_SIZE_TOO_LARGE"
	ErrUnknownCancel     = "UNKNOWN_CANCEL_ORDER"
	ErrCancelNotFound    = "UNKNOWN_CANCEL_FAILURE_REASON"
)

// classify fills an error's kind, filter and advice from Coinbase's code.
func classify(ae *exchange.APIError) {
	switch ae.Code {
	case ErrPermission:
		ae.Kind = exchange.KindPermission
		ae.AdviceText = "the key lacks the permission for this request: a CDP key for vigil needs View and Trade, never Transfer; change it in the CDP portal (or make a new key)."
	case ErrNotFound:
		ae.Kind = exchange.KindNotFound
		ae.AdviceText = "Coinbase has no such order (or product) for this key's portfolio."
	case ErrInvalidArgument:
		ae.Kind = exchange.KindBadRequest
		ae.AdviceText = "Coinbase refused an argument: " + ae.Msg
	case ErrInsufficientFund, ErrInsufficientFunds:
		ae.Kind = exchange.KindBalance
		ae.AdviceText = "not enough available balance for this order (funds held by open orders are not available): reduce the size or cancel resting orders."
	case ErrPricePrecision:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleTick
		ae.AdviceText = "the price is not a multiple of the product's price_increment."
	case ErrSizePrecision:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleStep
		ae.AdviceText = "the size is not a multiple of the product's base_increment."
	case ErrBaseTooSmall, ErrBaseTooLarge:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleQty
		ae.AdviceText = "the size is outside the product's base_min_size … base_max_size."
	case ErrQuoteTooSmall, ErrQuoteTooLarge:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleNotional
		ae.AdviceText = "the order's value (size × price) is outside the product's quote_min_size … quote_max_size."
	case ErrLimitPrice, ErrPostOnly:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RulePrice
		ae.AdviceText = "Coinbase refused the limit price (a post-only order that would take, or a price outside the allowed band)."
	case ErrEntryDisabled, ErrIneligiblePair:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleStatus
		ae.AdviceText = "the product takes no orders now (trading disabled, cancel-only, or not for this account's region)."
	case ErrProductID, ErrSide, ErrUnsupportedConfig:
		ae.Kind = exchange.KindBadRequest
		ae.AdviceText = "Coinbase refused the order's form (" + ae.Code + "): Coinbase spells products BTC-USD."
	case ErrNoLiquidity:
		ae.Kind = exchange.KindOther
		ae.AdviceText = "no liquidity to fill this order now."
	case ErrUnknownCancel, ErrCancelNotFound:
		ae.Kind = exchange.KindNotFound
		ae.AdviceText = "Coinbase has no such open order to cancel (it may have filled or been canceled already)."
	}
}

// apiError is Coinbase's error table for a refused request.
func (c *Client) apiError(rep *rest.Reply, e errorBody) *rest.Refusal {
	code := e.Error
	if code == "" {
		code = fmt.Sprintf("HTTP %d", rep.Status)
	}
	msg := e.Message
	if msg == "" {
		msg = e.ErrorDetails
	}
	ref := rep.Refuse(code, msg)
	ae := ref.APIError
	classify(ae)
	switch {
	case rep.Status == http.StatusUnauthorized:
		c.unauthorized(rep, ref)
	case rep.Status == http.StatusTooManyRequests:
		ae.Kind = exchange.KindRateLimit
		ref.Class = rest.Throttled
		ref.RetryAt = c.retryAt(rep)
		ae.AdviceText = "Coinbase answered 429: this user's requests passed its limit (30 a second for private endpoints), or another program shares the key. vigil holds the account until the limit renews."
	case rep.Status >= 500:
		ae.Kind = exchange.KindUnknownStatus
		ref.Class = rest.Ambiguous
		ae.AdviceText = "Coinbase failed to answer (HTTP " + fmt.Sprint(rep.Status) + "); if this was an order, vigil asks Coinbase for its state before doing anything else."
	case ae.Kind == exchange.KindOther && rep.Status == http.StatusForbidden:
		ae.Kind = exchange.KindPermission
	}
	return ref
}

// unauthorized reads a 401, which Coinbase answers alike for a token
// outside its window, a uri that is not the request's, an unknown key and
// a bad signature. The first is taken for the clock (the path measures
// Coinbase's clock again and sends once more with a fresh token); the
// same request refused again, with the clock just measured, is the key.
func (c *Client) unauthorized(rep *rest.Reply, ref *rest.Refusal) {
	ae := ref.APIError
	ae.Code = ErrUnauthenticated
	r, _ := rep.Request.Tag.(*request)
	if r != nil && r.refused401.CompareAndSwap(false, true) {
		ae.Kind = exchange.KindClock
		ref.Class = rest.StampRefused
		ref.Ahead = true
		ae.AdviceText = "Coinbase refused the request's token (HTTP 401, which it answers alike for a token outside its two-minute window and for a wrong key): vigil measures Coinbase's clock again and sends once more with a fresh token."
		return
	}
	ae.Kind = exchange.KindAuth
	if c.key != nil {
		// A CDP token refused with the clock just measured: the path asks
		// ExplainSignature what was signed and which causes fit.
		ae.Kind = exchange.KindSignature
	}
	if c.legacy != nil {
		ae.AdviceText = "Coinbase refused the legacy key (HTTP 401) with the clock just measured: legacy keys are no longer issued and may have stopped working; make a CDP key (ES256) and `vigil keys rotate`."
		return
	}
	ae.AdviceText = fmt.Sprintf("Coinbase refused the token (HTTP 401) with the clock just measured, so it is the key: the key name (%s) does not belong to the private key in the vault (a truncated or mixed-up PEM), the key was deleted, or its IP allow-list leaves this machine out (set in the CDP portal).", c.info.KeyID)
}

// retryAt is when a throttled account may send again: the reset Coinbase
// named, else a second on (its window).
func (c *Client) retryAt(rep *rest.Reply) time.Time {
	now := c.clock.ServerNow()
	if t := ResetTime(rep.Header.Get(HeaderReset), now); t.After(now) && t.Before(now.Add(time.Minute)) {
		return t
	}
	return now.Add(time.Second)
}

func (c *Client) undecodable(rep *rest.Reply, jerr error) *rest.Refusal {
	ref := rep.NotJSON("Coinbase", jerr)
	if ref.Class == rest.Throttled {
		ref.RetryAt = c.retryAt(rep)
		ref.AdviceText = "Coinbase answered HTTP 429: too many requests."
	}
	return ref
}

// Advice is the advice vigil gives for a Coinbase code.
func Advice(code string) string {
	ae := &exchange.APIError{Venue: venueName, Code: code}
	classify(ae)
	return ae.AdviceText
}
