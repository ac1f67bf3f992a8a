package deribit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// JSON-RPC error codes as Deribit sends them (API reference v2.1.1; the
// newer errors article's table contradicts it and the API, see
// venues.md §6.6).
const (
	ErrAuthRequired      = 10000 // authorization_required
	ErrQtyTooLow         = 10002 // qty_too_low
	ErrOrderNotFound     = 10004 // order_not_found
	ErrPriceTooLow       = 10005 // price_too_low
	ErrPriceTooHigh      = 10007 // price_too_high
	ErrNotEnoughFunds    = 10009 // not_enough_funds
	ErrAlreadyClosed     = 10010 // already_closed
	ErrPricePrecision    = 10026 // price_precision_exceeded
	ErrTooManyRequests   = 10028 // too_many_requests
	ErrWholeCostTooLow   = 10032 // whole_cost_too_low
	ErrRetry             = 10040 // retry
	ErrSettlement        = 10041 // settlement_in_progress
	ErrPriceWrongTick    = 10043 // price_wrong_tick
	ErrQueueFull         = 10047 // matching_engine_queue_full
	ErrInvalidCreds      = 13004 // invalid_credentials
	ErrUnauthorized      = 13009 // unauthorized
	ErrForbidden         = 13021 // forbidden
	ErrBadRequest        = 11050 // bad_request
	ErrMaintenance       = 11051 // system_maintenance
	ErrInvalidParams     = -32602
	ErrMethodNotFound    = -32601
	errTimestampReason   = "timestamp"
	errSignatureReason   = "signature"
	errContractSizeParam = "amount"
)

// errData is an error's data, when it names a reason and a parameter.
type errData struct {
	Reason string `json:"reason"`
	Param  string `json:"param"`
}

func (e *rpcError) data() errData {
	var d errData
	if e != nil && len(e.Data) > 0 {
		_ = json.Unmarshal(e.Data, &d)
	}
	return d
}

// apiError is Deribit's error table.
func (c *Client) apiError(rep *rest.Reply, e *rpcError) *rest.Refusal {
	if e == nil {
		e = &rpcError{Code: rep.Status, Message: fmt.Sprintf("HTTP %d", rep.Status)}
	}
	d := e.data()
	msg := e.Message
	if d.Reason != "" || d.Param != "" {
		msg += " (" + strings.TrimSpace(d.Param+" "+d.Reason) + ")"
	}
	ref := rep.Refuse(strconv.Itoa(e.Code), msg)
	classify(ref, e.Code, d, c, rep.Request != nil && rep.Request.Op != "")
	return ref
}

