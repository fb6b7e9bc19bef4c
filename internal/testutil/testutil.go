// Package testutil holds what the project's tests share: where the examples
// live and how to compile one.
package testutil

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/load"
)

// Root is the repository root.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Examples are the bundled example environments, by name.
var Examples = []string{"minimal", "prod", "qa"}

// ExamplePath is the spec file of an example.
func ExamplePath(name string) string {
	return filepath.Join(Root(), "examples", name+".cue")
}

// CompileExample compiles an example and fails the test on any error.
func CompileExample(t testing.TB, name string) *compiler.Result {
	t.Helper()
	srcs, err := load.ReadSources([]string{ExamplePath(name)})
	if err != nil {
		t.Fatal(err)
	}
	// Name the spec as a user in the repository root would, so positions in
	// diagnostics do not depend on where the test runs.
	srcs[0].Path = filepath.ToSlash(filepath.Join("examples", name+".cue"))
	res, diags, err := compiler.Compile(srcs, compiler.Options{})
	if err != nil {
		t.Fatalf("%s: internal error: %v", name, err)
	}
	if res == nil {
		t.Fatalf("%s does not compile:\n%v", name, diags)
	}
	return res
}

// ReadTree reads every file below dir into a file set keyed by slash path
// relative to dir; a missing or empty dir fails the test.
func ReadTree(t testing.TB, dir string) fileset.FileSet {
	t.Helper()
	out := fileset.FileSet{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no files under %s", dir)
	}
	return out
}

// Update says the golden tests should rewrite what they compare with
// instead of comparing: KUBERATOR_UPDATE=1, as `make golden` sets it. An
// environment variable, not a flag, so that one command reaches every
// package's golden files.
func Update() bool { return os.Getenv("KUBERATOR_UPDATE") != "" }
