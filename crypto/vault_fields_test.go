package crypto

import (
	"strings"
	"testing"
)

// Vaults written before named fields kept an OKX passphrase as "passphrase":
// it reads as the field of that name, and is written back as a field.
func TestVaultReadsLegacyPassphraseAsField(t *testing.T) {
	legacy := `{"version":1,"keys":[{"label":"o","venue":"okx","scheme":"hmac","key_id":"id","secret":"c2VjcmV0","passphrase":"cGFzcw==","created":"2026-01-01T00:00:00Z","rotated":"0001-01-01T00:00:00Z"}]}`
	v, err := unmarshalVault([]byte(legacy))
	if err != nil {
		t.Fatal(err)
	}
	k, _ := v.Get("o")
	if string(k.Field("passphrase").Bytes()) != "pass" || string(k.Secret.Bytes()) != "secret" {
		t.Fatalf("key %+v", k)
	}
	out := v.marshal()
	text := string(out.b)
	if !strings.Contains(text, `"fields":{"passphrase":"cGFzcw=="}`) || strings.Contains(text, `"passphrase":"cGFzcw==","created"`) {
		t.Fatalf("written as %s", text)
	}
	again, err := unmarshalVault(out.b)
	if err != nil {
		t.Fatal(err)
	}
	if k2, _ := again.Get("o"); string(k2.Field("passphrase").Bytes()) != "pass" {
		t.Fatal("field lost on the round trip")
	}
}

// Fields are written in name order, so saving twice gives the same bytes,
// and every field is wiped with the key.
func TestVaultFieldsStableAndWiped(t *testing.T) {
	v := &Vault{}
	k := Key{Label: "x", Venue: "v", Scheme: "hmac", KeyID: "id", Secret: NewSecret([]byte("s")),
		Fields: map[string]Secret{"zeta": NewSecret([]byte("z")), "alpha": NewSecret([]byte("a")), "mid": NewSecret([]byte("m"))}}
	if err := v.Add(k); err != nil {
		t.Fatal(err)
	}
	first := string(v.marshal().b)
	for range 20 {
		if got := string(v.marshal().b); got != first {
			t.Fatalf("unstable: %s vs %s", got, first)
		}
	}
	if i, j, l := strings.Index(first, `"alpha"`), strings.Index(first, `"mid"`), strings.Index(first, `"zeta"`); !(i < j && j < l) {
		t.Fatalf("not in name order: %s", first)
	}
	v.Wipe()
	for name, f := range k.Fields {
		if !f.IsZero() {
			t.Errorf("field %s survived Wipe", name)
		}
	}
}
