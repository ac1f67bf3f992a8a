package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigil-trade/vigil/connect"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/feed"
	"github.com/vigil-trade/vigil/metrics"
	"github.com/vigil-trade/vigil/orders"
	"github.com/vigil-trade/vigil/store"
	"github.com/vigil-trade/vigil/views"
)

const watchUsage = `usage: vigil watch [--metrics ADDR] [--metrics-public] [--log-format text|json] [--log-level LEVEL]

Runs what the cockpit watches, without a screen, until stopped (SIGTERM or
ctrl+c): clock sync, key audits, rate budgets, balances, private streams and
order journal reconciliation for every account in the config, served as
Prometheus metrics and logged with structured lines on stderr. It never
places, resends or cancels an order. For a one-shot check from cron, use
'vigil check --json'.

The vault passphrase comes from --passphrase-file (a 0600 file you own),
else from the systemd credential "vigil-passphrase"
($CREDENTIALS_DIRECTORY/vigil-passphrase, see LoadCredential= in
systemd.exec(5)), else from the terminal.

Flags:
  --metrics ADDR     serve /metrics on ADDR (default 127.0.0.1:9464)
  --metrics-public   allow an ADDR that is not loopback: the metrics name
                     accounts and say what their keys may do (never a secret
                     or a key id); put a firewall or a proxy in front
  --log-format F     text (default) or json
  --log-level L      debug, info (default), warn or error

Balances are exported only with metrics_balances = true in the config.
README.md ("vigil watch") lists every metric, a systemd unit and the alert
rules shipped in deploy/prometheus/.

Exit codes: 0 stopped by SIGTERM or ctrl+c, 1 failure (the metrics address
cannot be served), 2 usage or config error,
3 wrong vault passphrase, 4 vault or passphrase file unreadable or unsafe.

Examples:
  vigil watch --passphrase-file ~/.config/vigil/passphrase
  vigil watch --metrics 127.0.0.1:9500 --log-format json
  curl -s localhost:9464/metrics | grep vigil_clock
`

// DefaultMetricsAddr is where `vigil watch` serves /metrics unless told.
const DefaultMetricsAddr = "127.0.0.1:9464"

// credentialName is the systemd credential holding the vault passphrase.
const credentialName = "vigil-passphrase"

func init() {
	Register(Command{Name: "watch", Summary: "headless: the cockpit's watch as Prometheus metrics and logs",
		Usage: watchUsage, Run: runWatch})
}

