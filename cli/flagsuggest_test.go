package cli

import (
	"strings"
	"testing"
)

// Issue 14: a mistyped flag says "unknown flag" and names the closest flag
// the command defines, for every command, the global flags and the groups.
func TestUnknownFlagSuggestsClosest(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		args []string
		want []string
		not  string
	}{
		{[]string{"order", "place", "--qtty", "1"}, []string{"unknown flag --qtty", "did you mean --qty?"}, ""},
		{[]string{"order", "place", "--symbl", "X"}, []string{"unknown flag --symbl", "did you mean --symbol?"}, ""},
		{[]string{"order", "list", "--opn"}, []string{"unknown flag --opn", "did you mean --open?"}, ""},
		{[]string{"check", "--acount", "x"}, []string{"unknown flag --acount", "did you mean --account?"}, ""},
		{[]string{"keys", "add", "--labl", "x"}, []string{"unknown flag --labl", "did you mean --label?"}, ""},
		{[]string{"--confg", "x"}, []string{"unknown flag --confg", "did you mean --config?"}, ""},
		{[]string{"order", "place", "--bogus"}, []string{"unknown flag --bogus"}, "did you mean"},
		{[]string{"order", "--bogus"}, []string{"unknown flag --bogus for 'vigil order'", "name a command first", "place"}, "did you mean"},
		{[]string{"order", "--qtty", "1"}, []string{"unknown flag --qtty", "did you mean 'vigil order place --qty'?"}, ""},
		{[]string{"keys", "--labl"}, []string{"unknown flag --labl", "did you mean 'vigil keys "}, ""},
	} {
		r := h.run("", nil, tc.args...)
		if r.code != ExitUsage {
			t.Errorf("%v: exit %d, want %d; stderr %q", tc.args, r.code, ExitUsage, r.stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%v: stderr %q, want %q", tc.args, r.stderr, w)
			}
		}
		if tc.not != "" && strings.Contains(r.stderr, tc.not) {
			t.Errorf("%v: stderr %q should not say %q", tc.args, r.stderr, tc.not)
		}
		if strings.Contains(r.stderr, "provided but not defined") {
			t.Errorf("%v: stderr %q still says the flag package's words", tc.args, r.stderr)
		}
	}
}
