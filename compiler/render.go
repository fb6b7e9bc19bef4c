package compiler

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/emitters/k8s"
)

// WithManifests adds to the file set the team's own manifests that the
// environment's apps layer includes, read from under the output directory
// (without leaving it), so that render shows what Flux will apply.
func WithManifests(files fileset.FileSet, env *model.Environment, outDir string) (fileset.FileSet, error) {
	if env.Manifests == "" {
		return files, nil
	}
	root, err := os.OpenRoot(outDir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", env.Manifests, err)
	}
	defer root.Close()
	out := maps.Clone(files)
	err = fs.WalkDir(root.FS(), env.Manifests, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := root.ReadFile(p)
		out[p] = data
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", env.Manifests, err)
	}
	return out, nil
}

// Render builds each layer of an environment's overlay with kustomize, in
// memory, in the order Flux applies them, and returns the final manifests as
// one multi-document YAML stream: what Flux will apply.
func Render(files fileset.FileSet, env string) ([]byte, error) {
	fs := filesys.MakeFsInMemory()
	for _, p := range files.Paths() {
		if err := fs.WriteFile(path.Join("/", p), files[p]); err != nil {
			return nil, err
		}
	}
	var out [][]byte
	found := false
	for _, layer := range k8s.Layers {
		dir := k8s.LayerDir(env, layer)
		if !fs.Exists(path.Join("/", dir, "kustomization.yaml")) {
			continue
		}
		found = true
		// Legacy order, as `kustomize build` and `kubectl kustomize` print it:
		// namespaces and cluster-scoped objects before what lives in them.
		opts := krusty.MakeDefaultOptions()
		opts.Reorder = krusty.ReorderOptionLegacy
		resources, err := krusty.MakeKustomizer(opts).Run(fs, path.Join("/", dir))
		if err != nil {
			return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
		}
		y, err := resources.AsYaml()
		if err != nil {
			return nil, err
		}
		if len(y) > 0 {
			out = append(out, y)
		}
	}
	if !found {
		return nil, fmt.Errorf("no overlay for environment %s", env)
	}
	return bytes.Join(out, []byte("---\n")), nil
}
