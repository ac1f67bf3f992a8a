package hyperliquid

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// CauseNetwork is a hash signed for the other network's phantom agent.
const CauseNetwork = "network_source"

// showInputs writes what an action's hash was made of, one input a field,
// so the inputs signed and those rebuilt from the bytes sent can be laid
// side by side: the first field that differs is the cause.
func showInputs(packed []byte, s Suffix, source string) string {
	vault, exp := "none", "none"
	if s.Vault != nil {
		vault = s.Vault.String()
	}
	if s.ExpiresAfter != nil {
		exp = fmt.Sprint(*s.ExpiresAfter)
	}
	h := Keccak256(packed)
	return fmt.Sprintf("action=keccak(msgpack):0x%x nonce=%d vault=%s expiresAfter=%s source=%s", h, s.Nonce, vault, exp, source)
}

// ExplainSignature reads a refusal whose recovered address is not vigil's
// signer. Hyperliquid does not say what it hashed, so the inputs vigil
// signed go beside those rebuilt from the bytes sent, as the venue reads
// them: a field that differs is vigil's fault, named; when they agree, the
// venue hashed something else (the other network, a rewritten body).
func (v replies) ExplainSignature(rep *rest.Reply, ae *exchange.APIError) *rest.SignatureExplanation {
	c := v.c
	if c.wallet == nil || rep.Request == nil || rep.Request.Path != "/exchange" {
		return nil
	}
	var sent struct {
		Action       json.RawMessage `json:"action"`
		Nonce        uint64          `json:"nonce"`
		VaultAddress *string         `json:"vaultAddress"`
		ExpiresAfter *uint64         `json:"expiresAfter"`
	}
	if err := json.Unmarshal(rep.SentBody, &sent); err != nil {
		return nil
	}
	s := Suffix{Nonce: sent.Nonce, ExpiresAfter: sent.ExpiresAfter}
	if sent.VaultAddress != nil {
		if a, err := ParseAddress(*sent.VaultAddress); err == nil {
			s.Vault = &a
		}
	}
	packed, err := PackAction(sent.Action)
	if err != nil {
		return nil
	}
	rebuilt := showInputs(packed, s, Source(c.mainnet))
	ours := string(rep.Prehash)
	x := &rest.SignatureExplanation{Body: redactSignature(rep.SentBody), Prehash: ours, Rebuilt: rebuilt}
	x.Compare("vigil signed", ours, "bytes sent", rebuilt)
	if ours != rebuilt {
		field := fieldAt(ours, x.FirstDiff)
		x.Causes = append(x.Causes, rest.Cause{Code: rest.CauseSignerFault,
			Text: fmt.Sprintf("vigil hashed a %s other than the request carries (%s signed, %s sent): the hash the venue rebuilt differs, so it recovered another address. A fault in vigil's signer, not in the key: do not trade with this build and report it",
				field, valueOf(ours, field), valueOf(rebuilt, field))})
		return x
	}
	other := "mainnet"
	if c.mainnet {
		other = "testnet"
	}
	x.Causes = append(x.Causes,
		rest.Cause{Code: CauseNetwork, Text: fmt.Sprintf("vigil signed for %s (source %q); a host of %s hashes with the other source: check the account's network and rest_url (%s)", c.info.Network, Source(c.mainnet), other, c.base)},
		rest.Cause{Code: rest.CauseBodyRewritten, Text: "a proxy rewrote the body on its way (key order, number form): Hyperliquid hashes the action's msgpack, built from the JSON as it arrives"},
		rest.Cause{Code: rest.CauseOtherBytes, Text: "Hyperliquid's hashing changed from what vigil's vectors pin (a new field in the action): report it with the request above"})
	return x
}

// fieldAt is the name of the field at byte i of a showInputs line.
func fieldAt(line string, i int) string {
	if i < 0 || i > len(line) {
		return "input"
	}
	start := strings.LastIndexByte(line[:i], ' ') + 1
	name, _, _ := strings.Cut(line[start:], "=")
	return name
}

// valueOf is the named field's value in a showInputs line.
func valueOf(line, field string) string {
	for _, kv := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(kv, field+"="); ok {
			return v
		}
	}
	return "?"
}

// redactSignature shows a sent body with its signature left out.
func redactSignature(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	s := string(body)
	if sig, ok := m["signature"]; ok {
		s = strings.Replace(s, string(sig), `"<signature>"`, 1)
	}
	return s
}
