package coinbase

import (
	"net/http"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/coinbase/coinbasetest"
	"github.com/vigil-trade/vigil/exchange/venuefuzz"
)

// Replies as coinbasetest, the fake, sends them: the seeds of every target.
const (
	fuzzTime     = `{"iso":"2026-12-05T08:00:00.123Z","epochSeconds":"1796457600","epochMillis":"1796457600123"}`
	fuzzProducts = `{"products":[{"product_id":"BTC-USDT","price":"65000","base_increment":"0.00000001","quote_increment":"0.01","price_increment":"0.01","base_min_size":"0.00001","base_max_size":"3400","quote_min_size":"1","quote_max_size":"150000000","base_currency_id":"BTC","quote_currency_id":"USDT","status":"online","trading_disabled":false,"is_disabled":false,"cancel_only":false,"limit_only":false,"post_only":false,"product_type":"SPOT"}],"num_products":1}`
	fuzzAccounts = `{"accounts":[{"uuid":"wallet-usdt","name":"USDT Wallet","currency":"USDT","available_balance":{"value":"10000","currency":"USDT"},"default":false,"active":true,"type":"ACCOUNT_TYPE_CRYPTO","ready":true,"hold":{"value":"30","currency":"USDT"}}],"has_next":false,"cursor":"","size":1}`
	fuzzCreated  = `{"success":true,"order_id":"9007199254740993","success_response":{"order_id":"9007199254740993","product_id":"BTC-USDT","side":"BUY","client_order_id":"cap1"},"order_configuration":{"limit_limit_gtc":{"base_size":"0.001","limit_price":"50000","post_only":false}}}`
	fuzzRefused  = `{"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"","error_response":{"error":"INSUFFICIENT_FUND","message":"Insufficient balance in source account","error_details":"","preview_failure_reason":"UNKNOWN_PREVIEW_FAILURE_REASON","new_order_failure_reason":"INSUFFICIENT_FUND"}}`
	fuzzOrders   = `{"orders":[{"order_id":"9007199254740993","product_id":"BTC-USDT","user_id":"u","order_configuration":{"limit_limit_gtc":{"base_size":"0.001","limit_price":"50000","post_only":false}},"side":"BUY","client_order_id":"cap1","status":"OPEN","time_in_force":"GOOD_UNTIL_CANCELLED","created_time":"2026-12-05T08:00:00.000000Z","filled_size":"0","average_filled_price":"0","filled_value":"0","order_type":"LIMIT","last_fill_time":null}],"sequence":"0","has_next":false,"cursor":""}`
	fuzzCanceled = `{"results":[{"success":true,"failure_reason":"UNKNOWN_CANCEL_FAILURE_REASON","order_id":"9007199254740993"}]}`
	fuzzTicker   = `{"trades":[{"trade_id":"1","product_id":"BTC-USDT","price":"65000","size":"0.001","time":"2026-12-05T08:00:00Z","side":"BUY"}],"best_bid":"64999.99","best_ask":"65000.01"}`
)

func fuzzKey() (string, crypto.Secret) {
	name, secret, err := coinbasetest.KeyFor("fuzz", exchange.SchemeES256)
	if err != nil {
		panic(err)
	}
	return name, crypto.NewSecret([]byte(secret))
}

