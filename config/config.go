// Package config reads vigil's TOML configuration strictly: an unknown key
// or a bad value is an error that names the key, its line and what is
// allowed.
package config

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/venues"
)

// Config is a loaded, validated configuration.
type Config struct {
	Path    string // the file it came from
	Vault   string // path of the age vault, ~ expanded
	DataDir string
	// JournalRetentionDays: `vigil journal archive` moves final orders
	// older than this out of the journal into an archive beside it.
	JournalRetentionDays int
	// AuditRetentionDays: files of the audit trail (data_dir/audit) last
	// written longer ago are removed.
	AuditRetentionDays int
	// TimeZone is how the cockpit shows times: TimeZoneUTC or
	// TimeZoneLocal (time_zone; the cockpit toggles it with a key).
	TimeZone string
	// Mouse: the cockpit takes clicks and the wheel (mouse; default
	// true). Off, the terminal keeps text selection, as over SSH and tmux
	// some prefer; the cockpit's m toggles it either way.
	Mouse bool
	// MetricsBalances: `vigil watch` exports balances (metrics_balances;
	// default false: they tell whoever reads the metrics how much money
	// the machine controls).
	MetricsBalances bool
	Accounts        []Account
}

// time_zone values.
const (
	TimeZoneUTC   = "utc"
	TimeZoneLocal = "local"
)

// DefaultJournalRetentionDays is journal_retention_days when unset.
const DefaultJournalRetentionDays = 90

// DefaultAuditRetentionDays is audit_retention_days when unset: a year, as
// a dispute over what was sent can come up long after.
const DefaultAuditRetentionDays = 365

// Account is one exchange account.
type Account struct {
	Name    string
	Venue   string
	Network exchange.Network
	Key     string // vault label
	RESTURL string // "" means the venue's default
	WSURL   string
	// RecvWindowMS is how long after its timestamp a signed request is valid.
	RecvWindowMS int
	// OrderGraceMS is how long the venue gets to show an order before a
	// "not found" is believed: two answers this far apart mean the order
	// never arrived.
	OrderGraceMS int
	// MaxOrderNotional is the fat-finger guard in quote currency; zero: none.
	MaxOrderNotional   decimal.Decimal
	AllowMainnetOrders bool
	// RateTier is the account's tier at a venue whose rate limits depend on
	// it, for when the venue does not reveal it (rate_tier); "": the venue's
	// default.
	RateTier string
	// CancelOnDisconnect asks a venue that can (Deribit) to cancel the
	// orders of a private stream that drops (cancel_on_disconnect); off by
	// default, as a network blip would cancel resting orders.
	CancelOnDisconnect bool
	Line               int // line of the account's [[accounts]] header
}

// OrderGrace is OrderGraceMS as a duration.
func (a Account) OrderGrace() time.Duration {
	return time.Duration(a.OrderGraceMS) * time.Millisecond
}

// RecvWindow is RecvWindowMS as a duration.
func (a Account) RecvWindow() time.Duration {
	return time.Duration(a.RecvWindowMS) * time.Millisecond
}

// Account returns the account called name.
func (c *Config) Account(name string) (Account, bool) {
	for _, a := range c.Accounts {
		if a.Name == name {
			return a, true
		}
	}
	return Account{}, false
}

// DefaultRecvWindowMS applies when recv_window_ms is absent.
const DefaultRecvWindowMS = 5000

// DefaultOrderGraceMS applies when order_grace_ms is absent.
const DefaultOrderGraceMS = 2000

// KnownVenues lists the venues an account may name.
func KnownVenues() []string { return venues.Names() }

// Error is one problem in a config file, with where it is.
type Error struct {
	Path  string
	Line  int    // 0 when unknown
	Field string // "accounts[2].venue"
	Msg   string
}

func (e *Error) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Msg)
	}
	return loc + ": " + e.Msg
}

