package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/connect"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed"
	"github.com/vigil-trade/vigil/orders"
	"github.com/vigil-trade/vigil/store"
	"github.com/vigil-trade/vigil/ui"
	"github.com/vigil-trade/vigil/views"
)

const cockpitUsage = `usage: vigil [--config PATH] [--passphrase-file PATH]

Opens the cockpit: asks for the vault passphrase, connects every account in
the config and shows keys, clocks, rate budgets, balances and orders. Order
entry for an account opens once its order journal is reconciled with the
venue. Press ? inside for every key.

Examples:
  vigil                                   # the cockpit for the default config
  vigil --config ~/bots/vigil.toml        # another config
  vigil demo                              # try it without keys or network
`

func init() {
	Register(Command{Name: "", Summary: "the cockpit (vigil with no command)", Usage: cockpitUsage, Run: runCockpit})
}

func runCockpit(ctx context.Context, env *Env, args []string) int {
	fs := env.Flags("vigil")
	if _, err := ParseArgs(fs, args); err != nil {
		return env.Fail(usagef("", "%v", err))
	}
	cfg, err := env.LoadConfig("")
	if err != nil {
		if _, statErr := os.Stat(env.ConfigFile()); os.IsNotExist(statErr) {
			return env.Fail(usagef("", "no config at %s: run 'vigil init' to create one, or 'vigil demo' to try vigil without keys", env.ConfigFile()))
		}
		return env.Fail(err)
	}
	if len(cfg.Accounts) == 0 {
		return env.Fail(usagef("", "%s has no [[accounts]]; add one (see config.example.toml) or try 'vigil demo'", cfg.Path))
	}
	vault, err := env.UnlockVault(ctx, cfg, "")
	if err != nil {
		return env.Fail(err)
	}
	// The clients share the vault's secret buffers, so the vault is wiped
	// only when the cockpit is gone.
	defer vault.Wipe()
	// The trail outlives the clients, so their last requests are written.
	aud, aerr := openAudit(cfg, env.Now)
	defer aud.close()
	venues, err := connect.Open(ctx, cfg, vault, aud.option())
	if err != nil {
		return env.Fail(err)
	}
	defer connect.Close(venues)
	j, desk, err := openDesk(cfg.DataDir, venues, deskOptions(cfg)...)
	if err != nil {
		return env.Fail(err)
	}
	defer j.Close()
	return runUI(ctx, env, venues, desk, false, cfg, retainer(j, cfg.JournalRetentionDays, env.Now), journalCopies(j, env.Now), aud.producer(env.Now, aerr))
}

// journalCopies serves consistent copies of the journal while the cockpit
// holds it, so 'vigil journal stats' and 'journal export' work beside it
// (store.ServeCopies says why a served copy, not a shared lock or a file
// copy). A cockpit that cannot serve says so in Events and runs on.
func journalCopies(j *store.Journal, now func() time.Time) ui.Producer {
	return func(ctx context.Context, emit func(string, tea.Msg)) {
		warn := func(err error) {
			emit("", views.LogMsg{Time: now(), Level: views.LevelWarn,
				Text:   "journal: cannot serve copies to 'vigil journal stats' and 'export' while the cockpit runs: " + err.Error(),
				Advice: "the cockpit and its journal are unaffected; those commands work once it is closed"})
		}
		wait, err := j.ServeCopies(ctx)
		if err != nil {
			warn(err)
			return
		}
		if err := wait(); err != nil {
			warn(err)
		}
	}
}

// openDesk opens the order journal under dataDir and a desk over venues:
// the cockpit, the demo and `vigil order` all go through it. The caller
// closes the journal.
func openDesk(dataDir string, venues []exchange.Venue, opts ...orders.Option) (*store.Journal, *orders.Desk, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("data directory: %w", err)
	}
	j, err := store.Open(filepath.Join(dataDir, store.FileName))
	if err != nil {
		return nil, nil, err
	}
	byName := make(map[string]exchange.Venue, len(venues))
	for _, v := range venues {
		byName[v.Info().Name] = v
	}
	return j, orders.NewDesk(j, byName, opts...), nil
}

// deskOptions carries the accounts' order settings to the desk.
func deskOptions(cfg *config.Config) []orders.Option {
	var opts []orders.Option
	for _, a := range cfg.Accounts {
		if a.OrderGraceMS > 0 {
			opts = append(opts, orders.WithAccountGrace(a.Name, a.OrderGrace()))
		}
	}
	return opts
}