var fuzz = venuefuzz.Target{
	Symbol:   coinbasetest.BTC,
	NotFound: `{"error":"NOT_FOUND","code":5,"message":"Not Found","details":[]}`,
	Fixed:    map[string]string{Prefix + "/time": fuzzTime, Prefix + "/market/products": fuzzProducts},
	Paths: venuefuzz.Paths{Time: Prefix + "/time", Balances: Prefix + "/accounts", Rules: Prefix + "/market/products",
		Place: Prefix + "/orders", Quote: Prefix + "/market/products/" + coinbasetest.BTC + "/ticker",
		Orders: []string{Prefix + "/orders", Prefix + "/orders/historical/batch", Prefix + "/orders/batch_cancel", Prefix + "/orders/historical/9007199254740993"}},
	Client: func(t *testing.T, rt http.RoundTripper) exchange.Venue {
		name, sec := fuzzKey()
		c, err := New(WithBaseURL("http://coinbase.fuzz"), WithNetwork(exchange.Testnet),
			WithKey(name, sec), WithHTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	},
}

func FuzzTimeReply(f *testing.F) {
	fuzz.TimeReply(f, fuzzTime, `{}`, `{"epochMillis":"-1"}`, `{"epochMillis":12}`, `{"epochSeconds":"x"}`, ``)
}

func FuzzBalancesReply(f *testing.F) {
	fuzz.BalancesReply(f, fuzzAccounts, `{"accounts":[]}`, `{"accounts":[{"currency":"BTC","available_balance":{"value":"-1"}}]}`,
		`{"accounts":[{"currency":"BTC","available_balance":{"value":"1"},"hold":{"value":"x"}}],"has_next":true,"cursor":"2"}`, `{}`)
}

func FuzzRulesReply(f *testing.F) {
	fuzz.RulesReply(f, fuzzProducts, `{"products":[]}`, `{"products":[{"product_id":"BTC-USDT","base_increment":"0","price_increment":"-1","status":"online"}]}`, `{}`)
}

func FuzzOrderReply(f *testing.F) {
	fuzz.OrderReply(f, venuefuzz.Seed{N: 0, Body: fuzzCreated}, venuefuzz.Seed{N: 0, Body: fuzzRefused}, venuefuzz.Seed{N: 1, Body: fuzzOrders},
		venuefuzz.Seed{N: 2, Body: fuzzCanceled}, venuefuzz.Seed{N: 3, Body: fuzzOrders},
		venuefuzz.Seed{N: 1, Body: `{"orders":[{"order_id":"1","client_order_id":"cap1","filled_size":"-1"}]}`},
		venuefuzz.Seed{N: 1, Body: `{"order":{"order_id":"1","client_order_id":"cap1","status":"OPEN","order_configuration":{"limit_limit_gtc":{"base_size":"x"}}}}`},
		venuefuzz.Seed{N: 0, Body: `{"success":true,"success_response":{}}`})
}

func FuzzErrorReply(f *testing.F) {
	var seeds []venuefuzz.Seed
	for _, s := range []string{`{"error":"NOT_FOUND","message":"order not found"}`, `Unauthorized`, `{"error":"PERMISSION_DENIED","message":"Missing required scopes"}`,
		`{"error":"RATE_LIMIT_EXCEEDED","message":"Too many requests"}`, `{"error":"INVALID_ARGUMENT","error_details":"x"}`,
		`<html>502 Bad Gateway</html>`, ``} {
		seeds = append(seeds, venuefuzz.Seed{N: 100, Body: s})
	}
	fuzz.ErrorReply(f, append(seeds, venuefuzz.Seed{N: 101, Body: `Unauthorized`}, venuefuzz.Seed{N: 129, Body: `{"error":"RATE_LIMIT_EXCEEDED"}`},
		venuefuzz.Seed{N: 203, Body: `{"error":"UNAVAILABLE"}`})...)
}

func FuzzQuoteReply(f *testing.F) {
	fuzz.QuoteReply(f, fuzzTicker, `{"trades":[],"best_bid":"2","best_ask":"1"}`, `{"trades":[{"price":"x"}]}`, `{}`, ``)
}

// Messages of the fake's user channel.
const (
	fuzzSnapshot = `{"channel":"user","client_id":"","timestamp":"2026-12-05T08:00:00.000000Z","sequence_num":1,"events":[{"type":"snapshot","orders":[{"order_id":"9007199254740993","client_order_id":"cap1","product_id":"BTC-USDT","order_side":"BUY","order_type":"Limit","status":"OPEN","limit_price":"50000","cumulative_quantity":"0","leaves_quantity":"0.001","avg_price":"0","filled_value":"0","number_of_fills":"0","time_in_force":"GOOD_UNTIL_CANCELLED","creation_time":"2026-12-05T08:00:00.000000Z"}]}]}`
	fuzzFill     = `{"channel":"user","client_id":"","timestamp":"2026-12-05T08:00:01.000000Z","sequence_num":2,"events":[{"type":"update","orders":[{"order_id":"9007199254740993","client_order_id":"cap1","product_id":"BTC-USDT","order_side":"BUY","order_type":"Limit","status":"FILLED","limit_price":"50000","cumulative_quantity":"0.001","leaves_quantity":"0","avg_price":"50000","filled_value":"50","number_of_fills":"1","time_in_force":"GOOD_UNTIL_CANCELLED","creation_time":"2026-12-05T08:00:00.000000Z"}]}]}`
)

func FuzzStreamMessage(f *testing.F) {
	for _, s := range []string{fuzzSnapshot, fuzzFill,
		`{"channel":"subscriptions","sequence_num":0,"events":[{"subscriptions":{"user":[]}}]}`,
		`{"channel":"heartbeats","sequence_num":3,"events":[{"current_time":"x","heartbeat_counter":"1"}]}`,
		`{"type":"error","message":"authentication failure"}`,
		`{"channel":"user","sequence_num":9,"events":[{"type":"update","orders":[{"order_id":"1","cumulative_quantity":"-1"}]}]}`,
		`{"channel":"user","events":{}}`, `{}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c := &Client{info: exchange.AccountInfo{Name: "acct", Venue: venueName}, ids: map[string]string{},
			rates: newRates("acct", func() time.Time { return time.Unix(1796457600, 0) })}
		decode := c.classifier()
		// Twice: a second message is read against the first's state.
		for range 2 {
			_, evs, err := decode(raw)
			venuefuzz.StreamEvents(t, raw, err, evs...)
		}
	})
}
