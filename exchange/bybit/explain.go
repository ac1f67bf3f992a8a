package bybit

import (
	"strings"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// ExplainSignature reads a 10004: Bybit echoes the string it signed
// (origin_string[...]), which goes beside what vigil signed, and both
// beside the prehash rebuilt from the bytes sent, so the explanation can
// tell a signer that signed other bytes than it sent, a request changed on
// its way, and a secret that does not belong to the key apart.
func (v replies) ExplainSignature(rep *rest.Reply, ae *exchange.APIError) *rest.SignatureExplanation {
	c := v.c
	if c.signer == nil {
		return nil
	}
	key := c.signer.keyID
	payload := []byte(rep.SentQuery)
	if rep.SentBody != nil {
		payload = rep.SentBody
	}
	rebuilt := string(c.signer.AppendPrehash(nil, rep.SentHeader.Get(HeaderTimestamp), rep.SentHeader.Get(HeaderRecvWindow), payload))
	ours := string(rep.Prehash)
	theirs, echoed := originString(ae.Msg)
	// Bybit's message quotes the whole key id; vigil shows key ids masked.
	ae.Msg = rest.MaskIn(ae.Msg, key)
	x := &rest.SignatureExplanation{Query: rep.SentQuery, Body: string(rep.SentBody),
		Prehash: rest.MaskIn(ours, key), Rebuilt: rest.MaskIn(rebuilt, key)}
	if echoed {
		x.VenueSigned = rest.MaskIn(theirs, key)
		x.Compare("vigil signed", x.Prehash, "venue signed", x.VenueSigned)
	} else {
		x.Compare("vigil signed", x.Prehash, "bytes sent", x.Rebuilt)
	}
	switch {
	case ours != rebuilt:
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseSignerFault,
			Text: "vigil signed other bytes than it sent (timestamp + key + recv window + payload rebuilt from the request differs from the prehash signed): a fault in vigil's signer, not in the key; do not trade with this build and report it"})
	case echoed && theirs != ours:
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseOtherBytes,
			Text: "Bybit signed other bytes than vigil sent: something between (a proxy, a gateway) changed the request on its way"})
		if strings.Contains(rep.SentQuery, "%") || strings.Contains(rep.SentQuery, ",") {
			x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseReencoded,
				Text: "this query holds percent-encoded or list bytes, which a proxy may re-encode: Bybit signs the query exactly as it arrives"})
		}
		if rep.SentBody != nil {
			x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseBodyRewritten,
				Text: "a proxy re-serialized the JSON body (spacing, key order): Bybit signs the body byte for byte"})
		}
	default:
		x.Causes = append(x.Causes,
			rest.Cause{Code: rest.CauseSecret, Text: "the bytes agree, so the secret does not: the API secret in the vault does not belong to key " + c.info.KeyID + " (a truncated or stale paste); `vigil keys rotate`"},
			rest.Cause{Code: rest.CauseKeyType, Text: "the key is an RSA key at Bybit; vigil signs with system-generated HMAC keys only"})
	}
	return x
}
