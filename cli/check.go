package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigil-trade/vigil/connect"
	"github.com/vigil-trade/vigil/demo"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/orders/policy"
)

func init() {
	Register(Command{Name: "check", Summary: "check keys, clocks and permissions for danger",
		Usage: checkUsage, Run: runCheck})
}

const checkUsage = `usage: vigil check [--json] [--demo] [--account NAME] [--timeout 10s]

Checks every configured account at once: syncs the clock with the venue
(several samples), audits the key's permissions, IP binding and expiry,
summarises balances and rate budgets, and lists problems with advice.

Dangers (exit 1): a key that may withdraw; this machine's clock ahead of
the venue past what it tolerates; a key the venue refuses (auth, signature,
permission); a venue that does not answer.
Warnings (exit 0): a key older than 90 days, a mainnet key not bound to
IPs, expiry within 14 days, an HMAC key where the venue recommends Ed25519,
secret memory that cannot be locked out of swap.

Flags:
  --json           print the report as JSON (schema in README.md, "vigil check")
  --demo           check the in-process demo venues: no config or vault needed
  --account NAME   check only this account
  --timeout D      give each account at most D (default 10s)

Exit codes: 0 no danger, 1 danger found, 2 usage or config error,
3 wrong vault passphrase, 4 vault unreadable.

Examples:
  vigil check
  vigil check --account bn-test --json
  vigil check --demo
`

// Thresholds for warnings; the key's are policy.KeyMaxAge and
// policy.ExpiringWithin, shared with the keys pane.
const (
	checkClockSyncs = 2 // SyncClock calls per account; each takes several samples
	topBalances     = 4
)

// Problem severities and codes, part of the JSON schema.
const (
	sevDanger  = "danger"
	sevWarning = "warning"

	codeWithdraw        = policy.RiskWithdraw
	codeWithdrawUnknown = policy.RiskWithdrawUnknown
	codeClockAhead      = "clock_ahead"
	codeClockHeadroom   = "clock_headroom"
	codeAuth            = "auth_failed"
	codeClockRejected   = "clock_rejected"
	codeUnreachable     = "unreachable"
	codeRateLimited     = "rate_limited"
	codeCallFailed      = "call_failed"
	codeKeyOld          = policy.RiskKeyOld
	codeIPUnbound       = policy.RiskIPUnbound
	codeKeyExpiring     = policy.RiskKeyExpiring
	codeKeyExpired      = policy.RiskKeyExpired
	codeScheme          = "scheme_not_recommended"
	codeMlock           = "mlock_unavailable"
)

type checkOpts struct {
	json    bool
	demo    bool
	account string
	timeout time.Duration
}

func runCheck(ctx context.Context, env *Env, args []string) int {
	var o checkOpts
	fs := env.Flags("check")
	fs.BoolVar(&o.json, "json", false, "")
	fs.BoolVar(&o.demo, "demo", false, "")
	fs.StringVar(&o.account, "account", "", "")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "")
	pos, err := ParseArgs(fs, args)
	if err != nil {
		return env.Fail(err)
	}
	if len(pos) > 0 {
		return env.Fail(usagef("check", "unexpected argument %q", pos[0]))
	}
	if o.timeout <= 0 {
		return env.Fail(usagef("check", "--timeout must be positive, e.g. 10s"))
	}

	venues, labels, done, err := checkVenues(ctx, env, o)
	if err != nil {
		return env.Fail(err)
	}
	defer done()

	rep := runChecks(ctx, env, venues, labels, o.timeout, o.demo)
	if err := ctx.Err(); err != nil {
		return env.Fail(err)
	}
	if o.json {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return env.Fail(err)
		}
	} else {
		writeCheckReport(env.Stdout, rep)
	}
	return rep.ExitCode
}