// Errors is every problem found in one file.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// DefaultPath is $XDG_CONFIG_HOME/vigil/config.toml, or
// ~/.config/vigil/config.toml.
func DefaultPath() string { return DefaultPathEnv(os.Getenv) }

// DefaultPathEnv is DefaultPath with the environment passed in.
func DefaultPathEnv(getenv func(string) string) string {
	return filepath.Join(xdgDir(getenv, "XDG_CONFIG_HOME", ".config"), "vigil", "config.toml")
}

// DefaultDataDir is $XDG_DATA_HOME/vigil, or ~/.local/share/vigil.
func DefaultDataDir(getenv func(string) string) string {
	return filepath.Join(xdgDir(getenv, "XDG_DATA_HOME", filepath.Join(".local", "share")), "vigil")
}

func xdgDir(getenv func(string) string, name, fallback string) string {
	// The XDG spec says relative values are invalid and must be ignored.
	if d := getenv(name); d != "" && filepath.IsAbs(d) {
		return d
	}
	return filepath.Join(getenv("HOME"), fallback)
}

// Load reads and validates the file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path, os.Getenv)
}

// raw mirrors the file. MaxOrderNotional is any so a bare number gets a
// helpful message instead of a type error.
type raw struct {
	Vault                string       `toml:"vault"`
	DataDir              string       `toml:"data_dir"`
	JournalRetentionDays *int         `toml:"journal_retention_days"`
	AuditRetentionDays   *int         `toml:"audit_retention_days"`
	TimeZone             string       `toml:"time_zone"`
	Mouse                *bool        `toml:"mouse"`
	MetricsBalances      bool         `toml:"metrics_balances"`
	Accounts             []rawAccount `toml:"accounts"`
}

type rawAccount struct {
	Name               string `toml:"name"`
	Venue              string `toml:"venue"`
	Network            string `toml:"network"`
	Key                string `toml:"key"`
	RESTURL            string `toml:"rest_url"`
	WSURL              string `toml:"ws_url"`
	RecvWindowMS       *int   `toml:"recv_window_ms"`
	OrderGraceMS       *int   `toml:"order_grace_ms"`
	MaxOrderNotional   any    `toml:"max_order_notional"`
	AllowMainnetOrders bool   `toml:"allow_mainnet_orders"`
	RateTier           string `toml:"rate_tier"`
	CancelOnDisconnect bool   `toml:"cancel_on_disconnect"`
}

var (
	topKeys     = []string{"vault", "data_dir", "journal_retention_days", "audit_retention_days", "time_zone", "mouse", "metrics_balances", "accounts"}
	accountKeys = []string{"name", "venue", "network", "key", "rest_url", "ws_url",
		"recv_window_ms", "order_grace_ms", "max_order_notional", "allow_mainnet_orders", "rate_tier", "cancel_on_disconnect"}
)

