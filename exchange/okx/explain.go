package okx

import (
	"encoding/base64"
	"strings"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// AppendPrehash appends what OKX signs: ts + method + requestPath + body
// (see AppendSign). It holds no secret.
func (s *Signer) AppendPrehash(dst []byte, ts, method, requestPath string, body []byte) []byte {
	dst = append(dst, ts...)
	dst = append(dst, method...)
	dst = append(dst, requestPath...)
	return append(dst, body...)
}

// ExplainSignature reads a 50113. OKX does not say what it signed, so
// vigil rebuilds the prehash from the bytes it sent, as OKX does, and
// checks the signature it sent against them: a mismatch is vigil's signer
// signing other bytes than it sent; a match leaves the secret, or the
// request changed on its way.
func (v replies) ExplainSignature(rep *rest.Reply, ae *exchange.APIError) *rest.SignatureExplanation {
	c := v.c
	if c.signer == nil {
		return nil
	}
	rp := rep.Request.Path
	if rep.SentQuery != "" {
		rp += "?" + rep.SentQuery
	}
	method := rep.Request.Method
	rebuilt := c.signer.AppendPrehash(nil, rep.SentHeader.Get(HeaderTimestamp), method, rp, rep.SentBody)
	x := &rest.SignatureExplanation{Query: rep.SentQuery, Body: string(rep.SentBody),
		Prehash: string(rep.Prehash), Rebuilt: string(rebuilt)}
	if x.Prehash == "" {
		x.Prehash = x.Rebuilt
	}
	x.Compare("vigil signed", x.Prehash, "bytes sent", x.Rebuilt)
	resigned := string(c.signer.mac.AppendSumClean(nil, rebuilt, base64.StdEncoding.AppendEncode))
	if x.FirstDiff >= 0 || resigned != rep.SentHeader.Get(HeaderSign) {
		ae.AdviceText = "" // the table's advice blames the key, which is not at fault
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseSignerFault,
			Text: "vigil signed other bytes than it sent (the signature sent does not match timestamp + method + path?query + body as sent): a fault in vigil's signer, not in the key; do not trade with this build and report it"})
		return x
	}
	x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseSecret,
		Text: "vigil's signature matches the bytes it sent, so OKX holds another secret for key " + c.info.KeyID + ": the API secret in the vault does not belong to it (a truncated or stale paste); `vigil keys rotate`"})
	if strings.ContainsAny(rep.SentQuery, "%,") {
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseReencoded,
			Text: "this query holds percent-encoded or list bytes: OKX signs the path with its query exactly as it arrives, and a proxy that re-encodes them breaks the signature"})
	}
	if len(rep.SentBody) > 0 {
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseBodyRewritten,
			Text: "a proxy re-serialized the JSON body (spacing, key order): OKX signs the body byte for byte"})
	}
	// Not the passphrase: OKX refuses a wrong one as 50105, before the
	// signature, so it is not offered as a cause of 50113.
	return x
}