// checkVenues builds the clients to check: the demo's, or the config's with
// keys from the vault. labels maps account to vault key label (config only).
func checkVenues(ctx context.Context, env *Env, o checkOpts) (venues []exchange.Venue, labels map[string]string, done func(), err error) {
	if o.demo {
		d, err := demo.Start(ctx, demo.WithoutOrders())
		if err != nil {
			return nil, nil, nil, err
		}
		venues = d.Venues()
		if o.account != "" {
			i := slices.IndexFunc(venues, func(v exchange.Venue) bool { return v.Info().Name == o.account })
			if i < 0 {
				names := make([]string, len(venues))
				for j, v := range venues {
					names[j] = v.Info().Name
				}
				d.Close()
				return nil, nil, nil, usagef("check", "no demo account %q (demo accounts: %s)", o.account, strings.Join(names, ", "))
			}
			venues = venues[i : i+1]
		}
		return venues, nil, d.Close, nil
	}

	cfg, err := env.LoadConfig("")
	if err != nil {
		return nil, nil, nil, err
	}
	if len(cfg.Accounts) == 0 {
		return nil, nil, nil, &exitError{code: ExitUsage, err: fmt.Errorf("%s has no [[accounts]]", cfg.Path),
			advice: "add an account (see config.example.toml), or try 'vigil check --demo'"}
	}
	var copts []connect.Option
	if o.account != "" {
		if _, ok := cfg.Account(o.account); !ok {
			names := make([]string, len(cfg.Accounts))
			for i, a := range cfg.Accounts {
				names[i] = a.Name
			}
			return nil, nil, nil, usagef("check", "no account %q in %s (accounts: %s)", o.account, cfg.Path, strings.Join(names, ", "))
		}
		copts = append(copts, connect.WithAccounts(o.account))
	}
	vault, err := env.UnlockVault(ctx, cfg, "")
	if err != nil {
		return nil, nil, nil, err
	}
	// check signs too: its requests join the trail like any other.
	aud, aerr := openAudit(cfg, env.Now)
	if aerr != nil {
		fmt.Fprintf(env.Stderr, "vigil: audit trail: %v (check goes on without it)\n", aerr)
	}
	venues, err = connect.Open(ctx, cfg, vault, append(copts, aud.option())...)
	if err != nil {
		_ = aud.close()
		vault.Wipe()
		return nil, nil, nil, accountErrors(err)
	}
	labels = map[string]string{}
	for _, a := range cfg.Accounts {
		labels[a.Name] = a.Key
	}
	return venues, labels, func() {
		connect.Close(venues)
		if err := aud.close(); err != nil {
			fmt.Fprintf(env.Stderr, "vigil: audit trail: %v: some of check's requests may be missing from it\n", err)
		}
		vault.Wipe()
	}, nil
}

// accountErrors makes connect's joined per-account errors one usage error
// whose lines each carry their advice, since Fail prints only one advice.
func accountErrors(err error) error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var lines []string
	for _, e := range errs {
		lines = append(lines, e.Error())
		var a interface{ Advice() string }
		if errors.As(e, &a) && a.Advice() != "" {
			lines = append(lines, "  fix: "+a.Advice())
		}
	}
	return &exitError{code: ExitUsage, err: errors.New(strings.Join(lines, "\n"))}
}

// The JSON report. Field names, types and units are documented in
// README.md under "vigil check"; change both together.
type checkReport struct {
	Version   int             `json:"version"`
	CheckedAt time.Time       `json:"checked_at"`
	Demo      bool            `json:"demo"`
	Danger    bool            `json:"danger"`
	Dangers   int             `json:"dangers"`
	Warnings  int             `json:"warnings"`
	ExitCode  int             `json:"exit_code"`
	Host      hostReport      `json:"host"`
	Accounts  []accountReport `json:"accounts"`
}

type hostReport struct {
	HardeningSupported bool           `json:"hardening_supported"`
	MlockPermitted     bool           `json:"mlock_permitted"`
	MemlockLimitBytes  uint64         `json:"memlock_limit_bytes"`
	CoreDumpsOff       bool           `json:"core_dumps_off"`
	NonDumpable        bool           `json:"non_dumpable"`
	Problems           []checkProblem `json:"problems"`
}

type accountReport struct {
	Name       string         `json:"name"`
	Venue      string         `json:"venue"`
	Network    string         `json:"network"`
	Demo       bool           `json:"demo"`
	Scheme     string         `json:"scheme"`
	KeyID      string         `json:"key_id"`
	KeyLabel   string         `json:"key_label"`
	DurationMS int64          `json:"duration_ms"`
	Signer     signerReport   `json:"signer"`
	Clock      clockReport    `json:"clock"`
	Key        *keyReport     `json:"key"`
	Balances   *balanceReport `json:"balances"`
	Budget     budgetReport   `json:"budget"`
	// SignatureRefused explains the first refused signature: null when
	// none was refused, or the venue gives no explanation.
	SignatureRefused *rest.SignatureExplanation `json:"signature_refused"`
	Problems         []checkProblem             `json:"problems"`
}

