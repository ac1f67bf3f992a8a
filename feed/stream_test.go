package feed

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/vigil-trade/vigil/demo"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/views"
)

// TestDemoStreamDropRecovers runs the feed against the demo's fake Binance
// (real clients, loopback): each account's private stream goes live, the
// open-orders poll is replaced by it, and a dropped stream is reported,
// reconnected and resynced.
func TestDemoStreamDropRecovers(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	d, err := demo.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	msgs := make(chan Envelope, 4096)
	f := Start(ctx, d.Venues(), func(m tea.Msg) {
		es := []Envelope{}
		switch m := m.(type) {
		case Envelope:
			es = append(es, m)
		case Batch:
			es = m
		}
		for _, e := range es {
			select {
			case msgs <- e:
			case <-ctx.Done():
			}
		}
	}, Options{})
	defer func() { cancel(); f.Wait() }()

	names := map[string]bool{}
	for _, v := range d.Venues() {
		if _, ok := v.(exchange.Streamer); ok {
			names[v.Info().Name] = true
		}
	}
	if len(names) == 0 {
		t.Fatal("no demo venue has a private stream")
	}
	state := map[string]string{}
	var logs []string
	orders := 0
	// await reads messages until cond holds.
	await := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			select {
			case e := <-msgs:
				switch m := e.Msg.(type) {
				case views.StreamMsg:
					state[m.Account] = m.State
				case views.LogMsg:
					logs = append(logs, m.Account+": "+m.Text)
				case views.OrderEventMsg:
					orders++
				}
			case <-ctx.Done():
				t.Fatalf("%s: timed out; names %v states %v; orders %d logs %q", what, names, state, orders, logs)
			}
		}
	}
	allLive := func() bool {
		for n := range names {
			if state[n] != "live" {
				return false
			}
		}
		return true
	}
	await("live", allLive)
	await("seeded orders from the resync", func() bool { return orders >= 3 })

	d.DropStreams()
	await("reconnecting", func() bool {
		for n := range names {
			if state[n] == "reconnecting" {
				return true
			}
		}
		return false
	})
	await("live again", allLive)
	await("gap line", func() bool {
		for _, l := range logs {
			if strings.Contains(l, "stream down") && strings.Contains(l, "resynced") {
				return true
			}
		}
		return false
	})
	for _, l := range logs {
		if strings.Contains(l, "stream") {
			t.Log(l)
		}
	}
}
