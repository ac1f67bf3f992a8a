package bybit_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/bybit"
	"github.com/vigil-trade/vigil/exchange/bybit/bybittest"
	"github.com/vigil-trade/vigil/exchange/redirecttest"
)

// A configured host that redirects must not get X-BAPI-* headers or a
// signed order forwarded anywhere, whatever HTTP client the account was
// given.
func TestSignedRequestsFollowNoRedirect(t *testing.T) {
	clients := map[string]func() *http.Client{
		"default":  func() *http.Client { return nil },
		"injected": func() *http.Client { return &http.Client{} },
		// A Timeout makes a client's Do the only way to honour it.
		"injected-timeout": func() *http.Client { return &http.Client{Timeout: time.Minute} },
	}
	for name, hc := range clients {
		for _, code := range redirecttest.Codes {
			t.Run(name+"/"+strconv.Itoa(code), func(t *testing.T) {
				signed := func(r *http.Request) bool { return r.Header.Get(bybit.HeaderSign) != "" }
				p := redirecttest.New(t, code, bybittest.New().Handler(), signed)
				opts := []bybit.Option{
					bybit.WithBaseURL(p.Front.URL),
					bybit.WithNetwork(exchange.Testnet),
					bybit.WithKey(keyID, crypto.NewSecret([]byte(keySecret))),
				}
				if c := hc(); c != nil {
					opts = append(opts, bybit.WithHTTPClient(c))
				}
				c, err := bybit.New(opts...)
				if err != nil {
					t.Fatal(err)
				}
				p.RefusedSigned(t, c, "BTCUSDT")
			})
		}
	}
}

// The private stream's handshake is refused the same way: following it
// would send the signed login to whatever host the redirect names.
func TestStreamDialFollowsNoRedirect(t *testing.T) {
	upgrade := func(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }
	p := redirecttest.New(t, http.StatusTemporaryRedirect, bybittest.New().Handler(), upgrade)
	c, err := bybit.New(bybit.WithBaseURL(p.Front.URL), bybit.WithWSURL(p.WSURL()), bybit.WithNetwork(exchange.Testnet),
		bybit.WithKey(keyID, crypto.NewSecret([]byte(keySecret))),
		bybit.WithHTTPClient(&http.Client{}))
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Stream(context.Background())
	if err == nil {
		_ = st.Close()
	}
	p.Refused(t, "stream", err)
}
