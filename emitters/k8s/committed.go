package k8s

import (
	"bytes"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/layout"
)

// ChartVersions reads the chart version each HelmRelease of a committed
// tree pins, by release name. Files that do not parse are left out: this
// is for telling what an upgrade changes, not for checking the tree.
func ChartVersions(files fileset.FileSet) map[string]string {
	out := map[string]string{}
	for _, p := range files.Paths() {
		if !strings.HasPrefix(p, layout.KubernetesDir+"/") || !strings.Contains(string(files[p]), "kind: HelmRelease") {
			continue
		}
		for _, doc := range bytes.Split(files[p], []byte("\n---\n")) {
			var hr struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
				Spec struct {
					Chart struct {
						Spec struct {
							Version string `json:"version"`
						} `json:"spec"`
					} `json:"chart"`
				} `json:"spec"`
			}
			if yaml.Unmarshal(doc, &hr) == nil && hr.Kind == "HelmRelease" && hr.Spec.Chart.Spec.Version != "" {
				out[hr.Metadata.Name] = hr.Spec.Chart.Spec.Version
			}
		}
	}
	return out
}
