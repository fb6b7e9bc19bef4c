package views_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/cmd/kuberatorc/views"
	"github.com/kuberator/kuberator/compiler/describe"
	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/internal/testutil"
)

// TestDescribeGolden compares `describe` of every example, text and JSON,
// with golden/describe/<example>.{txt,json}.
func TestDescribeGolden(t *testing.T) {
	for _, name := range testutil.Examples {
		res := testutil.CompileExample(t, name)
		d := describe.New(res.Env, res.Plan, nil)
		var text bytes.Buffer
		if err := views.Description(&text, d); err != nil {
			t.Fatal(err)
		}
		js, err := fileset.JSON(d)
		if err != nil {
			t.Fatal(err)
		}
		for ext, got := range map[string][]byte{".txt": text.Bytes(), ".json": js} {
			path := filepath.Join(testutil.Root(), "golden", "describe", name+ext)
			if testutil.Update() {
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
				t.Fatalf("%v (run make golden)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s (-golden +got):\n%s", path, diff)
			}
		}
	}
}
