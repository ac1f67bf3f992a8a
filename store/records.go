package store

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// An order is one value under accounts/<account>/orders/<client id>: the
// intent and every transition learnt about it, in a compact binary form.
// Schema 1 kept the intent, the current state and each transition as
// separate JSON values under three keys; at ~1.4 KB an order, 100k orders
// made a 137 MB file. The current state is not stored: it is the fold of
// the transitions (stateRec.apply), so it cannot disagree with them.
//
//	byte      recFormat
//	str       symbol, side, type, tif, qty, price, venue, network, endpoint
//	time      created (absolute)
//	uvarint   number of transitions, then for each:
//	byte      flags: tfOrderID (an order id follows), tfSameOrderID (the
//	          previous transition's order id), tfReason, tfFilled
//	str       status, [order id], [filled], [reason], via
//	time      at, relative to created
//
// A str is a uvarint v: odd, v>>1 indexes wellKnown; even, v>>1 bytes of
// text follow. A time is a uvarint: 0 is the zero time, otherwise the
// zigzag of the nanoseconds (absolute, or since created) plus one. Every
// decimal stays a string, exactly as written.
const recFormat = 2

const (
	tfOrderID = 1 << iota
	tfSameOrderID
	tfReason
	tfFilled
	tfAll = tfOrderID | tfSameOrderID | tfReason | tfFilled
)

// wellKnown are the strings most records repeat, spelt as one byte. The
// list is part of the file format: entries are only ever appended.
var wellKnown = []string{
	"",
	string(exchange.StatusPending), string(exchange.StatusNew), string(exchange.StatusPartiallyFilled),
	string(exchange.StatusFilled), string(exchange.StatusCanceled), string(exchange.StatusRejected),
	string(exchange.StatusExpired), string(exchange.StatusUnknown),
	string(StatusSent), string(StatusNotSent), string(StatusNotPlaced), string(StatusCancelRequested),
	string(exchange.Buy), string(exchange.Sell), string(exchange.LimitOrder), string(exchange.MarketOrder),
	string(exchange.GTC), string(exchange.IOC), string(exchange.FOK),
	"place", "query", "cancel", "reconcile", "resend", "stream",
	string(exchange.Testnet), string(exchange.Mainnet),
	// The first venues' names: file format, frozen like the rest (the one
	// place outside the venue packages allowed to spell them).
	"binance", "okx", "bybit", "0",
}

var wellKnownIndex = func() map[string]uint64 {
	m := make(map[string]uint64, len(wellKnown))
	for i, s := range wellKnown {
		m[s] = uint64(i)
	}
	return m
}()

func appendStr(b []byte, s string) []byte {
	if i, ok := wellKnownIndex[s]; ok {
		return binary.AppendUvarint(b, i<<1|1)
	}
	b = binary.AppendUvarint(b, uint64(len(s))<<1)
	return append(b, s...)
}

func appendTime(b []byte, t time.Time, base int64) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	d := t.UnixNano() - base
	return binary.AppendUvarint(b, uint64(d<<1^d>>63)+1)
}

// encodeOrder is the value of an order with its transitions so far.
func encodeOrder(in Intent, log []Transition) []byte {
	b := make([]byte, 0, 96+40*len(log))
	b = append(b, recFormat)
	for _, s := range []string{in.Req.Symbol, string(in.Req.Side), string(in.Req.Type), string(in.Req.TIF),
		in.Req.Qty.String(), in.Req.Price.String(), in.Binding.Venue, string(in.Binding.Network), in.Binding.Endpoint} {
		b = appendStr(b, s)
	}
	b = appendTime(b, in.Created, 0)
	b = binary.AppendUvarint(b, uint64(len(log)))
	base := in.Created.UnixNano()
	if in.Created.IsZero() {
		base = 0
	}
	prevID := ""
	for _, t := range log {
		b = appendTransition(b, t, base, prevID)
		if t.OrderID != "" {
			prevID = t.OrderID
		}
	}
	return b
}

func appendTransition(b []byte, t Transition, base int64, prevID string) []byte {
	var flags byte
	switch {
	case t.OrderID == "":
	case t.OrderID == prevID:
		flags |= tfSameOrderID
	default:
		flags |= tfOrderID
	}
	if t.Reason != "" {
		flags |= tfReason
	}
	if !t.Filled.IsZero() {
		flags |= tfFilled
	}
	b = append(b, flags)
	b = appendStr(b, string(t.Status))
	if flags&tfOrderID != 0 {
		b = appendStr(b, t.OrderID)
	}
	if flags&tfFilled != 0 {
		b = appendStr(b, t.Filled.String())
	}
	if flags&tfReason != 0 {
		b = appendStr(b, t.Reason)
	}
	b = appendStr(b, t.Via)
	return appendTime(b, t.At, base)
}

// recReader reads a record; the first error sticks and every later read
// returns zero values, so a decoder checks once at the end.
type recReader struct {
	b   []byte
	err error
}

var errShort = errors.New("record ends early")

