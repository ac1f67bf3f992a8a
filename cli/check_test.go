package cli

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

const (
	chkKeyID  = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	chkSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
)

// checkSetup writes a vault holding one Binance HMAC key whose secret is
// secret, a 0600 passphrase file and a config with one account at restURL.
// It returns the args that point vigil at them.
func (h *harness) checkSetup(network, restURL, secret string) []string {
	h.t.Helper()
	dir := filepath.Join(h.home, "chk")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		h.t.Fatal(err)
	}
	vault := filepath.Join(dir, "vault.age")
	v := &crypto.Vault{WorkFactor: 2}
	if err := v.Add(crypto.Key{Label: "bn-key", Venue: "binance", Scheme: "hmac", KeyID: chkKeyID,
		Secret: crypto.NewSecret([]byte(secret)), Created: h.now.Add(-10 * 24 * time.Hour)}); err != nil {
		h.t.Fatal(err)
	}
	if err := v.Save(vault, []byte(pass)); err != nil {
		h.t.Fatal(err)
	}
	pf := filepath.Join(dir, "pass")
	if err := os.WriteFile(pf, []byte(pass+"\n"), 0o600); err != nil {
		h.t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.toml")
	toml := `vault = "` + vault + `"

[[accounts]]
name = "bn"
venue = "binance"
network = "` + network + `"
key = "bn-key"
rest_url = "` + restURL + `"
`
	if err := os.WriteFile(cfg, []byte(toml), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return []string{"--config", cfg, "--passphrase-file", pf}
}

func fakeBinance(t *testing.T, mode binancetest.Mode, perms binancetest.Perms) *binancetest.Server {
	t.Helper()
	srv := binancetest.NewServer(binancetest.WithMode(mode))
	t.Cleanup(srv.Close)
	srv.AddHMACKey(chkKeyID, chkSecret, perms)
	srv.SetAccountFlags(binancetest.DefaultAccount, true, false, true)
	return srv
}

// checkJSON runs `vigil GLOBAL... check --json FLAGS...`; "--" separates
// the global args from the check flags.
func (h *harness) checkJSON(args ...string) (checkReport, result) {
	h.t.Helper()
	global, flags := args, []string(nil)
	for i, a := range args {
		if a == "--" {
			global, flags = slices.Clone(args[:i]), args[i+1:]
		}
	}
	r := h.run("", nil, append(append(global, "check", "--json"), flags...)...)
	var rep checkReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		h.t.Fatalf("exit %d, stdout not JSON: %v\n%s\nstderr: %s", r.code, err, r.stdout, r.stderr)
	}
	if rep.ExitCode != r.code {
		h.t.Errorf("exit_code %d, process exit %d", rep.ExitCode, r.code)
	}
	return rep, r
}

func codes(rep checkReport) map[string]string {
	m := map[string]string{}
	for _, a := range rep.Accounts {
		for _, p := range a.Problems {
			m[p.Code] = p.Severity
		}
	}
	for _, p := range rep.Host.Problems {
		m[p.Code] = p.Severity
	}
	return m
}

func TestCheckDemo(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run("", nil, "check", "--demo")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"demo-binance ", "demo-binance-ed ", "[DEMO TESTNET]", "offset +", "withdraw no",
		"3 non-zero: USDT 10000 · BTC 0.5 · ETH 5", "weight/1m", "HMAC key where Ed25519 is recommended", "OK with 1 warning (exit 0)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "vigil: checking ") || !strings.Contains(r.stderr, "vigil: checked demo-binance-ed (") ||
		strings.Contains(r.stderr, "\r") {
		t.Errorf("progress on a non-terminal: %q", r.stderr)
	}

	r = h.run("", nil, "check", "--demo", "--account", "demo-binance-ed")
	if r.code != ExitOK || strings.Contains(r.stdout, "demo-binance ") || !strings.Contains(r.stdout, "problems  none") {
		t.Fatalf("--account: exit %d\n%s", r.code, r.stdout)
	}
	r = h.run("", nil, "check", "--demo", "--account", "nope")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "demo-binance-ed") {
		t.Fatalf("unknown demo account: exit %d %s", r.code, r.stderr)
	}
}

