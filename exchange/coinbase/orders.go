package coinbase

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// orderConfig is one of order_configuration's shapes; vigil sends
// limit_limit_gtc, sor_limit_ioc, limit_limit_fok and market_market_ioc.
type orderConfig struct {
	QuoteSize  string `json:"quote_size,omitempty"`
	BaseSize   string `json:"base_size,omitempty"`
	LimitPrice string `json:"limit_price,omitempty"`
	PostOnly   *bool  `json:"post_only,omitempty"`
}

// createOrder is POST /orders' body, its fields in the docs' order.
type createOrder struct {
	ClientOrderID string                 `json:"client_order_id"`
	ProductID     string                 `json:"product_id"`
	Side          string                 `json:"side"`
	Config        map[string]orderConfig `json:"order_configuration"`
}

// Order configuration names.
const (
	ConfigLimitGTC  = "limit_limit_gtc"
	ConfigLimitIOC  = "sor_limit_ioc"
	ConfigLimitFOK  = "limit_limit_fok"
	ConfigMarketIOC = "market_market_ioc"
)

// orderBody is the JSON vigil posts for req.
func orderBody(req exchange.OrderRequest) (createOrder, error) {
	var o createOrder
	if err := ClientIDPolicy.Check(req.ClientID); err != nil {
		return o, fmt.Errorf("coinbase: %w", err)
	}
	if !req.Qty.IsPositive() {
		return o, fmt.Errorf("coinbase: size %s must be positive", req.Qty)
	}
	if req.Side != exchange.Buy && req.Side != exchange.Sell {
		return o, fmt.Errorf("coinbase: side %q not supported", req.Side)
	}
	o = createOrder{ClientOrderID: req.ClientID, ProductID: req.Symbol, Side: string(req.Side)}
	switch req.Type {
	case exchange.MarketOrder:
		o.Config = map[string]orderConfig{ConfigMarketIOC: {BaseSize: req.Qty.String()}}
	case exchange.LimitOrder:
		if !req.Price.IsPositive() {
			return o, fmt.Errorf("coinbase: limit price %s must be positive", req.Price)
		}
		cfg := orderConfig{BaseSize: req.Qty.String(), LimitPrice: req.Price.String()}
		name := ""
		switch req.TIF {
		case exchange.GTC, "":
			name = ConfigLimitGTC
			no := false
			cfg.PostOnly = &no
		case exchange.IOC:
			name = ConfigLimitIOC
		case exchange.FOK:
			name = ConfigLimitFOK
		default:
			return o, fmt.Errorf("coinbase: time in force %q not supported (GTC, IOC, FOK)", req.TIF)
		}
		o.Config = map[string]orderConfig{name: cfg}
	default:
		return o, fmt.Errorf("coinbase: order type %q not supported", req.Type)
	}
	return o, nil
}

// errorResponse is a refused order's reasons, in a 200.
type errorResponse struct {
	Error                 string `json:"error"`
	Message               string `json:"message"`
	ErrorDetails          string `json:"error_details"`
	PreviewFailureReason  string `json:"preview_failure_reason"`
	NewOrderFailureReason string `json:"new_order_failure_reason"`
}

// code is the most specific of the reasons given.
func (e errorResponse) code() string {
	for _, c := range []string{e.Error, e.NewOrderFailureReason, e.PreviewFailureReason} {
		if c != "" && !strings.HasPrefix(c, "UNKNOWN_") {
			return c
		}
	}
	return "UNKNOWN_FAILURE_REASON"
}

type createReply struct {
	Success         *bool  `json:"success"`
	FailureReason   string `json:"failure_reason"`
	OrderID         string `json:"order_id"`
	SuccessResponse struct {
		OrderID       string `json:"order_id"`
		ProductID     string `json:"product_id"`
		Side          string `json:"side"`
		ClientOrderID string `json:"client_order_id"`
	} `json:"success_response"`
	ErrorResponse errorResponse `json:"error_response"`
}

