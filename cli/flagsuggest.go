package cli

import (
	"flag"
	"fmt"
	"regexp"
	"strings"
)

// flagError rewrites the flag package's "flag provided but not defined: -x"
// as "unknown flag --x", naming the closest flag fs defines when one is
// near ("did you mean --qty?"). Other errors pass through unchanged.
func flagError(fs *flag.FlagSet, err error) string {
	const undefined = "flag provided but not defined: "
	msg := err.Error()
	if !strings.HasPrefix(msg, undefined) {
		return msg
	}
	name := strings.TrimLeft(strings.TrimPrefix(msg, undefined), "-")
	out := "unknown flag --" + name
	if s := closestFlag(fs, name); s != "" {
		out += " (did you mean --" + s + "?)"
	}
	return out
}

// closestFlag is the flag of fs nearest to name: one name is a prefix of
// the other, or the edit distance is at most a third of the name (at least
// 1, at most 3). Single-letter aliases are not suggested. "" when none is
// near.
func closestFlag(fs *flag.FlagSet, name string) string {
	name = strings.ToLower(name)
	best, bestD := "", 1<<30
	fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) < 2 {
			return
		}
		d := levenshtein(name, f.Name)
		if len(name) >= 2 && (strings.HasPrefix(f.Name, name) || strings.HasPrefix(name, f.Name)) {
			d = min(d, 1)
		}
		if d < bestD || d == bestD && f.Name < best {
			best, bestD = f.Name, d
		}
	})
	limit := min(max(len(name)/3, 1), 3)
	if bestD > limit {
		return ""
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

var usageFlag = regexp.MustCompile(`--([a-z][a-z0-9-]+)`)

// groupFlagError answers a flag given to a command group ("vigil order
// --qtty") instead of one of its commands: "unknown flag", the closest flag
// any of the group's commands documents and which command takes it.
func groupFlagError(group, arg string) error {
	name := strings.TrimLeft(arg, "-")
	if i := strings.IndexByte(name, '='); i >= 0 {
		name = name[:i]
	}
	cmds := groupOf(group)
	var names []string
	fs := flag.NewFlagSet(group, flag.ContinueOnError)
	owner := map[string]string{}
	for _, c := range cmds {
		names = append(names, strings.TrimPrefix(c.Name, group+" "))
		for _, m := range usageFlag.FindAllStringSubmatch(c.Usage, -1) {
			if fs.Lookup(m[1]) == nil {
				fs.Bool(m[1], false, "")
				owner[m[1]] = c.Name
			}
		}
	}
	msg := fmt.Sprintf("unknown flag --%s for 'vigil %s'", name, group)
	if s := closestFlag(fs, name); s != "" {
		msg += fmt.Sprintf(" (did you mean 'vigil %s --%s'?)", owner[s], s)
	}
	return usagef(group, "%s: name a command first (%s)", msg, strings.Join(names, ", "))
}