// The JSON keys are the documented schema; decode loosely so a renamed
// field fails here rather than vanishing quietly.
func TestCheckJSONSchema(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run("", nil, "check", "--demo", "--json")
	if r.code != ExitOK {
		t.Fatalf("exit %d %s", r.code, r.stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	has := func(m map[string]any, where string, keys ...string) {
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: no %q in %v", where, k, m)
			}
		}
	}
	has(doc, "top", "version", "checked_at", "demo", "danger", "dangers", "warnings", "exit_code", "host", "accounts")
	if doc["version"] != float64(1) || doc["demo"] != true || doc["exit_code"] != float64(0) {
		t.Errorf("top: %v", doc)
	}
	has(doc["host"].(map[string]any), "host", "hardening_supported", "mlock_permitted", "memlock_limit_bytes", "core_dumps_off", "non_dumpable", "problems")
	accts := doc["accounts"].([]any)
	if len(accts) < 2 {
		t.Fatalf("%d accounts", len(accts))
	}
	for _, x := range accts {
		a := x.(map[string]any)
		has(a, "account", "name", "venue", "network", "demo", "scheme", "key_id", "key_label", "duration_ms", "clock", "key", "balances", "budget", "problems")
		c := a["clock"].(map[string]any)
		has(c, "clock", "synced", "offset_ms", "uncertainty_ms", "rtt_ms", "drift_ms_per_hour", "local_stamps", "headroom_ahead_ms",
			"headroom_behind_ms", "ahead_limit_ms", "behind_limit_ms", "samples", "danger", "error")
		for _, k := range []string{"offset_ms", "uncertainty_ms", "rtt_ms", "ahead_limit_ms"} {
			if f, ok := c[k].(float64); !ok || f != float64(int64(f)) {
				t.Errorf("clock.%s = %v, want an integer", k, c[k])
			}
		}
		// 1 s or 30 s ahead; a day where a nonce need only fall within one
		// of the venue's time (Hyperliquid).
		if lim := c["ahead_limit_ms"]; lim != float64(1000) && lim != float64(30000) && lim != float64(86_400_000) || c["synced"] != true {
			t.Errorf("clock %v", c)
		}
		has(a["key"].(map[string]any), "key", "read", "trade", "withdraw", "ip_bound", "ips", "created", "age_days", "expires", "source", "notes")
		b := a["balances"].(map[string]any)
		has(b, "balances", "nonzero", "top")
		top := b["top"].([]any)[0].(map[string]any)
		has(top, "balances.top", "asset", "free", "locked", "total")
		if top["asset"] != "USDT" || top["total"] != "10000" {
			t.Errorf("top balance %v", top)
		}
		bu := a["budget"].(map[string]any)
		has(bu, "budget", "buckets", "banned_until", "ban_reason")
		has(bu["buckets"].([]any)[0].(map[string]any), "budget.buckets", "name", "used", "limit", "window_ms")
		for _, p := range a["problems"].([]any) {
			has(p.(map[string]any), "problem", "severity", "code", "message", "advice")
		}
	}
}

func TestCheckConfigClean(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := fakeBinance(t, binancetest.Testnet, binancetest.TradePerms(""))
	args := h.checkSetup("testnet", srv.URL, chkSecret)
	rep, r := h.checkJSON(args...)
	if r.code != ExitOK || rep.Danger || len(rep.Accounts) != 1 {
		t.Fatalf("exit %d %+v\n%s", r.code, rep, r.stderr)
	}
	a := rep.Accounts[0]
	if a.Name != "bn" || a.KeyLabel != "bn-key" || a.KeyID != "vmPU…Eh8A" || a.Key == nil || a.Key.Trade != "yes" ||
		a.Key.AgeDays == nil || *a.Key.AgeDays != 10 || !a.Clock.Synced || a.Clock.Samples < 6 {
		t.Fatalf("%+v\nkey %+v", a, a.Key)
	}
	if c := codes(rep); len(c) != 1 || c[codeScheme] != sevWarning {
		t.Fatalf("problems %v", c)
	}
	// Human output names the account and key label.
	r = h.run("", nil, append(args, "check")...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "bn  binance [TESTNET]  hmac key vmPU…Eh8A (bn-key)") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, chkSecret) {
		t.Fatal("secret printed")
	}
}