func runWatch(ctx context.Context, env *Env, args []string) int {
	const cmd = "watch"
	fs := env.Flags(cmd)
	addr := fs.String("metrics", DefaultMetricsAddr, "")
	public := fs.Bool("metrics-public", false, "")
	logFormat := fs.String("log-format", "text", "")
	logLevel := fs.String("log-level", "info", "")
	pos, err := ParseArgs(fs, args)
	if err == nil && len(pos) > 0 {
		err = usagef(cmd, "unexpected argument %q", pos[0])
	}
	if err != nil {
		return env.Fail(err)
	}
	log, err := watchLogger(env.Stderr, *logFormat, *logLevel)
	if err != nil {
		return env.Fail(usagef(cmd, "%v", err))
	}
	loopback, err := loopbackAddr(*addr)
	if err != nil {
		return env.Fail(usagef(cmd, "--metrics %q: %v", *addr, err))
	}
	if !loopback && !*public {
		return env.Fail(&exitError{code: ExitUsage,
			err:    fmt.Errorf("--metrics %s is reachable from other machines", *addr),
			advice: "add --metrics-public to mean it (the metrics name accounts and key permissions), or use 127.0.0.1:PORT"})
	}

	cfg, err := env.LoadConfig("")
	if err != nil {
		return env.Fail(err)
	}
	if len(cfg.Accounts) == 0 {
		return env.Fail(usagef(cmd, "%s has no [[accounts]]; add one (see config.example.toml)", cfg.Path))
	}
	vault, err := env.UnlockVault(ctx, cfg, credentialFile(env))
	if err != nil {
		return env.Fail(err)
	}
	// The clients share the vault's secret buffers: wiped when they are gone.
	defer vault.Wipe()

	col := metrics.New(metrics.Options{Balances: cfg.MetricsBalances, Now: env.Now})
	var hosts venueHosts
	hc := exchange.NewHTTPClient("", 0)
	hc.Transport = col.Transport(hc.Transport, hosts.venueOf)
	// watch signs too (clock-gated audits, balances, stream logins): its
	// requests join the audit trail like any other vigil's.
	aud, aerr := openAudit(cfg, env.Now)
	if aerr != nil {
		log.Warn("audit trail cannot be opened: watch goes on without it", "err", aerr)
	}
	defer func() { _ = aud.close() }()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case err := <-aud.reports:
				log.Warn("audit trail: lines not written are counted and noted in the trail", "err", err)
			}
		}
	}()
	venues, err := connect.Open(ctx, cfg, vault, connect.WithHTTPClient(hc), connect.WithLogger(log), aud.option())
	if err != nil {
		return env.Fail(accountErrors(err))
	}
	defer connect.Close(venues)
	hosts.set(venues)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return env.Fail(&exitError{code: ExitFailure, err: fmt.Errorf("metrics: %w", err),
			advice: "another process serves that address (a second vigil watch?): pick another with --metrics"})
	}
	if !loopback {
		log.Warn("metrics served beyond this machine: anyone who can reach the address reads account names and key permissions",
			"addr", ln.Addr().String())
	}

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		ln.Close()
		return env.Fail(fmt.Errorf("data directory: %w", err))
	}
	s := watchSetup{Venues: venues, Listener: ln, Collector: col, Log: log, Now: env.Now,
		RetentionDays: cfg.JournalRetentionDays,
		Journal:       borrowJournal(filepath.Join(cfg.DataDir, store.FileName), venues, deskOptions(cfg))}
	if err := watch(ctx, s); err != nil {
		return env.Fail(err)
	}
	return ExitOK
}