// Place sends POST /orders. client_order_id is idempotent at Coinbase: the
// same id sent again returns the order the first send made, and places
// nothing.
func (c *Client) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	body, err := orderBody(req)
	if err != nil {
		return exchange.Order{}, err
	}
	r, err := c.post("/orders", body)
	if err != nil {
		return exchange.Order{}, err
	}
	r.op = "place"
	var res createReply
	if err := c.do(ctx, r, &res); err != nil {
		return exchange.Order{}, err
	}
	if res.Success == nil {
		return exchange.Order{}, &exchange.AmbiguousError{Op: "place", Err: errors.New("coinbase: order answer without success")}
	}
	if !*res.Success {
		e := res.ErrorResponse
		ae := &exchange.APIError{Venue: venueName, HTTPStatus: http.StatusOK, Code: e.code(), Msg: strings.TrimSpace(e.Message + " " + e.ErrorDetails)}
		classify(ae)
		return exchange.Order{}, ae
	}
	id := res.SuccessResponse.OrderID
	if id == "" {
		id = res.OrderID
	}
	if id == "" {
		return exchange.Order{}, &exchange.AmbiguousError{Op: "place", Err: errors.New("coinbase: order accepted without an order_id")}
	}
	c.remember(req.ClientID, id)
	return exchange.Order{
		Account: c.info.Name, Symbol: req.Symbol, Side: req.Side, Type: req.Type, TIF: req.TIF,
		Price: req.Price, Qty: req.Qty, Status: exchange.StatusNew, ClientID: req.ClientID, OrderID: id,
	}, nil
}

// orderID is the order id of ref: given, remembered, or found by listing.
func (c *Client) orderID(ctx context.Context, ref exchange.OrderRef) (string, error) {
	if ref.OrderID != "" {
		return ref.OrderID, nil
	}
	if ref.ClientID == "" {
		return "", errors.New("coinbase: an order is named by its order id or client id")
	}
	if id, ok := c.orderIDOf(ref.ClientID); ok {
		return id, nil
	}
	o, err := c.findByClientID(ctx, ref)
	if err != nil {
		return "", err
	}
	return o.OrderID, nil
}

// Cancel sends POST /orders/batch_cancel: by order id only, so a client id
// is looked up first. It then reads the order back for what it ended as.
func (c *Client) Cancel(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	id, err := c.orderID(ctx, ref)
	if err != nil {
		return exchange.Order{}, err
	}
	r, err := c.post("/orders/batch_cancel", struct {
		OrderIDs []string `json:"order_ids"`
	}{[]string{id}})
	if err != nil {
		return exchange.Order{}, err
	}
	r.op = "cancel"
	var res struct {
		Results []struct {
			Success       bool   `json:"success"`
			FailureReason string `json:"failure_reason"`
			OrderID       string `json:"order_id"`
		} `json:"results"`
	}
	if err := c.do(ctx, r, &res); err != nil {
		return exchange.Order{}, err
	}
	if len(res.Results) == 0 {
		return exchange.Order{}, &exchange.AmbiguousError{Op: "cancel", Err: errors.New("coinbase: cancel answer without results")}
	}
	if x := res.Results[0]; !x.Success {
		ae := &exchange.APIError{Venue: venueName, HTTPStatus: http.StatusOK, Code: x.FailureReason, Msg: "cancel refused: " + x.FailureReason}
		classify(ae)
		if ae.Kind == exchange.KindOther {
			ae.Kind = exchange.KindNotFound
		}
		return exchange.Order{}, ae
	}
	o, err := c.Query(ctx, exchange.OrderRef{Symbol: ref.Symbol, ClientID: ref.ClientID, OrderID: id})
	if err != nil {
		return exchange.Order{Account: c.info.Name, Symbol: ref.Symbol, ClientID: ref.ClientID, OrderID: id, Status: exchange.StatusUnknown}, nil
	}
	return o, nil
}

