package compiler_test

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden compares every example's output with golden/<example>/, byte for
// byte. Run `go test ./... -update` to rewrite them, then review the diff.
func TestGolden(t *testing.T) {
	for _, name := range testutil.Examples {
		t.Run(name, func(t *testing.T) {
			res := testutil.CompileExample(t, name)
			dir := filepath.Join(testutil.Root(), "golden", name)
			if *update {
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
					t.Fatalf("%s differs from golden (-golden +generated):\n%s\nrun go test ./compiler -update and review the diff", p, diff)
				}
			}
		})
	}
}

// TestDescribeGolden compares `describe` of every example, text and JSON,
// with golden/describe/<example>.{txt,json}.
func TestDescribeGolden(t *testing.T) {
	for _, name := range testutil.Examples {
		d := compiler.Describe(testutil.CompileExample(t, name))
		var text bytes.Buffer
		if err := d.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		js, err := fileset.JSON(d)
		if err != nil {
			t.Fatal(err)
		}
		for ext, got := range map[string][]byte{".txt": text.Bytes(), ".json": js} {
			path := filepath.Join(testutil.Root(), "golden", "describe", name+ext)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./compiler -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s (-golden +got):\n%s", path, diff)
			}
		}
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
		t.Fatalf("reading golden tree (run go test ./compiler -update to create it): %v", err)
	}
	return out
}

// TestWriteIsAtomicAndOwned covers the write contract: unchanged files are
// left alone, files an earlier build generated are removed when no longer
// generated, and a file kuberatorc did not write is never overwritten.
func TestWriteIsAtomicAndOwned(t *testing.T) {
	root := t.TempDir()
	first := fileset.FileSet{"a/one.json": []byte("1\n"), "a/b/two.json": []byte("2\n")}
	sum, err := compiler.Write(first, root)
	if err != nil || len(sum.Written) != 2 {
		t.Fatalf("first write: %v, %+v", err, sum)
	}
	userFile := filepath.Join(root, "a", "notes.txt")
	if err := os.WriteFile(userFile, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}

	second := fileset.FileSet{"a/one.json": []byte("1\n"), "c/three.json": []byte("3\n")}
	sum, err = compiler.Write(second, root)
	if err != nil {
		t.Fatal(err)
	}
	want := compiler.Summary{Written: []string{"c/three.json"}, Unchanged: []string{"a/one.json"}, Removed: []string{"a/b/two.json"}}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Errorf("second write summary (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(filepath.Join(root, "a", "b")); !os.IsNotExist(err) {
		t.Errorf("empty directory a/b left behind: %v", err)
	}
	if data, _ := os.ReadFile(userFile); string(data) != "mine" {
		t.Errorf("user file changed: %q", data)
	}

	before := snapshot(t, root)
	third := fileset.FileSet{"a/notes.txt": []byte("generated"), "d/four.json": []byte("4\n")}
	_, err = compiler.Write(third, root)
	if _, ok := err.(*compiler.ConflictError); !ok {
		t.Fatalf("overwriting a user file: got %v, want a ConflictError", err)
	}
	if diff := cmp.Diff(before, snapshot(t, root)); diff != "" {
		t.Errorf("a refused write changed the output directory:\n%s", diff)
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	for p, data := range readTree(t, dir) {
		out[p] = string(data)
	}
	return out
}

func TestDiff(t *testing.T) {
	root := t.TempDir()
	files := fileset.FileSet{"x.json": []byte("{\n  \"a\": 1\n}\n"), "gone.json": []byte("old\n")}
	if _, err := compiler.Write(files, root); err != nil {
		t.Fatal(err)
	}
	if d, err := compiler.Diff(files, root); err != nil || d != "" {
		t.Fatalf("diff of identical trees: %q, %v", d, err)
	}
	changed := fileset.FileSet{"x.json": []byte("{\n  \"a\": 2\n}\n"), "new.json": []byte("n\n")}
	d, err := compiler.Diff(changed, root)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--- a/x.json\n+++ b/x.json\n", "-  \"a\": 1\n+  \"a\": 2\n", "--- /dev/null\n+++ b/new.json\n", "--- a/gone.json\n+++ /dev/null\n@@ -1 +0,0 @@\n-old\n"} {
		if !bytes.Contains([]byte(d), []byte(want)) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
}
