package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/connect"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders"
	"github.com/vigil-trade/vigil/orders/policy"
	"github.com/vigil-trade/vigil/store"
)

// ExitUnknown means an order request may or may not have taken effect and
// asking the venue did not tell: the journal keeps it UNKNOWN and vigil asks
// again on its next start. A script must not send the order again.
const ExitUnknown = 5

// reconcileTimeout bounds the settling of earlier orders before acting, so
// a venue that hangs cannot hold the command forever. What is settled by
// then stays journaled; what is left is named and settled by the next
// command (a venue that lost thousands of orders costs a few runs, each
// doing work, never one that fails having done nothing).
const reconcileTimeout = 2 * time.Minute

const orderUsage = `usage: vigil order <place|cancel|status|list> --account NAME [flags]

Places, cancels and queries orders from scripts or by hand, through the
same order desk and journal as the cockpit: every order is journaled before
it leaves, and earlier orders whose outcome was lost are settled with the
venue before anything new is sent.

Commands:
  place    send a limit or market order
  cancel   cancel an order by client id or venue order id
  status   the venue's view of an order, and the journal's record of it
  list     the journal's order history, or the venue's open orders

Exit codes: 0 ok, 1 rejected by the venue or failed, 2 usage error or a
symbol rule broken (nothing sent), 3 wrong vault passphrase, 4 vault
unreadable, 5 outcome UNKNOWN (do not send again: vigil resolves it on its
next start), 130 interrupted before anything was sent.

Examples:
  vigil order place --account bn-test --symbol BTCUSDT --side buy --type limit --qty 0.001 --price 50000
  vigil order list --account bn-test
  vigil demo serve    # fake venues, and a config for trying these against them

Run 'vigil order <command> --help' for flags and more examples.
`

var orderPlaceUsage = venueHelp(`usage: vigil order place --account NAME --symbol SYMBOL --side buy|sell
                         --type limit|market --qty QTY [--price PRICE]
                         [--tif GTC|IOC|FOK] [--yes] [--json]

Sends one order on ACCOUNT. First the journal is reconciled with the venue
(earlier orders whose outcome was lost are settled; what was learnt goes to
stderr), then the order is checked against the symbol's rules (tick, step,
minimum and maximum size and value): a broken rule is printed with the
nearest valid value and nothing is sent (exit 2). The order is journaled
before it leaves, under a fresh client id printed with the result.

Quantities and prices are plain decimals (0.001, 50000.5): no exponents,
signs or thousands separators.

Guards, from the account's config:
  network = "mainnet"    refused unless allow_mainnet_orders = true, and then
                         you type the symbol to confirm (or pass --yes)
  max_order_notional     an order worth more needs the symbol typed (or --yes)

Flags:
  --account NAME   account from the config
  --symbol SYMBOL  venue symbol, e.g. {SYMBOLS}
  --side buy|sell
  --type limit|market
  --qty QTY        base quantity
  --price PRICE    limit price (limit orders only)
  --tif GTC|IOC|FOK  time in force for limit orders (default GTC)
  --yes            skip the typed confirmation (scripts)
  --json           print the result as JSON (see README)

Examples:
  vigil order place --account bn-test --symbol BTCUSDT --side buy --type limit --qty 0.001 --price 50000
  vigil order place --account bn-test --symbol BTCUSDT --side sell --type market --qty 0.001 --json
  vigil order place --account {V2}-test --symbol {V2SYM} --side buy --type limit --qty 0.001 --price 50000 --tif IOC
`)

const orderCancelUsage = `usage: vigil order cancel --account NAME --symbol SYMBOL (--client-id ID | --order-id ID)
                          [--yes] [--json]

Cancels one order, after reconciling the journal. An order vigil placed is
journaled CANCEL_REQUESTED first; an ambiguous answer is settled by asking
the venue. On a mainnet account you confirm with y (or pass --yes).

Exit 1 when the order was already final (filled, cancelled) or the venue
refused; 5 when the cancel's outcome is still unknown.

Examples:
  vigil order cancel --account bn-test --symbol BTCUSDT --client-id vg0m8x2k1a7q3z9c4d5e6f7g
  vigil order cancel --account bn-test --symbol BTCUSDT --order-id 4021871 --json
`

const orderStatusUsage = `usage: vigil order status --account NAME --symbol SYMBOL (--client-id ID | --order-id ID) [--json]

Asks the venue for an order and prints its answer beside the journal's
record of the same order (with every transition the journal holds). Exit 0
when either knows the order, 1 when neither does or the venue could not be
asked.

Examples:
  vigil order status --account bn-test --symbol BTCUSDT --client-id vg0m8x2k1a7q3z9c4d5e6f7g
  vigil order status --account bn-test --symbol BTCUSDT --order-id 4021871 --json
`

const orderListUsage = `usage: vigil order list --account NAME [--open] [--symbol SYMBOL] [--limit N] [--json]

Lists the orders journaled for ACCOUNT, newest first, after reconciling the
journal with the venue. With --open it asks the venue for the orders open
now instead (those placed outside vigil too; IN JOURNAL says which are ours).
While the cockpit (or another vigil) holds the journal, it lists the
venue's open orders instead and says so: the journal cannot be read beside
its writer.

Flags:
  --open           the venue's open orders instead of the journal's history
  --symbol SYMBOL  only this symbol (--open)
  --limit N        at most N journal entries (default 50; 0: all)
  --json           print the result as JSON (see README)

Examples:
  vigil order list --account bn-test
  vigil order list --account bn-test --open --symbol BTCUSDT
  vigil order list --account bn-test --limit 0 --json
`

func init() {
	Register(Command{Name: "order", Summary: "place, cancel or query orders (same desk and journal as the cockpit)",
		Usage: orderUsage, Run: runOrderGroup})
	Register(Command{Name: "order place", Summary: "send a limit or market order", Usage: orderPlaceUsage, Run: runOrderPlace})
	Register(Command{Name: "order cancel", Summary: "cancel an order", Usage: orderCancelUsage, Run: runOrderCancel})
	Register(Command{Name: "order status", Summary: "an order as the venue and the journal know it", Usage: orderStatusUsage, Run: runOrderStatus})
	Register(Command{Name: "order list", Summary: "journaled orders, or the venue's open orders", Usage: orderListUsage, Run: runOrderList})
}

func runOrderGroup(ctx context.Context, env *Env, args []string) int {
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		return env.Fail(groupFlagError("order", args[0]))
	}
	if len(args) > 0 {
		return env.Fail(usagef("order", "unknown command %q", "order "+args[0]))
	}
	fmt.Fprint(env.Stderr, orderUsage)
	return ExitUsage
}

