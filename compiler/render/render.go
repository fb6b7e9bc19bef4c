// Package render builds an environment's Kubernetes tree with kustomize,
// in memory, the way Flux will: each Flux Kustomization on its own.
package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/internal/parallel"
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

// Build builds each Flux Kustomization of an environment with kustomize,
// in memory and in parallel, and returns the final manifests as one
// multi-document YAML stream in the order Flux applies them: the layers,
// then each workload. What Flux will apply.
func Build(files fileset.FileSet, env string) ([]byte, error) {
	units := layout.UnitsOf(files, env)
	if _, ok := files[path.Join(layout.Layer(env, layout.Infra), "kustomization.yaml")]; !ok {
		return nil, fmt.Errorf("no overlay for environment %s", env)
	}
	out := make([][]byte, len(units))
	errs := make([]error, len(units))
	parallel.Each(len(units), func(i int) {
		out[i], errs[i] = kustomizeBuild(unitFiles(files, env, units[i]), units[i].Dir)
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return bytes.Join(slices.DeleteFunc(out, func(y []byte) bool { return len(y) == 0 }), []byte("---\n")), nil
}

// unitFiles are the files one Kustomization's build can read: a workload's
// own directory, or for a layer everything but the workloads' directories.
// Each build gets its own in-memory tree, so builds share nothing.
func unitFiles(files fileset.FileSet, env string, u layout.Unit) filesys.FileSystem {
	fs := filesys.MakeFsInMemory()
	apps := layout.Layer(env, layout.Apps) + "/"
	layer := layout.IsLayer(env, u.Dir)
	for p, data := range files {
		rest, inApps := strings.CutPrefix(p, apps)
		ofWorkload := inApps && strings.Contains(rest, "/")
		if layer && ofWorkload || !layer && !strings.HasPrefix(p, u.Dir+"/") {
			continue
		}
		if err := fs.WriteFile(path.Join("/", p), data); err != nil {
			panic(err) // an in-memory write of a clean path cannot fail
		}
	}
	return fs
}

// kustomizeBuild is `kustomize build` of one directory, in the legacy order that
// `kustomize build` and `kubectl kustomize` print: namespaces and
// cluster-scoped objects before what lives in them.
func kustomizeBuild(fs filesys.FileSystem, dir string) ([]byte, error) {
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionLegacy
	resources, err := krusty.MakeKustomizer(opts).Run(fs, path.Join("/", dir))
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	return resources.AsYaml()
}