type clockReport struct {
	Synced           bool   `json:"synced"`
	OffsetMS         int64  `json:"offset_ms"`
	UncertaintyMS    int64  `json:"uncertainty_ms"`
	RTTMS            int64  `json:"rtt_ms"`
	DriftMSPerHour   *int64 `json:"drift_ms_per_hour"`
	HeadroomAheadMS  int64  `json:"headroom_ahead_ms"`
	HeadroomBehindMS int64  `json:"headroom_behind_ms"`
	AheadLimitMS     int64  `json:"ahead_limit_ms"`
	BehindLimitMS    int64  `json:"behind_limit_ms"`
	// LocalStamps: the venue checks this machine's own time (a nonce of
	// its milliseconds), not a stamp vigil corrects.
	LocalStamps bool   `json:"local_stamps"`
	Samples     int    `json:"samples"`
	Danger      bool   `json:"danger"`
	Error       string `json:"error"`
}

type keyReport struct {
	Read     string     `json:"read"`
	Trade    string     `json:"trade"`
	Withdraw string     `json:"withdraw"`
	IPBound  string     `json:"ip_bound"`
	IPs      []string   `json:"ips"`
	Created  *time.Time `json:"created"`
	AgeDays  *int       `json:"age_days"`
	Expires  *time.Time `json:"expires"`
	Source   string     `json:"source"`
	Notes    []string   `json:"notes"`
}

type balanceReport struct {
	NonZero int          `json:"nonzero"`
	Top     []balanceRow `json:"top"`
}

type balanceRow struct {
	Asset  string `json:"asset"`
	Free   string `json:"free"`
	Locked string `json:"locked"`
	Total  string `json:"total"`
}

type budgetReport struct {
	Buckets     []bucketRow `json:"buckets"`
	BannedUntil *time.Time  `json:"banned_until"`
	BanReason   string      `json:"ban_reason"`
}

type bucketRow struct {
	Name     string `json:"name"`
	Used     int    `json:"used"`
	Limit    int    `json:"limit"`
	WindowMS int64  `json:"window_ms"`
}

type checkProblem struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Advice   string `json:"advice"`
}

func runChecks(ctx context.Context, env *Env, venues []exchange.Venue, labels map[string]string, timeout time.Duration, isDemo bool) checkReport {
	rep := checkReport{Version: 1, CheckedAt: env.Now().UTC(), Demo: isDemo, Host: hostCheck(env)}
	rep.Accounts = make([]accountReport, len(venues))
	prog := newProgress(env.Stderr, len(venues))
	var wg sync.WaitGroup
	for i, v := range venues {
		wg.Go(func() {
			actx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			// Someone is waiting for the answer: not background polling.
			actx = exchange.WithPriority(actx, exchange.Interactive)
			start := time.Now()
			a := checkAccount(actx, env.Now, v, timeout)
			a.KeyLabel = labels[a.Name]
			a.DurationMS = time.Since(start).Milliseconds()
			rep.Accounts[i] = a
			prog.done(a)
		})
	}
	wg.Wait()
	prog.stop()

	all := slices.Clone(rep.Host.Problems)
	for _, a := range rep.Accounts {
		all = append(all, a.Problems...)
	}
	for _, p := range all {
		if p.Severity == sevDanger {
			rep.Dangers++
		} else {
			rep.Warnings++
		}
	}
	rep.Danger = rep.Dangers > 0
	rep.ExitCode = ExitOK
	if rep.Danger {
		rep.ExitCode = ExitDanger
	}
	return rep
}

