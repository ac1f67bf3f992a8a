package venues

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// upcoming are the venues the seeds name that have no package yet: code
// written before they come must not name them either.
var upcoming = []string{"kraken", "coinbase", "deribit", "hyperliquid"}

// TestNoVenueNamedOutsideItsPackage walks the module's non-test Go code and
// fails on every identifier or string literal that names a venue, outside
// exchange/<venue>/ and this list: venue specifics stay in the venue's
// package, and everything else reads descriptors. Comments may name venues
// (a why often does).
func TestNoVenueNamedOutsideItsPackage(t *testing.T) {
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not at %s: %v", root, err)
	}
	names := append(Names(), upcoming...)
	allowed := map[string]bool{
		filepath.Join("exchange", "venues", "venues.go"): true,
		// The journal's one-byte dictionary is file format, frozen when
		// the first three venues were the only ones: data, not knowledge
		// of a venue (a new venue is spelt out in full).
		filepath.Join("store", "records.go"): true,
	}
	var files int
	err := filepath.WalkDir(root, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if de.IsDir() {
			if strings.HasPrefix(de.Name(), ".") && rel != "." || de.Name() == "testdata" {
				return filepath.SkipDir
			}
			for _, n := range names {
				if rel == filepath.Join("exchange", n) {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || allowed[rel] {
			return nil
		}
		files++
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, hit := range venueTokens(src, names) {
			t.Errorf("%s:%d names venue %q in %s", rel, hit.line, hit.venue, hit.tok)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("walked only %d files: is the root right?", files)
	}
}

type venueHit struct {
	line  int
	venue string
	tok   string
}

func venueTokens(src []byte, names []string) []venueHit {
	fset := token.NewFileSet()
	f := fset.AddFile("", fset.Base(), len(src))
	var s scanner.Scanner
	s.Init(f, src, nil, 0) // no ScanComments: comments are skipped
	var hits []venueHit
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return hits
		}
		if tok != token.IDENT && tok != token.STRING {
			continue
		}
		low := strings.ToLower(lit)
		for _, n := range names {
			if strings.Contains(low, n) {
				hits = append(hits, venueHit{f.Line(pos), n, lit})
			}
		}
	}
}

func TestVenueTokensFindsNamesInCodeNotComments(t *testing.T) {
	src := []byte("package x\n// binance is fine here\nvar a = \"OKX\"\nfunc bybitThing() {}\n/* kraken */\n")
	hits := venueTokens(src, []string{"binance", "okx", "bybit", "kraken"})
	if len(hits) != 2 || hits[0].venue != "okx" || hits[0].line != 3 || hits[1].venue != "bybit" || hits[1].line != 4 {
		t.Fatalf("hits %+v", hits)
	}
}
