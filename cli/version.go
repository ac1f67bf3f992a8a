package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func init() {
	Register(Command{Name: "version", Summary: "print the version and build information",
		Usage: `usage: vigil version

Prints the module version, the VCS revision and time the binary was built
from, and the Go version.

Example:
  vigil version
`, Run: runVersion})
}

func runVersion(ctx context.Context, env *Env, args []string) int {
	if _, err := ParseArgs(env.Flags("version"), args); err != nil {
		return env.Fail(err)
	}
	version, rev, at, modified := "(devel)", "", "", false
	goVersion := runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	fmt.Fprintf(env.Stdout, "vigil %s\n", version)
	if rev != "" {
		if modified {
			rev += " (modified)"
		}
		fmt.Fprintf(env.Stdout, "revision %s\n", rev)
	}
	if at != "" {
		fmt.Fprintf(env.Stdout, "built from a commit of %s\n", at)
	}
	fmt.Fprintf(env.Stdout, "%s %s/%s\n", goVersion, runtime.GOOS, runtime.GOARCH)
	return ExitOK
}
