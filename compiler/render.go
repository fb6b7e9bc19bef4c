package compiler

import (
	"fmt"
	"path"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/emitters/k8s"
)

// Render builds an environment's overlay with kustomize, in memory, and
// returns the final manifests as one multi-document YAML stream: what Flux
// will apply.
func Render(files fileset.FileSet, env string) ([]byte, error) {
	fs := filesys.MakeFsInMemory()
	for _, p := range files.Paths() {
		if err := fs.WriteFile(path.Join("/", p), files[p]); err != nil {
			return nil, err
		}
	}
	dir := path.Join("/", k8s.OverlayDir(env))
	if !fs.Exists(path.Join(dir, "kustomization.yaml")) {
		return nil, fmt.Errorf("no overlay for environment %s", env)
	}
	// Legacy order, as `kustomize build` and `kubectl kustomize` print it:
	// namespaces and cluster-scoped objects before what lives in them.
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionLegacy
	resources, err := krusty.MakeKustomizer(opts).Run(fs, dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", k8s.OverlayDir(env), err)
	}
	return resources.AsYaml()
}
