package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/vigil-trade/vigil/audit"
	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/connect"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/ui"
	"github.com/vigil-trade/vigil/views"
)

// auditDir is where the trail of signed requests lives.
func auditDir(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "audit") }

// auditSession is the trail a signing command writes to, with what it
// heard of trouble writing.
type auditSession struct {
	trail   *audit.Trail
	reports chan error
}

// openAudit opens cfg's trail. Trouble with it never stops trading: a
// trail that cannot open is reported and the command goes on without it.
func openAudit(cfg *config.Config, now func() time.Time) (*auditSession, error) {
	s := &auditSession{reports: make(chan error, 16)}
	tr, err := audit.Open(auditDir(cfg), audit.Options{RetentionDays: cfg.AuditRetentionDays, Now: now,
		Report: func(err error) {
			select {
			case s.reports <- err:
			default:
			}
		}})
	if err != nil {
		return s, err
	}
	s.trail = tr
	return s, nil
}

// option gives every client the trail's observer.
func (s *auditSession) option() connect.Option {
	return connect.WithObserver(func(info exchange.AccountInfo) rest.Observer {
		if s == nil || s.trail == nil {
			return nil
		}
		return s.trail.Observer(info)
	})
}

// close writes what is queued; its error is the last write's.
func (s *auditSession) close() error {
	if s == nil || s.trail == nil {
		return nil
	}
	return s.trail.Close()
}

// producer tells the cockpit's Events when writing the trail fails and
// when it works again.
func (s *auditSession) producer(now func() time.Time, openErr error) ui.Producer {
	return func(ctx context.Context, emit func(string, tea.Msg)) {
		warn := func(err error) {
			emit("", views.LogMsg{Time: now(), Level: views.LevelWarn,
				Text:   "audit trail: " + err.Error() + "; orders go on, the lines not written are counted and noted in the trail",
				Advice: "free disk space under the data directory; 'vigil audit verify' checks the trail"})
		}
		if openErr != nil {
			warn(openErr)
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case err := <-s.reports:
				if err != nil {
					warn(err)
					continue
				}
				emit("", views.LogMsg{Time: now(), Level: views.LevelInfo, Text: "audit trail: writing again (the gap is noted in the trail)"})
			}
		}
	}
}

const auditTailUsage = `usage: vigil audit tail [-n N] [-f] [--json] [--dir PATH]

Shows the last lines of the audit trail: one line per signed request vigil
sent (time, account, venue, method, path, HTTP status, outcome, latency,
weight, the venue's code, the client order id).

Flags:
  -n N        how many lines (default 20)
  -f          keep following the trail as lines are added (Ctrl-C stops)
  --json      the lines exactly as stored
  --dir PATH  a trail elsewhere (default: data_dir/audit of the config)

Exit codes: 0 ok, 1 the trail cannot be read, 2 usage.

Examples:
  vigil audit tail -n 50
  vigil audit tail -f --json | jq .
`

const auditExportUsage = `usage: vigil audit export [--format jsonl|csv] [--since T] [--account NAME] [--dir PATH]

Writes the audit trail to stdout. jsonl keeps every line exactly as stored,
so an unfiltered export verifies with 'vigil audit verify --dir'.

Flags:
  --format F      jsonl (default) or csv
  --since T       only lines from T on: RFC 3339 (2026-12-01T00:00:00Z), a
                  date (2026-12-01, UTC) or a duration back from now (24h)
  --account NAME  only this account's lines
  --dir PATH      a trail elsewhere (default: data_dir/audit of the config)

Exit codes: 0 ok, 1 the trail cannot be read, 2 usage.

Examples:
  vigil audit export --format csv --since 168h > last-week.csv
  vigil audit export --account main > trail.jsonl
`

const auditVerifyUsage = `usage: vigil audit verify [--json] [--dir PATH]

Checks the whole audit trail: every line's own sum, and that every line
follows the one before it, across files. Reports the first broken link:
a line edited in place fails its own sum; a deleted line, lines reordered
or files reordered or renamed break the link of the line that follows.
The head printed is the last line's sum: kept elsewhere, it also shows a
trail cut short at its end.

Flags:
  --json      the report as JSON: {"ok", "files", "lines", "head", "start",
              "broken": {"file", "line", "reason"}}
  --dir PATH  a trail elsewhere (default: data_dir/audit of the config)

Exit codes: 0 the chain holds, 1 a link is broken or the trail cannot be
read, 2 usage.

Examples:
  vigil audit verify
  vigil audit export > copy/audit-all.jsonl && vigil audit verify --dir copy
`

func init() {
	Register(Command{Name: "audit tail", Summary: "the last signed requests sent (-f to follow)", Usage: auditTailUsage, Run: runAuditTail})
	Register(Command{Name: "audit export", Summary: "the audit trail as JSON lines or CSV", Usage: auditExportUsage, Run: runAuditExport})
	Register(Command{Name: "audit verify", Summary: "check the audit trail's chain; name the first broken link", Usage: auditVerifyUsage, Run: runAuditVerify})
}

