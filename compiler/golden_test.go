package compiler_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/internal/testutil"
)

// TestGolden compares every example's output with golden/<example>/, byte for
// byte. Run `make golden` to rewrite them, then review the diff.
func TestGolden(t *testing.T) {
	for _, name := range testutil.Examples {
		t.Run(name, func(t *testing.T) {
			res := testutil.CompileExample(t, name)
			dir := filepath.Join(testutil.Root(), "golden", name)
			if testutil.Update() {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
				for _, p := range res.Files.Paths() {
					dst := filepath.Join(dir, filepath.FromSlash(p))
					if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(dst, res.Files[p], 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return
			}
			want := readTree(t, dir)
			if diff := cmp.Diff(want.Paths(), res.Files.Paths()); diff != "" {
				t.Fatalf("generated files differ from %s (-golden +generated):\n%s", dir, diff)
			}
			for _, p := range want.Paths() {
				if diff := cmp.Diff(string(want[p]), string(res.Files[p])); diff != "" {
					t.Fatalf("%s differs from golden (-golden +generated):\n%s\nrun make golden and review the diff", p, diff)
				}
			}
		})
	}
}

// TestDeterministic compiles each example twice: same spec, same bytes.
func TestDeterministic(t *testing.T) {
	for _, name := range testutil.Examples {
		a := testutil.CompileExample(t, name).Files
		b := testutil.CompileExample(t, name).Files
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("%s: two compiles differ:\n%s", name, diff)
		}
	}
}

func readTree(t *testing.T, dir string) fileset.FileSet {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("reading golden tree (run make golden to create it): %v", err)
	}
	return testutil.ReadTree(t, dir)
}
