package exchange

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// Policies for the venues still to come, written from venues.md §4–§7 and
// venues-wave2.md: examples of what the policy type has to express, each
// checked against the venue's rule written independently as a pattern.
var futurePolicies = []struct {
	name   string
	policy ClientIDPolicy
	rule   *regexp.Regexp
	good   []string
	bad    []string
}{
	{
		// cl_ord_id: a long UUID (36 with dashes), a short one (32 hex), or
		// free ASCII text of up to 18 characters.
		name:   "decaying-counter venue (cl_ord_id)",
		policy: ClientIDPolicy{Field: "cl_ord_id", Make: FormUUID, MaxLen: 18, Printable: true, Also: Of(FormUUID, FormShortUUID)},
		rule:   regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}|[!-~]{1,18})$`),
		good:   []string{"0835958d-c526-4ad8-aea8-af54836de47e", "0835958dc5264ad8aea8af54836de47e", "my-order-1", strings.Repeat("x", 18)},
		bad:    []string{"", strings.Repeat("x", 19), "vg0abcdefghijklmnopqrstu", "0835958d-c526-4ad8-aea8-af54836de47", "has space"},
	},
	{
		// client_order_id: any string; re-sending one returns the order it
		// made (idempotent). Length is undocumented: UUIDs, as others send.
		name:   "JWT venue (client_order_id)",
		policy: ClientIDPolicy{Field: "client_order_id", Make: FormUUID, MaxLen: 64, Printable: true},
		rule:   regexp.MustCompile(`^[!-~]{1,64}$`),
		good:   []string{"ccxt-853bb1f7-2cd4-4d1e-9f2b-8a4b7d1f0e11", "0835958d-c526-4ad8-aea8-af54836de47e", "x"},
		bad:    []string{"", "a b", strings.Repeat("y", 65)},
	},
	{
		// label: at most 64 characters, not unique (vigil's ids are).
		name:   "credits venue (label)",
		policy: ClientIDPolicy{Field: "label", MaxLen: 64, Printable: true},
		rule:   regexp.MustCompile(`^[!-~]{1,64}$`),
		good:   []string{"vg0abcdefghijklmnopqrstu", "strategy:grid/7", strings.Repeat("z", 64)},
		bad:    []string{"", strings.Repeat("z", 65), "tab\there"},
	},
	{
		// cloid: 128 bits as 0x and 32 hex digits, nothing else.
		name:   "wallet venue (cloid)",
		policy: ClientIDPolicy{Field: "cloid", Make: FormHex128, NoText: true, Also: Of(FormHex128)},
		rule:   regexp.MustCompile(`^0x[0-9a-fA-F]{32}$`),
		good:   []string{"0x1234567890abcdef1234567890abcdef", "0x00000000000000000000000000000001"},
		bad:    []string{"1234567890abcdef1234567890abcdef", "0x1234", "0x1234567890abcdef1234567890abcdeg", "vg0abcdefghijklmnopqrstu", ""},
	},
}

func TestClientIDPolicyFutureVenues(t *testing.T) {
	for _, v := range futurePolicies {
		t.Run(v.name, func(t *testing.T) {
			for _, id := range v.good {
				if !v.rule.MatchString(id) {
					t.Fatalf("example %q breaks the venue's own rule: fix the example", id)
				}
				if err := v.policy.Check(id); err != nil {
					t.Errorf("Check(%q) = %v, want accepted", id, err)
				}
			}
			for _, id := range v.bad {
				if v.rule.MatchString(id) {
					t.Fatalf("example %q passes the venue's own rule: fix the example", id)
				}
				err := v.policy.Check(id)
				if err == nil {
					t.Errorf("Check(%q) accepted, want refused", id)
				} else if !strings.Contains(err.Error(), v.policy.Field) {
					t.Errorf("Check(%q) = %v: does not name the venue's field", id, err)
				}
			}
			checkMade(t, v.policy, v.rule)
		})
	}
}

// checkMade makes many ids in one millisecond and some across time: all
// pass the policy and the venue's rule, and none repeats.
func checkMade(t *testing.T, p ClientIDPolicy, rule *regexp.Regexp) {
	t.Helper()
	seen := map[string]bool{}
	now := time.Date(2026, 12, 5, 5, 0, 0, 0, time.UTC)
	for i := range 20000 {
		id := p.New(now.Add(time.Duration(i/5000) * time.Hour))
		if err := p.Check(id); err != nil {
			t.Fatalf("New made %q: %v", id, err)
		}
		if !rule.MatchString(id) {
			t.Fatalf("New made %q, which the venue's rule refuses", id)
		}
		if seen[id] {
			t.Fatalf("New made %q twice", id)
		}
		seen[id] = true
	}
}

// The zero policy is vigil's id of before there were policies: 24
// characters of base36 starting "vg", checked as 1-32 letters and digits.
func TestClientIDPolicyZero(t *testing.T) {
	var p ClientIDPolicy
	checkMade(t, p, regexp.MustCompile(`^vg[0-9a-z]{22}$`))
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"vg0abc", true},
		{strings.Repeat("a", 32), true},
		{strings.Repeat("A", 32), true},
		{strings.Repeat("a", 33), false},
		{"", false},
		{"has-dash", false},
		{"x_y", false},
		{"spa ce", false},
		{"0x1234567890abcdef1234567890abcdef", false},
	} {
		if err := p.Check(tc.id); (err == nil) != tc.ok {
			t.Errorf("Check(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
	}
	if got := p.Rule(); got != "1-32 letters and digits" {
		t.Errorf("Rule() = %q", got)
	}
}

func TestClientIDPolicyForms(t *testing.T) {
	now := time.Date(2026, 12, 5, 5, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		p    ClientIDPolicy
		rule string
	}{
		{ClientIDPolicy{Make: FormUUID, MaxLen: 36, Extra: "-"}, `^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`},
		{ClientIDPolicy{Make: FormShortUUID}, `^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$`},
		{ClientIDPolicy{Make: FormHex128, NoText: true, Also: Of(FormHex128)}, `^0x[0-9a-f]{32}$`},
		{ClientIDPolicy{Len: 36, MaxLen: 36}, `^vg[0-9a-z]{34}$`},
		{ClientIDPolicy{Len: 10, MaxLen: 20}, `^vg[0-9a-z]{18}$`}, // raised to 20
	} {
		checkMade(t, tc.p, regexp.MustCompile(tc.rule))
	}
	// A UUID's and a hex id's leading digits are the millisecond: ids sort
	// by when they were made, which keeps journal listings in order.
	p := ClientIDPolicy{Make: FormHex128, NoText: true, Also: Of(FormHex128)}
	if a, b := p.New(now), p.New(now.Add(time.Millisecond)); a[:14] >= b[:14] {
		t.Errorf("%s made before %s", b, a)
	}
}

func TestClientIDPolicyRuleWords(t *testing.T) {
	for _, tc := range []struct {
		p    ClientIDPolicy
		want string
	}{
		{ClientIDPolicy{MaxLen: 36, Extra: ".:/_-"}, "1-36 letters, digits and . : / _ -"},
		{ClientIDPolicy{NoText: true, Also: Of(FormHex128)}, "0x and 32 hex digits"},
		{ClientIDPolicy{MaxLen: 18, Printable: true, Also: Of(FormUUID, FormShortUUID)},
			"a UUID (36 characters with dashes), 32 hex digits or 1-18 printable ASCII characters (no space)"},
	} {
		if got := tc.p.Rule(); got != tc.want {
			t.Errorf("Rule() = %q, want %q", got, tc.want)
		}
		err := tc.p.Check("\x00")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check refusal %v does not say the rule %q", err, tc.want)
		}
	}
}

// TestClientIDTime: every form New makes gives back its millisecond; an
// id vigil did not make gives nothing.
func TestClientIDTime(t *testing.T) {
	at := time.UnixMilli(1_796_000_123_456)
	for _, p := range []ClientIDPolicy{{}, {Make: FormUUID}, {Make: FormShortUUID}, {Make: FormHex128}} {
		id := p.New(at)
		got, ok := ClientIDTime(id)
		if !ok || !got.Equal(at) {
			t.Errorf("%q: %v %v, want %v", id, got, ok, at)
		}
	}
	for _, id := range []string{"", "my-order-1", "0835958d-c526-4ad8-aea8-af54836de47e", "vg!!!!!!!!!x"} {
		if got, ok := ClientIDTime(id); ok {
			t.Errorf("%q read as made at %v", id, got)
		}
	}
}
