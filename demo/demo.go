// Package demo runs vigil against in-process fake venues on loopback: fake
// servers over exchange/sim, funded accounts with freshly generated keys,
// and the real venue clients pointed at them. Prices walk, the fake clocks
// are a little off, a few orders rest and fill, and on request the venues
// misbehave now and then, so every pane has something true to show.
//
// Nothing here is a mock of a client: the clients are the ones vigil uses
// against real venues, signing real requests the fakes verify.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/venues"
)

// Option configures Start.
type Option func(*options)

type options struct {
	seed      uint64
	faults    bool
	stepEvery time.Duration
	quote     time.Duration
	orders    bool
	offsets   map[string]time.Duration // venue ("" for every venue) → extra clock offset
	accounts  int
}

// WithSeed seeds every simulated choice (price walks, latency, fault draws,
// which side the demo quotes); the keys are random whatever the seed.
func WithSeed(seed uint64) Option { return func(o *options) { o.seed = seed } }

// WithFaults turns on the fault schedule: now and then a slow answer or a
// 5xx, and every few minutes a dropped stream. Off by default.
func WithFaults(on bool) Option { return func(o *options) { o.faults = on } }

// WithStepEvery sets how often prices move (default 750 ms).
func WithStepEvery(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.stepEvery = d
		}
	}
}

// WithRequoteEvery sets how often the demo tops up each account's resting
// orders (default 20 s).
func WithRequoteEvery(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.quote = d
		}
	}
}

// WithClockOffset pushes a fake venue's clock d ahead of this machine's
// (negative: behind), on top of the small offset each fake has anyway; venue
// "" means every venue. It is how to see that nothing vigil signs is
// refused on a venue whose clock is seconds off.
func WithClockOffset(venue string, d time.Duration) Option {
	return func(o *options) {
		if o.offsets == nil {
			o.offsets = map[string]time.Duration{}
		}
		o.offsets[venue] = d
	}
}

// clockOffset is the extra offset for venue: its own, else the one for
// every venue.
func (o *options) clockOffset(venue string) time.Duration {
	if d, ok := o.offsets[venue]; ok {
		return d
	}
	return o.offsets[""]
}

// DefaultAccounts is how many accounts the demo opens unless told
// otherwise: the default demo keys of every venue (two on a venue that
// signs two ways, so both show).
func DefaultAccounts() int {
	n := 0
	for _, d := range venues.All() {
		n += len(d.Demo)
	}
	return n
}

// MaxAccounts bounds WithAccounts: each account is a key, a client, a
// private stream and a few resting orders.
const MaxAccounts = 100

// WithAccounts opens n accounts instead of DefaultAccounts, for seeing how
// the cockpit carries many: the defaults, then one more key at a time on
// each venue's fake in turn (demo-<venue>-2 for every venue, then -3, …),
// each its own funded account. n below DefaultAccounts or above
// MaxAccounts makes Start fail.
func WithAccounts(n int) Option { return func(o *options) { o.accounts = n } }

// WithoutOrders skips the resting orders placed at startup and the
// top-ups, for callers that want quiet accounts (`vigil check --demo`).
func WithoutOrders() Option { return func(o *options) { o.orders = false } }

// Funding is what every demo account starts with.
var Funding = map[string]decimal.Decimal{
	"USDT": decimal.NewFromInt(10_000),
	"BTC":  decimal.RequireFromString("0.5"),
	"ETH":  decimal.NewFromInt(5),
}

