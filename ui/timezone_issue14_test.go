package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed/feedtest"
	"github.com/vigil-trade/vigil/views"
)

// zoneModel is the real cockpit with an order and an event at t0
// (09:26:53 UTC), local time being CET (UTC+1).
func zoneModel(t *testing.T, localAtStart bool) *Model {
	t.Helper()
	a := feedtest.New(acctInfo("alpha", exchange.Testnet), fixedNow)
	m := New(Deps{Venues: []exchange.Venue{a}, Now: fixedNow, NoColor: true, Dark: true,
		LocalTime: localAtStart, Local: time.FixedZone("CET", 3600)})
	m.Update(tickMsg(t0))
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m.Update(views.OrdersMsg{Account: "alpha", Orders: []exchange.Order{{
		Account: "alpha", Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder,
		Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("50000"),
		Status: exchange.StatusNew, ClientID: "c1", OrderID: "1", Created: t0.Add(-time.Minute), Updated: t0.Add(-time.Minute),
	}}})
	m.Update(views.LogMsg{Time: t0.Add(-2 * time.Minute), Level: views.LevelInfo, Account: "alpha", Text: "zone probe"})
	return m
}

// Issue 14: times in UTC or local, a config key and a key (T), said in the
// status line; the blotter and the events follow.
func TestTimeZoneToggle(t *testing.T) {
	m := zoneModel(t, false)
	s := screen(m)
	for _, want := range []string{"09:26:53 UTC", "09:25:53", "09:24:53 INFO"} {
		if !strings.Contains(s, want) {
			t.Fatalf("UTC: no %q on screen:\n%s", want, s)
		}
	}
	keys(t, m, "T")
	s = screen(m)
	for _, want := range []string{"10:26:53 CET", "10:25:53", "10:24:53 INFO"} {
		if !strings.Contains(s, want) {
			t.Fatalf("after T: no %q on screen:\n%s", want, s)
		}
	}
	if strings.Contains(s, "09:26:53") || strings.Contains(s, "09:25:53") || strings.Contains(s, "09:24:53") {
		t.Fatalf("after T: a UTC time is left on screen:\n%s", s)
	}
	keys(t, m, "T")
	if s = screen(m); !strings.Contains(s, "09:26:53 UTC") || strings.Contains(s, "CET") {
		t.Fatalf("T again: not back to UTC:\n%s", s)
	}
	keys(t, m, "?")
	if s = screen(m); !strings.Contains(s, "times in UTC / local") {
		t.Fatalf("help does not list T:\n%s", s)
	}
}

// time_zone = "local" starts the cockpit in local time.
func TestTimeZoneLocalAtStart(t *testing.T) {
	m := zoneModel(t, true)
	if s := screen(m); !strings.Contains(s, "10:26:53 CET") || !strings.Contains(s, "10:24:53 INFO") {
		t.Fatalf("local at start:\n%s", s)
	}
}
