package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/store"
)

const journalExitCodes = `Exit codes: 0 ok, 1 failed (the journal is corrupt, held by a running
vigil, or a file could not be written), 2 usage error, 130 interrupted.
`

const journalStatsUsage = `usage: vigil journal stats [--config PATH]

Counts the orders in the journal (data_dir/journal.db) per account: open,
final, and how many are old enough for 'vigil journal archive'; the file's
size and the archives beside it. Reads every order once.

Beside a running cockpit, which holds the journal, this reads a
consistent copy the cockpit serves on a socket beside the journal
(data_dir/journal.db.sock, 0600) and says so on stderr. Beside a running
'vigil order', it waits a second and then fails naming the process.

Examples:
  vigil journal stats
  vigil --config ~/bots/vigil.toml journal stats

` + journalExitCodes

const journalArchiveUsage = `usage: vigil journal archive [--days N] [--dry-run] [--config PATH]

Moves final orders (filled, cancelled, rejected, expired, not sent, not
placed) last updated more than N days ago out of the journal into a new
gzip'd JSON lines file beside it, data_dir/journal-archive-<time>.jsonl.gz.
The archive is written and synced before the orders leave the journal, in
one transaction. Open orders and orders in doubt always stay.

  --days N     keep N days (default: journal_retention_days from the config, 90)
  --dry-run    count what would move, change nothing

'vigil journal export --archived' reads the archives back.

Examples:
  vigil journal archive --dry-run
  vigil journal archive --days 30

` + journalExitCodes

const journalExportUsage = `usage: vigil journal export --format csv|jsonl [--archived] [--account NAME]
                            [--out FILE] [--config PATH]

Writes every order in the journal to stdout (or FILE), oldest first per
account: CSV with a header row, or JSON lines (one order a line, with its
transitions; the archive's own format). Decimals are printed exactly as
journaled; times are UTC, RFC 3339.

  --format F     csv or jsonl (required)
  --archived     also the orders archived beside the journal (an order in
                 both is printed once, as the journal has it)
  --account NAME only this account's orders
  --out FILE     write to FILE (replaced when complete) instead of stdout

Beside a running cockpit it reads the consistent copy the cockpit serves,
as 'vigil journal stats' does.

Examples:
  vigil journal export --format csv --out orders.csv
  vigil journal export --format jsonl --archived --account bn-test

` + journalExitCodes

const journalCheckUsage = `usage: vigil journal check [--config PATH]

Reads the whole journal: every page, bbolt's own consistency check, and
every order and index entry decoded and cross-checked. vigil's start only
walks the pages when the file is not as vigil last closed it; run this
after a disk error, a restore, or to be sure. A damaged journal is
reported as "journal is corrupt: <path>: <cause>" with what to do, and
left untouched.

Examples:
  vigil journal check

` + journalExitCodes

func init() {
	Register(Command{Name: "journal stats", Summary: "order counts, size and archives of the journal", Usage: journalStatsUsage, Run: runJournalStats})
	Register(Command{Name: "journal archive", Summary: "move old final orders to a compressed archive", Usage: journalArchiveUsage, Run: runJournalArchive})
	Register(Command{Name: "journal export", Summary: "write the journal's orders as CSV or JSON lines", Usage: journalExportUsage, Run: runJournalExport})
	Register(Command{Name: "journal check", Summary: "read and check the whole journal", Usage: journalCheckUsage, Run: runJournalCheck})
}

// openJournalCmd opens the journal of the config in effect; a missing one
// is an error rather than a new empty file. Beside a running cockpit,
// which holds the journal's lock, a reader (copyOK) gets the consistent
// copy the cockpit serves (store.OpenCopy) and a line on stderr saying so;
// commands that write, or must see the file itself, still refuse.
func openJournalCmd(ctx context.Context, env *Env, copyOK bool) (*store.Journal, int, error) {
	cfg, err := env.LoadConfig("")
	if err != nil {
		return nil, 0, err
	}
	path := filepath.Join(cfg.DataDir, store.FileName)
	if _, err := os.Stat(path); err != nil {
		return nil, 0, &exitError{code: ExitFailure, err: fmt.Errorf("no journal at %s", path),
			advice: "vigil writes it with the first order; data_dir in the config says where"}
	}
	j, err := store.Open(path)
	if !errors.Is(err, store.ErrInUse) {
		return j, cfg.JournalRetentionDays, err
	}
	advice := "the cockpit or a 'vigil order' has the journal open, and it cannot be read beside its writer: " +
		"close it or try again when it is done; meanwhile 'vigil order list --account NAME' shows the venue's open orders"
	if copyOK {
		cctx, cancel := context.WithTimeout(ctx, copyWait)
		c, cerr := store.OpenCopy(cctx, path)
		cancel()
		if cerr == nil {
			fmt.Fprintf(env.Stderr, "vigil: %v\nvigil: reading a consistent copy the running cockpit served just now (what it journals from now on is not in it)\n", err)
			return c, cfg.JournalRetentionDays, nil
		}
		advice = "no copy was served either (" + cerr.Error() + "): a cockpit serves one to 'journal stats' and 'journal export'; " +
			"a 'vigil order' does not. " + advice
	}
	return nil, 0, &exitError{code: ExitFailure, err: err, advice: advice}
}

