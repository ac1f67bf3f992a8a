package metrics

import (
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-trade/vigil/exchange"
)

// metric is one family's description; series are built at scrape time.
type metric struct {
	desc *prometheus.Desc
	typ  prometheus.ValueType
}

func gauge(name, help string, extra ...string) metric {
	return metric{prometheus.NewDesc(name, help, append([]string{"account", "venue"}, extra...), nil), prometheus.GaugeValue}
}

func counter(name, help string) metric {
	return metric{prometheus.NewDesc(name, help, []string{"account", "venue"}, nil), prometheus.CounterValue}
}

// The families, in the README's order (README.md, "vigil watch"): a new
// one goes in both.
var (
	mClockSynced      = gauge("vigil_clock_synced", "1 once the venue's clock has been measured, else 0.")
	mClockOffset      = gauge("vigil_clock_offset_seconds", "Venue clock minus this machine's: negative means this machine is ahead.")
	mClockUncertainty = gauge("vigil_clock_uncertainty_seconds", "Uncertainty of the clock offset estimate.")
	mClockRTT         = gauge("vigil_clock_rtt_seconds", "Round-trip time of the best recent clock sample.")
	mClockDrift       = gauge("vigil_clock_drift_ratio", "Change of the offset per second of elapsed time (x3600: seconds per hour); absent until measured.")
	mHeadroomAhead    = gauge("vigil_clock_headroom_ahead_seconds", "How far a request's timestamp may still move ahead before the venue refuses it as from the future.")
	mHeadroomBehind   = gauge("vigil_clock_headroom_behind_seconds", "How far a request's timestamp may still fall behind before the venue refuses it as outside the receive window.")
	mAheadLimit       = gauge("vigil_clock_ahead_limit_seconds", "The venue's tolerance for timestamps from the future.")
	mBehindLimit      = gauge("vigil_clock_behind_limit_seconds", "The receive window: the venue's tolerance for old timestamps.")
	mClockDanger      = gauge("vigil_clock_danger", "1 when this machine is ahead past what stamping absorbs or headroom is under 25%, else 0.")
	mClockSyncError   = gauge("vigil_clock_sync_error", "1 when the last clock sync lost samples or failed, else 0.")
	mClockLastSync    = gauge("vigil_clock_last_sync_timestamp_seconds", "When the clock was last measured (Unix time).")

	mKeyAuditOK    = gauge("vigil_key_audit_ok", "1 when the last key audit got an answer, 0 when it failed.")
	mKeyLastAudit  = gauge("vigil_key_last_audit_timestamp_seconds", "When the key's permissions were last read (Unix time).")
	mKeyRead       = gauge("vigil_key_read_enabled", "1 when the key may read, 0 when not; absent when the venue does not say.")
	mKeyTrade      = gauge("vigil_key_trade_enabled", "1 when the key may trade, 0 when not; absent when the venue does not say.")
	mKeyWithdraw   = gauge("vigil_key_withdraw_enabled", "1 when the key may WITHDRAW funds, 0 when not; absent when the venue does not say (see vigil_key_withdraw_known).")
	mKeyWithdrawOK = gauge("vigil_key_withdraw_known", "1 when the venue said whether the key may withdraw, else 0.")
	mKeyIPBound    = gauge("vigil_key_ip_bound", "1 when the key only works from listed IPs, 0 when from anywhere; absent when the venue does not say.")
	mKeyAge        = gauge("vigil_key_age_seconds", "Time since the key was made (as the venue says, else as the vault recorded).")
	mKeyExpiresIn  = gauge("vigil_key_expires_in_seconds", "Time until the key expires, negative once expired; absent when it does not expire or the venue does not say.")

	mSelfTest = gauge("vigil_signer_selftest_ok", "1 when the signer passed its self-test against the venue's vectors, 0 when it failed (it then signs nothing); absent for a venue without one.")

	mBudgetUsed    = gauge("vigil_budget_used_ratio", "Share of a rate-limit bucket in use (0 to 1).", "bucket")
	mBudgetBanned  = gauge("vigil_budget_banned", "1 while the venue bans or throttles the account's requests, else 0.")
	mBanRemaining  = gauge("vigil_budget_ban_remaining_seconds", "Time until the ban ends; 0 when not banned.")
	mBudgetWaiting = gauge("vigil_budget_waiting_requests", "Requests held back locally right now to stay within the budget.")

	mStreamUp         = gauge("vigil_stream_up", "1 while the private stream is live, else 0; absent for an account polled without one.")
	mStreamStateAge   = gauge("vigil_stream_state_seconds", "Time the private stream has been in its current state (live, or not).")
	mStreamLastEvent  = gauge("vigil_stream_last_event_age_seconds", "Time since the private stream's last event (pings included).")
	mStreamReconnects = counter("vigil_stream_reconnects_total", "Times the private stream went from live to reconnecting.")
	mStreamAttempts   = gauge("vigil_stream_failed_attempts", "Failed connection attempts since the stream was last healthy.")

	mBalanceFree   = gauge("vigil_balance_free", "Free balance of an asset (only with metrics_balances = true).", "asset")
	mBalanceLocked = gauge("vigil_balance_locked", "Balance of an asset locked in orders (only with metrics_balances = true).", "asset")
	mBalanceOK     = gauge("vigil_balances_ok", "1 when the last balances read succeeded, else 0 (only with metrics_balances = true).")

	mPositionsOpen  = gauge("vigil_positions_open", "Open derivatives positions; absent for a venue that holds none (spot).")
	mPositionsOK    = gauge("vigil_positions_ok", "1 when the last positions read succeeded, else 0; absent for a venue that holds none.")
	mPositionLiqGap = gauge("vigil_position_liquidation_distance_ratio", "How far the mark price is from the position's liquidation price, as a share of the mark (0.05: 5% away); absent when the venue gives no liquidation price.", "symbol")

	mOrdersOpen       = gauge("vigil_orders_open", "Orders the journal holds as resting on the book.")
	mOrdersUnknown    = gauge("vigil_orders_unknown", "Orders sent whose fate is not yet known (UNKNOWN, PENDING, SENT).")
	mOrdersUnknownAge = gauge("vigil_orders_unknown_oldest_age_seconds", "Age of the oldest order whose fate is not known; 0 when there is none.")

	mReconcilePasses    = counter("vigil_reconcile_passes_total", "Reconciliations of the order journal with the venue.")
	mReconcileFailures  = counter("vigil_reconcile_failures_total", "Reconciliations that failed (venue unreachable, journal error).")
	mReconcileResolved  = counter("vigil_reconcile_resolved_total", "Orders whose state a reconciliation learnt from the venue.")
	mReconcileGone      = counter("vigil_reconcile_gone_total", "Acknowledged orders the venue no longer has, marked GONE.")
	mReconcileNotPlaced = counter("vigil_reconcile_not_placed_total", "Intents the venue never received, marked NOT_PLACED.")
	mReconcileHeld      = gauge("vigil_reconcile_held_orders", "Intents the venue does not have, left in doubt for a command that may send (vigil watch never sends).")
	mReconcileLast      = gauge("vigil_reconcile_last_success_timestamp_seconds", "When a reconciliation last succeeded (Unix time).")
)