func TestCheckWithdrawEnabled(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	perms := binancetest.Perms{Read: true, Trade: true, Withdraw: true, Created: h.now.Add(-200 * 24 * time.Hour),
		TradingAuthorityExpiration: h.now.Add(5 * 24 * time.Hour)}
	srv := fakeBinance(t, binancetest.Mainnet, perms)
	args := h.checkSetup("mainnet", srv.URL, chkSecret)
	rep, r := h.checkJSON(args...)
	if r.code != ExitDanger {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	c := codes(rep)
	for code, sev := range map[string]string{codeWithdraw: sevDanger, codeIPUnbound: sevWarning,
		codeKeyOld: sevWarning, codeKeyExpiring: sevWarning} {
		if c[code] != sev {
			t.Errorf("%s: %q, want %q (all %v)", code, c[code], sev, c)
		}
	}
	if p := rep.Accounts[0].Problems[0]; p.Code != codeWithdraw {
		t.Errorf("dangers not first: %+v", rep.Accounts[0].Problems)
	}
	r = h.run("", nil, append(args, "check")...)
	if r.code != ExitDanger || !strings.Contains(r.stdout, "DANGER the key has WITHDRAW permission") ||
		!strings.Contains(r.stdout, "WITHDRAW YES") || !strings.Contains(r.stdout, "turn withdrawals off") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
}

func TestCheckClockAhead(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := fakeBinance(t, binancetest.Testnet, binancetest.TradePerms(""))
	srv.Sim().SetSkew(-2 * time.Second) // the venue is 2 s behind: this machine is ahead
	args := h.checkSetup("testnet", srv.URL, chkSecret)
	rep, r := h.checkJSON(args...)
	if r.code != ExitDanger || codes(rep)[codeClockAhead] != sevDanger {
		t.Fatalf("exit %d %v", r.code, codes(rep))
	}
	if off := rep.Accounts[0].Clock.OffsetMS; off > -1900 || off < -2100 {
		t.Fatalf("offset %d ms, want about -2000", off)
	}
	// vigil stamps with the measured offset, so the signed calls still work.
	if rep.Accounts[0].Key == nil || rep.Accounts[0].Balances == nil {
		t.Fatalf("signed calls failed: %+v", rep.Accounts[0].Problems)
	}
	r = h.run("", nil, append(args, "check")...)
	if !regexp.MustCompile(`clock is (1\.9\d|2\.0\d) s ahead of binance`).MatchString(r.stdout) ||
		!strings.Contains(r.stdout, "timedatectl set-ntp true") {
		t.Fatalf("%s", r.stdout)
	}
}

func TestCheckWrongSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := fakeBinance(t, binancetest.Testnet, binancetest.TradePerms(""))
	args := h.checkSetup("testnet", srv.URL, "wrong-"+chkSecret)
	rep, r := h.checkJSON(args...)
	if r.code != ExitDanger || codes(rep)[codeAuth] != sevDanger {
		t.Fatalf("exit %d %+v", r.code, rep.Accounts)
	}
	if rep.Accounts[0].Key != nil || !rep.Accounts[0].Clock.Synced {
		t.Fatalf("%+v", rep.Accounts[0])
	}
}

func TestCheckUnreachable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	args := h.checkSetup("testnet", url, chkSecret)
	rep, r := h.checkJSON(append(args, "--", "--timeout", "5s")...)
	if r.code != ExitDanger || codes(rep)[codeUnreachable] != sevDanger {
		t.Fatalf("exit %d %+v", r.code, rep.Accounts)
	}
	a := rep.Accounts[0]
	if len(a.Problems) != 1 || a.Key != nil || a.Balances != nil || a.Clock.Synced {
		t.Fatalf("%+v", a)
	}
	r = h.run("", nil, append(args, "check")...)
	if !strings.Contains(r.stdout, "DANGER binance unreachable") || !strings.Contains(r.stdout, "rest_url") {
		t.Fatalf("%s", r.stdout)
	}
}

func TestCheckUsageAndConfigErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := fakeBinance(t, binancetest.Testnet, binancetest.TradePerms(""))
	args := h.checkSetup("testnet", srv.URL, chkSecret)
	cfgPath := args[1]

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"bad flag", []string{"check", "--bogus"}, ExitUsage, "unknown flag --bogus"},
		{"argument", []string{"check", "extra"}, ExitUsage, "unexpected argument"},
		{"timeout", []string{"check", "--timeout", "0s"}, ExitUsage, "--timeout"},
		{"unknown account", append(args, "check", "--account", "zz"), ExitUsage, `no account "zz"`},
		{"no config", []string{"--config", filepath.Join(h.home, "none.toml"), "check"}, ExitUsage, "no config"},
		{"wrong passphrase", []string{"--config", cfgPath, "--passphrase-file", h.writePass("not the passphrase"), "check"}, ExitLocked, "wrong passphrase"},
	} {
		r := h.run("", nil, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tc.name, r.code, r.stderr, tc.code, tc.want)
		}
	}

	// An invalid config file is exit 2 with the line.
	bad := filepath.Join(h.home, "bad.toml")
	os.WriteFile(bad, []byte("[[accounts]]\nname = \"x\"\nvenue = \"mtgox\"\nnetwork = \"testnet\"\nkey = \"k\"\n"), 0o600)
	r := h.run("", nil, "--config", bad, "check")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "bad.toml:3") || !strings.Contains(r.stderr, "mtgox") {
		t.Fatalf("bad config: exit %d %s", r.code, r.stderr)
	}

	// A key label the vault lacks is a config error, with the command that fixes it.
	data, _ := os.ReadFile(cfgPath)
	os.WriteFile(cfgPath, []byte(strings.Replace(string(data), `key = "bn-key"`, `key = "bn-gone"`, 1)), 0o600)
	r = h.run("", nil, append(args, "check")...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, `account bn: key label "bn-gone" not in the vault`) ||
		!strings.Contains(r.stderr, "vigil keys add --venue binance --label bn-gone") {
		t.Fatalf("missing key: exit %d %s", r.code, r.stderr)
	}
}