// trailDir is --dir, else the config's data_dir/audit.
func trailDir(env *Env, dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	cfg, err := env.LoadConfig("")
	if err != nil {
		return "", err
	}
	return auditDir(cfg), nil
}

func runAuditTail(ctx context.Context, env *Env, args []string) int {
	fs := env.Flags("audit tail")
	n := fs.Int("n", 20, "")
	follow := fs.Bool("f", false, "")
	jsonOut := fs.Bool("json", false, "")
	dirFlag := fs.String("dir", "", "")
	if pos, err := ParseArgs(fs, args); err != nil {
		return env.Fail(err)
	} else if len(pos) > 0 {
		return env.Fail(usagef("audit tail", "unexpected argument %q", pos[0]))
	}
	if *n < 0 {
		return env.Fail(usagef("audit tail", "-n %d: want 0 or more", *n))
	}
	dir, err := trailDir(env, *dirFlag)
	if err != nil {
		return env.Fail(err)
	}
	show := func(raw []byte) {
		if *jsonOut {
			fmt.Fprint(env.Stdout, string(raw))
			return
		}
		e, err := audit.ParseEntry(raw)
		if err != nil {
			fmt.Fprintf(env.Stdout, "(a line that does not parse: run 'vigil audit verify')\n")
			return
		}
		fmt.Fprintln(env.Stdout, e.Text())
	}
	// Start following before reading the last lines, so none falls between.
	var fl *audit.Follower
	if *follow {
		if fl, err = audit.NewFollower(dir); err != nil {
			return env.Fail(err)
		}
	}
	last, err := audit.Last(dir, *n)
	if err != nil {
		return env.Fail(err)
	}
	for _, raw := range last {
		show(raw)
	}
	if fl == nil {
		return ExitOK
	}
	if err := fl.Run(ctx, 500*time.Millisecond, show); err != nil {
		return env.Fail(err)
	}
	return ExitOK
}

func runAuditExport(ctx context.Context, env *Env, args []string) int {
	fs := env.Flags("audit export")
	format := fs.String("format", "jsonl", "")
	since := fs.String("since", "", "")
	account := fs.String("account", "", "")
	dirFlag := fs.String("dir", "", "")
	if pos, err := ParseArgs(fs, args); err != nil {
		return env.Fail(err)
	} else if len(pos) > 0 {
		return env.Fail(usagef("audit export", "unexpected argument %q", pos[0]))
	}
	if *format != "jsonl" && *format != "csv" {
		return env.Fail(usagef("audit export", "--format %q: want jsonl or csv", *format))
	}
	f := audit.Filter{Account: *account}
	if *since != "" {
		t, err := parseSince(*since, env.Now())
		if err != nil {
			return env.Fail(usagef("audit export", "--since %q: %v", *since, err))
		}
		f.Since = t
	}
	dir, err := trailDir(env, *dirFlag)
	if err != nil {
		return env.Fail(err)
	}
	if _, err := audit.Export(dir, env.Stdout, *format, f); err != nil {
		return env.Fail(err)
	}
	return ExitOK
}

// parseSince reads an RFC 3339 time, a UTC date or a duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("want RFC 3339 (2026-12-01T00:00:00Z), a date (2026-12-01) or a duration (24h)")
}

type verifyJSON struct {
	OK     bool         `json:"ok"`
	Dir    string       `json:"dir"`
	Files  int          `json:"files"`
	Lines  int          `json:"lines"`
	Head   string       `json:"head"`
	Start  string       `json:"start"`
	Broken *audit.Break `json:"broken"`
}

func runAuditVerify(ctx context.Context, env *Env, args []string) int {
	fs := env.Flags("audit verify")
	jsonOut := fs.Bool("json", false, "")
	dirFlag := fs.String("dir", "", "")
	if pos, err := ParseArgs(fs, args); err != nil {
		return env.Fail(err)
	} else if len(pos) > 0 {
		return env.Fail(usagef("audit verify", "unexpected argument %q", pos[0]))
	}
	dir, err := trailDir(env, *dirFlag)
	if err != nil {
		return env.Fail(err)
	}
	rep, err := audit.Verify(dir)
	if err != nil {
		return env.Fail(err)
	}
	code := ExitOK
	if rep.Broken != nil {
		code = ExitFailure
	}
	if *jsonOut {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(verifyJSON{OK: rep.Broken == nil, Dir: dir, Files: rep.Files, Lines: rep.Lines, Head: rep.Head, Start: rep.Start, Broken: rep.Broken})
		return code
	}
	if rep.Broken != nil {
		fmt.Fprintf(env.Stdout, "BROKEN  %s\n  first broken link: %s line %d\n  %s\n  every line before it (%d) verified\n",
			dir, rep.Broken.File, rep.Broken.Line, rep.Broken.Reason, rep.Lines)
		return code
	}
	from := "from its first line"
	if rep.Start != "" {
		from = "from after files removed by audit_retention_days (first link " + short(rep.Start) + ")"
	}
	fmt.Fprintf(env.Stdout, "ok  %s: %d lines in %d files chain %s\n  head %s\n", dir, rep.Lines, rep.Files, from, rep.Head)
	return code
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12] + "…"
	}
	return strings.TrimSpace(sum)
}
