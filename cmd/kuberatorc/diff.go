package main

import (
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/fileset"
	"github.com/kuberator/kuberator/compiler/layout"
	"github.com/kuberator/kuberator/compiler/outtree"
	"github.com/kuberator/kuberator/compiler/summary"
	"github.com/kuberator/kuberator/internal/cli"
)

func runDiff(args []string, stdout, stderr io.Writer) int {
	c := cli.NewCommon("diff", "diff SPEC...|DIR [-o DIR] [--prune] [--summary]", stderr)
	out := c.Flags.StringP("output", "o", "out", "directory holding the committed output")
	prune := c.Flags.Bool("prune", false, "count the environments the output directory holds and the specs no longer name as removed")
	summary := c.Flags.Bool("summary", false, "print what changes, object by object, instead of a line diff")
	if code, ok := c.Parse(args); !ok {
		return code
	}
	if *prune && !c.Repository() {
		return c.UsageError("--prune counts the environments whose spec is gone from a directory of environments; give that directory (kuberatorc diff envs/ --prune), not spec files")
	}
	// Check first; emit only when the tree does not already hold exactly
	// what these inputs make, as build does: then the files it holds are
	// what a build would write, and only strays and pruning remain to see.
	held := compiler.ReadOutput(*out, c.SpecFiles())
	defer held.Close()
	results, code := c.Compile(compiler.Options{OutputDir: *out, VetOnly: true, Specless: !*prune, Directory: c.Directory()}, false, stderr)
	if results == nil {
		if code == exitInvalid {
			fmt.Fprintln(stderr, "kuberatorc: the spec is invalid; nothing was compared")
			return exitDiffInvalid
		}
		return code
	}
	if *summary && len(results) == 2 && !cli.IsDir(c.Args[0]) {
		// Given two environment files, diff --summary once compared them
		// with each other: kept, with a pointer to compare, for a release.
		fmt.Fprintln(stderr, "kuberatorc: diff --summary A B comparing two environments is deprecated; use kuberatorc compare A B")
		return compare(results, stdout, stderr)
	}
	if fresh, err := compiler.Fresh(results, held); err != nil || !fresh {
		for _, r := range results {
			if err := compiler.Emit(r); err != nil {
				return cli.InternalError(stderr, err)
			}
		}
	}
	changes, err := compiler.Changes(results, held, compiler.WriteOptions{Prune: *prune})
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	if changes.Empty() {
		return exitOK
	}
	if *summary {
		if code := summarize(results, changes, *out, stdout, stderr); code != exitOK {
			return code
		}
	} else {
		fmt.Fprint(stdout, changes.Unified())
	}
	fmt.Fprintf(stderr, "kuberatorc: %s differs from %s; run kuberatorc build to update it\n", *out, strings.Join(c.Args, " "))
	return exitInvalid
}

// summarize prints what a build would change, object by object: each
// environment against the output directory, then what no object says (a
// hand-broken file, a comment, a stray, a pruned environment). It is
// called only when there are changes: diff exits 1 whatever it prints.
func summarize(results []*compiler.Result, changes outtree.Changes, out string, stdout, stderr io.Writer) int {
	unreadable := map[string]string{}
	objectsChanged := false
	for _, r := range results {
		old, err := compiler.Committed(out, r.Env.Name)
		if err != nil {
			fmt.Fprintln(stderr, "kuberatorc:", err)
			return exitError
		}
		bad := summary.Unreadable(old)
		maps.Copy(unreadable, bad)
		s, err := summary.Summarize(without(old, bad), without(r.Files, bad))
		if err != nil {
			return cli.InternalError(stderr, err)
		}
		if s == "" {
			continue
		}
		objectsChanged = true
		if len(results) > 1 {
			fmt.Fprintf(stdout, "=== environment %s\n", r.Env.Name)
		}
		before := compiler.Before(r.Env, out)
		if before != nil && before.Kubernetes != r.Env.Cluster.Version {
			fmt.Fprintf(stdout, "Kubernetes upgrade %s → %s: the control plane, then the managed add-ons, then every node rolls (kuberatorc describe says how)\n",
				before.Kubernetes, r.Env.Cluster.Version)
		}
		if before != nil && before.ClusterInPrivateSubnets && r.Env.Cluster.AddonNetworkPolicies {
			fmt.Fprintln(stdout, "The control plane moves to subnets of its own: apply the Terraform before Flux reconciles any add-on NetworkPolicy, which lets the control plane in from there only (see the control-plane-move warning)")
		}
		fmt.Fprint(stdout, s)
	}
	lines := uninterpreted(changes, unreadable)
	if !objectsChanged {
		lines = append(lines, moved(changes, unreadable)...)
	}
	for _, line := range lines {
		fmt.Fprintln(stdout, line)
	}
	return exitOK
}

// uninterpreted lists, one "! " line each, the changes no object of the
// summary shows.
func uninterpreted(changes outtree.Changes, unreadable map[string]string) []string {
	var lines []string
	for _, f := range changes.Files {
		switch why, bad := unreadable[f.Path]; {
		case bad:
			lines = append(lines, fmt.Sprintf("! %s: changed outside kuberatorc (%s)", changes.Shown(f.Path), why))
		case f.Old != nil && f.New != nil && !listsChanges(f.Path, changes):
			s, err := summary.Summarize(fileset.FileSet{f.Path: f.Old}, fileset.FileSet{f.Path: f.New})
			if err == nil && s == "" {
				lines = append(lines, fmt.Sprintf("! %s: changed outside kuberatorc (no object changed: a comment or formatting)", changes.Shown(f.Path)))
			}
		}
	}
	for _, p := range changes.Strays {
		lines = append(lines, fmt.Sprintf("! %s: not generated by kuberatorc, in a directory it generates (Terraform or Flux reads it)", changes.Shown(p)))
	}
	for _, env := range slices.Sorted(maps.Keys(changes.Pruned)) {
		lines = append(lines, fmt.Sprintf("! environment %s: pruned, its %d files removed", env, changes.Pruned[env]))
	}
	return lines
}

// moved says, when no object changed, that files were added and removed
// all the same: the objects moved between files, as when a release of
// kuberatorc lays the tree out anew.
func moved(changes outtree.Changes, unreadable map[string]string) []string {
	added, removed := 0, 0
	for _, f := range changes.Files {
		if _, bad := unreadable[f.Path]; bad || changes.Pruned[layout.EnvOf(f.Path)] > 0 {
			continue
		}
		switch {
		case f.Old == nil:
			added++
		case f.New == nil:
			removed++
		}
	}
	if added+removed == 0 {
		return nil
	}
	return []string{fmt.Sprintf("! the same objects in another file layout: %d files written, %d removed (kuberatorc build converts the tree)", added, removed)}
}

// listsChanges reports whether a kustomization.yaml changed because the
// files it lists did: another file below its directory changes too. Its
// own lists are no object, and the objects they add show in the summary.
func listsChanges(p string, changes outtree.Changes) bool {
	if path.Base(p) != "kustomization.yaml" {
		return false
	}
	dir := path.Dir(p) + "/"
	return slices.ContainsFunc(changes.Files, func(f outtree.FileChange) bool {
		return f.Path != p && strings.HasPrefix(f.Path, dir)
	})
}

// without is a file set less the given paths.
func without[V any](fs fileset.FileSet, drop map[string]V) fileset.FileSet {
	out := maps.Clone(fs)
	for p := range drop {
		delete(out, p)
	}
	return out
}