// copyWait bounds the wait for the cockpit's copy of the journal.
const copyWait = 2 * time.Minute

// journalProgress shows a spinner with a count on a terminal's stderr while a
// long run works; count is safe to call from the working goroutine.
func journalProgress(env *Env, what string) (count func(int), stop func()) {
	var n atomic.Int64
	stop = spin(env.Stderr, func() string { return fmt.Sprintf("%s: %d orders", what, n.Load()) })
	return func(v int) { n.Store(int64(v)) }, stop
}

type accountStats struct {
	orders, open, old int
	first, last       time.Time
}

func runJournalStats(ctx context.Context, env *Env, args []string) int {
	fs := env.Flags("journal stats")
	if _, err := ParseArgs(fs, args); err != nil {
		return env.Fail(err)
	}
	j, days, err := openJournalCmd(ctx, env, true)
	if err != nil {
		return env.Fail(err)
	}
	defer j.Close()
	count, stop := journalProgress(env, "reading")
	cutoff := env.Now().AddDate(0, 0, -days)
	stats := map[string]*accountStats{}
	n := 0
	err = j.Orders(func(o store.ArchivedOrder) error {
		if n++; n%1000 == 0 {
			count(n)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		s := stats[o.Account]
		if s == nil {
			s = &accountStats{first: o.Created}
			stats[o.Account] = s
		}
		s.orders++
		final := store.Final(exchange.OrderStatus(o.Status))
		if !final {
			s.open++
		} else if o.Updated.Before(cutoff) {
			s.old++
		}
		s.last = o.Created
		return nil
	})
	stop()
	if err != nil {
		return env.Fail(err)
	}
	size := int64(0)
	if st, err := os.Stat(j.Path()); err == nil {
		size = st.Size()
	}
	fmt.Fprintf(env.Stdout, "journal  %s  %s, %d orders\n", j.Path(), humanBytes(size), n)
	names := make([]string, 0, len(stats))
	for a := range stats {
		names = append(names, a)
	}
	slices.Sort(names)
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "ACCOUNT\tORDERS\tOPEN\tFINAL\tOLDER THAN %dd\tFIRST\tLAST\n", days)
	for _, a := range names {
		s := stats[a]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\n", a, s.orders, s.open, s.orders-s.open, s.old,
			s.first.UTC().Format(time.DateOnly), s.last.UTC().Format(time.DateOnly))
	}
	tw.Flush()
	files, _ := store.ArchiveFiles(j.Path())
	total := int64(0)
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			total += st.Size()
		}
	}
	fmt.Fprintf(env.Stdout, "archives %d files, %s\n", len(files), humanBytes(total))
	return ExitOK
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func runJournalArchive(ctx context.Context, env *Env, args []string) int {
	fs := env.Flags("journal archive")
	days := fs.Int("days", 0, "")
	dry := fs.Bool("dry-run", false, "")
	if _, err := ParseArgs(fs, args); err != nil {
		return env.Fail(err)
	}
	if *days < 0 || *days > 36500 {
		return env.Fail(usagef("journal archive", "--days %d is out of range (1..36500)", *days))
	}
	j, cfgDays, err := openJournalCmd(ctx, env, false)
	if err != nil {
		return env.Fail(err)
	}
	defer j.Close()
	if *days == 0 {
		*days = cfgDays
	}
	now := env.Now()
	cutoff := now.AddDate(0, 0, -*days)
	if *dry {
		n := 0
		err := j.Orders(func(o store.ArchivedOrder) error {
			if store.Final(exchange.OrderStatus(o.Status)) && o.Updated.Before(cutoff) {
				n++
			}
			return nil
		})
		if err != nil {
			return env.Fail(err)
		}
		fmt.Fprintf(env.Stdout, "%d final orders last updated before %s would move to an archive (nothing changed)\n", n, cutoff.UTC().Format(time.RFC3339))
		return ExitOK
	}
	count, stop := journalProgress(env, "archiving")
	res, err := j.Archive(cutoff, now, count)
	stop()
	if err != nil {
		if res.File != "" {
			return env.Fail(fmt.Errorf("%w (the orders are still in the journal; %s holds copies, which export shows once)", err, res.File))
		}
		return env.Fail(err)
	}
	if res.File == "" {
		fmt.Fprintf(env.Stdout, "no final orders last updated before %s; nothing archived\n", cutoff.UTC().Format(time.RFC3339))
		return ExitOK
	}
	fmt.Fprintf(env.Stdout, "moved %d final orders last updated before %s to %s\n", res.Orders, cutoff.UTC().Format(time.RFC3339), res.File)
	return ExitOK
}

