package sim

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// TestSilenceLosesWhatWasMadeWhileSilent: an event made while the stream
// is silent is lost even when the connection's forwarder only reaches it
// after the fault is cleared, and one made after is pushed.
func TestSilenceLosesWhatWasMadeWhileSilent(t *testing.T) {
	x := newTestExchange(t)
	var h WSHub
	wc := &WSConn{hub: &h}
	wc.ctx, wc.cancel = context.WithCancel(context.Background())
	defer wc.cancel()

	release := make(chan struct{})
	var mu sync.Mutex
	var pushed []string
	done := make(chan struct{})
	stop := wc.Forward(x, "alice", func(e Event) {
		if e.Type != OrderChanged {
			return
		}
		mu.Lock()
		pushed = append(pushed, e.Order.Order.ClientID)
		n := len(pushed)
		mu.Unlock()
		if n == 1 {
			<-release // the forwarder is busy while the rest happens
		}
		if e.Order.Order.ClientID == "after" {
			close(done)
		}
	})
	defer stop()

	place := func(cid string) {
		t.Helper()
		_, _, err := x.Place("alice", limit(exchange.Buy, exchange.GTC, "0.01", "40000", cid))
		must(t, err)
	}
	place("before")
	h.SetFault(StreamSilent, 0)
	place("lost")
	h.ClearFaults()
	place("after")
	close(release)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the event after the silence was never pushed")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(pushed) != 2 || pushed[0] != "before" || pushed[1] != "after" {
		t.Fatalf("pushed %v, want [before after]", pushed)
	}
}

func TestSubs(t *testing.T) {
	var s Subs[string]
	if s.Change(false, "a") || len(s.List()) != 0 {
		t.Fatal("an unsubscribe started forwarding or subscribed")
	}
	if !s.Change(true, "a", "b", "a") {
		t.Fatal("the first subscription did not start forwarding")
	}
	if s.Change(true, "c") {
		t.Fatal("a second subscription started forwarding again")
	}
	s.Change(false, "b")
	if got := strings.Join(s.List(), ","); got != "a,c" {
		t.Fatalf("subscriptions %s, want a,c", got)
	}
}
