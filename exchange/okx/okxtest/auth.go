package okxtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"
)

// call is one request being served.
type call struct {
	s    *Server
	r    *http.Request
	rt   *route
	now  time.Time
	ip   string
	body []byte

	key     *apiKey
	account string
	uid     string
	params  map[string]string // query parameters, or the JSON body's strings
	items   []map[string]any  // JSON array bodies (batch endpoints)
}

type wireErr struct {
	status int
	code   string
	msg    string
}

func authErr(code, msg string) *wireErr {
	return &wireErr{status: http.StatusUnauthorized, code: code, msg: msg}
}

// OKX keys are UUIDs; anything else is refused as malformed before the key
// is looked up.
var keyFormat = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// isoMillis is the only timestamp form OKX accepts on REST.
const isoMillis = "2006-01-02T15:04:05.000Z"

// maxSkew is OKX's tolerance either side of its clock.
const maxSkew = 30 * time.Second

// authenticate runs OKX's checks, in the order that decides which error a
// request with several faults gets.
func (q *call) authenticate() *wireErr {
	h := q.r.Header
	id := h.Get("OK-ACCESS-KEY")
	if id == "" {
		return authErr("50103", `Request header "OK-ACCESS-KEY" cannot be empty.`)
	}
	k, known := q.s.keys.Get(id)
	switch {
	case q.s.keys.Removed(id):
		return authErr("50119", "API key doesn't exist.")
	case !known || !keyFormat.MatchString(id):
		return authErr("50111", "Invalid OK-ACCESS-KEY.")
	}
	if demo := h.Get("x-simulated-trading") == "1"; demo == k.perms.Live {
		return authErr("50101", "APIKey does not match current environment.")
	}
	pass := h.Get("OK-ACCESS-PASSPHRASE")
	if pass == "" {
		return authErr("50104", `Request header "OK-ACCESS-PASSPHRASE" cannot be empty.`)
	}
	if !hmac.Equal([]byte(pass), []byte(k.passphrase)) {
		return authErr("50105", `Request header "OK-ACCESS-PASSPHRASE" incorrect.`)
	}
	tsRaw := h.Get("OK-ACCESS-TIMESTAMP")
	if tsRaw == "" {
		return authErr("50107", `Request header "OK-ACCESS-TIMESTAMP" cannot be empty.`)
	}
	ts, err := time.Parse(isoMillis, tsRaw)
	if err != nil {
		return authErr("50112", "Invalid OK-ACCESS-TIMESTAMP.")
	}
	if d := q.now.Sub(ts); d > maxSkew || d < -maxSkew {
		return authErr("50102", "Timestamp request expired.")
	}
	sig := h.Get("OK-ACCESS-SIGN")
	if sig == "" {
		return authErr("50106", `Request header "OK-ACCESS-SIGN" cannot be empty.`)
	}
	// requestPath is the path and query exactly as received, so a client
	// that signs one encoding and sends another fails here, as on OKX.
	prehash := tsRaw + q.r.Method + q.r.URL.RequestURI() + string(q.body)
	if !verify(k.secret, prehash, sig) {
		return authErr("50113", "Invalid Sign.")
	}
	if len(k.perms.IPs) > 0 && !slices.Contains(k.perms.IPs, q.ip) {
		return authErr("50110", fmt.Sprintf("Your IP %s is not included in your API key's IP whitelist.", q.ip))
	}
	if q.rt.trade && !k.perms.Trade {
		return authErr("50120", "This API key doesn't have permission to use this function.")
	}
	q.key, q.account = k, k.perms.Account
	q.uid = q.s.UID(q.account)
	return nil
}

func sign(secret []byte, prehash string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(prehash))
	return m.Sum(nil)
}

func verify(secret []byte, prehash, sig string) bool {
	got, err := base64.StdEncoding.DecodeString(sig)
	return err == nil && hmac.Equal(got, sign(secret, prehash))
}
