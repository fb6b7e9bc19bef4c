package compiler_test

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mappedPackages reads the package map of CONTRIBUTING.md: the first fenced
// block after a heading that says "Package map", one package a line, its
// path relative to the module root first.
func mappedPackages(t *testing.T, doc string) []string {
	t.Helper()
	var (
		heading, inBlock, done bool
		pkgs                   []string
	)
	sc := bufio.NewScanner(strings.NewReader(doc))
	for sc.Scan() && !done {
		line := sc.Text()
		fence := strings.HasPrefix(strings.TrimSpace(line), "```")
		switch {
		case inBlock && fence:
			done = true
		case inBlock:
			if f := strings.Fields(line); len(f) > 0 {
				pkgs = append(pkgs, f[0])
			}
		case !heading:
			heading = strings.HasPrefix(line, "#") && strings.Contains(line, "Package map")
		case fence:
			inBlock = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	switch {
	case !heading:
		t.Fatal(`CONTRIBUTING.md has no heading with "Package map"`)
	case !done:
		t.Fatal("CONTRIBUTING.md has no closed fenced block after its package map heading")
	}
	return pkgs
}

// TestPackageMap keeps CONTRIBUTING.md's package map the same as the
// module's packages, as `go list ./...` sees them: a package added, removed
// or moved without a line in the map fails here.
func TestPackageMap(t *testing.T) {
	doc, err := os.ReadFile("../CONTRIBUTING.md")
	if err != nil {
		t.Fatal(err)
	}
	mapped := mappedPackages(t, string(doc))
	slices.Sort(mapped)
	var listed []string
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if rel == "" {
			rel = "."
		}
		listed = append(listed, rel)
	}
	slices.Sort(listed)
	if diff := cmp.Diff(listed, mapped); diff != "" {
		t.Errorf("CONTRIBUTING.md's package map differs from go list ./... (-go list +map):\n%s", diff)
	}
}
