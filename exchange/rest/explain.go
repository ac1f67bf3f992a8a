package rest

import (
	"fmt"
	"strings"

	"github.com/vigil-trade/vigil/exchange"
)

// SignatureExplainer is implemented by a Replies that can say why the
// venue refused a signature: what vigil signed (the prehash; never a
// secret), the request as sent (signature and secrets left out), what the
// venue says it signed when it echoes it, and the causes that fit this
// venue and this request, the likeliest first. The path calls it on a
// refusal of exchange.KindSignature.
type SignatureExplainer interface {
	ExplainSignature(rep *Reply, ae *exchange.APIError) *SignatureExplanation
}

// SignatureExplanation is why a venue refused a signature, as far as vigil
// can tell from its side. Nothing in it is a secret or a signature; a key
// id in a prehash is masked.
type SignatureExplanation struct {
	Venue  string `json:"venue"`
	Code   string `json:"code"`
	Method string `json:"method"`
	Path   string `json:"path"`
	// Query and Body are as sent, the signature replaced by "<signature>".
	Query string `json:"query"`
	Body  string `json:"body"`
	// Prehash is exactly what vigil signed.
	Prehash string `json:"prehash"`
	// Rebuilt is the prehash rebuilt from the bytes sent, as the venue
	// rebuilds it; it differs from Prehash only when vigil signed other
	// bytes than it sent.
	Rebuilt string `json:"rebuilt"`
	// VenueSigned is what the venue says it signed, when it says ("").
	VenueSigned string `json:"venue_signed"`
	// Compared names the two strings side by side ("vigil signed" and
	// "venue signed", or "vigil signed" and "bytes sent"); FirstDiff is
	// the first byte where they differ (-1: identical, or nothing to
	// compare).
	Compared  [2]string `json:"compared"`
	FirstDiff int       `json:"first_diff"`
	// Causes fit this venue and this request, the likeliest first.
	Causes []Cause `json:"causes"`
}

// Cause is one possible reason for a refused signature.
type Cause struct {
	// Code: signer_fault, secret_mismatch, key_type, query_reencoded,
	// param_order, body_as_query, body_rewritten, passphrase, venue_saw_other_bytes.
	Code string `json:"code"`
	Text string `json:"text"`
}

// Cause codes.
const (
	CauseSignerFault   = "signer_fault"
	CauseSecret        = "secret_mismatch"
	CauseKeyType       = "key_type"
	CauseReencoded     = "query_reencoded"
	CauseParamOrder    = "param_order"
	CauseBodyAsQuery   = "body_as_query"
	CauseBodyRewritten = "body_rewritten"
	CausePassphrase    = "passphrase"
	CauseOtherBytes    = "venue_saw_other_bytes"
)

// SignatureError is a refused signature with its explanation. It unwraps
// to the venue's *exchange.APIError, whose advice carries the explanation
// in one paragraph.
type SignatureError struct {
	*exchange.APIError
	Explanation *SignatureExplanation
}

func (e *SignatureError) Unwrap() error { return e.APIError }

// explainSignature wraps a refused signature with the venue's explanation;
// any other error passes unchanged.
func (p *Path) explainSignature(rep *Reply, ref *Refusal, err error) error {
	if p.signatures == nil || ref.Kind != exchange.KindSignature || err != error(ref.APIError) {
		return err
	}
	x := p.signatures.ExplainSignature(rep, ref.APIError)
	if x == nil {
		return err
	}
	x.Venue, x.Code = ref.APIError.Venue, ref.Code
	if x.Method == "" {
		x.Method, x.Path = rep.Request.Method, rep.Request.Path
	}
	if x.Causes == nil {
		x.Causes = []Cause{}
	}
	if s := x.Summary(); ref.AdviceText == "" {
		ref.AdviceText = s
	} else {
		ref.AdviceText = strings.TrimRight(ref.AdviceText, " .") + ". " + s
	}
	return &SignatureError{APIError: ref.APIError, Explanation: x}
}

// Compare fills Compared and FirstDiff for a and b side by side.
func (x *SignatureExplanation) Compare(aName, a, bName, b string) {
	x.Compared = [2]string{aName, bName}
	x.FirstDiff = FirstDiff(a, b)
}