// orderResult is what every `vigil order` command prints, as JSON with
// --json, or as tables. The fields are documented in README.md.
type orderResult struct {
	Command    string          `json:"command"`
	Account    string          `json:"account"`
	Outcome    string          `json:"outcome"`
	ExitCode   int             `json:"exit_code"`
	Order      *orderJSON      `json:"order,omitempty"`
	Journal    *journalJSON    `json:"journal,omitempty"`
	Orders     *[]orderJSON    `json:"orders,omitempty"`
	Notional   string          `json:"notional,omitempty"`
	Violations []violationJSON `json:"violations,omitempty"`
	// NearestOrder is the nearest order that breaks no rule at all, when
	// the order breaks some and one exists.
	NearestOrder *nearestJSON `json:"nearest_order,omitempty"`
	// Warnings need the typed confirmation but stop nothing (funds short).
	Warnings  []string       `json:"warnings,omitempty"`
	Reconcile *reconcileJSON `json:"reconcile,omitempty"`
	Error     string         `json:"error,omitempty"`
	Advice    string         `json:"advice,omitempty"`
	// Note says the result is partial and why ("journal in use by the
	// cockpit (pid N): showing the venue's view only").
	Note string `json:"note,omitempty"`
}

// Outcomes, one per result.
const (
	outcomeOK           = "ok"
	outcomeRefused      = "refused"       // a rule or guard stopped it: nothing sent
	outcomeNotConfirmed = "not_confirmed" // the typed confirmation failed: nothing sent
	outcomeRejected     = "rejected"      // the venue refused: the order does not exist
	outcomeNotSent      = "not_sent"      // failed before leaving this machine
	outcomeNotPlaced    = "not_placed"    // the venue never received it
	outcomeNotReady     = "not_ready"     // earlier orders still unknown: nothing sent
	outcomeAlreadyFinal = "already_final" // cancel of a filled or cancelled order
	outcomeNotFound     = "not_found"
	outcomeUnknown      = "unknown" // exit 5
	outcomeFailed       = "failed"
)

