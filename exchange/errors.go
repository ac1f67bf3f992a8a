package exchange

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies a venue error so callers can act without knowing codes.
type Kind int

const (
	KindOther         Kind = iota
	KindClock              // timestamp outside the venue's window
	KindSignature          // the venue computed a different signature
	KindAuth               // unknown, malformed or wrong-environment key; wrong passphrase
	KindPermission         // key lacks a permission or IP not allowed
	KindFilter             // order breaks a symbol rule
	KindBalance            // insufficient balance
	KindDuplicate          // client order id already in use
	KindNotFound           // no such order
	KindRateLimit          // too many requests or orders
	KindUnknownStatus      // the venue itself does not know if it executed
	KindBadRequest         // malformed parameters
)

// ErrOrderNotFound is returned by Query when the venue has no such order.
var ErrOrderNotFound = errors.New("order not found on venue")

// APIError is an error body returned by a venue.
type APIError struct {
	Venue      string
	HTTPStatus int
	Code       string // venue's code as text: "-1021", "50102", "10004"
	Msg        string
	Kind       Kind
	// Filter names the failing symbol rule for KindFilter, when known.
	Filter string
	// AdviceText is the decoded, actionable explanation with numbers.
	AdviceText string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Venue, e.Code, e.Msg)
}

// Advice tells the user what to do.
func (e *APIError) Advice() string { return e.AdviceText }

// ClockError is a timestamp rejection, with what we measured.
type ClockError struct {
	*APIError
	Offset time.Duration // server minus local at the time of the error
	Ahead  bool          // the rejected stamp was in the venue's future
}

func (e *ClockError) Unwrap() error { return e.APIError }

// RateLimitError means the venue refused for rate reasons; nothing may be
// sent on this account until RetryAt.
type RateLimitError struct {
	*APIError
	RetryAt time.Time
	Banned  bool // an address ban (HTTP 418 or 403 at some venues), not just a throttle
}

func (e *RateLimitError) Unwrap() error { return e.APIError }

// LocalLimitError is returned without sending when the local budget forbids
// a request (a ban in force, or a caller's context ending while waiting).
type LocalLimitError struct {
	Account string
	Until   time.Time
	Reason  string
}

func (e *LocalLimitError) Error() string {
	return fmt.Sprintf("%s: not sent: %s until %s", e.Account, e.Reason, e.Until.Format("15:04:05"))
}

// AmbiguousError wraps a failure after an order-changing request may have
// reached the venue: timeouts, resets, 5xx, "status unknown" codes.
type AmbiguousError struct {
	Op  string // "place", "cancel"
	Err error
}

func (e *AmbiguousError) Error() string {
	return e.Op + ": outcome unknown (will ask the venue): " + e.Err.Error()
}
func (e *AmbiguousError) Unwrap() error { return e.Err }

// IsAmbiguous reports whether err leaves an order's fate unknown.
func IsAmbiguous(err error) bool {
	var a *AmbiguousError
	return errors.As(err, &a)
}

// KindOf returns the kind of a venue error, KindOther for anything else.
func KindOf(err error) Kind {
	var a *APIError
	if errors.As(err, &a) {
		return a.Kind
	}
	return KindOther
}

// AdviceOf returns advice for any error in the chain that carries it.
func AdviceOf(err error) string {
	var a *APIError
	if errors.As(err, &a) {
		return a.AdviceText
	}
	return ""
}