var families = []metric{
	mClockSynced, mClockOffset, mClockUncertainty, mClockRTT, mClockDrift, mHeadroomAhead, mHeadroomBehind,
	mAheadLimit, mBehindLimit, mClockDanger, mClockSyncError, mClockLastSync,
	mKeyAuditOK, mKeyLastAudit, mKeyRead, mKeyTrade, mKeyWithdraw, mKeyWithdrawOK, mKeyIPBound, mKeyAge, mKeyExpiresIn,
	mSelfTest,
	mBudgetUsed, mBudgetBanned, mBanRemaining, mBudgetWaiting,
	mStreamUp, mStreamStateAge, mStreamLastEvent, mStreamReconnects, mStreamAttempts,
	mBalanceFree, mBalanceLocked, mBalanceOK,
	mPositionsOpen, mPositionsOK, mPositionLiqGap,
	mOrdersOpen, mOrdersUnknown, mOrdersUnknownAge,
	mReconcilePasses, mReconcileFailures, mReconcileResolved, mReconcileGone, mReconcileNotPlaced, mReconcileHeld, mReconcileLast,
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range families {
		ch <- m.desc
	}
	c.reqs.Describe(ch)
	c.duration.Describe(ch)
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	now := c.opts.Now()
	c.mu.Lock()
	as := make([]account, 0, len(c.accounts))
	for _, a := range c.accounts {
		as = append(as, *a) // the snapshots are replaced, never changed in place
	}
	c.mu.Unlock()
	slices.SortFunc(as, func(x, y account) int { return strings.Compare(x.name, y.name) })
	for i := range as {
		c.collect(ch, &as[i], now)
	}
	c.reqs.Collect(ch)
	c.duration.Collect(ch)
}

