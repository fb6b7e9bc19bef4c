package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/compiler/summary"
)

func runDiff(args []string, stdout, stderr io.Writer) int {
	c := newCommon("diff", "diff SPEC...|DIR [-o DIR] [--prune] [--summary]", stderr)
	out := c.flags.StringP("output", "o", "out", "directory holding the committed output")
	prune := c.flags.Bool("prune", false, "count the environments the output directory holds and the specs no longer name as removed")
	summary := c.flags.Bool("summary", false, "print what changes, object by object, instead of a line diff")
	if code, ok := c.parse(args); !ok {
		return code
	}
	if *prune && !c.repository() {
		return c.usageError("--prune counts the environments whose spec is gone from a directory of environments; give that directory (kuberatorc diff envs/ --prune), not spec files")
	}
	results, code := c.compile(compiler.Options{OutputDir: *out, Specless: !*prune, Directory: c.directory()}, false, stderr)
	if results == nil {
		if code == exitInvalid {
			fmt.Fprintln(stderr, "kuberatorc: the spec is invalid; nothing was compared")
			return exitDiffInvalid
		}
		return code
	}
	if *summary {
		return summarize(results, c, *out, stdout, stderr)
	}
	d, err := compiler.Diff(results, *out, compiler.WriteOptions{Prune: *prune})
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	if d != "" {
		fmt.Fprint(stdout, d)
		fmt.Fprintf(stderr, "kuberatorc: %s differs from %s; run kuberatorc build to update it\n", *out, strings.Join(c.args, " "))
		return exitInvalid
	}
	return exitOK
}

// summarize prints what a build would change, object by object: each
// environment against the output directory.
func summarize(results []*compiler.Result, c *common, out string, stdout, stderr io.Writer) int {
	if len(results) == 2 && !isDir(c.args[0]) {
		// Given two environment files, diff --summary once compared them
		// with each other: kept, with a pointer to compare, for a release.
		fmt.Fprintln(stderr, "kuberatorc: diff --summary A B comparing two environments is deprecated; use kuberatorc compare A B")
		return compare(results, stdout, stderr)
	}
	drift := false
	for _, r := range results {
		old, err := compiler.Committed(out, r.Env.Name)
		if err != nil {
			fmt.Fprintln(stderr, "kuberatorc:", err)
			return exitError
		}
		s, err := summary.Summarize(old, r.Files)
		if err != nil {
			return internalError(stderr, err)
		}
		if s == "" {
			continue
		}
		drift = true
		if len(results) > 1 {
			fmt.Fprintf(stdout, "=== environment %s\n", r.Env.Name)
		}
		if before := compiler.Before(r.Env, out); before != nil && before.Kubernetes != r.Env.Cluster.Version {
			fmt.Fprintf(stdout, "Kubernetes upgrade %s → %s: the control plane, then the managed add-ons, then every node rolls (kuberatorc describe says how)\n",
				before.Kubernetes, r.Env.Cluster.Version)
		}
		fmt.Fprint(stdout, s)
	}
	if drift {
		return exitInvalid
	}
	return exitOK
}
