package bybittest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

type call struct {
	s    *Server
	r    *http.Request
	rt   *route
	now  time.Time
	ip   string
	body []byte

	key     *apiKey
	account string
	uid     int64
	params  map[string]string
}

type wireErr struct {
	status int
	code   int
	msg    string
}

func fail(code int, format string, a ...any) *wireErr {
	return &wireErr{status: http.StatusOK, code: code, msg: fmt.Sprintf(format, a...)}
}

// defaultRecvWindow applies when X-BAPI-RECV-WINDOW is not sent.
const defaultRecvWindow = 5000

// authenticate runs Bybit's checks in the order that decides which error a
// request with several faults gets: key, clock, signature, IP, expiry,
// permission.
func (q *call) authenticate() *wireErr {
	h := q.r.Header
	id := h.Get("X-BAPI-API-KEY")
	k, known := q.s.keys.Get(id)
	if id == "" || !known {
		// Bybit answers an unknown key (or one from another environment)
		// with HTTP 401 around the usual envelope.
		return &wireErr{status: http.StatusUnauthorized, code: 10003, msg: "API key is invalid."}
	}
	tsRaw := h.Get("X-BAPI-TIMESTAMP")
	rwRaw := h.Get("X-BAPI-RECV-WINDOW")
	window := int64(defaultRecvWindow)
	if rwRaw != "" {
		v, err := strconv.ParseInt(rwRaw, 10, 64)
		if err != nil || v <= 0 {
			return fail(10001, "params error: recv_window is invalid")
		}
		window = v
	}
	server := q.now.UnixMilli()
	ts, err := strconv.ParseInt(tsRaw, 10, 64)
	if err != nil || ts < server-window || ts >= server+1000 {
		return fail(10002, "invalid request, please check your server timestamp or recv_window param. req_timestamp[%s],server_timestamp[%d],recv_window[%d]", tsRaw, server, window)
	}
	payload := q.r.URL.RawQuery
	if q.r.Method != http.MethodGet {
		payload = string(q.body)
	}
	origin := tsRaw + id + rwRaw + payload
	if !verify(k.secret, origin, h.Get("X-BAPI-SIGN")) {
		// Bybit echoes the string it signed, so a client can diff it
		// against its own; it holds no secret.
		return fail(10004, "error sign! origin_string[%s]", origin)
	}
	if len(k.perms.IPs) > 0 && !slices.Contains(k.perms.IPs, q.ip) {
		return fail(10010, "Unmatched IP, please check your API key's bound IP addresses.")
	}
	if !k.perms.Expires.IsZero() && !q.now.Before(k.perms.Expires) {
		return fail(33004, "Your api key has expired.")
	}
	if q.rt.trade && k.perms.ReadOnly {
		return fail(10005, "Permission denied, please check your API key permissions.")
	}
	q.key, q.account = k, k.perms.Account
	q.uid = q.s.UID(q.account)
	return nil
}

func hmacSHA256(secret []byte, payload string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// verify accepts the hex signature in either case.
func verify(secret []byte, payload, sig string) bool {
	got, err := hex.DecodeString(sig)
	return err == nil && hmac.Equal(got, hmacSHA256(secret, payload))
}