var csvHeader = []string{"account", "client_id", "order_id", "symbol", "side", "type", "tif", "qty", "price",
	"filled", "status", "reason", "created", "updated", "venue", "network", "endpoint", "transitions"}

func csvRow(o store.ArchivedOrder) []string {
	return []string{o.Account, o.ClientID, o.OrderID, o.Symbol, o.Side, o.Type, o.TIF, o.Qty, o.Price,
		o.Filled, o.Status, o.Reason, o.Created.UTC().Format(time.RFC3339Nano), o.Updated.UTC().Format(time.RFC3339Nano),
		o.Venue, o.Network, o.Endpoint, strconv.Itoa(len(o.Transitions))}
}

func runJournalExport(ctx context.Context, env *Env, args []string) int {
	fs := env.Flags("journal export")
	format := fs.String("format", "", "")
	withArchived := fs.Bool("archived", false, "")
	account := fs.String("account", "", "")
	out := fs.String("out", "", "")
	if _, err := ParseArgs(fs, args); err != nil {
		return env.Fail(err)
	}
	if *format != "csv" && *format != "jsonl" {
		return env.Fail(usagef("journal export", "--format must be csv or jsonl"))
	}
	j, _, err := openJournalCmd(ctx, env, true)
	if err != nil {
		return env.Fail(err)
	}
	defer j.Close()

	w, commit, abort, err := exportDest(env, *out)
	if err != nil {
		return env.Fail(err)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var write func(store.ArchivedOrder) error
	var cw *csv.Writer
	if *format == "csv" {
		cw = csv.NewWriter(bw)
		if err := cw.Write(csvHeader); err != nil {
			abort()
			return env.Fail(err)
		}
		write = func(o store.ArchivedOrder) error { return cw.Write(csvRow(o)) }
	} else {
		enc := json.NewEncoder(bw)
		write = func(o store.ArchivedOrder) error { return enc.Encode(o) }
	}
	count, stop := journalProgress(env, "exporting")
	n := 0
	emit := func(o store.ArchivedOrder) error {
		if *account != "" && o.Account != *account {
			return nil
		}
		if n++; n%1000 == 0 {
			count(n)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		return write(o)
	}
	err = exportOrders(j, *withArchived, emit)
	stop()
	if err == nil && cw != nil {
		cw.Flush()
		err = cw.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		abort()
		return env.Fail(err)
	}
	if err := commit(); err != nil {
		return env.Fail(err)
	}
	if *out != "" {
		fmt.Fprintf(env.Stderr, "vigil: %d orders written to %s\n", n, *out)
	}
	return ExitOK
}

// exportOrders gives the archived orders (when asked) that the journal
// no longer holds, then the journal's.
func exportOrders(j *store.Journal, withArchived bool, emit func(store.ArchivedOrder) error) error {
	if withArchived {
		inJournal := map[string]bool{}
		err := j.Orders(func(o store.ArchivedOrder) error {
			inJournal[o.Account+"\x00"+o.ClientID] = true
			return nil
		})
		if err != nil {
			return err
		}
		files, err := store.ArchiveFiles(j.Path())
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			err = store.ReadArchive(f, func(o store.ArchivedOrder) error {
				k := o.Account + "\x00" + o.ClientID
				if inJournal[k] || seen[k] {
					return nil
				}
				seen[k] = true
				return emit(o)
			})
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	return j.Orders(emit)
}

// exportDest is stdout, or FILE written under a temporary name and renamed
// into place only when the export is complete.
func exportDest(env *Env, out string) (w io.Writer, commit func() error, abort func(), err error) {
	if out == "" {
		return env.Stdout, func() error { return nil }, func() {}, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".vigil-export-*")
	if err != nil {
		return nil, nil, nil, err
	}
	abort = func() { tmp.Close(); os.Remove(tmp.Name()) }
	commit = func() error {
		if err := tmp.Sync(); err != nil {
			abort()
			return err
		}
		if err := tmp.Close(); err != nil {
			os.Remove(tmp.Name())
			return err
		}
		return os.Rename(tmp.Name(), out)
	}
	return tmp, commit, abort, nil
}

func runJournalCheck(ctx context.Context, env *Env, args []string) int {
	fs := env.Flags("journal check")
	if _, err := ParseArgs(fs, args); err != nil {
		return env.Fail(err)
	}
	j, _, err := openJournalCmd(ctx, env, false)
	if err != nil {
		return env.Fail(err)
	}
	defer j.Close()
	count, stop := journalProgress(env, "checking")
	err = j.Check(count)
	stop()
	if err != nil {
		return env.Fail(err)
	}
	fmt.Fprintf(env.Stdout, "journal %s is sound\n", j.Path())
	return ExitOK
}
