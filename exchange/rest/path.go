// Package rest is the one request path every venue's REST client sends
// through: charge the budget, stamp from the venue's clock (waiting for a
// first sample before the first signature), sign, send without following
// redirects, read the rate headers, read and decode the reply, classify a
// failure as refused or ambiguous, and retry once, re-synced, when the venue
// refused the stamp.
//
// A venue supplies only what is its own: a Signer (how the exact bytes sent
// are stamped and signed), a Replies (how its replies are unwrapped, its
// rate headers read and its error codes classified) and its decoders.
//
// The hooks are shaped for venues unlike the first three as well. A venue
// that signs a nonce keeps its counter in its Signer, classifies a refused
// nonce as StampRefused and passes a Sync that re-reads the key's nonce
// rather than a clock. A venue that wants a fresh token per request sets it
// as a header in Sign, naming Wire.Method, Host and Path. A venue that signs
// inside its JSON body replaces Wire.Body with the signed envelope, and one
// with no time endpoint runs with no Clock. A venue whose errors arrive in
// a 200 reads them in Unwrap; one that reports its allowance in headers
// reads them in Observe.
package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// Budget is what the path needs of an account's rate budget: a charge
// before sending, and a hold on everything after a venue's refusal.
type Budget interface {
	Acquire(ctx context.Context, c exchange.Cost) error
	Ban(until time.Time, reason string)
}

// Replies is a venue's side of reading what came back.
type Replies interface {
	// Observe reads the venue's rate headers; it runs before the body is
	// read, with when the request was charged (estimated server time).
	Observe(r *Request, h http.Header, charged time.Time)
	// Unwrap returns the payload of a successful reply to decode into the
	// caller's value (nil: nothing to decode), or the venue's refusal.
	Unwrap(rep *Reply) ([]byte, *Refusal)
}

// ClockExplainer is implemented by a Replies whose advice on a refused stamp
// wants the offset measured by the re-sync that follows the refusal.
type ClockExplainer interface {
	ExplainClock(ce *exchange.ClockError)
}

// Config is one account's path to one venue.
type Config struct {
	Venue   string // the Venue of every error, as the venue list names it
	BaseURL string // scheme://host[/path]; request paths are appended
	// HTTP is the client to send with (nil: NewHTTPClient). Whatever it is,
	// it never follows a redirect (exchange.RefuseRedirects).
	HTTP *http.Client
	// Timeout cuts off a request whose ctx has no deadline (0: none; an
	// HTTP client's own Timeout applies as well).
	Timeout time.Duration
	// Header is sent with every request: the API key, an environment flag.
	// A Signer's per-request headers are added to a copy.
	Header http.Header
	// Clock stamps signed requests; nil stamps with the local time (a venue
	// with no time endpoint). ServerTime probes the venue's time for a
	// first sample, Sync re-syncs after a refused stamp.
	Clock      *exchange.Clock
	ServerTime func(context.Context) (time.Time, error)
	Sync       func(context.Context) error
	Budget     Budget
	Signer     Signer // nil: public requests only
	// NoKey is what a signed request fails with when there is no Signer.
	NoKey   error
	Replies Replies
	// MaxBody is the most read of one reply (0: 8 MB, several times the
	// largest instrument list of a venue so far; far beyond is not the
	// venue talking).
	MaxBody int64
	Now     func() time.Time
	Log     *slog.Logger // endpoints, statuses and times; never a URL's query or a header
	// Observer, when set, sees every signed request sent (see Sent): the
	// audit trail's hook.
	Observer Observer
}

// Path sends requests for one account. It is safe for concurrent use.
type Path struct {
	cfg       Config
	base      url.URL
	hc        *http.Client
	direct    http.RoundTripper // see roundTrip
	shared    bool              // header maps may be shared; see header
	headers   [3]http.Header    // per Body kind, when shared
	deadlines *deadlines
	explainer ClockExplainer
	// signatures explains a refused signature; nil for a venue whose
	// Replies does not.
	signatures SignatureExplainer
}