type orderJSON struct {
	Source    string     `json:"source,omitempty"`
	Account   string     `json:"account,omitempty"`
	Symbol    string     `json:"symbol"`
	Side      string     `json:"side"`
	Type      string     `json:"type"`
	TIF       string     `json:"tif,omitempty"`
	Qty       string     `json:"qty"`
	Price     string     `json:"price,omitempty"`
	Filled    string     `json:"filled"`
	Status    string     `json:"status"`
	ClientID  string     `json:"client_id,omitempty"`
	OrderID   string     `json:"order_id,omitempty"`
	Created   *time.Time `json:"created,omitempty"`
	Updated   *time.Time `json:"updated,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	InJournal *bool      `json:"in_journal,omitempty"`
}

type journalJSON struct {
	Order   orderJSON    `json:"order"`
	Records []recordJSON `json:"records"`
}

type recordJSON struct {
	Seq     uint64    `json:"seq"`
	Status  string    `json:"status"`
	OrderID string    `json:"order_id,omitempty"`
	Filled  string    `json:"filled"`
	Reason  string    `json:"reason,omitempty"`
	Via     string    `json:"via,omitempty"`
	At      time.Time `json:"at"`
}

type violationJSON struct {
	Rule    string `json:"rule"`
	Field   string `json:"field"`
	Message string `json:"message"`
	Nearest string `json:"nearest,omitempty"`
}

type nearestJSON struct {
	Qty   string `json:"qty"`
	Price string `json:"price,omitempty"`
}

type reconcileJSON struct {
	Checked      int           `json:"checked"`
	Resolved     int           `json:"resolved"`
	Resent       int           `json:"resent"`
	NotPlaced    []string      `json:"not_placed"`
	StillUnknown []string      `json:"still_unknown"`
	Stale        []string      `json:"stale"`
	Missing      []string      `json:"missing"`
	Gone         []string      `json:"gone"`
	Left         []string      `json:"left"`
	Held         []string      `json:"held"`
	Foreign      []foreignJSON `json:"foreign"`
	Changes      []changeJSON  `json:"changes"`
}

// foreignJSON is an intent made for another venue, network or endpoint
// than the account points at now: not reconciled, not resent.
type foreignJSON struct {
	ClientID string      `json:"client_id"`
	Made     bindingJSON `json:"made_for"`
	Now      bindingJSON `json:"account_now"`
	Message  string      `json:"message"`
}

type bindingJSON struct {
	Venue    string `json:"venue"`
	Network  string `json:"network"`
	Endpoint string `json:"endpoint"`
}

func toBindingJSON(b store.Binding) bindingJSON {
	return bindingJSON{Venue: b.Venue, Network: string(b.Network), Endpoint: b.Endpoint}
}

type changeJSON struct {
	ClientID string `json:"client_id"`
	Symbol   string `json:"symbol"`
	Status   string `json:"status"`
	Via      string `json:"via"`
	Reason   string `json:"reason,omitempty"`
	created  time.Time
}

func toJSON(o exchange.Order, source string) orderJSON {
	j := orderJSON{
		Source: source, Account: o.Account, Symbol: o.Symbol, Side: string(o.Side), Type: string(o.Type),
		TIF: string(o.TIF), Qty: o.Qty.String(), Filled: o.Filled.String(), Status: string(o.Status),
		ClientID: o.ClientID, OrderID: o.OrderID, Reason: o.Reason,
	}
	if o.Type == exchange.MarketOrder {
		// A market order has no time in force, whatever the venue echoes
		// (Binance says GTC, Bybit IOC): the same order prints alike everywhere.
		j.TIF = ""
	} else if o.Price.Sign() > 0 {
		j.Price = o.Price.String()
	}
	if !o.Created.IsZero() {
		t := o.Created.UTC()
		j.Created = &t
	}
	if !o.Updated.IsZero() {
		t := o.Updated.UTC()
		j.Updated = &t
	}
	return j
}

// orderSession is one command's hold on an account: its venue client, the
// desk over the journal, and what reconciliation found.
type orderSession struct {
	env     *Env
	name    string
	cmd     string
	json    bool
	info    exchange.AccountInfo
	venue   exchange.Venue
	desk    *orders.Desk
	journal *store.Journal
	rec     *reconcileJSON
	closers []func()
	// venueOnly says why the journal is not open ('order list' beside a
	// running cockpit that serves no copy): the session reads the venue
	// alone; desk and journal are nil.
	venueOnly string
	// copyNote says the journal is the copy a running cockpit served
	// ('order list' beside it): history reads from it; desk is nil and
	// nothing is reconciled or written.
	copyNote string
}

// listCopyWait bounds the wait for a running cockpit's journal copy.
const listCopyWait = 10 * time.Second

// history is the account's journaled orders, newest first: through the desk,
// or straight from a cockpit's copy of the journal.
func (s *orderSession) history(limit int) ([]exchange.Order, error) {
	if s.desk != nil {
		return s.desk.History(s.name, limit)
	}
	es, err := s.journal.History(s.name, limit)
	if err != nil {
		return nil, err
	}
	out := make([]exchange.Order, len(es))
	for i, e := range es {
		out[i] = e.Order()
	}
	return out, nil
}

func (s *orderSession) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// orderAccount loads the config and finds the account, before any
// passphrase is asked for.
func (env *Env) orderAccount(cmd, name string) (*config.Config, config.Account, error) {
	if name == "" {
		return nil, config.Account{}, usagef(cmd, "--account is required")
	}
	cfg, err := env.LoadConfig("")
	if err != nil {
		return nil, config.Account{}, err
	}
	a, ok := cfg.Account(name)
	if !ok {
		var names []string
		for _, a := range cfg.Accounts {
			names = append(names, a.Name)
		}
		list := strings.Join(names, ", ")
		if list == "" {
			list = "none"
		}
		return nil, config.Account{}, &exitError{code: ExitUsage,
			err:    fmt.Errorf("no account %q in %s", name, cfg.Path),
			advice: "accounts there: " + list}
	}
	return cfg, a, nil
}

// openOrderSession unlocks the vault, builds the one account's client, opens
// the journal and a desk over it as the cockpit does, and reconciles the
// journal with the venue before anything else happens.
func openOrderSession(ctx context.Context, env *Env, cmd string, cfg *config.Config, name string, jsonOut bool) (*orderSession, error) {
	s := &orderSession{env: env, name: name, cmd: cmd, json: jsonOut}
	vault, err := env.UnlockVault(ctx, cfg, "")
	if err != nil {
		return nil, err
	}
	// The client signs with the vault's buffers: wipe them last.
	s.closers = append(s.closers, vault.Wipe)
	aud, aerr := openAudit(cfg, env.Now)
	if aerr != nil {
		fmt.Fprintf(env.Stderr, "vigil: audit trail: %v (the order goes on without it)\n", aerr)
	}
	s.closers = append(s.closers, func() {
		if err := aud.close(); err != nil {
			fmt.Fprintf(env.Stderr, "vigil: audit trail: %v: this command's requests may be missing from it\n", err)
		}
	})
	venues, err := connect.Open(ctx, cfg, vault, connect.WithAccounts(name), aud.option())
	if err != nil {
		s.close()
		return nil, err
	}
	s.closers = append(s.closers, func() { connect.Close(venues) })
	s.venue = venues[0]
	s.info = s.venue.Info()
	j, desk, err := openDesk(cfg.DataDir, venues, deskOptions(cfg)...)
	if err != nil && cmd == "list" && errors.Is(err, store.ErrInUse) {
		// Reading must work beside a running cockpit, but bbolt's lock
		// is all or nothing: read the consistent copy the cockpit serves
		// (store.OpenCopy), else list what the venue says; say which.
		cctx, cancel := context.WithTimeout(ctx, listCopyWait)
		c, cerr := store.OpenCopy(cctx, filepath.Join(cfg.DataDir, store.FileName))
		cancel()
		if cerr == nil {
			s.journal = c
			s.closers = append(s.closers, func() { _ = c.Close() })
			s.copyNote = "journal in use by a running cockpit: reading the consistent copy it served just now (what it journals from now on is not in it)"
			fmt.Fprintln(env.Stderr, "vigil: "+s.copyNote)
			if err := s.venue.SyncClock(ctx); err != nil && ctx.Err() == nil {
				fmt.Fprintf(env.Stderr, "vigil: %s: clock sync failed (continuing with the local clock): %v\n", name, err)
			}
			return s, nil
		}
		s.venueOnly = journalInUseNote(err)
		fmt.Fprintln(env.Stderr, "vigil: "+s.venueOnly)
		if err := s.venue.SyncClock(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintf(env.Stderr, "vigil: %s: clock sync failed (continuing with the local clock): %v\n", name, err)
		}
		return s, nil
	}
	if err != nil {
		s.close()
		if errors.Is(err, store.ErrInUse) {
			return nil, &exitError{code: ExitFailure, err: err,
				advice: "the cockpit or another 'vigil order' has the journal open; close it or try again in a moment"}
		}
		return nil, err
	}
	s.journal, s.desk = j, desk
	s.closers = append(s.closers, func() { _ = j.Close() })

	// The clock offset makes signed requests land inside the venue's window
	// and lets the desk recognise its own orders by their creation time.
	if err := s.venue.SyncClock(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintf(env.Stderr, "vigil: %s: clock sync failed (continuing with the local clock): %v\n", name, err)
	}
	if err := s.reconcile(ctx); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// reconcile settles the account's unresolved journal entries and says on
// stderr what it learnt, one line per change.
func (s *orderSession) reconcile(ctx context.Context) error {
	rec := &reconcileJSON{NotPlaced: []string{}, StillUnknown: []string{}, Stale: []string{}, Missing: []string{},
		Gone: []string{}, Left: []string{}, Held: []string{}, Foreign: []foreignJSON{}, Changes: []changeJSON{}}
	// Subscribe runs fn on the goroutines making the changes: Reconcile
	// settles entries concurrently.
	var mu sync.Mutex
	stop := s.desk.Subscribe(func(e orders.Event) {
		if e.Account == s.name {
			mu.Lock()
			rec.Changes = append(rec.Changes, changeJSON{ClientID: e.Order.ClientID, Symbol: e.Order.Symbol,
				Status: string(e.Order.Status), Via: e.Via, Reason: e.Order.Reason, created: e.Order.Created})
			mu.Unlock()
		}
	})
	rctx, cancel := context.WithTimeout(ctx, reconcileTimeout)
	// Only a command that places may resend an earlier order (a resend is
	// a new send); list, status and cancel only ask the venue.
	settle := s.desk.ReconcileReadOnly
	if s.cmd == "place" {
		settle = s.desk.Reconcile
	}
	r, err := settle(rctx, s.name)
	cancel()
	stop()
	partial := err != nil && len(r.Left) > 0 && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil
	if err != nil && !partial {
		return fmt.Errorf("reconciling the journal of %s with the venue: %w", s.name, err)
	}
	// In the journal's order (oldest intent first), each order's changes
	// in the order they happened, however the settling interleaved.
	slices.SortStableFunc(rec.Changes, func(a, b changeJSON) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return strings.Compare(a.ClientID, b.ClientID)
	})
	rec.Checked, rec.Resolved, rec.Resent = r.Checked, r.Resolved, r.Resent
	rec.NotPlaced = append(rec.NotPlaced, r.NotPlaced...)
	rec.StillUnknown = append(rec.StillUnknown, r.StillUnknown...)
	rec.Stale = append(rec.Stale, r.Stale...)
	rec.Missing = append(rec.Missing, r.Missing...)
	rec.Gone = append(rec.Gone, r.Gone...)
	rec.Left = append(rec.Left, r.Left...)
	rec.Held = append(rec.Held, r.Held...)
	for _, f := range r.Foreign {
		rec.Foreign = append(rec.Foreign, foreignJSON{ClientID: f.ClientID, Made: toBindingJSON(f.Made),
			Now: toBindingJSON(f.Now), Message: f.Error()})
	}
	s.rec = rec

	w := s.env.Stderr
	// Open orders are re-read on every run; a line only when something
	// changed or is wrong keeps scripts' stderr quiet.
	eventful := len(rec.Changes) > 0 || r.Resent > 0 || len(r.NotPlaced)+len(r.StillUnknown)+len(r.Stale)+len(r.Missing)+len(r.Gone)+len(r.Left)+len(r.Held)+len(r.Foreign) > 0
	if msg, ok := reconcileLog(r, nil, time.Time{}, true); ok && eventful {
		fmt.Fprintf(w, "vigil: %s: %s\n", s.name, msg.Text)
	}
	for _, c := range rec.Changes {
		line := fmt.Sprintf("vigil: %s: %s %s → %s (%s)", s.name, c.ClientID, c.Symbol, c.Status, c.Via)
		if c.Reason != "" {
			line += ": " + c.Reason
		}
		fmt.Fprintln(w, line)
	}
	for _, id := range r.StillUnknown {
		fmt.Fprintf(w, "vigil: %s: %s still UNKNOWN: the venue could not tell; vigil asks again next time\n", s.name, id)
	}
	for _, id := range r.Held {
		fmt.Fprintf(w, "vigil: %s: %s: the venue does not have it; 'vigil order %s' does not resend: the next 'vigil order place' or cockpit start resends it or marks it NOT_PLACED\n", s.name, id, s.cmd)
	}
	for _, f := range r.Foreign {
		fmt.Fprintf(w, "vigil: %s: %v\n", s.name, f)
	}
	for _, id := range r.Missing {
		fmt.Fprintf(w, "vigil: %s: %s was acknowledged but the venue did not find it (not at every check: asked again next time)\n", s.name, id)
	}
	for _, id := range r.Stale {
		fmt.Fprintf(w, "vigil: %s: %s: its latest state could not be read; the journal may be behind\n", s.name, id)
	}
	if partial {
		fmt.Fprintf(w, "vigil: %s: %d journal entries not reconciled within %s (a slow venue, or its rate budget spent): the next 'vigil order' command continues; what was settled is kept\n",
			s.name, len(r.Left), reconcileTimeout)
	}
	return nil
}

// finish prints res (JSON or text) and returns its exit code. text prints
// the success body; failures print their error on stderr either way.
func (s *orderSession) finish(res orderResult, text func(io.Writer)) int {
	res.Command, res.Account, res.Reconcile = s.cmd, s.name, s.rec
	return emit(s.env, s.json, res, text)
}

func emit(env *Env, jsonOut bool, res orderResult, text func(io.Writer)) int {
	if res.Error != "" {
		fmt.Fprintln(env.Stderr, "vigil: "+res.Error)
		if res.Advice != "" {
			fmt.Fprintln(env.Stderr, "vigil: "+res.Advice)
		}
	}
	if jsonOut {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	} else if text != nil {
		text(env.Stdout)
	}
	return res.ExitCode
}

// orderCommon holds the flags every order command shares.
type orderCommon struct {
	account, symbol string
	json            bool
}

func (c *orderCommon) bind(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}, withSymbol bool) {
	fs.StringVar(&c.account, "account", "", "")
	if withSymbol {
		fs.StringVar(&c.symbol, "symbol", "", "")
	}
	fs.BoolVar(&c.json, "json", false, "")
}

// plainDecimal is what --qty and --price accept: digits with an optional
// fraction. Exponents ("1e-3") and signs parse as decimals too, but a typo
// in an exponent moves an order by orders of magnitude.
var plainDecimal = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

func parseAmount(cmd, flag, s string) (decimal.Decimal, error) {
	if !plainDecimal.MatchString(s) {
		return decimal.Decimal{}, usagef(cmd, "--%s %q: write a plain decimal such as 0.001 or 50000.5 (no exponent, sign or separators)", flag, s)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, usagef(cmd, "--%s %q: %v", flag, s, err)
	}
	if !d.IsPositive() {
		return decimal.Decimal{}, usagef(cmd, "--%s must be positive", flag)
	}
	return d, nil
}

type placeFlags struct {
	orderCommon
	side, typ, qty, price, tif string
	yes                        bool
}

// request validates the flags into an order request, before anything is
// opened.
func (f *placeFlags) request(cmd string) (exchange.OrderRequest, error) {
	var req exchange.OrderRequest
	if f.account == "" {
		return req, usagef(cmd, "--account is required")
	}
	if f.symbol == "" {
		return req, usagef(cmd, "--symbol is required")
	}
	req.Symbol = strings.ToUpper(strings.TrimSpace(f.symbol))
	switch strings.ToLower(f.side) {
	case "buy":
		req.Side = exchange.Buy
	case "sell":
		req.Side = exchange.Sell
	case "":
		return req, usagef(cmd, "--side is required: buy or sell")
	default:
		return req, usagef(cmd, "--side %q: want buy or sell", f.side)
	}
	switch strings.ToLower(f.typ) {
	case "limit":
		req.Type = exchange.LimitOrder
	case "market":
		req.Type = exchange.MarketOrder
	case "":
		return req, usagef(cmd, "--type is required: limit or market")
	default:
		return req, usagef(cmd, "--type %q: want limit or market", f.typ)
	}
	if f.qty == "" {
		return req, usagef(cmd, "--qty is required")
	}
	q, err := parseAmount(cmd, "qty", f.qty)
	if err != nil {
		return req, err
	}
	req.Qty = q
	if req.Type == exchange.MarketOrder {
		if f.price != "" {
			return req, usagef(cmd, "--price is for limit orders; a market order takes the book's price")
		}
		if f.tif != "" {
			return req, usagef(cmd, "--tif is for limit orders")
		}
		return req, nil
	}
	if f.price == "" {
		return req, usagef(cmd, "--price is required for a limit order")
	}
	if req.Price, err = parseAmount(cmd, "price", f.price); err != nil {
		return req, err
	}
	switch strings.ToUpper(f.tif) {
	case "", "GTC":
		req.TIF = exchange.GTC
	case "IOC":
		req.TIF = exchange.IOC
	case "FOK":
		req.TIF = exchange.FOK
	default:
		return req, usagef(cmd, "--tif %q: want GTC, IOC or FOK", f.tif)
	}
	return req, nil
}

func noPositional(cmd string, pos []string) error {
	if len(pos) > 0 {
		return usagef(cmd, "unexpected argument %q (every value is a --flag)", pos[0])
	}
	return nil
}

func runOrderPlace(ctx context.Context, env *Env, args []string) int {
	const cmd = "order place"
	var f placeFlags
	fs := env.Flags(cmd)
	f.bind(fs, true)
	fs.StringVar(&f.side, "side", "", "")
	fs.StringVar(&f.typ, "type", "", "")
	fs.StringVar(&f.qty, "qty", "", "")
	fs.StringVar(&f.price, "price", "", "")
	fs.StringVar(&f.tif, "tif", "", "")
	fs.BoolVar(&f.yes, "yes", false, "")
	pos, err := ParseArgs(fs, args)
	if err == nil {
		err = noPositional(cmd, pos)
	}
	if err != nil {
		return env.Fail(err)
	}
	req, err := f.request(cmd)
	if err != nil {
		return env.Fail(err)
	}
	cfg, acct, err := env.orderAccount(cmd, f.account)
	if err != nil {
		return env.Fail(err)
	}
	if why := orders.Lock(exchange.AccountInfo{Name: acct.Name, Network: acct.Network, AllowMainnet: acct.AllowMainnetOrders}); why != "" {
		// Refused from the config alone: no passphrase asked, nothing sent.
		return emit(env, f.json, orderResult{Command: "place", Account: acct.Name, Outcome: outcomeRefused, ExitCode: ExitUsage,
			Error:  why + ": nothing sent",
			Advice: fmt.Sprintf("to trade real money from vigil, set allow_mainnet_orders = true for %s in %s", acct.Name, cfg.Path)}, nil)
	}
	s, err := openOrderSession(ctx, env, "place", cfg, acct.Name, f.json)
	if err != nil {
		return env.Fail(err)
	}
	defer s.close()
	return s.place(ctx, req, f.yes)
}

func (s *orderSession) place(ctx context.Context, req exchange.OrderRequest, yes bool) int {
	fail := func(outcome string, code int, err error) int {
		return s.finish(orderResult{Outcome: outcome, ExitCode: code, Error: err.Error(), Advice: advice(err)}, nil)
	}
	rules, err := s.venue.Rules(ctx, req.Symbol)
	if err != nil {
		if syms, serr := s.venue.Symbols(ctx); serr == nil && !slices.Contains(syms, req.Symbol) {
			return s.finish(orderResult{Outcome: outcomeRefused, ExitCode: ExitUsage,
				Error:  fmt.Sprintf("%s does not list %s: nothing sent", s.info.Venue, req.Symbol),
				Advice: "symbols there include " + sample(syms, 8)}, nil)
		}
		return fail(outcomeFailed, ExitFailure, fmt.Errorf("reading %s's rules: %w", req.Symbol, err))
	}
	ref := req.Price
	if req.Type == exchange.MarketOrder {
		ref = decimal.Zero
		if px, err := s.venue.LastPrice(ctx, req.Symbol); err == nil {
			ref = px
		} else if ctx.Err() == nil {
			fmt.Fprintf(s.env.Stderr, "vigil: %s: no last price for %s (%v): the order value is unknown\n", s.name, req.Symbol, err)
		}
	}
	// Balances let the verdict warn of funds short; unknown (nil) when the
	// venue does not say.
	var bals []exchange.Balance
	if b, err := s.venue.Balances(ctx); err == nil {
		bals = append([]exchange.Balance{}, b...)
	}
	// The same verdict the cockpit renders and the desk applies to resends.
	verdict := policy.Judge(policy.Order{Info: s.info, Rules: rules, Req: req, Ref: ref, Balances: bals})
	notional, known := verdict.Notional, verdict.Known
	res := orderResult{}
	if known {
		res.Notional = notional.String()
	}
	if verdict.Locked != "" {
		res.Outcome, res.ExitCode, res.Error = outcomeRefused, ExitUsage, verdict.Locked+": nothing sent"
		return s.finish(res, nil)
	}

	if vs := verdict.Violations; len(vs) > 0 {
		for _, v := range vs {
			vj := violationJSON{Rule: v.Rule, Field: v.Field, Message: v.Msg}
			line := "vigil: ✗ " + v.String()
			if !v.Nearest.IsZero() {
				if v.Field == "price" {
					vj.Nearest = rules.FormatPrice(v.Nearest)
					line += " → nearest valid price " + vj.Nearest
				} else {
					// A notional violation's nearest is a quantity too.
					vj.Nearest = rules.FormatQty(v.Nearest)
					line += " → nearest valid qty " + vj.Nearest
				}
			}
			res.Violations = append(res.Violations, vj)
			fmt.Fprintln(s.env.Stderr, line)
		}
		if fix := verdict.Fix; verdict.Fixable {
			// Every suggestion above at once: together they pass.
			n := &nearestJSON{Qty: rules.FormatQty(fix.Qty)}
			line := fmt.Sprintf("vigil: nearest valid order: %s %s %s %s", fix.Side, fix.Type, n.Qty, fix.Symbol)
			if fix.Type == exchange.LimitOrder {
				n.Price = rules.FormatPrice(fix.Price)
				line += " @ " + n.Price
			}
			res.NearestOrder = n
			fmt.Fprintln(s.env.Stderr, line)
		}
		res.Outcome, res.ExitCode = outcomeRefused, ExitUsage
		res.Error = fmt.Sprintf("the order breaks %s's rules for %s: nothing sent", s.info.Venue, req.Symbol)
		res.Advice = "fix the values above and run the command again"
		return s.finish(res, nil)
	}

	if verdict.Short != "" {
		w := "funds short: " + verdict.Short + "; the venue may reject it"
		res.Warnings = append(res.Warnings, w)
		fmt.Fprintln(s.env.Stderr, "vigil: ⚠ "+w)
	}
	if len(verdict.Confirm) > 0 && !yes {
		ok, err := s.confirmTyped(ctx, req, rules, verdict)
		if err != nil {
			res.Outcome, res.ExitCode, res.Error, res.Advice = outcomeRefused, ExitCode(err), err.Error()+": nothing sent", advice(err)
			if res.ExitCode == ExitUsage {
				res.Advice = "run it in a terminal to confirm, or pass --yes to confirm in a script"
			}
			return s.finish(res, nil)
		}
		if !ok {
			res.Outcome, res.ExitCode = outcomeNotConfirmed, ExitFailure
			res.Error = "not confirmed: nothing sent"
			return s.finish(res, nil)
		}
	}

	o, err := s.desk.Place(ctx, s.name, req)
	return s.report(res, o, err, "place")
}

// confirmTyped shows the order and asks for what the verdict wants typed:
// its symbol, as in the cockpit.
func (s *orderSession) confirmTyped(ctx context.Context, req exchange.OrderRequest, rules exchange.SymbolRules, verdict policy.Verdict) (bool, error) {
	if s.env.TTY == nil {
		return false, errNoTTY
	}
	w := s.env.Stderr
	fmt.Fprintf(w, "Account   %s [%s]\n", s.name, strings.ToUpper(string(s.info.Network)))
	fmt.Fprintf(w, "Order     %s %s %s %s\n", req.Side, req.Type, rules.FormatQty(req.Qty), req.Symbol)
	if req.Type == exchange.LimitOrder {
		fmt.Fprintf(w, "Price     %s (%s)\n", rules.FormatPrice(req.Price), req.TIF)
	}
	if verdict.Known {
		fmt.Fprintf(w, "Value     %s %s\n", verdict.Notional, verdict.Quote)
	} else {
		fmt.Fprintln(w, "Value     unknown")
	}
	fmt.Fprintln(w, "Confirm   "+strings.Join(verdict.Confirm, "; "))
	answer, err := s.env.TTY.ReadLine(ctx, fmt.Sprintf("Type %s to send this order (anything else stops): ", verdict.Typed))
	if err != nil {
		return false, ttyErr(err)
	}
	return verdict.Confirmed(answer), nil
}

// report turns a desk answer into the result: what the order is now and,
// when it failed, what that means for it.
func (s *orderSession) report(res orderResult, o exchange.Order, err error, what string) int {
	if o.ClientID != "" || o.OrderID != "" {
		oj := toJSON(o, "")
		if oj.Account == "" {
			oj.Account = s.name
		}
		res.Order = &oj
	}
	var (
		unresolved *orders.UnresolvedError
		api        *exchange.APIError
		foreign    *orders.ForeignError
	)
	switch {
	case err == nil:
		res.Outcome, res.ExitCode = outcomeOK, ExitOK
	case errors.As(err, &unresolved):
		res.Outcome, res.ExitCode = outcomeUnknown, ExitUnknown
		res.Error = fmt.Sprintf("outcome unknown: %v", err)
		if what == "place" {
			res.Advice = fmt.Sprintf("vigil will resolve it on next start; do not re-send. Check with: vigil order status --account %s --symbol %s --client-id %s",
				s.name, o.Symbol, o.ClientID)
		} else {
			res.Advice = fmt.Sprintf("the order may still be open; vigil asks the venue again on next start. Check with: vigil order status --account %s --symbol %s --client-id %s",
				s.name, o.Symbol, o.ClientID)
		}
	case errors.Is(err, orders.ErrLocked):
		res.Outcome, res.ExitCode, res.Error = outcomeRefused, ExitUsage, err.Error()
	case errors.As(err, &foreign):
		res.Outcome, res.ExitCode, res.Error = outcomeFailed, ExitFailure, err.Error()
		res.Advice = fmt.Sprintf("ask %s's own venue about it (point an account at %s), or restore the account's earlier venue, network and rest_url", foreign.ClientID, foreign.Made)
	case errors.Is(err, orders.ErrNotReady):
		res.Outcome, res.ExitCode = outcomeNotReady, ExitFailure
		res.Error = fmt.Sprintf("%v: %d earlier order(s) still UNKNOWN (%s); nothing sent", err, len(s.rec.StillUnknown), strings.Join(s.rec.StillUnknown, ", "))
		if n := len(s.rec.Left); n > 0 {
			res.Error = fmt.Sprintf("%v: %d earlier order(s) not reconciled in time, some still in doubt; nothing sent", err, n)
		}
		res.Advice = "vigil asks the venue about them on every start; check one with 'vigil order status --client-id ID'"
	case errors.Is(err, orders.ErrAlreadyFinal):
		res.Outcome, res.ExitCode, res.Error = outcomeAlreadyFinal, ExitFailure, err.Error()
	case errors.Is(err, orders.ErrNotSent):
		res.Outcome, res.ExitCode = outcomeNotSent, ExitFailure
		if errors.Is(err, context.Canceled) {
			res.ExitCode = ExitInterrupted
		}
		res.Error = err.Error()
		res.Advice = "nothing left this machine; running the command again places a new order"
	case errors.Is(err, orders.ErrNotPlaced):
		res.Outcome, res.ExitCode, res.Error = outcomeNotPlaced, ExitFailure, err.Error()
	case errors.As(err, &api):
		res.Outcome, res.ExitCode, res.Error, res.Advice = outcomeRejected, ExitFailure, err.Error(), api.Advice()
		if api.Kind == exchange.KindNotFound {
			res.Outcome = outcomeNotFound
		}
	default:
		res.Outcome, res.ExitCode, res.Error, res.Advice = outcomeFailed, ExitCode(err), err.Error(), advice(err)
		if res.ExitCode == ExitOK {
			res.ExitCode = ExitFailure
		}
	}
	return s.finish(res, func(w io.Writer) {
		if res.Order != nil {
			writeOrders(w, []orderJSON{*res.Order}, false)
		}
	})
}

// sample names up to n of xs, for advice.
func sample(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + ", …"
}

// refFlags are --client-id and --order-id, exactly one of which names an
// order.
type refFlags struct {
	orderCommon
	clientID, orderID string
}

func (f *refFlags) ref(cmd string) (exchange.OrderRef, error) {
	switch {
	case f.account == "":
		return exchange.OrderRef{}, usagef(cmd, "--account is required")
	case f.symbol == "":
		return exchange.OrderRef{}, usagef(cmd, "--symbol is required")
	case f.clientID == "" && f.orderID == "":
		return exchange.OrderRef{}, usagef(cmd, "name the order with --client-id ID or --order-id ID")
	case f.clientID != "" && f.orderID != "":
		return exchange.OrderRef{}, usagef(cmd, "give --client-id or --order-id, not both")
	}
	return exchange.OrderRef{Symbol: strings.ToUpper(strings.TrimSpace(f.symbol)), ClientID: f.clientID, OrderID: f.orderID}, nil
}

func runOrderCancel(ctx context.Context, env *Env, args []string) int {
	const cmd = "order cancel"
	var f refFlags
	var yes bool
	fs := env.Flags(cmd)
	f.bind(fs, true)
	fs.StringVar(&f.clientID, "client-id", "", "")
	fs.StringVar(&f.orderID, "order-id", "", "")
	fs.BoolVar(&yes, "yes", false, "")
	pos, err := ParseArgs(fs, args)
	if err == nil {
		err = noPositional(cmd, pos)
	}
	if err != nil {
		return env.Fail(err)
	}
	ref, err := f.ref(cmd)
	if err != nil {
		return env.Fail(err)
	}
	cfg, acct, err := env.orderAccount(cmd, f.account)
	if err != nil {
		return env.Fail(err)
	}
	s, err := openOrderSession(ctx, env, "cancel", cfg, acct.Name, f.json)
	if err != nil {
		return env.Fail(err)
	}
	defer s.close()
	if s.info.Network == exchange.Mainnet && !yes {
		ok, err := s.confirmYes(ctx, ref)
		if err != nil {
			res := orderResult{Outcome: outcomeRefused, ExitCode: ExitCode(err), Error: err.Error() + ": nothing sent", Advice: advice(err)}
			if res.ExitCode == ExitUsage {
				res.Advice = "run it in a terminal to confirm, or pass --yes"
			}
			return s.finish(res, nil)
		}
		if !ok {
			return s.finish(orderResult{Outcome: outcomeNotConfirmed, ExitCode: ExitFailure, Error: "not confirmed: nothing sent"}, nil)
		}
	}
	o, err := s.desk.Cancel(ctx, s.name, ref)
	return s.report(orderResult{}, o, err, "cancel")
}

func (s *orderSession) confirmYes(ctx context.Context, ref exchange.OrderRef) (bool, error) {
	if s.env.TTY == nil {
		return false, errNoTTY
	}
	id := ref.ClientID
	if id == "" {
		id = "#" + ref.OrderID
	}
	a, err := s.env.TTY.ReadLine(ctx, fmt.Sprintf("Cancel %s %s on MAINNET account %s? [y/N] ", ref.Symbol, id, s.name))
	if err != nil {
		return false, ttyErr(err)
	}
	a = strings.ToLower(strings.TrimSpace(a))
	return a == "y" || a == "yes", nil
}

func runOrderStatus(ctx context.Context, env *Env, args []string) int {
	const cmd = "order status"
	var f refFlags
	fs := env.Flags(cmd)
	f.bind(fs, true)
	fs.StringVar(&f.clientID, "client-id", "", "")
	fs.StringVar(&f.orderID, "order-id", "", "")
	pos, err := ParseArgs(fs, args)
	if err == nil {
		err = noPositional(cmd, pos)
	}
	if err != nil {
		return env.Fail(err)
	}
	ref, err := f.ref(cmd)
	if err != nil {
		return env.Fail(err)
	}
	cfg, acct, err := env.orderAccount(cmd, f.account)
	if err != nil {
		return env.Fail(err)
	}
	s, err := openOrderSession(ctx, env, "status", cfg, acct.Name, f.json)
	if err != nil {
		return env.Fail(err)
	}
	defer s.close()
	return s.status(ctx, ref)
}

func (s *orderSession) status(ctx context.Context, ref exchange.OrderRef) int {
	var res orderResult
	// The journal first: its client id is the sure way to ask the venue
	// about an order known here by its venue id.
	var (
		e    store.Entry
		jerr error
	)
	if ref.ClientID != "" {
		e, jerr = s.journal.Get(s.name, ref.ClientID)
	} else {
		e, jerr = s.journal.FindOrderID(s.name, ref.OrderID)
	}
	inJournal := jerr == nil
	if jerr != nil && !errors.Is(jerr, store.ErrNoIntent) {
		fmt.Fprintf(s.env.Stderr, "vigil: reading the journal: %v\n", jerr)
	}
	var records []store.Record
	if inJournal {
		records, jerr = s.journal.Records(s.name, e.ClientID)
		if jerr != nil {
			fmt.Fprintf(s.env.Stderr, "vigil: reading the journal's records: %v\n", jerr)
		}
		jj := journalJSON{Order: toJSON(e.Order(), "journal"), Records: []recordJSON{}}
		for _, r := range records {
			jj.Records = append(jj.Records, recordJSON{Seq: r.Seq, Status: string(r.Status), OrderID: r.OrderID,
				Filled: r.Filled.String(), Reason: r.Reason, Via: r.Via, At: r.At.UTC()})
		}
		res.Journal = &jj
		if ref.ClientID == "" {
			ref.ClientID = e.ClientID
		}
		if ref.OrderID == "" {
			ref.OrderID = e.OrderID
		}
	}
	// An order NOT_SENT never reached the venue: asking would only say so.
	o, verr := s.venue.Query(ctx, ref)
	switch {
	case verr == nil:
		oj := toJSON(o, "venue")
		oj.Account = s.name
		res.Order = &oj
		res.Outcome, res.ExitCode = outcomeOK, ExitOK
	case errors.Is(verr, exchange.ErrOrderNotFound) && inJournal:
		res.Outcome, res.ExitCode = outcomeOK, ExitOK
		fmt.Fprintf(s.env.Stderr, "vigil: %s has no such order; the journal's record follows\n", s.info.Venue)
	case errors.Is(verr, exchange.ErrOrderNotFound):
		res.Outcome, res.ExitCode = outcomeNotFound, ExitFailure
		res.Error = fmt.Sprintf("neither %s nor the journal knows this order", s.info.Venue)
	default:
		res.Outcome, res.ExitCode = outcomeFailed, ExitCode(verr)
		if res.ExitCode == ExitOK {
			res.ExitCode = ExitFailure
		}
		res.Error, res.Advice = fmt.Sprintf("asking %s: %v", s.info.Venue, verr), advice(verr)
		if inJournal {
			res.Error += " (the journal's record follows)"
		}
	}
	return s.finish(res, func(w io.Writer) {
		var rows []orderJSON
		if res.Order != nil {
			rows = append(rows, *res.Order)
		}
		if res.Journal != nil {
			rows = append(rows, res.Journal.Order)
		}
		if len(rows) == 0 {
			return
		}
		writeOrders(w, rows, true)
		if res.Journal != nil {
			fmt.Fprintf(w, "\nJournal records of %s:\n", res.Journal.Order.ClientID)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tAT (UTC)\tSTATUS\tVIA\tORDER ID\tFILLED\tREASON")
			fmt.Fprintf(tw, "0\t%s\tINTENT\t\t\t\t%s\n", fmtTime(res.Journal.Order.Created), intentLine(res.Journal.Order))
			for _, r := range res.Journal.Records {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.At.Format(tableTime), r.Status, dash(r.Via),
					dash(r.OrderID), r.Filled, r.Reason)
			}
			tw.Flush()
		}
	})
}

func intentLine(o orderJSON) string {
	s := o.Side + " " + o.Type + " " + o.Qty + " " + o.Symbol
	if o.Price != "" {
		s += " @ " + o.Price
	}
	if o.TIF != "" {
		s += " " + o.TIF
	}
	return s
}

func runOrderList(ctx context.Context, env *Env, args []string) int {
	const cmd = "order list"
	var f orderCommon
	var open bool
	var limit string
	fs := env.Flags(cmd)
	f.bind(fs, true)
	fs.BoolVar(&open, "open", false, "")
	fs.StringVar(&limit, "limit", "50", "")
	pos, err := ParseArgs(fs, args)
	if err == nil {
		err = noPositional(cmd, pos)
	}
	if err != nil {
		return env.Fail(err)
	}
	if f.account == "" {
		return env.Fail(usagef(cmd, "--account is required"))
	}
	n, err := strconv.Atoi(limit)
	if err != nil || n < 0 {
		return env.Fail(usagef(cmd, "--limit %q: want a whole number, 0 for all", limit))
	}
	if f.symbol != "" && !open {
		return env.Fail(usagef(cmd, "--symbol filters the venue's open orders: use it with --open"))
	}
	cfg, acct, err := env.orderAccount(cmd, f.account)
	if err != nil {
		return env.Fail(err)
	}
	s, err := openOrderSession(ctx, env, "list", cfg, acct.Name, f.json)
	if err != nil {
		return env.Fail(err)
	}
	defer s.close()

	rows := []orderJSON{}
	venueOnly := s.venueOnly != ""
	if open || venueOnly {
		list, err := s.venue.OpenOrders(ctx, strings.ToUpper(f.symbol))
		if err != nil {
			return s.report(orderResult{Note: s.venueOnly}, exchange.Order{}, err, "list")
		}
		for _, o := range list {
			oj := toJSON(o, "venue")
			oj.Account = s.name
			if !venueOnly {
				_, gerr := s.journal.Get(s.name, o.ClientID)
				in := o.ClientID != "" && gerr == nil
				oj.InJournal = &in
			}
			rows = append(rows, oj)
		}
	} else {
		list, err := s.history(n)
		if err != nil {
			return s.finish(orderResult{Outcome: outcomeFailed, ExitCode: ExitFailure, Error: "reading the journal: " + err.Error()}, nil)
		}
		for _, o := range list {
			rows = append(rows, toJSON(o, "journal"))
		}
	}
	note := s.venueOnly
	if note == "" {
		note = s.copyNote
	}
	return s.finish(orderResult{Outcome: outcomeOK, ExitCode: ExitOK, Orders: &rows, Note: note}, func(w io.Writer) {
		if venueOnly {
			fmt.Fprintf(w, "%s's open orders, as the venue reports them (the journal is in use: no history)\n", s.name)
		}
		if len(rows) == 0 {
			if open || venueOnly {
				fmt.Fprintf(w, "no open orders on %s\n", s.name)
			} else {
				fmt.Fprintf(w, "no orders in the journal for %s\n", s.name)
			}
			return
		}
		writeOrders(w, rows, false)
	})
}

const tableTime = "2006-01-02 15:04:05"

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(tableTime)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeOrders prints orders as an aligned table; withSource adds the
// column saying whose view each row is (status).
func writeOrders(w io.Writer, rows []orderJSON, withSource bool) {
	inJournal := false
	for _, r := range rows {
		if r.InJournal != nil {
			inJournal = true
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var head []string
	if withSource {
		head = append(head, "SOURCE")
	}
	head = append(head, "CREATED (UTC)", "ACCOUNT", "SYMBOL", "SIDE", "TYPE", "TIF", "QTY", "PRICE", "FILLED", "STATUS", "CLIENT ID", "ORDER ID")
	if inJournal {
		head = append(head, "IN JOURNAL")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	reasons := false
	for _, r := range rows {
		var cols []string
		if withSource {
			cols = append(cols, r.Source)
		}
		price := r.Price
		if price == "" {
			price = "market"
		}
		cols = append(cols, fmtTime(r.Created), dash(r.Account), r.Symbol, r.Side, r.Type, dash(r.TIF), r.Qty, price,
			r.Filled, r.Status, dash(r.ClientID), dash(r.OrderID))
		if inJournal {
			yes := "no"
			if r.InJournal != nil && *r.InJournal {
				yes = "yes"
			}
			cols = append(cols, yes)
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
		reasons = reasons || r.Reason != ""
	}
	tw.Flush()
	if !reasons {
		return
	}
	for _, r := range rows {
		if r.Reason != "" {
			fmt.Fprintf(w, "%s: %s\n", dash(r.ClientID), r.Reason)
		}
	}
}

var heldByRE = regexp.MustCompile(`held by (pid \d+)`)

// journalInUseNote says that the journal is held (by whom, when /proc
// tells) and that only the venue's view is shown.
func journalInUseNote(err error) string {
	who := "the cockpit or another vigil"
	if m := heldByRE.FindStringSubmatch(err.Error()); m != nil {
		who += ", " + m[1]
	}
	return "journal in use (" + who + "): showing the venue's view only (open orders; no history)"
}
