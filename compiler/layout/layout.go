// Package layout is where every generated file lives in the output tree.
// The emitters write there, the output tree tells by it which environment
// owns a path, and the summary groups files by it: one spelling of the
// layout for all of them.
//
//	terraform/<env>/*.tf.json                 the AWS module of an environment
//	newrelic/<env>/*.tf.json                  its New Relic module
//	kubernetes/base/<release>/                one base per add-on, shared by every environment
//	kubernetes/overlays/<env>/<layer>/        the environment's Flux layers (infra, configs, apps)
//	kubernetes/overlays/<env>/apps/<workload> one directory per workload
//	kubernetes/clusters/<env>/                what flux bootstrap --path points at
//	kubernetes/custom/                        the team's own manifests: never written
package layout

import (
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/plan"
)

// Directories of the tree, relative to the output root.
const (
	TerraformDir  = "terraform"
	NewRelicDir   = "newrelic"
	KubernetesDir = "kubernetes"
	BaseDir       = "kubernetes/base"
	OverlaysDir   = "kubernetes/overlays"
	ClustersDir   = "kubernetes/clusters"
)

// Terraform is an environment's AWS module.
func Terraform(env string) string { return path.Join(TerraformDir, env) }

// NewRelic is an environment's New Relic module.
func NewRelic(env string) string { return path.Join(NewRelicDir, env) }

// Base is an add-on's base, by its release name.
func Base(release string) string { return path.Join(BaseDir, release) }

// Overlay is where an environment's overlay lives: one directory per layer.
func Overlay(env string) string { return path.Join(OverlaysDir, env) }

// Cluster is what `flux bootstrap --path` points at for an environment.
func Cluster(env string) string { return path.Join(ClustersDir, env) }

// RepoPath is a generated directory's path from the repository root, as Flux
// reads it; root is the spec's gitops.root.
func RepoPath(root, dir string) string { return "./" + path.Join(root, dir) }

// The layers of an environment, in the order Flux applies them. Each is one
// Flux Kustomization that dependsOn the one before, because kustomize-
// controller dry-runs a Kustomization's objects before applying any of them:
// a custom resource beside the HelmRelease that brings its CRD never applies
// on a fresh cluster (kustomize-controller issues #601 and #1194).
const (
	// Infra holds namespaces, storage classes and the add-ons' HelmRepositories
	// and HelmReleases: only kinds a fresh cluster with Flux already serves.
	Infra = "infra"
	// Configs holds every object whose CRD or admission webhook an add-on of
	// the infra layer brings: PrometheusRule, AlertmanagerConfig,
	// ClusterSecretStore, ExternalSecret, the ALB entry Ingress; and add-ons
	// that read a Secret such an object makes.
	Configs = "configs"
	// Apps holds the environment's workloads.
	Apps = "apps"
)

// Layers lists the layers in dependency order.
var Layers = []string{Infra, Configs, Apps}

// Layer is where one layer of an environment's overlay lives.
func Layer(env, layer string) string { return path.Join(OverlaysDir, env, layer) }

// App is where one workload's objects live, below the apps layer: each
// workload is a Flux Kustomization of its own, so no Kustomization (and no
// kustomize build, in the cluster or in render) grows with the number of
// workloads, and one workload that fails its health check holds up no other.
func App(env, workload string) string { return path.Join(Layer(env, Apps), workload) }

// A Unit is one Flux Kustomization of an environment: a directory kustomize
// builds on its own, and the Kustomization it waits for.
type Unit struct {
	Name      string
	Dir       string // relative to the output root
	DependsOn string // "" for the first
	// Layer is the layer the unit is, or (for a workload) belongs to.
	Layer string
	// Workload names the unit's workload; "" for a layer.
	Workload string
}

// AppsFile is the file of an environment's cluster directory that holds
// every workload's Flux Kustomization.
const AppsFile = "apps.yaml"

// Units lists an environment's Flux Kustomizations in the order they apply:
// the layers, each after the one before, then one per workload (in name
// order) after the apps layer, which holds the namespace's own policies.
func Units(env string, workloads []string) []Unit {
	var out []Unit
	previous := ""
	for _, l := range Layers {
		out = append(out, Unit{Name: plan.LayerName(env, l), Dir: Layer(env, l), DependsOn: previous, Layer: l})
		previous = plan.LayerName(env, l)
	}
	for _, w := range workloads {
		out = append(out, Unit{Name: plan.AppName(env, w), Dir: App(env, w), DependsOn: plan.LayerName(env, Apps), Layer: Apps, Workload: w})
	}
	return out
}

// UnitsOf lists the Units a generated file set holds for an environment.
func UnitsOf(files fileset.FileSet, env string) []Unit {
	var workloads []string
	prefix := Layer(env, Apps) + "/"
	for _, p := range files.Paths() {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			if w, ok := strings.CutSuffix(rest, "/kustomization.yaml"); ok && !strings.Contains(w, "/") {
				workloads = append(workloads, w)
			}
		}
	}
	return Units(env, workloads)
}

// IsLayer says whether dir is one of an environment's layers.
func IsLayer(env, dir string) bool {
	return slices.ContainsFunc(Layers, func(l string) bool { return dir == Layer(env, l) })
}

// Owns says whether an environment may own a generated path: one of its
// own directories (terraform/E, newrelic/E, kubernetes/overlays/E,
// kubernetes/clusters/E), or a shared base.
func Owns(env, p string) bool {
	return Generated(p) && (EnvOf(p) == env || strings.HasPrefix(p, BaseDir+"/"))
}

// TerraformWorkingFile says whether a file name is one Terraform itself
// writes into a module directory (its lock file, local state, a saved plan,
// a crash log): never a stray in a generated directory.
func TerraformWorkingFile(name string) bool {
	switch {
	case name == ".terraform" || name == ".terraform.lock.hcl" || name == "crash.log" || name == ".terraform.tfstate.lock.info":
		return true
	case strings.HasPrefix(name, "terraform.tfstate"), strings.HasSuffix(name, ".tfplan"):
		return true
	}
	return false
}

// EnvOf is the environment a generated path belongs to, or "" for a shared
// one: terraform/<env>/, newrelic/<env>/, kubernetes/{overlays,clusters}/<env>/.
func EnvOf(p string) string {
	parts := strings.Split(p, "/")
	switch {
	case len(parts) > 2 && (parts[0] == TerraformDir || parts[0] == NewRelicDir):
		return parts[1]
	case len(parts) > 3 && parts[0] == KubernetesDir && (parts[1] == "overlays" || parts[1] == "clusters"):
		return parts[2]
	}
	return ""
}

// Generated says whether a path is one the generator could have produced:
// Terraform JSON under terraform/ or newrelic/, YAML under kubernetes/base,
// overlays or clusters (never the team's kubernetes/custom), with no hidden
// or parent component.
func Generated(p string) bool {
	if !fs.ValidPath(p) {
		return false
	}
	parts := strings.Split(p, "/")
	switch {
	case len(parts) >= 3 && (parts[0] == TerraformDir || parts[0] == NewRelicDir):
		if !strings.HasSuffix(p, ".tf.json") {
			return false
		}
	case len(parts) >= 3 && parts[0] == KubernetesDir && slices.Contains([]string{"base", "overlays", "clusters"}, parts[1]):
		if !strings.HasSuffix(p, ".yaml") {
			return false
		}
	default:
		return false
	}
	for _, part := range parts {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}