// Demo is a running set of fake venues and the clients talking to them.
type Demo struct {
	venues    []exchange.Venue
	kits      []*fakeVenue
	tr        *http.Transport
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// fakeVenue is one venue's fake with the accounts opened on it.
type fakeVenue struct {
	*kit.Fake
	venue    string
	venues   []exchange.Venue
	btc, eth string // the venue's spelling of the demo's two markets
	// accounts is how another process reaches them (Demo.Accounts,
	// `vigil demo serve`).
	accounts []Account
}

// Start launches the fake venues, registers demo keys, funds the accounts,
// builds the clients and starts the life goroutines, which end with ctx or
// Close. Close must be called either way.
func Start(ctx context.Context, opts ...Option) (*Demo, error) {
	o := options{seed: 1, stepEvery: 750 * time.Millisecond, quote: 20 * time.Second, orders: true, accounts: DefaultAccounts()}
	for _, opt := range opts {
		opt(&o)
	}
	if def := DefaultAccounts(); o.accounts < def || o.accounts > MaxAccounts {
		return nil, fmt.Errorf("demo: %d accounts: want %d to %d", o.accounts, def, MaxAccounts)
	}
	life, cancel := context.WithCancel(ctx)
	d := &Demo{tr: newTransport(), cancel: cancel}
	hc := &http.Client{Transport: d.tr}
	all := venues.All()
	for i, desc := range all {
		k, err := startVenue(desc, venueSeed(o.seed, i), hc, extraAccounts(o.accounts-DefaultAccounts(), i, len(all)))
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("demo: %s: %w", desc.Title, err)
		}
		if extra := o.clockOffset(k.venue); extra != 0 {
			k.Sim.SetSkew(k.Skew + extra)
		}
		d.kits = append(d.kits, k)
		d.venues = append(d.venues, k.venues...)
	}
	rnd := rand.New(rand.NewPCG(o.seed, 0xde770001))
	if o.orders {
		setup, done := context.WithTimeout(life, 10*time.Second)
		defer done()
		for _, k := range d.kits {
			for _, v := range k.venues {
				if err := seedOrders(setup, v, k, rnd); err != nil {
					d.Close()
					return nil, fmt.Errorf("demo: resting orders for %s: %w", v.Info().Name, err)
				}
			}
		}
	}
	for i, k := range d.kits {
		d.wg.Go(func() { k.Sim.Run(life, o.stepEvery) })
		if o.orders {
			qr := rand.New(rand.NewPCG(o.seed, 0xde770100+uint64(i)))
			d.wg.Go(func() { requote(life, k, o.quote, qr) })
		}
		if o.faults {
			scheduleFaults(k)
			fr := rand.New(rand.NewPCG(o.seed, 0xde770200+uint64(i)))
			d.wg.Go(func() { dropStreams(life, k, fr) })
		}
	}
	return d, nil
}

// Venues are the demo accounts' clients, each with Info().Demo set.
func (d *Demo) Venues() []exchange.Venue { return d.venues }

// Close stops the life goroutines, the clients' connections and the fake
// servers. It is safe to call more than once.
func (d *Demo) Close() {
	d.closeOnce.Do(func() {
		d.cancel()
		d.wg.Wait()
		for _, v := range d.venues {
			if c, ok := v.(exchange.Closer); ok {
				_ = c.Close()
			}
		}
		for _, k := range d.kits {
			k.Close()
		}
		d.tr.CloseIdleConnections()
	})
}

// newTransport is the demo's own, so Close can shut its idle connections
// instead of leaving their goroutines to the idle timeout.
func newTransport() *http.Transport {
	dl := &net.Dialer{Timeout: 2 * time.Second}
	return &http.Transport{
		DialContext:           dl.DialContext,
		ResponseHeaderTimeout: 10 * time.Second,
		IdleConnTimeout:       30 * time.Second,
		MaxIdleConnsPerHost:   8,
	}
}

func venueSeed(seed uint64, i int) uint64 { return seed*1_000_003 + uint64(i) }

func fund(x *sim.Exchange, account string) error {
	for asset, amt := range Funding {
		if err := x.Deposit(account, asset, amt); err != nil {
			return err
		}
	}
	return nil
}

// seedOrders rests three orders for v: a buy and a sell close to the price,
// which fill within a minute or so of walking, and a buy far below that
// stays on the book.
func seedOrders(ctx context.Context, v exchange.Venue, k *fakeVenue, rnd *rand.Rand) error {
	legs := []struct {
		symbol string
		side   exchange.Side
		away   string // fraction of the price
		qty    string
	}{
		{k.btc, exchange.Buy, "0.0004", "0.002"},
		{k.eth, exchange.Sell, "0.0008", "0.05"},
		{k.btc, exchange.Buy, "0.03", "0.001"},
	}
	for _, l := range legs {
		away := decimal.RequireFromString(l.away).Mul(decimal.NewFromFloat(0.75 + rnd.Float64()/2))
		if err := quote(ctx, v, l.symbol, l.side, away, decimal.RequireFromString(l.qty)); err != nil {
			return err
		}
	}
	return nil
}

// quote places one GTC limit order `away` (a fraction) from the last price,
// on the passive side.
func quote(ctx context.Context, v exchange.Venue, symbol string, side exchange.Side, away, qty decimal.Decimal) error {
	r, err := v.Rules(ctx, symbol)
	if err != nil {
		return err
	}
	last, err := v.LastPrice(ctx, symbol)
	if err != nil {
		return err
	}
	shift := decimal.NewFromInt(1).Sub(away)
	if side == exchange.Sell {
		shift = decimal.NewFromInt(1).Add(away)
	}
	price := last.Mul(shift).Div(r.TickSize).Floor().Mul(r.TickSize)
	qty = qty.Div(r.StepSize).Floor().Mul(r.StepSize)
	_, err = v.Place(ctx, exchange.OrderRequest{
		Symbol: symbol, Side: side, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: qty, Price: price, ClientID: v.Info().ClientID.New(time.Now()),
	})
	return err
}

