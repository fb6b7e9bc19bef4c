package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kuberator/kuberator/compiler"
)

// kuberatorc preflight runs kuberatorc-preflight with its arguments and
// streams, and exits with its code.
func TestPreflightRunsItsBinary(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\necho \"args: $*\"\necho \"kuberatorc $KUBERATORC_VERSION\" >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, preflightCommand), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	var stdout, stderr strings.Builder
	code := runPreflight([]string{"--quiet", "envs/qa.cue"}, &stdout, &stderr)
	if code != exitInvalid || stdout.String() != "args: --quiet envs/qa.cue\n" || stderr.String() != "kuberatorc "+compiler.Version()+"\n" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1, the arguments, and preflight's stderr naming kuberatorc's version", code, stdout.String(), stderr.String())
	}
}

// Without kuberatorc-preflight, kuberatorc preflight says how to install it.
func TestPreflightWithoutItsBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var stdout, stderr strings.Builder
	code := runPreflight([]string{"envs/qa.cue"}, &stdout, &stderr)
	if code != exitError || !strings.Contains(stderr.String(), "go install github.com/kuberator/kuberator/cmd/...") {
		t.Errorf("exit %d, stderr %q; want 2 and how to install kuberatorc-preflight", code, stderr.String())
	}
}
