package cli

import (
	"errors"
	"fmt"

	"github.com/vigil-trade/vigil/exchange/rest"
)

// Problem codes of the trust checks (issue 19), part of the JSON schema.
const (
	codeSelfTest         = "signer_selftest_failed"
	codeSignatureRefused = "signature_refused"
)

// signerReport is the account's venue signer self-test, in the JSON schema
// as "signer".
type signerReport struct {
	// SelfTest is "passed", "failed", or "none" for a venue that ships no
	// vectors.
	SelfTest     string `json:"selftest"`
	Vectors      int    `json:"vectors"` // vectors run
	FailedVector string `json:"failed_vector"`
	Error        string `json:"error"`
}

// signerCheck runs (or reads the result of) the venue's self-test, which
// the process runs once before its first signature for the venue.
func signerCheck(venue string) (signerReport, *checkProblem) {
	rep := rest.SelfTest(venue)
	switch {
	case !rep.Registered:
		return signerReport{SelfTest: "none"}, nil
	case rep.Err == nil:
		return signerReport{SelfTest: "passed", Vectors: rep.Ran}, nil
	}
	r := signerReport{SelfTest: "failed", Vectors: rep.Ran, Error: rep.Err.Error()}
	p := &checkProblem{Severity: sevDanger, Code: codeSelfTest, Message: rep.Err.Error(),
		Advice: "this build of vigil signs differently from what the venue documents: it signs nothing for the venue; reinstall a released build and report the vector named"}
	var ste *rest.SelfTestError
	if errors.As(rep.Err, &ste) {
		r.FailedVector = ste.Vector
		p.Message = fmt.Sprintf("%s signer self-test failed on vector %q: vigil signs nothing for %s", venue, ste.Vector, venue)
		p.Advice = ste.Advice()
	}
	return r, p
}

// selfTestRefusal reports err as the self-test's refusal to sign, which
// signerCheck has already reported.
func selfTestRefusal(err error) bool {
	var ste *rest.SelfTestError
	return errors.As(err, &ste)
}

// signatureExplained is a refused signature's explanation, if err is one.
func signatureExplained(err error) *rest.SignatureExplanation {
	var se *rest.SignatureError
	if errors.As(err, &se) {
		return se.Explanation
	}
	return nil
}
