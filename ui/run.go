package ui

import (
	"context"
	"errors"
	"os"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/feed"
)

// Options are how Run builds the program.
type Options struct {
	Feed           feed.Options
	ProgramOptions []tea.ProgramOption // e.g. tea.WithInput/WithOutput in tests
	// Producers run beside the feed, each in its own goroutine until ctx
	// ends, and deliver through the same bridge (in order, never dropped):
	// the order desk's journal events and start-up reconciliation use it.
	Producers []Producer
}

// Producer emits messages for an account's panes; emit never blocks.
type Producer func(ctx context.Context, emit func(account string, msg tea.Msg))

// Attach starts the feed for m's accounts, delivering through one bridge to
// send (the program's Send), and hands the feed to the model as a message
// so nothing races Update. Stop it by ending ctx; Wait on the result.
func Attach(ctx context.Context, m *Model, send func(tea.Msg), opts feed.Options) *feed.Feed {
	f := feed.Start(ctx, m.deps.Venues, send, opts)
	f.Bridge().Event("", 0, attachMsg{f: f, track: f.Track})
	return f
}

// Start is everything Run does around the program: the feed and the
// producers for m, delivering to send (the program's Send). It returns a
// wait that blocks until ctx has ended and all of it has stopped. Tests
// that drive the model under teatest start it the same way.
func Start(ctx context.Context, m *Model, send func(tea.Msg), opts Options) (wait func()) {
	f := Attach(ctx, m, send, opts.Feed)
	var wg sync.WaitGroup
	for _, run := range opts.Producers {
		wg.Go(func() { run(ctx, f.Bridge().EventCurrent) })
	}
	return func() {
		f.Wait()
		wg.Wait()
	}
}

// Run is the cockpit: it builds the program (alternate screen, set on the
// View), starts the feed and runs until the user quits or ctx ends, which
// is a normal exit. NO_COLOR in the environment forces plain styles.
func Run(ctx context.Context, deps Deps, opts Options) error {
	if NoColorEnv(os.Getenv) {
		deps.NoColor = true
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := New(deps)
	popts := append([]tea.ProgramOption{tea.WithContext(ctx)}, opts.ProgramOptions...)
	p := tea.NewProgram(m, popts...)
	wait := Start(ctx, m, p.Send, opts)
	_, err := p.Run()
	cancel()
	wait()
	if err != nil && parent.Err() != nil && errors.Is(err, tea.ErrProgramKilled) {
		return nil
	}
	return err
}

// trackingDesk tells the feed about every order the desk sent or cancelled:
// the stream's resync must know about orders this cockpit sent, or one
// placed and filled during a stream gap would never show.
type trackingDesk struct {
	OrderDesk
	track func(account string, o exchange.Order)
}

func (d trackingDesk) Place(ctx context.Context, account string, req exchange.OrderRequest) (exchange.Order, error) {
	o, err := d.OrderDesk.Place(ctx, account, req)
	if o.OrderID != "" {
		d.track(account, o)
	}
	return o, err
}

func (d trackingDesk) Cancel(ctx context.Context, account string, ref exchange.OrderRef) (exchange.Order, error) {
	o, err := d.OrderDesk.Cancel(ctx, account, ref)
	if o.OrderID != "" {
		d.track(account, o)
	}
	return o, err
}
