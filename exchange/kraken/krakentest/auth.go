package krakentest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Error strings as Kraken sends them.
const (
	errNonce      = "EAPI:Invalid nonce"
	errSignature  = "EAPI:Invalid signature"
	errKey        = "EAPI:Invalid key"
	errPermission = "EGeneral:Permission denied"
	errRate       = "EAPI:Rate limit exceeded"
	errOrderRate  = "EOrder:Rate limit exceeded"
	errArgs       = "EGeneral:Invalid arguments"
	errFunds      = "EOrder:Insufficient funds"
	errPrice      = "EOrder:Invalid price"
	errMinimum    = "EOrder:Order minimum not met"
	errCost       = "EOrder:Cost minimum not met"
	errUnknown    = "EOrder:Unknown order"
	errDuplicate  = "EOrder:Duplicate order"
	errPair       = "EQuery:Unknown asset pair"
	errInternal   = "EGeneral:Internal error"
)

func decodeSecret(b64 string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("krakentest: a Kraken secret is base64")
	}
	return raw, nil
}

// Sign is API-Sign as Kraken computes it, for the fake and its tests.
func Sign(secret []byte, path, nonce string, body []byte) string {
	sum := sha256.Sum256(append([]byte(nonce), body...))
	m := hmac.New(sha512.New, secret)
	m.Write([]byte(path))
	m.Write(sum[:])
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

type call struct {
	s    *Server
	r    *http.Request
	rt   *route
	now  time.Time
	ip   string
	body []byte

	key    *apiKey
	params map[string]string
}

// parse reads the query of a GET, or the form (or JSON) body of a POST.
func (q *call) parse() string {
	q.params = map[string]string{}
	if q.r.Method == http.MethodGet {
		for k, v := range q.r.URL.Query() {
			q.params[k] = v[0]
		}
		return ""
	}
	if strings.HasPrefix(q.r.Header.Get("Content-Type"), "application/json") {
		var obj map[string]any
		d := json.NewDecoder(strings.NewReader(string(q.body)))
		d.UseNumber()
		if d.Decode(&obj) != nil {
			return errArgs
		}
		for k, v := range obj {
			switch t := v.(type) {
			case string:
				q.params[k] = t
			case json.Number:
				q.params[k] = t.String()
			case bool:
				q.params[k] = strconv.FormatBool(t)
			}
		}
		return ""
	}
	vals, err := url.ParseQuery(string(q.body))
	if err != nil {
		return errArgs
	}
	for k, v := range vals {
		q.params[k] = v[0]
	}
	return ""
}

// authenticate checks as Kraken does: key, nonce present, signature,
// nonce above the key's last, address, expiry, permission, then the key's
// call counter.
func (q *call) authenticate() string {
	id := q.r.Header.Get("API-Key")
	k, ok := q.s.keys.Get(id)
	if id == "" || !ok {
		return errKey
	}
	nonceRaw := q.params["nonce"]
	nonce, err := strconv.ParseUint(nonceRaw, 10, 64)
	if err != nil || nonce == 0 {
		return errNonce
	}
	want := Sign(k.secret, q.r.URL.Path, nonceRaw, q.body)
	got := q.r.Header.Get("API-Sign")
	if !hmac.Equal([]byte(got), []byte(want)) {
		return errSignature
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if nonce <= k.lastNonce && (k.perms.NonceWindow == 0 || nonce+k.perms.NonceWindow <= k.lastNonce) {
		return errNonce
	}
	k.lastNonce = max(k.lastNonce, nonce)
	if len(k.perms.IPs) > 0 && !slices.Contains(k.perms.IPs, q.ip) {
		return errPermission
	}
	if !k.perms.Expires.IsZero() && !q.now.Before(k.perms.Expires) {
		return errKey
	}
	if q.rt.perm != "" && !slices.Contains(k.permissions(), q.rt.perm) {
		return errPermission
	}
	if q.rt.calls > 0 {
		l := q.s.limits()
		if !k.calls.take(q.now, q.rt.calls, l.calls, l.callDecay) {
			return errRate
		}
	}
	q.key = k
	return ""
}

// permissions are the key's rights as GetApiKeyInfo names them.
func (k *apiKey) permissions() []string {
	p := []string{"query-funds", "query-open-trades", "query-closed-trades", "query-ledger", "export-data", "create-ws-token"}
	if !k.perms.ReadOnly {
		p = append(p, "modify-trades", "close-trades")
	}
	if k.perms.Withdraw {
		p = append(p, "withdraw-funds", "add-withdraw-address")
	}
	return p
}
