package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigil-trade/vigil/audit"
	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/venues"
	"github.com/vigil-trade/vigil/views"
)

// everyVenue is a config with one account per listed venue, each on its
// venue's fake with a key the fake knows.
type everyVenue struct {
	global  []string
	dataDir string
	secrets map[string][]string // account: every secret byte string the vault holds for it
	fakes   map[string]*kit.Fake
}

func (h *harness) everyVenueSetup() everyVenue {
	h.t.Helper()
	dir := filepath.Join(h.home, "every")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		h.t.Fatal(err)
	}
	ev := everyVenue{dataDir: filepath.Join(dir, "data"), secrets: map[string][]string{}, fakes: map[string]*kit.Fake{}}
	v := &crypto.Vault{WorkFactor: 2}
	toml := `vault = "` + filepath.Join(dir, "vault.age") + `"
data_dir = "` + ev.dataDir + `"
`
	for _, d := range venues.All() {
		name := d.Name + "-t"
		f, err := d.Fake(kit.FakeConfig{Seed: 1})
		if err != nil {
			h.t.Fatal(err)
		}
		h.t.Cleanup(f.Close)
		creds, err := f.AddKey(name, d.DefaultScheme().Scheme, h.now.Add(-24*time.Hour))
		if err != nil {
			h.t.Fatal(err)
		}
		ev.fakes[name] = f
		// The key id is not secret, but the trail must not hold it whole.
		ev.secrets[name] = append(ev.secrets[name], creds.KeyID, string(creds.Secret.Bytes()))
		for _, s := range creds.Fields {
			ev.secrets[name] = append(ev.secrets[name], string(s.Bytes()))
		}
		if err := v.Add(crypto.Key{Label: name, Venue: d.Name, Scheme: string(creds.Scheme), KeyID: creds.KeyID,
			Secret: creds.Secret, Fields: creds.Fields, Created: h.now.Add(-24 * time.Hour)}); err != nil {
			h.t.Fatal(err)
		}
		toml += `
[[accounts]]
name = "` + name + `"
venue = "` + d.Name + `"
network = "` + string(d.Networks[0].Network) + `"
key = "` + name + `"
rest_url = "` + f.REST + `"
ws_url = "` + f.WS + `"
`
	}
	if err := v.Save(filepath.Join(dir, "vault.age"), []byte(pass)); err != nil {
		h.t.Fatal(err)
	}
	pf := filepath.Join(dir, "pass")
	if err := os.WriteFile(pf, []byte(pass+"\n"), 0o600); err != nil {
		h.t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte(toml), 0o600); err != nil {
		h.t.Fatal(err)
	}
	ev.global = []string{"--config", cfg, "--passphrase-file", pf}
	return ev
}

