package simhttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vigil-trade/vigil/exchange/sim"
)

// venue is a minimal fake over the front: one operation that echoes its
// body, counts the times it ran, and answers with code "ok".
type venue struct {
	x     *sim.Exchange
	front *Front[string]

	mu    sync.Mutex
	ran   int
	calls []Call
}

const echoOp = "POST /echo"

func newVenue(t *testing.T, tune func(*Config[string])) *venue {
	t.Helper()
	v := &venue{x: sim.New()}
	cfg := Config[string]{
		Sim:      v.x,
		Serves:   func(op string) bool { return op == echoOp },
		NotFound: func() *Reply[string] { return Text[string](http.StatusNotFound, "text/plain", "nope") },
		Handle: func(c *Call) *Reply[string] {
			v.mu.Lock()
			defer v.mu.Unlock()
			v.calls = append(v.calls, *c)
			if c.Limited() {
				rp := Text[string](http.StatusTooManyRequests, "text/plain", "slow down")
				rp.Code = "limited"
				return rp
			}
			if c.Skips() {
				return NewReply[string]()
			}
			v.ran++
			rp := Text[string](http.StatusOK, "application/json", `{"echo":"`+string(c.Body)+`"}`)
			rp.Code = "ok"
			return rp
		},
		ServerError: func(status int, _ *Reply[string]) *Reply[string] {
			if status == 0 {
				status = http.StatusServiceUnavailable
			}
			rp := EdgePage[string](status)
			rp.Code = "edge"
			return rp
		},
		GarbledCode: "garbled",
		DroppedCode: "dropped",
		GarbleStub:  `{"c":`,
	}
	if tune != nil {
		tune(&cfg)
	}
	v.front = New(cfg)
	t.Cleanup(v.front.Close)
	return v
}

func (v *venue) runs() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.ran
}

func (v *venue) lastCall(t *testing.T) Call {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.calls) == 0 {
		t.Fatal("Handle never called")
	}
	return v.calls[len(v.calls)-1]
}

// serve calls the front directly, as a fake under synctest does.
func (v *venue) serve(ctx context.Context, method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	v.front.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)).WithContext(ctx))
	return rec
}

func (v *venue) lastRecord(t *testing.T) Record[string] {
	t.Helper()
	log := v.front.Log()
	if len(log) == 0 {
		t.Fatal("nothing logged")
	}
	return log[len(log)-1]
}

func TestServesAndLogs(t *testing.T) {
	v := newVenue(t, nil)
	rec := v.serve(context.Background(), "POST", "/echo", "hi")
	if rec.Code != 200 || rec.Body.String() != `{"echo":"hi"}` || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	c := v.lastCall(t)
	if c.Op != echoOp || string(c.Body) != "hi" || c.IP != "192.0.2.1" || c.Faulted {
		t.Errorf("call %+v", c)
	}
	r := v.lastRecord(t)
	if r.Method != "POST" || r.Path != "/echo" || r.Status != 200 || r.Code != "ok" || r.Fault != 0 || r.IP != "192.0.2.1" {
		t.Errorf("record %+v", r)
	}

	rec = v.serve(context.Background(), "GET", "/echo", "")
	if rec.Code != 404 || rec.Body.String() != "nope" {
		t.Errorf("unknown op: %d %q", rec.Code, rec.Body)
	}
	if r := v.lastRecord(t); r.Status != 404 || r.Code != "" {
		t.Errorf("404 record %+v", r)
	}
	if n := v.front.Count(func(r Record[string]) bool { return r.Status == 404 }); n != 1 {
		t.Errorf("Count 404 = %d", n)
	}
	if v.runs() != 1 {
		t.Errorf("ran %d times", v.runs())
	}
}

func TestClientIPOverride(t *testing.T) {
	v := newVenue(t, func(c *Config[string]) {
		c.ClientIP = func(r *http.Request) string { return r.Header.Get("X-IP") }
	})
	req := httptest.NewRequest("POST", "/echo", nil)
	req.Header.Set("X-IP", "10.0.0.7")
	v.front.ServeHTTP(httptest.NewRecorder(), req)
	if ip := v.lastCall(t).IP; ip != "10.0.0.7" {
		t.Errorf("IP %q", ip)
	}
}