// credentialFile is the passphrase file in effect: --passphrase-file, else
// the systemd credential when the service has one.
func credentialFile(env *Env) string {
	if env.PassphraseFile != "" {
		return env.PassphraseFile
	}
	if dir := env.Getenv("CREDENTIALS_DIRECTORY"); dir != "" {
		p := filepath.Join(dir, credentialName)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// loopbackAddr reports whether addr (host:port) listens on loopback only.
// An empty host is every interface.
func loopbackAddr(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

func watchLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// venueHosts names the venue of a request by its host, for the request
// metrics: the accounts' REST hosts, learnt once the clients exist.
type venueHosts struct {
	m atomic.Pointer[map[string]string]
}

func (h *venueHosts) set(venues []exchange.Venue) {
	m := map[string]string{}
	for _, v := range venues {
		info := v.Info()
		if i := strings.Index(info.REST, "://"); i >= 0 {
			host, _, _ := strings.Cut(info.REST[i+3:], "/")
			m[host] = info.Venue
		}
	}
	h.m.Store(&m)
}

func (h *venueHosts) venueOf(r *http.Request) string {
	if m := h.m.Load(); m != nil {
		return (*m)[r.URL.Host]
	}
	return ""
}

// watchSetup is what `vigil watch` runs over; tests build it the same way.
type watchSetup struct {
	Venues []exchange.Venue
	// Journal lends the journal to one pass of watch's journal work; nil:
	// no journal work.
	Journal       journalPass
	Listener      net.Listener
	Collector     *metrics.Collector
	Log           *slog.Logger
	Now           func() time.Time
	RetentionDays int
	// Feed tunes the pollers; zero fields take watchFeed's values.
	Feed feed.Options
	// ReconcileEvery and CountEvery pace the journal's reconciliation with
	// the venue and its order counts (default 5m and 15s; see journalLoop).
	ReconcileEvery, CountEvery time.Duration
}

// watchFeed are the feed's settings for a process nobody looks at. The
// clock loop syncs again at every look while its last sync is older than
// ClockEvery, and a failed sync leaves it so: against a venue down for
// hours, every look is a sync of several samples. Looking every 15 s
// instead of every second keeps that to a few requests a minute; the
// scheduled re-sync of a healthy venue moves from 45 s to 45–60 s.
func watchFeed(o feed.Options) feed.Options {
	if o.ClockCheck <= 0 {
		o.ClockCheck = 15 * time.Second
	}
	return o
}

// watch serves metrics and runs the feed and the journal's reconciliation
// until ctx ends, then stops them all and returns nil; an error is a
// metrics server that failed.
func watch(ctx context.Context, s watchSetup) error {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.ReconcileEvery <= 0 {
		s.ReconcileEvery = 5 * time.Minute
	}
	if s.CountEvery <= 0 {
		s.CountEvery = 15 * time.Second
	}
	log, col := s.Log, s.Collector
	for _, v := range s.Venues {
		info := v.Info()
		col.AddAccount(info.Name, info.Venue, info.KeyCreated)
		// Run once per process, before the venue's first signature;
		// asking here only reads (or starts) that one run.
		if rep := rest.SelfTest(info.Venue); rep.Registered {
			col.SignerSelfTest(info.Name, rep.Err == nil)
			if rep.Err != nil {
				log.Error("signer self-test failed: vigil signs nothing for this venue", "account", info.Name, "err", rep.Err)
			}
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), col)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "vigil watch: metrics at /metrics")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(s.Listener) }()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &watcher{log: log, col: col, streams: map[string]string{}, withdraw: map[string]exchange.Tri{}}
	opts := watchFeed(s.Feed)
	f := feed.Start(ctx, s.Venues, w.sink, opts)
	var wg sync.WaitGroup
	if s.Journal != nil {
		wg.Go(func() { w.journalLoop(ctx, s) })
	}
	log.Info("vigil watch started", "accounts", len(s.Venues), "metrics", "http://"+s.Listener.Addr().String()+"/metrics",
		"journal", s.Journal != nil)

	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
		err = fmt.Errorf("metrics server: %w", err)
	}
	cancel()
	shut, done := context.WithTimeout(context.Background(), 5*time.Second)
	_ = srv.Shutdown(shut)
	done()
	f.Wait()
	wg.Wait()
	if err == nil {
		log.Info("vigil watch stopped")
	}
	return err
}

// watcher turns what the feed delivers into metrics and log lines.
type watcher struct {
	log *slog.Logger
	col *metrics.Collector

	mu       sync.Mutex
	streams  map[string]string       // last stream state logged, per account
	withdraw map[string]exchange.Tri // last withdraw permission logged
}

// sink is the bridge's delivery: one goroutine, events in order.
func (w *watcher) sink(msg tea.Msg) {
	switch m := msg.(type) {
	case feed.Envelope:
		w.handle(m.Account, m.Msg)
	case feed.Batch:
		for _, e := range m {
			w.handle(e.Account, e.Msg)
		}
	}
}

