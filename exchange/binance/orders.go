package binance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

var (
	epPlace      = endpoint{method: http.MethodPost, path: "/api/v3/order", signed: true, weight: 1, orders: 1, prio: exchange.Trading, op: "place"}
	epCancel     = endpoint{method: http.MethodDelete, path: "/api/v3/order", signed: true, weight: 1, prio: exchange.Trading, op: "cancel"}
	epQuery      = endpoint{method: http.MethodGet, path: "/api/v3/order", signed: true, weight: 4, prio: exchange.Interactive}
	epOpenOrders = endpoint{method: http.MethodGet, path: "/api/v3/openOrders", signed: true, weight: 6, prio: exchange.Interactive}
)

// orderResp covers order, cancel and query responses. Decimals arrive as
// strings; orderId is a JSON number that may exceed 2^53, so it stays text.
type orderResp struct {
	Symbol            string          `json:"symbol"`
	OrderID           json.Number     `json:"orderId"`
	ClientOrderID     string          `json:"clientOrderId"`
	OrigClientOrderID string          `json:"origClientOrderId"` // cancel: the order's own id
	Price             decimal.Decimal `json:"price"`
	OrigQty           decimal.Decimal `json:"origQty"`
	ExecutedQty       decimal.Decimal `json:"executedQty"`
	CumQuoteQty       decimal.Decimal `json:"cummulativeQuoteQty"`
	Status            string          `json:"status"`
	TimeInForce       string          `json:"timeInForce"`
	Type              string          `json:"type"`
	Side              string          `json:"side"`
	Time              int64           `json:"time"`
	TransactTime      int64           `json:"transactTime"`
	UpdateTime        int64           `json:"updateTime"`
	WorkingTime       int64           `json:"workingTime"`
}

func (c *Client) toOrder(o orderResp) exchange.Order {
	out := exchange.Order{
		Account:     c.info.Name,
		Symbol:      o.Symbol,
		Side:        exchange.Side(o.Side),
		Type:        exchange.OrderType(o.Type),
		TIF:         exchange.TimeInForce(o.TimeInForce),
		Price:       o.Price,
		Qty:         o.OrigQty,
		Filled:      o.ExecutedQty,
		QuoteFilled: o.CumQuoteQty,
		Status:      mapStatus(o.Status),
		ClientID:    o.ClientOrderID,
		OrderID:     o.OrderID.String(),
	}
	if o.OrigClientOrderID != "" {
		out.ClientID = o.OrigClientOrderID
	}
	created := o.Time
	if created == 0 {
		created = o.TransactTime
	}
	updated := max(o.UpdateTime, o.TransactTime, created)
	if created > 0 {
		out.Created = time.UnixMilli(created)
	}
	if updated > 0 {
		out.Updated = time.UnixMilli(updated)
	}
	if o.Status == "EXPIRED_IN_MATCH" {
		out.Reason = "expired by self-trade prevention"
	}
	return out
}

func mapStatus(s string) exchange.OrderStatus {
	switch s {
	case "NEW", "PENDING_NEW":
		return exchange.StatusNew
	case "PARTIALLY_FILLED":
		return exchange.StatusPartiallyFilled
	case "FILLED":
		return exchange.StatusFilled
	case "CANCELED", "PENDING_CANCEL":
		return exchange.StatusCanceled
	case "REJECTED":
		return exchange.StatusRejected
	case "EXPIRED", "EXPIRED_IN_MATCH":
		return exchange.StatusExpired
	}
	return exchange.StatusUnknown
}

