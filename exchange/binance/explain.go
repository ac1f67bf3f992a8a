package binance

import (
	"encoding/hex"
	"net/url"
	"strings"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// ExplainSignature reads a -1022. Binance signs the parameters exactly as
// sent (query and body concatenated; vigil sends them in one of the two)
// and does not say what it signed, so vigil takes the parameters it sent,
// signature cut off, as the prehash and checks the signature it sent
// against them: a mismatch is vigil's signer signing other bytes than it
// sent; a match leaves the key (its secret, its type) or a request changed
// on its way, with the causes this request makes possible.
func (v replies) ExplainSignature(rep *rest.Reply, ae *exchange.APIError) *rest.SignatureExplanation {
	c := v.c
	if c.signer == nil {
		return nil
	}
	wire, inBody := rep.SentQuery, false
	if len(rep.SentBody) > 0 {
		wire, inBody = string(rep.SentBody), true
	}
	payload, sig, ok := cutSignature(wire)
	if !ok {
		return nil
	}
	shown := "signature=<signature>"
	if payload != "" {
		shown = payload + "&" + shown
	}
	x := &rest.SignatureExplanation{Query: rep.SentQuery, Body: string(rep.SentBody), Prehash: payload, Rebuilt: payload}
	if inBody {
		x.Body = shown
	} else {
		x.Query = shown
	}
	if want, ok := c.signer.cleanSign([]byte(payload)); ok && want != sig {
		ae.AdviceText = "" // the table's advice blames the key, which is not at fault
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseSignerFault,
			Text: "the signature vigil sent does not sign the parameters it sent: vigil's signer signed other bytes (a fault in vigil, not in the key); do not trade with this build and report it"})
		return x
	}
	switch c.signer.scheme {
	case exchange.SchemeHMAC:
		x.Causes = append(x.Causes,
			rest.Cause{Code: rest.CauseSecret, Text: "vigil's signature matches the parameters it sent, so Binance holds another secret for key " + c.info.KeyID + ": the secret in the vault does not belong to it (a truncated paste, or the API key pasted as the secret); `vigil keys rotate`"},
			rest.Cause{Code: rest.CauseKeyType, Text: "the key is an Ed25519 or RSA key at Binance, configured here as HMAC"})
	default:
		x.Causes = append(x.Causes,
			rest.Cause{Code: rest.CauseSecret, Text: "vigil's signature matches the parameters it sent, so the public key registered for " + c.info.KeyID + " on Binance is not this private key's"},
			rest.Cause{Code: rest.CauseKeyType, Text: "the key is an HMAC key at Binance, configured here as " + string(c.signer.scheme)})
	}
	if strings.Contains(payload, "%") {
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseReencoded,
			Text: "these parameters hold percent-encoded bytes, which a proxy may decode or re-encode: Binance signs them exactly as they arrive"})
	}
	if inBody {
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseBodyAsQuery,
			Text: "a proxy moved the form body into the query, or dropped its Content-Type: Binance signs query and body concatenated"})
	}
	if strings.Count(payload, "&") >= 2 {
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseParamOrder,
			Text: "something between reordered the parameters: Binance signs them in the order they arrive"})
	}
	return x
}

// cutSignature splits sent parameters into those signed and the
// signature (decoded).
func cutSignature(wire string) (payload, sig string, ok bool) {
	const name = "signature="
	i := strings.LastIndex(wire, "&"+name)
	switch {
	case i >= 0:
		payload, sig = wire[:i], wire[i+1+len(name):]
	case strings.HasPrefix(wire, name):
		sig = wire[len(name):]
	default:
		return "", "", false
	}
	sig, err := url.QueryUnescape(sig)
	return payload, sig, err == nil
}

// cleanSign signs payload as Sign does, ignoring a test's corruption of
// the MAC; false for a scheme it cannot sign again.
func (s *Signer) cleanSign(payload []byte) (string, bool) {
	switch s.scheme {
	case exchange.SchemeHMAC:
		return string(s.mac.AppendSumClean(nil, payload, hex.AppendEncode)), true
	case exchange.SchemeEd25519:
		// Ed25519 signatures are deterministic: the same bytes sign alike.
		return string(s.appendEd25519(nil, payload)), true
	}
	return "", false
}
