package binance_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/redirecttest"
)

// A configured host that redirects must not get X-MBX-APIKEY or a signed
// query or order body forwarded anywhere, whatever HTTP client the account
// was given; and the error must say why, not read as an odd reply.
func TestSignedRequestsFollowNoRedirect(t *testing.T) {
	clients := map[string]func() *http.Client{
		"default":  func() *http.Client { return nil },
		"injected": func() *http.Client { return &http.Client{} },
		// A Timeout makes a client's Do the only way to honour it.
		"injected-timeout": func() *http.Client { return &http.Client{Timeout: time.Minute} },
	}
	signed := func(r *http.Request) bool { return r.URL.Path == "/api/v3/account" || r.URL.Path == "/api/v3/order" }
	for name, hc := range clients {
		for _, code := range redirecttest.Codes {
			t.Run(name+"/"+strconv.Itoa(code), func(t *testing.T) {
				p := redirecttest.New(t, code, binancetest.New().Handler(), signed)
				opts := []binance.Option{
					binance.WithBaseURL(p.Front.URL),
					binance.WithAPIKey(hmacKey),
					binance.WithSecret(crypto.NewSecret([]byte(hmacSecret))),
				}
				if c := hc(); c != nil {
					opts = append(opts, binance.WithHTTPClient(c))
				}
				c, err := binance.New(opts...)
				if err != nil {
					t.Fatal(err)
				}
				p.RefusedSigned(t, c, "BTCUSDT")
			})
		}
	}
}

// The user data stream's handshake is refused the same way: following it
// would send the signed subscription to whatever host the redirect names.
func TestStreamDialFollowsNoRedirect(t *testing.T) {
	upgrade := func(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }
	p := redirecttest.New(t, http.StatusTemporaryRedirect, binancetest.New().Handler(), upgrade)
	c, err := binance.New(binance.WithBaseURL(p.Front.URL), binance.WithAPIKey(hmacKey),
		binance.WithSecret(crypto.NewSecret([]byte(hmacSecret))))
	if err != nil {
		t.Fatal(err)
	}
	st, err := binance.NewStreamer(c, binance.WithStreamURL(p.WSURL())).Stream(context.Background())
	if err == nil {
		_ = st.Close()
	}
	p.Refused(t, "stream", err)
}