func (h *harness) writePass(p string) string {
	h.t.Helper()
	f := filepath.Join(h.home, "pass-"+strings.ReplaceAll(p, " ", "-"))
	if err := os.WriteFile(f, []byte(p+"\n"), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return f
}

func TestCheckMlockWarning(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var out, errb strings.Builder
	env := &Env{Stdout: &out, Stderr: &errb, Getenv: h.getenv, Now: func() time.Time { return h.now },
		Hardening: crypto.HardenReport{Supported: true, CoreDumpsOff: true, NonDumpable: true, MemlockLimit: 64 << 10}}
	code := Run(t.Context(), env, []string{"check", "--demo", "--account", "demo-binance-ed"})
	if code != ExitOK || !strings.Contains(out.String(), "secret memory not locked (RLIMIT_MEMLOCK=64 KiB): run as a user with memlock ulimit or accept swapping risk") {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
}

// A venue that accepts the connection but never answers is unreachable
// once --timeout runs out, and the check does not wait any longer.
func TestCheckHangingVenue(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := fakeBinance(t, binancetest.Testnet, binancetest.TradePerms(""))
	srv.Sim().Faults().Add(sim.Fault{Kind: sim.FaultHang, Op: "GET /api/v3/time"})
	args := h.checkSetup("testnet", srv.URL, chkSecret)
	rep, r := h.checkJSON(append(args, "--", "--timeout", "300ms")...)
	if r.code != ExitDanger || codes(rep)[codeUnreachable] != sevDanger {
		t.Fatalf("exit %d %+v", r.code, rep.Accounts)
	}
	if a := rep.Accounts[0]; a.DurationMS > 3000 || !strings.Contains(a.Problems[0].Message, "did not answer within 300ms") {
		t.Fatalf("%+v", a)
	}
}

// Issue 14: "headroom 1096 ms ahead (limit 1000)" read as a bug; the text
// says the figure is the room left after the offset correction, and why it
// can pass the limit.
func TestCheckSaysWhatClockRoomMeans(t *testing.T) {
	t.Parallel()
	r := newHarness(t).run("", nil, "check", "--demo", "--account", "demo-binance")
	if r.code != ExitOK || strings.Contains(r.stdout, "(limit 1000)") || !strings.Contains(r.stdout, "room left after offset correction:") ||
		!strings.Contains(r.stdout, "so room ahead may pass 1000") {
		t.Fatalf("clock room unexplained: exit %d\n%s", r.code, r.stdout)
	}
	// A venue that checks this machine's own time (a nonce of its
	// milliseconds) within a day: no correction to speak of, and a day
	// said in hours.
	r = newHarness(t).run("", nil, "check", "--demo", "--account", "demo-hyperliquid")
	if r.code != ExitOK || !strings.Contains(r.stdout, "checks this machine's own time") || !strings.Contains(r.stdout, "24h00m ahead of its clock") ||
		strings.Contains(r.stdout, "stamps trail") {
		t.Fatalf("local-time venue's room: exit %d\n%s", r.code, r.stdout)
	}
}

// roomMS keeps milliseconds while they are the point and says a one-day
// window in hours: "86398855 ms ahead" read as noise.
func TestRoomMS(t *testing.T) {
	for ms, want := range map[int64]string{1096: "1096 ms", -250: "-250 ms", 99_999: "99999 ms",
		119_861: "2m00s", 86_398_855: "23h59m", 86_400_000: "24h00m", -172_800_000: "-48h00m"} {
		if got := roomMS(ms); got != want {
			t.Errorf("roomMS(%d) = %q, want %q", ms, got, want)
		}
	}
}
