package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestPreCommitHooks: the hook this repository offers parses as pre-commit
// reads it, and its entry is a kuberatorc command that vets a scaffolded
// repository clean.
func TestPreCommitHooks(t *testing.T) {
	data, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID            string `json:"id"`
		Name          string `json:"name"`
		Description   string `json:"description"`
		Language      string `json:"language"`
		Entry         string `json:"entry"`
		PassFilenames *bool  `json:"pass_filenames"`
		Files         string `json:"files"`
	}
	if err := yaml.UnmarshalStrict(data, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 {
		t.Fatalf("want one hook, got %d", len(hooks))
	}
	h := hooks[0]
	if h.ID != "kuberatorc-vet" || h.Language != "golang" || h.Name == "" || h.PassFilenames == nil || *h.PassFilenames {
		t.Fatalf("hook: %+v", h)
	}
	args := strings.Fields(h.Entry)
	if len(args) < 2 || args[0] != "kuberatorc" || args[1] != "vet" {
		t.Fatalf("entry %q does not run kuberatorc vet", h.Entry)
	}
	dir := t.TempDir()
	var out, errs bytes.Buffer
	if code := run([]string{"init", dir, "--pin", "v1.0.0"}, &out, &errs); code != exitOK {
		t.Fatalf("init: %d\n%s", code, errs.String())
	}
	wd, _ := os.Getwd()
	t.Cleanup(func() { os.Chdir(wd) })
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	if code := run(args[1:], &out, &errs); code != exitOK || errs.Len() != 0 {
		t.Fatalf("%s in a scaffolded repository: exit %d\n%s", h.Entry, code, errs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".pre-commit-config.yaml")); err != nil {
		t.Fatal(err)
	}
}