// Place sends req as a new order with newOrderRespType=RESULT. Price and
// quantity are printed exactly as the symbol's rules format them.
func (c *Client) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	if req.ClientID == "" {
		return exchange.Order{}, errors.New("binance: place: ClientID must be set (and journaled) before sending")
	}
	r, err := c.Rules(ctx, req.Symbol)
	if err != nil {
		return exchange.Order{}, err
	}
	var p params
	p.add("symbol", r.Symbol)
	p.add("side", string(req.Side))
	p.add("type", string(req.Type))
	if req.Type == exchange.LimitOrder {
		tif := req.TIF
		if tif == "" {
			tif = exchange.GTC
		}
		p.add("timeInForce", string(tif))
	}
	p.add("quantity", r.FormatQty(req.Qty))
	if req.Type == exchange.LimitOrder {
		p.add("price", r.FormatPrice(req.Price))
	}
	p.add("newClientOrderId", req.ClientID)
	p.add("newOrderRespType", "RESULT")
	ec := c.errCtx()
	ec.rules, ec.order = &r, &req
	var out orderResp
	if err := c.do(ctx, &call{ep: epPlace, p: p, out: &out, ec: ec}); err != nil {
		return exchange.Order{}, err
	}
	return c.order(out, epPlace.op)
}

// order is toOrder refusing a reply no order can be read from (see
// exchange.CheckOrder). After a place or cancel the venue did answer 200,
// so the change may have happened: the refusal is then ambiguous, to be
// resolved by Query like any unreadable answer.
func (c *Client) order(out orderResp, op string) (exchange.Order, error) {
	o := c.toOrder(out)
	if err := exchange.CheckOrder(o); err != nil {
		err = fmt.Errorf("binance: unusable order in the reply: %w", err)
		if op != "" {
			return exchange.Order{}, &exchange.AmbiguousError{Op: op, Err: err}
		}
		return exchange.Order{}, err
	}
	return o, nil
}

func refParams(ref exchange.OrderRef, clientKey string) (params, error) {
	var p params
	if ref.Symbol == "" {
		return p, errors.New("binance: an order reference needs its symbol")
	}
	p.add("symbol", ref.Symbol)
	switch {
	case ref.OrderID != "":
		p.add("orderId", ref.OrderID)
	case ref.ClientID != "":
		p.add(clientKey, ref.ClientID)
	default:
		return p, errors.New("binance: an order reference needs an order id or a client id")
	}
	return p, nil
}

// Cancel cancels by orderId when known, else by origClientOrderId.
func (c *Client) Cancel(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	p, err := refParams(ref, "origClientOrderId")
	if err != nil {
		return exchange.Order{}, err
	}
	ec := c.errCtx()
	ec.rules = c.cachedRules(ref.Symbol)
	var out orderResp
	if err := c.do(ctx, &call{ep: epCancel, p: p, out: &out, ec: ec}); err != nil {
		return exchange.Order{}, err
	}
	o, err := c.order(out, epCancel.op)
	if err != nil {
		return exchange.Order{}, err
	}
	if out.Time == 0 {
		// A cancel's transactTime is when it was cancelled; the answer does
		// not say when the order was made.
		o.Created = time.Time{}
	}
	return o, nil
}

// Query reads one order; exchange.ErrOrderNotFound (wrapping the venue's
// -2013) when Binance has none.
func (c *Client) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	p, err := refParams(ref, "origClientOrderId")
	if err != nil {
		return exchange.Order{}, err
	}
	var out orderResp
	if err := c.do(ctx, &call{ep: epQuery, p: p, out: &out, ec: c.errCtx()}); err != nil {
		var ae *exchange.APIError
		if errors.As(err, &ae) && ae.Code == "-2013" {
			return exchange.Order{}, fmt.Errorf("%w: %w", exchange.ErrOrderNotFound, err)
		}
		return exchange.Order{}, err
	}
	return c.order(out, "")
}

// OpenOrders lists open orders of symbol, or of every symbol when empty
// (weight 80 instead of 6).
func (c *Client) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	ep := epOpenOrders
	var p params
	if symbol != "" {
		p.add("symbol", symbol)
	} else {
		ep.weight = 80
	}
	var out []orderResp
	if err := c.do(ctx, &call{ep: ep, p: p, out: &out, ec: c.errCtx()}); err != nil {
		return nil, err
	}
	orders := make([]exchange.Order, len(out))
	for i, o := range out {
		var err error
		if orders[i], err = c.order(o, ""); err != nil {
			return nil, err
		}
	}
	return orders, nil
}

var _ exchange.Venue = (*Client)(nil)
