package check

import (
	"fmt"
	"path"
	"path/filepath"

	"github.com/kuberator/kuberator/compiler/diag"
	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/model"
)

// checkGitOpsRoot warns when the output directory is not where gitops.root
// says it sits in its git repository: Flux reads the layers at paths from
// the repository root, so they would point at files this build does not
// write. Outside a git repository there is nothing to compare with.
func checkGitOpsRoot(env *model.Environment, out *Output, ds *diag.Diagnostics) {
	if env.GitOps == nil || !out.InRepository {
		return
	}
	root := path.Clean(env.GitOps.Root)
	if out.RepositoryPath == root {
		return
	}
	ds.Warnf(diag.GitopsRootMismatch, env.Positions.Of("gitops", "root"),
		fmt.Sprintf("set gitops: root: %q, or build into the repository's %q directory", out.RepositoryPath, root),
		"the output directory %s is %q in its git repository, but gitops.root is %q: "+
			"Flux would read %s, which this build does not write", out.Dir, out.RepositoryPath, root,
		layout.RepoPath(root, layout.Cluster(env.Name)))
}

// checkManifests: the hand-written manifests the apps layer includes must
// be there, or kustomize, and Flux, cannot build the layer.
func checkManifests(env *model.Environment, out *Output, ds *diag.Diagnostics) {
	if env.Manifests == "" || out.ManifestsPresent {
		return
	}
	k := filepath.Join(out.Dir, filepath.FromSlash(env.Manifests), "kustomization.yaml")
	ds.Errorf(env.Positions.Of("manifests"),
		"write a kustomization.yaml listing your manifests there (kuberatorc never writes into it), or remove manifests",
		"the apps layer includes %s, and %s does not exist", env.Manifests, k)
}

// checkGitOpsRootInside: gitops.root is a directory of the repository;
// one that leaves it makes Flux paths such as ../../kubernetes/clusters/qa
// that no repository checkout holds.
func checkGitOpsRootInside(env *model.Environment, ds *diag.Diagnostics) {
	if env.GitOps == nil {
		return
	}
	if root := env.GitOps.Root; path.IsAbs(root) || !filepath.IsLocal(path.Clean(root)) && path.Clean(root) != "." {
		ds.Errorf(env.Positions.Of("gitops", "root"), `give the output directory's path from the repository root, such as "deploy", or "." for the root itself`,
			"gitops.root %q leaves the repository: Flux reads paths inside its checkout", root)
	}
}
