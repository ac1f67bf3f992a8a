package binance

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

const venueName = "binance"

// Binance error codes the client acts on.
const (
	codeUnknown        = -1000
	codeDisconnected   = -1001
	codeUnexpectedResp = -1006
	codeTimeout        = -1007
	codeTooMany        = -1003
	codeTooManyOrders  = -1015
	codeTimestamp      = -1021
	codeSignature      = -1022
	codeBadPrecision   = -1111
	codeBadSymbol      = -1121
	codeInvalidMessage = -1013
	codeNewRejected    = -2010
	codeCancelRejected = -2011
	codeNoSuchOrder    = -2013
	codeBadKeyFormat   = -2014
	codeRejectedKey    = -2015
)

// errBody is Binance's error shape.
type errBody struct {
	Code *int   `json:"code"`
	Msg  string `json:"msg"`
}

// errContext is what the client knew when a request failed, so advice can
// carry numbers rather than just names.
type errContext struct {
	network exchange.Network
	scheme  exchange.Scheme
	keyID   string
	rules   *exchange.SymbolRules // the order's symbol, when cached
	order   *exchange.OrderRequest
}

// decodeAPIError turns an error body into an *exchange.APIError with advice.
// It returns nil when the body is not a Binance error at all.
func decodeAPIError(status int, body []byte, ec errContext) *exchange.APIError {
	var eb errBody
	if err := json.Unmarshal(body, &eb); err != nil || eb.Code == nil {
		return nil
	}
	e := &exchange.APIError{
		Venue:      venueName,
		HTTPStatus: status,
		Code:       strconv.Itoa(*eb.Code),
		Msg:        eb.Msg,
	}
	classify(e, *eb.Code, ec)
	return e
}

func classify(e *exchange.APIError, code int, ec errContext) {
	msg := strings.ToLower(e.Msg)
	switch code {
	case codeTimestamp:
		e.Kind = exchange.KindClock
		// The client replaces this with numbers once it has re-synced.
		e.AdviceText = "-1021: the request's timestamp was outside Binance's window; run `vigil check` to measure the clock offset"
	case codeSignature:
		e.Kind = exchange.KindSignature
		e.AdviceText = signatureAdvice(ec)
	case codeBadKeyFormat:
		e.Kind = exchange.KindAuth
		e.AdviceText = fmt.Sprintf("-2014: Binance cannot parse API key %s: it should be the 64-character key shown when it was created, with no spaces or quotes; re-enter it with `vigil keys`", ec.keyID)
	case codeRejectedKey:
		e.Kind = exchange.KindPermission
		e.AdviceText = rejectedKeyAdvice(ec)
	case codeInvalidMessage:
		if f, ok := strings.CutPrefix(e.Msg, "Filter failure: "); ok {
			e.Kind = exchange.KindFilter
			e.Filter, e.AdviceText = filterAdvice(strings.TrimSpace(f), ec)
		} else {
			e.Kind = exchange.KindBadRequest
			e.AdviceText = "-1013: Binance rejected the request as invalid: " + e.Msg
		}
	case codeBadPrecision:
		e.Kind = exchange.KindFilter
		e.AdviceText = precisionAdvice(ec)
	case codeNewRejected, codeCancelRejected:
		switch {
		case strings.Contains(msg, "insufficient balance"):
			e.Kind = exchange.KindBalance
			e.AdviceText = "-2010: insufficient free balance for this order (funds locked in open orders do not count); check Balances"
		case strings.Contains(msg, "duplicate"):
			e.Kind = exchange.KindDuplicate
			e.AdviceText = "-2010: an open order already uses this client order id; query it instead of sending again"
		case strings.Contains(msg, "not enabled") || strings.Contains(msg, "may not place") || strings.Contains(msg, "not allowed"):
			e.Kind = exchange.KindPermission
			e.AdviceText = "-2010: trading is disabled for this key or account (" + e.Msg + "); enable Spot trading on the key"
		case strings.Contains(msg, "unknown order"):
			e.Kind = exchange.KindNotFound
			e.AdviceText = "the venue has no such open order: it may already be filled or cancelled; query it"
		default:
			e.Kind = exchange.KindOther
			e.AdviceText = e.Code + ": order rejected: " + e.Msg
		}
	case codeNoSuchOrder:
		e.Kind = exchange.KindNotFound
		e.AdviceText = "-2013: Binance has no such order for this symbol"
	case codeTooMany, codeTooManyOrders:
		e.Kind = exchange.KindRateLimit
		e.AdviceText = e.Code + ": Binance rate limit hit; vigil holds this account's requests until the limit resets"
	case codeTimeout, codeUnexpectedResp, codeUnknown, codeDisconnected:
		e.Kind = exchange.KindUnknownStatus
		e.AdviceText = e.Code + ": Binance did not confirm the outcome; the order's status must be read back with a query before anything is re-sent"
	case codeBadSymbol:
		e.Kind = exchange.KindBadRequest
		e.AdviceText = "-1121: Binance does not list this symbol on " + string(ec.network) + "; testnet lists far fewer symbols than mainnet"
	default:
		if code <= -1100 && code > -1200 {
			e.Kind = exchange.KindBadRequest
		}
		e.AdviceText = e.Code + ": " + e.Msg
	}
}

func signatureAdvice(ec errContext) string {
	var kind string
	switch ec.scheme {
	case exchange.SchemeEd25519:
		kind = "an Ed25519 key: the secret must be the PKCS#8 private key PEM whose public key you registered with Binance"
	case SchemeRSA:
		kind = "an RSA key: the secret must be the PKCS#8 private key PEM whose public key you registered with Binance"
	default:
		kind = "an HMAC key: the secret is the 64-character secret shown once at creation, not the API key"
	}
	return fmt.Sprintf("-1022: Binance computed a different signature for key %s. It is configured as %s. Check the secret belongs to this key and the scheme matches the key type on Binance", ec.keyID, kind)
}