// requote keeps a couple of orders near the price on each account, so the
// blotter keeps moving after the startup orders have filled.
func requote(ctx context.Context, k *fakeVenue, every time.Duration, rnd *rand.Rand) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, v := range k.venues {
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			open, err := v.OpenOrders(rctx, "")
			if err == nil && len(open) < 3 {
				symbol, qty, side := k.btc, "0.002", exchange.Buy
				if rnd.IntN(2) == 1 {
					symbol, qty = k.eth, "0.05"
				}
				if rnd.IntN(2) == 1 {
					side = exchange.Sell
				}
				away := decimal.NewFromFloat(0.0002 + rnd.Float64()*0.0006)
				// A failure here is the demo's own weather (a fault, a
				// shutdown): the next tick tries again.
				_ = quote(rctx, v, symbol, side, away, decimal.RequireFromString(qty))
			}
			cancel()
		}
	}
}

// scheduleFaults makes read requests now and then slow or failing, the
// way a busy venue does. Orders are spared so the blotter stays readable.
func scheduleFaults(k *fakeVenue) {
	f := k.Sim.Faults()
	f.Add(sim.Fault{Kind: sim.FaultSlow, Op: "GET *", Prob: 0.03, Delay: 1500 * time.Millisecond})
	f.Add(sim.Fault{Kind: sim.Fault5xx, Op: "GET *", Prob: 0.015, Status: http.StatusServiceUnavailable})
}

// dropStreams cuts the venue's private streams every two to five minutes.
func dropStreams(ctx context.Context, k *fakeVenue, rnd *rand.Rand) {
	if k.DropStreams == nil {
		return
	}
	for {
		wait := 2*time.Minute + time.Duration(rnd.Int64N(int64(3*time.Minute)))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			k.DropStreams()
		}
	}
}

// startVenue runs venue d's fake and opens its demo accounts on it, each
// a key the fake accepts and a client built by the venue's own Open, as
// connect builds one from a config: the demo exercises the same path.
func startVenue(d *kit.Descriptor, seed uint64, hc *http.Client, extra int) (*fakeVenue, error) {
	f, err := d.Fake(kit.FakeConfig{Seed: seed})
	if err != nil {
		return nil, err
	}
	k := &fakeVenue{Fake: f, venue: d.Name, btc: f.Markets[0], eth: f.Markets[1]}
	keys := slices.Clone(d.Demo)
	for j := range extra {
		keys = append(keys, kit.DemoKey{Suffix: fmt.Sprintf("-%d", j+2), Scheme: d.Demo[0].Scheme, Age: d.Demo[0].Age})
	}
	for _, dk := range keys {
		name := "demo-" + d.Name + dk.Suffix
		created := time.Now().Add(-dk.Age).UTC()
		creds, err := f.AddKey(name, dk.Scheme, created)
		if err == nil {
			err = fund(f.Sim, name)
		}
		if err != nil {
			k.shut()
			return nil, err
		}
		now := time.Now
		if lag := dk.LocalClock; lag != 0 {
			now = func() time.Time { return time.Now().Add(lag) }
		}
		v, err := d.Open(kit.Params{
			Info: exchange.AccountInfo{
				Name: name, Venue: d.Name, Network: exchange.Testnet, Scheme: dk.Scheme,
				KeyID: crypto.MaskID(creds.KeyID), KeyCreated: created, Demo: true, ClientID: d.ClientID,
			},
			Creds: creds, REST: f.REST, WS: f.WS, HTTPClient: hc, Now: now,
		})
		if err != nil {
			k.shut()
			return nil, err
		}
		k.venues = append(k.venues, v)
		k.accounts = append(k.accounts, Account{Name: name, Venue: d.Name, BaseURL: f.REST, WSURL: f.WS,
			KeyID: creds.KeyID, Scheme: dk.Scheme, Secret: creds.Secret, Fields: creds.Fields, Created: created})
	}
	return k, nil
}

// shut closes what a half-started venue opened.
func (k *fakeVenue) shut() {
	for _, v := range k.venues {
		if c, ok := v.(exchange.Closer); ok {
			_ = c.Close()
		}
	}
	k.Close()
}

// extraAccounts is venue i's share of extra accounts dealt round-robin
// over n venues, the first venue first.
func extraAccounts(extra, i, n int) int {
	if extra <= i {
		return 0
	}
	return (extra-i-1)/n + 1
}
