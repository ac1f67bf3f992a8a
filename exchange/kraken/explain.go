package kraken

import (
	"strings"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// ExplainSignature reads an EAPI:Invalid signature. Kraken does not echo
// what it signed, so what vigil signed goes beside the prehash rebuilt
// from the bytes sent (path ‖ SHA-256(nonce ‖ body), the nonce read back
// from the body): a signer that signed other bytes than it sent shows
// there; when the two agree, the secret is the likeliest cause.
func (v replies) ExplainSignature(rep *rest.Reply, ae *exchange.APIError) *rest.SignatureExplanation {
	c := v.c
	if c.signer == nil || rep.Request == nil {
		return nil
	}
	nonce := ""
	for _, kv := range strings.Split(string(rep.SentBody), "&") {
		if n, ok := strings.CutPrefix(kv, "nonce="); ok {
			nonce = n
			break
		}
	}
	rebuilt := ShowPrehash(AppendPrehash(nil, rep.Request.Path, nonce, rep.SentBody))
	ours := string(rep.Prehash)
	x := &rest.SignatureExplanation{Query: rep.SentQuery, Body: string(rep.SentBody), Prehash: ours, Rebuilt: rebuilt}
	x.Compare("vigil signed", ours, "bytes sent", rebuilt)
	if ours != rebuilt {
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseSignerFault,
			Text: "vigil signed other bytes than it sent (path + SHA-256 of nonce and body rebuilt from the request differs from the prehash signed): a fault in vigil's signer, not in the key; do not trade with this build and report it"})
		return x
	}
	x.Causes = append(x.Causes,
		rest.Cause{Code: rest.CauseSecret, Text: "the bytes agree, so the secret does not: the private key in the vault does not belong to key " + c.info.KeyID + " (a truncated or stale paste of the base64 text); `vigil keys rotate`"},
		rest.Cause{Code: rest.CauseBodyRewritten, Text: "a proxy changed the form body on its way: Kraken hashes the body byte for byte"})
	return x
}
