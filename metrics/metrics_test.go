package metrics

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func fixture(balances bool) *Collector {
	c := New(Options{Balances: balances, Now: func() time.Time { return t0 }})
	c.AddAccount("acct", "somevenue", t0.Add(-100*24*time.Hour))
	c.Clock("acct", exchange.ClockSnapshot{Synced: true, Offset: -1500 * time.Millisecond, RTT: 20 * time.Millisecond,
		HeadroomAhead: -500 * time.Millisecond, HeadroomBehind: 6500 * time.Millisecond, AheadLimit: time.Second,
		BehindLimit: 5 * time.Second, Danger: true, DriftPerHr: 36 * time.Millisecond, DriftKnown: true, LastSync: t0.Add(-time.Second)})
	c.Key("acct", exchange.KeyInfo{Read: exchange.TriYes, Trade: exchange.TriYes, Withdraw: exchange.TriYes,
		Expires: t0.Add(10 * 24 * time.Hour), CheckedAt: t0, AccountUID: "12345", IPs: []string{"10.0.0.1"}}, nil)
	c.Budget("acct", exchange.BudgetSnapshot{Buckets: []exchange.Bucket{{Name: "weight/1m", Used: 300, Limit: 1200}},
		BannedUntil: t0.Add(90 * time.Second)})
	c.Stream("acct", exchange.StreamStatus{State: exchange.StreamLive, Since: t0.Add(-time.Hour), LastEvent: t0.Add(-3 * time.Second)})
	c.Stream("acct", exchange.StreamStatus{State: exchange.StreamReconnecting, Since: t0.Add(-150 * time.Second), Attempt: 2, Err: "secret-bearing text", Drops: 1})
	c.Balances("acct", []exchange.Balance{{Asset: "USDT", Free: decimal.RequireFromString("10.5"), Locked: decimal.NewFromInt(2)}}, nil)
	c.Orders("acct", Orders{Open: 3, Unknown: 1, OldestUnknown: t0.Add(-6 * time.Minute)})
	c.SignerSelfTest("acct", false)
	c.Reconcile("acct", 2, 1, 0, 0, nil)
	c.Reconcile("acct", 0, 0, 0, 1, errors.New("venue down"))
	return c
}

