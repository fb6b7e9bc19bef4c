package compiler_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kuberator/kuberator/compiler/check"
	"github.com/kuberator/kuberator/compiler/load"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/internal/testutil"
)

// TestChartReadinessByMinor prints, for every add-on of the catalog and
// every Kubernetes minor the schema accepts, whether the pinned chart is
// ready: which add-on blocks which minor, and which is untested there.
// The table is the golden file testdata/readiness.txt.
func TestChartReadinessByMinor(t *testing.T) {
	srcs, err := load.ReadSources([]string{testutil.ExamplePath("minimal")})
	if err != nil {
		t.Fatal(err)
	}
	spec, _, err := load.Load(srcs)
	if err != nil || spec == nil {
		t.Fatalf("loading minimal: %v", err)
	}
	cat := spec.Catalog
	entries := map[string]*model.CatalogAddon{"nginx (ingress-nginx)": cat.IngressNginx}
	for name, c := range cat.Addons {
		entries[name] = c
	}
	var minors []string
	for n := 28; n <= 39; n++ { // #KubernetesVersion: 1.28 to 1.39
		minors = append(minors, fmt.Sprintf("1.%d", n))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %-8s", "ADD-ON", "CHART")
	for _, m := range minors {
		fmt.Fprintf(&b, " %-5s", m)
	}
	b.WriteString("\n")
	blocked := map[string][]string{}
	for _, name := range model.SortedKeys(entries) {
		c := entries[name]
		fmt.Fprintf(&b, "%-28s %-8s", name, c.Version)
		for _, m := range minors {
			r := check.Readiness(c, m)
			mark := map[string]string{check.Ready: "ok", check.Untested: "untst", check.NoRelease: "NONE",
				check.Excluded: "EXCL", check.NeedsNewerMinor: "OLD"}[r.Kind]
			fmt.Fprintf(&b, " %-5s", mark)
			if r.Kind != check.Ready && r.Kind != check.Untested {
				blocked[m] = append(blocked[m], name)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\nok: ready; untst: outside the range upstream tested (warning chart-untested);\n" +
		"NONE: no release in the catalog for the minor; EXCL: the chart's kubeVersion excludes it;\n" +
		"OLD: the catalog's values need a newer minor (each an error)\n\nBlocked, by minor:\n")
	for _, m := range minors {
		fmt.Fprintf(&b, "  %s: %s\n", m, strings.Join(blocked[m], ", "))
	}
	table := strings.ReplaceAll(b.String(), " \n", "\n")
	for strings.Contains(table, " \n") {
		table = strings.ReplaceAll(table, " \n", "\n")
	}
	golden := filepath.Join("testdata", "readiness.txt")
	if testutil.Update() {
		if err := os.WriteFile(golden, []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (make golden writes it)", err)
	}
	if d := cmp.Diff(string(want), table); d != "" {
		t.Errorf("chart readiness by minor changed (-golden +now); review, then make golden:\n%s", d)
	}
}
