package rest

import (
	"errors"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// Sent is one signed request as the path sent it, for an audit trail. It
// holds the parameters as the caller built them, before the signer added
// its stamp, key and signature, so nothing in it is a secret or a
// signature. Its slices are the request's own and valid only during the
// call: an observer copies (or digests) what it keeps.
type Sent struct {
	Venue   string
	Method  string
	Path    string
	Query   []byte // encoded as sent, without the signer's parameters
	Body    []byte // as the caller built it (a signer's envelope is not in it)
	Op      string // "place", "cancel" or ""
	Weight  int    // charged to the local budget
	Orders  int
	Time    time.Time     // local time just before sending
	Latency time.Duration // until the reply was read, or the send failed
	Status  int           // HTTP status; 0 when no reply came
	Code    string        // the venue's code on a refusal
	Outcome Outcome
}

// Outcome is how a sent request ended, as the path knows it.
type Outcome string

const (
	OutcomeOK        Outcome = "ok"        // the venue accepted it
	OutcomeRefused   Outcome = "refused"   // the venue refused it and did not act
	OutcomeAmbiguous Outcome = "ambiguous" // it may have acted: only a query can tell
	OutcomeFailed    Outcome = "failed"    // no usable reply (transport, a body cut off)
)

// Observer sees every signed request the path sends, once per attempt (a
// retry after a refused stamp is a request of its own). It runs on the
// request's goroutine after the reply is read, so it must not block: an
// audit trail hands the record to a writer of its own.
type Observer func(*Sent)

// observe reports one attempt of r that reached the wire.
func (p *Path) observe(r *Request, sent time.Time, status int, err error) {
	s := Sent{Venue: p.cfg.Venue, Method: r.Method, Path: r.Path, Query: r.Query.b, Body: r.Body,
		Op: r.Op, Weight: r.Cost.Weight, Orders: r.Cost.Orders, Time: sent,
		Latency: p.cfg.Now().Sub(sent), Status: status, Outcome: OutcomeOK}
	if err != nil {
		s.Outcome = OutcomeRefused
		var ae *exchange.APIError
		if errors.As(err, &ae) {
			s.Code = ae.Code
			if s.Status == 0 {
				s.Status = ae.HTTPStatus
			}
		} else {
			s.Outcome = OutcomeFailed
		}
		var amb *exchange.AmbiguousError
		if errors.As(err, &amb) {
			s.Outcome = OutcomeAmbiguous
		}
	}
	p.cfg.Observer(&s)
}