func hostCheck(env *Env) hostReport {
	h := env.Hardening
	r := hostReport{
		HardeningSupported: h.Supported, MlockPermitted: h.MlockPermitted, MemlockLimitBytes: h.MemlockLimit,
		CoreDumpsOff: h.CoreDumpsOff, NonDumpable: h.NonDumpable, Problems: []checkProblem{},
	}
	if h.Supported && !h.MlockPermitted {
		r.Problems = append(r.Problems, checkProblem{Severity: sevWarning, Code: codeMlock,
			Message: fmt.Sprintf("secret memory not locked (RLIMIT_MEMLOCK=%s): run as a user with memlock ulimit or accept swapping risk", bytesIEC(h.MemlockLimit)),
			Advice:  "raise the limit, e.g. `ulimit -l 1024` in the shell that starts vigil, or memlock in /etc/security/limits.conf",
		})
	}
	return r
}

// checkAccount runs every check of one account within ctx. Once the venue
// proves unreachable it stops: every further call would wait out the
// timeout too.
func checkAccount(ctx context.Context, now func() time.Time, v exchange.Venue, timeout time.Duration) accountReport {
	info := v.Info()
	a := accountReport{
		Name: info.Name, Venue: info.Venue, Network: string(info.Network), Demo: info.Demo,
		Scheme: string(info.Scheme), KeyID: info.KeyID, Problems: []checkProblem{},
	}
	seen := map[string]bool{}
	// answered: the venue answered some request, if only to refuse it.
	answered := false
	var sp *checkProblem
	a.Signer, sp = signerCheck(info.Venue)
	if p := sp; p != nil {
		seen[p.Code] = true
		a.Problems = append(a.Problems, *p)
	}
	fail := func(what string, err error) bool {
		if selfTestRefusal(err) {
			return false // reported once, above
		}
		if x := signatureExplained(err); x != nil && a.SignatureRefused == nil {
			a.SignatureRefused = x
		}
		var api *exchange.APIError
		answered = answered || errors.As(err, &api)
		p := callProblem(info, what, err, timeout)
		if !seen[p.Code] {
			seen[p.Code] = true
			a.Problems = append(a.Problems, p)
		}
		return p.Code == codeUnreachable
	}

	var ki *exchange.KeyInfo
	unreachable := false
	var syncErr error
	for range checkClockSyncs {
		if syncErr = v.SyncClock(ctx); syncErr != nil {
			break
		}
	}
	if syncErr != nil {
		unreachable = fail("clock sync", syncErr)
	}
	if !unreachable {
		k, err := v.KeyInfo(ctx)
		if err != nil {
			unreachable = fail("key audit", err)
		} else {
			ki = &k
		}
	}
	if !unreachable {
		bs, err := v.Balances(ctx)
		if err != nil {
			fail("balances", err)
		} else {
			a.Balances = summariseBalances(bs)
		}
	}

	cs := v.Clock()
	a.Clock = clockReport{
		Synced: cs.Synced, OffsetMS: cs.Offset.Milliseconds(), UncertaintyMS: cs.Uncertainty.Milliseconds(),
		RTTMS: cs.RTT.Milliseconds(), HeadroomAheadMS: cs.HeadroomAhead.Milliseconds(),
		HeadroomBehindMS: cs.HeadroomBehind.Milliseconds(), AheadLimitMS: cs.AheadLimit.Milliseconds(),
		BehindLimitMS: cs.BehindLimit.Milliseconds(), Samples: cs.Samples, Danger: cs.Danger, Error: cs.Err,
		LocalStamps: cs.LocalStamps,
	}
	answered = answered || cs.Synced || ki != nil || a.Balances != nil
	if cs.DriftKnown {
		d := cs.DriftPerHr.Milliseconds()
		a.Clock.DriftMSPerHour = &d
	}
	if cs.Synced {
		a.Problems = append(a.Problems, clockProblems(info, cs)...)
	}

	bs := v.Budget()
	a.Budget = budgetReport{Buckets: []bucketRow{}, BanReason: bs.BanReason}
	// The client charges a request before it leaves; with no answer at all
	// nothing says the venue counted any of it (a refused connection never
	// reached it), so there is no usage to report.
	for _, b := range bs.Buckets {
		if answered {
			a.Budget.Buckets = append(a.Budget.Buckets, bucketRow{Name: b.Name, Used: b.Used, Limit: b.Limit, WindowMS: b.Window.Milliseconds()})
		}
	}
	// The clients' budgets run on the real clock, whatever env.Now says.
	if bs.Banned(time.Now()) {
		u := bs.BannedUntil.UTC()
		a.Budget.BannedUntil = &u
		if !seen[codeRateLimited] {
			a.Problems = append(a.Problems, checkProblem{Severity: sevDanger, Code: codeRateLimited,
				Message: fmt.Sprintf("%s refuses this account until %s (%s)", info.Venue, u.Format(time.TimeOnly+" MST"), bs.BanReason),
				Advice:  "stop other programs that use this IP or key; vigil sends nothing on the account until then"})
		}
	}

	if ki != nil {
		a.Key = keySummary(*ki, info, now())
		a.Problems = append(a.Problems, keyProblems(*ki, info, now())...)
	}
	sortProblems(a.Problems)
	return a
}

