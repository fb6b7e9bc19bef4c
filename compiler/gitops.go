package compiler

import (
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/kuberator/kuberator/compiler/model"
	"github.com/kuberator/kuberator/emitters/k8s"
)

// checkGitOpsRoot warns when the output directory is not where gitops.root
// says it sits in its git repository: Flux reads the layers at paths from
// the repository root, so they would point at files this build does not
// write. Outside a git repository there is nothing to compare with.
func checkGitOpsRoot(env *model.Environment, outDir string) Diagnostics {
	if env.GitOps == nil || outDir == "" {
		return nil
	}
	abs, err := filepath.Abs(outDir)
	if err != nil {
		return nil
	}
	top := repositoryRoot(abs)
	if top == "" {
		return nil
	}
	rel, err := filepath.Rel(top, abs)
	if err != nil {
		return nil
	}
	rel = filepath.ToSlash(rel)
	root := path.Clean(env.GitOps.Root)
	if rel == root {
		return nil
	}
	return Diagnostics{{
		Pos: env.Positions.Of("gitops", "root"), Severity: Warning, ID: WarnGitopsRootMismatch,
		Message: fmt.Sprintf("the output directory %s is %q in its git repository, but gitops.root is %q: "+
			"Flux would read %s, which this build does not write", outDir, rel, root,
			k8s.RepoPath(root, k8s.ClusterDir(env.Name))),
		Hint: fmt.Sprintf("set gitops: root: %q, or build into the repository's %q directory", rel, root),
	}}
}

// checkManifests: the hand-written manifests the apps layer includes must
// be there, or kustomize, and Flux, cannot build the layer.
func checkManifests(env *model.Environment, outDir string) Diagnostics {
	if env.Manifests == "" || outDir == "" {
		return nil
	}
	k := filepath.Join(outDir, filepath.FromSlash(env.Manifests), "kustomization.yaml")
	if _, err := os.Stat(k); err == nil {
		return nil
	}
	return Diagnostics{{
		Pos: env.Positions.Of("manifests"), Severity: Error,
		Message: fmt.Sprintf("the apps layer includes %s, and %s does not exist", env.Manifests, k),
		Hint:    "write a kustomization.yaml listing your manifests there (kuberatorc never writes into it), or remove manifests",
	}}
}

// repositoryRoot is the nearest directory at or above dir that holds .git
// (a directory, or a file in a worktree), or "".
func repositoryRoot(dir string) string {
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
