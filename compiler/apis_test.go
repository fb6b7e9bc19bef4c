package compiler_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kuberator/kuberator/compiler/plan"
	"github.com/kuberator/kuberator/internal/testutil"
)

// newestMinor is the newest Kubernetes minor the schema accepts.
const newestMinor = "1.39"

// TestGeneratedAPIsServedByNewestMinor: no object kuberatorc generates for
// qa or prod is of an API version the newest accepted minor no longer
// serves; one would be our bug, and every upgrade would hit it.
func TestGeneratedAPIsServedByNewestMinor(t *testing.T) {
	for _, name := range []string{"qa", "prod"} {
		res := testutil.CompileExample(t, name)
		seen := 0
		for _, p := range res.Files.Paths() {
			if !strings.HasSuffix(p, ".yaml") {
				continue
			}
			dec := yaml.NewDecoder(bytes.NewReader(res.Files[p]))
			for {
				var obj struct{ APIVersion, Kind string }
				err := dec.Decode(&obj)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				if obj.Kind == "" {
					continue
				}
				seen++
				if r, removed := plan.Removed(obj.APIVersion, obj.Kind, newestMinor); removed {
					t.Errorf("%s: %s %s is not served as of %s (use %s)", p, obj.Kind, obj.APIVersion, r.In, r.Use)
				}
			}
		}
		if seen < 50 {
			t.Errorf("%s: only %d objects read; the test reads nothing", name, seen)
		}
	}
}

// TestRemovedAPIs: the schedule answers by minor.
func TestRemovedAPIs(t *testing.T) {
	for _, c := range []struct {
		apiVersion, kind, minor string
		want                    bool
	}{
		{"flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.31", false},
		{"flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.32", true},
		{"batch/v1beta1", "CronJob", "1.28", true},
		{"batch/v1", "CronJob", newestMinor, false},
		{"policy/v1beta1", "PodDisruptionBudget", "1.33", true},
		{"storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.26", false},
	} {
		if _, got := plan.Removed(c.apiVersion, c.kind, c.minor); got != c.want {
			t.Errorf("Removed(%s %s, %s) = %v, want %v", c.apiVersion, c.kind, c.minor, got, c.want)
		}
	}
}
