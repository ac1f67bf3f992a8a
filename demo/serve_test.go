package demo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/demo"
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
	if len(as) != len(d.Venues()) || names[demo.OKXAccount].Passphrase.IsZero() ||
		names[demo.BinanceEd25519].Scheme != "ed25519" || !strings.Contains(string(names[demo.BinanceEd25519].Secret.Bytes()), "PRIVATE KEY") {
		t.Fatalf("accounts %v", names)
	}
	// The secrets are copies: wiping them leaves the demo's clients signing.
	for _, a := range as {
		a.Secret.Wipe()
		a.Passphrase.Wipe()
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
