package config

import (
	"bytes"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/exchange"
)

// FuzzParse holds Parse to its promise on any bytes: either a config every
// later step can trust (known venue and network, unique names, windows in
// range, no negative guard, URLs with a scheme the label allows), or errors
// that each name the file and, when they name a line, one that exists.
func FuzzParse(f *testing.F) {
	f.Add([]byte(Example))
	f.Add([]byte(""))
	f.Add([]byte("vault = \"~/v.age\"\n[[accounts]]\nname = \"a\"\nvenue = \"okx\"\nnetwork = \"testnet\"\nkey = \"k\"\nrest_url = \"http://127.0.0.1:1\"\n"))
	f.Add([]byte("[[accounts]]\nname = \"a\"\nvenue = \"binance\"\nnetwork = \"testnet\"\nkey = \"k\"\nrest_url = \"https://api.binance.com\"\n"))
	f.Add([]byte("[[accounts]]\nname = \"a\"\nvenue = \"bybit\"\nnetwork = \"mainnet\"\nkey = \"k\"\nrest_url = \"http://api.bybit.com\"\nmax_order_notional = \"-1\"\n"))
	f.Add([]byte("[[accounts]]\nname = 1\nvenu = \"x\"\n[[accounts]]\nname = \"a\"\n"))
	f.Add([]byte("recv_window_ms = 99999999999999999999\n[[accounts\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "/c/config.toml"
		c, err := Parse(data, path, testEnv)
		if err != nil {
			if c != nil {
				t.Fatalf("both a config and an error: %v", err)
			}
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %v is not a list of config errors", err, err)
			}
			lines := bytes.Count(data, []byte("\n")) + 1
			for _, e := range es {
				if e.Path != path {
					t.Fatalf("error names %q, not the file: %v", e.Path, e)
				}
				if e.Line < 0 || e.Line > lines {
					t.Fatalf("error names line %d of a %d-line file: %v", e.Line, lines, e)
				}
				if strings.TrimSpace(e.Msg) == "" {
					t.Fatalf("error without a message: %+v", e)
				}
			}
			return
		}
		if c == nil {
			t.Fatal("no config and no error")
		}
		var names []string
		for i, a := range c.Accounts {
			if a.Name == "" || slices.Contains(names, a.Name) {
				t.Fatalf("accounts[%d]: empty or duplicate name %q accepted", i, a.Name)
			}
			names = append(names, a.Name)
			if !slices.Contains(KnownVenues(), a.Venue) {
				t.Fatalf("accounts[%d]: unknown venue %q accepted", i, a.Venue)
			}
			if a.Network != exchange.Testnet && a.Network != exchange.Mainnet {
				t.Fatalf("accounts[%d]: network %q accepted", i, a.Network)
			}
			if a.RecvWindowMS < 1 || a.RecvWindowMS > 60000 {
				t.Fatalf("accounts[%d]: recv_window_ms %d accepted", i, a.RecvWindowMS)
			}
			if a.MaxOrderNotional.IsNegative() {
				t.Fatalf("accounts[%d]: negative max_order_notional accepted", i)
			}
			for _, raw := range []string{a.RESTURL, a.WSURL} {
				if raw == "" {
					continue
				}
				u, perr := url.Parse(raw)
				if perr != nil {
					t.Fatalf("accounts[%d]: unparsable URL %q accepted", i, raw)
				}
				if (u.Scheme == "http" || u.Scheme == "ws") && !loopbackHost(u.Hostname()) {
					t.Fatalf("accounts[%d]: plain %s to %q accepted", i, u.Scheme, u.Hostname())
				}
			}
		}
	})
}

func loopbackHost(h string) bool {
	return h == "localhost" || h == "::1" || strings.HasPrefix(h, "127.")
}