func TestCollectorValues(t *testing.T) {
	c := fixture(true)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	want := `
# HELP vigil_clock_offset_seconds Venue clock minus this machine's: negative means this machine is ahead.
# TYPE vigil_clock_offset_seconds gauge
vigil_clock_offset_seconds{account="acct",venue="somevenue"} -1.5
# HELP vigil_clock_headroom_ahead_seconds How far a request's timestamp may still move ahead before the venue refuses it as from the future.
# TYPE vigil_clock_headroom_ahead_seconds gauge
vigil_clock_headroom_ahead_seconds{account="acct",venue="somevenue"} -0.5
# HELP vigil_clock_drift_ratio Change of the offset per second of elapsed time (x3600: seconds per hour); absent until measured.
# TYPE vigil_clock_drift_ratio gauge
vigil_clock_drift_ratio{account="acct",venue="somevenue"} 1e-05
# HELP vigil_key_withdraw_enabled 1 when the key may WITHDRAW funds, 0 when not; absent when the venue does not say (see vigil_key_withdraw_known).
# TYPE vigil_key_withdraw_enabled gauge
vigil_key_withdraw_enabled{account="acct",venue="somevenue"} 1
# HELP vigil_key_expires_in_seconds Time until the key expires, negative once expired; absent when it does not expire or the venue does not say.
# TYPE vigil_key_expires_in_seconds gauge
vigil_key_expires_in_seconds{account="acct",venue="somevenue"} 864000
# HELP vigil_key_age_seconds Time since the key was made (as the venue says, else as the vault recorded).
# TYPE vigil_key_age_seconds gauge
vigil_key_age_seconds{account="acct",venue="somevenue"} 8.64e+06
# HELP vigil_signer_selftest_ok 1 when the signer passed its self-test against the venue's vectors, 0 when it failed (it then signs nothing); absent for a venue without one.
# TYPE vigil_signer_selftest_ok gauge
vigil_signer_selftest_ok{account="acct",venue="somevenue"} 0
# HELP vigil_budget_used_ratio Share of a rate-limit bucket in use (0 to 1).
# TYPE vigil_budget_used_ratio gauge
vigil_budget_used_ratio{account="acct",bucket="weight/1m",venue="somevenue"} 0.25
# HELP vigil_budget_ban_remaining_seconds Time until the ban ends; 0 when not banned.
# TYPE vigil_budget_ban_remaining_seconds gauge
vigil_budget_ban_remaining_seconds{account="acct",venue="somevenue"} 90
# HELP vigil_stream_up 1 while the private stream is live, else 0; absent for an account polled without one.
# TYPE vigil_stream_up gauge
vigil_stream_up{account="acct",venue="somevenue"} 0
# HELP vigil_stream_state_seconds Time the private stream has been in its current state (live, or not).
# TYPE vigil_stream_state_seconds gauge
vigil_stream_state_seconds{account="acct",venue="somevenue"} 150
# HELP vigil_stream_reconnects_total Times the private stream went from live to reconnecting.
# TYPE vigil_stream_reconnects_total counter
vigil_stream_reconnects_total{account="acct",venue="somevenue"} 1
# HELP vigil_balance_free Free balance of an asset (only with metrics_balances = true).
# TYPE vigil_balance_free gauge
vigil_balance_free{account="acct",asset="USDT",venue="somevenue"} 10.5
# HELP vigil_orders_unknown_oldest_age_seconds Age of the oldest order whose fate is not known; 0 when there is none.
# TYPE vigil_orders_unknown_oldest_age_seconds gauge
vigil_orders_unknown_oldest_age_seconds{account="acct",venue="somevenue"} 360
# HELP vigil_reconcile_passes_total Reconciliations of the order journal with the venue.
# TYPE vigil_reconcile_passes_total counter
vigil_reconcile_passes_total{account="acct",venue="somevenue"} 2
# HELP vigil_reconcile_failures_total Reconciliations that failed (venue unreachable, journal error).
# TYPE vigil_reconcile_failures_total counter
vigil_reconcile_failures_total{account="acct",venue="somevenue"} 1
# HELP vigil_reconcile_held_orders Intents the venue does not have, left in doubt for a command that may send (vigil watch never sends).
# TYPE vigil_reconcile_held_orders gauge
vigil_reconcile_held_orders{account="acct",venue="somevenue"} 1
`
	names := []string{"vigil_clock_offset_seconds", "vigil_clock_headroom_ahead_seconds", "vigil_clock_drift_ratio",
		"vigil_key_withdraw_enabled", "vigil_key_expires_in_seconds", "vigil_key_age_seconds", "vigil_signer_selftest_ok", "vigil_budget_used_ratio",
		"vigil_budget_ban_remaining_seconds", "vigil_stream_up", "vigil_stream_state_seconds", "vigil_stream_reconnects_total",
		"vigil_balance_free", "vigil_orders_unknown_oldest_age_seconds", "vigil_reconcile_passes_total",
		"vigil_reconcile_failures_total", "vigil_reconcile_held_orders"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %+v", err, problems)
	}
}

// Balances say how much money a machine controls: without the opt-in no
// series, and never the key's account id, IPs or the stream's error text.
func TestCollectorLeavesOut(t *testing.T) {
	c := fixture(false)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, mf := range mfs {
		all.WriteString(mf.String())
	}
	for _, bad := range []string{"vigil_balance", "12345", "10.0.0.1", "secret-bearing"} {
		if strings.Contains(all.String(), bad) {
			t.Errorf("exposition contains %q", bad)
		}
	}
}

