package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/connect"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/demo"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/venues"
	"github.com/vigil-trade/vigil/feed/feedtest"
)

// toyVenue is a venue that exists only in this test: an in-memory account
// (feedtest) behind a descriptor with one extra secret field. Everything
// that lists venues must take it from the one registration line below,
// with no edit anywhere else.
func toyVenue(opened *sync.Map) *kit.Descriptor {
	return &kit.Descriptor{
		Name:  "toyex",
		Title: "Toy Exchange",
		Networks: []kit.Network{
			{Network: exchange.Testnet, REST: "https://test.toyex.example", Note: "sandbox: its own keys"},
			{Network: exchange.Mainnet, REST: "https://api.toyex.example"},
		},
		MainnetHost: func(host string) bool { return host == "api.toyex.example" },
		Schemes:     []kit.Scheme{{Scheme: exchange.SchemeHMAC, Material: kit.HMACSecret}},
		KeyID:       "any string",
		Fields:      []kit.Field{{Name: "pin", Prompt: "API PIN", Secret: true, Why: "the toy signs with a PIN too"}},
		ClientID:    exchange.ClientIDPolicy{},
		Kinds:       []exchange.InstrumentKind{exchange.KindSpot},
		SymbolHint:  "BTCUSDT",
		Open: func(p kit.Params) (exchange.Venue, error) {
			opened.Store(p.Info.Name, p)
			return feedtest.New(p.Info, p.Now), nil
		},
		Fake: func(cfg kit.FakeConfig) (*kit.Fake, error) {
			return &kit.Fake{
				Sim: sim.New(sim.WithSeed(cfg.Seed)), REST: "http://127.0.0.1:9", WS: "ws://127.0.0.1:9",
				Markets: [2]string{"BTCUSDT", "ETHUSDT"},
				AddKey: func(account string, scheme exchange.Scheme, _ time.Time) (kit.Credentials, error) {
					return kit.Credentials{KeyID: "toy-" + account, Scheme: scheme, Secret: crypto.NewSecret([]byte("s")),
						Fields: map[string]crypto.Secret{"pin": crypto.NewSecret([]byte("1234"))}}, nil
				},
				Refusals: func() int { return 0 },
				Close:    func() {},
			}, nil
		},
		Demo: []kit.DemoKey{{Scheme: exchange.SchemeHMAC, Age: 24 * time.Hour}},
	}
}

// Not parallel: the venue list is process-wide, and the parallel tests of
// this package run only after this one has removed the toy again.
func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestThrowawayVenueNeedsOneRegistrationLine(t *testing.T) {
	var opened sync.Map
	t.Cleanup(venues.Register(toyVenue(&opened)))

	h := newHarness(t)
	h.mustRun("", []string{pass, pass}, "init")
	cfgPath := filepath.Join(h.home, "cfg", "vigil", "config.toml")
	toml := `[[accounts]]
name = "toy"
venue = "toyex"
network = "testnet"
key = "toy-key"
`
	if err := os.WriteFile(cfgPath, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}

	// config: the venue is known, its networks are checked, and its
	// production host is refused under a testnet label.
	cfg, err := config.Parse(mustRead(t, cfgPath), cfgPath, h.getenv)
	if err != nil {
		t.Fatalf("config refused the toy venue: %v", err)
	}
	if _, err := config.Parse([]byte(strings.Replace(toml, `key = "toy-key"`, "key = \"k\"\nrest_url = \"https://api.toyex.example\"", 1)), "c.toml", h.getenv); err == nil ||
		!strings.Contains(err.Error(), "Toy Exchange mainnet") {
		t.Errorf("a toy mainnet host under testnet: %v", err)
	}

	// keys add: prompts by the descriptor's fields, stores them by name.
	r := h.run("s3cret\n1234\n", []string{pass}, "keys", "add", "--venue", "toyex", "--label", "toy-key", "--key-id", "TOYKEY", "--secret-stdin")
	if r.code != ExitOK {
		t.Fatalf("keys add: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	vault, err := crypto.OpenVault(cfg.Vault, []byte(pass))
	if err != nil {
		t.Fatal(err)
	}
	defer vault.Wipe()
	k, ok := vault.Get("toy-key")
	if !ok || k.Venue != "toyex" || string(k.Secret.Bytes()) != "s3cret" || string(k.Field("pin").Bytes()) != "1234" {
		t.Fatalf("vault key %+v", k)
	}

	// connect: the descriptor's Open gets the account and every field.
	vs, err := connect.Open(context.Background(), cfg, vault)
	if err != nil || len(vs) != 1 || vs[0].Info().Venue != "toyex" {
		t.Fatalf("connect: %v %v", vs, err)
	}
	p, ok := opened.Load("toy")
	if params := p.(kit.Params); !ok || params.REST != "https://test.toyex.example" || string(params.Creds.Field("pin").Bytes()) != "1234" ||
		params.Creds.KeyID != "TOYKEY" {
		t.Fatalf("Open got %+v", p)
	}

	// check: reads the toy account like any other.
	r = h.run("", []string{pass}, "check")
	if r.code != ExitOK || !strings.Contains(r.stdout, "toy ") {
		t.Fatalf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// demo: the toy's fake opens its demo key beside the others.
	d, err := demo.Start(context.Background(), demo.WithoutOrders(), demo.WithSeed(3))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var names []string
	for _, v := range d.Venues() {
		names = append(names, v.Info().Name)
	}
	if !strings.Contains(strings.Join(names, " "), "demo-toyex") {
		t.Fatalf("demo accounts %v", names)
	}
	if _, ok := opened.Load("demo-toyex"); !ok {
		t.Fatal("the demo did not build its toy client through the descriptor's Open")
	}
}
