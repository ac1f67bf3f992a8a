package config

import (
	"fmt"
	"strings"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/venues"
)

// Example is the commented configuration `vigil init` writes. The repo's
// config.example.toml is the same text (a test keeps them identical). The
// venues in it are the first two of the venue list, so it names no venue
// this package has to know.
var Example = example()

func example() string {
	all := venues.All()
	first, second := all[0], all[1]
	note := second.Title + " test network"
	if n, ok := second.Network(exchange.Testnet); ok && n.Note != "" {
		note, _, _ = strings.Cut(n.Note, ":")
	}
	col := func(s string) string { return fmt.Sprintf("%-28s", s) }
	// Settings only some venues take, said with the venues that take them.
	var extra []string
	for _, d := range all {
		if len(d.RateTiers) > 0 {
			extra = append(extra, fmt.Sprintf("# %s# %s only: its rate tier when the venue does not say (%s)",
				pad(`rate_tier = "`+d.RateTiers[0]+`"`, 26), d.Title, strings.Join(d.RateTiers, " | ")))
		}
	}
	for _, d := range all {
		if d.CancelOnDisconnect {
			extra = append(extra, fmt.Sprintf("# %s# %s only: the venue cancels this account's open orders when vigil's stream drops",
				pad("cancel_on_disconnect = false", 26), d.Title))
		}
	}
	more := ""
	if len(extra) > 0 {
		more = strings.Join(extra, "\n") + "\n"
	}
	return strings.NewReplacer(
		"{MORE}\n", more,
		"{NAME}", col(`name = "`+first.Name+`-test"`),
		"{VENUE}", col(`venue = "`+first.Name+`"`),
		"{KEY}", col(`key = "`+first.Name+`-test"`),
		"{VENUES}", strings.Join(venues.Names(), " | "),
		"{V1}", first.Name,
		"{V2}", second.Name,
		"{V2NOTE}", note,
	).Replace(exampleText)
}

const exampleText = `# vigil configuration.
# Default location: $XDG_CONFIG_HOME/vigil/config.toml (~/.config/vigil/config.toml);
# another file with: vigil --config PATH ...

# The age-encrypted key vault. Default: $XDG_DATA_HOME/vigil/vault.age
# (~/.local/share/vigil/vault.age). Keys are added with: vigil keys add
# vault = "~/.local/share/vigil/vault.age"

# Where vigil keeps its order journal and state. Default: $XDG_DATA_HOME/vigil
# data_dir = "~/.local/share/vigil"

# Final orders older than this many days leave the journal for a compressed
# archive beside it: the cockpit does it at start and daily, and
# 'vigil journal archive' by hand (1..36500).
# journal_retention_days = 90

# Files of the audit trail (data_dir/audit: every signed request, chained so
# an edit shows) last written longer ago than this many days are removed (1..36500).
# audit_retention_days = 365

# How the cockpit shows times: "utc" or "local" (the machine's zone). The
# status line names the zone; the key z toggles it while the cockpit runs.
# time_zone = "utc"

# The cockpit takes clicks and the mouse wheel. false leaves the mouse to the
# terminal (text selection over SSH and tmux); the key m toggles it anyway.
# mouse = true

# vigil watch exports balances as Prometheus metrics only when this is true:
# whoever can read the metrics then learns how much money this machine holds.
# metrics_balances = false

# One [[accounts]] table per exchange account.
[[accounts]]
{NAME}# unique; how commands and the cockpit name this account
{VENUE}# {VENUES}
network = "testnet"         # testnet | mainnet
{KEY}# label of the API key in the vault (vigil keys list)
rest_url = ""               # optional: override the venue's REST base URL (https; http only on loopback)
ws_url = ""                 # optional: override the venue's WebSocket URL (wss; ws only on loopback)
recv_window_ms = 5000       # how late a signed request may arrive (1..60000)
order_grace_ms = 2000       # after a lost answer, "order not found" is believed only twice this far apart (50..60000)
max_order_notional = "100"  # fat-finger guard in quote currency, a decimal string
allow_mainnet_orders = false # order entry on mainnet stays off until this is true
{MORE}

# [[accounts]]
# name = "{V2}-test"
# venue = "{V2}"
# network = "testnet"        # {V2NOTE}
# key = "{V2}-test"
# max_order_notional = "50"
`

// pad is s and at least one space, to n columns.
func pad(s string, n int) string { return s + strings.Repeat(" ", max(1, n-len(s))) }