// Query reads GET /orders/historical/{order_id}. Coinbase looks up no
// order by client id (the parameter that did is deprecated), so a client
// id whose order id vigil has not seen is found by listing orders.
func (c *Client) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	id := ref.OrderID
	if id == "" {
		if known, ok := c.orderIDOf(ref.ClientID); ok {
			id = known
		}
	}
	if id == "" {
		if ref.ClientID == "" {
			return exchange.Order{}, errors.New("coinbase: query needs an order id or a client id")
		}
		return c.findByClientID(ctx, ref)
	}
	var res struct {
		Order *wireOrder `json:"order"`
	}
	if err := c.do(ctx, c.get("/orders/historical/"+url.PathEscape(id)), &res); err != nil {
		if exchange.KindOf(err) == exchange.KindNotFound {
			return exchange.Order{}, fmt.Errorf("%w: %w", exchange.ErrOrderNotFound, err)
		}
		return exchange.Order{}, err
	}
	if res.Order == nil {
		return exchange.Order{}, errors.New("coinbase: order answer without an order")
	}
	o, err := res.Order.order(c.info.Name)
	if err != nil {
		return o, err
	}
	c.remember(o.ClientID, o.OrderID)
	return o, nil
}

// findByClientID lists orders, newest first, for the one with ref's client
// id. An id vigil made says when (exchange.ClientIDTime): the listing
// stops at orders made well before it, rather than reading an account's
// whole history to learn that an order never arrived.
func (c *Client) findByClientID(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	var found *exchange.Order
	made, bounded := exchange.ClientIDTime(ref.ClientID)
	// Slack for this machine's clock against Coinbase's, which stamps
	// created_time.
	floor := made.Add(-clientIDSlack)
	err := c.listOrders(ctx, ref.Symbol, "", func(o exchange.Order) bool {
		if o.ClientID == ref.ClientID {
			found = &o
			return false
		}
		return !bounded || o.Created.IsZero() || !o.Created.Before(floor)
	})
	if err != nil {
		return exchange.Order{}, err
	}
	if found == nil {
		return exchange.Order{}, exchange.ErrOrderNotFound
	}
	c.remember(found.ClientID, found.OrderID)
	return *found, nil
}

// clientIDSlack is how much older than its client id's own time an order
// may be listed as, by Coinbase's clock: far more than any clock error a
// synced machine keeps.
const clientIDSlack = 10 * time.Minute

// listOrders reads GET /orders/historical/batch page by page, handing each
// order to each until it says stop.
func (c *Client) listOrders(ctx context.Context, symbol, status string, each func(exchange.Order) bool) error {
	cursor := ""
	for range maxPages {
		r := c.get("/orders/historical/batch")
		if status != "" {
			r.query.Add("order_status", status)
		}
		if symbol != "" {
			r.query.Add("product_ids", symbol)
		}
		r.query.Add("limit", "250")
		if cursor != "" {
			r.query.Add("cursor", cursor)
		}
		var res struct {
			Orders  []wireOrder `json:"orders"`
			HasNext bool        `json:"has_next"`
			Cursor  string      `json:"cursor"`
		}
		if err := c.do(ctx, r, &res); err != nil {
			return err
		}
		for _, w := range res.Orders {
			o, err := w.order(c.info.Name)
			if err != nil {
				return err
			}
			if !each(o) {
				return nil
			}
		}
		if !res.HasNext || res.Cursor == "" {
			return nil
		}
		cursor = res.Cursor
	}
	return errors.New("coinbase: orders: more pages than vigil reads")
}

// OpenOrders lists the OPEN orders, symbol's when one is named.
func (c *Client) OpenOrders(ctx context.Context, symbol string) ([]exchange.Order, error) {
	var out []exchange.Order
	err := c.listOrders(ctx, symbol, "OPEN", func(o exchange.Order) bool {
		if symbol == "" || o.Symbol == symbol {
			c.remember(o.ClientID, o.OrderID)
			out = append(out, o)
		}
		return true
	})
	return out, err
}