// New checks cfg and builds the path.
func New(cfg Config) (*Path, error) {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	base, err := parseBase(cfg.Venue, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Replies == nil || cfg.Budget == nil {
		return nil, fmt.Errorf("%s: a request path needs replies and a budget", cfg.Venue)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 8 << 20
	}
	if cfg.NoKey == nil {
		cfg.NoKey = errors.New("no API key configured for this account")
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = exchange.NewHTTPClient(cfg.Venue, 0)
	}
	header := make(http.Header, len(cfg.Header))
	for name, v := range cfg.Header {
		header[textproto.CanonicalMIMEHeaderKey(name)] = v
	}
	cfg.Header = header
	p := &Path{cfg: cfg, base: base, hc: exchange.RefuseRedirects(cfg.Venue, hc)}
	p.explainer, _ = cfg.Replies.(ClockExplainer)
	p.signatures, _ = cfg.Replies.(SignatureExplainer)
	if cfg.Timeout > 0 {
		p.deadlines = newDeadlines(cfg.Timeout, hc.CloseIdleConnections)
	}
	// hc's CheckRedirect is never used (the policy replaces it), and
	// roundTrip refuses a redirect on the direct path itself.
	if hc.Timeout == 0 && hc.Jar == nil {
		p.direct = hc.Transport
		if p.direct == nil {
			p.direct = http.DefaultTransport
		}
		_, p.shared = p.direct.(*http.Transport)
	}
	if p.shared {
		for k := range p.headers {
			p.headers[k] = p.buildHeader(Kind(k))
		}
	}
	return p, nil
}

// parseBase checks the base URL once, so a bad one fails New instead of
// every request, and requests need not parse a URL string again.
func parseBase(venue, base string) (url.URL, error) {
	base = strings.TrimRight(base, "/")
	u, err := url.Parse(base)
	if err != nil {
		return url.URL{}, fmt.Errorf("%s: base URL: %w", venue, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" {
		return url.URL{}, fmt.Errorf("%s: base URL %q: want http(s)://host[/path]", venue, base)
	}
	u.RawPath = "" // requests set Path; EscapedPath escapes it again
	// As NewRequest does: "host:" means the scheme's default port.
	u.Host = strings.TrimSuffix(u.Host, ":")
	return *u, nil
}

// Base is the base URL requests are sent under, as configured.
func (p *Path) Base() string { return p.cfg.BaseURL }

// HTTPClient is the client the path sends with, redirect policy applied:
// a venue's stream dials through it.
func (p *Path) HTTPClient() *http.Client { return p.hc }

// ClockReady holds a signed request or stream login until the clock has a
// sample since the last refusal, probing the venue's time once if it has
// none: stamped with the raw local clock, the first request against a venue
// whose clock is off by more than its window would be refused. Nothing is
// sent when the probe fails.
//
// It also holds back the venue's first signature until its signer passed
// its self-test (see RegisterSelfTest), and refuses every signature for the
// venue with a *SelfTestError when it failed.
func (p *Path) ClockReady(ctx context.Context) error {
	if p.cfg.Signer != nil {
		if err := selfTestErr(p.cfg.Venue); err != nil {
			return err
		}
	}
	if p.cfg.Clock == nil {
		return nil
	}
	if err := p.cfg.Clock.Ready(ctx, p.cfg.ServerTime); err != nil {
		return &exchange.ClockUnknownError{Venue: p.cfg.Venue, Err: err}
	}
	return nil
}

// Do sends r and decodes the reply's payload into out (nil: discard). A
// signed request whose stamp the venue refused is sent once more after the
// clock is re-synced, with a fresh stamp. That is safe even for an order:
// every venue checks the stamp at its gateway, before the matching engine
// sees the request, so the refused one never existed, and the retry
// carries the same client order id, so a misreading on our side could at
// worst be refused as a duplicate.
func (p *Path) Do(ctx context.Context, r *Request, out any) error {
	stale, err := p.send(ctx, r, out)
	var ce *exchange.ClockError
	if err == nil || !r.Signed || !errors.As(err, &ce) {
		return err
	}
	var serr error
	if p.cfg.Sync != nil {
		serr = p.cfg.Sync(ctx)
	}
	if serr != nil && p.cfg.Log != nil {
		p.cfg.Log.Warn("re-sync after a refused stamp failed", "err", serr)
	}
	if p.explainer != nil {
		p.explainer.ExplainClock(ce)
	}
	// Without a fresh sample the retry would wait for one (see ClockReady),
	// and the refusal says more than the failed probe.
	if !stale || serr != nil {
		return err
	}
	_, err = p.send(ctx, r, out)
	if errors.As(err, &ce) && p.explainer != nil {
		p.explainer.ExplainClock(ce)
	}
	return err
}

// FastDecoder is a reply type with a hand-written decoder for a hot path.
// DecodeFast reports false, leaving the value zero, for any input it cannot
// decode exactly as encoding/json would; encoding/json then decodes it, so
// the fast path never changes a result or an error.
type FastDecoder interface {
	DecodeFast(raw []byte) bool
}

// send is one attempt of Do; stale reports a refused stamp worth a retry.
func (p *Path) send(ctx context.Context, r *Request, out any) (stale bool, err error) {
	if r.Signed {
		if p.cfg.Signer == nil {
			return false, p.fail(r, p.cfg.NoKey)
		}
		if err := p.ClockReady(ctx); err != nil {
			return false, err
		}
	}
	cost := r.Cost
	cost.Priority = exchange.PriorityOf(ctx, cost.Priority)
	if err := p.cfg.Budget.Acquire(ctx, cost); err != nil {
		return false, err
	}
	var charged, stamp time.Time
	if c := p.cfg.Clock; c != nil {
		// A venue's count in the reply covers this request and those before
		// it: compare it with ours as of now, not as of the reply.
		charged, stamp = c.ServerNow(), c.Stamp()
	} else {
		charged = p.cfg.Now()
		stamp = charged
	}
	var t ticket
	if p.deadlines != nil {
		ctx, t = p.deadlines.guard(ctx)
		defer p.deadlines.done(t)
	}
	f := new(attempt)
	req, err := p.build(ctx, f, r, stamp)
	if err != nil {
		return false, p.fail(r, redactURL(err))
	}
	sent := p.cfg.Now()
	status := 0
	if p.cfg.Observer != nil && r.Signed {
		defer func() { p.observe(r, sent, status, err) }()
	}
	resp, err := p.roundTrip(req)
	if err != nil {
		// Do's error quotes the URL, which may carry the signature.
		return false, p.ambiguous(r, p.fail(r, redactURL(p.explain(ctx, err))))
	}
	defer resp.Body.Close()
	status = resp.StatusCode
	p.cfg.Replies.Observe(r, resp.Header, charged)
	buf := getBody()
	defer putBody(buf)
	raw, rerr := readBody((*buf)[:0], resp.Body, resp.ContentLength, p.cfg.MaxBody)
	*buf = raw // keep the grown buffer for the pool
	received := p.cfg.Now()
	if l := p.cfg.Log; l != nil && l.Enabled(ctx, slog.LevelDebug) {
		l.Debug("request", "endpoint", r.Method+" "+r.Path, "status", resp.StatusCode, "took", received.Sub(sent))
	}
	// raw is pooled: whatever is built from it below must copy, never alias it.
	if rerr != nil {
		rerr = fmt.Errorf("HTTP %d: reading reply: %w", resp.StatusCode, redactURL(p.explain(ctx, rerr)))
		return false, p.ambiguous(r, p.fail(r, rerr))
	}
	rep := &f.rep
	*rep = Reply{Request: r, Status: resp.StatusCode, Header: resp.Header, Body: raw,
		Stamp: stamp, Sent: sent, Received: received, Prehash: f.wire.Prehash, Base: p.cfg.BaseURL,
		SentQuery: f.url.RawQuery, SentBody: f.wire.Body, SentHeader: f.wire.header}
	payload, ref := p.cfg.Replies.Unwrap(rep)
	if ref != nil {
		stale, err := p.refused(r, ref)
		return stale, p.explainSignature(rep, ref, err)
	}
	if out == nil || payload == nil {
		return false, nil
	}
	if fd, ok := out.(FastDecoder); ok && fd.DecodeFast(payload) {
		return false, nil
	}
	if err := json.Unmarshal(payload, out); err != nil {
		// The venue said yes: after an order change it most likely
		// happened, but only a query can tell.
		err = fmt.Errorf("HTTP %d: unexpected reply shape (%s): %w", resp.StatusCode, Snippet(payload), err)
		return false, p.ambiguous(r, p.fail(r, err))
	}
	return false, nil
}

// fail names the venue and endpoint in err.
func (p *Path) fail(r *Request, err error) error {
	return fmt.Errorf("%s %s %s: %w", p.cfg.Venue, r.Method, r.Path, err)
}

// ambiguous wraps err when r may have changed an order.
func (p *Path) ambiguous(r *Request, err error) error {
	if r.Op != "" {
		return &exchange.AmbiguousError{Op: r.Op, Err: err}
	}
	return err
}

// refused turns a venue's refusal into the error callers act on: a clock
// refusal invalidates the clock, a rate refusal holds the whole account,
// and an unknown outcome of an order change is ambiguous.
func (p *Path) refused(r *Request, ref *Refusal) (stale bool, err error) {
	ae := ref.APIError
	if ae.Venue == "" {
		ae.Venue = p.cfg.Venue
	}
	switch {
	case ref.Class == Throttled || ref.Class == Banned:
		ae.Kind = exchange.KindRateLimit
		retry := ref.RetryAt
		if retry.IsZero() {
			retry = p.serverNow().Add(time.Minute)
		}
		p.cfg.Budget.Ban(retry, p.cfg.Venue+" "+ae.Code)
		return false, &exchange.RateLimitError{APIError: ae, RetryAt: retry, Banned: ref.Class == Banned}
	case ae.Kind == exchange.KindClock || ref.Class == StampRefused:
		ae.Kind = exchange.KindClock
		ce := &exchange.ClockError{APIError: ae, Ahead: ref.Ahead}
		if c := p.cfg.Clock; c != nil {
			ce.Offset = c.Offset()
			c.Invalidate(p.cfg.Venue + " " + ae.Code + ": " + ae.Msg)
		}
		return ref.Class == StampRefused, ce
	case ref.Class == Ambiguous:
		return false, p.ambiguous(r, ae)
	}
	return false, ae
}

func (p *Path) serverNow() time.Time {
	if p.cfg.Clock != nil {
		return p.cfg.Clock.ServerNow()
	}
	return p.cfg.Now()
}

func (p *Path) explain(ctx context.Context, err error) error {
	if p.deadlines == nil {
		return err
	}
	return p.deadlines.explain(ctx, err)
}

// roundTrip sends req once, following no redirect (see
// exchange.RefuseRedirects): a 3xx is a *exchange.RedirectError. When hc
// has a Timeout or a Jar, its Do is used so they apply; otherwise the
// transport is called directly, which also skips the header copy Do makes
// per request for redirects.
func (p *Path) roundTrip(req *http.Request) (*http.Response, error) {
	if p.direct == nil {
		resp, err := p.hc.Do(req)
		// Do's *url.Error around the refusal would quote the signed URL.
		var re *exchange.RedirectError
		if errors.As(err, &re) {
			return nil, re
		}
		return resp, err
	}
	resp, err := p.direct.RoundTrip(req)
	switch {
	case err != nil:
		return nil, err
	case resp == nil:
		return nil, errors.New("http: RoundTripper returned a nil *Response with a nil error")
	case resp.Body == nil:
		resp.Body = http.NoBody
	}
	if re := exchange.Redirected(p.cfg.Venue, req, resp); re != nil {
		resp.Body.Close()
		return nil, re
	}
	return resp, nil
}

// redactURL drops the query from a transport error's URL, which may carry
// a signature, keeping the cause (and Timeout()) for errors.Is/As.
func redactURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u := ue.URL
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	return &url.Error{Op: ue.Op, URL: u, Err: ue.Err}
}

// RedactURL is redactURL for a venue's stream dialer.
func RedactURL(err error) error { return redactURL(err) }
