package cli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/orders"
)

func TestGateReason(t *testing.T) {
	for _, tc := range []struct {
		ready bool
		r     orders.Report
		err   error
		want  string
	}{
		{ready: true, want: ""},
		{ready: true, r: orders.Report{StillUnknown: []string{"a"}}, want: ""},
		{err: errors.New("dial tcp: refused"), want: "not reconciled"},
		{err: context.DeadlineExceeded, r: orders.Report{Left: []string{"a", "b"}}, want: "2 orders still to reconcile"},
		{r: orders.Report{StillUnknown: []string{"a"}}, want: "1 UNKNOWN order resolving"},
		{r: orders.Report{StillUnknown: []string{"a", "b"}}, want: "2 UNKNOWN orders resolving"},
		{want: "reconciling"},
	} {
		got := gateReason(tc.ready, tc.r, tc.err)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("gateReason(%v, %+v, %v) = %q, want %q", tc.ready, tc.r, tc.err, got, tc.want)
		}
	}
}
