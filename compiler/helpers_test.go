package compiler

import (
	"testing"

	"github.com/kuberator/kuberator/compiler/load"
)

// compileExample compiles examples/<name>.cue from inside the package
// (testutil.CompileExample imports this package, so it cannot be used here).
func compileExample(t *testing.T, name string) ([]load.Source, *Result) {
	t.Helper()
	srcs, err := load.ReadSources([]string{"../examples/" + name + ".cue"})
	if err != nil {
		t.Fatal(err)
	}
	res, diags, err := Compile(srcs, Options{})
	if err != nil || res == nil {
		t.Fatalf("%s does not compile: %v %v", name, err, diags)
	}
	return srcs, res
}