// callProblem classifies a failed call: the venue refusing the key, the
// venue refusing our clock, the venue not answering, or anything else.
func callProblem(info exchange.AccountInfo, what string, err error, timeout time.Duration) checkProblem {
	var (
		rl  *exchange.RateLimitError
		ll  *exchange.LocalLimitError
		ne  net.Error
		api *exchange.APIError
	)
	advice := exchange.AdviceOf(err)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return checkProblem{Severity: sevDanger, Code: codeUnreachable,
			Message: fmt.Sprintf("%s did not answer within %s (%s)", info.Venue, timeout, what),
			Advice:  "check the network, rest_url in the config and the venue's status page; raise --timeout on a slow link"}
	case errors.As(err, &rl) || errors.As(err, &ll):
		if advice == "" {
			advice = "wait for the limit to reset; stop other programs that use this IP or key"
		}
		return checkProblem{Severity: sevDanger, Code: codeRateLimited, Message: what + ": " + err.Error(), Advice: advice}
	case errors.As(err, &api):
		switch api.Kind {
		case exchange.KindAuth, exchange.KindSignature, exchange.KindPermission:
			if advice == "" {
				advice = "check the key id and secret (`vigil keys rotate`), that the key belongs to this network (testnet keys do not work on mainnet), and the key's IP allow-list"
			}
			return checkProblem{Severity: sevDanger, Code: codeAuth,
				Message: fmt.Sprintf("%s refused the key (%s): %s", info.Venue, what, err), Advice: advice}
		case exchange.KindClock:
			if advice == "" {
				advice = "enable NTP on this machine (`timedatectl set-ntp true`) and run vigil check again"
			}
			return checkProblem{Severity: sevDanger, Code: codeClockRejected,
				Message: fmt.Sprintf("%s refused the request's timestamp (%s): %s", info.Venue, what, err), Advice: advice}
		}
		if advice == "" {
			advice = "run vigil check again; if it persists, see the venue's status page"
		}
		return checkProblem{Severity: sevDanger, Code: codeCallFailed, Message: what + ": " + err.Error(), Advice: advice}
	case errors.As(err, &ne):
		return checkProblem{Severity: sevDanger, Code: codeUnreachable,
			Message: fmt.Sprintf("%s unreachable (%s): %s", info.Venue, what, err),
			Advice:  "check the network and rest_url in the config; a proxy or firewall may block the venue"}
	}
	return checkProblem{Severity: sevDanger, Code: codeCallFailed, Message: what + ": " + err.Error(),
		Advice: "run vigil check again; if it persists, see the venue's status page"}
}

// clockProblems: a machine ahead of the venue past what it tolerates is a
// danger even though vigil stamps with the measured offset, because a
// stale estimate or any other tool on this machine gets refused at once.
func clockProblems(info exchange.AccountInfo, cs exchange.ClockSnapshot) []checkProblem {
	ahead := -cs.Offset
	lag := cs.AheadLimit + cs.Uncertainty - cs.HeadroomAhead // the stamp's lag, per Snapshot's formula
	switch {
	case ahead > cs.AheadLimit || (cs.Danger && ahead > 0 && ahead > cs.AheadLimit-lag):
		return []checkProblem{{Severity: sevDanger, Code: codeClockAhead,
			Message: fmt.Sprintf("this machine's clock is %s ahead of %s (± %s); %s refuses stamps %s or more in its future",
				fmtDur(ahead, false), info.Venue, fmtDur(cs.Uncertainty, false), info.Venue, fmtDur(cs.AheadLimit, false)),
			Advice: "sync the system clock: `timedatectl set-ntp true` (or `sudo chronyc makestep`); vigil compensates, but a stale estimate or another tool on this machine will be refused"}}
	case cs.Danger:
		return []checkProblem{{Severity: sevWarning, Code: codeClockHeadroom,
			Message: fmt.Sprintf("little clock headroom: %s ahead / %s behind (offset %s ± %s, rtt %s)",
				fmtDur(cs.HeadroomAhead, false), fmtDur(cs.HeadroomBehind, false), fmtDur(cs.Offset, true),
				fmtDur(cs.Uncertainty, false), fmtDur(cs.RTT, false)),
			Advice: "sync the system clock (`timedatectl set-ntp true`); on a slow link raise recv_window_ms in the config"}}
	}
	return nil
}

