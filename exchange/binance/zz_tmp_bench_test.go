package binance

import (
	"encoding/json"
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