func TestFaultsBeforeAndAfterTheOperation(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		fault     sim.Fault
		tune      func(*Config[string])
		runs      int
		status    int
		body      string
		code      string
		limited   bool
		skipped   bool
		stubWhole bool
	}{
		{name: "5xx before", fault: sim.Fault{Kind: sim.Fault5xx}, runs: 0, status: 503, code: "edge", skipped: true},
		{name: "5xx after", fault: sim.Fault{Kind: sim.Fault5xx, Apply: true, Status: 502}, runs: 1, status: 502, code: "edge"},
		{name: "rate limit", fault: sim.Fault{Kind: sim.FaultRateLimit}, runs: 0, status: 429, body: "slow down", code: "limited", limited: true, skipped: true},
		{name: "garbage", fault: sim.Fault{Kind: sim.FaultGarbage}, runs: 1, status: 200, body: `{"echo":`, code: "garbled"},
		{name: "a standing answer outranks the fault", fault: sim.Fault{Kind: sim.Fault5xx, Apply: true},
			tune: func(c *Config[string]) { c.Stands = func(rp *Reply[string]) bool { return rp.Code == "ok" } },
			runs: 1, status: 200, body: `{"echo":"abcdef"}`, code: "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newVenue(t, tc.tune)
			tc.fault.Op, tc.fault.Times = echoOp, 1
			v.x.Faults().Add(tc.fault)
			rec := v.serve(ctx, "POST", "/echo", "abcdef")
			if rec.Code != tc.status || (tc.body != "" && rec.Body.String() != tc.body) {
				t.Errorf("answer %d %q, want %d %q", rec.Code, rec.Body, tc.status, tc.body)
			}
			if v.runs() != tc.runs {
				t.Errorf("operation ran %d times, want %d", v.runs(), tc.runs)
			}
			c := v.lastCall(t)
			if !c.Faulted || c.Fault.Kind != tc.fault.Kind || c.Limited() != tc.limited || c.Skips() != tc.skipped {
				t.Errorf("call saw fault %v faulted=%v limited=%v skips=%v", c.Fault.Kind, c.Faulted, c.Limited(), c.Skips())
			}
			if r := v.lastRecord(t); r.Status != tc.status || r.Code != tc.code || r.Fault != tc.fault.Kind {
				t.Errorf("record %+v", r)
			}
			// The fault is used up: the next request is answered normally.
			if rec := v.serve(ctx, "POST", "/echo", "x"); rec.Code != 200 || rec.Body.String() != `{"echo":"x"}` {
				t.Errorf("after the fault: %d %q", rec.Code, rec.Body)
			}
		})
	}
}

func TestDropAfterAcceptRunsThenCloses(t *testing.T) {
	v := newVenue(t, nil)
	url := v.front.Listen(v.front)
	v.x.Faults().Add(sim.Fault{Kind: sim.FaultDropAfterAccept, Op: echoOp, Times: 1})
	res, err := v.front.Client().Post(url+"/echo", "text/plain", strings.NewReader("abc"))
	if err == nil {
		res.Body.Close()
		t.Fatalf("got an answer %d, want a dropped connection", res.StatusCode)
	}
	if v.runs() != 1 {
		t.Errorf("operation ran %d times, want 1", v.runs())
	}
	if r := v.lastRecord(t); r.Status != 0 || r.Code != "dropped" || r.Fault != sim.FaultDropAfterAccept {
		t.Errorf("record %+v", r)
	}
}

func TestListenClientAndClose(t *testing.T) {
	v := newVenue(t, nil)
	if v.front.Client() != nil {
		t.Error("client before Listen")
	}
	url := v.front.Listen(v.front)
	if WSURL(url, "/ws") != "ws"+strings.TrimPrefix(url, "http")+"/ws" || !strings.HasPrefix(WSURL(url, "/ws"), "ws://127.0.0.1:") {
		t.Errorf("WSURL %s", WSURL(url, "/ws"))
	}
	res, err := v.front.Client().Post(url+"/echo", "text/plain", strings.NewReader("over the wire"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != `{"echo":"over the wire"}` {
		t.Errorf("body %s", b)
	}
	if r := v.lastRecord(t); r.IP != "127.0.0.1" {
		t.Errorf("loopback logged as %q", r.IP)
	}
	v.front.Close()
	v.front.Close() // idempotent
	select {
	case <-v.front.Done():
	default:
		t.Error("Done open after Close")
	}
	if _, err := v.front.Client().Post(url+"/echo", "text/plain", nil); err == nil {
		t.Error("served after Close")
	}
}

// Timing runs under synctest, with the handler called directly, so the
// sim's default clock follows the bubble.
func TestLatencySlowAndHangUnderSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := newVenue(t, func(c *Config[string]) { c.ClockDate = true })
		v.x.SetSkew(90 * time.Minute)
		v.x.SetLatency(sim.LatencyConfig{Request: sim.Leg{Mean: 30 * time.Millisecond}, Response: sim.Leg{Mean: 20 * time.Millisecond}})
		start := time.Now()
		rec := v.serve(context.Background(), "POST", "/echo", "a")
		if el := time.Since(start); el != 50*time.Millisecond || rec.Code != 200 {
			t.Errorf("round trip %v %d, want 50ms 200", el, rec.Code)
		}
		// The server clock is read after the request leg.
		if got, want := v.lastCall(t).Now, start.Add(90*time.Minute+30*time.Millisecond); !got.Equal(want) {
			t.Errorf("Call.Now %v, want %v", got, want)
		}
		// Date is stamped from the server clock after the response leg.
		if got, want := rec.Header().Get("Date"), start.Add(90*time.Minute+50*time.Millisecond).UTC().Format(http.TimeFormat); got != want {
			t.Errorf("Date %q, want %q", got, want)
		}

		v.x.SetLatency(sim.LatencyConfig{})
		v.x.Faults().Add(sim.Fault{Kind: sim.FaultSlow, Op: echoOp, Delay: 3 * time.Second, Times: 1})
		start = time.Now()
		rec = v.serve(context.Background(), "POST", "/echo", "b")
		if el := time.Since(start); el != 3*time.Second || rec.Code != 200 {
			t.Errorf("slow: %v %d", el, rec.Code)
		}
		if got, want := v.lastCall(t).Now, start.Add(90*time.Minute+3*time.Second); !got.Equal(want) {
			t.Errorf("slow Call.Now %v, want %v (after the delay)", got, want)
		}

		// A hang ends with the client's context, unanswered...
		v.x.Faults().Add(sim.Fault{Kind: sim.FaultHang, Op: echoOp, Times: 2})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		before := v.runs()
		start = time.Now()
		v.serve(ctx, "POST", "/echo", "c")
		if el := time.Since(start); el != 10*time.Second {
			t.Errorf("hang lasted %v, want the client's 10s", el)
		}
		if r := v.lastRecord(t); r.Status != 0 || r.Fault != sim.FaultHang {
			t.Errorf("hang record %+v", r)
		}
		if v.runs() != before {
			t.Error("a hung request ran")
		}
		// ...or when the front closes.
		done := make(chan struct{})
		go func() {
			defer close(done)
			v.serve(context.Background(), "POST", "/echo", "d")
		}()
		synctest.Wait()
		v.front.Close()
		<-done
	})
}

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := New(Config[string]{Sim: sim.New()})
		start := time.Now()
		if !f.Sleep(context.Background(), time.Second) || time.Since(start) != time.Second {
			t.Error("full sleep")
		}
		if !f.Sleep(context.Background(), -time.Second) || time.Since(start) != time.Second {
			t.Error("a non-positive sleep waits")
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if f.Sleep(ctx, time.Hour) || time.Since(start) != 2*time.Second {
			t.Error("sleep outlived its context")
		}
		time.AfterFunc(time.Minute, f.Close)
		if f.Sleep(context.Background(), time.Hour) || time.Since(start) != 2*time.Second+time.Minute {
			t.Error("sleep outlived the front")
		}
	})
}

