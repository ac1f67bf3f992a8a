package demo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/demo"
	"github.com/vigil-trade/vigil/exchange/venues"
)

func TestAccountsReachTheFakes(t *testing.T) {
	ctx := context.Background()
	d, err := demo.Start(ctx, demo.WithSeed(3), demo.WithoutOrders())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	as := d.Accounts()
	names := map[string]demo.Account{}
	for _, a := range as {
		names[a.Name] = a
		if !strings.HasPrefix(a.BaseURL, "http://127.0.0.1:") || !strings.HasPrefix(a.WSURL, "ws://127.0.0.1:") ||
			a.KeyID == "" || a.Secret.IsZero() || len(a.Symbols) != 2 || a.Created.IsZero() || a.Network != "testnet" {
			t.Errorf("%s: incomplete %+v", a.Name, a)
		}
	}
	if len(as) != len(d.Venues()) || names["demo-okx"].Fields["passphrase"].IsZero() ||
		names["demo-binance-ed"].Scheme != "ed25519" || !strings.Contains(string(names["demo-binance-ed"].Secret.Bytes()), "PRIVATE KEY") {
		t.Fatalf("accounts %v", names)
	}
	// The secrets are copies: wiping them leaves the demo's clients signing.
	for _, a := range as {
		a.Wipe()
	}
	for _, v := range d.Venues() {
		if _, err := v.Balances(ctx); err != nil {
			t.Errorf("%s after wiping the copies: %v", v.Info().Name, err)
		}
	}
	if again := d.Accounts(); again[0].Secret.IsZero() {
		t.Fatal("Accounts handed out the demo's own secret")
	}
}

func TestWithAccountsDealsKeysOverTheFakes(t *testing.T) {
	ctx := context.Background()
	d, err := demo.Start(ctx, demo.WithSeed(3), demo.WithoutOrders(), demo.WithAccounts(9))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var names []string
	seen := map[string]bool{}
	for _, a := range d.Accounts() {
		if seen[a.Name] {
			t.Fatalf("account %s twice", a.Name)
		}
		seen[a.Name] = true
		names = append(names, a.Name+"@"+a.Venue)
	}
	// Nine accounts dealt over every listed venue: each venue's own first,
	// each named for its venue (the list grows; the dealing stays).
	if len(names) != 9 {
		t.Fatalf("accounts %s, want 9", strings.Join(names, " "))
	}
	for _, v := range venues.Names() {
		if !seen["demo-"+v] {
			t.Errorf("accounts %s: no demo-%s", strings.Join(names, " "), v)
		}
	}
	for _, n := range names {
		name, venue, _ := strings.Cut(n, "@")
		if !strings.HasPrefix(name, "demo-"+venue) {
			t.Errorf("account %s on %s", name, venue)
		}
	}
	// Each extra key is its own funded account the fake accepts.
	for _, v := range d.Venues() {
		bals, err := v.Balances(ctx)
		if err != nil {
			t.Fatalf("%s: %v", v.Info().Name, err)
		}
		var usdt string
		for _, b := range bals {
			if b.Asset == "USDT" {
				usdt = b.Free.String()
			}
		}
		if usdt != "10000" {
			t.Errorf("%s: USDT %q, want the demo's 10000", v.Info().Name, usdt)
		}
	}
	for _, n := range []int{demo.DefaultAccounts() - 1, demo.MaxAccounts + 1} {
		if _, err := demo.Start(ctx, demo.WithAccounts(n)); err == nil {
			t.Errorf("WithAccounts(%d) started", n)
		}
	}
}
