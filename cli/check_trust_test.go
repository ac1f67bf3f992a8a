package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/venues"
)

// TestCheckReportsTheSignerSelfTest: every account's venue self-test is
// reported with its vector count; with one vector of a venue corrupted,
// that venue's account gets signer_selftest_failed naming the vector and
// check exits 1, while the others still pass. Every listed venue with a
// self-test is covered.
func TestCheckReportsTheSignerSelfTest(t *testing.T) {
	h := newHarness(t)
	ev := h.everyVenueSetup()
	rep, r := h.checkJSON(ev.global...)
	for _, a := range rep.Accounts {
		if !slices.Contains(rest.SelfTestVenues(), a.Venue) {
			// A venue that ships no vectors yet says so.
			if a.Signer.SelfTest != "none" {
				t.Errorf("%s: signer %+v, want none", a.Name, a.Signer)
			}
			continue
		}
		if a.Signer.SelfTest != "passed" || a.Signer.Vectors == 0 {
			t.Errorf("%s: signer %+v, want passed with its vectors (stderr %s)", a.Name, a.Signer, r.stderr)
		}
		if _, bad := codes(checkReport{Accounts: []accountReport{a}})[codeSelfTest]; bad {
			t.Errorf("%s: %s with a sound signer", a.Name, codeSelfTest)
		}
	}
	// The schema: accounts[].signer carries these keys.
	var doc struct {
		Accounts []struct{ Signer map[string]any }
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	for _, a := range doc.Accounts {
		for _, k := range []string{"selftest", "vectors", "failed_vector", "error"} {
			if _, ok := a.Signer[k]; !ok {
				t.Errorf("signer %v: no %q", a.Signer, k)
			}
		}
	}
	text := h.run("", nil, with(ev.global, "check")...)
	if !strings.Contains(text.stdout, "self-test passed:") {
		t.Fatalf("text report lacks the self-test:\n%s", text.stdout)
	}

	for _, venue := range rest.SelfTestVenues() {
		if _, listed := venues.Lookup(venue); !listed {
			continue
		}
		t.Run(venue, func(t *testing.T) {
			restore := rest.CorruptSelfTestVector(venue, "")
			defer restore()
			failed := rest.SelfTest(venue).Err.(*rest.SelfTestError).Vector
			rep, r := h.checkJSON(ev.global...)
			if r.code != ExitDanger || !rep.Danger {
				t.Fatalf("exit %d, danger %v: want 1", r.code, rep.Danger)
			}
			for _, a := range rep.Accounts {
				var p *checkProblem
				for i := range a.Problems {
					if a.Problems[i].Code == codeSelfTest {
						p = &a.Problems[i]
					}
				}
				if a.Venue != venue {
					if p != nil || a.Signer.SelfTest == "failed" {
						t.Errorf("%s: %+v %v: another venue's vector failed it", a.Name, a.Signer, p)
					}
					continue
				}
				if p == nil || p.Severity != sevDanger || !strings.Contains(p.Message, failed) ||
					a.Signer.SelfTest != "failed" || a.Signer.FailedVector != failed {
					t.Fatalf("%s: signer %+v, problems %+v: want %s naming %q", a.Name, a.Signer, a.Problems, codeSelfTest, failed)
				}
				// The refusal to sign is reported once, not again per call.
				if n := len(a.Problems); n != 1 {
					t.Errorf("%s: %d problems %+v, want the self-test's alone", a.Name, n, a.Problems)
				}
			}
			text := h.run("", nil, with(ev.global, "check")...)
			if text.code != ExitDanger || !strings.Contains(text.stdout, "SELF-TEST FAILED on vector \""+failed+"\"") {
				t.Fatalf("text: %d\n%s", text.code, text.stdout)
			}
		})
	}
}

// TestCheckExplainsARefusedSignature: with every signer's prehash changed
// in one byte, check --json explains each refused signature on the fakes of
// the venues that explain theirs: vigil's signer is named as the cause,
// and where the venue echoes what it signed (or vigil rebuilds it from the
// bytes sent) the first differing byte is marked. No secret of the vault
// is in the report.
func TestCheckExplainsARefusedSignature(t *testing.T) {
	h := newHarness(t)
	ev := h.everyVenueSetup()
	for _, v := range rest.SelfTestVenues() {
		rest.SelfTest(v) // before the corruption, which a first self-test would catch
	}
	defer rest.CorruptPrehashes(3)()
	rep, r := h.checkJSON(ev.global...)
	if r.code != ExitDanger {
		t.Fatalf("exit %d", r.code)
	}
	for _, a := range rep.Accounts {
		x := a.SignatureRefused
		switch a.Venue {
		case "binance", "okx", "bybit":
		default:
			continue // explains nothing yet
		}
		if x == nil || len(x.Causes) == 0 || x.Causes[0].Code != rest.CauseSignerFault {
			t.Errorf("%s: signature_refused %+v, want %s first", a.Name, x, rest.CauseSignerFault)
			continue
		}
		if a.Venue != "binance" && x.FirstDiff != 3 {
			t.Errorf("%s: %v first difference at %d, want 3", a.Name, x.Compared, x.FirstDiff)
		}
		if a.Venue == "bybit" && x.Compared[1] != "venue signed" {
			t.Errorf("bybit: compared %v, want Bybit's own signed string", x.Compared)
		}
		if codes(checkReport{Accounts: []accountReport{a}})[codeAuth] != sevDanger {
			t.Errorf("%s: problems %+v", a.Name, a.Problems)
		}
	}
	for name, secrets := range ev.secrets {
		for _, s := range secrets {
			if len(s) >= 4 && strings.Contains(r.stdout, s) {
				t.Errorf("%s: a secret or whole key id in check --json", name)
			}
		}
	}
	text := h.run("", nil, with(ev.global, "check")...)
	if !strings.Contains(text.stdout, "venue signed") || !strings.Contains(text.stdout, "^ first difference, byte 3") || !strings.Contains(text.stdout, "likely cause") {
		t.Fatalf("text report lacks the explanation:\n%s", text.stdout)
	}
}