func rejectedKeyAdvice(ec errContext) string {
	const what = "-2015: invalid API key, IP not whitelisted, or missing permission (Binance uses one code for all three)"
	if ec.network == exchange.Mainnet {
		return what + ". `vigil check` reads apiRestrictions to tell which: IP binding and trading permission"
	}
	return what + ". On testnet only a missing key or missing TRADE permission can be told apart (by `vigil check`); IP binding cannot be read. Testnet keys come from testnet.binance.vision and differ from mainnet keys"
}

// filterAdvice names the failing filter and, when the symbol's rules and the
// order are known, which bound was broken and its value.
func filterAdvice(filter string, ec errContext) (rule, advice string) {
	r, o := ec.rules, ec.order
	prefix := filter + ": "
	switch filter {
	case "PRICE_FILTER":
		rule = exchange.RuleTick
		if r == nil {
			return rule, prefix + "price is outside the symbol's range or not a multiple of its tick size"
		}
		if o != nil {
			switch {
			case r.MinPrice.IsPositive() && o.Price.LessThan(r.MinPrice):
				return exchange.RulePrice, prefix + "price must be at least " + r.MinPrice.String()
			case r.MaxPrice.IsPositive() && o.Price.GreaterThan(r.MaxPrice):
				return exchange.RulePrice, prefix + "price must be at most " + r.MaxPrice.String()
			}
		}
		return rule, prefix + "price must be a multiple of " + r.TickSize.String() + bounds(r.MinPrice, r.MaxPrice)
	case "LOT_SIZE", "MARKET_LOT_SIZE":
		rule = exchange.RuleStep
		if r == nil {
			return rule, prefix + "quantity is outside the symbol's range or not a multiple of its step size"
		}
		step, lo, hi := r.StepSize, r.MinQty, r.MaxQty
		if filter == "MARKET_LOT_SIZE" {
			if r.MarketStep.IsPositive() {
				step = r.MarketStep
			}
			lo, hi = r.MarketMinQty, r.MarketMaxQty
		}
		if o != nil {
			switch {
			case lo.IsPositive() && o.Qty.LessThan(lo):
				return exchange.RuleQty, prefix + "quantity must be at least " + lo.String()
			case hi.IsPositive() && o.Qty.GreaterThan(hi):
				return exchange.RuleQty, prefix + "quantity must be at most " + hi.String()
			}
		}
		return rule, prefix + "quantity must be a multiple of " + step.String() + bounds(lo, hi)
	case "NOTIONAL", "MIN_NOTIONAL":
		rule = exchange.RuleNotional
		if r == nil {
			return rule, prefix + "price × quantity is outside the symbol's notional bounds"
		}
		adv := prefix + "price × quantity must be"
		switch {
		case r.MinNotional.IsPositive() && r.MaxNotional.IsPositive():
			adv += " between " + r.MinNotional.String() + " and " + r.MaxNotional.String() + " " + r.Quote
		case r.MaxNotional.IsPositive():
			adv += " at most " + r.MaxNotional.String() + " " + r.Quote
		default:
			adv += " at least " + r.MinNotional.String() + " " + r.Quote
		}
		if o != nil && o.Type == exchange.LimitOrder {
			adv += " (this order: " + o.Price.Mul(o.Qty).String() + ")"
		}
		return rule, adv
	case "PERCENT_PRICE", "PERCENT_PRICE_BY_SIDE":
		return exchange.RulePrice, prefix + "price is too far from the recent average price"
	}
	return filter, prefix + "the order breaks this symbol rule"
}

func bounds(lo, hi decimal.Decimal) string {
	switch {
	case lo.IsPositive() && hi.IsPositive():
		return fmt.Sprintf(", between %s and %s", lo, hi)
	case lo.IsPositive():
		return ", at least " + lo.String()
	}
	return ""
}

func precisionAdvice(ec errContext) string {
	if ec.rules == nil {
		return "-1111: too many decimals in price or quantity for this symbol"
	}
	return fmt.Sprintf("-1111: too many decimals: %s allows %d in price and %d in quantity", ec.rules.Symbol, ec.rules.PriceDecimals, ec.rules.QtyDecimals)
}

// clockAdvice explains a -1021 with what the estimator measured. offset is
// server minus local.
func clockAdvice(offset time.Duration, recvWindow time.Duration, ahead bool) string {
	secs := func(d time.Duration) string { return strconv.FormatFloat(d.Abs().Seconds(), 'f', 1, 64) }
	switch {
	case offset < 0:
		s := fmt.Sprintf("-1021: your clock is %s s ahead of Binance", secs(offset))
		if -offset >= time.Second {
			s += " (Binance refuses stamps 1 s or more in its future)"
		}
		return s + "; vigil re-synced and stamps requests with the measured offset; run `vigil check` and enable NTP"
	case offset > recvWindow:
		return fmt.Sprintf("-1021: your clock is %s s behind Binance, beyond recvWindow %d ms; vigil re-synced and stamps requests with the measured offset; run `vigil check` and enable NTP", secs(offset), recvWindow.Milliseconds())
	case ahead:
		return fmt.Sprintf("-1021: the stamp was ahead of Binance's clock (measured offset %s s behind); run `vigil check`", secs(offset))
	}
	return fmt.Sprintf("-1021: your clock is %s s behind Binance (recvWindow %d ms); the request may have queued too long; run `vigil check`", secs(offset), recvWindow.Milliseconds())
}
