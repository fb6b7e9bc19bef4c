package main

import (
	"strings"
	"testing"

	"github.com/kuberator/kuberator/compiler"
)

// Run by a kuberatorc of another release, preflight says so.
func TestWarnsOfAnotherRelease(t *testing.T) {
	for _, tt := range []struct {
		caller string
		warns  bool
	}{{"", false}, {compiler.Version(), false}, {"v0.0.1-other", true}} {
		t.Setenv("KUBERATORC_VERSION", tt.caller)
		var stdout, stderr strings.Builder
		if code := run([]string{"--help"}, &stdout, &stderr); code != 0 {
			t.Fatalf("preflight --help: exit %d\n%s", code, stderr.String())
		}
		warned := strings.Contains(stderr.String(), "kuberatorc v0.0.1-other runs kuberatorc-preflight "+compiler.Version())
		if warned != tt.warns {
			t.Errorf("caller %q: warned %v, want %v\n%s", tt.caller, warned, tt.warns, stderr.String())
		}
	}
}
