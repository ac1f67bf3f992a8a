package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/crypto"
)

// TTY asks the user questions on the controlling terminal. Tests script it.
type TTY interface {
	// ReadPassword reads a line without echo; the caller wipes the result.
	ReadPassword(ctx context.Context, prompt string) ([]byte, error)
	// ReadLine reads a line with echo.
	ReadLine(ctx context.Context, prompt string) (string, error)
}

// Env is what a command may touch of the outside world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	TTY    TTY // nil: no terminal
	Now    func() time.Time

	// Set by the global flags.
	ConfigPath     string
	PassphraseFile string

	// Hardening is what crypto.Harden achieved at startup.
	Hardening crypto.HardenReport
	// WorkFactor is the scrypt cost for vaults this process writes; zero
	// means crypto.DefaultWorkFactor. Tests lower it.
	WorkFactor int
	// Executable is the path of the running program (nil: os.Executable),
	// for commands that print commands to run again.
	Executable func() (string, error)
}

func (env *Env) defaults() {
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Now == nil {
		env.Now = time.Now
	}
}

// Flags returns a flag set for a command that also accepts the global
// flags, so `vigil keys list --config X` works as well as `vigil --config X
// keys list`. Parse it with ParseArgs.
func (env *Env) Flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&env.ConfigPath, "config", env.ConfigPath, "config file")
	fs.StringVar(&env.PassphraseFile, "passphrase-file", env.PassphraseFile, "vault passphrase file (0600)")
	return fs
}

// ParseArgs parses args with fs, allowing flags after positional
// arguments ("keys rm LABEL --yes"). It returns the positional arguments;
// errors are usage errors naming the command.
func ParseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usagef(fs.Name(), "%s", flagError(fs, err))
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// ConfigFile is the config path in effect: --config or the XDG default.
func (env *Env) ConfigFile() string {
	if env.ConfigPath != "" {
		return env.ConfigPath
	}
	return config.DefaultPathEnv(env.Getenv)
}

// LoadConfig loads the config at path ("" means ConfigFile()).
func (env *Env) LoadConfig(path string) (*config.Config, error) {
	if path == "" {
		path = env.ConfigFile()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &exitError{code: ExitUsage, err: fmt.Errorf("no config at %s", path),
				advice: "run 'vigil init' to create one, or pass --config PATH"}
		}
		return nil, &exitError{code: ExitUsage, err: err}
	}
	cfg, err := config.Parse(data, path, env.Getenv)
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: err}
	}
	return cfg, nil
}

// UnlockVault opens cfg's vault, with the passphrase from passphraseFile
// or, failing that, asked on the terminal (three tries). The caller wipes
// the vault when done.
func (env *Env) UnlockVault(ctx context.Context, cfg *config.Config, passphraseFile string) (*crypto.Vault, error) {
	u, err := env.unlock(ctx, cfg.Vault, passphraseFile)
	if err != nil {
		return nil, err
	}
	u.pass.Wipe()
	return u.Vault, nil
}

// unlocked is a vault together with the passphrase needed to save it.
type unlocked struct {
	*crypto.Vault
	path string
	pass crypto.Secret
}

// update applies change to the vault as it is on disk now, under the
// vault's writer lock, and saves it: another vigil changing the vault
// meanwhile loses nothing, and change sees its keys.
func (u *unlocked) update(ctx context.Context, w io.Writer, change func(*crypto.Vault) error) error {
	defer spinText(w, "encrypting the vault (scrypt)…")()
	return u.Update(ctx, u.path, u.pass.Bytes(), change)
}

func (u *unlocked) close() {
	u.Wipe()
	u.pass.Wipe()
}

func (env *Env) unlock(ctx context.Context, path, passphraseFile string) (*unlocked, error) {
	if passphraseFile == "" {
		passphraseFile = env.PassphraseFile
	}
	// Check the file before asking, so nobody types a passphrase for a
	// vault that cannot be opened anyway.
	if err := crypto.CheckVaultPermissions(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &exitError{code: ExitUnreadable, err: fmt.Errorf("no vault at %s", path),
				advice: "run 'vigil init' to create it, or set vault = ... in the config"}
		}
		if errors.Is(err, crypto.ErrInsecurePermissions) {
			return nil, err
		}
		return nil, &exitError{code: ExitUnreadable, err: err}
	}
	tries := 3
	if passphraseFile != "" {
		tries = 1
	}
	for try := 1; ; try++ {
		pass, err := env.readPassphrase(ctx, passphraseFile, "Vault passphrase ("+path+"): ")
		if err != nil {
			return nil, err
		}
		stop := spinText(env.Stderr, "unlocking the vault (scrypt)…")
		v, err := crypto.OpenVault(path, pass)
		stop()
		if err == nil {
			v.WorkFactor = env.WorkFactor
			u := &unlocked{Vault: v, path: path, pass: crypto.NewSecret(pass)}
			clear(pass)
			return u, nil
		}
		clear(pass)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !errors.Is(err, crypto.ErrWrongPassphrase) || try == tries {
			return nil, err
		}
		fmt.Fprintln(env.Stderr, "vigil: wrong passphrase, try again")
	}
}

