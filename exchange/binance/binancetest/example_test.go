package binancetest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
)

func ExampleNewServer() {
	srv := binancetest.NewServer()
	defer srv.Close()
	srv.AddHMACKey("exampleKey", "exampleSecret", binancetest.TradePerms("alice"))
	_ = srv.Sim().Deposit("alice", "USDT", decimal.RequireFromString("1000"))

	body := fmt.Sprintf("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=60000&newClientOrderId=ex-1&newOrderRespType=ACK&timestamp=%d",
		srv.Sim().Now().UnixMilli())
	mac := hmac.New(sha256.New, []byte("exampleSecret"))
	mac.Write([]byte(body))
	body += "&signature=" + hex.EncodeToString(mac.Sum(nil))

	req, _ := http.NewRequest("POST", srv.URL+"/api/v3/order", strings.NewReader(body))
	req.Header.Set("X-MBX-APIKEY", "exampleKey")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	fmt.Println(res.StatusCode, strings.Contains(string(b), `"orderId":9007199254740993`))
	fmt.Println(len(srv.Sim().OpenOrders("alice", "BTCUSDT")))
	// Output:
	// 200 true
	// 1
}
