package k8s

import (
	"path"

	"github.com/kuberator/kuberator/compiler/model"
)

// FluxNamespace is where Flux runs and keeps its sources.
const FluxNamespace = "flux-system"

// FluxSource is the GitRepository `flux bootstrap` creates for the repository
// it bootstraps. The layers use it, so they authenticate as bootstrap set up
// (deploy key or token) instead of through a second, unauthenticated source.
const FluxSource = "flux-system"

// layerTimeouts bound how long Flux waits for a layer to become healthy:
// charts pull images and run hooks; configs holds New Relic's integration.
var layerTimeouts = map[string]string{Infra: "15m", Configs: "10m", Apps: "10m"}

// LayerName is the Flux Kustomization that reconciles one layer.
func LayerName(env, layer string) string { return env + "-" + layer }

// ClusterDir is what `flux bootstrap --path` points at for an environment.
func ClusterDir(env string) string { return path.Join(ClustersDir, env) }

// RepoPath is a generated directory's path from the repository root, as Flux
// reads it; root is the spec's gitops.root.
func RepoPath(root, dir string) string { return "./" + path.Join(root, dir) }

// cluster writes kubernetes/clusters/<env>, what `flux bootstrap --path`
// points at: one Flux Kustomization per layer, each waiting for the one
// before and for its own objects to be healthy, pruning what the spec drops.
// No kustomization.yaml: bootstrap adds its own flux-system/ directory here,
// and without one kustomize-controller applies every file below the path.
func (e *emitter) cluster() {
	g := e.env.GitOps
	if g == nil {
		return
	}
	dir := ClusterDir(e.env.Name)
	for _, u := range Units(e.env.Name, model.SortedKeys(e.apps)) {
		spec := obj{
			"interval":      g.Interval,
			"retryInterval": "1m",
			"path":          RepoPath(g.Root, u.Dir),
			"prune":         true,
			"wait":          true,
			"timeout":       u.Timeout,
			"sourceRef":     obj{"kind": "GitRepository", "name": FluxSource},
		}
		if u.DependsOn != "" {
			spec["dependsOn"] = []obj{{"name": u.DependsOn}}
		}
		e.put(path.Join(dir, fileName("Kustomization", u.Name)), e.header, obj{
			"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
			"metadata": meta(u.Name, FluxNamespace), "spec": spec,
		})
	}
}