func (r *recReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recReader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = errShort
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *recReader) str() string {
	v := r.uvarint()
	if r.err != nil {
		return ""
	}
	if v&1 == 1 {
		if v>>1 >= uint64(len(wellKnown)) {
			r.err = corruptf("unknown string code %d", v>>1)
			return ""
		}
		return wellKnown[v>>1]
	}
	n := v >> 1
	if n > uint64(len(r.b)) {
		r.err = errShort
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *recReader) time(base int64) time.Time {
	v := r.uvarint()
	if v == 0 || r.err != nil {
		return time.Time{}
	}
	v--
	d := int64(v>>1) ^ -int64(v&1)
	return time.Unix(0, base+d)
}

func (r *recReader) dec() decimal.Decimal {
	s := r.str()
	if r.err != nil {
		return decimal.Zero
	}
	d, err := parseDec(s)
	if err != nil {
		r.err = err
	}
	return d
}

// decodeOrder reads an order's value; any bytes give an order or an error,
// never a panic.
func decodeOrder(account, id string, v []byte) (Intent, []Transition, error) {
	r := &recReader{b: v}
	if f := r.byte(); r.err == nil && f != recFormat {
		return Intent{}, nil, corruptf("record format %d", f)
	}
	in := Intent{Account: account, ClientID: id}
	in.Req.ClientID = id
	in.Req.Symbol = r.str()
	in.Req.Side = exchange.Side(r.str())
	in.Req.Type = exchange.OrderType(r.str())
	in.Req.TIF = exchange.TimeInForce(r.str())
	in.Req.Qty = r.dec()
	in.Req.Price = r.dec()
	in.Binding.Venue = r.str()
	in.Binding.Network = exchange.Network(r.str())
	in.Binding.Endpoint = r.str()
	in.Created = r.time(0)
	n := r.uvarint()
	// Each transition takes at least four bytes: a bound on n before it
	// sizes anything.
	if r.err == nil && n > uint64(len(r.b))/4 {
		r.err = corruptf("%d transitions in %d bytes", n, len(r.b))
	}
	if r.err != nil {
		return Intent{}, nil, r.err
	}
	base := int64(0)
	if !in.Created.IsZero() {
		base = in.Created.UnixNano()
	}
	log := make([]Transition, 0, n)
	prevID := ""
	for range n {
		var t Transition
		flags := r.byte()
		if flags&^tfAll != 0 || flags&(tfOrderID|tfSameOrderID) == tfOrderID|tfSameOrderID {
			return Intent{}, nil, corruptf("transition flags %#x", flags)
		}
		t.Status = exchange.OrderStatus(r.str())
		switch {
		case flags&tfOrderID != 0:
			t.OrderID = r.str()
		case flags&tfSameOrderID != 0:
			t.OrderID = prevID
		}
		if flags&tfFilled != 0 {
			t.Filled = r.dec()
		}
		if flags&tfReason != 0 {
			t.Reason = r.str()
		}
		t.Via = r.str()
		t.At = r.time(base)
		if r.err != nil {
			return Intent{}, nil, r.err
		}
		if t.Status == "" {
			return Intent{}, nil, corruptf("a transition without a status")
		}
		if t.OrderID != "" {
			prevID = t.OrderID
		}
		log = append(log, t)
	}
	if len(r.b) != 0 {
		return Intent{}, nil, corruptf("%d bytes after the record", len(r.b))
	}
	return in, log, nil
}

// stateRec is an order's current state, the fold of its transitions.
type stateRec struct {
	Status  exchange.OrderStatus
	OrderID string
	Filled  decimal.Decimal
	Reason  string
	Updated time.Time
	Seq     uint64
}

func initialState(in Intent) stateRec {
	return stateRec{Status: exchange.StatusPending, Filled: decimal.Zero, Updated: in.Created}
}

// apply folds a transition into the current state; see Journal.Append.
func (s *stateRec) apply(t Transition) {
	switch {
	case !Final(s.Status), t.Status.Final():
		s.Status = t.Status
		if t.Reason != "" || Final(t.Status) {
			s.Reason = t.Reason
		}
	}
	if s.OrderID == "" {
		s.OrderID = t.OrderID
	}
	// Fills only grow; an answer that says less is older than what we hold.
	if t.Filled.GreaterThan(s.Filled) {
		s.Filled = t.Filled
	}
	if t.At.After(s.Updated) {
		s.Updated = t.At
	}
	s.Seq++
}

// entryOf is an intent with the state its transitions lead to.
func entryOf(in Intent, log []Transition) Entry {
	st := initialState(in)
	for _, t := range log {
		st.apply(t)
	}
	return Entry{Intent: in, Status: st.Status, OrderID: st.OrderID, Filled: st.Filled, Reason: st.Reason, Updated: st.Updated, Seq: st.Seq}
}

func parseDec(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Zero, nil
	}
	// shopspring parses exponents into an int32 and allocates digits for
	// them: a record is not allowed to ask for a number it cannot hold.
	if len(s) > 64 {
		return decimal.Decimal{}, corruptf("decimal of %d characters", len(s))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, corruptf("decimal %q", s)
	}
	if e := d.Exponent(); e < -64 || e > 64 {
		return decimal.Decimal{}, corruptf("decimal %q", s)
	}
	return d, nil
}