// typeErrRE matches BurntSushi's type mismatch errors, which are plain
// errors rather than ParseError values.
var typeErrRE = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// Parse validates data as the config file at path; getenv resolves the XDG
// defaults and ~.
func Parse(data []byte, path string, getenv func(string) string) (*Config, error) {
	var r raw
	md, err := toml.Decode(string(data), &r)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			msg := pe.Message
			if pe.LastKey != "" {
				msg = fmt.Sprintf("%s (at key %s)", msg, pe.LastKey)
			}
			return nil, Errors{{Path: path, Line: pe.Position.Line, Msg: msg}}
		}
		if m := typeErrRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			msg := strings.Replace(m[3], "incompatible types: TOML value has type", "wrong type: the value is a", 1)
			msg = strings.Replace(msg, "; destination has type", "; want", 1)
			return nil, Errors{{Path: path, Line: line, Field: m[2], Msg: msg}}
		}
		return nil, Errors{{Path: path, Msg: err.Error()}}
	}
	lines := scanLines(data)
	var errs Errors
	add := func(line int, field, format string, args ...any) {
		errs = append(errs, &Error{Path: path, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
	}

	reported := map[int]bool{}
	for _, k := range md.Undecoded() {
		allowed, where := topKeys, "at the top level"
		if len(k) > 1 && k[0] == "accounts" {
			allowed, where = accountKeys, "in [[accounts]]"
		}
		found := lines.find(k)
		if len(found) == 0 {
			found = []located{{}}
		}
		for _, l := range found {
			if l.line > 0 && reported[l.line] {
				continue
			}
			reported[l.line] = true
			add(l.line, "", "unknown key %q %s (allowed: %s)", k[len(k)-1], where, strings.Join(allowed, ", "))
		}
	}

	home := getenv("HOME")
	c := &Config{Path: path, Vault: expandHome(r.Vault, home), DataDir: expandHome(r.DataDir, home)}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir(getenv)
	}
	if c.Vault == "" {
		c.Vault = filepath.Join(DefaultDataDir(getenv), "vault.age")
	}
	c.JournalRetentionDays = DefaultJournalRetentionDays
	if r.JournalRetentionDays != nil {
		line := 0
		if found := lines.find(toml.Key{"journal_retention_days"}); len(found) > 0 {
			line = found[0].line
		}
		if d := *r.JournalRetentionDays; d < 1 || d > 36500 {
			add(line, "journal_retention_days", "%d days is out of range (1..36500)", d)
		} else {
			c.JournalRetentionDays = d
		}
	}

	c.AuditRetentionDays = DefaultAuditRetentionDays
	if r.AuditRetentionDays != nil {
		line := 0
		if found := lines.find(toml.Key{"audit_retention_days"}); len(found) > 0 {
			line = found[0].line
		}
		if d := *r.AuditRetentionDays; d < 1 || d > 36500 {
			add(line, "audit_retention_days", "%d days is out of range (1..36500)", d)
		} else {
			c.AuditRetentionDays = d
		}
	}

	c.Mouse = r.Mouse == nil || *r.Mouse
	c.MetricsBalances = r.MetricsBalances
	c.TimeZone = TimeZoneUTC
	switch tz := strings.ToLower(strings.TrimSpace(r.TimeZone)); tz {
	case "":
	case TimeZoneUTC, TimeZoneLocal:
		c.TimeZone = tz
	default:
		line := 0
		if found := lines.find(toml.Key{"time_zone"}); len(found) > 0 {
			line = found[0].line
		}
		add(line, "time_zone", "%q is not allowed (allowed: utc, local)", r.TimeZone)
	}

	seen := map[string]int{}
	for i, ra := range r.Accounts {
		field := func(f string) string { return fmt.Sprintf("accounts[%d].%s", i+1, f) }
		line := func(f string) int {
			if l := lines.at(i, f); l > 0 {
				return l
			}
			return lines.header(i)
		}
		a := Account{
			Name: ra.Name, Venue: ra.Venue, Network: exchange.Network(ra.Network), Key: ra.Key,
			RESTURL: ra.RESTURL, WSURL: ra.WSURL, RecvWindowMS: DefaultRecvWindowMS,
			OrderGraceMS:       DefaultOrderGraceMS,
			AllowMainnetOrders: ra.AllowMainnetOrders, Line: lines.header(i),
			RateTier:           strings.ToLower(strings.TrimSpace(ra.RateTier)),
			CancelOnDisconnect: ra.CancelOnDisconnect,
		}
		switch {
		case a.Name == "":
			add(line("name"), field("name"), "is required")
		case seen[a.Name] > 0:
			add(line("name"), field("name"), "%q is already used by the account at line %d; names must be unique", a.Name, seen[a.Name])
		default:
			seen[a.Name] = line("name")
		}
		d, known := venues.Lookup(a.Venue)
		if !known {
			add(line("venue"), field("venue"), "%q is not a known venue (allowed: %s)", a.Venue, strings.Join(KnownVenues(), ", "))
		}
		switch {
		case a.Network != exchange.Testnet && a.Network != exchange.Mainnet:
			add(line("network"), field("network"), "%q is not allowed (allowed: testnet, mainnet)", ra.Network)
		case known:
			if n, ok := d.Network(a.Network); !ok {
				add(line("network"), field("network"), "%s has no %s (allowed: %s)", d.Title, a.Network, networkNames(d))
			} else if n.REST == "" && a.RESTURL == "" {
				// Never a silent default: such a network has no public host.
				add(line("network"), field("rest_url"), "%s %s has no public host (%s): set rest_url and ws_url", d.Title, a.Network, n.Note)
			}
		}
		if a.Key == "" {
			add(line("key"), field("key"), "is required: the label of a key in the vault (vigil keys list)")
		}
		switch {
		case a.RateTier == "" || !known:
		case len(d.RateTiers) == 0:
			add(line("rate_tier"), field("rate_tier"), "%s counts no rate tier", d.Title)
		case !slices.Contains(d.RateTiers, a.RateTier):
			add(line("rate_tier"), field("rate_tier"), "%q is not a %s tier (allowed: %s)", ra.RateTier, d.Title, strings.Join(d.RateTiers, ", "))
		}
		if a.CancelOnDisconnect && known && !d.CancelOnDisconnect {
			add(line("cancel_on_disconnect"), field("cancel_on_disconnect"), "%s cannot cancel orders when a stream drops; remove the line", d.Title)
		}
		if ra.RecvWindowMS != nil {
			a.RecvWindowMS = *ra.RecvWindowMS
			if a.RecvWindowMS < 1 || a.RecvWindowMS > 60000 {
				add(line("recv_window_ms"), field("recv_window_ms"), "%d is out of range (allowed: 1..60000)", a.RecvWindowMS)
			}
		}
		if ra.OrderGraceMS != nil {
			a.OrderGraceMS = *ra.OrderGraceMS
			if a.OrderGraceMS < 50 || a.OrderGraceMS > 60000 {
				add(line("order_grace_ms"), field("order_grace_ms"), "%d is out of range (allowed: 50..60000)", a.OrderGraceMS)
			}
		}
		if msg := checkURL(a.RESTURL, a.Network, "http", "https"); msg != "" {
			add(line("rest_url"), field("rest_url"), "%s", msg)
		}
		if msg := checkURL(a.WSURL, a.Network, "ws", "wss"); msg != "" {
			add(line("ws_url"), field("ws_url"), "%s", msg)
		}
		if ra.MaxOrderNotional != nil {
			d, msg := parseNotional(ra.MaxOrderNotional)
			if msg != "" {
				add(line("max_order_notional"), field("max_order_notional"), "%s", msg)
			}
			a.MaxOrderNotional = d
		}
		c.Accounts = append(c.Accounts, a)
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b *Error) int { return a.Line - b.Line })
		return nil, errs
	}
	return c, nil
}

