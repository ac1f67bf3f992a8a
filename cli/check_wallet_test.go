package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/hyperliquid/hyperliquidtest"
)

// TestCheckWalletKeys: on a venue where a key is a wallet, check flags the
// account's own wallet as the withdraw danger (it signs transfers and
// withdrawals) and passes an approved agent, which cannot withdraw; both
// reports name the signer vigil derived.
func TestCheckWalletKeys(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := hyperliquidtest.NewServer()
	t.Cleanup(srv.Close)
	master, agent := hyperliquidtest.KitKey("check master"), hyperliquidtest.KitKey("check agent")
	account := hyperliquidtest.Address(master)
	srv.AddAccount(hyperliquidtest.DefaultAccount, account)
	srv.ApproveAgent(hyperliquidtest.DefaultAccount, hyperliquidtest.Address(agent), "vigil", srv.Sim().Now().AddDate(0, 3, 0))
	if err := srv.Sim().Deposit(hyperliquidtest.DefaultAccount, "USDC", decimal.NewFromInt(1000)); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(h.home, "wallet")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	v := &crypto.Vault{WorkFactor: 2}
	toml := `vault = "` + filepath.Join(dir, "vault.age") + `"
`
	for label, key := range map[string]string{"agent": agent, "master": master} {
		if err := v.Add(crypto.Key{Label: label, Venue: "hyperliquid", Scheme: "secp256k1", KeyID: account,
			Secret: crypto.NewSecret([]byte(key)), Created: h.now.Add(-24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		toml += `
[[accounts]]
name = "` + label + `"
venue = "hyperliquid"
network = "testnet"
key = "` + label + `"
rest_url = "` + srv.URL + `"
`
	}
	if err := v.Save(filepath.Join(dir, "vault.age"), []byte(pass)); err != nil {
		t.Fatal(err)
	}
	pf := filepath.Join(dir, "pass")
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(pf, []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", cfg, "--passphrase-file", pf}

	rep, r := h.checkJSON(args...)
	if r.code != ExitDanger {
		t.Fatalf("exit %d, want danger for the account's own wallet\n%s", r.code, r.stdout)
	}
	for _, a := range rep.Accounts {
		c := codes(checkReport{Accounts: []accountReport{a}})
		notes := strings.Join(a.Key.Notes, "\n")
		switch a.Name {
		case "master":
			if c[codeWithdraw] != sevDanger || a.Key.Withdraw != "yes" || !strings.Contains(notes, "OWN wallet") ||
				!strings.Contains(notes, "Authorize API Wallet") {
				t.Errorf("master: problems %v, key %+v", a.Problems, a.Key)
			}
		case "agent":
			for _, p := range a.Problems {
				if p.Severity == sevDanger {
					t.Errorf("agent: danger %+v", p)
				}
			}
			if a.Key.Withdraw != "no" || a.Key.Trade != "yes" || !strings.Contains(notes, "approved agent") ||
				!strings.Contains(notes, hyperliquidtest.Address(agent)) {
				t.Errorf("agent: key %+v", a.Key)
			}
		default:
			t.Errorf("account %q", a.Name)
		}
	}
	if strings.Contains(r.stdout, master[2:]) || strings.Contains(r.stdout, agent[2:]) || strings.Contains(r.stdout, account) {
		t.Error("a private key or the whole key id is in check --json")
	}
	text := h.run("", nil, append(args, "check")...)
	if !strings.Contains(text.stdout, "WITHDRAW YES") {
		t.Errorf("text report:\n%s", text.stdout)
	}
}

// TestKeysAddWallet: adding a wallet's key shows the address it signs as;
// the account's own key is the withdraw danger, with the way to an agent.
func TestKeysAddWallet(t *testing.T) {
	h := newHarness(t)
	h.init()
	master, agent := hyperliquidtest.KitKey("keys master"), hyperliquidtest.KitKey("keys agent")
	account := hyperliquidtest.Address(master)
	r := h.run(agent[2:]+"\n", []string{pass}, "keys", "add", "--venue", "hyperliquid", "--label", "hl-agent", "--key-id", account, "--secret-stdin")
	if r.code != ExitOK || !strings.Contains(r.stdout, "Signer "+hyperliquidtest.Address(agent)) || !strings.Contains(r.stdout, "cannot withdraw") {
		t.Fatalf("%d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = h.run(master+"\n", []string{pass}, "keys", "add", "--venue", "hyperliquid", "--label", "hl-master", "--key-id", account, "--secret-stdin")
	if r.code != ExitOK || !strings.Contains(r.stdout, "OWN wallet") || !strings.Contains(r.stdout, "WITHDRAW") || !strings.Contains(r.stdout, "Authorize API Wallet") {
		t.Fatalf("%d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, master[2:]) || strings.Contains(r.stdout, account) {
		t.Fatal("the key or the whole key id shown")
	}
	r = h.run(agent+"\n", []string{pass}, "keys", "add", "--venue", "hyperliquid", "--label", "hl-bad", "--key-id", "not-an-address", "--secret-stdin")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "address") {
		t.Fatalf("a key id that is no address: %d %s", r.code, r.stderr)
	}
	if _, ok := h.open().Get("hl-bad"); ok {
		t.Fatal("stored")
	}
}
