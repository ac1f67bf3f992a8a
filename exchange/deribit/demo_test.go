package deribit_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/vigil-trade/vigil/demo"
	"github.com/vigil-trade/vigil/ui"
)

// TestDemoShowsPositionAndCredits: `vigil demo` at 160×48 shows the
// Deribit demo account's position (the fake opens it when the demo's key
// is added) and its credit pool in the budgets pane.
func TestDemoShowsPositionAndCredits(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every venue's demo fake in real time")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := demo.Start(ctx, demo.WithSeed(3), demo.WithoutOrders())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	m := ui.New(ui.Deps{Venues: d.Venues(), Demo: true, Dark: true, NoColor: true})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(160, 48))
	wait := ui.Start(ctx, m, tm.Send, ui.Options{})
	// Until the first balances poll has brought the position in.
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return strings.Contains(ansi.Strip(string(b)), "BTC_USDC-PERPETUAL")
	}, teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(50*time.Millisecond))
	_ = tm.Quit()
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*ui.Model)
	cancel()
	wait()
	s := ansi.Strip(final.Render())
	for _, want := range []string{`8 Positions`, `demo-deribit\s+1 open`, `BTC_USDC-PERPETUAL\s+long\s+0\.05 BTC`, `demo-deribit\s+\d+% credits`} {
		if !regexp.MustCompile(want).MatchString(s) {
			t.Errorf("no %s at 160x48:\n%s", want, s)
		}
	}
}
