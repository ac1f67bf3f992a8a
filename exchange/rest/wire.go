package rest

import (
	"bytes"
	"context"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// Kind is what a request's body is.
type Kind int

const (
	NoBody Kind = iota
	Form        // application/x-www-form-urlencoded
	JSON        // application/json
)

var contentTypes = [...][]string{Form: {"application/x-www-form-urlencoded"}, JSON: {"application/json"}}

// Request is one REST call before it becomes bytes.
type Request struct {
	Method string
	Path   string // under the base URL, as the venue's docs name it
	Query  Params // encoded exactly as sent
	Body   []byte // exact bytes sent; nil without a body
	Kind   Kind   // what Body is
	Signed bool
	// Op is "place" or "cancel" for a request that changes an order: a
	// failure after it may have reached the venue is then ambiguous.
	Op   string
	Cost exchange.Cost // charged before sending; Priority is the default
	// Tag is the venue's own note on the request, for its Replies: the
	// endpoint, an instrument, what advice on a refusal should quote.
	Tag any
}

// Signer stamps and signs one request. It is handed the request as it will
// be sent, and what it leaves in the Wire is exactly what is sent: it may
// append its parameters and signature to the query or the body, replace
// the body (a venue that signs inside its JSON), and set headers (a key, a
// stamp, a signature, a fresh token per request).
type Signer interface {
	Sign(w *Wire) error
}

// Wire is a request's bytes while it is signed.
type Wire struct {
	Method string
	Host   string // the host sent to, for a token that names it
	Path   string // as in the Request; the base URL's path is not in it
	Query  []byte // without '?'; a scratch copy the signer may append to
	Body   []byte // the Request's; an append never writes into it
	Kind   Kind
	// Stamp is the time to stamp with: the venue's clock estimate, placed
	// inside its window; local time on a path without a clock. A signer
	// that sends a nonce derives it from Stamp or keeps its own counter.
	Stamp time.Time
	// Prehash is what the signer signed, when that holds no secret and
	// may be shown beside a venue's own on a signature refusal.
	Prehash []byte

	header http.Header
	own    bool // header is this request's, not a shared map
}

// SetHeader sets a header on this request only.
func (w *Wire) SetHeader(key, value string) {
	if !w.own {
		w.header = w.header.Clone()
		if w.header == nil {
			w.header = make(http.Header, 4)
		}
		w.own = true
	}
	w.header[textproto.CanonicalMIMEHeaderKey(key)] = []string{value}
}

// queryPool holds query buffers: a signed query is a few hundred bytes, and
// it is copied into the URL's string before the buffer returns.
var queryPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// build is the one function that turns a request into the bytes sent: the
// signer writes into the Wire, and the Wire's query and body are what the
// request carries. The URL is the base parsed in New with this path and
// query, not a string parsed again per request.
func (p *Path) build(ctx context.Context, f *attempt, r *Request, stamp time.Time) (*http.Request, error) {
	bp := queryPool.Get().(*[]byte)
	w := &f.wire
	*w = Wire{Method: r.Method, Host: p.base.Host, Path: r.Path, Kind: r.Kind, Stamp: stamp,
		Query: append((*bp)[:0], r.Query.b...), Body: slices.Clip(r.Body)}
	w.header, w.own = p.header(r.Kind)
	if r.Signed {
		if err := p.cfg.Signer.Sign(w); err != nil {
			return nil, err
		}
	}
	q := ""
	if len(w.Query) > 0 {
		q = string(w.Query)
	}
	*bp = w.Query[:0]
	queryPool.Put(bp)
	u := &f.url
	*u = p.base
	u.Path = p.base.Path + r.Path
	u.RawQuery = q
	if w.Body != nil || r.Kind != NoBody {
		// NewRequestWithContext sets ContentLength and GetBody, which the
		// transport needs to replay a body on a fresh connection.
		req, err := http.NewRequestWithContext(ctx, r.Method, "", bytes.NewReader(w.Body))
		if err != nil {
			return nil, err
		}
		req.URL, req.Host, req.Header = u, u.Host, w.header
		return req, nil
	}
	// Without a body there is nothing NewRequestWithContext adds, and built
	// here the request needs no URL parse.
	req := http.Request{
		Method: r.Method, URL: u, Host: u.Host, Header: w.header,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
	return req.WithContext(ctx), nil
}

// attempt is what one try needs beyond the http.Request, in one
// allocation: the signer's Wire, the URL and the Reply.
type attempt struct {
	wire Wire
	url  url.URL
	rep  Reply
}

// header is a request's header map and whether it is the request's own.
// The stdlib transport only ever reads a request's Header, so when it is
// the one sending (see roundTrip) requests share one map per body kind,
// built in New, until a signer sets a header of its own; any other path
// (a Jar adds cookies to the map, a custom RoundTripper may write to it)
// gets a map of its own.
func (p *Path) header(k Kind) (http.Header, bool) {
	if p.shared {
		return p.headers[k], false
	}
	return p.buildHeader(k), true
}

func (p *Path) buildHeader(k Kind) http.Header {
	h := make(http.Header, len(p.cfg.Header)+1)
	for name, v := range p.cfg.Header { // canonical since New
		h[name] = v
	}
	if k != NoBody {
		h["Content-Type"] = contentTypes[k]
	}
	return h
}

// Params is a query string or form body in the order parameters are added,
// percent-encoded once: these bytes are both signed and sent.
type Params struct {
	b []byte
	// Literal lists the bytes, beyond RFC 3986's unreserved ones, that are
	// sent as they are rather than percent-encoded.
	Literal string
}

// ParamsOf wraps bytes already encoded. An append may write into b's spare
// capacity: clip b first (slices.Clip) when it is shared.
func ParamsOf(b []byte) Params { return Params{b: b} }

// Add appends key=value, percent-encoding both.
func (q *Params) Add(key, value string) {
	q.sep()
	q.b = AppendEscaped(q.b, key, q.Literal)
	q.b = append(q.b, '=')
	q.b = AppendEscaped(q.b, value, q.Literal)
}

// AddInt appends key=decimal integer without an intermediate string.
func (q *Params) AddInt(key string, v int64) {
	q.sep()
	q.b = AppendEscaped(q.b, key, q.Literal)
	q.b = append(q.b, '=')
	q.b = strconv.AppendInt(q.b, v, 10)
}

func (q *Params) sep() {
	if len(q.b) > 0 {
		q.b = append(q.b, '&')
	}
}

// Bytes are the encoded parameters; the caller must not write to them.
func (q Params) Bytes() []byte  { return q.b }
func (q Params) String() string { return string(q.b) }
func (q Params) Len() int       { return len(q.b) }

const upperHex = "0123456789ABCDEF"

// AppendEscaped percent-encodes all but RFC 3986 unreserved characters and
// those in literal. A space becomes %20, never '+': servers decode '+' as a
// plus in some places and a space in others, and a signature over one
// would not survive the other.
func AppendEscaped[T string | []byte](dst []byte, s T, literal string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || literal != "" && strings.IndexByte(literal, c) >= 0 {
			dst = append(dst, c)
			continue
		}
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
	}
	return dst
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// MaskKey shows enough of an API key to tell keys apart, never the whole:
// the first and last four characters of a long one.
func MaskKey(k string) string {
	switch {
	case k == "":
		return ""
	case len(k) <= 8:
		return "****"
	}
	return k[:4] + "…" + k[len(k)-4:]
}

// Build is the request Do would send for r stamped at stamp: how signing
// vectors are checked against the bytes the path sends.
func (p *Path) Build(ctx context.Context, r *Request, stamp time.Time) (*http.Request, error) {
	return p.build(ctx, new(attempt), r, stamp)
}