func (w *watcher) handle(account string, msg tea.Msg) {
	switch m := msg.(type) {
	case views.ClockMsg:
		w.col.Clock(m.Snapshot.Account, m.Snapshot)
	case views.BudgetMsg:
		w.col.Budget(m.Snapshot.Account, m.Snapshot)
	case views.KeyInfoMsg:
		w.col.Key(m.Account, m.Info, m.Err)
		w.keyNews(m)
	case views.BalancesMsg:
		w.col.Balances(m.Account, m.Balances, m.Err)
	case views.PositionsMsg:
		w.col.Positions(m.Account, m.Positions, m.Err)
	case views.StreamMsg:
		if m.State == "off" {
			return // polled instead: no stream to report
		}
		w.col.Stream(m.Account, exchange.StreamStatus{Account: m.Account, State: exchange.StreamState(m.State),
			Since: m.Since, Attempt: m.Attempt, RetryAt: m.RetryAt, LastEvent: m.LastEvent, Drops: m.Drops})
		w.streamNews(m)
	case views.LogMsg:
		attrs := []any{}
		if m.Account != "" {
			attrs = append(attrs, "account", m.Account)
		} else if account != "" {
			attrs = append(attrs, "account", account)
		}
		if m.Advice != "" {
			attrs = append(attrs, "advice", m.Advice)
		}
		w.log.Log(context.Background(), slogLevel(m.Level), m.Text, attrs...)
	case views.OrderEventMsg:
		o := m.Event.Order
		w.log.Debug("order", "account", m.Event.Account, "event", string(m.Event.Kind), "symbol", o.Symbol,
			"client_id", o.ClientID, "status", string(o.Status))
	}
}

// keyNews logs a key's withdraw permission when it is first learnt or
// changes: the one fact about a key worth a line of its own.
func (w *watcher) keyNews(m views.KeyInfoMsg) {
	if m.Err != nil {
		w.log.Warn("key audit failed", "account", m.Account, "err", m.Err)
		return
	}
	w.mu.Lock()
	prev, seen := w.withdraw[m.Account]
	w.withdraw[m.Account] = m.Info.Withdraw
	w.mu.Unlock()
	if seen && prev == m.Info.Withdraw {
		return
	}
	if m.Info.Withdraw == exchange.TriYes {
		w.log.Error("key may WITHDRAW funds: disable withdrawals on it at the venue", "account", m.Account)
		return
	}
	w.log.Info("key audited", "account", m.Account, "read", m.Info.Read.String(), "trade", m.Info.Trade.String(),
		"withdraw", m.Info.Withdraw.String(), "ip_bound", m.Info.IPBound.String())
}

func (w *watcher) streamNews(m views.StreamMsg) {
	w.mu.Lock()
	prev := w.streams[m.Account]
	w.streams[m.Account] = m.State
	w.mu.Unlock()
	if prev == m.State {
		return
	}
	lv := slog.LevelInfo
	if m.State == string(exchange.StreamDown) {
		lv = slog.LevelWarn
	}
	w.log.Log(context.Background(), lv, "private stream "+m.State, "account", m.Account, "attempt", m.Attempt)
}

