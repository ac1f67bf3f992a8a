package streamtest

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// Fake is a venue's fake as the stream suite drives it.
type Fake interface {
	Handover
	Handler() http.Handler
	Sim() *sim.Exchange
	Close()
}

// Suite is one venue's private stream under a supervisor, against the
// venue's fake on an in-memory network: the behaviours every venue's
// stream must show, each a method a venue's test calls.
type Suite struct {
	// Fake starts a fresh fake that knows the key Connect uses.
	Fake func() Fake
	// Connect builds the venue's client for account (its events carry
	// that name) and its streamer, both reaching the fake through hc;
	// the streamer pings every second and waits a second for the pong
	// (and checks its subscription every 2 s, where the venue does).
	Connect func(t *testing.T, hc *http.Client, account string) (exchange.Venue, exchange.Streamer)
	// SimAccount is the fake's account behind the key; Symbol a listed
	// symbol. The account starts with 100000 quote and 2 base.
	SimAccount string
	Symbol     string
	// Faults is how many stream faults the fault run injects; Seed its
	// randomness.
	Faults int
	Seed   uint64
	// Expired is what the log says when the venue ends a session
	// (sim.StreamExpire).
	Expired string
	// Notice is what the log says of the venue's notice of a planned
	// close (sim.StreamNotice); "" when the venue gives none, so a planned
	// close is a reconnect.
	Notice string
}

// account is the supervisor's name for the account.
const account = "acct"

// Start serves a fresh fake on an in-memory network, funds the account,
// and supervises the venue's stream, auditing every audit (0: 3 s). Call
// it inside a synctest bubble.
func (s Suite) Start(t *testing.T, audit time.Duration) (Fake, *Env) {
	t.Helper()
	f := s.Fake()
	mem := sim.NewMemNet(f.Handler())
	t.Cleanup(mem.Close)
	t.Cleanup(f.Close)
	x := f.Sim()
	rules, ok := x.Symbol(s.Symbol)
	if !ok {
		t.Fatalf("the fake does not list %s", s.Symbol)
	}
	for asset, amt := range map[string]int64{rules.Quote: 100000, rules.Base: 2} {
		if err := x.Deposit(s.SimAccount, asset, decimal.NewFromInt(amt)); err != nil {
			t.Fatal(err)
		}
	}
	v, st := s.Connect(t, mem.Client(), account)
	return f, Start(t, Config{Account: account, Venue: v, Streamer: st, AuditEvery: audit})
}

func (s Suite) live(t *testing.T, audit time.Duration, run func(*testing.T, Fake, *Env)) {
	synctest.Test(t, func(t *testing.T) {
		f, env := s.Start(t, audit)
		env.WaitLive(5 * time.Second)
		run(t, f, env)
	})
}

// SurvivesFaults trades through s.Faults random stream faults of every kind; the
// supervisor's blotter and balances end equal to the venue's.
func (s Suite) SurvivesFaults(t *testing.T) {
	s.live(t, 0, func(t *testing.T, f Fake, env *Env) {
		env.RunFaults(Run{Sim: f.Sim(), SimAccount: s.SimAccount, Symbol: s.Symbol, Faults: f, Count: s.Faults, Seed: s.Seed})
	})
}

// NoPongDetected: a connection that stops answering pings is declared
// dead within PingEvery + PongWait (2 s) and re-established.
func (s Suite) NoPongDetected(t *testing.T) {
	s.live(t, time.Hour, func(t *testing.T, f Fake, env *Env) { env.ExpectNoPongDetected(f, 2*time.Second) })
}

// SilentDetected: a stream that answers pings but delivers nothing is
// declared dead by the supervisor's audit and resynced.
func (s Suite) SilentDetected(t *testing.T) {
	s.live(t, 3*time.Second, func(t *testing.T, f Fake, env *Env) { env.ExpectSilentDetected(f.Sim(), s.SimAccount, s.Symbol, f) })
}

// ExpireReconnects: a session the venue ends is re-established at once,
// and the log says why.
func (s Suite) ExpireReconnects(t *testing.T) {
	s.live(t, time.Hour, func(t *testing.T, f Fake, env *Env) { env.ExpectReconnect(f, sim.StreamExpire, s.Expired) })
}

// PlannedClose: with a notice, the supervisor opens, logs in and
// subscribes a new connection while the old one keeps delivering, then
// closes the old one itself; no event is lost or applied twice across the
// switch (ExpectHandover). Without one, the closed connection is
// reconnected and resynced.
func (s Suite) PlannedClose(t *testing.T) {
	s.live(t, time.Hour, func(t *testing.T, f Fake, env *Env) {
		if s.Notice == "" {
			env.ExpectReconnect(f, sim.StreamNotice)
			return
		}
		env.ExpectHandover(f, f.Sim(), s.SimAccount, s.Symbol)
		if !env.Logged(s.Notice) {
			t.Errorf("the notice is not logged: %q", env.Logs())
		}
	})
}
