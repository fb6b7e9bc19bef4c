package k8s

import (
	"path"

	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/compiler/plan"
)

// FluxNamespace is where Flux runs and keeps its sources.
const FluxNamespace = "flux-system"

// FluxSource is the GitRepository `flux bootstrap` creates for the repository
// it bootstraps. The layers use it, so they authenticate as bootstrap set up
// (deploy key or token) instead of through a second, unauthenticated source.
const FluxSource = "flux-system"

// layerTimeouts bound how long Flux waits for a layer to become healthy:
// charts pull images and run hooks; configs holds New Relic's integration.
var layerTimeouts = map[string]string{layout.Infra: "15m", layout.Configs: "10m", layout.Apps: "10m"}

// externalSecretHealth tells kustomize-controller when an ExternalSecret is
// healthy: kstatus's generic rules take one that the operator has not yet
// reported on as current, so a Kustomization would be Ready while the
// Secret it needs never arrives. Failed fails the health check at once, not
// at the timeout (kustomize-controller evaluates inProgress, failed, then
// current, and falls back to in progress: fluxcd/pkg runtime/cel).
var externalSecretHealth = []obj{{
	"apiVersion": "external-secrets.io/v1",
	"kind":       "ExternalSecret",
	"current":    "status.conditions.exists(e, e.type == 'Ready' && e.status == 'True')",
	"failed":     "status.conditions.exists(e, e.type == 'Ready' && e.status == 'False')",
}}

// cluster writes kubernetes/clusters/<env>, what `flux bootstrap --path`
// points at: one Flux Kustomization per layer, each waiting for the one
// before and for its own objects to be healthy, pruning what the spec drops.
// The workloads' Kustomizations share one file, apps.yaml, one document
// each in name order: one file to create, not one per workload. No
// kustomization.yaml: bootstrap adds its own flux-system/ directory here,
// and without one kustomize-controller applies every file below the path.
func (e *emitter) cluster() {
	g := e.env.GitOps
	if g == nil {
		return
	}
	dir := layout.Cluster(e.env.Name)
	var apps []obj
	for _, u := range layout.Units(e.env.Name, model.SortedKeys(e.apps)) {
		spec := obj{
			"interval":      g.Interval,
			"retryInterval": "1m",
			"path":          layout.RepoPath(g.Root, u.Dir),
			"prune":         true,
			"wait":          true,
			"timeout":       layerTimeouts[u.Layer],
			"sourceRef":     obj{"kind": "GitRepository", "name": FluxSource},
		}
		if u.DependsOn != "" {
			spec["dependsOn"] = []obj{{"name": u.DependsOn}}
		}
		if e.plan.Runs(plan.ExternalSecrets) {
			spec["healthCheckExprs"] = externalSecretHealth
		}
		o := obj{
			"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
			"metadata": meta(u.Name, FluxNamespace), "spec": spec,
		}
		if u.Workload != "" {
			apps = append(apps, o)
			continue
		}
		e.put(path.Join(dir, fileName("Kustomization", u.Name)), e.header, o)
	}
	if len(apps) > 0 {
		e.pending = append(e.pending, document{path: path.Join(dir, layout.AppsFile), header: e.header, objs: apps})
	}
}
