package config

// Example is the commented configuration `vigil init` writes. The repo's
// config.example.toml is the same text (a test keeps them identical).
const Example = `# vigil configuration.
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

# How the cockpit shows times: "utc" or "local" (the machine's zone). The
# status line names the zone; the key z toggles it while the cockpit runs.
# time_zone = "utc"

# One [[accounts]] table per exchange account.
[[accounts]]
name = "bn-test"            # unique; how commands and the cockpit name this account
venue = "binance"           # binance | okx | bybit
network = "testnet"         # testnet | mainnet
key = "bn-test"             # label of the API key in the vault (vigil keys list)
rest_url = ""               # optional: override the venue's REST base URL (https; http only on loopback)
ws_url = ""                 # optional: override the venue's WebSocket URL (wss; ws only on loopback)
recv_window_ms = 5000       # how late a signed request may arrive (1..60000)
order_grace_ms = 2000       # after a lost answer, "order not found" is believed only twice this far apart (50..60000)
max_order_notional = "100"  # fat-finger guard in quote currency, a decimal string
allow_mainnet_orders = false # order entry on mainnet stays off until this is true

# [[accounts]]
# name = "okx-demo"
# venue = "okx"
# network = "testnet"        # OKX demo trading
# key = "okx-demo"
# max_order_notional = "50"
`
