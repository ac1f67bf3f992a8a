package coinbase

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

func userMsg(seq int, typ, status, cum, leaves, value string) string {
	return `{"channel":"user","timestamp":"2026-12-05T08:00:00Z","sequence_num":` + itoa(int64(seq)) + `,"events":[{"type":"` + typ +
		`","orders":[{"order_id":"7","client_order_id":"c7","product_id":"BTC-USDT","order_side":"SELL","order_type":"Limit","status":"` + status +
		`","limit_price":"50000","cumulative_quantity":"` + cum + `","leaves_quantity":"` + leaves + `","filled_value":"` + value +
		`","time_in_force":"GOOD_UNTIL_CANCELLED"}]}]}`
}

// TestUserChannelDecoding: a fill is the growth of cumulative_quantity,
// priced by the growth of filled_value; an order that ends showing nothing
// left keeps the size it had; the order id is remembered for its client
// id; a gap in sequence_num ends the stream (a lost message is lost
// state); an older or repeated number does not.
func TestUserChannelDecoding(t *testing.T) {
	c := &Client{info: exchange.AccountInfo{Name: "a"}, ids: map[string]string{}, rates: newRates("a", time.Now)}
	decode := c.classifier()
	step := func(msg string) exchange.OrderEvent {
		t.Helper()
		_, evs, err := decode([]byte(msg))
		if err != nil || len(evs) != 1 {
			t.Fatalf("%v %v", evs, err)
		}
		return *evs[0].Order
	}
	if ev := step(userMsg(1, "snapshot", "OPEN", "0", "0.003", "0")); ev.Kind != exchange.EventAck || !ev.Order.Qty.Equal(dec("0.003")) {
		t.Fatalf("snapshot %+v", ev)
	}
	ev := step(userMsg(2, "update", "OPEN", "0.001", "0.002", "50.5"))
	if ev.Kind != exchange.EventFill || !ev.LastQty.Equal(dec("0.001")) || !ev.LastPrice.Equal(dec("50500")) || ev.Order.Status != exchange.StatusPartiallyFilled {
		t.Fatalf("fill %+v", ev)
	}
	ev = step(userMsg(3, "update", "CANCELLED", "0.001", "0", "50.5"))
	if ev.Kind != exchange.EventCancel || !ev.Order.Qty.Equal(dec("0.003")) || !ev.Order.Filled.Equal(dec("0.001")) {
		t.Fatalf("cancel %+v", ev)
	}
	if id, ok := c.orderIDOf("c7"); !ok || id != "7" {
		t.Fatalf("client id c7 → %q %v", id, ok)
	}
	if _, _, err := decode([]byte(userMsg(3, "update", "CANCELLED", "0.001", "0", "50.5"))); err != nil {
		t.Fatalf("a repeated number: %v", err)
	}
	if _, _, err := decode([]byte(userMsg(5, "update", "CANCELLED", "0.001", "0", "50.5"))); err == nil || !strings.Contains(err.Error(), "gap") {
		t.Fatalf("a gap: %v", err)
	}
}
