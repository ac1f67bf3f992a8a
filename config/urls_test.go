package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func account(venue, network, key, url string) string {
	return fmt.Sprintf("[[accounts]]\nname = \"a\"\nvenue = %q\nnetwork = %q\nkey = \"k\"\n%s = %q\n", venue, network, key, url)
}

// A testnet label on a mainnet host would show TESTNET and skip every
// mainnet guard while trading real money: refused, naming key and line.
func TestMainnetHostUnderTestnetLabel(t *testing.T) {
	for _, tc := range []struct {
		venue, key, url, names string
	}{
		{"binance", "rest_url", "https://api.binance.com", "api.binance.com is Binance Spot mainnet"},
		{"binance", "rest_url", "https://api1.binance.com/", "api1.binance.com is Binance Spot mainnet"},
		{"binance", "rest_url", "https://api4.binance.com", "Binance Spot mainnet"},
		{"binance", "rest_url", "https://api-gcp.binance.com", "Binance Spot mainnet"},
		{"binance", "rest_url", "https://API.Binance.COM", "Binance Spot mainnet"},
		{"binance", "rest_url", "https://api.binance.com.:443", "Binance Spot mainnet"},
		{"binance", "rest_url", "https://testnet.binance.vision@api.binance.com", "api.binance.com is Binance Spot mainnet"},
		{"binance", "rest_url", "https://data-api.binance.vision", "Binance Spot mainnet"},
		{"binance", "ws_url", "wss://ws-api.binance.com:443/ws-api/v3", "ws-api.binance.com is Binance Spot mainnet"},
		{"binance", "ws_url", "wss://ws-api.binance.com:9443/ws-api/v3", "Binance Spot mainnet"},
		{"binance", "ws_url", "wss://stream.binance.com:9443/ws", "Binance Spot mainnet"},
		{"bybit", "rest_url", "https://api.bybit.com", "api.bybit.com is Bybit mainnet"},
		{"bybit", "rest_url", "https://api.bytick.com", "Bybit mainnet"},
		{"bybit", "rest_url", "https://api.bybit.nl", "Bybit mainnet"},
		{"bybit", "rest_url", "https://api.bybit.kz", "Bybit mainnet"},
		{"bybit", "rest_url", "https://api.bybit-tr.com", "Bybit mainnet"},
		{"bybit", "rest_url", "https://api.bybit.eu", "Bybit mainnet"},
		{"bybit", "rest_url", "https://api.bybitgeorgia.ge", "Bybit mainnet"},
		{"bybit", "rest_url", "https://api.manepa.jp", "Bybit mainnet"},
		{"bybit", "ws_url", "wss://stream.bybit.com/v5/private", "stream.bybit.com is Bybit mainnet"},
		{"okx", "ws_url", "wss://ws.okx.com:8443/ws/v5/private", "ws.okx.com is OKX mainnet"},
		{"okx", "ws_url", "wss://wsaws.okx.com:8443/ws/v5/private", "OKX mainnet"},
		{"okx", "ws_url", "wss://wsus.okx.com:8443/ws/v5/private", "OKX mainnet"},
		// Another venue's mainnet is no testnet either.
		{"okx", "rest_url", "https://api.binance.com", "Binance Spot mainnet"},
	} {
		t.Run(tc.key+"="+tc.url, func(t *testing.T) {
			src := account(tc.venue, "testnet", tc.key, tc.url)
			_, err := Parse([]byte(src), "c.toml", testEnv)
			var es Errors
			if !errors.As(err, &es) || len(es) != 1 {
				t.Fatalf("want one config error, got %v", err)
			}
			for _, w := range []string{"c.toml:6:", "accounts[1]." + tc.key, tc.names, `network = "testnet"`} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			// The same host under its true label is fine.
			if _, err := Parse([]byte(account(tc.venue, "mainnet", tc.key, tc.url)), "c.toml", testEnv); err != nil {
				t.Errorf("under mainnet: %v", err)
			}
		})
	}
}

