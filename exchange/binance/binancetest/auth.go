package binancetest

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

type security int

const (
	secNone     security = iota
	secUserData          // signed; the key must be able to read
	secTrade             // signed; the key must be able to trade
)

// call is one request being served.
type call struct {
	s   *Server
	r   *http.Request
	rt  *route
	now time.Time
	ip  string

	rawQuery, body string
	params         url.Values
	sent           []string // names sent, first occurrence order, without signature

	hasSig  bool
	sigLast bool
	sig     string // percent-decoded
	payload string // what the client must have signed

	key     *apiKey
	account string
}

type wireErr struct {
	status int
	code   int
	msg    string
}

func badRequest(code int, format string, a ...any) *wireErr {
	return &wireErr{status: http.StatusBadRequest, code: code, msg: fmt.Sprintf(format, a...)}
}

func mandatory(name string) *wireErr {
	return badRequest(-1102, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", name)
}

func rejectedKey() *wireErr {
	return &wireErr{status: http.StatusUnauthorized, code: -2015, msg: "Invalid API-key, IP, or permissions for action."}
}

// parse reads the query string and the body as Binance does: both may carry
// parameters; the query string wins a name sent in both; a name twice in one
// of them is refused.
func (q *call) parse() *wireErr {
	qv, err := url.ParseQuery(q.rawQuery)
	if err != nil {
		return badRequest(-1100, "Illegal characters found in a parameter.")
	}
	var bv url.Values
	if q.body != "" {
		if bv, err = url.ParseQuery(q.body); err != nil {
			return badRequest(-1100, "Illegal characters found in a parameter.")
		}
	}
	for _, vs := range []url.Values{qv, bv} {
		for _, v := range vs {
			if len(v) > 1 {
				return badRequest(-1101, "Duplicate values for a parameter detected.")
			}
		}
	}
	q.params = url.Values{}
	for k, v := range bv {
		q.params[k] = v
	}
	for k, v := range qv {
		q.params[k] = v
	}
	for _, raw := range []string{q.rawQuery, q.body} {
		for _, part := range strings.Split(raw, "&") {
			name, _, _ := strings.Cut(part, "=")
			if n, err := url.QueryUnescape(name); err == nil && n != "" && n != "signature" && !slices.Contains(q.sent, n) {
				q.sent = append(q.sent, n)
			}
		}
	}
	q.findSignature()
	delete(q.params, "signature")
	return nil
}

// findSignature locates the signature parameter in the bytes as received and
// derives the signed payload: query string then body, no separator, minus
// the "&signature=..." that must end whichever of the two carries it.
func (q *call) findSignature() {
	cut := func(raw string) (rest, sig string, found, last bool) {
		parts := strings.Split(raw, "&")
		for i, p := range parts {
			if v, ok := strings.CutPrefix(p, "signature="); ok {
				return strings.Join(parts[:i], "&"), v, true, i == len(parts)-1
			}
		}
		return raw, "", false, false
	}
	if rest, sig, found, last := cut(q.rawQuery); found {
		q.hasSig, q.sigLast, q.payload = true, last, rest+q.body
		q.sig, _ = url.QueryUnescape(sig)
		return
	}
	if rest, sig, found, last := cut(q.body); found {
		q.hasSig, q.sigLast, q.payload = true, last, q.rawQuery+rest
		q.sig, _ = url.QueryUnescape(sig)
	}
}

var keyFormat = regexp.MustCompile(`^[A-Za-z0-9]{1,128}$`)

// authenticate runs Binance's checks for a signed endpoint, in the order
// that decides which error a request with several faults gets.
func (q *call) authenticate() *wireErr {
	id := q.r.Header.Get("X-MBX-APIKEY")
	k, known := q.s.keys.Get(id)
	switch {
	case id == "":
		return rejectedKey()
	case !known && !keyFormat.MatchString(id):
		return &wireErr{status: http.StatusUnauthorized, code: -2014, msg: "API-key format invalid."}
	case !known:
		return rejectedKey()
	}

	tsUs, window, e := q.stamp()
	if e != nil {
		return e
	}
	if !q.hasSig || q.sig == "" {
		return mandatory("signature")
	}
	if !q.sigLast || !k.verify(q.payload, q.sig) {
		return badRequest(-1022, "Signature for this request is not valid.")
	}

	if e := checkWindow(q.now, tsUs, window); e != nil {
		return e
	}

	if k.perms.IPRestrict && !slices.Contains(k.perms.IPs, q.ip) {
		return rejectedKey()
	}
	if !k.perms.Read || q.rt.security == secTrade && !k.perms.Trade {
		return rejectedKey()
	}
	q.key, q.account = k, k.perms.Account
	return nil
}

// stamp reads timestamp and recvWindow (µs).
func (q *call) stamp() (tsUs, windowUs int64, e *wireErr) {
	tsRaw := q.params.Get("timestamp")
	if tsRaw == "" {
		return 0, 0, mandatory("timestamp")
	}
	tsUs, ok := parseTimestamp(tsRaw)
	if !ok {
		return 0, 0, badRequest(-1100, "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'.")
	}
	windowUs = 5000_000
	if rw := q.params.Get("recvWindow"); rw != "" {
		v, err := decimal.NewFromString(rw)
		if err != nil || v.IsNegative() || !v.Equal(v.Truncate(3)) {
			return 0, 0, badRequest(-1100, "Illegal characters found in parameter 'recvWindow'; legal range is '^[0-9]{1,20}(\\.[0-9]{1,3})?$'.")
		}
		if v.GreaterThan(decimal.NewFromInt(60000)) {
			return 0, 0, badRequest(-1131, "recvWindow must be less than 60000")
		}
		windowUs = v.Mul(decimal.NewFromInt(1000)).IntPart()
	}
	return tsUs, windowUs, nil
}

// checkWindow is Binance's timing rule: refuse a stamp 1000 ms or more in
// the server's future, or older than recvWindow.
func checkWindow(now time.Time, tsUs, windowUs int64) *wireErr {
	server := now.UnixMicro()
	if tsUs >= server+1_000_000 {
		return badRequest(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
	}
	if server-tsUs > windowUs {
		return badRequest(-1021, "Timestamp for this request is outside of the recvWindow.")
	}
	return nil
}

// checkTimestamp is stamp and checkWindow together, for requests whose
// signature is checked first elsewhere.
func (q *call) checkTimestamp() *wireErr {
	ts, w, e := q.stamp()
	if e != nil {
		return e
	}
	return checkWindow(q.now, ts, w)
}

// parseTimestamp accepts milliseconds, or microseconds (16 digits and up),
// and returns microseconds.
func parseTimestamp(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	var v int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if len(s) >= 16 {
		return v, true
	}
	return v * 1000, true
}

func (k *apiKey) verify(payload, sig string) bool {
	if k.pub != nil {
		raw, err := base64.StdEncoding.DecodeString(sig)
		return err == nil && len(raw) == ed25519.SignatureSize && ed25519.Verify(k.pub, []byte(payload), raw)
	}
	got, err := hex.DecodeString(sig) // accepts either case
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte(payload))
	return hmac.Equal(got, m.Sum(nil))
}

// checkParams refuses parameters the endpoint does not read, as Binance
// does (-1104), which catches misspelt names.
func (q *call) checkParams() *wireErr {
	unread := 0
	for _, n := range q.sent {
		if slices.Contains(q.rt.params, n) {
			continue
		}
		if q.rt.security != secNone && (n == "timestamp" || n == "recvWindow") {
			continue
		}
		unread++
	}
	if unread > 0 {
		return badRequest(-1104, "Not all sent parameters were read; read '%d' parameter(s) but was sent '%d'.", len(q.sent)-unread, len(q.sent))
	}
	return nil
}
