package wsconn_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/redirecttest"
	"github.com/vigil-trade/vigil/exchange/wsconn"
)

// Whatever client a venue hands the loop, a redirected handshake is
// refused before the host it names hears anything: the login comes next.
func TestDialFollowsNoRedirect(t *testing.T) {
	for name, hc := range map[string]*http.Client{"nil": nil, "plain": {}} {
		t.Run(name, func(t *testing.T) {
			upgrade := func(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }
			p := redirecttest.New(t, http.StatusTemporaryRedirect, http.NotFoundHandler(), upgrade)
			st, err := wsconn.Open(context.Background(), wsconn.Protocol{
				Name:     "test stream",
				Settings: wsconn.Settings{URL: p.WSURL() + "/ws", HTTPClient: hc, PingEvery: time.Minute, PongWait: time.Minute},
				Decode:   func([]byte) (wsconn.Frame, []exchange.StreamEvent, error) { return wsconn.Frame{}, nil, nil },
			})
			if err == nil {
				_ = st.Close()
			}
			p.Refused(t, "dial", err)
		})
	}
}
