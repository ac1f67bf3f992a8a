package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/coinbase"
	"github.com/vigil-trade/vigil/exchange/coinbase/coinbasetest"
)

// TestKeysAddCoinbasePEM: a CDP key's P-256 private key, a multi-line PEM,
// is read whole from stdin and from an interactive paste, stored as its PEM
// block under scheme es256 (the default), and signs; an Ed25519 key is the
// one line of base64 Coinbase shows; a PEM cut short is refused before
// anything is stored, without the key in the message.
func TestKeysAddCoinbasePEM(t *testing.T) {
	h := newHarness(t)
	h.init()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalECPrivateKey(priv)
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	const name = "organizations/0b1c2d3e-0000-4000-8000-000000000001/apiKeys/7f8e9d0c-0000-4000-8000-000000000002"

	h.mustRun(pemText, []string{pass}, "keys", "add", "--venue", "coinbase", "--label", "cb", "--key-id", name, "--secret-stdin")
	// Pasted on the terminal, line by line up to END.
	lines := strings.Split(strings.TrimSpace(pemText), "\n")
	h.mustRun("", append([]string{pass, name}, lines...), "keys", "add", "--venue", "coinbase", "--label", "cb-pasted")
	for _, label := range []string{"cb", "cb-pasted"} {
		k, ok := h.open().Get(label)
		if !ok || k.Scheme != string(exchange.SchemeES256) || k.KeyID != name || string(k.Secret.Bytes()) != pemText {
			t.Fatalf("%s stored as %+v", label, k)
		}
		key, err := coinbase.ParseKey(k.KeyID, exchange.SchemeES256, k.Secret)
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := key.Token(coinbase.ClaimsAt(name, h.now, ""))
		pt, _ := coinbase.ParseToken(tok)
		if err := pt.Verify(&priv.PublicKey); err != nil {
			t.Fatalf("%s: the stored key signs as another: %v", label, err)
		}
	}

	edID, edKey, _ := coinbasetest.KeyFor("cli", exchange.SchemeEd25519)
	h.mustRun(edKey+"\n", []string{pass}, "keys", "add", "--venue", "coinbase", "--scheme", "ed25519", "--label", "cb-ed", "--key-id", edID, "--secret-stdin")
	h.mustRun("", []string{pass, edID, edKey}, "keys", "add", "--venue", "coinbase", "--scheme", "ed25519", "--label", "cb-ed-pasted")
	for _, label := range []string{"cb-ed", "cb-ed-pasted"} {
		k, _ := h.open().Get(label)
		if k.Scheme != string(exchange.SchemeEd25519) || string(k.Secret.Bytes()) != edKey {
			t.Fatalf("%s stored as %+v", label, k)
		}
		if _, err := coinbase.ParseKey(k.KeyID, exchange.SchemeEd25519, crypto.NewSecret(k.Secret.Bytes())); err != nil {
			t.Fatal(err)
		}
	}

	cut := strings.Join(lines[:2], "\n") + "\n"
	r := h.run(cut, []string{pass}, "keys", "add", "--venue", "coinbase", "--label", "cb-cut", "--key-id", name, "--secret-stdin")
	if r.code != ExitUsage || strings.Contains(r.stderr, lines[1]) {
		t.Fatalf("a PEM cut short: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, ok := h.open().Get("cb-cut"); ok {
		t.Fatal("a PEM cut short was stored")
	}
}
