package rest

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// TestObserverSeesEverySignedAttempt: each signed attempt that reached the
// wire is observed once (a retry after a refused stamp is a request of its
// own), with the parameters as built before signing, the weight charged,
// the status, the venue's code and the outcome; public requests are not.
func TestObserverSeesEverySignedAttempt(t *testing.T) {
	s := newServer(t, func(n int, r *http.Request) (int, string) {
		switch n {
		case 1:
			return 400, `{"code":1}` // stamp refused: re-sync, send again
		case 4:
			return 400, `{"code":7}`
		case 5:
			return 500, `{"code":5}`
		}
		return 200, `{"code":0,"data":{}}`
	})
	var (
		mu  sync.Mutex
		got []Sent
	)
	v := &testVenue{}
	clock := exchange.NewClock(exchange.ClockConfig{Account: "a", AheadLimit: time.Second, BehindLimit: 5 * time.Second})
	var p *Path
	serverTime := func(ctx context.Context) (time.Time, error) {
		var ms int64
		err := p.Do(ctx, &Request{Method: http.MethodGet, Path: "/time"}, &ms)
		return time.UnixMilli(ms), err
	}
	v.budget = exchange.NewBudget("a", clock.ServerNow, exchange.Limit{Name: "raw/1m", Kind: exchange.LimitRaw, Limit: 1000, Window: time.Minute})
	p, err := New(Config{Venue: "test", BaseURL: s.URL, Signer: newHMAC(t), Replies: v, Budget: v.budget,
		Clock: clock, ServerTime: serverTime, Sync: func(ctx context.Context) error { return clock.Sync(ctx, 2, serverTime) },
		Observer: func(x *Sent) {
			mu.Lock()
			c := *x
			c.Query, c.Body = []byte(string(x.Query)), []byte(string(x.Body))
			got = append(got, c)
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	q := ParamsOf([]byte("symbol=BTCUSDT&cid=vg1"))
	signed := func(op string, body string) error {
		r := &Request{Method: http.MethodPost, Path: "/order", Query: q, Signed: true, Op: op, Cost: exchange.Cost{Weight: 2, Orders: 1}}
		if body != "" {
			r.Body, r.Kind = []byte(body), JSON
		}
		return p.Do(ctx, r, nil)
	}
	if err := signed("place", ""); err != nil { // refused stamp, then accepted
		t.Fatal(err)
	}
	if err := p.Do(ctx, &Request{Method: http.MethodGet, Path: "/public"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := signed("", `{"a":1}`); err == nil {
		t.Fatal("code 7 accepted")
	}
	if err := signed("place", ""); err == nil {
		t.Fatal("code 5 accepted")
	}
	mu.Lock()
	defer mu.Unlock()
	want := []struct {
		outcome Outcome
		status  int
		code    string
	}{{OutcomeRefused, 400, "1"}, {OutcomeOK, 200, ""}, {OutcomeRefused, 400, "7"}, {OutcomeAmbiguous, 500, "5"}}
	if len(got) != len(want) {
		t.Fatalf("%d observed, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Outcome != w.outcome || g.Status != w.status || g.Code != w.code || g.Venue != "test" || g.Method != "POST" ||
			g.Path != "/order" || string(g.Query) != q.String() || g.Weight != 2 || g.Orders != 1 || g.Time.IsZero() || g.Latency <= 0 {
			t.Errorf("observed %d: %+v, want %+v", i, g, w)
		}
		if strings.Contains(string(g.Query), "X-Sign") || strings.Contains(string(g.Query), "stamp") {
			t.Errorf("observed %d carries what the signer added: %q", i, g.Query)
		}
	}
	if string(got[2].Body) != `{"a":1}` {
		t.Errorf("body %q", got[2].Body)
	}
}
