package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/audit"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/demo"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/bybit/bybittest"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/venues"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/metrics"
	"github.com/vigil-trade/vigil/orders"
	"github.com/vigil-trade/vigil/store"
)

// syncBuffer is a bytes.Buffer a running command writes while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// scrape reads url's exposition: the series ("name{labels}") with their
// values, and the text itself.
func scrape(t *testing.T, url string) (map[string]float64, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %v %d", err, resp.StatusCode)
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("scrape: %q: %v", line, err)
		}
		m[line[:i]] = v
	}
	return m, string(body)
}

// eventually scrapes until ok holds, failing with the last scrape after a
// minute: the fakes' streams and audits take their own time to arrive.
func eventually(t *testing.T, url, what string, ok func(map[string]float64) bool) map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		m, text := scrape(t, url)
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: never seen; last scrape:\n%s", what, text)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func series(name, account, venue string) string {
	return fmt.Sprintf(`%s{account=%q,venue=%q}`, name, account, venue)
}

// Issue 20: `vigil watch` against fakes set up to be wrong in known ways
// (one venue's clock 40 s ahead, a key that may withdraw, streams cut, a
// venue gone) serves metrics that say exactly that, passes the client
// library's linter, never shows a key id or secret, and stops cleanly.
func TestWatchMetricsAgainstFakes(t *testing.T) {
	skewed := venues.All()[0].Name
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	d, err := demo.Start(ctx, demo.WithSeed(3), demo.WithoutOrders(), demo.WithClockOffset(skewed, 40*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	accounts := d.Accounts()
	// A venue without a private stream is polled: no stream series.
	streams := map[string]bool{"wd": true}
	for _, v := range d.Venues() {
		if _, ok := v.(exchange.Streamer); ok {
			streams[v.Info().Name] = true
		}
	}

	// A key that may withdraw, on a fake of its own.
	wsrv := bybittest.NewServer()
	defer wsrv.Close()
	wid, wsecret := kit.RandomID(18), kit.RandomID(36)
	wsrv.AddKey(wid, wsecret, bybittest.Perms{Account: "wd", Withdraw: true})
	accounts = append(accounts, demo.Account{Name: "wd", Venue: "bybit", Network: exchange.Testnet,
		BaseURL: wsrv.URL, WSURL: wsrv.WSURL, KeyID: wid, Scheme: exchange.SchemeHMAC,
		Secret: crypto.NewSecret([]byte(wsecret)), Created: time.Now().Add(-10 * 24 * time.Hour)})

	h := newHarness(t)
	env := &Env{Getenv: h.getenv, Now: time.Now, WorkFactor: 2}
	files, _, err := writeDemoFiles(env, h.home, accounts)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(files.config)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files.config, append([]byte("metrics_balances = true\n"), cfg...), 0o600); err != nil {
		t.Fatal(err)
	}

	var stderr syncBuffer
	env = &Env{Stderr: &stderr, Getenv: h.getenv, Now: time.Now}
	code := make(chan int, 1)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		code <- Run(wctx, env, []string{"--config", files.config, "--passphrase-file", files.passphrase,
			"watch", "--metrics", "127.0.0.1:0", "--log-format", "json"})
	}()
	url := ""
	for url == "" {
		select {
		case c := <-code:
			t.Fatalf("watch ended with %d before serving:\n%s", c, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		for _, line := range strings.Split(stderr.String(), "\n") {
			var rec struct{ Msg, Metrics string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "vigil watch started" {
				url = rec.Metrics
			}
		}
	}

	// Every account audited, synced and live.
	m := eventually(t, url, "clock, key and stream of every account", func(m map[string]float64) bool {
		for _, a := range accounts {
			for _, name := range []string{"vigil_clock_offset_seconds", "vigil_key_withdraw_enabled", "vigil_key_age_seconds"} {
				if _, ok := m[series(name, a.Name, a.Venue)]; !ok {
					return false
				}
			}
			if _, ok := m[series("vigil_stream_up", a.Name, a.Venue)]; ok != streams[a.Name] || ok && m[series("vigil_stream_up", a.Name, a.Venue)] != 1 {
				return false
			}
		}
		return true
	})
	for _, a := range accounts {
		off := m[series("vigil_clock_offset_seconds", a.Name, a.Venue)]
		want := 0.0
		if a.Venue == skewed {
			want = 40
		}
		if off < want-2 || off > want+2 {
			t.Errorf("%s: clock offset %vs, want %vs ± 2 (the fake's skew)", a.Name, off, want)
		}
		if a.Venue == skewed && m[series("vigil_clock_danger", a.Name, a.Venue)] != 0 {
			t.Errorf("%s: a venue ahead is no danger (vigil stamps with its clock)", a.Name)
		}
		wd := m[series("vigil_key_withdraw_enabled", a.Name, a.Venue)]
		if want := map[bool]float64{true: 1, false: 0}[a.Name == "wd"]; wd != want {
			t.Errorf("%s: withdraw %v, want %v", a.Name, wd, want)
		}
		if a.Name != "wd" {
			if free := m[fmt.Sprintf(`vigil_balance_free{account=%q,asset="USDT",venue=%q}`, a.Name, a.Venue)]; free != 10000 {
				t.Errorf("%s: USDT free %v, want the demo's funding 10000", a.Name, free)
			}
		}
	}
	for _, a := range accounts {
		_, has := m[series("vigil_signer_selftest_ok", a.Name, a.Venue)]
		if want := slices.Contains(rest.SelfTestVenues(), a.Venue); has != want || has && m[series("vigil_signer_selftest_ok", a.Name, a.Venue)] != 1 {
			t.Errorf("%s: signer self-test series %v (value %v), want present %v and passed", a.Name, has, m[series("vigil_signer_selftest_ok", a.Name, a.Venue)], want)
		}
	}
	if n := m[fmt.Sprintf(`vigil_http_requests_total{outcome="ok",venue=%q}`, skewed)]; n == 0 {
		t.Errorf("no requests to %s counted", skewed)
	}

	// Streams cut: each demo account counts a reconnect and comes back.
	d.DropStreams()
	eventually(t, url, "a reconnect on every demo stream, live again", func(m map[string]float64) bool {
		for _, a := range accounts[:len(accounts)-1] {
			if !streams[a.Name] {
				continue
			}
			if m[series("vigil_stream_reconnects_total", a.Name, a.Venue)] < 1 || m[series("vigil_stream_up", a.Name, a.Venue)] != 1 {
				return false
			}
		}
		return true
	})

	// A venue gone: its stream is down, the others carry on.
	wsrv.Close()
	eventually(t, url, "the closed venue's stream down", func(m map[string]float64) bool {
		return m[series("vigil_stream_up", "wd", "bybit")] == 0 && m[series("vigil_stream_reconnects_total", "wd", "bybit")] >= 1
	})

	_, text := scrape(t, url)
	problems, err := promlint.New(strings.NewReader(text)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "vigil_") {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		}
	}
	for _, a := range accounts {
		for _, secret := range []string{a.KeyID, string(a.Secret.Bytes())} {
			if strings.Contains(text, secret) || strings.Contains(stderr.String(), secret) {
				t.Errorf("%s: a key id or secret in the metrics or the log", a.Name)
			}
		}
	}
	if !strings.Contains(stderr.String(), `"msg":"key may WITHDRAW funds`) {
		t.Errorf("no log line about the withdraw key:\n%s", stderr.String())
	}

	stop()
	if c := <-code; c != ExitOK {
		t.Fatalf("exit %d after stop, want 0:\n%s", c, stderr.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"vigil watch stopped"`) {
		t.Errorf("no stop line:\n%s", stderr.String())
	}
	// watch's signed requests joined the audit trail, which verifies.
	rep, err := audit.Verify(filepath.Join(files.data, "audit"))
	if err != nil || rep.Broken != nil || rep.Lines == 0 {
		t.Fatalf("audit trail after watch: %+v, %v", rep, err)
	}
}

func TestWatchUsage(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "--metrics", "0.0.0.0:9464"}, "--metrics-public"},
		{[]string{"watch", "--metrics", ":9464"}, "reachable from other machines"},
		{[]string{"watch", "--metrics", "nonsense"}, "--metrics"},
		{[]string{"watch", "--log-format", "xml"}, "want text or json"},
		{[]string{"watch", "--log-level", "loud"}, "--log-level"},
		{[]string{"watch", "extra"}, "unexpected argument"},
	} {
		r := h.run("", nil, tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tc.args, r.code, ExitUsage, tc.want, r.stderr)
		}
	}
	r := h.run("", nil, "watch", "--help")
	if r.code != ExitOK || !strings.Contains(r.stdout, "Exit codes:") || !strings.Contains(r.stdout, "CREDENTIALS_DIRECTORY") {
		t.Errorf("--help: exit %d\n%s", r.code, r.stdout)
	}
}

func TestLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:9464": true, "localhost:9464": true, "[::1]:9464": true, "127.0.0.2:1": true,
		"0.0.0.0:9464": false, ":9464": false, "10.0.0.5:9464": false, "[::]:9464": false, "example.org:9464": false,
	} {
		got, err := loopbackAddr(addr)
		if err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", addr, got, err, want)
		}
	}
}

// Under systemd the passphrase arrives as a credential; --passphrase-file
// still wins.
func TestWatchCredentialFile(t *testing.T) {
	dir := t.TempDir()
	env := &Env{Getenv: func(k string) string {
		if k == "CREDENTIALS_DIRECTORY" {
			return dir
		}
		return ""
	}}
	if got := credentialFile(env); got != "" {
		t.Fatalf("no credential yet: %q", got)
	}
	p := filepath.Join(dir, credentialName)
	if err := os.WriteFile(p, []byte("pass\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	if got := credentialFile(env); got != p {
		t.Fatalf("credential: %q, want %q", got, p)
	}
	env.PassphraseFile = "/elsewhere"
	if got := credentialFile(env); got != "/elsewhere" {
		t.Fatalf("--passphrase-file: %q", got)
	}
}

// chanListener is a net.Listener with no network under it, for watch in a
// synctest bubble: Accept waits until Close.
type chanListener struct {
	once   sync.Once
	closed chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	<-l.closed
	return nil, net.ErrClosed
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9464} }

// value is the sample of family name for account; NaN when there is none.
func value(t *testing.T, reg *prometheus.Registry, name, account string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "account" && l.GetValue() == account {
					if c := m.GetCounter(); c != nil {
						return c.GetValue()
					}
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return math.NaN()
}

// vigil watch never sends an order: a fresh intent the venue does not
// have is reported in doubt and held, not resent, until it is too old to
// resend and is marked NOT_PLACED; meanwhile the UNKNOWN-order and ban
// metrics say what the journal and the venue were set to.
func TestWatchJournalReadOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		v := feedtest.New(exchange.AccountInfo{Name: "acct", Venue: "somevenue", Network: exchange.Testnet}, time.Now)
		v.SetBan(start.Add(10*time.Minute), "test ban")
		desk, j := openTestDesk(t, t.TempDir(), []exchange.Venue{v})
		if err := j.RecordIntent(store.Intent{Account: "acct", ClientID: exchange.NewClientID(start), Created: start, Binding: orders.BindingOf(v),
			Req: exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
				Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000")}}); err != nil {
			t.Fatal(err)
		}
		col := metrics.New(metrics.Options{})
		reg := prometheus.NewRegistry()
		reg.MustRegister(col)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() {
			lend := func(context.Context) (*store.Journal, *orders.Desk, func(), error) { return j, desk, func() {}, nil }
			done <- watch(ctx, watchSetup{Venues: []exchange.Venue{v}, Journal: lend, ReconcileEvery: 30 * time.Second, Listener: &chanListener{closed: make(chan struct{})},
				Collector: col, Log: slog.New(slog.DiscardHandler)})
		}()

		time.Sleep(20 * time.Second)
		synctest.Wait()
		for name, want := range map[string]float64{
			"vigil_orders_unknown": 1, "vigil_orders_unknown_oldest_age_seconds": 20, "vigil_reconcile_held_orders": 1,
			"vigil_budget_banned": 1, "vigil_budget_ban_remaining_seconds": 580,
		} {
			if got := value(t, reg, name, "acct"); got != want {
				t.Errorf("at 20s: %s = %v, want %v", name, got, want)
			}
		}

		time.Sleep(2 * time.Minute)
		synctest.Wait()
		for name, want := range map[string]float64{"vigil_orders_unknown": 0, "vigil_reconcile_not_placed_total": 1} {
			if got := value(t, reg, name, "acct"); got != want {
				t.Errorf("at 2m20s: %s = %v, want %v", name, got, want)
			}
		}
		if n := v.Calls("Place"); n != 0 {
			t.Fatalf("vigil watch placed %d orders", n)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// vigil watch runs for months beside the cockpit and 'vigil order': it
// borrows the journal for each pass and gives it back, so another vigil
// opens it between passes; while that one holds it (and serves copies, as
// the cockpit does), watch counts orders from the copy.
func TestWatchLendsTheJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	v := feedtest.New(exchange.AccountInfo{Name: "acct", Venue: "somevenue", Network: exchange.Testnet}, time.Now)
	intent := func(j *store.Journal, id string) {
		t.Helper()
		if err := j.RecordIntent(store.Intent{Account: "acct", ClientID: id, Created: time.Now(), Binding: orders.BindingOf(v),
			Req: exchange.OrderRequest{Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
				Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000")}}); err != nil {
			t.Fatal(err)
		}
	}
	j, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	intent(j, "vgfirst0000000000000000")
	j.Close()

	col := metrics.New(metrics.Options{})
	reg := prometheus.NewRegistry()
	reg.MustRegister(col)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- watch(ctx, watchSetup{Venues: []exchange.Venue{v}, Journal: borrowJournal(path, []exchange.Venue{v}, nil),
			Listener: &chanListener{closed: make(chan struct{})}, Collector: col, Log: slog.New(slog.DiscardHandler),
			CountEvery: 300 * time.Millisecond, ReconcileEvery: time.Hour})
	}()
	waitFor := func(want float64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for value(t, reg, "vigil_orders_unknown", "acct") != want {
			if time.Now().After(deadline) {
				t.Fatalf("vigil_orders_unknown = %v, want %v", value(t, reg, "vigil_orders_unknown", "acct"), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor(1)

	// Another vigil (the cockpit) opens the journal while watch runs.
	holder, err := store.Open(path)
	if err != nil {
		t.Fatalf("the journal stayed locked by vigil watch: %v", err)
	}
	defer holder.Close()
	sctx, stop := context.WithCancel(t.Context())
	defer stop()
	if _, err := holder.ServeCopies(sctx); err != nil {
		t.Fatal(err)
	}
	intent(holder, "vgsecond000000000000000")
	waitFor(2) // read from the copy the holder serves

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := v.Calls("Place"); n != 0 {
		t.Fatalf("vigil watch placed %d orders", n)
	}
}
