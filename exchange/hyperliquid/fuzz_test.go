package hyperliquid

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/venuefuzz"
)

// Replies as hyperliquidtest, the fake, sends them: the seeds.
const (
	fuzzBook    = `{"coin":"BTC","time":1796439396000,"levels":[[{"px":"64999","sz":"1.0","n":1}],[{"px":"65001","sz":"1.0","n":1}]]}`
	fuzzMeta    = `[{"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":40},{"name":"ETH","szDecimals":4,"maxLeverage":40}]},[{"markPx":"65000","midPx":"65000"},{"markPx":"3200","midPx":"3200"}]]`
	fuzzSpot    = `{"balances":[{"coin":"USDC","token":0,"total":"100000","hold":"40","entryNtl":"0.0"},{"coin":"BTC","token":1,"total":"2","hold":"0","entryNtl":"0.0"}]}`
	fuzzPerp    = `{"marginSummary":{"accountValue":"130000.0"},"withdrawable":"120000.0","assetPositions":[{"type":"oneWay","position":{"coin":"BTC","szi":"-2","entryPx":"65000","positionValue":"130000","unrealizedPnl":"-3.5","liquidationPx":null,"leverage":{"type":"cross","value":20}}}],"time":1796439396000}`
	fuzzPlaced  = `{"status":"ok","response":{"type":"order","data":{"statuses":[{"resting":{"oid":9007199254740993}}]}}}`
	fuzzFilled  = `{"status":"ok","response":{"type":"order","data":{"statuses":[{"filled":{"totalSz":"0.001","avgPx":"65000","oid":7}}]}}}`
	fuzzStatus  = `{"status":"order","order":{"order":{"coin":"BTC","side":"B","limitPx":"40000","sz":"0.001","oid":7,"timestamp":1796439396000,"origSz":"0.001","cloid":"0x0000000000000000000000000000cap1","tif":"Gtc"},"status":"open","statusTimestamp":1796439396000}}`
	fuzzOpen    = `[{"coin":"BTC","side":"A","limitPx":"70000","sz":"0.0005","oid":8,"timestamp":1796439396000,"origSz":"0.001","tif":"Gtc"}]`
	fuzzFills   = `[{"coin":"BTC","px":"70000","sz":"0.0005","side":"A","time":1796439396000,"oid":8,"tid":1}]`
	fuzzErr     = `{"status":"err","response":"User or API Wallet 0x1111111111111111111111111111111111111111 does not exist."}`
	fuzzOrdErr  = `{"status":"ok","response":{"type":"order","data":{"statuses":[{"error":"Price must be divisible by tick size. asset=0"}]}}}`
	fuzzAccount = "0x14791697260e4c9a71f18484c9f997b308e59325"
)

// routes answers every request with body, except the clock's book and the
// rules, which stay as the fake sends them so the reply under test is
// reached.
type routes struct {
	status int
	body   []byte
}

func (r routes) RoundTrip(req *http.Request) (*http.Response, error) {
	in, _ := io.ReadAll(req.Body)
	var q struct{ Type string }
	_ = json.Unmarshal(in, &q)
	status, body := r.status, r.body
	switch q.Type {
	case "l2Book":
		status, body = 200, []byte(fuzzBook)
	case "metaAndAssetCtxs":
		status, body = 200, []byte(fuzzMeta)
	}
	return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), Request: req}, nil
}

func fuzzClient(t *testing.T, status int, body []byte) *Client {
	c, err := New(WithBaseURL("http://hyperliquid.fuzz"), WithNetwork(exchange.Testnet), WithNonceDir(""),
		WithWallet(fuzzAccount, crypto.NewSecret([]byte("0x0123456789012345678901234567890123456789012345678901234567890123"))),
		WithHTTPClient(&http.Client{Transport: routes{status, body}}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func add(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
}

// FuzzReads feeds one reply to every read: garbage is an error, and what
// is accepted is whole.
func FuzzReads(f *testing.F) {
	add(f, fuzzSpot, fuzzPerp, fuzzStatus, fuzzOpen, fuzzFills, fuzzBook, fuzzMeta, `{"status":"unknownOid"}`, `null`, `[]`, `{}`,
		`{"balances":[{"coin":"USDC","total":"x"}]}`, `[{"coin":"BTC","sz":"2","origSz":"1","oid":1}]`,
		`{"role":"agent","data":{"user":"0x14791697260e4c9a71f18484c9f997b308e59325"}}`, `[{"name":"n","address":"0x1","validUntil":-1}]`)
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzClient(t, 200, body)
		ctx := venuefuzz.Ctx(t)
		_, err := c.Balances(ctx)
		venuefuzz.GarbageAccepted(t, body, err)
		_, err = c.Positions(ctx)
		venuefuzz.GarbageAccepted(t, body, err)
		for op := range uint8(2) {
			venuefuzz.OrderOp(t, c, "BTC", op*2+1, body) // query, open orders
		}
		q, err := c.Quote(ctx, "BTC")
		if err == nil {
			venuefuzz.Quote(t, "BTC", q)
		}
		_, _ = c.KeyInfo(ctx)
	})
}

// FuzzActions feeds one reply to place and cancel.
func FuzzActions(f *testing.F) {
	add(f, fuzzPlaced, fuzzFilled, fuzzErr, fuzzOrdErr, `{"status":"ok","response":{"type":"cancel","data":{"statuses":["success"]}}}`,
		`{"status":"ok","response":{"type":"order","data":{"statuses":[{"filled":{"totalSz":"-1","avgPx":"1","oid":1}}]}}}`,
		`{"status":"ok","response":{"type":"order","data":{"statuses":[]}}}`, `{"status":"err"}`, `{"status":"ok"}`, ``)
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzClient(t, 200, body)
		req := venuefuzz.LimitBuy("BTC")
		req.ClientID = "0x0000000000000000000000000000cab1"
		ctx := venuefuzz.ErrorCtx(t)
		o, err := c.Place(ctx, req)
		venuefuzz.GarbageAccepted(t, body, err)
		if err == nil {
			if err := exchange.CheckOrder(o); err != nil {
				t.Fatalf("accepted %+v: %v", o, err)
			}
		}
		_, err = c.Cancel(ctx, exchange.OrderRef{Symbol: "BTC", ClientID: req.ClientID})
		venuefuzz.GarbageAccepted(t, body, err)
	})
}