// FirstDiff is the first byte where a and b differ, -1 when equal.
func FirstDiff(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return n
	}
	return -1
}

// pair returns the two strings Compared names.
func (x *SignatureExplanation) pair() (string, string) {
	b := x.VenueSigned
	if x.Compared[1] == "bytes sent" {
		b = x.Rebuilt
	}
	return x.Prehash, b
}

// Summary is the explanation in one paragraph, for an Events line.
func (x *SignatureExplanation) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "vigil signed %q", excerpt(x.Prehash, max(x.FirstDiff, 0)))
	sent := x.Method + " " + x.Path
	if x.Query != "" {
		sent += "?" + x.Query
	}
	if x.Body != "" {
		sent += " body " + x.Body
	}
	fmt.Fprintf(&b, " and sent %q", excerpt(sent, 0))
	if x.FirstDiff >= 0 && x.Compared[0] != "" {
		a, o := x.pair()
		fmt.Fprintf(&b, "; %s %q, first difference at byte %d (%s vs %s)", x.Compared[1], excerpt(o, x.FirstDiff), x.FirstDiff, byteAt(a, x.FirstDiff), byteAt(o, x.FirstDiff))
	} else if x.Compared[0] != "" {
		fmt.Fprintf(&b, "; %s: identical", x.Compared[1])
	}
	for i, c := range x.Causes {
		if i == 0 {
			b.WriteString(". Likely: ")
		} else if i == 1 {
			b.WriteString(" Also possible: ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(c.Text)
	}
	return b.String()
}

// Lines is the explanation for a terminal: the strings side by side with
// a caret under the first differing byte, then the causes.
func (x *SignatureExplanation) Lines() []string {
	sent := x.Method + " " + x.Path
	if x.Query != "" {
		sent += "?" + x.Query
	}
	out := []string{"sent          " + sent}
	if x.Body != "" {
		out = append(out, "body          "+x.Body)
	}
	a, o := x.pair()
	switch {
	case x.Compared[0] == "":
		out = append(out, "vigil signed  "+quoteWindow(a, 0))
	case x.FirstDiff < 0:
		out = append(out, fmt.Sprintf("%-13s %s", x.Compared[0], quoteWindow(a, 0)),
			fmt.Sprintf("%-13s %s (identical)", x.Compared[1], quoteWindow(o, 0)))
	default:
		out = append(out, fmt.Sprintf("%-13s %s", x.Compared[0], quoteWindow(a, x.FirstDiff)),
			fmt.Sprintf("%-13s %s", x.Compared[1], quoteWindow(o, x.FirstDiff)),
			fmt.Sprintf("%-13s %s^ first difference, byte %d (%s vs %s)", "", strings.Repeat(" ", caretAt(x.FirstDiff)),
				x.FirstDiff, byteAt(a, x.FirstDiff), byteAt(o, x.FirstDiff)))
	}
	for i, c := range x.Causes {
		tag := "also possible "
		if i == 0 {
			tag = "likely cause  "
		}
		out = append(out, tag+c.Text)
	}
	return out
}

const window = 40

// excerpt quotes s around byte i, at most window bytes each side.
func excerpt(s string, i int) string {
	from, to := max(i-window, 0), min(i+window, len(s))
	e := s[from:to]
	if from > 0 {
		e = "…" + e
	}
	if to < len(s) {
		e += "…"
	}
	return strings.ToValidUTF8(e, "?")
}

// quoteWindow is excerpt in quotes; caretAt is where byte i of s falls in
// it, in cells (the bytes around are ASCII in every venue's prehash).
func quoteWindow(s string, i int) string { return "«" + excerpt(s, i) + "»" }

func caretAt(i int) int {
	n := 1 + i - max(i-window, 0) // the opening quote, then the bytes before
	if i-window > 0 {
		n++ // the ellipsis
	}
	return n
}

func byteAt(s string, i int) string {
	if i >= len(s) {
		return "end"
	}
	return fmt.Sprintf("%q", s[i:i+1])
}

// MaskIn hides all but the last four characters of id wherever it appears
// in s, keeping the length.
func MaskIn(s, id string) string {
	if len(id) <= 4 {
		return s
	}
	return strings.ReplaceAll(s, id, strings.Repeat("*", len(id)-4)+id[len(id)-4:])
}
