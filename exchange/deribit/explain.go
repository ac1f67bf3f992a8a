package deribit

import (
	"regexp"
	"strings"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

var sentAuth = regexp.MustCompile(`^deri-hmac-sha256 id=[^,]*,ts=([0-9]+),sig=[0-9a-f]*,nonce=([^,]*)$`)

// ExplainSignature reads a 13009 refusing the signature. Deribit does not
// echo what it signed, so what vigil signed goes beside the prehash
// rebuilt from the request as sent: the timestamp and nonce from its
// Authorization header, the method, the URI with its query, the body. A
// signer that signed other bytes than it sent shows there; when the two
// agree, the secret is the likeliest cause.
func (v replies) ExplainSignature(rep *rest.Reply, ae *exchange.APIError) *rest.SignatureExplanation {
	c := v.c
	if c.signer == nil || rep.Request == nil {
		return nil
	}
	m := sentAuth.FindStringSubmatch(rep.SentHeader.Get("Authorization"))
	if m == nil {
		return nil
	}
	uri := c.basePath + rep.Request.Path
	if rep.SentQuery != "" {
		uri += "?" + rep.SentQuery
	}
	rebuilt := ShowPrehash(AppendHTTPPrehash(nil, m[1], m[2], rep.Request.Method, uri, rep.SentBody))
	ours := string(rep.Prehash)
	x := &rest.SignatureExplanation{Query: rep.SentQuery, Body: string(rep.SentBody), Prehash: ours, Rebuilt: rebuilt}
	x.Compare("vigil signed", ours, "bytes sent", rebuilt)
	if ours != rebuilt {
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseSignerFault,
			Text: "vigil signed other bytes than it sent (timestamp, nonce, method, URI and body rebuilt from the request differ from what was signed): a fault in vigil's signer, not in the key; do not trade with this build and report it"})
		return x
	}
	x.Causes = append(x.Causes,
		rest.Cause{Code: rest.CauseSecret, Text: "the bytes agree, so the secret does not: the client secret in the vault does not belong to client id " + c.info.KeyID + " (a truncated or stale paste; test.deribit.com and www.deribit.com keys differ); `vigil keys rotate`"},
		rest.Cause{Code: rest.CauseReencoded, Text: "a proxy re-encoded the URI on its way: Deribit signs the path and query byte for byte"})
	return x
}

// ShowPrehash is a prehash on one line, its newlines written \n. It
// holds no secret.
func ShowPrehash(pre []byte) string { return strings.ReplaceAll(string(pre), "\n", `\n`) }
