package compiler_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/internal/testutil"
)

// TestWarningIDsDocumented keeps the table of warning ids in
// docs/warnings.md, which users accept warnings by, the same as the ids
// kuberatorc gives.
func TestWarningIDsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(testutil.Root(), "docs", "warnings.md"))
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\| ").FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1])
	}
	if diff := cmp.Diff(diag.WarningIDs, documented); diff != "" {
		t.Errorf("docs/warnings.md's warning ids differ from diag.WarningIDs (-code +docs):\n%s", diff)
	}
	if !slices.IsSorted(diag.WarningIDs) {
		t.Errorf("WarningIDs are not sorted: %v", diag.WarningIDs)
	}
}
