package rest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// Reply is what came back for one request, for the venue's Replies.
type Reply struct {
	Request *Request
	Status  int
	Header  http.Header
	// Body is pooled: whatever outlives Unwrap must be copied from it, and
	// a payload returned from it is decoded before the buffer is reused.
	Body     []byte
	Stamp    time.Time // the stamp the request was signed with
	Sent     time.Time // local time before sending
	Received time.Time // local time after reading the body
	Prehash  []byte    // see Wire.Prehash
	Base     string    // the configured base URL, for advice
	// SentQuery, SentBody and SentHeader are the request as it went out,
	// signature included, for explaining a refused signature. SentHeader
	// carries the API key and at some venues a passphrase: never show it
	// whole.
	SentQuery  string
	SentBody   []byte
	SentHeader http.Header
}

// OK reports a 2xx status.
func (rep *Reply) OK() bool { return rep.Status/100 == 2 }

// Class is what a venue's refusal means to the request path.
type Class int

const (
	// Refused: the venue did not act; the error stands.
	Refused Class = iota
	// Ambiguous: the venue may have acted and does not say; after an order
	// change only a query can tell.
	Ambiguous
	// StampRefused: the stamp (time or nonce) was refused at the gateway,
	// before the request could act: the path re-syncs the clock and sends
	// once more with a fresh stamp. An error of KindClock that is not worth
	// a retry (a stamp the venue could not parse) stays Refused.
	StampRefused
	// Throttled: too many requests; nothing is sent on the account until
	// RetryAt.
	Throttled
	// Banned: the venue banned the address; nothing is sent until RetryAt.
	Banned
)

// Refusal is a venue's reading of an error reply: the error with its Kind
// and advice, and what the path must do about it.
type Refusal struct {
	*exchange.APIError
	Class Class
	// RetryAt is when a Throttled or Banned account may send again, in the
	// venue's time (zero: a minute from now).
	RetryAt time.Time
	// Ahead is, for a refused stamp, whether it was in the venue's future.
	Ahead bool
}

// Refuse is a Refusal of rep with the venue's code and message, its Kind
// and advice to be filled in by the venue's error table.
func (rep *Reply) Refuse(code, msg string) *Refusal {
	return &Refusal{APIError: &exchange.APIError{HTTPStatus: rep.Status, Code: code, Msg: msg}}
}

// NotJSON reads a reply that is not the venue's JSON at all (a proxy's
// page, a truncated body, a gateway's plain-text refusal). display is the
// venue's name in prose. A 429 is Throttled, with no advice: the venue's
// table writes it. Anything else after an order change, and any 5xx, may
// have acted; otherwise the configured URL is likely not the venue's API.
func (rep *Reply) NotJSON(display string, jerr error) *Refusal {
	ref := rep.Refuse(strconv.Itoa(rep.Status), fmt.Sprintf("HTTP %d from %s %s: reply is not %s JSON: %s",
		rep.Status, rep.Request.Method, rep.Request.Path, display, Snippet(rep.Body)))
	if jerr != nil {
		ref.Msg += " (" + jerr.Error() + ")"
	}
	switch {
	case rep.Status == http.StatusTooManyRequests:
		ref.Class = Throttled
	case rep.Status >= 500 || rep.Request.Op != "" && rep.OK():
		ref.Kind = exchange.KindUnknownStatus
		ref.Class = Ambiguous
		ref.AdviceText = display + " (or a proxy in front of it) answered with something that is not its JSON; if this was an order, vigil asks " + display + " for its state before doing anything else."
	default:
		ref.AdviceText = fmt.Sprintf("HTTP %d with a body %s does not send: check the base URL (%s) and any proxy.", rep.Status, display, rep.Base)
	}
	return ref
}

// Snippet quotes the start of a body for an error, never the whole thing.
func Snippet(b []byte) string {
	const n = 64
	s := strings.ToValidUTF8(string(b[:min(len(b), n)]), "?")
	if len(b) > n {
		s += "…"
	}
	if s == "" {
		return "empty body"
	}
	return strconv.Quote(s)
}