// runUI is the one way the cockpit starts, for real accounts and the demo;
// extra producers run beside the cockpit's own. cfg gives the look
// (time_zone, mouse); nil is the defaults.
func runUI(ctx context.Context, env *Env, venues []exchange.Venue, desk *orders.Desk, demo bool, cfg *config.Config, extra ...ui.Producer) int {
	deps, opts := cockpit(env.Now, venues, desk, demo)
	if cfg != nil {
		deps.LocalTime = cfg.TimeZone == config.TimeZoneLocal
		deps.NoMouse = !cfg.Mouse
	}
	opts.Producers = append(opts.Producers, extra...)
	if err := ui.Run(ctx, deps, opts); err != nil {
		return env.Fail(err)
	}
	return ExitOK
}

// cockpit is the wiring of the cockpit over the journaled desk: the
// whole-program test builds it the same way.
func cockpit(now func() time.Time, venues []exchange.Venue, desk *orders.Desk, demo bool) (ui.Deps, ui.Options) {
	deps := ui.Deps{
		Venues: venues,
		Orders: journalDesk{desk},
		Demo:   demo,
		Now:    now,
		Dark:   true,
	}
	return deps, ui.Options{
		Producers: []ui.Producer{deskEvents(desk, now), reconciler(desk, venues, now)},
		// The journal follows fills and cancels the stream reports, so its
		// history is right without asking the venue about every order.
		Feed: feed.Options{OnOrder: func(account string, o exchange.Order) { _ = desk.Observe(account, o) }},
	}
}

// journalDesk adapts the durable desk to the cockpit's port.
type journalDesk struct{ d *orders.Desk }

func (j journalDesk) Place(ctx context.Context, account string, req exchange.OrderRequest) (exchange.Order, error) {
	return j.d.Place(ctx, account, req)
}

func (j journalDesk) Cancel(ctx context.Context, account string, ref exchange.OrderRef) (exchange.Order, error) {
	return j.d.Cancel(ctx, account, ref)
}

// History is newest last, as the blotter port wants; the journal lists
// newest first.
func (j journalDesk) History(account string) []exchange.Order {
	os, err := j.d.History(account, 2000)
	if err != nil {
		return nil
	}
	for i, k := 0, len(os)-1; i < k; i, k = i+1, k-1 {
		os[i], os[k] = os[k], os[i]
	}
	return os
}

// deskEvents forwards every journaled change to the blotter, so UNKNOWN
// rows show while they resolve.
func deskEvents(desk *orders.Desk, now func() time.Time) ui.Producer {
	return func(ctx context.Context, emit func(string, tea.Msg)) {
		stop := desk.Subscribe(func(e orders.Event) {
			emit(e.Account, views.OrderEventMsg{Event: exchange.OrderEvent{
				Account: e.Account, Kind: exchange.EventSnapshot, Order: e.Order, Time: now(),
			}})
		})
		<-ctx.Done()
		stop()
	}
}

// retainEvery is how often a running cockpit applies the retention policy.
const retainEvery = 24 * time.Hour

// retainer applies journal_retention_days while the cockpit runs, at start
// and then daily: final orders older than that leave the journal for a
// compressed archive beside it, as 'vigil journal archive' does by hand.
// A cockpit kept open for months would otherwise carry every order it ever
// saw. Archive re-reads each order in the transaction that deletes it, so an
// order written to meanwhile stays; a failure costs nothing but size, so it
// is a warning, and the next day tries again.
func retainer(j *store.Journal, days int, now func() time.Time) ui.Producer {
	return func(ctx context.Context, emit func(string, tea.Msg)) {
		if days <= 0 {
			return
		}
		for {
			t := now()
			res, err := j.Archive(t.AddDate(0, 0, -days), t, nil)
			switch {
			case err != nil:
				emit("", views.LogMsg{Time: t, Level: views.LevelWarn,
					Text:   "journal retention: archiving orders older than " + strconv.Itoa(days) + " days failed: " + err.Error(),
					Advice: "nothing was lost; 'vigil journal archive' tries again by hand, or the cockpit tomorrow"})
			case res.Orders > 0:
				emit("", views.LogMsg{Time: t, Level: views.LevelInfo,
					Text: fmt.Sprintf("journal retention: %d final orders older than %d days moved to %s", res.Orders, days, filepath.Base(res.File))})
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(retainEvery):
			}
		}
	}
}

// reconciler settles each account's journal with its venue at start;
// then, every 15 s, whatever is still in doubt (UNKNOWN orders keep order
// entry closed) and, every 5 minutes, every order not final, as a safety
// net under the stream. Order entry for an account stays closed, with the
// reason on the form, until its journal is settled. Accounts are settled
// in parallel, each on its own schedule: one slow venue, or one with many
// orders to check, does not keep the others' order entry closed.
func reconciler(desk *orders.Desk, venues []exchange.Venue, now func() time.Time) ui.Producer {
	return func(ctx context.Context, emit func(string, tea.Msg)) {
		var wg sync.WaitGroup
		for _, v := range venues {
			name := v.Info().Name
			emit(name, views.OrderGateMsg{Account: name, Closed: "reconciling the order journal with the venue"})
			wg.Go(func() { reconcileAccount(ctx, desk, name, now, emit) })
		}
		wg.Wait()
	}
}

