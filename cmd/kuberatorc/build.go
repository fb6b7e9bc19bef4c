package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/kuberator/kuberator/compiler"
	"github.com/kuberator/kuberator/internal/cli"
)

func runBuild(args []string, stdout, stderr io.Writer) int {
	c := cli.NewCommon("build", "build SPEC...|DIR [-o DIR] [--prune]", stderr)
	out := c.Flags.StringP("output", "o", "out", "output directory")
	prune := c.Flags.Bool("prune", false, "remove the environments the output directory holds and the specs no longer name")
	if code, ok := c.Parse(args); !ok {
		return code
	}
	if *prune && !c.Repository() {
		return c.UsageError("--prune removes the environments whose spec is gone from a directory of environments; give that directory (kuberatorc build envs/ --prune), not spec files")
	}
	// Check first; emit only when the tree does not already hold exactly
	// what these inputs make (a rebuild then costs a vet and a read, read
	// while the spec compiles).
	var ahead *compiler.Output
	if !*prune {
		ahead = compiler.ReadOutput(*out, c.SpecFiles())
	}
	results, code := c.Compile(compiler.Options{OutputDir: *out, VetOnly: true, Specless: !*prune, Directory: c.Directory()}, false, stderr)
	fresh := false
	if ahead != nil {
		if results != nil {
			fresh, _ = compiler.Fresh(results, ahead) // what cannot be read, Write reports
		}
		ahead.Close() // before Write locks the directory
	}
	if results == nil {
		return code
	}
	if fresh {
		n := 0
		for _, r := range results {
			n += len(r.Files)
		}
		fmt.Fprintf(stdout, "kuberatorc: %s → %s: %s\n", strings.Join(c.Args, " "), *out, compiler.Summary{Unchanged: make([]string, n)})
		return exitOK
	}
	for _, r := range results {
		if err := compiler.Emit(r); err != nil {
			return cli.InternalError(stderr, err)
		}
	}
	sum, err := compiler.Write(results, *out, compiler.WriteOptions{Prune: *prune})
	if f := sum.Finished; f != nil {
		fmt.Fprintf(stdout, "kuberatorc: %s: finished a build that was interrupted: %d written, %d removed\n", *out, len(f.Written), len(f.Removed))
	}
	if err != nil {
		fmt.Fprintln(stderr, "kuberatorc:", err)
		return exitError
	}
	fmt.Fprintf(stdout, "kuberatorc: %s → %s: %s\n", strings.Join(c.Args, " "), *out, sum)
	return exitOK
}
