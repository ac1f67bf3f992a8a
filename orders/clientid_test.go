package orders

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

func TestNewClientIDValidEverywhereAndUnique(t *testing.T) {
	const n = 100_000
	seen := make(map[string]struct{}, n)
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		// Many in the same millisecond: uniqueness must come from the
		// random part, not the clock.
		id := exchange.NewClientID(now.Add(time.Duration(i/1000) * time.Millisecond))
		if err := ValidClientID(id); err != nil {
			t.Fatal(err)
		}
		if _, dup := seen[id]; dup {
			t.Fatalf("duplicate client id %s after %d", id, i)
		}
		seen[id] = struct{}{}
	}
}

func TestValidClientIDRules(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"vg0abc", true},
		{strings.Repeat("a", 32), true},
		{strings.Repeat("a", 33), false}, // OKX
		{"", false},
		{"has-dash", false}, // Binance yes, OKX no
		{"x_y", false},
		{"spa ce", false},
	} {
		if err := ValidClientID(tc.id); (err == nil) != tc.ok {
			t.Errorf("ValidClientID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
	}
}

// The venues' own patterns, checked independently of ValidClientID.
var (
	binancePattern = regexp.MustCompile(`^[.A-Z:/a-z0-9_-]{1,36}$`)
	okxPattern     = regexp.MustCompile(`^[A-Za-z0-9]{1,32}$`)
)

func TestNewClientIDMatchesVenuePatterns(t *testing.T) {
	for range 1000 {
		id := exchange.NewClientID(time.Now())
		if !binancePattern.MatchString(id) || !okxPattern.MatchString(id) || len(id) > 36 {
			t.Fatalf("%q breaks a venue pattern", id)
		}
	}
}