// reconcilePass bounds one reconciliation of one account; what it settles
// is kept, and what it leaves the next pass takes up.
const reconcilePass = 30 * time.Second

func reconcileAccount(ctx context.Context, desk *orders.Desk, name string, now func() time.Time, emit func(string, tea.Msg)) {
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	var lastFull time.Time
	for pass := 0; ; pass++ {
		full := pass == 0 || now().Sub(lastFull) >= 5*time.Minute
		if full {
			lastFull = now()
		}
		settle := desk.Reconcile
		if !full {
			settle = desk.Settle // a journal read, no request, while nothing is in doubt
		}
		rctx, cancel := context.WithTimeout(ctx, reconcilePass)
		r, err := settle(rctx, name)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if full && len(r.Left) > 0 {
			// Cut short: the next pass is a full one again, so the rest
			// is not left for five minutes.
			lastFull = time.Time{}
		}
		if msg, ok := reconcileLog(r, err, now(), pass == 0); ok {
			emit(name, msg)
		}
		emit(name, views.OrderGateMsg{Account: name, Closed: gateReason(desk.Ready(name), r, err)})
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// gateReason is why order entry stays closed after a reconciliation, or ""
// when the journal is settled.
func gateReason(ready bool, r orders.Report, err error) string {
	switch {
	case ready:
		return ""
	case err != nil && len(r.Left) > 0:
		return fmt.Sprintf("%d orders still to reconcile with the venue; continuing", len(r.Left))
	case err != nil:
		return "order journal not reconciled (venue unreachable?); retrying"
	case len(r.StillUnknown) == 1:
		return "1 UNKNOWN order resolving with the venue"
	case len(r.StillUnknown) > 1:
		return fmt.Sprintf("%d UNKNOWN orders resolving with the venue", len(r.StillUnknown))
	}
	return "reconciling the order journal with the venue"
}

// reconcileLog is the event-log line for a reconciliation: the first one
// always says what it checked; later ones speak only when they found
// something (a resend, an order the venue lost, one still UNKNOWN).
func reconcileLog(r orders.Report, err error, at time.Time, first bool) (views.LogMsg, bool) {
	if err != nil && len(r.Left) == 0 {
		if errorsIsContext(err) {
			return views.LogMsg{}, false
		}
		return views.LogMsg{Time: at, Level: views.LevelError, Account: r.Account,
			Text: "journal reconciliation failed: " + err.Error(), Advice: exchange.AdviceOf(err)}, true
	}
	notable := r.Resent > 0 || len(r.NotPlaced) > 0 || len(r.StillUnknown) > 0 || len(r.Missing) > 0 || len(r.Gone) > 0 || len(r.Left) > 0 || len(r.Held) > 0
	if r.Checked == 0 && len(r.StillUnknown) == 0 && len(r.Foreign) == 0 || !first && !notable {
		return views.LogMsg{}, false
	}
	lvl := views.LevelInfo
	text := fmt.Sprintf("journal reconciled: %d checked, %d resolved, %d resent", r.Checked, r.Resolved, r.Resent)
	if n := len(r.NotPlaced); n > 0 {
		lvl = views.LevelWarn
		text += fmt.Sprintf(", %d never reached the venue (not resent: see their reasons)", n)
	}
	if n := len(r.Held); n > 0 {
		lvl = views.LevelWarn
		text += fmt.Sprintf(", %d the venue does not have, not resent by a read-only command", n)
	}
	if n := len(r.Foreign); n > 0 {
		// Said on the first pass only: they stay in the journal untouched.
		lvl = views.LevelWarn
		text += fmt.Sprintf(", %d made for another venue, network or endpoint (not reconciled, not resent; check by hand): %v", n, r.Foreign[0])
	}
	if n := len(r.Missing); n > 0 {
		lvl = views.LevelWarn
		text += fmt.Sprintf(", %d the venue did not find (asked again next time)", n)
	}
	if n := len(r.Gone); n > 0 {
		lvl = views.LevelWarn
		text += fmt.Sprintf(", %d acknowledged but gone from the venue (a testnet reset?): marked GONE, not resent", n)
	}
	if n := len(r.Left); n > 0 {
		lvl = views.LevelWarn
		text += fmt.Sprintf(", %d not reached in time (continued next pass)", n)
	}
	if n := len(r.StillUnknown); n > 0 {
		lvl = views.LevelWarn
		text += fmt.Sprintf(", %d still UNKNOWN: order entry stays closed", n)
	}
	return views.LogMsg{Time: at, Level: lvl, Account: r.Account, Text: text}, true
}

func errorsIsContext(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
