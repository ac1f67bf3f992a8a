package cli

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/demo"
)

// clockOffsets is the --clock-offset flag of `vigil demo` and `vigil demo
// serve`: "12s" for every fake venue, "okx=+12s" for one, several joined
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
		if named && !slices.Contains(config.KnownVenues(), venue) {
			return fmt.Errorf("%q: unknown venue %q (allowed: %s)", item, venue, strings.Join(config.KnownVenues(), ", "))
		}
		d, err := time.ParseDuration(strings.TrimSpace(dur))
		if err != nil {
			return fmt.Errorf("%q: want a duration such as 12s, -1.8s or okx=+35s", item)
		}
		c.opts = append(c.opts, demo.WithClockOffset(venue, d))
		c.seen = append(c.seen, item)
	}
	return nil
}
