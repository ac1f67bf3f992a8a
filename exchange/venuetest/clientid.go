package venuetest

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// ClientIDRule checks a venue's client-id policy against the venue's rule
// written independently as a regexp (from its docs): the examples the rule
// accepts pass the policy, those it refuses are refused naming field, the
// two agree on 20k strings near the rule's edges, and New makes ids the
// rule accepts and never repeats.
func ClientIDRule(t *testing.T, p exchange.ClientIDPolicy, rule *regexp.Regexp, field string, good, bad []string) {
	t.Helper()
	for _, id := range good {
		if !rule.MatchString(id) {
			t.Fatalf("example %q breaks the rule: fix the example", id)
		}
		if err := p.Check(id); err != nil {
			t.Errorf("Check(%q) = %v, want accepted", id, err)
		}
	}
	for _, id := range bad {
		if rule.MatchString(id) {
			t.Fatalf("example %q passes the rule: fix the example", id)
		}
		if err := p.Check(id); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Check(%q) = %v, want a refusal naming %s", id, err, field)
		}
	}
	rng := rand.New(rand.NewPCG(13, 13))
	for range 20000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(2) == 0 {
				b[i] = byte(' ' + rng.IntN(95))
			} else {
				b[i] = "azAZ09._-:/"[rng.IntN(11)]
			}
		}
		id := string(b)
		if ok := p.Check(id) == nil; ok != rule.MatchString(id) {
			t.Fatalf("Check(%q) ok=%v, the rule says %v", id, ok, !ok)
		}
	}
	seen := map[string]bool{}
	now := time.Date(2026, 12, 5, 5, 0, 0, 0, time.UTC)
	for range 10000 {
		id := p.New(now)
		if !rule.MatchString(id) || seen[id] {
			t.Fatalf("New made %q: breaks the rule or repeats", id)
		}
		seen[id] = true
	}
}
