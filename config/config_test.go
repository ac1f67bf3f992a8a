package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

var testEnv = env(map[string]string{"HOME": "/home/t", "XDG_DATA_HOME": "/xdg/data", "XDG_CONFIG_HOME": "/xdg/cfg"})

func TestExampleMatchesRepoFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "config.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != Example {
		t.Fatal("config.example.toml and config.Example differ; copy one to the other")
	}
}

func TestExampleParses(t *testing.T) {
	c, err := Parse([]byte(Example), "example.toml", testEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Vault != "/xdg/data/vigil/vault.age" || c.DataDir != "/xdg/data/vigil" {
		t.Fatalf("defaults: vault %q data %q", c.Vault, c.DataDir)
	}
	if len(c.Accounts) != 1 {
		t.Fatalf("accounts: %+v", c.Accounts)
	}
	a := c.Accounts[0]
	if a.Name != "binance-test" || a.Venue != "binance" || a.Network != exchange.Testnet || a.Key != "binance-test" ||
		a.RecvWindowMS != 5000 || !a.MaxOrderNotional.Equal(decimal.NewFromInt(100)) || a.AllowMainnetOrders || a.Line != 34 || c.TimeZone != TimeZoneUTC || !c.Mouse || c.MetricsBalances {
		t.Fatalf("account: %+v", a)
	}
	if a.RecvWindow().Milliseconds() != 5000 {
		t.Fatal("RecvWindow")
	}
}

func TestDefaults(t *testing.T) {
	if got := DefaultPathEnv(testEnv); got != "/xdg/cfg/vigil/config.toml" {
		t.Fatal(got)
	}
	noXDG := env(map[string]string{"HOME": "/home/t", "XDG_CONFIG_HOME": "relative/ignored"})
	if got := DefaultPathEnv(noXDG); got != "/home/t/.config/vigil/config.toml" {
		t.Fatal(got)
	}
	if got := DefaultDataDir(noXDG); got != "/home/t/.local/share/vigil" {
		t.Fatal(got)
	}
	c, err := Parse([]byte("vault = \"~/v/vault.age\"\ndata_dir = \"/d\"\n"), "c.toml", noXDG)
	if err != nil {
		t.Fatal(err)
	}
	if c.Vault != "/home/t/v/vault.age" || c.DataDir != "/d" || len(c.Accounts) != 0 {
		t.Fatalf("%+v", c)
	}
}

func TestFullAccount(t *testing.T) {
	src := `
[[accounts]]
name = "a"
venue = "okx"
network = "mainnet"
key = "k"
rest_url = "https://eea.okx.com"
ws_url = "wss://ws.okx.com:8443/ws/v5/private"
recv_window_ms = 60000
order_grace_ms = 500
max_order_notional = "250.50"
allow_mainnet_orders = true

[[accounts]]
name = "b"
venue = "bybit"
network = "testnet"
key = "k2"
max_order_notional = 7
`
	c, err := Parse([]byte(src), "c.toml", testEnv)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := c.Account("a")
	if !ok || a.RESTURL != "https://eea.okx.com" || a.RecvWindowMS != 60000 || a.OrderGrace() != 500*time.Millisecond || !a.AllowMainnetOrders ||
		a.MaxOrderNotional.String() != "250.5" || a.Line != 2 {
		t.Fatalf("%+v", a)
	}
	b, _ := c.Account("b")
	if !b.MaxOrderNotional.Equal(decimal.NewFromInt(7)) || b.Line != 14 || b.OrderGraceMS != DefaultOrderGraceMS {
		t.Fatalf("%+v", b)
	}
}

// Every error names the file, the line and the key, and says what is allowed.
func TestStrictErrors(t *testing.T) {
	base := "[[accounts]]\nname = \"a\"\nvenue = \"binance\"\nnetwork = \"testnet\"\nkey = \"k\"\n"
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"unknown-account-key", base + "venu = \"okx\"\n",
			[]string{"c.toml:6:", `unknown key "venu" in [[accounts]]`, "allowed: name, venue"}},
		{"unknown-top-key", "valt = \"x\"\n" + base,
			[]string{"c.toml:1:", `unknown key "valt" at the top level`, "allowed: vault, data_dir, journal_retention_days, audit_retention_days, time_zone, mouse, metrics_balances, accounts"}},
		{"unknown-in-second", base + "\n[[accounts]]\nname = \"b\"\nvenue = \"okx\"\nnetwork = \"testnet\"\nkey = \"k\"\nrecvwindow = 5\n",
			[]string{"c.toml:12:", `unknown key "recvwindow"`}},
		{"unknown-table", base + "[extras]\ncolour = \"red\"\n",
			[]string{"c.toml:7:", `unknown key "colour"`}},
		{"venue", strings.Replace(base, `"binance"`, `"binanse"`, 1),
			[]string{"c.toml:3:", "accounts[1].venue", `"binanse" is not a known venue (allowed: binance, okx, bybit`}},
		{"network", strings.Replace(base, `"testnet"`, `"test"`, 1),
			[]string{"c.toml:4:", "accounts[1].network", "allowed: testnet, mainnet"}},
		{"recv-window", base + "recv_window_ms = 0\n",
			[]string{"c.toml:6:", "accounts[1].recv_window_ms", "0 is out of range (allowed: 1..60000)"}},
		{"recv-window-high", base + "recv_window_ms = 60001\n", []string{"c.toml:6:", "1..60000"}},
		{"order-grace", base + "order_grace_ms = 10\n", []string{"c.toml:6:", "accounts[1].order_grace_ms", "10 is out of range (allowed: 50..60000)"}},
		{"notional-negative", base + "max_order_notional = \"-5\"\n",
			[]string{"c.toml:6:", "accounts[1].max_order_notional", "positive decimal"}},
		{"notional-zero", base + "max_order_notional = \"0\"\n", []string{"c.toml:6:", "positive decimal"}},
		{"notional-junk", base + "max_order_notional = \"1e\"\n", []string{"c.toml:6:", "positive decimal"}},
		{"notional-float", base + "max_order_notional = 100.5\n", []string{"c.toml:6:", `write it as a decimal string: "100.5"`}},
		{"duplicate-name", base + "\n" + base,
			[]string{"c.toml:8:", "accounts[2].name", `"a" is already used by the account at line 2`}},
		{"empty-key", strings.Replace(base, `key = "k"`, `key = ""`, 1),
			[]string{"c.toml:5:", "accounts[1].key", "is required"}},
		{"missing-name", strings.Replace(base, "name = \"a\"\n", "", 1),
			[]string{"c.toml:1:", "accounts[1].name", "is required"}},
		{"rest-url-scheme", base + "rest_url = \"ftp://x\"\n",
			[]string{"c.toml:6:", "accounts[1].rest_url", "http/https"}},
		{"rest-url-relative", base + "rest_url = \"/api\"\n", []string{"c.toml:6:", "http/https"}},
		{"ws-url", base + "ws_url = \"https://x\"\n", []string{"c.toml:6:", "accounts[1].ws_url", "ws/wss"}},
		{"syntax", base + "name = = 3\n", []string{"c.toml:6:"}},
		{"type", base + "recv_window_ms = \"fast\"\n", []string{"c.toml:6:", "accounts.recv_window_ms", "wrong type: the value is a string; want integer"}},
		{"duplicate-key", base + "venue = \"okx\"\n", []string{"c.toml:6:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), "c.toml", testEnv)
			if err == nil {
				t.Fatal("accepted")
			}
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("not config.Errors: %T %v", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestSeveralErrorsAllReported(t *testing.T) {
	src := "[[accounts]]\nname = \"a\"\nvenue = \"kraken2\"\nnetwork = \"x\"\nkey = \"k\"\nfoo = 1\n"
	_, err := Parse([]byte(src), "c.toml", testEnv)
	var es Errors
	if !errors.As(err, &es) || len(es) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	if es[0].Line != 3 || es[1].Line != 4 || es[2].Line != 6 {
		t.Fatalf("not sorted by line: %v", err)
	}
}

func TestLoad(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.toml")
	if _, err := Load(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if err := os.WriteFile(p, []byte(Example), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p)
	if err != nil || c.Path != p {
		t.Fatalf("%v %+v", err, c)
	}
}

// journal_retention_days defaults to 90 and is held to a range, its line
// named.
func TestJournalRetentionDays(t *testing.T) {
	base := "[[accounts]]\nname = \"a\"\nvenue = \"binance\"\nnetwork = \"testnet\"\nkey = \"a\"\n"
	getenv := func(string) string { return "" }
	c, err := Parse([]byte(base), "c.toml", getenv)
	if err != nil || c.JournalRetentionDays != DefaultJournalRetentionDays {
		t.Fatalf("default: %v, %v", c, err)
	}
	c, err = Parse([]byte("journal_retention_days = 30\n"+base), "c.toml", getenv)
	if err != nil || c.JournalRetentionDays != 30 {
		t.Fatalf("30: %v, %v", c, err)
	}
	_, err = Parse([]byte("\njournal_retention_days = 0\n"+base), "c.toml", getenv)
	if err == nil || !strings.Contains(err.Error(), "c.toml:2") || !strings.Contains(err.Error(), "journal_retention_days") {
		t.Fatalf("0 days: %v, want an error naming line 2 and the key", err)
	}
}

// time_zone (issue 14) defaults to utc, takes utc or local, and a bad value
// names its line and what is allowed.
func TestTimeZone(t *testing.T) {
	base := "[[accounts]]\nname = \"a\"\nvenue = \"binance\"\nnetwork = \"testnet\"\nkey = \"a\"\n"
	getenv := func(string) string { return "" }
	c, err := Parse([]byte(base), "c.toml", getenv)
	if err != nil || c.TimeZone != TimeZoneUTC {
		t.Fatalf("default: %v, %v", c, err)
	}
	for _, v := range []string{"utc", "local", "Local"} {
		c, err = Parse([]byte("time_zone = \""+v+"\"\n"+base), "c.toml", getenv)
		if err != nil || c.TimeZone != strings.ToLower(v) {
			t.Fatalf("%s: %v, %v", v, c, err)
		}
	}
	_, err = Parse([]byte("\ntime_zone = \"CET\"\n"+base), "c.toml", getenv)
	if err == nil || !strings.Contains(err.Error(), "c.toml:2") || !strings.Contains(err.Error(), "time_zone") ||
		!strings.Contains(err.Error(), "utc, local") {
		t.Fatalf("CET: %v, want an error naming line 2, the key and the allowed values", err)
	}
}

// mouse (issue 14) defaults to on; false turns it off; a non-bool is an
// error with its line.
func TestMouse(t *testing.T) {
	base := "[[accounts]]\nname = \"a\"\nvenue = \"binance\"\nnetwork = \"testnet\"\nkey = \"k\"\n"
	getenv := func(string) string { return "/home/u" }
	c, err := Parse([]byte(base), "c.toml", getenv)
	if err != nil || !c.Mouse {
		t.Fatalf("default: %v %v", c, err)
	}
	c, err = Parse([]byte("mouse = false\n"+base), "c.toml", getenv)
	if err != nil || c.Mouse {
		t.Fatalf("mouse = false: %+v %v", c, err)
	}
	if _, err := Parse([]byte("mouse = \"no\"\n"+base), "c.toml", getenv); err == nil || !strings.Contains(err.Error(), "c.toml:1") {
		t.Fatalf("mouse = \"no\": %v", err)
	}
}
