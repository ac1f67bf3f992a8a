package venuetest

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
)

// mutantEnv names the broken client a child process runs the suite with.
const mutantEnv = "VENUETEST_MUTANT"

// mutants are clients that each break one promise, and the item that
// must catch it.
var mutants = []struct{ name, item string }{
	{"wrong-tick", "rules"},
	{"blind-resend", "lost-answer"},
	{"forgets-client-ids", "orders"},
	{"hides-withdraw", "key-audit"},
	{"deaf-stream", "stream"},
}

// RunMutants shows the suite is not vacuous: for each way of breaking the
// contract it runs the item that must catch it, in a child process, with
// h's client broken that way, and fails unless that item fails. Call it
// from a top-level test of its own.
func RunMutants(t *testing.T, h Harness) {
	if name := os.Getenv(mutantEnv); name != "" {
		open := h.Open
		h.Open = func(t *testing.T, l Link) Client {
			c := open(t, l)
			m := mutant{Venue: c.Venue, name: name}
			if name != "deaf-stream" {
				return Client{Venue: m, Streamer: c.Streamer}
			}
			return Client{Venue: m, Streamer: deaf{c.Streamer}}
		}
		Run(t, h)
		return
	}
	for _, m := range mutants {
		t.Run(m.name, func(t *testing.T) {
			run := "^" + regexp.QuoteMeta(t.Name()[:len(t.Name())-len(m.name)-1]) + "$/^" + m.item + "$"
			cmd := exec.Command(os.Args[0], "-test.run="+run, "-test.count=1")
			cmd.Env = append(os.Environ(), mutantEnv+"="+m.name)
			out, err := cmd.CombinedOutput()
			failed := regexp.MustCompile(`--- FAIL: \S+/` + regexp.QuoteMeta(m.item) + `\b`)
			if err == nil || !failed.Match(out) {
				t.Errorf("a client that %s passed %q (exit %v):\n%s", m.name, m.item, err, out)
			}
		})
	}
}

// mutant is a real client broken in one way.
type mutant struct {
	exchange.Venue
	name string
}

func (m mutant) Rules(ctx context.Context, symbol string) (exchange.SymbolRules, error) {
	r, err := m.Venue.Rules(ctx, symbol)
	if m.name == "wrong-tick" {
		r.TickSize = r.TickSize.Mul(decimal.NewFromInt(10))
	}
	return r, err
}

func (m mutant) Place(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	o, err := m.Venue.Place(ctx, req)
	if m.name == "blind-resend" && exchange.IsAmbiguous(err) {
		return m.Venue.Place(ctx, req)
	}
	return o, err
}

func (m mutant) Query(ctx context.Context, ref exchange.OrderRef) (exchange.Order, error) {
	if m.name == "forgets-client-ids" && ref.ClientID != "" {
		return exchange.Order{}, exchange.ErrOrderNotFound
	}
	return m.Venue.Query(ctx, ref)
}

func (m mutant) KeyInfo(ctx context.Context) (exchange.KeyInfo, error) {
	ki, err := m.Venue.KeyInfo(ctx)
	if m.name == "hides-withdraw" && ki.Withdraw == exchange.TriYes {
		ki.Withdraw = exchange.TriUnknown
	}
	return ki, err
}

// deaf connects, logs in and subscribes, then delivers nothing.
type deaf struct{ exchange.Streamer }

func (d deaf) Stream(ctx context.Context) (exchange.Stream, error) {
	st, err := d.Streamer.Stream(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan exchange.StreamEvent)
	go func() {
		defer close(out)
		for range st.Events() {
		}
	}()
	return deafStream{st, out}, nil
}

type deafStream struct {
	exchange.Stream
	events chan exchange.StreamEvent
}

func (d deafStream) Events() <-chan exchange.StreamEvent { return d.events }