// FuzzErrorReply: a non-2xx answer is an error, short whatever the body.
func FuzzErrorReply(f *testing.F) {
	f.Add(uint16(129), []byte(`null`))
	f.Add(uint16(122), []byte(`Failed to deserialize the JSON body into the target type`))
	f.Add(uint16(202), []byte(`<html>502</html>`))
	f.Fuzz(func(t *testing.T, n uint16, body []byte) {
		status := venuefuzz.ErrorStatus(n)
		c := fuzzClient(t, status, body)
		_, err := c.Balances(venuefuzz.ErrorCtx(t))
		venuefuzz.ErrorReply(t, status, body, err)
	})
}

// FuzzPackAction: any JSON packs or is refused, never panics; what packs
// is what the fake's own packer makes of it too (checked in the vectors).
func FuzzPackAction(f *testing.F) {
	add(f, `{"type":"order","orders":[{"a":4,"b":true,"p":"1670.1","s":"0.0147","r":false,"t":{"limit":{"tif":"Ioc"}}}],"grouping":"na"}`,
		`{"type":"dummy","num":100000000000}`, `{"n":-129,"m":null,"k":[1,[2,{}]]}`, `{"p":1.5}`, `{`, `[]`)
	f.Fuzz(func(t *testing.T, action []byte) {
		packed, err := PackAction(action)
		if err == nil && len(packed) == 0 {
			t.Fatalf("%q packed to nothing", action)
		}
	})
}

// FuzzStreamMessage: what the stream decoder accepts is whole.
func FuzzStreamMessage(f *testing.F) {
	add(f, `{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"orderUpdates","user":"0x1"}}}`,
		`{"channel":"pong"}`, `{"channel":"error","data":"Invalid subscription"}`,
		`{"channel":"orderUpdates","data":[{"order":{"coin":"BTC","side":"B","limitPx":"30000.0","sz":"0.001","oid":7456484275,"timestamp":1710163596492,"origSz":"0.001"},"status":"open","statusTimestamp":1710163596492}]}`,
		`{"channel":"userFills","data":{"isSnapshot":true,"user":"0x1","fills":[{"coin":"BTC","px":"72528.0","sz":"0.11693","side":"A","time":1710208712815,"oid":7484888874,"tid":567547935839686}]}}`,
		`{"channel":"userFills","data":{"user":"0x1","fills":[{"coin":"BTC","px":"72528.0","sz":"-1","side":"A","time":1,"oid":1,"tid":1}]}}`,
		`{"channel":"spotState","data":{"user":"0x1","spotState":{"balances":[{"coin":"USDC","token":0,"total":"10.0","hold":"1.0","entryNtl":"0.0"}]}}}`,
		`{"channel":"clearinghouseState","data":{"dex":"","user":"0x1","clearinghouseState":`+fuzzPerp+`}}`,
		`{"channel":"orderUpdates","data":[{"order":{"coin":"BTC","sz":"2","origSz":"1","oid":1},"status":"filled"}]}`, `{}`, `[]`)
	f.Fuzz(func(t *testing.T, raw []byte) {
		c := &Client{info: exchange.AccountInfo{Name: "acct", Venue: venueName}, now: nowFunc}
		d := &decoder{c: c, fills: map[string]*fillSum{}}
		_, evs, err := d.decode(raw)
		venuefuzz.StreamEvents(t, raw, err, evs...)
	})
}