func keyAge(ki exchange.KeyInfo, info exchange.AccountInfo) time.Time {
	if !ki.Created.IsZero() {
		return ki.Created
	}
	return info.KeyCreated
}

func keySummary(ki exchange.KeyInfo, info exchange.AccountInfo, now time.Time) *keyReport {
	k := &keyReport{
		Read: ki.Read.String(), Trade: ki.Trade.String(), Withdraw: ki.Withdraw.String(), IPBound: ki.IPBound.String(),
		IPs: append([]string{}, ki.IPs...), Source: ki.Source, Notes: append([]string{}, ki.Notes...),
	}
	if c := keyAge(ki, info); !c.IsZero() {
		c = c.UTC()
		k.Created = &c
		days := max(int(now.Sub(c)/(24*time.Hour)), 0)
		k.AgeDays = &days
	}
	if !ki.Expires.IsZero() {
		e := ki.Expires.UTC()
		k.Expires = &e
	}
	return k
}

func keyProblems(ki exchange.KeyInfo, info exchange.AccountInfo, now time.Time) []checkProblem {
	var ps []checkProblem
	// The key-risk table the keys pane renders too: one threshold, one
	// level and one wording for each.
	for _, r := range policy.KeyRisks(ki, info, now) {
		ps = append(ps, checkProblem{Severity: r.Level.String(), Code: r.Code, Message: r.Message, Advice: r.Advice})
	}
	if rec, why := connect.RecommendedScheme(info.Venue); rec != "" && info.Scheme != rec {
		ps = append(ps, checkProblem{Severity: sevWarning, Code: codeScheme,
			Message: fmt.Sprintf("%s key where %s is recommended", strings.ToUpper(string(info.Scheme)), titleScheme(rec)),
			Advice:  why + "; make one with `vigil keys add --scheme " + string(rec) + " --generate` and register its public key"})
	}
	return ps
}

func titleScheme(s exchange.Scheme) string {
	if s == exchange.SchemeEd25519 {
		return "Ed25519"
	}
	return strings.ToUpper(string(s))
}

func sortProblems(ps []checkProblem) {
	slices.SortStableFunc(ps, func(a, b checkProblem) int {
		if a.Severity == b.Severity {
			return 0
		}
		if a.Severity == sevDanger {
			return -1
		}
		return 1
	})
}

// summariseBalances lists non-zero balances, quote currencies first (by
// amount), then BTC and ETH, then the rest by name: check fetches no
// prices, so "top" means "most telling", not "most valuable".
func summariseBalances(bs []exchange.Balance) *balanceReport {
	var nz []exchange.Balance
	for _, b := range bs {
		if !b.Total().IsZero() {
			nz = append(nz, b)
		}
	}
	rank := func(asset string) int {
		switch asset {
		case "USDT", "USDC", "FDUSD", "USD", "EUR", "DAI":
			return 0
		case "BTC":
			return 1
		case "ETH":
			return 2
		}
		return 3
	}
	slices.SortFunc(nz, func(a, b exchange.Balance) int {
		if ra, rb := rank(a.Asset), rank(b.Asset); ra != rb {
			return ra - rb
		}
		if rank(a.Asset) == 0 {
			if c := b.Total().Cmp(a.Total()); c != 0 {
				return c
			}
		}
		return strings.Compare(a.Asset, b.Asset)
	})
	r := &balanceReport{NonZero: len(nz), Top: []balanceRow{}}
	for _, b := range nz[:min(len(nz), topBalances)] {
		r.Top = append(r.Top, balanceRow{Asset: b.Asset, Free: b.Free.String(), Locked: b.Locked.String(), Total: b.Total().String()})
	}
	return r
}

