package orders

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders/internal/fakevenue"
	"github.com/vigil-trade/vigil/store"
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

// The venues' own patterns, checked independently of the policies.
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

var hexPolicy = exchange.ClientIDPolicy{Field: "cloid", Make: exchange.FormHex128, NoText: true, Also: exchange.Of(exchange.FormHex128)}

func TestCheckClientIDUsesTheAccountsPolicy(t *testing.T) {
	long := exchange.ClientIDPolicy{Field: "orderLinkId", MaxLen: 36, Extra: "_-"}
	for _, tc := range []struct {
		policy exchange.ClientIDPolicy
		id     string
		ok     bool
	}{
		{exchange.ClientIDPolicy{}, "vg0abc", true},
		{exchange.ClientIDPolicy{}, strings.Repeat("a", 33), false},
		{exchange.ClientIDPolicy{}, "0x1234567890abcdef1234567890abcdef", false},
		// A limit wider than the old intersection of venues is this
		// account's to use.
		{long, strings.Repeat("a", 36), true},
		{long, "has-dash_and_underscore", true},
		{long, strings.Repeat("a", 37), false},
		{hexPolicy, "0x1234567890abcdef1234567890abcdef", true},
		{hexPolicy, "vg0abcdefghijklmnopqrstu", false},
	} {
		info := exchange.AccountInfo{Name: "acct1", ClientID: tc.policy}
		err := CheckClientID(info, tc.id)
		if (err == nil) != tc.ok {
			t.Errorf("%s: CheckClientID(%q) = %v, want ok=%v", tc.policy.Field, tc.id, err, tc.ok)
		}
		if err != nil && (!strings.Contains(err.Error(), "acct1") || !strings.Contains(err.Error(), "nothing sent")) {
			t.Errorf("refusal %q does not say the account and that nothing was sent", err)
		}
	}
}

// policyVenue is the fake venue with a client-id policy of its own.
type policyVenue struct {
	*countingVenue
	policy exchange.ClientIDPolicy
}

func (p *policyVenue) Info() exchange.AccountInfo {
	i := p.countingVenue.Info()
	i.ClientID = p.policy
	return i
}

// Under a 0x-hex policy the desk makes a cloid, sends it, and the journal
// keeps it byte for byte, across a reopen; a caller's id in mixed case is
// kept as typed; an id the policy refuses is neither journaled nor sent.
func TestJournalKeepsTheClientIDAsSent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), store.FileName)
	j, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	x := fakevenue.New(nil)
	cv := &countingVenue{Venue: &fakevenue.Venue{X: x, Account: acct}}
	var sent []string
	cv.beforePlace = func(req exchange.OrderRequest) { sent = append(sent, req.ClientID) }
	d := NewDesk(j, map[string]exchange.Venue{acct: &policyVenue{cv, hexPolicy}})
	if _, err := d.Reconcile(ctx, acct); err != nil {
		t.Fatal(err)
	}

	made, err := d.Place(ctx, acct, limit("0.001"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^0x[0-9a-f]{32}$`).MatchString(made.ClientID) {
		t.Fatalf("desk made %q under a 0x-hex policy", made.ClientID)
	}
	typed := "0xAbCdEf0123456789aBcDeF0123456789"
	req := limit("0.002")
	req.ClientID = typed
	if _, err := d.Place(ctx, acct, req); err != nil {
		t.Fatal(err)
	}
	bad := limit("0.003")
	bad.ClientID = "vg0abcdefghijklmnopqrstu"
	if _, err := d.Place(ctx, acct, bad); err == nil || !strings.Contains(err.Error(), "cloid") {
		t.Fatalf("Place with a base36 id under a 0x-hex policy: %v", err)
	}
	if len(sent) != 2 || sent[0] != made.ClientID || sent[1] != typed {
		t.Fatalf("sent %q, want [%s %s]", sent, made.ClientID, typed)
	}
	if _, err := j.Get(acct, bad.ClientID); !errors.Is(err, store.ErrNoIntent) {
		t.Fatalf("refused id journaled: %v", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	j, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for _, id := range sent {
		e, err := j.Get(acct, id)
		if err != nil {
			t.Fatalf("journal after reopen: %v", err)
		}
		if e.ClientID != id || e.Req.ClientID != id {
			t.Fatalf("journal has %q / %q, sent %q", e.ClientID, e.Req.ClientID, id)
		}
	}
	if _, err := j.Get(acct, strings.ToLower(typed)); err == nil {
		t.Fatal("journal found the typed id under another spelling: it normalised what was sent")
	}
}
