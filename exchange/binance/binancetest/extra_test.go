package binancetest

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

func TestClientIPAndMicroseconds(t *testing.T) {
	f := newFixture(t, WithClientIP(func(r *http.Request) string {
		if ip := r.Header.Get("X-Test-IP"); ip != "" {
			return ip
		}
		return simhttp.RemoteIP(r)
	}))
	f.srv.AddHMACKey("boundKey", "bound-secret", Perms{Read: true, Trade: true, IPRestrict: true, IPs: []string{"10.1.2.3"}})
	p := fmt.Sprintf("timestamp=%d", f.clock.Now().UnixMicro()) // 16 digits: microseconds
	q := p + "&signature=" + hmacHex("bound-secret", p)
	expectOK(t, f.mustRaw("GET", "/api/v3/account", q, "", map[string]string{"X-MBX-APIKEY": "boundKey", "X-Test-IP": "10.1.2.3"}))
	expectErr(t, f.mustRaw("GET", "/api/v3/account", q, "", map[string]string{"X-MBX-APIKEY": "boundKey", "X-Test-IP": "10.9.9.9"}), 401, -2015, "")
	// Weight is per IP.
	if a, b := f.srv.UsedWeight("10.1.2.3"), f.srv.UsedWeight("10.9.9.9"); a != 20 || b != 20 {
		t.Errorf("weights %d %d, want 20 each", a, b)
	}
	if f.srv.UsedWeight("127.0.0.1") != 0 {
		t.Error("loopback charged for other IPs' requests")
	}
}

func TestRawRequestLimit(t *testing.T) {
	lim := DefaultRateLimits()
	lim.RawPer5m = 3
	f := newFixture(t, WithRateLimits(lim))
	for range 3 {
		expectOK(t, f.mustRaw("GET", "/api/v3/ping", "", "", nil))
	}
	r := f.mustRaw("GET", "/api/v3/ping", "", "", nil)
	expectErr(t, r, 429, -1003, "Too many requests; current limit is 3 requests per 5 MINUTE.")
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}