func TestGarbleEdgePageRemoteIP(t *testing.T) {
	if got := string(Garble([]byte(" {\"a\":1234} \n"), "stub")); got != `{"a":` {
		t.Errorf("Garble = %q", got)
	}
	if got := string(Garble([]byte("{}"), `{"code":`)); got != `{"code":` {
		t.Errorf("short Garble = %q", got)
	}
	rp := EdgePage[int](502)
	if rp.Status != 502 || rp.Header.Get("Content-Type") != "text/html" || rp.Code != 0 ||
		string(rp.Body) != "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n" {
		t.Errorf("EdgePage %+v %q", rp, rp.Body)
	}
	for addr, want := range map[string]string{
		"127.0.0.1:5000": "127.0.0.1", "[::1]:5000": "127.0.0.1", "10.1.2.3:80": "10.1.2.3",
		"[2001:db8::1]:443": "2001:db8::1", "pipe": "pipe",
	} {
		if got := RemoteIP(&http.Request{RemoteAddr: addr}); got != want {
			t.Errorf("RemoteIP(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestDropWithoutHijackAborts(t *testing.T) {
	defer func() {
		if r := recover(); !errors.Is(asError(r), http.ErrAbortHandler) {
			t.Errorf("recovered %v, want http.ErrAbortHandler", r)
		}
	}()
	Drop(httptest.NewRecorder())
	t.Error("Drop returned")
}

func asError(v any) error {
	err, _ := v.(error)
	return err
}

func TestSetJSON(t *testing.T) {
	rp := NewReply[int]()
	rp.SetJSON(418, "application/json; charset=utf-8", map[string]int{"a": 1})
	if rp.Status != 418 || string(rp.Body) != `{"a":1}` || rp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("got %d %s %v", rp.Status, rp.Body, rp.Header)
	}
	defer func() {
		if recover() == nil {
			t.Error("an unmarshallable value did not panic")
		}
	}()
	rp.SetJSON(200, "application/json", func() {})
}

func TestFirstValues(t *testing.T) {
	r := httptest.NewRequest("GET", "/x?a=1&b=&a=2&c=%20z", nil)
	got := FirstValues(r)
	if len(got) != 3 || got["a"] != "1" || got["b"] != "" || got["c"] != " z" {
		t.Errorf("got %v", got)
	}
}

func TestKeys(t *testing.T) {
	var ks Keys[int]
	if _, ok := ks.Get("a"); ok || ks.Removed("a") {
		t.Fatal("empty store has a")
	}
	ks.Add("a", 1)
	ks.Remove("b") // never there: not removed either
	if k, ok := ks.Get("a"); !ok || k != 1 || ks.Removed("b") {
		t.Fatalf("a = %d %v, b removed %v", k, ok, ks.Removed("b"))
	}
	ks.Remove("a")
	if _, ok := ks.Get("a"); ok || !ks.Removed("a") {
		t.Fatal("a not removed")
	}
	ks.Add("a", 2)
	if k, ok := ks.Get("a"); !ok || k != 2 || ks.Removed("a") {
		t.Fatal("a not back")
	}
}