func parseNotional(v any) (decimal.Decimal, string) {
	const allowed = `a positive decimal string, e.g. "100" or "250.5"`
	switch x := v.(type) {
	case string:
		d, err := decimal.NewFromString(strings.TrimSpace(x))
		if err != nil || !d.IsPositive() {
			return decimal.Zero, fmt.Sprintf("%q is not %s", x, allowed)
		}
		return d, ""
	case int64:
		if x <= 0 {
			return decimal.Zero, fmt.Sprintf("%d is not %s", x, allowed)
		}
		return decimal.NewFromInt(x), ""
	case float64:
		return decimal.Zero, fmt.Sprintf("%v is a TOML float, which may round; write it as a decimal string: \"%v\"", x, x)
	default:
		return decimal.Zero, fmt.Sprintf("must be %s", allowed)
	}
}

// checkURL checks an override URL: its scheme (plain only on loopback,
// where nothing crosses a network) and, under a testnet label, that its
// host is no venue's production.
func checkURL(s string, network exchange.Network, plain, secure string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Sprintf("%q does not parse as a URL: %v", s, err)
	}
	if (u.Scheme != plain && u.Scheme != secure) || u.Host == "" {
		return fmt.Sprintf("%q must be an absolute %s/%s URL with a host", s, plain, secure)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if u.Scheme == plain && !loopback(host) {
		return fmt.Sprintf("%q: plain %s:// is allowed only for loopback addresses (127.0.0.0/8, ::1, localhost): elsewhere it would carry the key id and signed requests in clear text; use %s://", s, plain, secure)
	}
	if network == exchange.Testnet {
		// Any venue's production, since another venue's is no testnet
		// either.
		for _, d := range venues.All() {
			if d.MainnetHost(host) {
				return fmt.Sprintf("%s is %s mainnet but network = \"testnet\": real money behind a TESTNET label skips every mainnet guard; use the venue's testnet URL, or set network = \"mainnet\"", host, d.Title)
			}
		}
	}
	return ""
}

