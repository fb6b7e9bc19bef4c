package compiler_test

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/testutil"
)

// TestKubeNamesKnowEveryDerivedName ties plan.KubeNames, the names whose
// limits vet checks, to what the Kubernetes emitter writes: every label
// value, and every Flux Kustomization's name, that is built from the
// environment's or a workload's name must be one KubeNames lists. An
// emitter that adds such a name without a budget fails here.
func TestKubeNamesKnowEveryDerivedName(t *testing.T) {
	for _, example := range []string{"qa", "prod"} {
		res := testutil.CompileExample(t, example)
		env := res.Env
		known := map[string]bool{}
		for _, n := range plan.KubeNames(env) {
			known[n.Name] = true
		}
		derived := func(v string) bool {
			for _, base := range append(model.SortedKeys(env.Workloads), env.Name) {
				if v == base || strings.HasPrefix(v, base+"-") || strings.HasSuffix(v, "-"+base) {
					return true
				}
			}
			return false
		}
		checked := 0
		for _, p := range res.Files.Paths() {
			if !strings.HasSuffix(p, ".yaml") {
				continue
			}
			dec := yaml.NewDecoder(bytes.NewReader(res.Files[p]))
			for {
				var obj map[string]any
				if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				var values []string
				if obj["kind"] == "Kustomization" && obj["apiVersion"] != "kustomize.config.k8s.io/v1beta1" {
					values = append(values, obj["metadata"].(map[string]any)["name"].(string))
				}
				collectLabels(obj, &values)
				for _, v := range values {
					if derived(v) {
						checked++
						if !known[v] {
							t.Errorf("%s: %s writes %q, built from a spec name, which plan.KubeNames does not budget", example, p, v)
						}
					}
				}
			}
		}
		if checked < 20 {
			t.Errorf("%s: only %d derived names seen; the test reads nothing", example, checked)
		}
	}
}

// collectLabels gathers the values of every labels and matchLabels map in
// an object.
func collectLabels(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			if m, ok := child.(map[string]any); ok && (k == "labels" || k == "matchLabels") {
				for _, lk := range slices.Sorted(maps.Keys(m)) {
					if s, ok := m[lk].(string); ok {
						*out = append(*out, s)
					}
				}
				continue
			}
			collectLabels(child, out)
		}
	case []any:
		for _, child := range x {
			collectLabels(child, out)
		}
	}
}
