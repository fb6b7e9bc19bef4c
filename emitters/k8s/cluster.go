package k8s

import (
	"path"
	"strings"
)

// FluxNamespace is where Flux runs and keeps its sources.
const FluxNamespace = "flux-system"

// cluster writes kubernetes/clusters/<env>: what `flux bootstrap --path` points
// at. A GitRepository for the platform repository and a Kustomization that
// reconciles this environment's overlay, pruning what the overlay drops.
func (e *emitter) cluster() {
	g := e.env.GitOps
	if g == nil {
		return
	}
	dir := path.Join(ClustersDir, e.env.Name)
	name := e.env.Name + "-platform"
	source := obj{"interval": "1m", "url": g.URL, "ref": obj{"branch": g.Branch}}
	if !strings.HasPrefix(g.URL, "https://") {
		// SSH needs the deploy key flux bootstrap stores in this Secret.
		source["secretRef"] = obj{"name": FluxNamespace}
	}
	e.put(path.Join(dir, fileName("GitRepository", name)), e.header, obj{
		"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
		"metadata": meta(name, FluxNamespace), "spec": source,
	})
	e.put(path.Join(dir, fileName("Kustomization", name)), e.header, obj{
		"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
		"metadata": meta(name, FluxNamespace),
		"spec": obj{
			"interval":  g.Interval,
			"path":      "./" + path.Join(g.Root, OverlayDir(e.env.Name)),
			"prune":     true,
			"wait":      true,
			"timeout":   "10m",
			"sourceRef": obj{"kind": "GitRepository", "name": name},
		},
	})
}