func networkNames(d *kit.Descriptor) string {
	names := make([]string, len(d.Networks))
	for i, n := range d.Networks {
		names[i] = string(n.Network)
	}
	return strings.Join(names, ", ")
}

// loopback reports whether host never leaves this machine. localhost is
// taken at its word, as every resolver configuration maps it to loopback.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func expandHome(p, home string) string {
	if p == "~" {
		return home
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return p
}

// lineIndex records where keys are defined, since BurntSushi's MetaData
// has no public key positions. It understands what vigil's config uses:
// [table], [[array]] headers and key = value lines, with multi-line
// strings skipped.
type lineIndex struct {
	keys    []located
	headers map[int]int // accounts index -> header line
}

type located struct {
	path  string // dotted, without array indices: "accounts.venue"
	index int    // which [[accounts]] (0-based), -1 at top level
	key   string
	line  int
}

func scanLines(data []byte) lineIndex {
	idx := lineIndex{headers: map[int]int{}}
	table, arrayIdx := "", -1
	counts := map[string]int{}
	inMulti := ""
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if inMulti != "" {
			if strings.Count(line, inMulti)%2 == 1 {
				inMulti = ""
			}
			continue
		}
		switch {
		case line == "" || line[0] == '#':
			continue
		case strings.HasPrefix(line, "[["):
			name := unquoteKey(strings.TrimSpace(strings.TrimSuffix(stripComment(line[2:]), "]]")))
			table, arrayIdx = name, counts[name]
			counts[name]++
			if name == "accounts" {
				idx.headers[arrayIdx] = n
			}
			continue
		case line[0] == '[':
			table, arrayIdx = unquoteKey(strings.TrimSpace(strings.TrimSuffix(stripComment(line[1:]), "]"))), -1
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key := unquoteKey(strings.TrimSpace(k))
		path := key
		if table != "" {
			path = table + "." + key
		}
		idx.keys = append(idx.keys, located{path: path, index: arrayIdx, key: key, line: n})
		for _, q := range []string{`"""`, `'''`} {
			if strings.Count(v, q)%2 == 1 {
				inMulti = q
			}
		}
	}
	return idx
}

func stripComment(s string) string {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		return s[:i]
	}
	return s
}

func unquoteKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && (p[0] == '"' || p[0] == '\'') && p[len(p)-1] == p[0] {
			p = p[1 : len(p)-1]
		}
		parts[i] = p
	}
	return strings.Join(parts, ".")
}

// find returns every place the undecoded key k is defined.
func (x lineIndex) find(k toml.Key) []located {
	want := k.String()
	var out []located
	for _, l := range x.keys {
		if l.path == want || strings.HasPrefix(want, l.path+".") {
			out = append(out, l)
		}
	}
	return out
}

// at returns the line of key in the i-th [[accounts]] table, 0 if absent.
func (x lineIndex) at(i int, key string) int {
	for _, l := range x.keys {
		if l.index == i && l.path == "accounts."+key {
			return l.line
		}
	}
	return 0
}

func (x lineIndex) header(i int) int { return x.headers[i] }
