package okx_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/okx"
	"github.com/vigil-trade/vigil/exchange/okx/okxtest"
	"github.com/vigil-trade/vigil/exchange/redirecttest"
)

// A configured host that redirects must not get OK-ACCESS-* headers (the
// passphrase among them) or a signed order forwarded anywhere, whatever
// HTTP client the account was given.
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
				signed := func(r *http.Request) bool { return r.Header.Get(okx.HeaderSign) != "" }
				p := redirecttest.New(t, code, okxtest.New().Handler(), signed)
				opts := []okx.Option{
					okx.WithBaseURL(p.Front.URL),
					okx.WithNetwork(exchange.Testnet),
					okx.WithKey(keyID, crypto.NewSecret([]byte(keySecret)), crypto.NewSecret([]byte(passphrase))),
				}
				if c := hc(); c != nil {
					opts = append(opts, okx.WithHTTPClient(c))
				}
				c, err := okx.New(opts...)
				if err != nil {
					t.Fatal(err)
				}
				p.RefusedSigned(t, c, "BTC-USDT")
			})
		}
	}
}

// The private stream's handshake is refused the same way: following it
// would send the signed login to whatever host the redirect names.
func TestStreamDialFollowsNoRedirect(t *testing.T) {
	upgrade := func(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }
	p := redirecttest.New(t, http.StatusTemporaryRedirect, okxtest.New().Handler(), upgrade)
	c, err := okx.New(okx.WithBaseURL(p.Front.URL), okx.WithWSURL(p.WSURL()), okx.WithNetwork(exchange.Testnet),
		okx.WithKey(keyID, crypto.NewSecret([]byte(keySecret)), crypto.NewSecret([]byte(passphrase))),
		okx.WithHTTPClient(&http.Client{}))
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Stream(context.Background())
	if err == nil {
		_ = st.Close()
	}
	p.Refused(t, "stream", err)
}
