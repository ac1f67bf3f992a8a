package store

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// The on-disk records spell every decimal as a string so no value passes
// through a float and a later reader sees exactly what was written.

type intentRec struct {
	Symbol  string    `json:"symbol"`
	Side    string    `json:"side"`
	Type    string    `json:"type"`
	TIF     string    `json:"tif,omitempty"`
	Qty     string    `json:"qty"`
	Price   string    `json:"price"`
	Created time.Time `json:"created"`
	// Where the intent was made for; absent in journals written before
	// vigil recorded it (an older vigil reading a newer record ignores them).
	Venue    string `json:"venue,omitempty"`
	Network  string `json:"network,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
}

func encodeIntent(in Intent) intentRec {
	return intentRec{
		Symbol:   in.Req.Symbol,
		Side:     string(in.Req.Side),
		Type:     string(in.Req.Type),
		TIF:      string(in.Req.TIF),
		Qty:      in.Req.Qty.String(),
		Price:    in.Req.Price.String(),
		Created:  in.Created,
		Venue:    in.Binding.Venue,
		Network:  string(in.Binding.Network),
		Endpoint: in.Binding.Endpoint,
	}
}

func (r intentRec) decode(account, id string) (Intent, error) {
	qty, err := parseDec(r.Qty)
	if err != nil {
		return Intent{}, err
	}
	price, err := parseDec(r.Price)
	if err != nil {
		return Intent{}, err
	}
	return Intent{
		Account:  account,
		ClientID: id,
		Created:  r.Created,
		Binding:  Binding{Venue: r.Venue, Network: exchange.Network(r.Network), Endpoint: r.Endpoint},
		Req: exchange.OrderRequest{
			Symbol:   r.Symbol,
			Side:     exchange.Side(r.Side),
			Type:     exchange.OrderType(r.Type),
			TIF:      exchange.TimeInForce(r.TIF),
			Qty:      qty,
			Price:    price,
			ClientID: id,
		},
	}, nil
}

type transitionRec struct {
	Status  exchange.OrderStatus `json:"status"`
	OrderID string               `json:"order_id,omitempty"`
	Filled  string               `json:"filled"`
	Reason  string               `json:"reason,omitempty"`
	Via     string               `json:"via,omitempty"`
	At      time.Time            `json:"at"`
}

func encodeTransition(t Transition) transitionRec {
	return transitionRec{
		Status:  t.Status,
		OrderID: t.OrderID,
		Filled:  t.Filled.String(),
		Reason:  t.Reason,
		Via:     t.Via,
		At:      t.At,
	}
}

func (r transitionRec) decode() (Transition, error) {
	filled, err := parseDec(r.Filled)
	if err != nil {
		return Transition{}, err
	}
	return Transition{Status: r.Status, OrderID: r.OrderID, Filled: filled, Reason: r.Reason, Via: r.Via, At: r.At}, nil
}

type stateRec struct {
	Status  exchange.OrderStatus `json:"status"`
	OrderID string               `json:"order_id,omitempty"`
	Filled  string               `json:"filled"`
	Reason  string               `json:"reason,omitempty"`
	Updated time.Time            `json:"updated"`
	Seq     uint64               `json:"seq"`
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
	if cur, err := parseDec(s.Filled); err != nil || t.Filled.GreaterThan(cur) {
		s.Filled = t.Filled.String()
	}
	if t.At.After(s.Updated) {
		s.Updated = t.At
	}
}

func parseDec(s string) (decimal.Decimal, error) {
	if s == "" {
		return decimal.Zero, nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, corruptf("decimal %q", s)
	}
	return d, nil
}