func (env *Env) readPassphrase(ctx context.Context, file, prompt string) ([]byte, error) {
	if file != "" {
		return crypto.ReadPassphraseFile(file)
	}
	if env.TTY == nil {
		return nil, errNoTTY
	}
	p, err := env.TTY.ReadPassword(ctx, prompt)
	if err != nil {
		return nil, ttyErr(err)
	}
	return p, nil
}

// minPassphrase is short enough to remember and, with scrypt at 2^18,
// long enough that guessing takes years.
const minPassphrase = 10

// newPassphrase asks for a new vault passphrase twice, or reads it from
// file. The caller wipes it.
func (env *Env) newPassphrase(ctx context.Context, file string) ([]byte, error) {
	var p []byte
	if file != "" {
		var err error
		if p, err = crypto.ReadPassphraseFile(file); err != nil {
			return nil, err
		}
	} else {
		if env.TTY == nil {
			return nil, errNoTTY
		}
		var err error
		for try := 1; ; try++ {
			p, err = env.TTY.ReadPassword(ctx, "New vault passphrase: ")
			if err != nil {
				return nil, ttyErr(err)
			}
			if len(p) < minPassphrase {
				clear(p)
				err = fmt.Errorf("passphrase too short: use at least %d characters", minPassphrase)
			} else {
				again, err2 := env.TTY.ReadPassword(ctx, "Repeat the passphrase: ")
				if err2 != nil {
					clear(p)
					return nil, ttyErr(err2)
				}
				same := string(again) == string(p)
				clear(again)
				if same {
					return p, nil
				}
				clear(p)
				err = errors.New("the passphrases do not match")
			}
			if try == 3 {
				return nil, &exitError{code: ExitUsage, err: err}
			}
			fmt.Fprintf(env.Stderr, "vigil: %v; try again\n", err)
		}
	}
	if len(p) < minPassphrase {
		clear(p)
		return nil, &exitError{code: ExitUsage, err: fmt.Errorf("passphrase in %s too short: use at least %d characters", file, minPassphrase)}
	}
	return p, nil
}

var errNoTTY = &exitError{code: ExitUsage, err: errors.New("no terminal to ask on"),
	advice: "run vigil in a terminal, or pass --passphrase-file PATH (a 0600 file you own)"}

func ttyErr(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if _, ok := err.(*exitError); ok {
		return err
	}
	return &exitError{code: ExitUsage, err: fmt.Errorf("reading from the terminal: %w", err),
		advice: "run vigil in a terminal, or pass --passphrase-file PATH"}
}

// exitError carries the exit code and advice for an error.
type exitError struct {
	code   int
	err    error
	advice string
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usagef(cmd, format string, args ...any) error {
	advice := "run 'vigil --help'"
	if cmd != "" && cmd != "vigil" {
		advice = "run 'vigil " + cmd + " --help'"
	}
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...), advice: advice}
}

// Fail prints err as "vigil: ..." lines with advice, and returns the exit
// code it calls for.
func (env *Env) Fail(err error) int {
	code := ExitCode(err)
	if code == ExitInterrupted {
		fmt.Fprintln(env.Stderr, "vigil: interrupted")
		return code
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(env.Stderr, "vigil: "+line)
	}
	if a := advice(err); a != "" {
		fmt.Fprintln(env.Stderr, "vigil: "+a)
	}
	return code
}

// ExitCode maps an error to vigil's documented exit codes.
func ExitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, crypto.ErrWrongPassphrase):
		return ExitLocked
	case errors.Is(err, crypto.ErrCorruptVault), errors.Is(err, crypto.ErrInsecurePermissions),
		errors.Is(err, crypto.ErrPassphraseFile):
		return ExitUnreadable
	case errors.As(err, &ee):
		return ee.code
	}
	var ce config.Errors
	if errors.As(err, &ce) {
		return ExitUsage
	}
	return ExitFailure
}

func advice(err error) string {
	var ee *exitError
	if errors.As(err, &ee) && ee.advice != "" {
		return ee.advice
	}
	var a interface{ Advice() string }
	if errors.As(err, &a) {
		return a.Advice()
	}
	if errors.Is(err, crypto.ErrWrongPassphrase) {
		return "nothing was changed; the passphrase is the one chosen at 'vigil init' or the last 'vigil keys passwd'"
	}
	return ""
}
