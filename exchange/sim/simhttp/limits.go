package simhttp

import (
	"strconv"
	"sync"
	"time"
)

// Rolling counts requests per bucket over rolling windows, the way venues
// that state limits as "N per T" count them. Safe for concurrent use; the
// zero value is ready.
type Rolling struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

// Take records a request at now in each bucket in turn, stopping at the
// first that already holds limit requests within per before now. ok is
// whether every bucket took it; left and reset describe the last bucket
// tried: how many requests it has left, and when it frees one (now while
// it has room, else when its oldest request leaves the window).
func (rl *Rolling) Take(now time.Time, limit int, per time.Duration, buckets ...string) (ok bool, left int, reset time.Time) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if rl.times == nil {
		rl.times = map[string][]time.Time{}
	}
	for _, b := range buckets {
		ts := rl.times[b]
		cut := 0
		for cut < len(ts) && !ts[cut].After(now.Add(-per)) {
			cut++
		}
		ts = ts[cut:]
		if len(ts) >= limit {
			rl.times[b] = ts
			return false, 0, ts[0].Add(per)
		}
		ts = append(ts, now)
		rl.times[b] = ts
		left, reset = limit-len(ts), now
	}
	return true, left, reset
}

// WindowStart is the start of the fixed window of the given size that holds
// t, counted from the Unix epoch in milliseconds (calendar minutes, UTC
// days), as venues with fixed windows count.
func WindowStart(t time.Time, size time.Duration) time.Time {
	ms := t.UnixMilli()
	w := size.Milliseconds()
	return time.UnixMilli(ms - ms%w)
}

// RetryAfter is a Retry-After value for a refusal in force until t: whole
// seconds from now, rounded up, at least 1.
func RetryAfter(now, t time.Time) string {
	d := t.Sub(now)
	secs := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(secs, 1), 10)
}
