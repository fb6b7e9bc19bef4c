package diag

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kuberator/kuberator/compiler/model"
)

// writes records each write.
type writes []string

func (w *writes) Write(p []byte) (int, error) {
	*w = append(*w, string(p))
	return len(p), nil
}

// Text output goes out in few writes, each of whole diagnostics and at
// most a pipe's atomic size, unless one diagnostic alone is longer.
func TestWriteTextWritesWholeDiagnosticsAtomically(t *testing.T) {
	var ds Diagnostics
	for i := range 200 {
		ds.Warnf("disruption-unserved", model.Pos{File: "qa.cue", Line: i + 1, Column: 2}, "run at least 2 replicas", "workload w%03d has one replica", i)
	}
	ds.Warnf("", model.Pos{File: "qa.cue", Line: 300, Column: 2}, "", "%s", strings.Repeat("long ", 1000))
	var w writes
	if err := ds.WriteText(&w); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, d := range ds {
		fmt.Fprintln(&all, d)
	}
	if got := strings.Join(w, ""); got != all.String() {
		t.Fatalf("written:\n%s\nwant:\n%s", got, all.String())
	}
	if len(w) >= len(ds)/10 {
		t.Errorf("%d writes for %d diagnostics", len(w), len(ds))
	}
	for i, p := range w {
		if !strings.HasPrefix(p, "qa.cue:") || !strings.HasSuffix(p, "\n") {
			t.Errorf("write %d does not hold whole diagnostics: %.60q…", i, p)
		}
		if len(p) > pipeBuf && strings.Count(p, "qa.cue:") > 1 {
			t.Errorf("write %d is %d bytes, over %d, of several diagnostics", i, len(p), pipeBuf)
		}
	}
}
