package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 14: `vigil demo serve` prints commands that work as printed, also
// when vigil is not on $PATH or was started with `go run .`.
func TestSelfCommand(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	onPATH := filepath.Join(bin, "vigil")
	if err := os.WriteFile(onPATH, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(dir, "my tools", "vigil")
	if err := os.MkdirAll(filepath.Dir(elsewhere), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(elsewhere, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "PATH" {
			return bin
		}
		return ""
	}
	for _, tc := range []struct {
		exe, want, note string
	}{
		{onPATH, "vigil", ""},
		{elsewhere, "'" + elsewhere + "'", ""},
		{"/tmp/go-build3141/b001/exe/vigil", "go run .", "build it with `go build"},
	} {
		env := &Env{Getenv: getenv, Executable: func() (string, error) { return tc.exe, nil }}
		cmd, note := selfCommand(env)
		if cmd != tc.want {
			t.Errorf("%s: command %q, want %q", tc.exe, cmd, tc.want)
		}
		if tc.note == "" && note != "" || !strings.Contains(note, tc.note) {
			t.Errorf("%s: note %q, want %q", tc.exe, note, tc.note)
		}
	}
}
