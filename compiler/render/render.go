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

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

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
	if err := checkManifests(out, env.Manifests); err != nil {
		return nil, err
	}
	return out, nil
}

// ManifestError is a fault in the team's own manifests, at the file it is
// in: the team's to fix, not a fault of kuberatorc.
type ManifestError struct {
	File string
	Err  error
}

func (e *ManifestError) Error() string { return e.File + ": " + e.Err.Error() }

func (e *ManifestError) Unwrap() error { return e.Err }

// checkManifests reads every kustomization of the team's manifests and
// builds their root alone, so that a fault there is reported at its file.
// A remote resource is refused: a cluster whose kustomize-controller runs
// with --no-remote-bases (see docs/gitops.md) refuses it, and render must
// not reach the network.
func checkManifests(files fileset.FileSet, dir string) error {
	for _, p := range files.Paths() {
		if !strings.HasPrefix(p, dir+"/") || !isKustomization(path.Base(p)) {
			continue
		}
		var k types.Kustomization
		if err := yaml.UnmarshalStrict(files[p], &k); err != nil {
			return &ManifestError{File: p, Err: fmt.Errorf("not a kustomization kustomize reads: %w", err)}
		}
		//lint:ignore SA1019 kustomize still reads the deprecated bases, remote ones too
		for _, ref := range slices.Concat(k.Resources, k.Components, k.Bases, k.Crds) {
			if isRemote(ref) {
				return &ManifestError{File: p, Err: fmt.Errorf("%q is a remote resource; Flux's kustomize-controller with --no-remote-bases refuses it, and render never fetches it (vendor it into %s)", ref, dir)}
			}
		}
	}
	own := fileset.FileSet{}
	for _, p := range files.Paths() {
		if strings.HasPrefix(p, dir+"/") {
			own[p] = files[p]
		}
	}
	fs := filesys.MakeFsInMemory()
	for p, data := range own {
		if err := fs.WriteFile(path.Join("/", p), data); err != nil {
			return err
		}
	}
	if _, err := kustomizeBuild(fs, dir); err != nil {
		return &ManifestError{File: path.Join(dir, "kustomization.yaml"), Err: err}
	}
	return nil
}

// isKustomization reports whether a file name is one kustomize reads as a
// directory's kustomization.
func isKustomization(name string) bool {
	return slices.Contains(konfig.RecognizedKustomizationFileNames(), name)
}

// isRemote reports whether a kustomization entry names something outside
// the repository: a URL, or a git repository kustomize would clone.
func isRemote(ref string) bool {
	return strings.Contains(ref, "://") || strings.HasPrefix(ref, "git@") || strings.HasPrefix(ref, "github.com/") ||
		strings.Contains(ref, "?ref=") || strings.Contains(ref, ".git/") || strings.HasSuffix(ref, ".git")
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