// wireOrder is an order as GET /orders/historical sends it.
type wireOrder struct {
	OrderID            string                 `json:"order_id"`
	ProductID          string                 `json:"product_id"`
	Side               string                 `json:"side"`
	ClientOrderID      string                 `json:"client_order_id"`
	Status             string                 `json:"status"`
	TimeInForce        string                 `json:"time_in_force"`
	CreatedTime        string                 `json:"created_time"`
	LastFillTime       *string                `json:"last_fill_time"`
	FilledSize         string                 `json:"filled_size"`
	FilledValue        string                 `json:"filled_value"`
	OrderType          string                 `json:"order_type"`
	OrderConfiguration map[string]orderConfig `json:"order_configuration"`
	RejectReason       string                 `json:"reject_reason"`
	RejectMessage      string                 `json:"reject_message"`
	CancelMessage      string                 `json:"cancel_message"`
}

// StatusOf is a Coinbase order status in vigil's terms; filled says
// whether part of the order has filled.
func StatusOf(s string, filled bool) exchange.OrderStatus {
	switch s {
	case "PENDING", "OPEN", "QUEUED", "CANCEL_QUEUED", "EDIT_QUEUED":
		if filled {
			return exchange.StatusPartiallyFilled
		}
		return exchange.StatusNew
	case "FILLED":
		return exchange.StatusFilled
	case "CANCELLED":
		return exchange.StatusCanceled
	case "EXPIRED":
		return exchange.StatusExpired
	case "FAILED":
		return exchange.StatusRejected
	}
	return exchange.StatusUnknown
}

// TIFOf is a Coinbase time in force in vigil's terms.
func TIFOf(s string) exchange.TimeInForce {
	switch s {
	case "IMMEDIATE_OR_CANCEL":
		return exchange.IOC
	case "FILL_OR_KILL":
		return exchange.FOK
	case "":
		return ""
	}
	return exchange.GTC
}

func (w wireOrder) order(account string) (exchange.Order, error) {
	var f rest.Fields
	o := exchange.Order{
		Account: account, Symbol: w.ProductID, Side: exchange.Side(w.Side), ClientID: w.ClientOrderID, OrderID: w.OrderID,
		Type:        exchange.OrderType(strings.ToUpper(w.OrderType)),
		Filled:      f.Decimal("filled_size", w.FilledSize),
		QuoteFilled: f.Decimal("filled_value", w.FilledValue),
		Created:     timeOf(w.CreatedTime),
		Reason:      firstOf(w.RejectReason, w.RejectMessage, w.CancelMessage),
	}
	for name, cfg := range w.OrderConfiguration {
		o.Qty = f.Decimal(name+".base_size", cfg.BaseSize)
		o.Price = f.Decimal(name+".limit_price", cfg.LimitPrice)
		if o.Type == "" {
			o.Type = exchange.LimitOrder
			if strings.HasPrefix(name, "market_") {
				o.Type = exchange.MarketOrder
			}
		}
	}
	if o.Qty.IsZero() {
		o.Qty = o.Filled // a market order sized in quote
	}
	if o.Type == exchange.LimitOrder {
		o.TIF = TIFOf(w.TimeInForce)
	}
	o.Status = StatusOf(w.Status, o.Filled.IsPositive())
	o.Updated = o.Created
	if w.LastFillTime != nil {
		if t := timeOf(*w.LastFillTime); t.After(o.Updated) {
			o.Updated = t
		}
	}
	if err := f.Order(o); err != nil {
		return o, fmt.Errorf("coinbase: order %s: %w", w.OrderID, err)
	}
	return o, nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" && !strings.HasPrefix(s, "UNKNOWN_") && s != "REJECT_REASON_UNSPECIFIED" {
			return s
		}
	}
	return ""
}