// classify fills in the Kind, class and advice of a refusal with code.
// c may be a client without a clock or pools (Advice).
func classify(ref *rest.Refusal, code int, d errData, c *Client, orderOp bool) {
	ae := ref.APIError
	reason := strings.ToLower(d.Reason)
	switch code {
	case ErrUnauthorized:
		switch {
		case strings.Contains(reason, errTimestampReason):
			ae.Kind = exchange.KindClock
			ref.Class = rest.StampRefused
			ae.AdviceText = "Deribit refused the request's timestamp: a signature is good for 60 s after it was made. vigil measures Deribit's clock again before the next login and sends once more; if this repeats, this machine's clock is unsteady: enable NTP."
		case strings.Contains(reason, errSignatureReason):
			ae.Kind = exchange.KindSignature
			ae.AdviceText = "Deribit computed a different signature: the client secret in the vault does not belong to this client id (check for a truncated paste)."
		default:
			ae.Kind = exchange.KindAuth
			ae.AdviceText = "Deribit refused the key or its token: the client id is unknown on this platform (test.deribit.com and www.deribit.com have separate accounts and keys), or the key was disabled."
		}
	case ErrInvalidCreds:
		ae.Kind = exchange.KindAuth
		ae.AdviceText = "Deribit does not know this client id with this secret here: test.deribit.com and www.deribit.com have separate accounts and keys."
	case ErrAuthRequired:
		ae.Kind = exchange.KindAuth
		ae.AdviceText = "Deribit saw no authorization on a private method."
	case ErrForbidden:
		ae.Kind = exchange.KindPermission
		ae.AdviceText = "the key's scope does not allow this (or the request came from an address outside its IP allow-list): give the key account:read and trade:read_write; never wallet:read_write for vigil."
	case ErrNotEnoughFunds:
		ae.Kind = exchange.KindBalance
		ae.AdviceText = "not enough available funds (margin) for this order: reduce the size or cancel resting orders."
	case ErrQtyTooLow:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleQty
		ae.AdviceText = "the amount is below the instrument's min_trade_amount."
	case ErrPriceWrongTick, ErrPricePrecision:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleTick
		ae.AdviceText = "the price is not a multiple of the instrument's tick_size."
	case ErrPriceTooLow, ErrPriceTooHigh:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RulePrice
		ae.AdviceText = "the price is outside the band Deribit allows around the mark price now."
	case ErrWholeCostTooLow:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleNotional
		ae.AdviceText = "the order's value is below Deribit's minimum."
	case ErrOrderNotFound, ErrAlreadyClosed:
		ae.Kind = exchange.KindNotFound
		ae.AdviceText = "Deribit has no such open order (it may have filled or been cancelled already)."
	case ErrInvalidParams:
		ae.Kind = exchange.KindBadRequest
		ae.AdviceText = "Deribit refused a parameter: " + strings.TrimSpace(d.Param+" "+d.Reason)
		if d.Param == errContractSizeParam && strings.Contains(reason, "multiple") {
			ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleStep
			ae.AdviceText = "the amount is not a multiple of the instrument's contract size (the step)."
		}
	case ErrTooManyRequests, ErrQueueFull:
		ae.Kind = exchange.KindRateLimit
		ref.Class = rest.Throttled
		// Orders and cancels draw on the matching engine's pool.
		matching := code == ErrQueueFull || orderOp
		wait := time.Second
		if c != nil && c.credits != nil {
			wait = c.credits.refill(matching)
			c.credits.spent(matching)
		}
		if c != nil && c.clock != nil {
			ref.RetryAt = c.clock.ServerNow().Add(wait)
		}
		ae.AdviceText = "Deribit's credits for this account are spent, which ends a session: another program shares the sub-account, or the account's tier is lower than counted. vigil holds the account until the pool has refilled."
	case ErrRetry, ErrSettlement, ErrMaintenance:
		ae.Kind = exchange.KindUnknownStatus
		ref.Class = rest.Ambiguous
		ae.AdviceText = "Deribit is busy (settlement, maintenance, or asking to retry); if this was an order, vigil asks Deribit for its state before doing anything else."
	case ErrBadRequest, ErrMethodNotFound:
		ae.Kind = exchange.KindBadRequest
		ae.AdviceText = "Deribit refused the request as malformed."
	default:
		if ae.HTTPStatus >= 500 {
			ae.Kind = exchange.KindUnknownStatus
			ref.Class = rest.Ambiguous
		} else {
			ae.Kind = exchange.KindOther
		}
	}
}

func (c *Client) undecodable(rep *rest.Reply, jerr error) *rest.Refusal {
	ref := rep.NotJSON("Deribit", jerr)
	if ref.Class == rest.Throttled {
		ref.RetryAt = c.clock.ServerNow().Add(c.credits.refill(false))
		ref.AdviceText = "Deribit answered HTTP 429: too many requests, or more than 32 connections open from this address."
	}
	return ref
}

// Advice is the advice vigil gives for a Deribit error code.
func Advice(code int) string {
	ref := (&rest.Reply{Status: 400, Request: &rest.Request{}}).Refuse(strconv.Itoa(code), "")
	classify(ref, code, errData{}, nil, false)
	return ref.AdviceText
}
