package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/demo"
	"github.com/vigil-trade/vigil/exchange/venues"
)

// clockOffsets is the --clock-offset flag of `vigil demo` and `vigil demo
// serve`: "12s" for every fake venue, "VENUE=+12s" for one, several joined
// by commas or given as repeated flags. Positive: the venue's clock is
// ahead of this machine's.
type clockOffsets struct {
	opts []demo.Option
	seen []string
}

func (c *clockOffsets) String() string { return strings.Join(c.seen, ",") }

func (c *clockOffsets) Set(v string) error {
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		venue, dur, named := strings.Cut(item, "=")
		if !named {
			venue, dur = "", item
		}
		venue = strings.ToLower(strings.TrimSpace(venue))
		if _, known := venues.Lookup(venue); named && !known {
			return fmt.Errorf("%q: unknown venue %q (allowed: %s)", item, venue, strings.Join(venues.Names(), ", "))
		}
		d, err := time.ParseDuration(strings.TrimSpace(dur))
		if err != nil {
			return fmt.Errorf("%q: want a duration such as 12s, -1.8s or %s=+35s", item, venues.Names()[0])
		}
		c.opts = append(c.opts, demo.WithClockOffset(venue, d))
		c.seen = append(c.seen, item)
	}
	return nil
}
