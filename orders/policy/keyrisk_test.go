package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

func TestKeyRisks(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	clean := exchange.KeyInfo{Read: exchange.TriYes, Trade: exchange.TriYes, Withdraw: exchange.TriNo, IPBound: exchange.TriYes}
	main := exchange.AccountInfo{Name: "m", Venue: "kestrel", Network: exchange.Mainnet}
	test := exchange.AccountInfo{Name: "t", Venue: "kestrel", Network: exchange.Testnet}
	with := func(f func(*exchange.KeyInfo)) exchange.KeyInfo { k := clean; f(&k); return k }
	for _, tc := range []struct {
		name string
		ki   exchange.KeyInfo
		info exchange.AccountInfo
		want string // code:level, dangers first
	}{
		{"clean", clean, main, ""},
		{"withdraw", with(func(k *exchange.KeyInfo) { k.Withdraw = exchange.TriYes }), test, "withdraw_enabled:danger"},
		{"withdraw unknown on mainnet", with(func(k *exchange.KeyInfo) { k.Withdraw = exchange.TriUnknown }), main, "withdraw_unknown:warning"},
		{"withdraw unknown on testnet", with(func(k *exchange.KeyInfo) { k.Withdraw = exchange.TriUnknown }), test, ""},
		{"unbound on mainnet", with(func(k *exchange.KeyInfo) { k.IPBound = exchange.TriNo }), main, "ip_unbound:warning"},
		{"unbound on testnet", with(func(k *exchange.KeyInfo) { k.IPBound = exchange.TriNo }), test, ""},
		{"expires in 13 days", with(func(k *exchange.KeyInfo) { k.Expires = now.Add(13 * day) }), test, "key_expiring:warning"},
		{"expires in 15 days", with(func(k *exchange.KeyInfo) { k.Expires = now.Add(15 * day) }), test, ""},
		{"expired", with(func(k *exchange.KeyInfo) { k.Expires = now.Add(-time.Hour) }), test, "key_expired:danger"},
		{"old by the venue", with(func(k *exchange.KeyInfo) { k.Created = now.Add(-91 * day) }), test, "key_old:warning"},
		{"old by the vault", clean, exchange.AccountInfo{Network: exchange.Testnet, KeyCreated: now.Add(-100 * day)}, "key_old:warning"},
		{"dangers first", with(func(k *exchange.KeyInfo) {
			k.IPBound, k.Expires, k.Withdraw = exchange.TriNo, now.Add(-day), exchange.TriYes
		}), main, "withdraw_enabled:danger,key_expired:danger,ip_unbound:warning"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range KeyRisks(tc.ki, tc.info, now) {
				got = append(got, r.Code+":"+r.Level.String())
				if r.Word == "" || r.Message == "" || r.Advice == "" {
					t.Errorf("%s is not worded: %+v", r.Code, r)
				}
			}
			if s := strings.Join(got, ","); s != tc.want {
				t.Fatalf("got %q, want %q", s, tc.want)
			}
		})
	}
	r := KeyRisks(with(func(k *exchange.KeyInfo) { k.Expires = now.Add(5*day + 3*time.Hour) }), test, now)
	if len(r) != 1 || r[0].Word != "expires in 5d03h" || !strings.Contains(r[0].Message, "expires in 5d03h (2026-12-10)") {
		t.Fatalf("expiry wording: %+v", r)
	}
}
