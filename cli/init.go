package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/venues"
)

func init() {
	Register(Command{Name: "init", Summary: "write a commented config and create an empty key vault",
		Usage: `usage: vigil init [--config PATH] [--passphrase-file PATH]

Writes the commented example config (never over an existing file) and
creates an empty, encrypted key vault at the config's vault path, asking
for its new passphrase twice. Whatever already exists is left alone.

Examples:
  vigil init
  vigil --config ./vigil.toml init
  vigil init --passphrase-file ~/.vigil-pass   # automation: a 0600 file you own
`, Run: runInit})
}

func runInit(ctx context.Context, env *Env, args []string) int {
	fset := env.Flags("init")
	pos, err := ParseArgs(fset, args)
	if err != nil {
		return env.Fail(err)
	}
	if len(pos) > 0 {
		return env.Fail(usagef("init", "unexpected argument %q", pos[0]))
	}
	path := env.ConfigFile()
	wroteConfig, err := writeNewFile(path, []byte(config.Example))
	if err != nil {
		return env.Fail(err)
	}
	if wroteConfig {
		fmt.Fprintf(env.Stdout, "Wrote config %s\n", path)
	} else {
		fmt.Fprintf(env.Stdout, "Config %s exists; left as it is.\n", path)
	}
	cfg, err := env.LoadConfig(path)
	if err != nil {
		return env.Fail(err)
	}

	if _, err := os.Stat(cfg.Vault); err == nil {
		if !wroteConfig {
			return env.Fail(&exitError{code: ExitFailure,
				err:    fmt.Errorf("already initialised: config %s and vault %s exist; nothing overwritten", path, cfg.Vault),
				advice: "add keys with 'vigil keys add'; change the passphrase with 'vigil keys passwd'"})
		}
		fmt.Fprintf(env.Stdout, "Vault %s exists; left as it is.\n", cfg.Vault)
	} else if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(env.Stdout, "Creating the key vault %s.\nChoose a passphrase of at least %d characters; it cannot be recovered.\n", cfg.Vault, minPassphrase)
		pass, err := env.newPassphrase(ctx, env.PassphraseFile)
		if err != nil {
			return env.Fail(err)
		}
		defer clear(pass)
		v := &crypto.Vault{WorkFactor: env.WorkFactor}
		stop := spinText(env.Stderr, "encrypting the vault (scrypt)…")
		err = v.Save(cfg.Vault, pass)
		stop()
		if err != nil {
			return env.Fail(err)
		}
		fmt.Fprintf(env.Stdout, "Created an empty vault %s (mode 0600).\n", cfg.Vault)
	} else {
		return env.Fail(&exitError{code: ExitUnreadable, err: err})
	}
	fmt.Fprintf(env.Stdout, "\nNext:\n  vigil keys add --venue %s --label %s-test   # store an API key (venues: %s)\n  edit %s to point accounts at key labels\n",
		venues.Names()[0], venues.Names()[0], strings.Join(venues.Names(), ", "), path)
	return ExitOK
}

// writeNewFile creates path with data, 0600 in a 0700 directory, and
// reports false (no error) when the file already exists.
func writeNewFile(path string, data []byte) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return false, err
	}
	return true, f.Close()
}
