package exchange

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The one HTTP policy of every venue client and stream dialer: no redirect
// is ever followed. net/http strips only Authorization and cookies when it
// follows one, so a 307 from the configured host to another would hand that
// host the API key headers (an API passphrase among them) and a signed body
// it could replay to the venue within the request's window. No venue
// endpoint vigil calls redirects, so a redirect is refused as an error that
// tells the user to check the configured URL.

// RedirectError is a venue URL answering with a redirect. Nothing was sent
// to where it pointed.
type RedirectError struct {
	*APIError
	From string // the origin asked, scheme://host
	To   string // the origin the answer pointed at; "" when it named none
}

func (e *RedirectError) Unwrap() error { return e.APIError }

// redirectStatus reports whether net/http would follow code.
func redirectStatus(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

func newRedirectError(venue string, status int, from, to *url.URL) *RedirectError {
	e := &RedirectError{From: origin(from), To: origin(to)}
	where := e.To
	if where == "" {
		where = "(no Location)"
	}
	e.APIError = &APIError{
		Venue:      venue,
		HTTPStatus: status,
		Code:       strconv.Itoa(status),
		Msg:        fmt.Sprintf("venue answered HTTP %d → %s; vigil never follows redirects with credentials", status, where),
		Kind:       KindOther,
		AdviceText: fmt.Sprintf("check rest_url and ws_url in the config: %s is not the venue's API answering (a moved host, a proxy or a captive portal); nothing was sent to %s", e.From, where),
	}
	return e
}

// origin is scheme://host of u: never its path or query, which may carry a
// token or a signature.
func origin(u *url.URL) string {
	if u == nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// RefuseRedirects returns a copy of hc (nil: one on http.DefaultTransport)
// whose Do fails with a *RedirectError, wrapped in a *url.Error, instead of
// following any redirect. A CheckRedirect hc had is replaced: the policy
// admits no exceptions. The copy shares hc's transport and connections.
func RefuseRedirects(venue string, hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		status := 0
		if req.Response != nil {
			status = req.Response.StatusCode
		}
		var from *url.URL
		if len(via) > 0 {
			from = via[len(via)-1].URL
		}
		return newRedirectError(venue, status, from, req.URL)
	}
	return &c
}

// Redirected is the refusal of resp when it is a redirect, nil otherwise.
// It is for callers that send through a RoundTripper directly, which never
// follows a redirect but hands the 3xx back as a reply.
func Redirected(venue string, req *http.Request, resp *http.Response) *RedirectError {
	if resp == nil || !redirectStatus(resp.StatusCode) {
		return nil
	}
	var to *url.URL
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := req.URL.Parse(loc); err == nil {
			to = u
		}
	}
	return newRedirectError(venue, resp.StatusCode, req.URL, to)
}

// NewHTTPClient is the client a venue uses unless given one: pooled
// keep-alive connections, proxies from the environment, and no redirects.
// timeout bounds a whole request, reply included; 0 leaves that to ctx (and
// to the request path's own Timeout, see exchange/rest). No
// ResponseHeaderTimeout or IdleConnTimeout: each re-arms a timer per
// request, which cost 5–10% of a loopback round trip apiece.
func NewHTTPClient(venue string, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return RefuseRedirects(venue, &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         d.DialContext,
			TLSHandshakeTimeout: 5 * time.Second,
			MaxIdleConnsPerHost: 8,
			ForceAttemptHTTP2:   true,
		},
	})
}