func TestTransportCounts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/busy":
			w.WriteHeader(http.StatusTooManyRequests)
		case "/down":
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	c := New(Options{})
	hc := &http.Client{Transport: c.Transport(nil, func(*http.Request) string { return "somevenue" })}
	for _, p := range []string{"/", "/", "/busy", "/down"} {
		resp, err := hc.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for outcome, want := range map[string]float64{"ok": 2, "rate_limited": 1, "server_error": 1} {
		if got := testutil.ToFloat64(c.reqs.WithLabelValues("somevenue", outcome)); got != want {
			t.Errorf("%s: %v requests, want %v", outcome, got, want)
		}
	}
	if n := testutil.CollectAndCount(c.duration); n != 3 {
		t.Errorf("%d latency series, want 3", n)
	}
}

// TestPositionMetrics: a venue that holds positions gets how many and how
// close each is to liquidation, never their sizes or PnL; a failed read
// keeps the last set and says so; a spot account has no position series.
func TestPositionMetrics(t *testing.T) {
	c := New(Options{Now: func() time.Time { return t0 }})
	c.AddAccount("perp", "somevenue", time.Time{})
	c.AddAccount("spot", "othervenue", time.Time{})
	dec := decimal.RequireFromString
	c.Positions("perp", []exchange.Position{
		{Symbol: "BTC-PERP", Size: dec("12345"), Mark: dec("100000"), Liquidation: dec("96000"), PnL: dec("777")},
		{Symbol: "ETH-PERP", Size: dec("-3"), Mark: dec("3500")}, // no liquidation price given
	}, nil)
	c.Positions("perp", nil, errors.New("timeout"))
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	want := `
# HELP vigil_positions_open Open derivatives positions; absent for a venue that holds none (spot).
# TYPE vigil_positions_open gauge
vigil_positions_open{account="perp",venue="somevenue"} 2
# HELP vigil_positions_ok 1 when the last positions read succeeded, else 0; absent for a venue that holds none.
# TYPE vigil_positions_ok gauge
vigil_positions_ok{account="perp",venue="somevenue"} 0
# HELP vigil_position_liquidation_distance_ratio How far the mark price is from the position's liquidation price, as a share of the mark (0.05: 5% away); absent when the venue gives no liquidation price.
# TYPE vigil_position_liquidation_distance_ratio gauge
vigil_position_liquidation_distance_ratio{account="perp",symbol="BTC-PERP",venue="somevenue"} 0.04
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "vigil_positions_open", "vigil_positions_ok", "vigil_position_liquidation_distance_ratio"); err != nil {
		t.Fatal(err)
	}
	mfs, _ := reg.Gather()
	var all strings.Builder
	for _, mf := range mfs {
		all.WriteString(mf.String())
	}
	for _, bad := range []string{"12345", "777"} {
		if strings.Contains(all.String(), bad) {
			t.Errorf("exposition contains a position's size or PnL %q", bad)
		}
	}
}

// TestReconnectsCountedFromTheSupervisor: a reconnect quick enough to
// reach the collector only as live, then live again (the feed's bridge
// keeps the latest status per flush) still counts; a restarted feed's
// supervisor, counting from zero again, adds its own.
func TestReconnectsCountedFromTheSupervisor(t *testing.T) {
	c := New(Options{Now: func() time.Time { return t0 }})
	c.AddAccount("a", "v", time.Time{})
	live := func(drops int) {
		c.Stream("a", exchange.StreamStatus{State: exchange.StreamLive, Since: t0, Drops: drops})
	}
	live(0)
	live(1) // dropped and back within one flush
	live(1)
	live(0) // the feed restarted the account
	live(2)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	want := `
# HELP vigil_stream_reconnects_total Times the private stream went from live to reconnecting.
# TYPE vigil_stream_reconnects_total counter
vigil_stream_reconnects_total{account="a",venue="v"} 3
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "vigil_stream_reconnects_total"); err != nil {
		t.Fatal(err)
	}
}