// TestAuditTrailOfEveryVenue runs check over an account on every venue's
// fake: every account's signed requests are in the trail, the trail
// verifies, and no secret the vault holds (nor a whole key id) is in any
// of its files.
func TestAuditTrailOfEveryVenue(t *testing.T) {
	h := newHarness(t)
	ev := h.everyVenueSetup()
	h.run("", nil, with(ev.global, "check", "--json")...)
	dir := filepath.Join(ev.dataDir, "audit")
	r := h.run("", nil, with(ev.global, "audit", "verify")...)
	if r.code != ExitOK || !strings.HasPrefix(r.stdout, "ok  ") {
		t.Fatalf("verify: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	seen := map[string]int{}
	if err := audit.Scan(dir, func(_ string, _ int, raw []byte) error {
		e, err := audit.ParseEntry(raw)
		seen[e.Account]++
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("lines per account: %v", seen)
	files, _ := audit.Files(dir)
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	for name, secrets := range ev.secrets {
		if seen[name] == 0 {
			t.Errorf("no line for %s in the trail", name)
		}
		for _, s := range secrets {
			if len(s) >= 4 && bytes.Contains(all, []byte(s)) {
				t.Errorf("%s: a secret (or a whole key id) of the vault is in the audit trail", name)
			}
		}
	}
}

// TestAuditVerifyAndExportOnAnOrderTrail places and cancels an order, then
// checks the CLI's report on the trail whole and after one byte is edited.
func TestAuditVerifyAndExportOnAnOrderTrail(t *testing.T) {
	h := newHarness(t)
	srv := orderFake(t, binancetest.Testnet)
	g := h.orderSetup(srv.URL, orderAcct{network: "testnet"})
	r := h.mustRun("", nil, with(g, "order", "place", "--account", "bn", "--symbol", "BTCUSDT", "--side", "buy",
		"--type", "limit", "--qty", "0.001", "--price", "50000", "--json")...)
	id := decodeResult(t, r.stdout).Order.ClientID

	r = h.mustRun("", nil, with(g, "audit", "export", "--format", "csv", "--account", "bn")...)
	if !strings.HasPrefix(r.stdout, "time,account,venue,method,path") || !strings.Contains(r.stdout, ",POST,/api/v3/order,") || !strings.Contains(r.stdout, id) {
		t.Fatalf("csv export lacks the order (client id %s):\n%s", id, r.stdout)
	}
	r = h.mustRun("", nil, with(g, "audit", "tail", "-n", "1")...)
	if !strings.Contains(r.stdout, "POST") || !strings.Contains(r.stdout, id) {
		t.Fatalf("tail -n 1: %s", r.stdout)
	}
	r = h.run("", nil, with(g, "audit", "verify", "--json")...)
	var ok verifyJSON
	if err := json.Unmarshal([]byte(r.stdout), &ok); err != nil || r.code != ExitOK || !ok.OK || ok.Lines < 2 {
		t.Fatalf("verify: %d %v %s", r.code, err, r.stdout)
	}

	dir := filepath.Join(h.home, "ord", "data", "audit")
	files, _ := audit.Files(dir)
	path := filepath.Join(dir, files[0])
	b, _ := os.ReadFile(path)
	i := bytes.Index(b, []byte(`"path":"/api/v3/order"`))
	line := bytes.Count(b[:i], []byte("\n")) + 1
	b[i+len(`"path":"/api/v3/`)] = 'O' // one byte of one line
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r = h.run("", nil, with(g, "audit", "verify")...)
	want := fmt.Sprintf("%s line %d", files[0], line)
	if r.code != ExitFailure || !strings.Contains(r.stdout, "first broken link: "+want) || !strings.Contains(r.stdout, "edited") {
		t.Fatalf("verify after an edit: %d, want %q\n%s", r.code, want, r.stdout)
	}
	r = h.run("", nil, with(g, "audit", "export", "--format", "xml")...)
	if r.code != ExitUsage {
		t.Fatalf("--format xml: %d", r.code)
	}
	r = h.run("", nil, with(g, "audit", "verify", "--help")...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "Exit codes") {
		t.Fatalf("--help: %d %s", r.code, r.stdout)
	}
}

// TestAuditTroubleReachesEvents: a trail that cannot open leaves the
// cockpit running, with a warning in Events; a write failure and its end
// reach Events as they happen.
func TestAuditTroubleReachesEvents(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "data")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil { // data_dir is a file: audit/ cannot be made
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC) }
	s, err := openAudit(&config.Config{DataDir: blocker, AuditRetentionDays: 1}, now)
	if err == nil {
		t.Fatal("opened a trail under a file")
	}
	if o := s.option(); o == nil {
		t.Fatal("no connect option")
	}
	var got []views.LogMsg
	emit := func(_ string, m tea.Msg) { got = append(got, m.(views.LogMsg)) }
	s.producer(now, err)(context.Background(), emit)
	if len(got) != 1 || got[0].Level != views.LevelWarn || !strings.Contains(got[0].Text, "audit trail") || !strings.Contains(got[0].Text, "orders go on") {
		t.Fatalf("events %+v", got)
	}

	got = nil
	s.reports <- errors.New("no space left on device")
	s.reports <- nil
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.producer(now, nil)(ctx, func(_ string, m tea.Msg) {
			got = append(got, m.(views.LogMsg))
			if len(got) == 2 {
				cancel()
			}
		})
		close(done)
	}()
	<-done
	if len(got) != 2 || got[0].Level != views.LevelWarn || !strings.Contains(got[0].Text, "no space left") || !strings.Contains(got[1].Text, "writing again") {
		t.Fatalf("events %+v", got)
	}
}
