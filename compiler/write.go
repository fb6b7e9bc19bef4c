package compiler

import (
	"path/filepath"

	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/outtree"
)

// ManifestName is the file in the output root that records what kuberatorc
// generated there.
const ManifestName = outtree.ManifestName

// Summary says what a write did, path by path.
type Summary = outtree.Summary

// ConflictError is a generated path that exists on disk but was not written
// by kuberatorc.
type ConflictError = outtree.ConflictError

// WriteOptions tune a write or a diff of several environments.
type WriteOptions struct {
	// Prune removes the environments the output directory holds and the
	// results lack; without it, a build or diff leaves them alone.
	Prune bool
}

// Write puts the environments' files under root, confined, crash-safe and
// serialised with any other build of the same directory (see package
// outtree). Each environment owns its own files; the shared bases belong to
// every environment that generates them.
func Write(results []*Result, root string, opts WriteOptions) (Summary, error) {
	t, err := outtree.Open(root)
	if err != nil {
		return Summary{}, err
	}
	defer t.Close()
	return t.Write(buildOf(results, root, opts))
}

// Diff compares the environments' files with what is under root and returns
// a unified diff that turns the committed files into the generated ones,
// plus the files in generated directories that kuberatorc did not write; it
// is empty when they agree. Paths are relative to the git repository that
// holds root, when there is one.
func Diff(results []*Result, root string, opts WriteOptions) (string, error) {
	t, err := outtree.OpenReadOnly(root)
	if err != nil {
		return "", err
	}
	defer t.Close()
	return t.Diff(buildOf(results, root, opts))
}

// Committed returns what the last build under root generated for the named
// environments, as it is on disk.
func Committed(root string, envs ...string) (fileset.FileSet, error) {
	t, err := outtree.OpenReadOnly(root)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	return t.Committed(envs...)
}

func buildOf(results []*Result, root string, opts WriteOptions) outtree.Build {
	b := outtree.Build{Envs: map[string]fileset.FileSet{}, Prune: opts.Prune, Version: Version(), Prefix: displayPrefix(root)}
	for _, r := range results {
		b.Envs[r.Env.Name] = r.Files
	}
	return b
}

// displayPrefix is root relative to its git repository, or root as given
// outside one: where a reviewer finds the files a diff names.
func displayPrefix(root string) string {
	abs, err := filepath.Abs(root)
	if err != nil {
		return filepath.ToSlash(root)
	}
	if top := repositoryRoot(abs); top != "" {
		if rel, err := filepath.Rel(top, abs); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(filepath.Clean(root))
}