func (c *Collector) collect(ch chan<- prometheus.Metric, a *account, now time.Time) {
	emit := func(m metric, v float64, extra ...string) {
		ch <- prometheus.MustNewConstMetric(m.desc, m.typ, v, append([]string{a.name, a.venue}, extra...)...)
	}
	secs := func(d time.Duration) float64 { return d.Seconds() }
	unix := func(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

	if s := a.clock; s != nil {
		emit(mClockSynced, bit(s.Synced))
		if s.Synced {
			emit(mClockOffset, secs(s.Offset))
			emit(mClockUncertainty, secs(s.Uncertainty))
			emit(mClockRTT, secs(s.RTT))
			if s.DriftKnown {
				emit(mClockDrift, float64(s.DriftPerHr)/float64(time.Hour))
			}
			emit(mHeadroomAhead, secs(s.HeadroomAhead))
			emit(mHeadroomBehind, secs(s.HeadroomBehind))
		}
		if s.AheadLimit > 0 {
			emit(mAheadLimit, secs(s.AheadLimit))
		}
		if s.BehindLimit > 0 {
			emit(mBehindLimit, secs(s.BehindLimit))
		}
		emit(mClockDanger, bit(s.Danger))
		emit(mClockSyncError, bit(s.Err != ""))
		if !s.LastSync.IsZero() {
			emit(mClockLastSync, unix(s.LastSync))
		}
	}

	if a.key != nil || a.keyErr {
		emit(mKeyAuditOK, bit(!a.keyErr))
	}
	created := a.keyCreated
	if k := a.key; k != nil {
		emit(mKeyLastAudit, unix(a.keyAt))
		tri := func(m metric, t exchange.Tri) {
			if t != exchange.TriUnknown {
				emit(m, bit(t == exchange.TriYes))
			}
		}
		tri(mKeyRead, k.Read)
		tri(mKeyTrade, k.Trade)
		tri(mKeyWithdraw, k.Withdraw)
		emit(mKeyWithdrawOK, bit(k.Withdraw != exchange.TriUnknown))
		tri(mKeyIPBound, k.IPBound)
		if !k.Created.IsZero() {
			created = k.Created
		}
		if !k.Expires.IsZero() {
			emit(mKeyExpiresIn, secs(k.Expires.Sub(now)))
		}
	}
	if !created.IsZero() {
		emit(mKeyAge, secs(now.Sub(created)))
	}

	if a.selfTest != nil {
		emit(mSelfTest, bit(*a.selfTest))
	}

	if b := a.budget; b != nil {
		for _, k := range b.Buckets {
			emit(mBudgetUsed, k.Fill(), k.Name)
		}
		banned := b.Banned(now)
		emit(mBudgetBanned, bit(banned))
		left := time.Duration(0)
		if banned {
			left = b.BannedUntil.Sub(now)
		}
		emit(mBanRemaining, secs(left))
		emit(mBudgetWaiting, float64(b.Waiting))
	}

	if s := a.stream; s != nil {
		emit(mStreamUp, bit(s.State == exchange.StreamLive))
		if !s.Since.IsZero() {
			emit(mStreamStateAge, secs(max(0, now.Sub(s.Since))))
		}
		if !s.LastEvent.IsZero() {
			emit(mStreamLastEvent, secs(max(0, now.Sub(s.LastEvent))))
		}
		emit(mStreamReconnects, a.drops)
		emit(mStreamAttempts, float64(s.Attempt))
	}

	if c.opts.Balances && (a.balances != nil || a.balErr) {
		for _, b := range a.balances {
			// Prometheus samples are floats: the decimal is converted
			// here, at the edge, and nowhere computed with.
			emit(mBalanceFree, b.Free.InexactFloat64(), b.Asset)
			emit(mBalanceLocked, b.Locked.InexactFloat64(), b.Asset)
		}
		emit(mBalanceOK, bit(!a.balErr))
	}

	if a.positions != nil || a.posErr {
		emit(mPositionsOpen, float64(len(a.positions)))
		emit(mPositionsOK, bit(!a.posErr))
		for _, p := range a.positions {
			if p.Liquidation.IsPositive() && p.Mark.IsPositive() {
				// A ratio, not money: converted at the edge like balances.
				emit(mPositionLiqGap, p.Mark.Sub(p.Liquidation).Abs().Div(p.Mark).InexactFloat64(), p.Symbol)
			}
		}
	}

	if o := a.orders; o != nil {
		emit(mOrdersOpen, float64(o.Open))
		emit(mOrdersUnknown, float64(o.Unknown))
		age := time.Duration(0)
		if o.Unknown > 0 && !o.OldestUnknown.IsZero() {
			age = max(0, now.Sub(o.OldestUnknown))
		}
		emit(mOrdersUnknownAge, secs(age))
	}

	if r := a.reconcile; r.Passes > 0 {
		emit(mReconcilePasses, r.Passes)
		emit(mReconcileFailures, r.Failures)
		emit(mReconcileResolved, r.Resolved)
		emit(mReconcileGone, r.Gone)
		emit(mReconcileNotPlaced, r.NotPlaced)
		emit(mReconcileHeld, float64(r.Held))
		if !r.LastSuccess.IsZero() {
			emit(mReconcileLast, unix(r.LastSuccess))
		}
	}
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