// progress shows a spinner on a terminal and plain lines elsewhere.
type progress struct {
	w     io.Writer
	tty   bool
	total int
	stop  func()

	mu sync.Mutex
	n  int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, tty: isTerminal(w), total: total}
	if !p.tty {
		fmt.Fprintf(w, "vigil: checking %d account%s\n", total, plural(total))
		p.stop = func() {}
		return p
	}
	p.stop = spin(w, func() string {
		p.mu.Lock()
		defer p.mu.Unlock()
		return fmt.Sprintf("checking %d account%s: %d done", p.total, plural(p.total), p.n)
	})
	return p
}

func (p *progress) done(a accountReport) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	if !p.tty {
		fmt.Fprintf(p.w, "vigil: checked %s (%d ms)\n", a.Name, a.DurationMS)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// writeCheckReport prints the human report: one aligned block per account,
// then the host, then the verdict. Meaning is in words (DANGER, WITHDRAW),
// never in colour alone.
func writeCheckReport(w io.Writer, rep checkReport) {
	for i, a := range rep.Accounts {
		if i > 0 {
			fmt.Fprintln(w)
		}
		badge := "[" + strings.ToUpper(a.Network) + "]"
		if a.Demo {
			badge = "[DEMO " + strings.ToUpper(a.Network) + "]"
		}
		key := a.Scheme + " key " + a.KeyID
		if a.KeyLabel != "" {
			key += " (" + a.KeyLabel + ")"
		}
		fmt.Fprintf(w, "%s  %s %s  %s  %d ms\n", a.Name, a.Venue, badge, key, a.DurationMS)
		row := func(label, format string, args ...any) {
			fmt.Fprintf(w, "  %-9s %s\n", label, fmt.Sprintf(format, args...))
		}
		switch s := a.Signer; s.SelfTest {
		case "passed":
			row("signer", "self-test passed: %d vectors", s.Vectors)
		case "failed":
			row("signer", "SELF-TEST FAILED on vector %q (%d run): signs nothing for %s", s.FailedVector, s.Vectors, a.Venue)
		default:
			row("signer", "no self-test for this venue")
		}
		c := a.Clock
		if c.Synced {
			drift := "drift —"
			if c.DriftMSPerHour != nil {
				drift = fmt.Sprintf("drift %+d ms/h", *c.DriftMSPerHour)
			}
			row("clock", "offset %s ± %d ms · rtt %d ms · %s · %d samples", signedMS(c.OffsetMS), c.UncertaintyMS, c.RTTMS, drift, c.Samples)
			// Room, not headroom against the limit: stamps trail the venue's
			// clock, so the room ahead can pass the venue's limit.
			if c.LocalStamps {
				row("", "room left: %s ahead · %s behind", roomMS(c.HeadroomAheadMS), roomMS(c.HeadroomBehindMS))
				row("", "(the venue checks this machine's own time, uncorrected: it refuses it %s ahead of its clock or %s behind)", roomMS(c.AheadLimitMS), roomMS(c.BehindLimitMS))
			} else {
				row("", "room left after offset correction: %s ahead · %s behind", roomMS(c.HeadroomAheadMS), roomMS(c.HeadroomBehindMS))
				row("", "(venue refuses stamps %s ahead or %s old; stamps trail its clock, so room ahead may pass %s)", roomMS(c.AheadLimitMS), roomMS(c.BehindLimitMS), roomMS(c.AheadLimitMS))
			}
		} else {
			msg := "not synced"
			if c.Error != "" {
				msg += ": " + c.Error
			}
			row("clock", "%s", msg)
		}
		if k := a.Key; k != nil {
			withdraw := "withdraw " + k.Withdraw
			if k.Withdraw == "yes" {
				withdraw = "WITHDRAW YES"
			}
			row("key", "read %s · trade %s · %s", k.Read, k.Trade, withdraw)
			ip := "IP binding " + k.IPBound
			if len(k.IPs) > 0 {
				ip += " (" + strings.Join(k.IPs, ", ") + ")"
			}
			exp := "expiry not reported"
			if k.Expires != nil {
				exp = "expires " + k.Expires.Format(time.DateOnly)
			}
			age := ""
			if k.AgeDays != nil {
				age = fmt.Sprintf(" · %d days old", *k.AgeDays)
			}
			row("", "%s · %s%s", ip, exp, age)
			for _, n := range k.Notes {
				row("", "note: %s", n)
			}
		} else {
			row("key", "not audited")
		}
		if b := a.Balances; b != nil {
			parts := make([]string, len(b.Top))
			for i, t := range b.Top {
				parts[i] = t.Asset + " " + t.Total
			}
			more := ""
			if b.NonZero > len(b.Top) {
				more = fmt.Sprintf(" · +%d more", b.NonZero-len(b.Top))
			}
			row("balances", "%d non-zero: %s%s", b.NonZero, strings.Join(parts, " · "), more)
		} else {
			row("balances", "not read")
		}
		if len(a.Budget.Buckets) > 0 {
			parts := make([]string, len(a.Budget.Buckets))
			for i, b := range a.Budget.Buckets {
				pct := 0
				if b.Limit > 0 {
					pct = b.Used * 100 / b.Limit
				}
				parts[i] = fmt.Sprintf("%s %d/%d (%d%%)", b.Name, b.Used, b.Limit, pct)
			}
			row("budget", "%s", strings.Join(parts, " · "))
		} else {
			row("budget", "not known: the venue answered no request")
		}
		writeProblems(w, a.Problems)
		if x := a.SignatureRefused; x != nil {
			fmt.Fprintf(w, "  %-9s %s %s refused the signature; what vigil signed and sent:\n", "signature", x.Venue, x.Code)
			for _, l := range x.Lines() {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
	if len(rep.Host.Problems) > 0 {
		fmt.Fprintln(w, "\nthis machine")
		writeProblems(w, rep.Host.Problems)
	}
	fmt.Fprintln(w)
	switch {
	case rep.Danger:
		fmt.Fprintf(w, "DANGER: %d danger%s, %d warning%s (exit %d)\n", rep.Dangers, plural(rep.Dangers), rep.Warnings, plural(rep.Warnings), rep.ExitCode)
	case rep.Warnings > 0:
		fmt.Fprintf(w, "OK with %d warning%s (exit %d)\n", rep.Warnings, plural(rep.Warnings), rep.ExitCode)
	default:
		fmt.Fprintf(w, "OK: no problems (exit %d)\n", rep.ExitCode)
	}
}

func writeProblems(w io.Writer, ps []checkProblem) {
	if len(ps) == 0 {
		fmt.Fprintf(w, "  %-9s none\n", "problems")
		return
	}
	for _, p := range ps {
		tag := "WARN  "
		if p.Severity == sevDanger {
			tag = "DANGER"
		}
		fmt.Fprintf(w, "  %s %s\n", tag, p.Message)
		if p.Advice != "" {
			fmt.Fprintf(w, "         → %s\n", p.Advice)
		}
	}
}

func signedMS(ms int64) string {
	if ms >= 0 {
		return "+" + strconv.FormatInt(ms, 10) + " ms"
	}
	return strconv.FormatInt(ms, 10) + " ms"
}

// fmtDur prints ms below two seconds and seconds above, signed if asked.
// roomMS is a clock room or limit: milliseconds while they are what the
// figure is about, hours and minutes for a venue whose window is a day.
func roomMS(ms int64) string {
	if ms > -100_000 && ms < 100_000 {
		return strconv.FormatInt(ms, 10) + " ms"
	}
	d := (time.Duration(ms) * time.Millisecond).Round(time.Second)
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%s%dh%02dm", sign, h, m)
	}
	return fmt.Sprintf("%s%dm%02ds", sign, m, s)
}

func fmtDur(d time.Duration, signed bool) string {
	sign := ""
	if signed && d >= 0 {
		sign = "+"
	}
	if d.Abs() < 2*time.Second {
		return sign + strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	}
	return sign + strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
}

func bytesIEC(n uint64) string {
	switch {
	case n == ^uint64(0):
		return "unlimited"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatUint(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatUint(n>>10, 10) + " KiB"
	}
	return strconv.FormatUint(n, 10) + " B"
}
