package binance

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

func BenchmarkTmpDecode(b *testing.B) {
	b.ReportAllocs()
	raw := []byte(benchAccountJSON)
	for b.Loop() {
		var out accountResp
		if err := json.Unmarshal(raw, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTmpClockStamp(b *testing.B) {
	c := exchange.NewClock(exchange.ClockConfig{})
	now := time.Now()
	for i := range 5 {
		c.Add(now.Add(time.Duration(i)*time.Millisecond), now.Add(time.Second), now.Add(time.Duration(i+1)*time.Millisecond))
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Stamp()
	}
}

func BenchmarkTmpBudget(b *testing.B) {
	c := exchange.NewClock(exchange.ClockConfig{})
	now := time.Now()
	for i := range 5 {
		c.Add(now.Add(time.Duration(i)*time.Millisecond), now.Add(time.Second), now.Add(time.Duration(i+1)*time.Millisecond))
	}
	bu := exchange.NewBudget("x", c.ServerNow, exchange.Limit{Name: "weight/1m", Kind: exchange.LimitWeight, Limit: 1 << 30, Window: time.Minute})
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		bu.Acquire(ctx, exchange.Cost{Weight: 20})
	}
}

type tmpBalS struct {
	Asset  string `json:"asset"`
	Free   string `json:"free"`
	Locked string `json:"locked"`
}

func BenchmarkTmpDecodeStrings(b *testing.B) {
	b.ReportAllocs()
	raw := []byte(benchAccountJSON)
	for b.Loop() {
		var out struct {
			Balances []tmpBalS `json:"balances"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTmpDecodeBalOnly(b *testing.B) {
	b.ReportAllocs()
	raw := []byte(benchAccountJSON)
	for b.Loop() {
		var out struct {
			Balances []balanceResp `json:"balances"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTmpValid(b *testing.B) {
	raw := []byte(benchAccountJSON)
	for b.Loop() {
		json.Valid(raw)
	}
}

func benchHC(b *testing.B, hc *http.Client) {
	srv := benchServer(b)
	url := srv.URL + "/api/v3/account?omitZeroBalances=true&recvWindow=5000&timestamp=1700000000000&signature=fa23120bf7c1810b46f48fa6095d936a5e1382590a1e5fbac572c942bb67cdf3"
	b.ReportAllocs()
	for b.Loop() {
		rawGet(b, hc, url, nil)
	}
}

func BenchmarkTmpRawOurTransport(b *testing.B) { benchHC(b, newHTTPClient()) }
func BenchmarkTmpRawOurTransportNoRHT(b *testing.B) {
	hc := newHTTPClient()
	hc.Transport.(*http.Transport).ResponseHeaderTimeout = 0
	benchHC(b, hc)
}
func BenchmarkTmpRawPlain(b *testing.B) {
	benchHC(b, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}})
}

func BenchmarkTmpNewRequest(b *testing.B) {
	u := "http://127.0.0.1:34567/api/v3/account?omitZeroBalances=true&recvWindow=5000&timestamp=1700000000000&signature=fa23120bf7c1810b46f48fa6095d936a5e1382590a1e5fbac572c942bb67cdf3"
	b.ReportAllocs()
	for b.Loop() {
		r, _ := http.NewRequestWithContext(b.Context(), "GET", u, nil)
		r.Header.Set("X-MBX-APIKEY", "abc")
	}
}

func BenchmarkTmpNewRequestEmpty(b *testing.B) {
	q := "omitZeroBalances=true&recvWindow=5000&timestamp=1700000000000&signature=fa23120bf7c1810b46f48fa6095d936a5e1382590a1e5fbac572c942bb67cdf3"
	k := []string{"abc"}
	b.ReportAllocs()
	for b.Loop() {
		r, _ := http.NewRequestWithContext(b.Context(), "GET", "", nil)
		r.URL.Scheme, r.URL.Host, r.URL.Path, r.URL.RawQuery = "http", "127.0.0.1:34567", "/api/v3/account", q
		r.Host = r.URL.Host
		r.Header["X-Mbx-Apikey"] = k
	}
}
