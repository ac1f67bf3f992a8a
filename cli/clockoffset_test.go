package cli

import (
	"strings"
	"testing"
)

func TestClockOffsetFlag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		opts int
		err  string
	}{
		{"12s", 1, ""},
		{"+35s", 1, ""},
		{"-1.8s", 1, ""},
		{"okx=+12s, binance=-1.8s", 2, ""},
		{"OKX=35s", 1, ""},
		{"nosuchvenue=1s", 0, "unknown venue"},
		{"okx=soon", 0, "want a duration"},
		{"12", 0, "want a duration"},
	} {
		var c clockOffsets
		err := c.Set(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || len(c.opts) != tc.opts {
			t.Errorf("%q: err %v, %d options", tc.in, err, len(c.opts))
		}
	}
	for _, u := range []string{demoServeUsage, demoUsage} {
		if !strings.Contains(u, "--clock-offset [VENUE=]D") {
			t.Errorf("usage does not document --clock-offset:\n%s", u)
		}
	}
}