func slogLevel(l views.Level) slog.Level {
	switch l {
	case views.LevelError:
		return slog.LevelError
	case views.LevelWarn:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// reconcilePassWatch bounds one read-only reconciliation.
const reconcilePassWatch = 30 * time.Second

// journalPass lends the journal to one pass of watch's journal work: the
// journal, a desk over it (nil: a read-only copy, count only), and what
// gives it back.
type journalPass func(ctx context.Context) (j *store.Journal, d *orders.Desk, release func(), err error)

// borrowJournal opens the journal at path for each pass and closes it
// after. watch runs for months beside the cockpit and 'vigil order', and
// each of them needs the journal's lock: held for a pass (milliseconds to
// count, a venue round trip or two to reconcile), they wait for it rather
// than find it taken (store.Open waits a second for a lock). Beside a
// running cockpit, which holds the journal all along, the pass reads the
// copy the cockpit serves and reconciles nothing: the cockpit reconciles
// its own journal.
func borrowJournal(path string, venues []exchange.Venue, opts []orders.Option) journalPass {
	byName := make(map[string]exchange.Venue, len(venues))
	for _, v := range venues {
		byName[v.Info().Name] = v
	}
	return func(ctx context.Context) (*store.Journal, *orders.Desk, func(), error) {
		j, err := store.Open(path)
		if errors.Is(err, store.ErrInUse) {
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			c, cerr := store.OpenCopy(cctx, path)
			cancel()
			if cerr != nil {
				return nil, nil, nil, fmt.Errorf("%w; and no copy served: %v", err, cerr)
			}
			return c, nil, func() { _ = c.Close() }, nil
		}
		if err != nil {
			return nil, nil, nil, err
		}
		return j, orders.NewDesk(j, byName, opts...), func() { _ = j.Close() }, nil
	}
}

// journalLoop counts every account's open and in-doubt orders every
// CountEvery and reconciles its journal with the venue, read-only (nothing
// is ever sent), at start and every ReconcileEvery. Once a day it moves
// old final orders to the archive, as the cockpit does. Each pass borrows
// the journal and gives it back: a count holds it for milliseconds, a
// reconciliation for up to the order grace (an intent the venue does not
// have is asked about twice, that far apart), which is why reconciling
// does not follow every count while an order is in doubt, as the
// cockpit's does: the cockpit or 'vigil order' starting meanwhile waits
// for the journal only a second. An order in doubt that watch cannot
// settle is what the UNKNOWN-order alert is for.
func (w *watcher) journalLoop(ctx context.Context, s watchSetup) {
	count := time.NewTicker(s.CountEvery)
	defer count.Stop()
	last := map[string]time.Time{}
	var archived time.Time
	for first := true; ; first = false {
		w.journalPass(ctx, s, first, last, &archived)
		select {
		case <-ctx.Done():
			return
		case <-count.C:
		}
	}
}

func (w *watcher) journalPass(ctx context.Context, s watchSetup, first bool, last map[string]time.Time, archived *time.Time) {
	j, desk, release, err := s.Journal(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("journal: cannot read it this pass", "err", err)
		}
		return
	}
	defer release()
	for _, v := range s.Venues {
		name := v.Info().Name
		if desk != nil && (first || s.Now().Sub(last[name]) >= s.ReconcileEvery) {
			last[name] = s.Now()
			rctx, cancel := context.WithTimeout(ctx, reconcilePassWatch)
			r, err := desk.ReconcileReadOnly(rctx, name)
			cancel()
			if ctx.Err() != nil {
				return
			}
			w.col.Reconcile(name, r.Resolved, len(r.Gone), len(r.NotPlaced), len(r.Held), err)
			if msg, ok := reconcileLog(r, err, s.Now(), first); ok {
				w.handle(name, msg)
			}
		}
		o, err := countOrders(j, name)
		if err != nil {
			w.log.Warn("journal: cannot count open orders", "account", name, "err", err)
			continue
		}
		w.col.Orders(name, o)
	}
	if desk != nil && s.RetentionDays > 0 && s.Now().Sub(*archived) >= retainEvery {
		*archived = s.Now()
		t := s.Now()
		res, err := j.Archive(t.AddDate(0, 0, -s.RetentionDays), t, nil)
		switch {
		case err != nil:
			w.log.Warn("journal retention: archiving failed; nothing was lost", "days", s.RetentionDays, "err", err)
		case res.Orders > 0:
			w.log.Info("journal retention: final orders moved to the archive", "orders", res.Orders, "days", s.RetentionDays, "file", res.File)
		}
	}
}

// countOrders sorts the account's orders that are not final into resting
// and in doubt.
func countOrders(j *store.Journal, name string) (metrics.Orders, error) {
	var o metrics.Orders
	es, err := j.Unresolved(name)
	if err != nil {
		return o, err
	}
	for _, e := range es {
		switch e.Status {
		case exchange.StatusPending, exchange.StatusUnknown, store.StatusSent:
			o.Unknown++
			if o.OldestUnknown.IsZero() || e.Created.Before(o.OldestUnknown) {
				o.OldestUnknown = e.Created
			}
		default:
			o.Open++
		}
	}
	return o, nil
}
