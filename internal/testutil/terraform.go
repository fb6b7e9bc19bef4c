package testutil

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

// PluginDir is the filesystem mirror holding the AWS provider.
func PluginDir() string {
	if d := os.Getenv("KUBERATOR_TF_PLUGIN_DIR"); d != "" {
		return d
	}
	return "/opt/tf-plugins"
}

// Terraform returns the terraform binary, failing (never skipping) the test
// when it or the provider mirror is missing.
func Terraform(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("terraform is not on PATH: these acceptance tests need Terraform >= 1.11 (see the README)")
	}
	if _, err := os.Stat(filepath.Join(PluginDir(), "registry.terraform.io", "hashicorp", "aws")); err != nil {
		t.Fatalf("the AWS provider mirror is missing at %s (set KUBERATOR_TF_PLUGIN_DIR): %v", PluginDir(), err)
	}
	return bin
}

// TF runs terraform in dir and returns its stdout; a failure fails the test.
func TF(t testing.TB, bin, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("terraform %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}

// LocalBackend overrides a module's S3 backend with local state: tests plan
// and apply without the team's bucket.
const LocalBackend = `{"terraform": {"backend": {"local": {}}}}`

// WriteModule writes files (name → contents) into a new temp dir, with a
// local backend in place of the spec's unless files bring their own
// backend_override.tf.json, and runs terraform init against the
// provider mirror.
func WriteModule(t testing.TB, bin string, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	if _, ok := files["backend_override.tf.json"]; !ok {
		files["backend_override.tf.json"] = []byte(LocalBackend)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	TF(t, bin, dir, "init", "-input=false", "-no-color", "-plugin-dir="+PluginDir())
	return dir
}

// Validate runs terraform validate and fails on any error or warning.
func Validate(t testing.TB, bin, dir string) {
	t.Helper()
	var out tfjson.ValidateOutput
	if err := json.Unmarshal(TF(t, bin, dir, "validate", "-json", "-no-color"), &out); err != nil {
		t.Fatal(err)
	}
	if !out.Valid || out.ErrorCount > 0 || out.WarningCount > 0 {
		diags, _ := json.MarshalIndent(out.Diagnostics, "", "  ")
		t.Fatalf("terraform validate: valid=%v errors=%d warnings=%d\n%s", out.Valid, out.ErrorCount, out.WarningCount, diags)
	}
}