// Test and demo hosts, loopback fakes, and OKX's REST hosts (demo trading
// shares them, told apart by a header the client sends for testnet) stay
// allowed under a testnet label.
func TestTestnetHostsAccepted(t *testing.T) {
	for _, tc := range []struct{ venue, key, url string }{
		{"binance", "rest_url", "https://testnet.binance.vision"},
		{"binance", "rest_url", "https://api1.testnet.binance.vision"},
		{"binance", "rest_url", "https://demo-api.binance.com"},
		{"binance", "ws_url", "wss://ws-api.testnet.binance.vision/ws-api/v3"},
		{"binance", "ws_url", "wss://demo-ws-api.binance.com/ws-api/v3"},
		{"binance", "ws_url", "wss://demo-stream.binance.com/ws"},
		{"bybit", "rest_url", "https://api-testnet.bybit.com"},
		{"bybit", "rest_url", "https://api-demo.bybit.com"},
		{"bybit", "ws_url", "wss://stream-testnet.bybit.com/v5/private"},
		{"bybit", "ws_url", "wss://stream-demo.bybit.com/v5/private"},
		{"okx", "rest_url", "https://www.okx.com"},
		{"okx", "rest_url", "https://openapi.okx.com"},
		{"okx", "rest_url", "https://eea.okx.com"},
		{"okx", "ws_url", "wss://wspap.okx.com:8443/ws/v5/private"},
		{"binance", "rest_url", "http://127.0.0.1:8080"},
		{"bybit", "ws_url", "ws://localhost:9000/v5/private"},
	} {
		t.Run(tc.key+"="+tc.url, func(t *testing.T) {
			if _, err := Parse([]byte(account(tc.venue, "testnet", tc.key, tc.url)), "c.toml", testEnv); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Plain http:// and ws:// would send the key id and signed requests in
// clear text: only a loopback address may take them, whatever the label.
func TestPlainSchemesOnlyOnLoopback(t *testing.T) {
	refused := []struct{ key, url, want string }{
		{"rest_url", "http://api.binance.com", "use https://"},
		{"rest_url", "http://example.com:8080", "use https://"},
		{"rest_url", "http://10.0.0.5", "use https://"},
		{"rest_url", "http://[::2]:80", "use https://"},
		{"rest_url", "http://127.0.0.1.evil.example", "use https://"},
		{"rest_url", "http://localhost.evil.example", "use https://"},
		{"rest_url", "http://0x7f000001", "use https://"},
		{"rest_url", "http://127.0.0.1@evil.example", "use https://"},
		{"ws_url", "ws://stream.bybit.com/v5/private", "use wss://"},
		{"ws_url", "ws://192.168.1.2:9000/ws", "use wss://"},
	}
	for _, network := range []string{"mainnet", "testnet"} {
		for _, tc := range refused {
			t.Run(network+"/"+tc.url, func(t *testing.T) {
				_, err := Parse([]byte(account("binance", network, tc.key, tc.url)), "c.toml", testEnv)
				var es Errors
				if !errors.As(err, &es) || len(es) != 1 {
					t.Fatalf("want one config error, got %v", err)
				}
				for _, w := range []string{"c.toml:6:", "accounts[1]." + tc.key, "only for loopback", tc.want} {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
			})
		}
	}
	for _, network := range []string{"mainnet", "testnet"} {
		for _, tc := range []struct{ key, url string }{
			{"rest_url", "http://127.0.0.1:8080"},
			{"rest_url", "http://127.45.6.7"},
			{"rest_url", "http://localhost:9000/"},
			{"rest_url", "http://LOCALHOST"},
			{"rest_url", "http://[::1]:8080"},
			{"ws_url", "ws://127.0.0.1:1/ws"},
			{"ws_url", "ws://[::1]/ws"},
		} {
			t.Run(network+"/"+tc.url, func(t *testing.T) {
				if _, err := Parse([]byte(account("binance", network, tc.key, tc.url)), "c.toml", testEnv); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
