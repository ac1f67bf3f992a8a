package coinbase

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// CauseIPList is a key whose IP allow-list leaves this machine out:
// Coinbase answers it with the same bare 401.
const CauseIPList = "ip_not_allowed"

// ExplainSignature reads a token Coinbase refused with the clock just
// measured. Coinbase says nothing beyond 401, so what can be shown is
// vigil's side: the token's header and claims as sent (decoded from the
// Authorization header; the key name masked, nothing secret in them)
// beside the claims rebuilt from the request as it went out, and the
// token's window against Coinbase's clock. A uri that is not the
// request's, or a window that does not hold Coinbase's time, is vigil's
// fault; when both hold, the key is.
func (v replies) ExplainSignature(rep *rest.Reply, ae *exchange.APIError) *rest.SignatureExplanation {
	c := v.c
	if c.key == nil || rep.Request == nil || rep.SentHeader == nil {
		return nil
	}
	h, cl, err := decodeToken(strings.TrimPrefix(rep.SentHeader.Get(HeaderAuthorization), "Bearer "))
	if err != nil {
		return nil
	}
	mask := crypto.MaskID(c.key.name)
	h.Kid, cl.Sub = maskedName(h.Kid, c.key.name, mask), maskedName(cl.Sub, c.key.name, mask)
	host := ""
	if u, err := url.Parse(c.base); err == nil {
		host = u.Host
	}
	sentPath := c.basePath + rep.Request.Path
	want := URIOf(rep.Request.Method, host, sentPath)
	x := &rest.SignatureExplanation{Query: rep.SentQuery, Body: string(rep.SentBody),
		Prehash: showToken(h, cl), Rebuilt: "uri=" + want}
	x.Compare("vigil signed", "uri="+cl.URI, "bytes sent", x.Rebuilt)
	if cl.URI != want {
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseSignerFault,
			Text: fmt.Sprintf("the token's uri %q is not the request sent (%q): Coinbase checks method, host and path; a fault in vigil's signer, or a base URL whose path Coinbase does not serve", cl.URI, want)})
		return x
	}
	now := c.clock.ServerNow()
	switch nbf, exp := time.Unix(cl.Nbf, 0), time.Unix(cl.Exp, 0); {
	case now.Before(nbf):
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseOtherBytes,
			Text: fmt.Sprintf("the token was not yet valid by Coinbase's clock (nbf %s ahead of it): this machine's clock runs ahead; `vigil check`", nbf.Sub(now).Round(time.Millisecond))})
	case !now.Before(exp):
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseOtherBytes,
			Text: fmt.Sprintf("the token had expired by Coinbase's clock (%s ago): this machine's clock runs behind, or the request waited that long", now.Sub(exp).Round(time.Millisecond))})
	}
	x.Causes = append(x.Causes,
		rest.Cause{Code: rest.CauseSecret, Text: fmt.Sprintf("the token is well formed and in its window, so the key is: the private key in the vault is not the one of key %s (a truncated or mixed-up PEM), or the key was deleted in the CDP portal; `vigil keys rotate`", mask)},
		rest.Cause{Code: rest.CauseKeyType, Text: fmt.Sprintf("the key is signed as %s: a CDP key made for another product (a wallet or Onchain key) or of the other algorithm is refused alike; Advanced Trade takes ECDSA (es256) and Ed25519 keys", h.Alg)},
		rest.Cause{Code: CauseIPList, Text: "the key's IP allow-list in the CDP portal leaves this machine's address out"})
	return x
}

// decodeToken reads a compact JWS's header and claims, not its signature.
func decodeToken(tok string) (Header, Claims, error) {
	var h Header
	var c Claims
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return h, c, fmt.Errorf("coinbase: a token has three parts, this one %d", len(parts))
	}
	for i, out := range []any{&h, &c} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return h, c, err
		}
		if err := json.Unmarshal(b, out); err != nil {
			return h, c, err
		}
	}
	return h, c, nil
}

// maskedName masks the key's name where the token carries it; anything
// else (a name that is not the key's) is shown as it is, since it is what
// went wrong.
func maskedName(s, name, mask string) string {
	if s == name {
		return mask
	}
	return s
}

// showToken is what was signed, as a trader reads it: header and claims.
func showToken(h Header, c Claims) string {
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(c)
	return string(hb) + "." + string(cb)
}
