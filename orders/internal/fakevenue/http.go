package fakevenue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"

	"github.com/vigil-trade/vigil/exchange"
)

// Handler serves x over HTTP: POST, GET and DELETE /order. A lost request
// or answer becomes a 503, as a venue's gateway would give.
func Handler(x *Exchange) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /order", func(w http.ResponseWriter, r *http.Request) {
		var req exchange.OrderRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeErr(w, &exchange.APIError{Venue: "fake", HTTPStatus: 400, Code: "-1102", Msg: err.Error(), Kind: exchange.KindBadRequest})
			return
		}
		o, err := x.Place(req)
		reply(w, o, err)
	})
	mux.HandleFunc("GET /order", func(w http.ResponseWriter, r *http.Request) {
		o, err := x.Query(refOf(r.URL.Query()))
		reply(w, o, err)
	})
	mux.HandleFunc("DELETE /order", func(w http.ResponseWriter, r *http.Request) {
		o, err := x.Cancel(refOf(r.URL.Query()))
		reply(w, o, err)
	})
	return mux
}

func refOf(q url.Values) exchange.OrderRef {
	return exchange.OrderRef{Symbol: q.Get("symbol"), ClientID: q.Get("clientId"), OrderID: q.Get("orderId")}
}

func reply(w http.ResponseWriter, o exchange.Order, err error) {
	if err != nil {
		writeErr(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(o)
}

func writeErr(w http.ResponseWriter, err error) {
	var api *exchange.APIError
	switch {
	case errors.As(err, &api):
	case errors.Is(err, exchange.ErrOrderNotFound):
		api = &exchange.APIError{Venue: "fake", HTTPStatus: 404, Code: "-2013", Msg: "Order does not exist.", Kind: exchange.KindNotFound}
	default:
		api = &exchange.APIError{Venue: "fake", HTTPStatus: 503, Code: "-1007", Msg: err.Error(), Kind: exchange.KindUnknownStatus}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(api.HTTPStatus)
	json.NewEncoder(w).Encode(api)
}

// HTTPVenue is an exchange.Venue that talks to Handler.
type HTTPVenue struct {
	Venue  // the methods without I/O
	Base   string
	Client *http.Client
}

// NewHTTPVenue returns a client for the fake at base.
func NewHTTPVenue(base, account string) *HTTPVenue {
	return &HTTPVenue{Venue: Venue{Account: account}, Base: base, Client: &http.Client{}}
}

func (h *HTTPVenue) do(ctx context.Context, method string, q url.Values, body any) (exchange.Order, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return exchange.Order{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.Base+"/order?"+q.Encode(), rd)
	if err != nil {
		return exchange.Order{}, err
	}
	resp, err := h.Client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return exchange.Order{}, err // nothing left
		}
		return exchange.Order{}, &exchange.AmbiguousError{Op: op2(method), Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var api exchange.APIError
		if err := json.NewDecoder(resp.Body).Decode(&api); err != nil {
			api = exchange.APIError{Venue: "fake", HTTPStatus: resp.StatusCode, Msg: err.Error()}
		}
		api.HTTPStatus = resp.StatusCode
		switch {
		case resp.StatusCode == http.StatusNotFound:
			return exchange.Order{}, exchange.ErrOrderNotFound
		case resp.StatusCode >= 500 && method != http.MethodGet:
			return exchange.Order{}, &exchange.AmbiguousError{Op: op2(method), Err: &api}
		}
		return exchange.Order{}, &api
	}
	var o exchange.Order
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil {
		if method == http.MethodGet {
			return exchange.Order{}, err
		}
		return exchange.Order{}, &exchange.AmbiguousError{Op: op2(method), Err: fmt.Errorf("decode: %w", err)}
	}
	o.Account = h.Account
	return o, nil
}

func op2(method string) string {
	if method == http.MethodDelete {
		return "cancel"
	}
	return "place"
}

func (h *HTTPVenue) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	return h.do(ctx, http.MethodPost, url.Values{}, req)
}

func (h *HTTPVenue) Cancel(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	return h.do(ctx, http.MethodDelete, refValues(ref), nil)
}

func (h *HTTPVenue) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	return h.do(ctx, http.MethodGet, refValues(ref), nil)
}

func (h *HTTPVenue) OpenOrders(context.Context, string) ([]exchange.Order, error) {
	return nil, errors.New("fake: open orders not served over HTTP")
}

func refValues(ref exchange.OrderRef) url.Values {
	return url.Values{"symbol": {ref.Symbol}, "clientId": {ref.ClientID}, "orderId": {ref.OrderID}}
}
